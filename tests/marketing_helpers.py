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
KIT_SECRET = "unsubscribe-secret-for-tests-0123456789"
"""The secret kits are keyed with in the tests (smtp_helpers' SECRET: send finds the same kits)."""
LONG_NAME = ("Maximilian-Alexander", "Großkreutz-Überschär")


def repo_campaign() -> tuple[Project, Campaign]:
    """The campaign committed in marketing-assets/ (read only)."""
    project = load_project(REPO)
    campaigns, problems = load_campaigns(project)
    assert problems == []
    assert len(campaigns) == 1
    return project, campaigns[0]


def kit_folder(root: Path, code: str) -> Path:
    """The folder of the kit of ``code``: build/kits/<keyed token>."""
    from generator.members.recipients import kit_token

    return root / "build" / "kits" / kit_token(KIT_SECRET.encode(), code)


def kit_names(root: Path, *codes: str) -> list[str]:
    """The kit folders of ``codes`` as sorted names (to compare with what is in build/kits/)."""
    return sorted(kit_folder(root, code).name for code in codes)


def kit_folders(root: Path) -> list[str]:
    """The members' kit folders in build/kits/ (not the shared files, not the folder's page)."""
    kits = root / "build" / "kits"
    return sorted(p.name for p in kits.iterdir() if p.is_dir() and p.name != "gemeinsam")


def member_image(kit: Path, name: str) -> Image.Image:
    """The member's image ``name`` (e.g. social-1080x1080) as the kit's page puts it together."""
    import html
    import json
    import re

    from generator.marketing.compose import Part, assemble

    page = (kit / "index.html").read_text(encoding="utf-8")
    tag = re.search(rf'<a class="eigenes-bild" href="([^"]+/{name}\.png)"[^>]*>', page)
    assert tag, f"{name} is no image put together on the page"
    attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', tag.group(0)))
    parts = tuple(
        Part(*numbers) for numbers in json.loads(html.unescape(attributes["data-stuecke"]))
    )
    generic = (kit / html.unescape(attributes["href"])).resolve().read_bytes()
    pieces = (kit / html.unescape(attributes["data-teile"])).read_bytes()
    return assemble(generic, pieces, parts)


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
