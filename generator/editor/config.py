"""The editor's configuration, made from the declarations the sources are validated with.

Each collection is one kind of source — help articles (one collection per section of
``content/``), newsletters, Werbemittel campaigns, ``fakten.yml`` — and each of its fields is a
declared key: the label is the first words of the key's doc, the hint is the whole doc, the
widget follows the kind (text, date, choice, list, section). Nothing here names a field by
hand, so the editor cannot ask for a key ``rundbrief check`` would refuse, nor miss one it
needs; ``tests/test_editor.py`` compares both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from generator.core.facts import FACTS_FILE
from generator.core.schema import Field, Schema
from generator.core.settings import Project
from generator.reference import Declared, declared
from generator.site.index import SiteIndex

ASSETS = "content/assets"
"""Where pictures go: the help site serves them under /assets/, newsletters name their source."""

BODY_LABEL = "Text"
BODY_HINT = (
    "Der Text in Markdown. Links auf Hilfe-Artikel mit ihrem Pfad, Bilder aus content/assets/."
)

_LABEL_END = re.compile(r"[;:.,(]|\s[–-]\s")


def label(field: Field) -> str:
    """A field's short German label: as declared, else its doc up to the first punctuation."""
    if field.label:
        return field.label
    head = _LABEL_END.split(field.doc, maxsplit=1)[0].strip()
    return head if 0 < len(head) <= 40 else field.name


def widget(field: Field, enums: Mapping[str, Sequence[str]], prefix: str = "") -> dict[str, Any]:
    """The editor field of one declared key."""
    item: dict[str, Any] = {
        "name": field.name,
        "label": label(field),
        "hint": field.doc,
        "required": field.required,
    }
    choices = tuple(enums.get(prefix + field.name, ())) or field.choices
    if choices:
        item |= {"widget": "select", "options": list(choices)}
        if field.kind == "texts":
            item["multiple"] = True
    elif field.kind == "boolean":
        item["widget"] = "boolean"
    elif field.kind in ("integer", "number"):
        item |= {"widget": "number", "value_type": "int" if field.kind == "integer" else "float"}
        if field.bounds is not None:
            item |= {"min": field.bounds[0], "max": field.bounds[1]}
    elif field.kind == "date":
        item |= {"widget": "datetime", "type": "date", "format": "YYYY-MM-DD"}
    elif field.kind == "datetime":  # (a time without zone is the settings' timezone)
        item |= {"widget": "datetime", "format": "YYYY-MM-DD HH:mm"}
    elif field.kind == "texts":
        item["widget"] = "list"
    elif field.kind in ("mapping", "mappings") and field.schema is not None:
        below = prefix + field.name + "."
        if field.schema.fields:
            item |= {
                "widget": "object" if field.kind == "mapping" else "list",
                "fields": [widget(f, enums, below) for f in field.schema.fields],
            }
        else:  # keys the writer names (a date → a value): a list of pairs
            item |= {"widget": "keyvalue", "key_label": "Name", "value_label": "Wert"}
    else:
        item["widget"] = "string"
    if field.default not in (None, "", [], ()):
        item["default"] = field.default
    return item


def fields(item: Declared) -> list[dict[str, Any]]:
    """The editor fields of a declared file (a Markdown file gets its text as ``body``)."""
    found = [widget(f, item.enums) for f in item.schema.fields]
    if item.front_matter:
        found.append({"name": "body", "label": BODY_LABEL, "hint": BODY_HINT, "widget": "markdown"})
    return found


def repository(project: Project) -> tuple[str, str] | None:
    """The GitHub repository and branch the site's edit links name (``edit_uri`` in mkdocs.yml)."""
    text = project.mkdocs_file.read_text(encoding="utf-8")
    match = re.search(
        r"(?m)^edit_uri:\s*[\"']?https://github\.com/([\w.-]+/[\w.-]+)/edit/([\w./-]+?)/", text
    )
    return (match.group(1), match.group(2)) if match else None


def editor_config(project: Project, index: SiteIndex, *, preview: bool = False) -> dict[str, Any]:
    """The whole configuration of ``/admin/config.yml``.

    ``preview``: served by ``rundbrief preview`` — newsletters link to their real email at both
    widths, not to the archive of the published site.
    """
    by_page = {item.page: item for item in declared(project.root)}
    articles, newsletters = by_page["artikel.md"], by_page["newsletter.md"]
    campaigns, facts = by_page["kampagnen.md"], by_page["fakten.md"]
    repo, branch = repository(project) or ("", "main")
    collections: list[dict[str, Any]] = []
    for section, title in sections(index):
        collections.append(
            {
                "name": f"artikel-{section}",
                "label": f"Hilfe: {title}",
                "label_singular": "Artikel",
                "folder": f"content/{section}",
                "extension": "md",
                "format": "frontmatter",
                "create": True,
                "slug": "{{slug}}",
                "media_folder": f"/{ASSETS}",
                "public_folder": "../assets",
                "preview_path": f"{section}/{{{{slug}}}}/",
                "fields": fields(articles),
            }
        )
    collections.append(
        {
            "name": "newsletter",
            "label": "Newsletter",
            "label_singular": "Newsletter",
            "folder": project.newsletters_dir.relative_to(project.root).as_posix(),
            "extension": "md",
            "format": "frontmatter",
            "create": True,
            # The file name rundbrief new gives it: newsletters/YYYY-MM-DD-titel.md
            "slug": "{{year}}-{{month}}-{{day}}-{{slug}}",
            "media_folder": f"/{ASSETS}",
            "public_folder": f"../{ASSETS}",
            "preview_path": (
                "newsletter-vorschau/{{filename}}.html" if preview else "newsletter/{{filename}}/"
            ),
            "editor": {"preview": False},  # the real email, not an imitation: see preview_path
            "fields": fields(newsletters),
        }
    )
    collections.append(
        {
            "name": "kampagnen",
            "label": "Werbemittel-Kampagnen",
            "label_singular": "Kampagne",
            "folder": project.assets_dir.relative_to(project.root).as_posix(),
            "extension": "yml",
            "format": "yaml",
            "create": True,
            "slug": "{{slug}}",
            "media_folder": "",
            "public_folder": "",
            "editor": {"preview": False},
            "fields": fields(campaigns),
        }
    )
    collections.append(
        {
            "name": "fakten",
            "label": "Fakten",
            "files": [
                {
                    "name": "fakten",
                    "label": "Fakten (fakten.yml)",
                    "file": FACTS_FILE,
                    "format": "yaml",
                    "fields": fact_fields(project.root / FACTS_FILE, facts.schema),
                }
            ],
        }
    )
    return {
        "backend": {
            "name": "github",
            "repo": repo,
            "branch": branch,
            "commit_messages": {
                "create": "{{collection}}: „{{slug}}“ angelegt",
                "update": "{{collection}}: „{{slug}}“ geändert",
                "delete": "{{collection}}: „{{slug}}“ gelöscht",
                "uploadMedia": "Bild „{{path}}“ hochgeladen",
                "deleteMedia": "Bild „{{path}}“ gelöscht",
            },
        },
        # Every save is a branch and a pull request; the founder's merge publishes it.
        "publish_mode": "editorial_workflow",
        # In the preview, "view on the site" opens the preview server itself (the default).
        **({} if preview else {"site_url": project.site_url.rstrip("/")}),
        "media_folder": ASSETS,
        "public_folder": "/assets",
        "app_title": f"{project.settings.platform_name} – Redaktion",
        "logo_url": "../assets/logo.svg",
        "collections": collections,
    }


def sections(index: SiteIndex) -> list[tuple[str, str]]:
    """The sections of ``content/`` (folders with an ``index.md``), with their titles."""
    found = []
    for article in index.articles:
        parts = article.rel.split("/")
        if len(parts) == 3 and parts[2] == "index.md":
            found.append((parts[1], article.title))
    return sorted(found)


def fact_fields(path: Path, schema: Schema) -> list[dict[str, Any]]:
    """One section per fact of ``fakten.yml`` (a fact's name is chosen in the file, not here)."""
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):  # check names what is wrong; no form then
        loaded = None
    names = list(loaded) if isinstance(loaded, dict) else []
    assert schema.extra is not None and schema.extra.schema is not None
    inner = [widget(f, {}) for f in schema.extra.schema.fields]
    return [
        {"name": str(name), "label": str(name), "widget": "object", "fields": inner}
        for name in names
    ]
