"""Every library the code imports is declared in pyproject.toml: a fresh install has it.

A library that arrived only as another one's dependency (numpy with matplotlib) vanishes when
that one is removed, and a fresh machine fails where the developer's virtual environment did
not. Imports at a module's top level need a main dependency; an import inside a function (an
optional feature: the review's browser; a development page that reads the catalogues) may come
from an extra.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
OWN = {"generator", "tests", "bench", "scripts"}


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement (``psycopg[binary]>=3.1`` → psycopg)."""
    return re.sub(r"[-_.]+", "-", re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]).lower()


MAIN = {_name(requirement) for requirement in PROJECT["dependencies"]}
EXTRAS = {
    extra: {_name(requirement) for requirement in requirements}
    for extra, requirements in PROJECT["optional-dependencies"].items()
}
DISTRIBUTIONS = importlib.metadata.packages_distributions()


def imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, top-level module, at the module's top level) of a file's absolute imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    top |= {
        id(child)
        for node in tree.body
        if isinstance(node, ast.If | ast.Try)
        for child in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, name.split(".")[0], id(node) in top) for name in names]
    return found


def undeclared(root: Path, allowed_top: set[str], allowed_inner: set[str]) -> list[str]:
    local = {path.stem for path in root.glob("*.py")} | OWN
    problems = []
    for path in sorted(root.rglob("*.py")):
        for line, module, at_top in imports(path):
            if module in sys.stdlib_module_names or module in local:
                continue
            names = {_name(name) for name in DISTRIBUTIONS.get(module, [module])}
            if not names & (allowed_top if at_top else allowed_inner):
                problems.append(
                    f"{path.relative_to(root.parent)}:{line}: {module} ({', '.join(names)})"
                )
    return problems


def test_the_package_imports_only_what_it_declares():
    assert undeclared(REPO / "generator", MAIN, MAIN | EXTRAS["review"] | EXTRAS["test"]) == []


def test_the_tests_import_only_what_the_test_extra_declares():
    allowed = MAIN | EXTRAS["test"] | EXTRAS["bench"]
    assert undeclared(REPO / "tests", allowed, allowed) == []


def test_the_rule_finds_an_undeclared_import(tmp_path):
    (tmp_path / "module.py").write_text("import numpy\n\ndef f():\n    import playwright\n")
    assert [problem.split(": ")[1] for problem in undeclared(tmp_path, set(), set())] == [
        "numpy (numpy)",
        "playwright (playwright)",
    ]
    assert undeclared(tmp_path, {"numpy"}, {"playwright"}) == []
