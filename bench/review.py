"""Benchmark: `rundbrief review` beside a plain `rundbrief build` of the same repository.

Two repositories, each with a base commit on main and a branch on top:
- the example repository with one changed newsletter and one changed article,
- a synthetic help site of 1,000 pages (~600 words each) with 20 changed pages
  (and, on a second branch, 1 changed page).
For each, measured in the same run: `build` with empty caches (cold) and again (warm); then
`review` with no cached base (cold) and again (warm: base cached), with the time of each step.
Targets: review at most 3x the build for the example; the extra time of a warm review (all
but building the new side) grows with the number of changed files, not with the site's size.
Each figure is the best of ROUNDS runs (default 3): the machine may be busy with other work.
Run: .venv/bin/python bench/review.py [PAGES] [ROUNDS]
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the test helpers: the repository's sources as a project

from project_helpers import copy_sources  # noqa: E402

from generator.build import build  # noqa: E402
from generator.core.settings import load_project  # noqa: E402
from generator.review.pipeline import review  # noqa: E402

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, env=ENV, check=True, capture_output=True)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def example(root: Path) -> Path:
    """The example sources on main; branch 'change': one newsletter and one article changed."""
    root.mkdir(parents=True)
    copy_sources(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "change")
    edit(
        root / "newsletters/2026-11-20-neuer-lastschrifttermin.md",
        "Viele Mitglieder erhalten",
        "Sehr viele Mitglieder erhalten",
    )
    edit(root / "content/zahlungen/sepa-lastschrift.md", "die einfachste Art", "die bequemste Art")
    git(root, "commit", "-q", "-am", "change")
    return root


def synthetic(root: Path, pages: int) -> Path:
    """A synthetic site on main; branch 'change' with 20 changed pages, 'one' with 1."""
    spec = importlib.util.spec_from_file_location("bench_build", REPO / "bench" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root.mkdir(parents=True)
    module.synthetic_project(root, pages)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    for branch, count in (("one", 1), ("change", 20)):
        git(root, "checkout", "-q", "-b", branch, "main")
        for number in sorted({(i * 37) % pages for i in range(count)}):  # spread over sections
            path = root / f"content/bereich-{number % 10}/artikel-{number}.md"
            edit(path, "## Abschnitt 2", "## Abschnitt 2 (überarbeitet)")
        git(root, "commit", "-q", "-am", f"{count} pages")
    return root


def clear_caches(root: Path) -> None:
    for name in (".rundbrief", "site", "build"):
        shutil.rmtree(root / name, ignore_errors=True)


def timed_review(project) -> tuple[float, dict[str, float], int]:
    started = time.perf_counter()
    result = review(project)
    return time.perf_counter() - started, dict(result.steps), len(result.relevant)


def best(runs: list[tuple[float, dict[str, float], int]]) -> tuple[float, dict[str, float], int]:
    """The fastest run (the least disturbed by other work on the machine)."""
    return min(runs, key=lambda run: run[0])


def measure(root: Path, branches: tuple[str, ...], rounds: int) -> dict[str, object]:
    """Best of ``rounds``: build cold/warm, review cold/warm on the first branch, warm on the rest."""
    git(root, "checkout", "-q", branches[0])
    project = load_project(root)
    builds: dict[str, list[float]] = {"cold": [], "warm": []}
    reviews: dict[str, list[tuple[float, dict[str, float], int]]] = {"cold": [], "warm": []}
    for _round in range(rounds):
        clear_caches(root)
        for label in ("cold", "warm"):
            started = time.perf_counter()
            build(project)
            builds[label].append(time.perf_counter() - started)
        clear_caches(root)
        for label in ("cold", "warm"):
            reviews[label].append(timed_review(project))
    figures: dict[str, object] = {f"build {k}": min(v) for k, v in builds.items()}
    figures.update({f"review {k}": best(v) for k, v in reviews.items()})
    for branch in branches[1:]:
        git(root, "checkout", "-q", branch)
        review(project)  # this branch's new-side caches
        figures[f"review warm, branch {branch}"] = best(
            [timed_review(project) for _ in range(rounds)]
        )
    return figures


def extra(total: float, steps: dict[str, float]) -> float:
    """Everything but building the new side and swapping in its site (what a build does)."""
    return total - steps.get("new side", 0.0) - steps.get("swap in", 0.0)


def report(name: str, figures: dict[str, object]) -> None:
    build_cold, build_warm = figures["build cold"], figures["build warm"]
    print(f"\n{name}")
    print(f"  build            cold {build_cold:7.2f} s   warm {build_warm:7.2f} s")
    for label, base in (("cold", build_cold), ("warm", build_warm)):
        total, steps, changed = figures[f"review {label}"]
        print(
            f"  review {label} ({changed} changed files) {total:7.2f} s = "
            f"{total / base:4.2f} x build {label}; extra {extra(total, steps):6.2f} s"
        )
        print("      " + "  ".join(f"{step} {seconds:.2f}" for step, seconds in steps.items()))
    for key, value in figures.items():
        if key.startswith("review warm, branch"):
            total, steps, changed = value
            print(
                f"  review warm ({changed} changed file) {total:7.2f} s; "
                f"extra {extra(total, steps):6.2f} s"
            )
            print("      " + "  ".join(f"{step} {seconds:.2f}" for step, seconds in steps.items()))


def main(pages: int, rounds: int) -> None:
    print(f"best of {rounds} rounds; times in seconds")
    with tempfile.TemporaryDirectory(prefix="rundbrief-bench-review-") as folder:
        report(
            "example repository (1 newsletter, 1 article changed)",
            measure(example(Path(folder) / "example"), ("change",), rounds),
        )
        big = synthetic(Path(folder) / "synthetic", pages)
        report(f"synthetic site of {pages} pages", measure(big, ("change", "one"), rounds))


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 3,
    )
