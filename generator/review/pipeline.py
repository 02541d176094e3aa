"""The whole review on one screen: base, changed files, both sides, comparison, page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from generator.core.output import publish, staging_dir, write_atomic
from generator.core.settings import Project
from generator.review.changes import changed_files, resolve_base
from generator.review.compare import SITE, compare, photograph_newsletters
from generator.review.kitsample import campaign_samples
from generator.review.model import Review
from generator.review.page import render_page
from generator.review.pictures import Camera
from generator.review.sides import base_side, build_side

FOLDER = "review"
"""``build/review/``: the page (``index.html``) and the new side's site (``site/``)."""


class Clock:
    """The time of each step, for the benchmark."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the block as step ``name``."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.steps.append((name, time.perf_counter() - started))


def review(project: Project, given_base: str | None = None) -> Review:
    """Compare the work tree with the base and write ``build/review/``; return what changed."""
    clock = Clock()
    with clock.step("changes"):
        base = resolve_base(project.root, given_base)
        result = Review(base, tuple(changed_files(project.root, base.commit)))
    with staging_dir(project.build_dir) as folder, Camera() as camera:
        if result.relevant:
            if any(change.kind == "newsletter" for change in result.changes):
                camera.start()  # Chromium starts while the sides are built
            with clock.step("new side"):
                new = build_side(project, folder / "new", write_cache=True)
            with clock.step("base side"):
                old = base_side(project, base.commit)
            with clock.step("compare"):
                result = compare(project, base, result.changes, old, new)
            with clock.step("pictures"):
                result = photograph_newsletters(result, old, new, camera)
            with clock.step("campaign samples"):
                result = replace(result, samples=campaign_samples(project, result, new))
            if new.site_dir is not None and not new.active:
                # (a site with active content was compared, but is not kept: the reviewer
                # opens this copy from disk, where a pull request's script must not run)
                new.site_dir.rename(_mkdir(folder / FOLDER) / SITE)
        with clock.step("page"):
            write_atomic(folder / FOLDER / "index.html", render_page(result).encode("utf-8"))
        with clock.step("swap in"):  # (as build does with site/: the old folder goes)
            publish([(folder / FOLDER, project.build_dir / FOLDER)], retired=folder)
    return replace(result, steps=tuple(clock.steps))


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
