"""One door for files: symbolic links, paths out of the repository and special files are refused.

Every file rundbrief reads from the repository or writes into an output passes
``generator.core.files``; these tests try the ways around it that a hostile pull request or
a careless checkout would take.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import stderr_lines
from newsletter_helpers import newsletter_text

from generator.core.i18n import _

SECRET = "[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0LXRva2Vu\n"
ARTICLE = (
    "---\ntitle: Start\ndescription: Eine Seite mit genug Text für die Beschreibung.\n---\nText.\n"
)


def _with_git_secret(project: Path) -> Path:
    """A ``.git/config`` holding a token, as the CI checkout keeps it."""
    (project / ".git").mkdir(exist_ok=True)
    config = project / ".git" / "config"
    config.write_text(SECRET, encoding="utf-8")
    return config


def _published(project: Path) -> list[Path]:
    """Every file of site/ and build/ that holds the secret or the password file's first line."""
    found = []
    for folder in (project / "site", project / "build"):
        for path in folder.rglob("*") if folder.is_dir() else []:
            if path.is_file():
                data = path.read_bytes()
                if b"c2VjcmV0LXRva2Vu" in data or b"root:x:0:0" in data:
                    found.append(path)
    return found


LINKS = {
    "overrides/assets/leak.txt": "../../.git/config",
    "overrides/passwd.txt": "/etc/passwd",
    "newsletters/bilder/leak.png": "../../.git/config",
    "newsletters/2026-11-03-passwd.md": "/etc/passwd",
    "marketing-assets/leak.md": "../.git/config",
    "marketing-assets/templates/passwd.svg.j2": "/etc/passwd",
    "marketing-assets/bilder/leak.png": "../../.git/config",
    "content/assets/leak.png": "../../.git/config",
}


@pytest.mark.parametrize("rel", sorted(LINKS))
def test_a_link_out_of_its_source_folder_is_refused_and_never_published(cli, make_project, rel):
    project = make_project(
        {
            "content/index.md": ARTICLE,
            "newsletters/2026-11-02-test.md": newsletter_text(),
        }
    )
    _with_git_secret(project)
    link = project / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(LINKS[rel])
    result = cli(project, "build")
    assert result.exit_code == 1, result.stderr
    folder = rel.split("/")[0] + "/"
    refused = _("symbolic link to a file outside {folder}; not published").format(folder=folder)
    assert f"{rel}: {refused}" in stderr_lines(result)
    assert _published(project) == []
    assert (project / ".git" / "config").read_text(encoding="utf-8") == SECRET
