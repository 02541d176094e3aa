"""The editor's script: Sveltia CMS, pinned by version and checksum, installed once per set-up.

The script is a release of a package of the npm registry. ``scripts/setup`` installs it with
``python -m generator.editor.bundle``: ``npm pack`` fetches the package's archive, its
SHA-512 is compared with the one pinned here (a changed archive is refused, not used), and
the one file the editor needs, with its licence, is kept in the virtual environment. The site
then serves it from ``/admin/``: no page ever loads it from a CDN.

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
from pathlib import Path

PACKAGE = "@sveltia/cms"
VERSION = "0.221.1"
INTEGRITY = "sha512-J+Qoik9kGMk2L7vNpOQrnDmFRi+NB6vwJ0f657YtsxWH0P8WYSYRRSRC2pQ/jGGbVlM//Pg/WIgmkpswqoo3gQ=="
"""The registry's Subresource-Integrity hash of the package archive (``npm view … dist.integrity``)."""

SCRIPT = "sveltia-cms.js"
MEMBERS = {
    f"package/dist/{SCRIPT}": SCRIPT,
    "package/LICENSE.txt": "LICENSE.txt",
    "package/schema/sveltia-cms.json": "config.schema.json",
}
"""Files kept from the archive: the script, its licence, the JSON Schema of its configuration."""


class BundleError(Exception):
    """The editor's script could not be installed."""


def folder(prefix: Path | None = None) -> Path:
    """Where the installed script lives: inside the virtual environment, one folder a version."""
    return (prefix or Path(sys.prefix)) / "share" / "rundbrief" / f"sveltia-cms-{VERSION}"


def installed(prefix: Path | None = None) -> Path | None:
    """The installed script, or None when ``scripts/setup`` has not installed it."""
    path = folder(prefix) / SCRIPT
    return path if path.is_file() and not path.is_symlink() else None


def verify(archive: bytes, integrity: str = INTEGRITY) -> None:
    """Raise unless ``archive`` has the pinned SHA-512."""
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, archive).digest()).decode("ascii")
    if digest != expected:
        raise BundleError(
            f"{PACKAGE}@{VERSION}: the archive's checksum is {algorithm}-{digest}, "
            f"expected {integrity}; it is not installed"
        )


def unpack(archive: bytes, target: Path) -> None:
    """Write the kept files of a verified archive into ``target`` (replaced whole)."""
    verify(archive)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        kept = {}
        for member in tar.getmembers():
            if member.name in MEMBERS and member.isfile():
                stream = tar.extractfile(member)
                assert stream is not None
                kept[MEMBERS[member.name]] = stream.read()
    missing = sorted(set(MEMBERS.values()) - set(kept))
    if missing:
        raise BundleError(f"{PACKAGE}@{VERSION}: the archive lacks {', '.join(missing)}")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for name, data in kept.items():
        (partial / name).write_bytes(data)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)


def fetch() -> bytes:
    """The package archive, fetched by ``npm pack`` (the registry's ordinary client)."""
    npm = shutil.which("npm")
    if npm is None:
        raise BundleError("npm is not installed: scripts/setup installs it")
    with tempfile.TemporaryDirectory(prefix="rundbrief-editor-") as temporary:
        try:
            result = subprocess.run(
                [
                    npm,
                    "pack",
                    "--silent",
                    "--pack-destination",
                    temporary,
                    "--",
                    f"{PACKAGE}@{VERSION}",
                ],
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
                cwd=temporary,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BundleError(f"npm pack {PACKAGE}@{VERSION} failed: {error}") from error
        archives = list(Path(temporary).glob("*.tgz"))
        if result.returncode != 0 or len(archives) != 1:
            raise BundleError(f"npm pack {PACKAGE}@{VERSION} failed: {result.stderr.strip()}")
        return archives[0].read_bytes()


def install(prefix: Path | None = None) -> Path:
    """Install the pinned script unless it is there already; return its path."""
    present = installed(prefix)
    if present is not None:
        return present
    unpack(fetch(), folder(prefix))
    path = installed(prefix)
    assert path is not None
    return path
