"""The writing desk in the browser: the editor at ``/admin/`` of the help site.

A git-based CMS (Sveltia CMS, ``bundle``) edits the repository's own files; every save is a
branch and a pull request that the founder approves by merging. Its configuration is made
from the same declarations the sources are validated with (``config``), and its pages are
staged into the help site like every other generated page (``pages``).
"""
