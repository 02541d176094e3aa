"""The review of a change: what members will see differently, on one page.

Owns ``rundbrief review``: which base a change is compared with and which files changed
(``changes.py``); both sides built by the one pipeline of ``generator/build.py`` — the base
in a temporary git worktree, cached by its commit (``sides.py``); the comparison product by
product (``compare.py`` into the records of ``model.py``): newsletters with their reach in
the members source (``reach.py``) and their pictures at 600 and 375 px (``pictures.py``), the
rendered text of help pages word by word (``texts.py``), Werbemittel pictures old beside
new, settings and facts key by key (``yamldiff.py``, ``facts.py`` with the hook that says
where a fact is used). It writes ``build/review/index.html``, one self-contained German page
(``page.py`` and ``templates/``), and the Markdown job summary of a pull request
(``summary.py``). Each changed campaign is also rendered for the sample member
(``kitsample.py``). ``review --mail`` sends the approvers on main each changed newsletter as
members get it and a summary with the pull request's link (``mail.py``, ``github.py``), once
per commit. ``pipeline.py`` shows the whole review on one screen.
"""
