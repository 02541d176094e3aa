"""rundbrief: help site, newsletters and promotional material from one repository."""

from __future__ import annotations

__version__ = "0.1.0"
