"""The review of a change: what members will see differently, on one page.

Owns ``rundbrief review``: which base a change is compared with and which files changed
(``changes.py``), building both sides with the one pipeline of ``generator/build.py`` — the
base in a temporary git worktree, cached by its commit (``sides.py``) — and comparing them:
newsletters with their pictures at 600 and 375 px, the rendered text of help pages word by
word, Werbemittel pictures old beside new, settings key by key (``compare.py``,
``texts.py``, ``yamldiff.py``, ``pictures.py``). It writes ``build/review/index.html``, one
self-contained German page (``page.py``), and the Markdown job summary of the pull request
(``summary.py``). ``pipeline.py`` shows the whole review on one screen.
"""
