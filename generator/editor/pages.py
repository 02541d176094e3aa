"""The editor's files in the staged site: ``admin/index.html``, ``admin/config.yml``, the script.

The script is served by the site itself; the page's Content-Security-Policy lets it load
nothing from another host but GitHub's API and sign-in, which it needs only once someone signs
in. Without the installed script (``scripts/setup`` not run) the site is built without
``/admin/`` and a warning says how to add it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import jinja2
import yaml

from generator.core.i18n import _
from generator.core.problems import Problem
from generator.core.settings import Project
from generator.editor import bundle
from generator.editor.config import editor_config
from generator.site.index import SiteIndex
from generator.site.stage import StaticFile

FOLDER = "admin"
LOCAL = "local.js"
"""Loaded before the editor: its German interface from this site instead of a CDN."""
CHECK = ("check.js", "check.css")
"""The preview's panel of the problems in the file open in the editor."""
PROBLEMS = "problems.json"

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # the editor styles its own widgets inline
        "img-src 'self' data: blob: https://avatars.githubusercontent.com "
        "https://raw.githubusercontent.com",
        "font-src 'self' data:",
        "connect-src 'self' blob: data: https://api.github.com https://github.com",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'none'",
    ]
)
"""What ``/admin/`` may load: itself, and GitHub once someone signs in; never a CDN."""


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("generator.editor", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def config_text(config: dict[str, Any]) -> str:
    """``config.yml`` as the editor reads it."""
    header = "# Erzeugt von rundbrief aus den Deklarationen im Code – nicht von Hand ändern.\n"
    return header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=100)


def stage_editor(
    project: Project, index: SiteIndex, *, preview: bool = False
) -> tuple[list[StaticFile], list[Problem]]:
    """The editor's files for the staged tree, or a warning when its script is not installed."""
    taken = sorted(
        {a.rel for a in index.articles if a.path.startswith(f"{FOLDER}/")}
        | {a.rel for a in index.assets if a.path.startswith(f"{FOLDER}/")}
    )
    if taken:  # the editor's folder: nothing of content/ may stand there (or pass for its files)
        return [], [
            Problem(
                rel,
                0,
                _("content/{folder}/ is the editor's folder; move this file").format(folder=FOLDER),
            )
            for rel in taken
        ]
    installed = bundle.installed()
    if installed is None:
        warning = Problem(
            "scripts/setup",
            0,
            _("the editor's script is not installed, /admin/ is left out: run scripts/setup"),
            "warning",
        )
        return [], [warning]
    templates = _templates()
    scripts = [LOCAL, CHECK[0], bundle.SCRIPT] if preview else [LOCAL, bundle.SCRIPT]
    page = templates.get_template("index.html.j2").render(
        title=f"{project.settings.platform_name} – Redaktion",
        scripts=scripts,
        styles=[CHECK[1]] if preview else [],
        policy=POLICY,
    )
    assert templates.loader is not None
    own = [LOCAL, *CHECK] if preview else [LOCAL]
    sources = {name: templates.loader.get_source(templates, name)[0] for name in own}
    config = editor_config(project, index, preview=preview)
    return [
        StaticFile(f"{FOLDER}/index.html", data=page.encode("utf-8")),
        StaticFile(f"{FOLDER}/config.yml", data=config_text(config).encode("utf-8")),
        *(
            StaticFile(f"{FOLDER}/{name}", data=text.encode("utf-8"))
            for name, text in sources.items()
        ),
        *(
            StaticFile(f"{FOLDER}/{name}", source=installed / name)
            for name in bundle.kept_files()
            if name.startswith(("locales/", "fonts/")) or name in (bundle.SCRIPT, "LICENSE.txt")
        ),
    ], []


def problems_report(
    project: Project,
    index: SiteIndex,
    problems: Iterable[Problem],
    config: Mapping[str, Any] | None = None,
) -> bytes:
    """``admin/problems.json`` of the preview: every problem by file, and how to find the file.

    The panel (``check.js``) maps the entry open in the editor to its file through the
    collections, and shows that file's problems in the words of ``rundbrief check``.
    ``config`` is the editor's configuration if the caller has it already (a saved text does
    not change it).
    """
    config = config or editor_config(project, index, preview=True)
    collections: dict[str, dict[str, str]] = {}
    for item in config["collections"]:
        if "folder" in item:
            collections[item["name"]] = {"folder": item["folder"], "extension": item["extension"]}
        for entry in item.get("files", []):
            collections[item["name"]] = {"file": entry["file"]}
    files: dict[str, list[dict[str, str]]] = {}
    for problem in sorted(problems):
        files.setdefault(problem.path, []).append(
            {"severity": problem.severity, "text": str(problem)}
        )
    report = {
        "heading": _("rundbrief check finds in {file}:"),
        "fine": _("rundbrief check finds nothing to fix in {file}."),
        "collections": collections,
        "files": files,
    }
    return json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8")


def editor_scripts() -> list[bytes]:
    """The editor's own scripts — ours from the package, Sveltia's as installed: the final scan
    allows exactly these under ``admin/``, never a file that content/ puts there."""
    templates = _templates()
    assert templates.loader is not None
    scripts = [
        templates.loader.get_source(templates, name)[0].encode("utf-8")
        for name in (LOCAL, CHECK[0])
    ]
    installed = bundle.installed()
    if installed is not None:
        scripts.append((installed / bundle.SCRIPT).read_bytes())
    return scripts
