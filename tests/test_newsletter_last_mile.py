"""What an expert reviewer still found in the emails: each fixed, each held by a test."""

from __future__ import annotations

import re

from newsletter_helpers import checked, newsletter_text, one_newsletter

from generator.newsletter.blocks import PHONE_COLUMN
from generator.newsletter.plaintext import WIDTH

# The widest cells of the two columns sit in different rows: no single row is too wide, the
# table is (each column is as wide as its widest cell).
CROSSED_TABLE = """Hallo {{ member.first_name }},

| Beitragsart | Betrag |
|---|---|
| Mitgliedsbeitragsrückerstattung | 0 € |
| Jahresbeitrag | 12.345.678,90 € |
"""


def messages(project) -> list[str]:
    return [str(problem) for problem in checked(project).problems]


def test_table_width_adds_the_widest_cell_of_each_column(make_project):
    project, _ = one_newsletter(make_project, newsletter_text(CROSSED_TABLE))
    found = [m for m in messages(project) if "Tabelle" in m]
    assert len(found) == 1, messages(project)
    width = int(re.search(r"etwa (\d+) px", found[0]).group(1))
    assert width > PHONE_COLUMN
    assert f"{PHONE_COLUMN} px" in found[0]


def test_two_buttons_in_one_sentence_are_an_error_not_run_together_links(make_project):
    body = (
        "Hallo,\n\n"
        "[Eins](https://example.org/a){ .button } oder [Zwei](https://example.org/b){ .button }\n"
    )
    project, _ = one_newsletter(make_project, newsletter_text(body))
    result = checked(project)
    errors = [p for p in result.problems if p.severity == "error"]
    assert [(p.line, "2 Buttons stehen in einem Satz" in p.message) for p in errors] == [(10, True)]
    # An error, not a warning: `check` fails without --strict and `send` refuses.


def test_two_buttons_on_lines_of_their_own_are_stacked(make_project):
    body = "Hallo,\n\n[Eins](https://example.org/a){ .button }\n[Zwei](https://example.org/b){ .button }\n"
    project, _ = one_newsletter(make_project, newsletter_text(body))
    result = checked(project)
    assert result.problems == ()
    assert result.email is not None
    assert result.email.html.count('class="button"') == 2
    assert result.email.html.count('class="button-item') == 2


def test_footnotes_carry_name_anchors_for_clients_that_drop_id(make_project):
    body = "Hallo,\n\nText mit Fußnote[^1].\n\n[^1]: Die Fußnote.\n"
    project, _ = one_newsletter(make_project, newsletter_text(body))
    email = checked(project).email
    assert email is not None
    html = email.html
    assert re.search(r'<a name="fnref-1"[^>]*></a>', html)
    assert re.search(r'<a name="fn-1"[^>]*></a>', html)
    assert 'href="#fn-1"' in html and 'href="#fnref-1"' in html
    assert email.text.count("Fußnoten") == 1


def test_long_code_lines_wrap_at_a_space_in_the_text_part(make_project):
    line = "antwort = konto.umsaetze(von='2026-01-01', bis='2026-12-31', format='csv', seite=2)"
    body = f"Hallo,\n\n```\n{line}\n```\n"
    project, _ = one_newsletter(make_project, newsletter_text(body))
    email = checked(project).email
    assert email is not None
    code = [text for text in email.text.splitlines() if text.startswith("    ")]
    assert all(len(text) <= WIDTH for text in code), code
    assert code[0].rstrip().endswith(",")  # broken after a whole argument, not inside a word
    joined = " ".join(text.strip() for text in code)
    assert joined == line


def test_client_fixes_for_samsung_gmail_and_outlook(make_project):
    body = 'Hallo,\n\n![Ein Bild](../content/assets/bild.png){ width="536" }\n'
    project, _ = one_newsletter(make_project, newsletter_text(body))
    email = checked(project).email
    assert email is not None
    html = email.html
    assert "#MessageViewBody,#MessageWebViewDiv{width:100%!important}" in html  # Samsung Mail
    assert ".a6S{display:none!important" in html  # Gmail's download button over images
    assert re.search(r'<img [^>]*class="g-img"', html)
    assert "mso-line-height-rule: exactly" in html  # Outlook keeps the line heights
