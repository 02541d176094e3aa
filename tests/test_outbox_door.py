"""The outbox's door: its folder is checked once, each message is a new file in that folder.

A dry run writes one file per member; checking every folder on the way for each of them
cost more than writing the message. The folder is opened once, and every file is created
relative to it, new: never through a link, never over a file, not even when the folder is
swapped for a link halfway through.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core import files
from generator.core.files import NewFiles, RefusedFile
from generator.sending.transport import Outbox, Outgoing, TransportStopped


def _message(n: int) -> Outgoing:
    return Outgoing("newsletter@beispiel.example", (f"m{n}@beispiel.example",), b"Nachricht %d" % n)


def test_the_outbox_checks_its_folder_once_not_for_every_message(tmp_path, monkeypatch):
    checked: list[Path] = []
    check = files._folders_to

    def counting(target: Path, within: Path) -> None:
        checked.append(target)
        check(target, within)

    monkeypatch.setattr(files, "_folders_to", counting)
    outbox = Outbox(tmp_path / "outbox")
    (tmp_path / "outbox").mkdir()
    for n in range(5):
        outbox.send(_message(n))
    outbox.close()
    assert len(checked) == 1
    assert sorted(p.read_bytes() for p in (tmp_path / "outbox").iterdir()) == [
        b"Nachricht %d" % n for n in range(5)
    ]


def test_an_outbox_swapped_for_a_link_midway_is_never_written_through(tmp_path):
    secret = tmp_path / "geheim"
    secret.mkdir()
    folder = tmp_path / "outbox"
    folder.mkdir()
    outbox = Outbox(folder)
    outbox.send(_message(1))
    folder.rename(tmp_path / "moved")
    folder.symlink_to(secret, target_is_directory=True)
    outbox.send(_message(2))
    outbox.close()
    assert list(secret.iterdir()) == []
    assert len(list((tmp_path / "moved").iterdir())) == 2  # (the folder that was checked)


def test_an_outbox_that_is_a_link_or_a_file_is_refused_before_the_first_message(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "file").write_bytes(b"keep")
    for name in ("link", "file"):
        with pytest.raises(TransportStopped):
            Outbox(tmp_path / name).send(_message(1))
    assert list((tmp_path / "real").iterdir()) == []
    assert (tmp_path / "file").read_bytes() == b"keep"


def test_a_new_file_is_never_written_over_a_link_a_pipe_or_a_file(tmp_path):
    target = tmp_path / "config"
    target.write_bytes(b"keep")
    output = tmp_path / "out"
    output.mkdir()
    (output / "link.eml").symlink_to(target)
    (output / "old.eml").write_bytes(b"old")
    os.mkfifo(output / "pipe.eml")
    with NewFiles(output) as folder:
        for name in ("link.eml", "old.eml", "pipe.eml"):
            with pytest.raises(OSError):
                folder.create(name, b"overwritten")
        for name in ("", ".", "..", "../config", "sub/x.eml", "x\0y"):
            with pytest.raises((RefusedFile, OSError)):
                folder.create(name, b"overwritten")
    assert target.read_bytes() == b"keep"
    assert (output / "old.eml").read_bytes() == b"old"


PARTS = st.sampled_from(["a", ".", "/", "\0", "ü", "-", "config", "..", "link"])
NAMES = st.lists(PARTS, max_size=8).map("".join)


@settings(max_examples=200, deadline=None)
@given(name=NAMES)
def test_any_name_is_created_inside_the_folder_or_refused(tmp_path_factory, name):
    base = tmp_path_factory.mktemp("names")
    (base / "config").write_bytes(b"keep")
    output = base / "out"
    output.mkdir()
    (output / "link").symlink_to(base / "config")
    with NewFiles(output) as folder, contextlib.suppress(RefusedFile, OSError):
        folder.create(name, b"written")
    assert (base / "config").read_bytes() == b"keep"
    written = [p for p in base.rglob("*") if p.is_file() and not p.is_symlink()]
    for path in written:
        if path.read_bytes() == b"written":
            assert path.parent == output
