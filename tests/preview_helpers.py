"""Run `rundbrief preview` in a subprocess and read what it serves."""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from smtp_helpers import free_port


def fetch(url: str) -> str:
    """The body of ``url`` as text."""
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


class Preview:
    """A running preview: its base URL, and its output so far (complete once it has stopped)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.output = ""

    def read(self, stream: IO[str]) -> None:
        """Collect the preview's output as it comes (run in a thread)."""
        for line in stream:
            self.output += line


@contextmanager
def running_preview(root: Path) -> Iterator[Preview]:
    """Start `rundbrief -C ROOT preview` on a free port; stop it and keep its output after."""
    port = free_port()
    preview = Preview(f"http://127.0.0.1:{port}/")
    command = [sys.executable, "-m", "generator", "-C", str(root), "preview", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    reader = threading.Thread(target=preview.read, args=(process.stdout,), daemon=True)
    reader.start()
    try:
        yield preview
    finally:
        process.terminate()
        process.wait(timeout=10)
        reader.join(timeout=10)
