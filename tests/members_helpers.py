"""Synthetic members files (never real member data) for the send and kit tests."""

from __future__ import annotations

from pathlib import Path

MEMBER_COLUMNS = (
    "email,first_name,last_name,referral_code,segments,opt_in_at,confirmed_at,unsubscribed_at,"
    "member_since"
)
OPTED = "2026-01-02T10:00:00+01:00,2026-01-02T10:05:00+01:00,"
"""Sign-up and confirmation times of a valid double opt-in, and an empty unsubscribe time."""


def member(number: int) -> str:
    """The address of test member ``number``, as ``member_row`` writes it."""
    return f"mitglied{number}@beispiel.example"


def member_row(number: int, first: str = "", last: str = "Muster", consent: str = OPTED) -> str:
    """A consenting member row 'mitglied<number>@beispiel.example' with code 'code-<number>'."""
    first = first or f"Vorname{number}"
    return f"{member(number)},{first},{last},code-{number},alle,{consent},2024"


def members_csv(rows: list[str]) -> str:
    """A members file's text: the header and the given data rows."""
    return "\n".join([MEMBER_COLUMNS, *rows]) + "\n"


def members_file(folder: Path, rows: list[str]) -> Path:
    """A members CSV outside the project (as the README asks) with the given data rows."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "members.csv"
    path.write_text(members_csv(rows), encoding="utf-8")
    return path


def kit_rows(people: list[tuple[str, str, str]]) -> list[str]:
    """Consenting member rows from (first name, last name, referral code)."""
    return [
        f"{member(number)},{first},{last},{code},alle,{OPTED},2024"
        for number, (first, last, code) in enumerate(people)
    ]
