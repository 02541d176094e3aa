"""A published output is never missing: a web server serving ``site/`` always finds a whole site (R-32)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.core import output


def _folder(path: Path, text: str) -> Path:
    path.mkdir()
    (path / "index.html").write_text(text, encoding="utf-8")
    return path


def test_the_target_exists_at_every_step_of_a_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    stage = tmp_path / "stage"
    stage.mkdir()
    output.publish([(_folder(stage / "first", "alt"), site)], retired=stage)
    seen: list[bool] = []
    real_replace = os.replace

    def watched(source: object, target: object) -> None:
        seen.append((site / "index.html").is_file())
        real_replace(source, target)  # type: ignore[arg-type]
        seen.append((site / "index.html").is_file())

    monkeypatch.setattr(output.os, "replace", watched)
    output.publish([(_folder(stage / "second", "neu"), site)], retired=stage)

    assert seen and all(seen), "site/ was missing between two renames"
    assert (site / "index.html").read_text(encoding="utf-8") == "neu"
    retired = [p for p in stage.iterdir() if p.name.startswith("retired-")]
    assert [(p / "index.html").read_text(encoding="utf-8") for p in retired] == ["alt"]


def test_without_the_exchange_the_old_two_renames_still_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "_exchange", lambda first, second: False)
    site = tmp_path / "site"
    stage = tmp_path / "stage"
    stage.mkdir()
    output.publish([(_folder(stage / "first", "alt"), site)], retired=stage)
    output.publish([(_folder(stage / "second", "neu"), site)], retired=stage)
    assert (site / "index.html").read_text(encoding="utf-8") == "neu"
    assert output.is_marked(site)
