"""What mail clients, spam filters and the web archive make of the example newsletters."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest

SPAMASSASSIN = shutil.which("spamassassin")
SCORE = re.compile(r"^X-Spam-Status: \w+, score=(-?\d+\.\d+)", re.M)
TAG = re.compile(r"<[^>]+>")
COMMENT = re.compile(r"<!--.*?-->", re.S)


def visible_text(html: str) -> str:
    """The text of a page's body, tags and comments removed, lines stripped."""
    body = COMMENT.sub("", html.split("<body", 1)[1])
    text = unescape(TAG.sub("", body)).replace("\u00a0", " ").replace("\u034f\u200c", "")
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def example_slugs(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "newsletters").glob("*.md"))


@pytest.mark.skipif(
    SPAMASSASSIN is None,
    reason="spamassassin is not installed (Debian package spamassassin; scripts/setup --test)",
)
def test_spamassassin_scores_every_example_at_most_zero(built_example, tmp_path):
    slugs = example_slugs(built_example)
    assert len(slugs) >= 3
    for slug in slugs:
        message = built_example / "build" / "newsletters" / slug / "message.eml"
        # -L: local tests only (no DNS, no network rules); -x: no user preferences file.
        result = subprocess.run(
            [SPAMASSASSIN, "-L", "-x", "-t"],
            input=message.read_bytes(),
            capture_output=True,
            env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
            check=False,
            timeout=120,
        )
        output = result.stdout.decode("utf-8", "replace")
        score = SCORE.search(output)
        assert score is not None, output[:2000] + result.stderr.decode()
        report = output.split("Content analysis details:")[-1]
        assert float(score.group(1)) <= 0.0, f"{slug}: {report}"


def test_archive_pages_read_as_pages_for_everyone(built_example):
    for slug in example_slugs(built_example):
        folder = built_example / "site" / "newsletter" / slug
        if not folder.exists():  # drafts are not archived
            continue
        email = (folder / "email.html").read_text(encoding="utf-8")
        page = (folder / "index.html").read_text(encoding="utf-8")
        assert '<base target="_top">' in email, slug
        for text in (visible_text(email), visible_text(page)):
            assert "Hallo liebes Mitglied," in text, slug
            assert " ," not in text and " ." not in text, slug  # an empty value before them
            assert not re.search(r"\w  +\w", text), slug  # ... or between two words
        assert "Hallo liebes Mitglied ," not in page and "{{" not in page and "rbf" not in page


def test_mailto_unsubscribe_and_footer_carry_the_members_token(built_example):
    import email
    import email.policy

    raw = (
        built_example / "build/newsletters/2026-11-20-neuer-lastschrifttermin/message.eml"
    ).read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    header = message["List-Unsubscribe"]
    assert (
        "<mailto:abmelden@mitgliederwerk.example?subject=Newsletter%20abbestellen%20beispiel>"
        in header
    )
    html = message.get_body(("html",)).get_content()
    assert 'href="https://www.mitgliederwerk.example/newsletter/abmelden?t=beispiel"' in html
    assert "color: #eef2f1" not in html.split("preheader")[1].split(">")[0]  # hidden, not tinted
