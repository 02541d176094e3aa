"""The editor's files in the staged site: ``admin/index.html``, ``admin/config.yml``, the script.

The script is served by the site itself; the page's Content-Security-Policy lets it load
nothing from another host but GitHub's API and sign-in, which it needs only once someone signs
in. Without the installed script (``scripts/setup`` not run) the site is built without
``/admin/`` and a warning says how to add it.
"""

from __future__ import annotations

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
    page = templates.get_template("index.html.j2").render(
        title=f"{project.settings.platform_name} – Redaktion",
        scripts=[LOCAL, bundle.SCRIPT],
        policy=POLICY,
    )
    assert templates.loader is not None
    local, _path, _uptodate = templates.loader.get_source(templates, LOCAL)
    config = editor_config(project, index, preview=preview)
    return [
        StaticFile(f"{FOLDER}/index.html", data=page.encode("utf-8")),
        StaticFile(f"{FOLDER}/config.yml", data=config_text(config).encode("utf-8")),
        StaticFile(f"{FOLDER}/{LOCAL}", data=local.encode("utf-8")),
        *(
            StaticFile(f"{FOLDER}/{name}", source=installed / name)
            for name in bundle.kept_files()
            if name.startswith(("locales/", "fonts/")) or name in (bundle.SCRIPT, "LICENSE.txt")
        ),
    ], []
