"""Helpers of the Werbemittel tests: the repository's campaign, decoding QR codes, members files."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import zxingcpp
from PIL import Image

from generator.core.settings import Project, load_project
from generator.marketing.campaign import Campaign
from generator.marketing.load import load_campaigns

REPO = Path(__file__).resolve().parent.parent
LONG_NAME = ("Maximilian-Alexander", "Großkreutz-Überschär")


def repo_campaign() -> tuple[Project, Campaign]:
    """The campaign committed in marketing-assets/ (read only)."""
    project = load_project(REPO)
    campaigns, problems = load_campaigns(project)
    assert problems == []
    assert len(campaigns) == 1
    return project, campaigns[0]


def decode_qr(image: Image.Image | bytes) -> list[str]:
    """The texts of every QR code found in an image."""
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    return [code.text for code in zxingcpp.read_barcodes(image.convert("RGB"))]


def templates_files() -> dict[str, str | bytes]:
    """The repository's campaign templates, as files for ``make_project``."""
    folder = REPO / "marketing-assets" / "templates"
    return {f"marketing-assets/templates/{p.name}": p.read_bytes() for p in folder.iterdir()}


def copy_marketing(root: Path) -> None:
    """Put the repository's marketing-assets/ into a test project, with the facts it names."""
    shutil.copytree(REPO / "marketing-assets", root / "marketing-assets", dirs_exist_ok=True)
    shutil.copy2(REPO / "fakten.yml", root / "fakten.yml")


def approve(root: Path) -> Path:
    """Commit the project on main and push it to a bare remote 'origin': what kits build from."""
    from conftest import add_remote, git

    (root / ".gitignore").write_text("build/\n.rundbrief/\nmembers.csv\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "approved campaign")
    add_remote(root)
    return root
