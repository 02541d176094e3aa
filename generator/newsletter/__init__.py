"""Newsletters, from ``newsletters/*.md`` to a checked email.

Owns the source and its front matter, Markdown → email HTML, the layout, CSS inlining, the
text part, merge fields, the MIME form of the message, the preflight checks, the cache, and
what newsletters add to the site (archive pages, feed) and to the preview. ``render.py`` holds
the one checked render that every command goes through.
"""
