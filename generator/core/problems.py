"""Problems found in the sources, and the exceptions that carry them to the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from generator.core.i18n import _

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, at a place a person can open."""

    path: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = _("warning: ") if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"


class RundbriefError(Exception):
    """Base of every error the CLI turns into a message and an exit code."""

    exit_code = 1


class AlreadySaid(RundbriefError):
    """The command has printed what went wrong itself; only its exit code is left to give."""


class ProblemsFound(RundbriefError):
    """The input has problems; all of them are carried, sorted by place."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        # (a folder two stages walk, e.g. marketing-assets/, names the same refusal twice)
        self.problems = tuple(sorted(set(problems)))
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Only the problems that stop the command."""
        return tuple(p for p in self.problems if p.severity == "error")


class UsageError(RundbriefError):
    """The command was called wrongly (exit code 2)."""

    exit_code = 2


def errors_in(problems: Iterable[Problem], *, strict: bool = False) -> list[Problem]:
    """The problems that stop a command: errors, and warnings too when strict."""
    return [p for p in problems if strict or p.severity == "error"]


def raise_if_errors(problems: Iterable[Problem], *, strict: bool = False) -> None:
    """Raise ProblemsFound with every problem if any of them is an error."""
    problems = list(problems)
    if errors_in(problems, strict=strict):
        raise ProblemsFound(problems)
