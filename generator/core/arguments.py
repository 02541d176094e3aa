"""Values rundbrief hands to a subprocess: checked here, so that none can become an option.

A value from ``rundbrief.yml`` or a pull request that starts with ``-`` would be read by git
as an option: ``sending.remote: --upload-pack=…`` runs a command during ``send``, before the
approval is checked. Values are therefore checked when the settings are read, and every call
puts ``--`` (or ``--end-of-options``) before the paths and refs it passes (see ``gitinfo``).
"""

from __future__ import annotations

import re

from generator.core.i18n import _

_REMOTE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*")
"""A git remote name: letters, digits, ``._-`` and ``/`` between parts; never a leading ``-``."""


def git_remote(value: str) -> str | None:
    """Check: the name of a git remote (``origin``), which git can never read as an option."""
    if (
        not _REMOTE.fullmatch(value)
        or ".." in value
        or value.endswith((".lock", "."))
        or len(value) > 100
    ):
        return _(
            "expected the name of a git remote (letters, digits, '.', '_', '-', not starting "
            "with '-'), e.g. origin; got '{value}'"
        ).format(value=value)
    return None


def operand(value: str) -> str:
    """``value`` as an argument that is no option; raise ValueError for one starting with '-'."""
    if not value or value.startswith("-") or "\0" in value:
        raise ValueError(f"not an operand: {value!r}")
    return value
