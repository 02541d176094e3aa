"""The shared state's password never shows: not in a message, not in an exception, not on screen."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from smtp_helpers import free_port

from generator.core.database import Database, StateUnreachable, shown

PASSWORDS = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="*"
    ),  # '*' is the mask itself
    min_size=1,
    max_size=24,
)
PLAIN = st.text(alphabet="abcdefghXYZ0123456789-_.~!$'()+,;", min_size=6, max_size=24)
"""Passwords that need no escaping anywhere in a URL."""


def urls(password: str, port: int) -> list[str]:
    """The ways an operator may write the password into RUNDBRIEF_STATE_URL, right and wrong."""
    encoded = urllib.parse.quote(password, safe="")
    return [
        f"postgresql://rundbrief:{encoded}@127.0.0.1:{port}/rundbrief?sslmode=verify-full",
        f"postgresql://rundbrief:{password}@127.0.0.1:{port}/rundbrief",  # not escaped
        f"postgres://rundbrief@127.0.0.1:{port}/rundbrief?password={encoded}&sslmode=disable",
    ]


def test_a_password_with_an_at_sign_is_masked_in_every_reading() -> None:
    url = "postgresql://rundbrief:geh@im/?x#1@db.example.org:5432/rundbrief"
    assert "geh" not in shown(url) and "im/?x#1" not in shown(url)
    assert shown(url).endswith("@db.example.org:5432/rundbrief")


@settings(max_examples=150, deadline=None)
@given(password=PASSWORDS)
def test_shown_never_holds_the_password(password: str) -> None:
    for url in urls(password, 5432):
        assert password not in shown(url)
        assert urllib.parse.quote(password, safe="") not in shown(url)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(password=st.one_of(PLAIN, PASSWORDS).filter(lambda p: len(p) >= 6))
@example(password="0000@\ufff9")  # the host Python cannot encode: raised before libpq was asked
def test_a_failed_connection_names_the_variable_and_never_the_password(password: str) -> None:
    # Six characters at least: a shorter one may occur in the message's own words.
    port = free_port()  # nobody listens: the connection is refused
    for url in urls(password, port):
        with pytest.raises(StateUnreachable) as failed:
            Database.postgresql(url)
        text = f"{failed.value}\n{failed.value!r}"
        assert "RUNDBRIEF_STATE_URL" in text
        assert password not in text
        assert urllib.parse.quote(password, safe="") not in text
        assert failed.value.__cause__ is None and failed.value.__suppress_context__


def test_the_command_line_says_what_to_do_in_german_without_traceback_or_password(
    example_project: Path, cli
) -> None:
    password = "Geheim-Pa55wort"
    url = f"postgresql://rundbrief:{password}@127.0.0.1:{free_port()}/rundbrief"
    result = cli(
        example_project,
        "status",
        "newsletters/2026-11-05-november.md",
        env={"RUNDBRIEF_STATE_URL": url},
    )
    assert result.exit_code == 1
    assert "RUNDBRIEF_STATE_URL" in result.stderr
    assert "nicht erreichbar" in result.stderr and "prüfen Sie" in result.stderr
    assert password not in result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_a_url_of_another_kind_is_refused_before_anything_connects(
    example_project: Path, cli
) -> None:
    result = cli(
        example_project,
        "status",
        "newsletters/2026-11-05-november.md",
        env={"RUNDBRIEF_STATE_URL": "mysql://root:Geheim-Pa55wort@db/rundbrief"},
    )
    assert result.exit_code == 2
    assert "PostgreSQL-URL" in result.stderr and "Geheim-Pa55wort" not in result.stderr


def test_no_piece_of_an_unescaped_password_shows() -> None:
    # libpq ends the password at the first '@' and reads the rest as the host: its error
    # names that host, a piece of the password.
    url = f"postgresql://rundbrief:Erst@Zweit-Teil@127.0.0.1:{free_port()}/rundbrief"
    with pytest.raises(StateUnreachable) as failed:
        Database.postgresql(url)
    assert "Erst" not in str(failed.value) and "Zweit-Teil" not in str(failed.value)


@pytest.mark.parametrize("password", ["Erst@Zweit-Teil", "Geh%zzeim-Wort"])
def test_doctor_never_shows_the_password_either(password: str) -> None:
    from generator.doctor.connections import check_state

    finding = check_state(f"postgresql://rundbrief:{password}@127.0.0.1:{free_port()}/rundbrief")
    text = f"{finding.message} {finding.fix}"
    assert finding.status == "fail"
    assert all(piece not in text for piece in password.split("@"))
