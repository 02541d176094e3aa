"""Golden files for one example newsletter: email.html, email.txt and message.eml.

Regenerate after an intended change, then review the diff like code:

    RUNDBRIEF_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_newsletter_golden.py
"""

from __future__ import annotations

import email
import email.policy
import os
from pathlib import Path

import pytest
from conftest import repo_project
from newsletter_helpers import load_newsletter, render

from generator.newsletter.archive import sample_message_bytes
from generator.newsletter.email import personalise, sample_values

REPO = Path(__file__).resolve().parent.parent
INLINER = repo_project().settings.newsletter.inliner
GOLDEN = Path(__file__).parent / "golden" / "newsletter" / INLINER
"""One set per inliner: css-inline (the default) and premailer write the same styles differently."""
EXAMPLE = "newsletters/2026-11-20-neuer-lastschrifttermin.md"
REGENERATE = os.environ.get("RUNDBRIEF_REGENERATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def outputs() -> dict[str, bytes]:
    project = repo_project()
    newsletter = load_newsletter(project, REPO / EXAMPLE)
    rendered = render(project, newsletter)
    _, html, text = personalise(rendered, sample_values(project))
    return {
        "email.html": html.encode("utf-8"),
        "email.txt": text.encode("utf-8"),
        "message.eml": sample_message_bytes(project, newsletter, rendered),
    }


@pytest.mark.parametrize("name", ["email.html", "email.txt", "message.eml"])
def test_matches_golden_file(outputs, name):
    path = GOLDEN / name
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(outputs[name])
    assert path.exists(), f"missing {path}; run with RUNDBRIEF_REGENERATE_GOLDEN=1"
    assert outputs[name] == path.read_bytes(), (
        f"{name} differs from {path}; if intended, regenerate (see module docstring)"
    )


def test_golden_message_parses_back():
    message = email.message_from_bytes(
        (GOLDEN / "message.eml").read_bytes(), policy=email.policy.default
    )
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert (
        message["Subject"] == "Wichtig: Ihr SEPA-Lastschrifttermin ändert sich zum 1. Januar 2027"
    )
    assert b"=?utf-8?q?=C3=A4ndert?=" in (GOLDEN / "message.eml").read_bytes()  # encoded
    assert message["From"] == "Mitgliederwerk <newsletter@mitgliederwerk.example>"
    assert message["Reply-To"] == "support@mitgliederwerk.example"
    assert message["Date"] == "Fri, 20 Nov 2026 08:00:00 +0000"
    assert message["Message-ID"] == (
        "<sample.2026-11-20-neuer-lastschrifttermin@mitgliederwerk.example>"
    )
    assert message["List-Id"] == "Mitgliederwerk <newsletter.mitgliederwerk.example>"
    unsubscribe = "https://www.mitgliederwerk.example/newsletter/abmelden?t=beispiel"
    assert message["List-Unsubscribe"].strip() == (
        f"<{unsubscribe}>, <mailto:abmelden@mitgliederwerk.example?subject=Newsletter%20abbestellen%20beispiel>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = parts[0].get_content()
    html = parts[1].get_content()
    assert "Hallo Erika," in text and "Hallo Erika," in html
    assert unsubscribe in text and f'href="{unsubscribe}"' in html
    assert "Registergericht: Amtsgericht Charlottenburg, HRB 234567 B" in text
    assert "[2] https://hilfe.mitgliederwerk.example/zahlungen/sepa-lastschrift/\n" in text
    assert 'href="https://hilfe.mitgliederwerk.example/zahlungen/sepa-lastschrift/?utm_source=' in (
        html
    )
