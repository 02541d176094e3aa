"""One door for files: symbolic links, paths out of the repository and special files are refused.

Every file rundbrief reads from the repository or writes into an output passes
``generator.core.files``; these tests try the ways around it that a hostile pull request or
a careless checkout would take.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, git, stderr_lines
from hypothesis import given, settings
from hypothesis import strategies as st
from members_helpers import member_row, members_file
from newsletter_helpers import newsletter_text
from smtp_helpers import send

from generator.core import files, gitinfo
from generator.core.files import RefusedFile
from generator.core.i18n import _
from generator.core.output import MARKER, claim_folder, is_marked
from generator.core.problems import RundbriefError
from generator.core.settings import load_project
from generator.marketing import cache as marketing_cache
from generator.marketing.load import load_campaigns

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


@pytest.mark.parametrize("rel", ["mkdocs.yml", "fakten.yml"])
def test_a_settings_file_that_links_out_is_refused(cli, make_project, rel):
    project = make_project({"content/index.md": ARTICLE})
    _with_git_secret(project)
    (project / rel).unlink(missing_ok=True)
    (project / rel).symlink_to(".git/config")
    result = cli(project, "build")
    assert result.exit_code == 1, result.stderr
    refused = _("symbolic link to a file outside {folder}; not published").format(folder="./")
    assert f"{rel}: {refused}" in result.stderr, result.stderr
    assert not (project / "site").exists()
    assert (project / ".git" / "config").read_text(encoding="utf-8") == SECRET


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


# nothing is written through a link ------------------------------------------------------


def test_a_linked_marker_in_the_outbox_is_never_written_through(
    example_project, cli, smtp, tmp_path
):
    config = example_project / ".git" / "config"
    before = config.read_bytes()
    members = members_file(tmp_path / "private", [member_row(1)])
    outbox = tmp_path / "ausgang"
    outbox.mkdir()
    (outbox / MARKER).symlink_to(config)
    result = send(cli, example_project, members, smtp, "--dry-run", "--outbox", str(outbox))
    assert result.exit_code != 0
    assert config.read_bytes() == before
    assert sorted(p.name for p in outbox.iterdir()) == [MARKER]
    assert MARKER in result.stderr


def test_a_linked_marker_of_site_is_never_written_through(cli, example_project):
    config = example_project / ".git" / "config"
    before = config.read_bytes()
    (example_project / "site").mkdir()
    (example_project / "site" / MARKER).symlink_to(config)
    result = cli(example_project, "build")
    assert result.exit_code != 0
    assert MARKER in result.stderr
    assert config.read_bytes() == before
    assert (example_project / "site" / MARKER).is_symlink()


def test_the_door_writes_no_file_through_a_link_or_into_a_pipe(tmp_path):
    target = tmp_path / "config"
    target.write_bytes(b"keep")
    output = tmp_path / "out"
    output.mkdir()
    (output / "file.eml").symlink_to(target)
    (output / "sub").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(output / "pipe.eml")
    for path in (output / "file.eml", output / "sub" / "config", output / "pipe.eml"):
        with pytest.raises(RefusedFile):
            files.write_bytes(path, b"overwritten", within=output)
    with pytest.raises(RefusedFile):
        files.write_bytes(output / "new.eml", b"x", within=output / "sub")
    with pytest.raises(RundbriefError):  # (a folder holding links and pipes is not an outbox)
        claim_folder(output, "outbox", re.compile(r".*\.eml"))
    assert target.read_bytes() == b"keep"
    files.write_bytes(output / "deep" / "new.eml", b"fine", within=output)
    assert (output / "deep" / "new.eml").read_bytes() == b"fine"
    with pytest.raises(FileExistsError):
        files.write_bytes(output / "deep" / "new.eml", b"again", within=output, exclusive=True)
    assert (output / "deep" / "new.eml").read_bytes() == b"fine"


def test_a_marker_that_is_a_link_is_refused_not_written(tmp_path):
    target = tmp_path / "config"
    target.write_bytes(b"keep")
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    (outbox / MARKER).symlink_to(target)
    assert not is_marked(outbox)
    with pytest.raises(RundbriefError):
        claim_folder(outbox, "outbox", re.compile(r".*\.eml"))
    assert target.read_bytes() == b"keep"


# arguments never become options -----------------------------------------------------------


def _set_remote(project: Path, value: str) -> int:
    """Put ``sending.remote: value`` into rundbrief.yml; return its line."""
    settings = project / "rundbrief.yml"
    lines = settings.read_text(encoding="utf-8").split("\n")
    number = next(n for n, line in enumerate(lines) if line.startswith("  remote:"))
    lines[number] = f"  remote: {value}"
    settings.write_text("\n".join(lines), encoding="utf-8")
    return number + 1


@pytest.mark.parametrize("command", ["check", "send"])
def test_a_remote_that_is_an_option_is_refused_and_never_run(
    example_project, cli, smtp, tmp_path, command
):
    witness = tmp_path / "ran"
    line = _set_remote(example_project, f'"--upload-pack=touch {witness}"')
    git(example_project, "commit", "-q", "-am", "hostile remote")
    if command == "send":
        members = members_file(tmp_path / "private", [member_row(1)])
        result = send(cli, example_project, members, smtp)
    else:
        result = cli(example_project, "check")
    assert result.exit_code == 1, result.stderr
    assert any(
        line_.startswith(f"rundbrief.yml:{line}: ") and "sending.remote" in line_
        for line_ in stderr_lines(result)
    ), result.stderr
    assert not witness.exists()
    assert smtp.recorder.received == []


def test_git_never_reads_a_value_as_an_option(example_project, tmp_path):
    witness = tmp_path / "ran"
    with pytest.raises(ValueError):
        gitinfo.fetch_main(example_project, f"--upload-pack=touch {witness}")
    assert gitinfo.commit_of(example_project, "--output=x") is None
    assert not (example_project / "x").exists()
    assert not witness.exists()


# newsletter file names -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Adventsaktion 2026!.md", "2026-13-45-advent.md", "2026-12-01-Advent.md", "advent.md"]
)
def test_a_misnamed_newsletter_file_is_a_problem_at_the_file(cli, make_project, name):
    project = make_project({"content/index.md": ARTICLE, f"newsletters/{name}": newsletter_text()})
    result = cli(project, "check")
    assert result.exit_code == 1
    expected = _(
        "file name must be YYYY-MM-DD-slug.md: a date, then lower-case letters, digits "
        "and hyphens (at most {count} characters), e.g. 2026-12-01-adventsaktion.md"
    ).format(count=100)
    assert stderr_lines(result) == [f"newsletters/{name}: {expected}"]


# a generated page never silently replaces a content file ---------------------------------


@pytest.mark.parametrize(
    ("rel", "other"),
    [
        ("content/newsletter/index.html", "newsletter/index.md"),
        ("content/werbemittel/index.html", "marketing-assets/werbemittel.md"),
    ],
)
def test_a_content_file_where_a_generated_page_is_written_is_a_problem(
    cli, example_project, rel, other
):
    (example_project / rel).parent.mkdir(parents=True, exist_ok=True)
    (example_project / rel).write_text("<p>Eigene Seite</p>", encoding="utf-8")
    result = cli(example_project, "check")
    assert result.exit_code == 1
    lines = [line for line in stderr_lines(result) if line.startswith(f"{rel}: ")]
    assert len(lines) == 1 and other in lines[0], result.stderr


@pytest.mark.parametrize(
    "rel", ["content/assets/javascripts/hilfe.js", "content/404.html", "content/sitemap.xml"]
)
def test_a_content_file_where_the_theme_writes_its_own_is_a_problem(cli, example_project, rel):
    (example_project / rel).parent.mkdir(parents=True, exist_ok=True)
    (example_project / rel).write_text("alert(1)", encoding="utf-8")
    result = cli(example_project, "build")
    assert result.exit_code == 1
    message = _("lies where the site writes its own file /{path}; rename or move it")
    path = rel.removeprefix("content/")
    assert f"{rel}: {message.format(path=path)}" in stderr_lines(result)
    assert not (example_project / "site").exists()


# the shipped font, whatever fontconfig the machine has -----------------------------------

HOSTILE_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts</dir>
  <match target="pattern">
    <test name="family"><string>DejaVu Sans</string></test>
    <edit name="family" mode="assign" binding="strong"><string>DejaVu Serif</string></edit>
  </match>
</fontconfig>
"""
RENDER = (
    "import hashlib\n"
    "from generator.marketing.render import png\n"
    'svg = (\'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60">\'\n'
    '       \'<text x="5" y="40" font-family="DejaVu Sans" font-size="30">Grüße ẞ</text></svg>\')\n'
    "print(hashlib.sha256(png(svg, 300, 60)).hexdigest())\n"
)


def test_the_shipped_font_is_drawn_whatever_fontconfig_the_machine_has(tmp_path):
    hostile = tmp_path / "hostile.conf"
    hostile.write_text(HOSTILE_FONTS, encoding="utf-8")
    home = tmp_path / "home"
    (home / ".config" / "fontconfig").mkdir(parents=True)
    (home / ".config" / "fontconfig" / "fonts.conf").write_text(HOSTILE_FONTS, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FONTCONFIG", "XDG_"))}
    environments = [
        {**clean, "HOME": str(tmp_path)},
        {**clean, "HOME": str(tmp_path), "FONTCONFIG_FILE": str(hostile)},
        {**clean, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")},
    ]
    digests = {
        subprocess.run(
            [sys.executable, "-c", RENDER],
            env={**env, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.strip()
        for env in environments
    }
    assert len(digests) == 1, digests


# The invariant, for any path: read and written inside the repository, or refused -----------------

SEGMENTS = st.sampled_from(
    [
        "..",
        ".",
        "",
        "content",
        "sub",
        "a.md",
        "b.md",
        "same",
        "chain",
        "out",
        "abs",
        "up",
        ".git",
        "config",
        "Grüße.md",
        "x\0y",
        "/etc/passwd",
        "neu.txt",
    ]
)
REFERENCES = st.builds("/".join, st.lists(SEGMENTS, min_size=1, max_size=6)) | st.text(max_size=20)


@pytest.fixture(scope="module")
def hostile_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A repository whose content/ holds links of every kind, beside a secret outside it."""
    base = tmp_path_factory.mktemp("door")
    root = base / "repo"
    (root / "content" / "sub").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text(SECRET, encoding="utf-8")
    (base / "secret.txt").write_text(SECRET, encoding="utf-8")
    (root / "content" / "a.md").write_text("inside a", encoding="utf-8")
    (root / "content" / "sub" / "b.md").write_text("inside b", encoding="utf-8")
    (root / "content" / "Grüße.md").write_text("inside grüße", encoding="utf-8")
    (root / "content" / "same").symlink_to("a.md")  # allowed: a file of the same folder
    (root / "content" / "sub" / "chain").symlink_to("../chain")  # a chain that leads out
    (root / "content" / "chain").symlink_to("../.git/config")
    (root / "content" / "out").symlink_to(base / "secret.txt")
    (root / "content" / "abs").symlink_to("/etc/passwd")
    (root / "content" / "up").symlink_to("../..", target_is_directory=True)
    return base, root


@settings(max_examples=300, deadline=None)
@given(reference=REFERENCES)
def test_any_path_is_read_inside_the_repository_or_refused(hostile_tree, reference):
    _base, root = hostile_tree
    found = files.inside(root, reference)
    if found is not None:
        real = Path(os.path.realpath(found))
        assert real.is_relative_to(root / "content") and ".git" not in real.parts
    data = files.read_bytes(root / reference, root) if "\0" not in reference else None
    if isinstance(data, bytes):
        assert data.startswith(b"inside"), (reference, data)


@settings(max_examples=200, deadline=None)
@given(reference=REFERENCES)
def test_any_path_is_written_inside_the_output_or_refused(hostile_tree, reference):
    base, root = hostile_tree
    before = {path: path.read_bytes() for path in (base / "secret.txt", root / ".git" / "config")}
    output = root / "content"
    with contextlib.suppress(RefusedFile, OSError):
        files.write_bytes(output / reference, b"written", within=output)
    after = {path: path.read_bytes() for path in before}
    assert after == before
    written = [p for p in base.rglob("*") if p.is_file() and not p.is_symlink()]
    for path in written:
        if path.read_bytes() == b"written":
            assert path.is_relative_to(output) and path.resolve().is_relative_to(output)
            path.unlink()


# a members file that is a pipe or a device ---------------------------------------------------


@pytest.mark.parametrize(
    ("command", "special"),
    [("send", "pipe"), ("kits", "pipe"), ("report", "pipe"), ("kits", "/dev/zero")],
)
def test_a_members_file_that_is_a_pipe_or_device_is_refused_without_hanging(
    example_project, smtp, tmp_path, command, special
):
    members = tmp_path / "members.csv"
    if special == "pipe":
        os.mkfifo(members)
    else:
        members = Path(special)
    arguments = {
        "send": ["send", "newsletters/2026-11-02-monatsupdate-november.md", "--dry-run"],
        "kits": ["kits"],
        "report": ["report"],
    }[command]
    result = subprocess.run(
        [sys.executable, "-m", "generator", "-C", str(example_project), *arguments]
        + ["--members", str(members)],
        env={**os.environ, **smtp.env(), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,  # a run that reads the pipe or the device waits here for ever
    )
    assert result.returncode in (1, 2), result.stderr
    refused = _("not a regular file (a pipe, device, socket or folder); name a file")
    assert f"{members}: {refused}" in result.stderr, result.stderr


# the approval gate without git ----------------------------------------------------------------


def test_the_gate_says_clearly_when_the_folder_is_no_git_checkout_or_git_is_missing(
    cli, make_project, smtp, tmp_path
):
    project = make_project(
        {"content/index.md": ARTICLE, "newsletters/2026-11-02-test.md": newsletter_text()}
    )
    members = members_file(tmp_path / "private", [member_row(1)])
    arguments = ("send", "newsletters/2026-11-02-test.md", "--members", str(members))
    result = cli(project, *arguments, env=smtp.env())
    assert result.exit_code == 1
    expected = _(
        "{root} is not a git checkout: rundbrief compares what it sends or hands out with "
        "the approved main branch of the remote; run it in a clone of the repository"
    ).format(root=project)
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr

    git(project, "init", "-q", "-b", "main")
    empty = tmp_path / "no-git"
    empty.mkdir()
    result = cli(project, *arguments, env={**smtp.env(), "PATH": str(empty)})
    assert result.exit_code == 1
    missing = _(
        "git is not installed (or not on PATH): rundbrief checks with git that what it "
        "sends or hands out is on the approved main branch; install git and run the "
        "command again"
    )
    assert missing in result.stderr, result.stderr
    assert smtp.recorder.received == []


def test_a_werbemittel_page_without_front_matter_is_a_problem_not_a_traceback(cli, example_project):
    (example_project / "marketing-assets" / "notiz.md").write_text("[http]\n\tx = y\n", "utf-8")
    result = cli(example_project, "build")
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "marketing-assets/notiz.md:1: "
        + _("missing front matter: the file must start with a '---' line")
    ]
    assert not (example_project / "site").exists()


# Found on the way: a cache entry planted in the repository is never unpickled ---------------------


class _Planted:
    """Unpickling it creates the witness file (as any code a pull request would put there)."""

    def __init__(self, witness: Path) -> None:
        self.witness = witness

    def __reduce__(self):
        return (Path.touch, (self.witness,))


def test_a_cache_entry_committed_to_the_repository_is_never_unpickled(
    cli, example_project, tmp_path
):
    project = load_project(example_project)
    campaigns, _problems = load_campaigns(project)
    witness = tmp_path / "ran"
    for campaign in campaigns:
        path = project.state_dir / marketing_cache.CACHE
        path.mkdir(parents=True, exist_ok=True)
        name = f"{campaign.slug}-{marketing_cache.key(project, campaign)}.pickle"
        (path / name).write_bytes(pickle.dumps(_Planted(witness)))
    assert campaigns
    result = cli(example_project, "check")
    assert result.exit_code == 0, result.stderr
    assert not witness.exists()
