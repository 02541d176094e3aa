"""The reference pages and editor schemas of the five declared files, written from the declarations.

``scripts/reference`` writes ``docs/seiten/referenz/*.md`` and
``schemas/*.schema.json``; a test regenerates them and fails if the committed files differ.
This module sits above the capabilities so that it may gather their declarations.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.facts import FACTS, FACTS_FILE, load_facts
from generator.core.reference import json_schema, markdown_table
from generator.core.schema import Schema
from generator.core.settings import SETTINGS, SETTINGS_FILE, load_project
from generator.marketing.schemas import CAMPAIGN
from generator.newsletter.source import FRONT_MATTER
from generator.site.articles import HELP_PAGE

GENERATED = "Erzeugt von scripts/reference aus den Deklarationen im Code – nicht von Hand ändern."
EDITOR_YAML = (
    "Die Entwicklungsumgebung (VS Code mit der YAML-Erweiterung, auch im Dev-Container) prüft "
    "diese Datei schon beim Tippen: Sie schlägt die Schlüssel vor, zeigt die Beschreibung beim "
    "Darüberfahren und unterstreicht Fehler. Maßgeblich bleibt `rundbrief check`: Es prüft "
    "auch, was das Schema nicht ausdrücken kann, und nennt jede Stelle als `Datei:Zeile`."
)
EDITOR_FRONT_MATTER = (
    "Der Kopf einer Markdown-Datei (zwischen den `---`-Zeilen) wird von der YAML-Erweiterung "
    "nicht geprüft: Sie prüft nur eigenständige YAML-Dateien. Das JSON-Schema `{schema}` "
    "beschreibt den Kopf trotzdem – für Werkzeuge, die Front Matter prüfen können. Die "
    "Prüfung beim Schreiben übernimmt `rundbrief check` (und die Vorschau)."
)


@dataclass(frozen=True)
class Declared:
    """One declared file: where its reference page and editor schema go, and what they say."""

    page: str
    schema_file: str
    title: str
    intro: str
    schema: Schema
    front_matter: bool
    globs: tuple[str, ...]
    enums: Mapping[str, Sequence[str]] = field(default_factory=dict)
    facts: Sequence[str] = ()


def declared(root: Path) -> list[Declared]:
    """The five declared files; known values (segments) come from the project's settings."""
    project = load_project(root)
    segments = ("alle", *project.settings.members.segments)
    facts = tuple(sorted(load_facts(project).facts))
    return [
        Declared(
            "einstellungen.md",
            "rundbrief.schema.json",
            f"Einstellungen ({SETTINGS_FILE})",
            f"`{SETTINGS_FILE}` im Hauptordner hält alle Einstellungen von rundbrief. "
            "Geheimnisse (SMTP-Passwort, Abmelde-Schlüssel) stehen nie hier, sondern in "
            "Umgebungsvariablen.",
            SETTINGS,
            False,
            (SETTINGS_FILE,),
            facts=facts,
        ),
        Declared(
            "artikel.md",
            "artikel.schema.json",
            "Kopf eines Hilfe-Artikels",
            "Jeder Artikel in `content/` (und jede Seite in `marketing-assets/`) beginnt mit "
            "einem Kopf zwischen zwei `---`-Zeilen.",
            HELP_PAGE,
            True,
            ("content/**/*.md", "marketing-assets/*.md"),
        ),
        Declared(
            "newsletter.md",
            "newsletter.schema.json",
            "Kopf eines Newsletters",
            "Jeder Newsletter `newsletters/JJJJ-MM-TT-name.md` beginnt mit einem Kopf zwischen "
            "zwei `---`-Zeilen. `audience` nennt `alle` oder ein Segment aus "
            "`members.segments` in `rundbrief.yml`.",
            FRONT_MATTER,
            True,
            ("newsletters/*.md",),
            {"audience": segments},
            facts,
        ),
        Declared(
            "kampagnen.md",
            "kampagne.schema.json",
            "Kampagnen (marketing-assets/*.yml)",
            "Eine Kampagne ist eine YAML-Datei in `marketing-assets/`: ihre Texte, Bilder, "
            "Beiträge, E-Mail-Texte und der Flyer. `[]` steht für jeden Eintrag einer Liste.",
            CAMPAIGN,
            False,
            ("marketing-assets/*.yml",),
            facts=facts,
        ),
        Declared(
            "fakten.md",
            "fakten.schema.json",
            f"Fakten ({FACTS_FILE})",
            f"`{FACTS_FILE}` hält jede Angabe, die an mehr als einer Stelle steht; Texte nennen "
            "sie beim Namen: `{{ fakt.<name> }}`.",
            FACTS,
            False,
            (FACTS_FILE,),
        ),
    ]


def page_text(item: Declared) -> str:
    """The German reference page of one declared file."""
    editor = (
        EDITOR_FRONT_MATTER.format(schema=f"schemas/{item.schema_file}")
        if item.front_matter
        else EDITOR_YAML
    )
    return (
        f"# {item.title}\n\n<!-- {GENERATED} -->\n\n{item.intro}\n\n"
        f"{markdown_table(item.schema)}\n"
        f"„Pflicht“: der Schlüssel muss stehen. „–“: ohne Vorgabe, der Schlüssel darf fehlen.\n\n"
        f"## Prüfung im Editor\n\n{editor}\n"
    )


def schema_text(item: Declared) -> str:
    """The JSON Schema of one declared file, as written to ``schemas/``."""
    document = json_schema(item.schema, item.title, item.intro, item.enums, item.facts)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def outputs(root: Path) -> dict[str, str]:
    """Every generated file by its path below ``root``."""
    files: dict[str, str] = {}
    for item in declared(root):
        files[f"docs/seiten/referenz/{item.page}"] = page_text(item)
        files[f"schemas/{item.schema_file}"] = schema_text(item)
    return files


def editor_schemas(root: Path) -> dict[str, list[str]]:
    """``yaml.schemas`` of the editor settings: each YAML file's schema and the files it checks."""
    return {
        f"./schemas/{item.schema_file}": list(item.globs)
        for item in declared(root)
        if not item.front_matter
    }
