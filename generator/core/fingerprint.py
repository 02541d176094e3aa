"""One fingerprint for every cache: the code, the libraries and the inputs that shape an output.

A cached newsletter, Werbemittel render or kit is valid only while nothing that shaped it has
changed. Instead of hand-kept lists of modules and a format constant to bump, the fingerprint
hashes every file of the package parts that produce the output (their Python code, templates,
stylesheets, fonts and message catalogues), the installed versions of the libraries that
shape it, and whatever inputs the caller adds (settings, sources, templates of the project).
"""

from __future__ import annotations

import dataclasses
import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from generator.core.declare import declared_fields

PACKAGE = Path(__file__).resolve().parent.parent

SHARED = ("core", "fonts", "locale")
"""Package folders every output depends on."""

LIBRARIES: dict[str, tuple[str, ...]] = {
    "newsletter": (
        "markdown",
        "pymdown-extensions",
        "jinja2",
        "markupsafe",
        "premailer",
        "cssutils",
        "lxml",
        "css-inline",
        "pyyaml",
    ),
    "marketing": (
        "jinja2",
        "cairosvg",
        "weasyprint",
        "pillow",
        "segno",
        "fonttools",
        "pydyf",
        "tinycss2",
        "pyyaml",
    ),
    "site": ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2", "pyyaml"),
}
"""The distributions whose version changes what a capability writes."""


@cache
def code_digest(capability: str) -> bytes:
    """Hash of every file of ``core/``, the fonts, the catalogues and ``<capability>/``."""
    digest = hashlib.sha256()
    for folder in (*SHARED, capability):
        root = PACKAGE / folder
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.digest()


@cache
def library_versions(capability: str) -> str:
    """``name==version`` of each library that shapes the capability's output ("absent" if not installed)."""
    versions = []
    for name in LIBRARIES.get(capability, ()):
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        versions.append(f"{name}=={version}")
    return "\n".join(versions)


def fingerprint(capability: str, *inputs: bytes | str) -> str:
    """The key of a cached output: code and libraries of ``capability`` plus the given inputs."""
    digest = hashlib.sha256(code_digest(capability))
    digest.update(library_versions(capability).encode())
    for item in inputs:
        data = item.encode("utf-8") if isinstance(item, str) else item
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def email_inputs(obj: Any) -> str:
    """The values of every field marked ``shapes_email`` in a declared object, as one text.

    A marked section counts whole; an unmarked one counts with its marked fields. The newsletter
    cache keys on this text: a change to anything else (the review or help-site settings) keeps
    every rendered email.
    """
    parts: list[str] = []
    declared: type = type(obj)
    for f, _hint in declared_fields(declared):
        value = getattr(obj, f.name)
        if f.metadata["shapes_email"]:
            parts.append(f"{f.name}={value!r}")
        elif dataclasses.is_dataclass(value):
            inner = email_inputs(value)
            if inner:
                parts.append(f"{f.name}({inner})")
    return ";".join(parts)
