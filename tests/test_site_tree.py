"""The staged docs tree as ``write_tree`` writes it: every page and file, never through a link."""

from __future__ import annotations

import pytest

from generator.core.files import RefusedFile
from generator.site.stage import Page, StaticFile, write_tree


def pages(count: int) -> list[Page]:
    return [
        Page(f"bereich-{n % 3}/artikel-{n}.md", f"Artikel {n}", f"Text {n}.\n")
        for n in range(count)
    ]


def test_every_page_and_file_is_written_folder_by_folder(tmp_path):
    # Pages of three folders interleaved: each folder is left and entered again.
    files = [StaticFile("assets/bild.svg", data=b"<svg/>"), StaticFile("robots.txt", data=b"")]
    write_tree(tmp_path / "docs", pages(7), files)
    for page in pages(7):
        assert (tmp_path / "docs" / page.path).read_text(encoding="utf-8") == page.render()
    assert (tmp_path / "docs/assets/bild.svg").read_bytes() == b"<svg/>"
    assert (tmp_path / "docs/robots.txt").read_bytes() == b""


def test_a_path_written_twice_keeps_the_last(tmp_path):
    # The preview builds with problems, a duplicate path among them: as before, the last wins.
    first, second = Page("a/b.md", "Eins", "eins\n"), Page("a/b.md", "Zwei", "zwei\n")
    write_tree(tmp_path / "docs", [first, second], [StaticFile("a/b.md", data=b"drei")])
    assert (tmp_path / "docs/a/b.md").read_bytes() == b"drei"


def test_a_linked_folder_in_the_tree_is_not_written_through(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/bereich-1").symlink_to(outside, target_is_directory=True)
    with pytest.raises(RefusedFile):
        write_tree(tmp_path / "docs", pages(3), [])
    assert list(outside.iterdir()) == []
