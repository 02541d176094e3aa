"""The house rules that a reading of the code can check: each fails on the first breach.

HTML only in templates; one place that exits; tests that neither sleep nor depend on the day
they run; one pool of worker processes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "generator"
TESTS = REPO / "tests"

ELEMENT = re.compile(
    r"(?<!\?P)<(?:a|b|body|br|center|div|em|h[1-6]|head|html|i|img|li|link|meta|ol|p|script|span|"
    r"strong|style|table|td|th|tr|ul)[\s>/]",
)
"""An HTML element where it starts (not a regular expression's named group); ``<svg`` and the
XML around images are not HTML."""
HTML_ALLOWED = {
    # The archive's copy of an email rendered once (render once, personalise cheaply): two
    # attributes and a CSP meta put into its head, by replacement, never a second render.
    "newsletter/email.py": "<base target> and target=_self into the archived copy",
    "newsletter/archive.py": "the CSP meta put into the archived copy's head",
}


def literals(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module with their lines; docstrings (any bare string
    statement: a module's, a function's, a constant's) left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
    ]


def test_html_is_written_in_templates_only():
    found = [
        f"{path.relative_to(PACKAGE).as_posix()}:{line}: {text[:60]!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).as_posix() not in HTML_ALLOWED
        for line, text in literals(path)
        if ELEMENT.search(text)
    ]
    assert found == []


def test_the_rule_finds_html_in_a_string_and_not_in_a_docstring(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        '"""A ``<p>`` in a docstring is prose."""\n\nBUTTON = \'<a class="button">\'\n',
        encoding="utf-8",
    )
    assert [text for _line, text in literals(module) if ELEMENT.search(text)] == [
        '<a class="button">'
    ]


def calls(path: Path, dotted: str) -> list[int]:
    """Lines of ``path`` calling ``dotted`` (e.g. ``sys.exit``) by its dotted name."""
    owner, name = dotted.rsplit(".", 1)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
        and ast.unparse(node.func.value).endswith(owner)
    ]


def test_only_the_cli_exits_and_from_one_place():
    exits = {
        f"{path.relative_to(PACKAGE).as_posix()}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for dotted in ("sys.exit", "os._exit")
        for line in calls(path, dotted)
    }
    source = (PACKAGE / "cli" / "__init__.py").read_text(encoding="utf-8").splitlines()
    (line,) = [n for n, text in enumerate(source, 1) if "sys.exit(error.exit_code)" in text]
    assert exits == {f"cli/__init__.py:{line}"}


def test_tests_wait_for_conditions_and_never_sleep():
    # Helpers that poll a condition may pause between two looks; a test never sleeps a guess.
    sleeping = [
        f"{path.name}:{line}"
        for path in sorted(TESTS.glob("test_*.py"))
        for line in calls(path, "time.sleep") + calls(path, "asyncio.sleep")
    ]
    assert sleeping == []


def test_no_test_reads_the_clocks_day():
    # A test that takes today's date can meet a build that ran after midnight.
    readings = [
        f"{path.name}:{line}"
        for path in sorted(TESTS.glob("test_*.py"))
        for line in calls(path, "date.today")
    ]
    assert readings == []


def test_one_pool_of_worker_processes():
    users = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\bProcessPoolExecutor\b|\bmultiprocessing\b", path.read_text("utf-8"))
    )
    assert users == ["core/workers.py"]


def test_the_platform_is_named_by_its_setting_never_in_code():
    import yaml

    name = yaml.safe_load((REPO / "rundbrief.yml").read_text(encoding="utf-8"))["platform_name"]
    named = [
        path.relative_to(PACKAGE).as_posix()
        for path in sorted(PACKAGE.rglob("*"))
        if path.suffix in (".py", ".j2", ".js", ".css", ".html")
        and name in path.read_text(encoding="utf-8")
    ]
    assert named == []
