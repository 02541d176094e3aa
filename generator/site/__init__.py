"""The help site.

Owns ``content/``: the help pages and their front matter, the site index (every source
path, page URL, title, draft and asset, built once per run), the staged docs tree with its
navigation, and the site builder — ``builder.py`` is the one module that imports MkDocs.
"""
