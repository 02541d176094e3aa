"""The documentation site: it builds strictly, its generated pages are current, its claims hold."""

from __future__ import annotations

import ast
import html as htmllib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import markdown
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.cli import reference
from generator.core import i18n

ROOT = Path(__file__).resolve().parent.parent


def build_docs(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """Run ``mkdocs build --strict`` of ``config`` into ``site``."""
    return subprocess.run(
        # Not -q: MkDocs counts warnings for --strict only when it logs them.
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_docs_build_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = build_docs(ROOT / "docs" / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    assert (site / "index.html").is_file()
    # Generated pages keep their own titles in the navigation, not their file names.
    navigation = re.findall(
        r'class="md-ellipsis">\s*([^<]*?)\s*<', (site / "index.html").read_text()
    )
    assert "Exit-Codes" in navigation and "Alle Meldungen" in navigation
    # The measured figures are included from bench/RESULTS.md, not copied.
    results = (ROOT / "bench" / "RESULTS.md").read_text(encoding="utf-8")
    row = next(line for line in results.splitlines() if line.startswith("| `bench/build.py`"))
    page = (site / "entwicklung" / "benchmarks" / "index.html").read_text(encoding="utf-8")
    assert row.split("|")[2].strip() in page


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("site"))
    shutil.copytree(ROOT / "bench", tmp_path / "bench", ignore=shutil.ignore_patterns(".*"))
    with (docs / "seiten" / "schreiben" / "index.md").open("a", encoding="utf-8") as page:
        page.write("\n[kaputt](nirgends.md)\n")
    result = build_docs(docs / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 1
    assert "contains a link 'nirgends.md'" in result.stderr


def test_generated_pages_are_current(tmp_path: Path) -> None:
    reference.write(tmp_path)
    for name in reference.PAGES:
        committed = (reference.DOCS / name).read_text(encoding="utf-8")
        assert (tmp_path / name).read_text(encoding="utf-8") == committed, (
            f"docs/seiten/{name} is out of date: run scripts/docs and commit the result"
        )


def test_every_command_and_option_is_in_the_reference() -> None:
    i18n.use("en")
    page = reference.commands()
    assert i18n.language() == "en"  # the page is German; the language in use stays as it was
    i18n.use(i18n.DEFAULT)
    for path in ("rundbrief send", "rundbrief new newsletter", "rundbrief report"):
        assert f"## `{path}`" in page
    for option in ("--members", "--dry-run", "--retry-uncertain", "--summary", "--edit-links"):
        assert f"`{option}" in page
    assert "Warnungen wie Fehler behandeln." in page  # German, as --help shows it


def test_every_message_is_findable_by_its_german_text() -> None:
    from babel.messages.pofile import read_po

    page = reference.messages()
    po = Path(reference.PACKAGE) / "locale" / "de" / "LC_MESSAGES" / "rundbrief.po"
    with po.open("rb") as stream:
        catalog = [m for m in read_po(stream, locale="de") if m.id and m.string]
    assert len(catalog) > 500
    missing = [
        m.id for m in catalog if f"| {reference._prose(reference._forms(m.string))} |" not in page
    ]
    assert missing == []
    rows = [
        (
            "Link führt ins Leere: {target} gibt es nicht",
            "—",
            "broken link: {target} does not exist",
        ),
        ("{count} Problem / {count} Probleme", "—", "{count} problem / {count} problems"),
    ]
    for row in rows:
        assert "| " + " | ".join(reference._prose(cell) for cell in row) + " |" in page


def test_messages_are_grouped_by_command_with_the_next_step() -> None:
    page = reference.messages()
    section = lambda title: page.split(f"## {title}\n")[1].split("\n## ")[0]  # noqa: E731
    preview = section("`preview`")
    busy = reference._prose("Port {port} ist schon belegt")
    assert busy in preview
    step = reference._prose("beenden Sie diese (Strg+C in ihrem Fenster)")
    assert step in preview.split(busy)[1].split("\n")[0].split(" | ")[1]  # the middle column
    assert reference._prose("die Mitgliederdatei ist leer") in section(
        "Mitgliederdatei (`send`, `kits`, `report`)"
    )
    assert busy not in section("`feedback`")


def imports_of(path: Path, package_root: Path) -> list[str]:
    """The units (packages or modules directly under the package) that ``path`` imports."""
    module = path.relative_to(package_root.parent).with_suffix("").parts
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing module's package
                base = module[: len(module) - node.level]
                if path.name == "__init__.py":
                    base = module[: len(module) - node.level + 1]
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            names.append(target)
            if target == package_root.name:  # `from generator import build`
                names += [f"{target}.{alias.name}" for alias in node.names]
    units = []
    for name in names:
        parts = name.split(".")
        if parts[0] == package_root.name and len(parts) > 1:
            unit = parts[1]
            if (package_root / unit).is_dir() or (package_root / f"{unit}.py").is_file():
                units.append(unit)
    return units


def layer_violations(package_root: Path) -> list[str]:
    """Every import that runs upward or sideways in reference.LAYERS, and every unplaced unit."""
    found = []
    for path in sorted(package_root.rglob("*.py")):
        parts = path.relative_to(package_root).parts
        if parts == ("__init__.py",):
            continue
        own = parts[0].removesuffix(".py")
        try:
            row = reference.layer_of(own)
        except KeyError:
            found.append(f"{own} is in no row of LAYERS")
            continue
        for unit in imports_of(path, package_root):
            if unit == own:
                continue
            try:
                target = reference.layer_of(unit)
            except KeyError:
                found.append(f"{unit} (imported by {path.name}) is in no row of LAYERS")
                continue
            if target <= row:
                found.append(f"{path.relative_to(package_root.parent)} imports {unit}")
    return sorted(set(found))


def test_imports_go_down_the_layers() -> None:
    assert layer_violations(reference.PACKAGE) == []


def test_every_layer_names_an_existing_unit() -> None:
    named = [unit for row in reference.LAYERS for unit in row]
    assert sorted(named) == reference.units()


def test_an_upward_or_sideways_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "generator"
    for unit in ("core", "site", "newsletter", "cli"):
        (package / unit).mkdir(parents=True)
        (package / unit / "__init__.py").write_text("", encoding="utf-8")
    (package / "core" / "settings.py").write_text(
        "def f():\n    from generator.cli import main\n", encoding="utf-8"
    )
    (package / "site" / "pages.py").write_text("from ..newsletter import x\n", encoding="utf-8")
    (package / "newsletter" / "ok.py").write_text(
        "from generator import site\nfrom . import ok\n", encoding="utf-8"
    )
    (package / "stray.py").write_text("", encoding="utf-8")
    assert layer_violations(package) == [
        "generator/core/settings.py imports cli",
        "generator/site/pages.py imports newsletter",
        "stray is in no row of LAYERS",
    ]


def test_the_help_site_does_not_read_docs() -> None:
    settings = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert settings["docs_dir"] == "content"
    docs = yaml.load((ROOT / "docs" / "mkdocs.yml").read_text(encoding="utf-8"), _Lenient)
    assert docs["docs_dir"] == "seiten"


class _Lenient(yaml.SafeLoader):
    """A YAML loader that reads MkDocs' `!relative` tag as plain text."""


_Lenient.add_constructor("!relative", lambda loader, node: loader.construct_scalar(node))


# Pieces that mean something to Markdown or HTML, among ordinary text.
MARKUP = st.sampled_from(
    ["{:", "{", "}", " .c", "#x", "&", "&amp;", "<", ">", "|", "\\", "*", "_", "`", "[", "]"]
    + ["(", ")", "!", ":", "-", "~", "^", " ", "  ", "1.", "\t"]
)
DOCS_EXTENSIONS = ["tables", "attr_list", "toc", "admonition", "pymdownx.superfences"]


# Help texts and messages are the project's own: no control characters (Markdown uses some).
PLAIN = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(MARKUP | PLAIN, max_size=12).map("".join))
@example("gilt ab {: .wichtig }")  # an attribute list at the end of a cell is read as one
@example("a\rb")
def test_a_help_text_shows_literally_in_a_table_cell(text: str) -> None:
    cell_markdown = reference._prose(text)
    html = markdown.markdown(f"| a |\n|---|\n| {cell_markdown} |\n", extensions=DOCS_EXTENSIONS)
    cell = re.search(r"<td>(.*?)</td>", html, re.DOTALL)
    assert cell is not None, html
    shown = htmllib.unescape(re.sub(r"<[^>]+>", "", cell.group(1)))
    assert " ".join(shown.split()) == " ".join(text.split())


def test_the_readme_is_a_front_door_whose_links_lead_somewhere() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    assert "scripts/setup && .venv/bin/rundbrief build" in readme
    assert "scripts/setup --test && .venv/bin/python -m pytest" in readme
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    local = [target for target in targets if "://" not in target]
    assert local, "the README links into the documentation"
    assert [target for target in local if not (ROOT / target).is_file()] == []
