"""Shared fixtures: projects in tmp_path, the CLI, and a real headless Chromium."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from dns_helpers import DnsServer, run_dns
from imap_helpers import DOVECOT, ImapServer, run_dovecot
from postgres_helpers import INITDB, PostgresServer, run_postgres
from project_helpers import copy_sources
from smtp_helpers import SmtpServer, run_server

from generator.cli import main
from generator.core import i18n
from generator.core.settings import Project, load_project
from generator.review.pictures import CHROMIUM, CHROMIUM_ARGS  # one launch for tests and review

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
INLINER = os.environ.get("RUNDBRIEF_TEST_INLINER", "")
"""Run the suite with another CSS inliner than the repository's (``.ci/run`` runs it with premailer too)."""


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with a fixed identity; return its output."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
    }
    return subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout


def clock_moved_on(folder: Path) -> None:
    """Return once a file touched in ``folder`` gets a later time stamp than one touched now.

    File times are coarse (a few milliseconds on some file systems): a test that needs one
    file to be newer than another polls for the tick here instead of sleeping a guessed while.
    """
    probe = folder / ".rundbrief-test-tick"
    probe.touch()
    start = probe.stat().st_ctime_ns
    while probe.stat().st_ctime_ns <= start:
        os.utime(probe)
    probe.unlink()


def settings_text() -> str:
    """The repository's ``rundbrief.yml``, with the inliner under test."""
    text = (REPO / "rundbrief.yml").read_text(encoding="utf-8")
    if INLINER:
        text = re.sub(r"(?m)^  inliner: .*$", f"  inliner: {INLINER}", text)
    return text


def repo_project() -> Project:
    """This repository as a project, with the inliner under test."""
    project = load_project(REPO)
    if not INLINER:
        return project
    newsletter = dataclasses.replace(project.settings.newsletter, inliner=INLINER)
    settings = dataclasses.replace(project.settings, newsletter=newsletter)
    return dataclasses.replace(project, settings=settings)


def copy_example(root: Path) -> Path:
    """Copy this repository's sources to ``root`` and commit them on a ``main`` branch."""
    root.mkdir(parents=True)
    copy_sources(root)
    (root / "rundbrief.yml").write_text(settings_text(), encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "example sources")
    add_remote(root)
    return root


def add_remote(root: Path, name: str = "origin") -> Path:
    """A bare repository beside ``root`` as its remote ``name``, with main pushed to it.

    ``send`` compares with the remote's main (what the founder merged), as on GitHub.
    """
    remote = root.parent / f"{root.name}-{name}.git"
    git(root.parent, "init", "-q", "--bare", "-b", "main", str(remote))
    git(root, "remote", "add", name, str(remote))
    git(root, "push", "-q", name, "main")
    return remote


@pytest.fixture(autouse=True)
def german_messages() -> Iterator[None]:
    """Every test starts with the default language; a command run with ``language: en`` ends there."""
    i18n.use(i18n.DEFAULT)
    yield
    i18n.use(i18n.DEFAULT)


def checkout_status() -> str:
    """``git status --porcelain`` of this repository (ignored files, like test-artifacts/, aside)."""
    return git(REPO, "status", "--porcelain", "--untracked-files=all")


@pytest.fixture(scope="session", autouse=True)
def checkout_untouched() -> Iterator[None]:
    """No test writes into the checkout: its git status after the session is what it was before.

    (Editing files of the repository while the tests run trips it too.)
    """
    if not (REPO / ".git").exists():
        yield  # (an unpacked source archive: nothing to compare)
        return
    before = checkout_status()
    yield
    after = checkout_status()
    assert after == before, f"the tests changed the checkout:\n{after}"


@pytest.fixture
def example_project(tmp_path: Path) -> Path:
    """A copy of this repository's sources, committed on a ``main`` branch of its own."""
    return copy_example(tmp_path / "project")


@pytest.fixture(scope="session")
def built_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project built once per test run (read-only: copy it before changing it)."""
    from generator.build import build
    from generator.core.settings import load_project

    root = copy_example(tmp_path_factory.mktemp("built") / "project")
    build(load_project(root))
    return root


@pytest.fixture
def serve_dir() -> Iterator[Callable[[Path], str]]:
    """Serve a folder over HTTP on 127.0.0.1 (a free port); returns the base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


class PagesHandler(QuietHandler):
    """Static files as a static host serves a site: a missing path gets 404.html, status 404."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="session")
def example_site(built_example: Path) -> Iterator[str]:
    """The built example site served like a static host on 127.0.0.1; returns the base URL."""
    handler = functools.partial(PagesHandler, directory=str(built_example / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def mini_project(root: Path, files: dict[str, str | bytes]) -> Path:
    """A minimal project in ``root``: the repository's settings plus ``files`` (path → text or bytes)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    # The repository's settings without help_site: it names articles a mini project lacks.
    settings = re.sub(r"(?m)^help_site:\n(?:[ #].*\n|\n)*", "", settings_text())
    (root / "rundbrief.yml").write_text(settings, encoding="utf-8")
    shutil.copytree(REPO / "overrides", root / "overrides", dirs_exist_ok=True)
    (root / "content" / "assets").mkdir(parents=True, exist_ok=True)
    for logo in ("logo.svg", "logo.png"):  # the site's and the emails' logo
        shutil.copy2(REPO / "content" / "assets" / logo, root / "content" / "assets" / logo)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """A minimal project: the repository's settings plus the given files (path → text or bytes)."""
    return functools.partial(mini_project, tmp_path / "mini")


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run ``rundbrief -C PROJECT ARGS…`` in-process; stdout and stderr are kept apart."""

    def run(project: Path, *args: str, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(main, ["-C", str(project), *args], env=env, catch_exceptions=False)

    return run


def stderr_lines(result: Result) -> list[str]:
    """The problem lines of a ``cli`` run, without its summary line."""
    return result.stderr.splitlines()[:-1]


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) with STARTTLS and AUTH on 127.0.0.1."""
    yield from run_server(tmp_path)


@pytest.fixture
def imap() -> Iterator[ImapServer]:
    """A real IMAP server: Dovecot from Debian with TLS on 127.0.0.1 (see imap_helpers)."""
    if DOVECOT is None:
        pytest.skip(
            "dovecot is not installed: apt-get install dovecot-imapd (scripts/setup --test)"
        )
    yield from run_dovecot()


@pytest.fixture
def dns() -> Iterator[DnsServer]:
    """A real DNS server (dnslib) on 127.0.0.1 answering the TXT records of ``dns.zone``."""
    yield from run_dns()


@pytest.fixture(scope="session")
def dkim_key() -> object:
    """One 2048-bit RSA key for DKIM, made once per run (making one takes a while)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL: Debian's server in a throw-away cluster on 127.0.0.1 (postgres_helpers)."""
    if INITDB is None:
        pytest.skip(
            "PostgreSQL is not installed: apt-get install postgresql (scripts/setup --test)"
        )
    with run_postgres() as server:
        yield server


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def postgres(postgres_server: PostgresServer) -> str:
    """The URL of a fresh, empty database in the session's PostgreSQL."""
    return postgres_server.create(f"test_{next(_databases)}")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium from Debian, driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (see README)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and other evidence kept after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
