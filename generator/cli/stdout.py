"""Standard output that a closed pipe cannot break (`rundbrief send … | head`)."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import TextIO


class Forgiving(io.TextIOBase):
    """A text stream that, once its reader has gone, writes on into /dev/null.

    A send must not stop halfway, nor end in a traceback, because whoever read its output
    stopped reading: the journal, not the terminal, is its record.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    @property
    def encoding(self) -> str:  # type: ignore[override]  # the wrapped stream's
        return self.stream.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.stream.errors

    @property
    def buffer(self) -> object:
        """The binary stream underneath (for whoever writes bytes; unguarded)."""
        return self.stream.buffer

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self._to_null()
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._to_null()

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def writable(self) -> bool:
        return True

    def _to_null(self) -> None:
        # The buffered rest, and everything after it, goes where nobody waits for it;
        # the interpreter's last flush at exit finds a writable file too.
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, self.stream.fileno())
        finally:
            os.close(null)
        with contextlib.suppress(OSError, ValueError):
            self.stream.flush()


@contextlib.contextmanager
def forgiving_stdout() -> Iterator[None]:
    """Guard ``sys.stdout`` for the duration (only a stream on a real file descriptor)."""
    stream = sys.stdout
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):  # tests capture into memory: nothing to guard
        yield
        return
    sys.stdout = Forgiving(stream)
    try:
        yield
    finally:
        sys.stdout = stream
