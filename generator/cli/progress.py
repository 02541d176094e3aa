"""One progress line on standard error, for every long command (send, feedback, kits)."""

from __future__ import annotations

import time

import click

from generator.core.i18n import number


class Progress:
    """``line`` filled with done, total, rate and time left; redrawn at most five times a second.

    ``line`` is a translated format string with ``{done}``, ``{total}``, ``{rate}`` and ``{eta}``,
    e.g. ``_("Sending {done}/{total}  {rate} msg/s  ETA {eta}")``.
    """

    def __init__(self, line: str) -> None:
        self.line = line
        self.total = 0
        self.done = 0
        self.begin = time.monotonic()
        self.shown = 0.0

    def start(self, total: int) -> None:
        """Begin counting towards ``total``."""
        self.total, self.done, self.begin = total, 0, time.monotonic()
        self._show()

    def step(self, count: int = 1) -> None:
        """``count`` more are done."""
        self.done += count
        if time.monotonic() - self.shown > 0.2 or self.done == self.total:
            self._show()

    def update(self, done: int, total: int) -> None:
        """``done`` of ``total`` are done (for callers that count themselves)."""
        if total != self.total:
            self.total = total
        self.step(done - self.done)

    def _show(self) -> None:
        if not self.total:
            return  # nothing to do: no line (end() ends none either)
        self.shown = time.monotonic()
        elapsed = max(self.shown - self.begin, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0
        eta = time.strftime("%H:%M:%S", time.gmtime(left)) if self.done else "--:--:--"
        text = self.line.format(
            done=number(self.done), total=number(self.total), rate=number(rate, 1), eta=eta
        )
        click.echo("\r" + text, err=True, nl=False)

    def end(self) -> None:
        """Finish the line (nothing was shown for nothing to do)."""
        if self.total:
            click.echo("", err=True)
