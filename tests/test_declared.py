"""Every schema declared once: docs on every key, generated references, editor schemas that agree."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.core.declare import declared_fields, key, schema_of
from generator.core.fingerprint import email_inputs, fingerprint
from generator.core.problems import ProblemsFound
from generator.core.schema import Field, Schema
from generator.core.settings import Settings, load_project
from generator.core.sources import read_source, split_front_matter
from generator.marketing.load import load_campaigns
from generator.reference import declared, editor_schemas, outputs

REPO = Path(__file__).resolve().parent.parent


def all_fields(schema: Schema, prefix: str = "") -> list[tuple[str, Field]]:
    """Every field of a schema and its nested schemas, with its dotted key."""
    found = []
    fields = [*schema.fields, *([schema.extra] if schema.extra else [])]
    for field in fields:
        dotted = prefix + (field.name or "<key>")
        found.append((dotted, field))
        if field.schema is not None:
            found += all_fields(field.schema, dotted + ".")
    return found


def test_every_declared_key_has_a_doc():
    for item in declared(REPO):
        for dotted, field in all_fields(item.schema):
            assert field.doc.strip(), f"{item.page}: {dotted} has no doc"


def test_a_key_without_doc_is_refused_not_left_out():
    @dataclasses.dataclass(frozen=True)
    class Half:
        title: str = key("Titel.")
        forgotten: str = "x"

    @dataclasses.dataclass(frozen=True)
    class Empty:
        title: str = key("  ")

    with pytest.raises(TypeError, match="Half: declare forgotten"):
        schema_of(Half)
    with pytest.raises(TypeError, match="Empty: declare title"):
        schema_of(Empty)


def declarations_only(rel: str, text: str) -> Any:
    """A generated file without the project's known values (segments, fact names).

    Those follow ``rundbrief.yml`` and ``fakten.yml``, which the writer changes in a content
    pull request: a new fact must not fail CI, it is offered once ``scripts/reference`` runs.
    """
    if not rel.endswith(".json"):
        return text
    document = json.loads(text)
    document.pop("$defs", None)
    if rel.endswith("newsletter.schema.json"):
        document["properties"]["audience"].pop("enum", None)
    return document


def test_committed_references_and_schemas_are_generated_from_the_declarations():
    for rel, text in outputs(REPO).items():
        path = REPO / rel
        assert path.is_file(), f"{rel} is missing: run scripts/reference"
        committed = declarations_only(rel, path.read_text(encoding="utf-8"))
        assert committed == declarations_only(rel, text), f"{rel} differs: run scripts/reference"


def test_a_new_fact_does_not_fail_the_comparison_but_a_changed_declaration_does():
    generated = outputs(REPO)
    rel = "schemas/kampagne.schema.json"
    document = json.loads(generated[rel])
    document["$defs"]["fakten"]["examples"].append("{{ fakt.neu }}")
    assert declarations_only(rel, json.dumps(document)) == declarations_only(rel, generated[rel])
    document["properties"]["slug"]["description"] = "anders"
    assert declarations_only(rel, json.dumps(document)) != declarations_only(rel, generated[rel])


def test_the_editor_checks_each_yaml_file_with_its_schema():
    configured = json.loads((REPO / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert configured["yaml.schemas"] == editor_schemas(REPO)
    extensions = json.loads((REPO / ".vscode" / "extensions.json").read_text(encoding="utf-8"))
    assert "redhat.vscode-yaml" in extensions["recommendations"]  # (it reads yaml.schemas)
    for schema_file in editor_schemas(REPO):
        jsonschema.Draft202012Validator.check_schema(json.loads((REPO / schema_file).read_text()))


def as_editor_sees(value: Any) -> Any:
    """YAML as the editor's YAML 1.2 reading gives it: dates are text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): as_editor_sees(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(v) for v in value]
    return value


def validator(schema_file: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((REPO / "schemas" / schema_file).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def example_files(item_globs: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for pattern in item_globs:
        files += [path for path in sorted(REPO.glob(pattern)) if path.is_file()]
    return files


def data_of(path: Path, front_matter: bool) -> Any:
    if not front_matter:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    source = read_source(path, REPO)
    assert not isinstance(source, type(None))
    split = split_front_matter(source)  # type: ignore[arg-type]
    assert isinstance(split, tuple), f"{path}: no front matter"
    return yaml.safe_load(split[0]) or {}


def test_the_schemas_accept_every_example_file():
    checked = 0
    for item in declared(REPO):
        check = validator(item.schema_file)
        for path in example_files(item.globs):
            errors = [
                f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
                for error in check.iter_errors(as_editor_sees(data_of(path, item.front_matter)))
            ]
            assert errors == [], f"{path.relative_to(REPO)}: {errors}"
            checked += 1
    assert checked >= 20  # every kind of file, not a glob that matched nothing


@pytest.mark.parametrize(
    ("schema_file", "data", "path"),
    [
        ("rundbrief.schema.json", {"sending": {"connections": 100}}, ["sending", "connections"]),
        ("rundbrief.schema.json", {"members": {"segments": "anleger"}}, ["members", "segments"]),
        ("rundbrief.schema.json", {"member_fields": ["email"]}, ["member_fields", 0]),
        ("newsletter.schema.json", {"audience": "anlegr"}, ["audience"]),
        ("artikel.schema.json", {"hide": ["toc", "kopf"]}, ["hide", 1]),
        ("kampagne.schema.json", {"images": [{"width": 100000}]}, ["images", 0, "width"]),
        ("fakten.schema.json", {"beitrag": {"wert": "4 {€}"}}, ["beitrag", "wert"]),
        ("fakten.schema.json", {"Beitrag": {"wert": "4 €"}}, []),
    ],
)
def test_a_broken_file_is_refused_at_its_path(schema_file, data, path):
    example = {
        "rundbrief.schema.json": REPO / "rundbrief.yml",
        "newsletter.schema.json": REPO / "newsletters" / "2026-11-02-monatsupdate-november.md",
        "artikel.schema.json": REPO / "content" / "index.md",
        "kampagne.schema.json": REPO / "marketing-assets" / "mitglieder-werben-mitglieder.yml",
        "fakten.schema.json": REPO / "fakten.yml",
    }[schema_file]
    whole = as_editor_sees(data_of(example, example.suffix == ".md"))
    broken = merged(whole, data)
    paths = [list(error.absolute_path) for error in validator(schema_file).iter_errors(broken)]
    assert path in paths


def merged(base: Any, change: Any) -> Any:
    """``base`` with ``change`` laid over it (lists of mappings item by item)."""
    if isinstance(base, dict) and isinstance(change, dict):
        return {**base, **{k: merged(base.get(k), v) for k, v in change.items()}}
    if (
        isinstance(base, list)
        and isinstance(change, list)
        and change
        and isinstance(change[0], dict)
    ):
        return [merged(base[i] if i < len(base) else {}, v) for i, v in enumerate(change)]
    return change


# --- the fingerprint hashes exactly the fields that shape an email ---------------------------


def leaves(cls: type, prefix: tuple[str, ...] = (), marked: bool = False) -> list[Any]:
    """(path, shapes_email of the field or a section above it, type hint) of every plain key."""
    found = []
    for field, hint in declared_fields(cls):
        flag = marked or field.metadata["shapes_email"]
        if dataclasses.is_dataclass(hint):
            found += leaves(hint, (*prefix, field.name), flag)  # type: ignore[arg-type]
        else:
            found.append(((*prefix, field.name), flag, hint))
    return found


def changed(value: Any) -> Any:
    """Another value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, tuple):
        return (*value, "zusatz")
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=1)
    return f"{value or ''}x"


def with_value(obj: Any, path: tuple[str, ...], value: Any) -> Any:
    if len(path) == 1:
        return dataclasses.replace(obj, **{path[0]: value})
    return dataclasses.replace(obj, **{path[0]: with_value(getattr(obj, path[0]), path[1:], value)})


def value_at(obj: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        obj = getattr(obj, name)
    return obj


SETTINGS = load_project(REPO).settings
LEAVES = [leaf for leaf in leaves(Settings) if value_at(SETTINGS, leaf[0][:-1]) is not None]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(LEAVES))
def test_the_newsletter_key_changes_exactly_with_an_email_shaping_setting(leaf):
    path, shapes_email, _hint = leaf
    before = fingerprint("newsletter", email_inputs(SETTINGS))
    after_settings = with_value(SETTINGS, path, changed(value_at(SETTINGS, path)))
    after = fingerprint("newsletter", email_inputs(after_settings))
    assert (before != after) == shapes_email, ".".join(path)


def test_sender_name_shapes_the_email_and_the_review_settings_do_not():
    marked = {".".join(path) for path, flag, _hint in LEAVES if flag}
    assert {"newsletter.from_name", "operator.name", "sending.advertising_words"} <= marked
    assert not marked & {"review.members_file", "feedback.folder", "sending.remote", "timezone"}


# --- bounds and names the schema enforces at the line -------------------------


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").split("\n").index(text) + 1


def test_an_image_of_absurd_size_is_refused_at_its_line(example_project):
    campaign = example_project / "marketing-assets" / "mitglieder-werben-mitglieder.yml"
    own = (
        "images:\n"
        "  - {name: banner-300x250, title: A, medium: banner, boxes: [],\n"
        "     width: 1200000,\n"
        "     height: 0}\n"
    )
    edit(campaign, "\nsocial_posts:\n", f"\n{own}social_posts:\n")
    _campaigns, problems = load_campaigns(load_project(example_project))
    rel = "marketing-assets/mitglieder-werben-mitglieder.yml"
    messages = [str(problem) for problem in problems]
    width = line_of(campaign, "     width: 1200000,")
    height = line_of(campaign, "     height: 0}")
    bounds = "eine Zahl von 16 bis 4096 erwartet, gefunden:"
    assert f"{rel}:{width}: images.0.width: {bounds} 1200000" in messages
    assert f"{rel}:{height}: images.0.height: {bounds} 0" in messages


@pytest.mark.parametrize("name", ["email", "referral_link", "Mitglied seit"])
def test_a_member_field_named_like_a_known_column_is_refused(example_project, name):
    settings_file = example_project / "rundbrief.yml"
    edit(settings_file, "  - member_since\n", f"  - member_since\n  - {name}\n")
    with pytest.raises(ProblemsFound) as found:
        load_project(example_project)
    (problem,) = found.value.problems
    assert problem.path == "rundbrief.yml"
    assert problem.line == line_of(
        settings_file,
        "member_fields:            # extra columns of the members file usable as {{ member.<name> }}",
    )
    assert problem.message.startswith("member_fields: ")
    assert name in problem.message


# --- the editor and rundbrief check refuse the same slips -----------------------------------

SETTINGS_DATA = yaml.safe_load((REPO / "rundbrief.yml").read_text(encoding="utf-8"))
MKDOCS = "site_name: Test\nsite_url: https://hilfe.example/\n"
WRONG = {
    "text": {"eine": "Zuordnung"},
    "integer": "viele",
    "number": "viel",
    "boolean": "ja bitte",
    "texts": "nur ein Text",
    "date": "bald",
}


def plain_keys(schema: Schema, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """(path, kind) of every key of ``rundbrief.yml`` that holds a plain value."""
    found = []
    for field in schema.fields:
        path = (*prefix, field.name)
        if field.kind == "mapping" and field.schema is not None:
            found += plain_keys(field.schema, path)
        elif field.kind in WRONG:
            found.append((path, field.kind))
    return found


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(plain_keys(declared(REPO)[0].schema)))
def test_a_value_of_the_wrong_kind_is_refused_by_check_and_by_the_editor(tmp_path_factory, leaf):
    path, kind = leaf
    data = copy.deepcopy(SETTINGS_DATA)
    node = data
    for name in path[:-1]:
        node = node.setdefault(name, {})
    node[path[-1]] = WRONG[kind]
    root = tmp_path_factory.mktemp("settings")
    (root / "rundbrief.yml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS, encoding="utf-8")
    dotted = ".".join(path)
    with pytest.raises(ProblemsFound) as found:
        load_project(root)
    messages = [str(p) for p in found.value.problems]
    assert len(messages) == 1 and f": {dotted}: " in messages[0], messages
    editor = validator("rundbrief.schema.json").iter_errors(as_editor_sees(data))
    assert list(path) in [list(error.absolute_path) for error in editor], dotted
