"""The editor's files: Sveltia CMS and its fonts, pinned by version and checksum, installed once.

They are releases of packages of the npm registry. ``scripts/setup`` installs them with
``install()``: ``npm pack`` fetches each package's archive, its SHA-512 is compared with the one
pinned here (a changed archive is refused, not used), and the few files the editor needs are
kept in the virtual environment. The site then serves them from ``/admin/``: no page loads
anything from a CDN. The editor's script names three fonts on a CDN; the installed copy names
the copies served beside it instead (``FONTS``) — its only change.

Why Sveltia CMS rather than Decap CMS: the same configuration format and the editorial
workflow (each save a branch and a pull request) in a third of the size (about 620 KB gzip
against 1.5–2.6 MB), a German interface, work on the local repository in Chromium without a
proxy server, and a JSON Schema of its configuration that the tests validate against.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

VERSION = "0.221.1"
SCRIPT = "sveltia-cms.js"
FONT_CDN = "https://cdn.jsdelivr.net/fontsource/fonts/"


@dataclass(frozen=True)
class Package:
    """One pinned package of the npm registry and the files kept from it (archive → kept name)."""

    name: str
    version: str
    integrity: str
    """The registry's Subresource-Integrity hash of the archive (``npm view … dist.integrity``)."""
    files: Mapping[str, str]


EDITOR = Package(
    "@sveltia/cms",
    VERSION,
    "sha512-J+Qoik9kGMk2L7vNpOQrnDmFRi+NB6vwJ0f657YtsxWH0P8WYSYRRSRC2pQ/jGGbVlM//Pg/WIgmkpswqoo3gQ==",
    {
        f"package/dist/{SCRIPT}": SCRIPT,
        "package/LICENSE.txt": "LICENSE.txt",
        "package/schema/sveltia-cms.json": "config.schema.json",
        # The German interface, which the editor would otherwise fetch from a CDN.
        "package/locales/de.json": "locales/de.json",
    },
)
FONTS = (
    Package(
        "@fontsource-variable/source-sans-3",
        "5.3.0",
        "sha512-dpi0GZk7EQe2tYpg6Q0Fx0OmUgnuGu+0rHPgtXqtKhglYmJuP7jZ12Mu1uN+NfRaJRY1Emn8AQJEWzmoZ4wa9g==",
        {
            "package/files/source-sans-3-latin-wght-normal.woff2": "fonts/source-sans-3.woff2",
            "package/LICENSE": "fonts/LICENSE-source-sans-3.txt",
        },
    ),
    Package(
        "@fontsource/noto-mono",
        "5.3.0",
        "sha512-QZieY3OyKEImCXg3HRiF6p6/H0GXX94uEb53ayLyQgCTB20LdkvsyJIgigo6lAGmVw3WEs40DdG5KTqpxfwgGg==",
        {
            "package/files/noto-mono-latin-400-normal.woff2": "fonts/noto-mono.woff2",
            "package/LICENSE": "fonts/LICENSE-noto-mono.txt",
        },
    ),
    Package(
        "@fontsource-variable/material-symbols-outlined",
        "5.3.7",
        "sha512-d6kLamaMdad40AYoyJEBgCH63fRLklC7GW7bgb7WWbPh/UzuW483Dlyfmn3vxpiNsHLIMBOcYYkZDtOC9Y3MUA==",
        {
            "package/files/material-symbols-outlined-latin-wght-normal.woff2": (
                "fonts/material-symbols-outlined.woff2"
            ),
            "package/LICENSE": "fonts/LICENSE-material-symbols.txt",
        },
    ),
)
PACKAGES = (EDITOR, *FONTS)
FONT_URLS = {
    f"{FONT_CDN}source-sans-3:vf@5.3.0/latin-wght-normal.woff2": "fonts/source-sans-3.woff2",
    f"{FONT_CDN}noto-mono@5.3.0/latin-400-normal.woff2": "fonts/noto-mono.woff2",
    f"{FONT_CDN}material-symbols-outlined:vf@5.3.7/latin-wght-normal.woff2": (
        "fonts/material-symbols-outlined.woff2"
    ),
}
"""The editor's font URLs and the copies served beside it (relative to ``/admin/``)."""


class BundleError(Exception):
    """The editor's files could not be installed."""


def folder(prefix: Path | None = None) -> Path:
    """Where the installed files live: inside the virtual environment, one folder a version."""
    return (prefix or Path(sys.prefix)) / "share" / "rundbrief" / f"sveltia-cms-{VERSION}"


def kept_files() -> list[str]:
    """Every installed file, relative to ``folder()``."""
    return [name for package in PACKAGES for name in package.files.values()]


def installed(prefix: Path | None = None) -> Path | None:
    """The installed folder, or None when ``scripts/setup`` has not installed (all of) it."""
    base = folder(prefix)
    kept = [base / name for name in kept_files()]
    return base if all(path.is_file() and not path.is_symlink() for path in kept) else None


def verify(package: Package, archive: bytes) -> None:
    """Raise unless ``archive`` has the package's pinned SHA-512."""
    algorithm, _, expected = package.integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, archive).digest()).decode("ascii")
    if digest != expected:
        raise BundleError(
            f"{package.name}@{package.version}: the archive's checksum is {algorithm}-{digest}, "
            f"expected {package.integrity}; it is not installed"
        )


def extract(package: Package, archive: bytes) -> dict[str, bytes]:
    """The kept files of a verified archive, by kept name."""
    verify(package, archive)
    kept = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar.getmembers():
            if member.name in package.files and member.isfile():
                stream = tar.extractfile(member)
                assert stream is not None
                kept[package.files[member.name]] = stream.read()
    missing = sorted(set(package.files.values()) - set(kept))
    if missing:
        raise BundleError(
            f"{package.name}@{package.version}: the archive lacks {', '.join(missing)}"
        )
    return kept


def local_fonts(script: bytes) -> bytes:
    """The editor's script with its font URLs pointing at the copies served beside it."""
    text = script.decode("utf-8")
    for url, local in FONT_URLS.items():
        if text.count(url) != 1:
            raise BundleError(f"{EDITOR.name}@{VERSION}: expected the font URL {url} once")
        text = text.replace(url, local)
    return text.encode("utf-8")


def write(files: Mapping[str, bytes], target: Path) -> None:
    """Write the installed files into ``target``, replaced whole."""
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    for name, data in files.items():
        path = partial / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)


def fetch(package: Package) -> bytes:
    """A package's archive, fetched by ``npm pack`` (the registry's ordinary client)."""
    npm = shutil.which("npm")
    if npm is None:
        raise BundleError("npm is not installed: scripts/setup installs it")
    spec = f"{package.name}@{package.version}"
    with tempfile.TemporaryDirectory(prefix="rundbrief-editor-") as temporary:
        try:
            result = subprocess.run(
                [npm, "pack", "--silent", "--pack-destination", temporary, "--", spec],
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
                cwd=temporary,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BundleError(f"npm pack {spec} failed: {error}") from error
        archives = list(Path(temporary).glob("*.tgz"))
        if result.returncode != 0 or len(archives) != 1:
            raise BundleError(f"npm pack {spec} failed: {result.stderr.strip()}")
        return archives[0].read_bytes()


def install(prefix: Path | None = None, fetcher: Callable[[Package], bytes] = fetch) -> Path:
    """Install the pinned files unless they are there already; return their folder."""
    present = installed(prefix)
    if present is not None:
        return present
    files: dict[str, bytes] = {}
    for package in PACKAGES:
        files |= extract(package, fetcher(package))
    files[SCRIPT] = local_fonts(files[SCRIPT])
    write(files, folder(prefix))
    return folder(prefix)
