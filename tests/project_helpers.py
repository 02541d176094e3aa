"""The repository's own sources as a project: what tests and benchmarks copy to a scratch folder."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT_FILES = (
    "content",
    "newsletters",
    "marketing-assets",
    "overrides",
    "mkdocs.yml",
    "rundbrief.yml",
    "fakten.yml",
)
"""Everything a project is made of (members files and the journal are local state, not sources)."""


def copy_sources(root: Path) -> Path:
    """Copy this repository's sources into ``root`` (created); return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.is_file():
            shutil.copy2(source, root / name)
    return root
