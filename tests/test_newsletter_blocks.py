"""Each Markdown construct alone: how it is drawn for email clients, or where it is refused."""

from __future__ import annotations

import re

import pytest
from newsletter_helpers import checked, newsletter_text, one_newsletter, project_with, render

from generator.newsletter.email import archive_copy, neutral_values, personalise, sample_values
from generator.newsletter.preview import local_images

REL = "newsletters/2026-11-02-test.md"
SITE = "https://hilfe.mitgliederwerk.example/"


def problems(make_project, body, **options):
    project = project_with(make_project, {"2026-11-02-test.md": newsletter_text(body, **options)})
    return [str(p) for p in checked(project).problems]


def tags_of_content(html):
    """The email's content without white space and inline styles: its structure to compare."""
    return re.sub(r"\s+|style=\"[^\"]*\"", "", html.split('class="content"')[1])


def html_and_text(make_project, body, **options):
    project, newsletter = one_newsletter(make_project, newsletter_text(body, **options))
    _, html, text = personalise(render(project, newsletter), sample_values(project))
    return html, text


# --- tables -------------------------------------------------------------------------------------


def test_a_table_with_more_than_four_columns_is_a_warning_at_its_line(make_project):
    body = "Text\n\n| A | B | C | D | E |\n|---|---|---|---|---|\n| 1 | 2 | 3 | 4 | 5 |\n"
    assert problems(make_project, body) == [
        f"{REL}:10: Warnung: die Tabelle hat 5 Spalten; ein Smartphone zeigt höchstens 4: "
        "teilen Sie sie in zwei Tabellen auf oder schreiben Sie sie als Liste"
    ]


def test_a_row_wider_than_a_phone_is_a_warning_naming_the_width(make_project):
    body = (
        "Text\n\n| Aktiengattung | Vorzugsaktiengattung | Dividendenberechtigung |\n"
        "|---|---|---|\n| Stammaktie | Vorzugsaktie | 1.245.300,00 € |\n"
    )
    found = problems(make_project, body)
    assert len(found) == 1
    assert re.fullmatch(
        rf"{REL}:10: Warnung: die Tabelle ist auf einem Smartphone etwa \d{{3}} px breit, die "
        r"Spalte dort nur 295 px: kürzen Sie die längsten Wörter und Zahlen, nehmen Sie "
        r"weniger Spalten oder schreiben Sie die Tabelle als Liste",
        found[0],
    )


def test_numbers_never_wrap_and_align_right_words_never_break(make_project):
    body = "| Gattung | Betrag |\n|---|---|\n| Stammaktie | 1 245,30 € |\n| Vorzug | -3,5 % |\n"
    html, text = html_and_text(make_project, body)
    cells = re.findall(r"<t([hd])([^>]*)>([^<]*)</t[hd]>", html)
    by_text = {content: (tag, attributes) for tag, attributes, content in cells}
    for number in ("1 245,30 €", "-3,5 %"):
        tag, attributes = by_text[number]
        assert 'class="num"' in attributes and "white-space: nowrap" in attributes.replace(
            "white-space:nowrap", "white-space: nowrap"
        )
        assert "text-align: right" in attributes.replace(":right", ": right")
    assert 'align="right"' in by_text["Betrag"][1]  # the header of a column of numbers
    for attributes in (by_text["Stammaktie"][1], by_text["Gattung"][1]):
        style = attributes.replace(": ", ":")
        assert "word-break:normal" in style and "overflow-wrap:normal" in style
        assert "font-family:Arial" in style and "anywhere" not in style and "hyphens" not in style
    assert "Stammaktie | 1 245,30 €" in text


# --- buttons ------------------------------------------------------------------------------------


def test_two_buttons_in_a_row_are_two_bulletproof_buttons(make_project):
    body = (
        "[Zum Konto](https://www.mitgliederwerk.example/konto){ .button } "
        "[Zur Hilfe](https://hilfe.mitgliederwerk.example/){ .button }\n"
    )
    assert problems(make_project, body) == []
    html, text = html_and_text(make_project, body)
    assert html.count("<v:roundrect") == 2 and html.count('class="button"') == 2
    assert html.count('class="button-cell" bgcolor="#0f766e"') == 2
    outside = re.sub(r"<!--\[if [^\]]*\]>.*?<!\[endif\]-->", "", html, flags=re.S)
    assert "mso-hide" not in outside
    assert "→ Zum Konto [1]\n→ Zur Hilfe [2]" in text


@pytest.mark.parametrize(
    "body",
    [
        "Klicken Sie [hier](https://www.mitgliederwerk.example/konto){ .button } und los.\n",
        "- [hier](https://www.mitgliederwerk.example/konto){ .button }\n",
    ],
    ids=["sentence", "list"],
)
def test_a_button_inside_text_is_an_ordinary_link_and_a_warning(make_project, body):
    assert problems(make_project, body) == [
        f"{REL}:8: Warnung: der Button „hier“ steht nicht in einem eigenen Absatz und erscheint "
        "als gewöhnlicher Link; schreiben Sie [hier](…){ .button } in eine eigene Zeile mit "
        "Leerzeilen davor und danach"
    ]
    html, _ = html_and_text(make_project, body)
    assert "v:roundrect" not in html and 'class="button"' not in html
    assert re.search(r'<a href="https://www.mitgliederwerk.example/konto\?utm_[^"]*" style', html)


def test_a_long_button_label_is_a_warning_and_the_button_grows_by_a_line(make_project):
    label = "Jetzt alle Unterlagen herunterladen"
    body = f"Text\n\n[{label}](https://www.mitgliederwerk.example/konto){{ .button }}\n"
    assert problems(make_project, body) == [
        f"{REL}:10: Warnung: die Beschriftung des Buttons ist 35 Zeichen lang; auf einem "
        f"Smartphone passen höchstens 30 in eine Zeile: kürzen Sie „{label}“"
    ]
    html, _ = html_and_text(make_project, body)
    style = re.search(r'<a class="button"[^>]*style="([^"]*)"', html)
    assert style is not None
    declarations = style.group(1).replace(": ", ":")
    assert "padding:12px 24px" in declarations and "line-height:24px" in declarations
    assert "height:48px;" in html  # one line in Outlook's VML at 536 px
    long = "Alle Unterlagen des Jahres 2026 als PDF-Datei herunterladen und sicher aufbewahren"
    html, _ = html_and_text(make_project, f"[{long}](https://x.example/){{ .button }}\n")
    assert "height:72px;" in html  # two lines: one line taller, not twice as tall


# --- code, footnotes, lists ---------------------------------------------------------------------


def test_fenced_code_is_a_styled_pre_without_its_language(make_project):
    body = "```python\nif a < b & c:\n    pass\n```\n\n```\nplain\n```\n\n`x < y & z`\n"
    html, text = html_and_text(make_project, body)
    assert html.count('<pre class="code"') == 2 and "python" not in html
    assert "if a &lt; b &amp; c:\n    pass</pre>" in html
    assert "white-space: pre-wrap" in html.replace("white-space:pre-wrap", "white-space: pre-wrap")
    assert "    if a < b & c:\n        pass\n\n    plain\n" in text
    assert "&lt;" not in text and "&amp;" not in text and "\nx < y & z\n" in text


def test_footnotes_render_with_back_references_not_as_a_relative_link(make_project):
    body = "Die Dividende[^1] kommt.\n\n[^1]: Nach Abzug der Steuer.\n"
    assert problems(make_project, body) == []
    html, text = html_and_text(make_project, body)
    assert 'href="#fn-1"' in html and 'href="#fnref-1"' in html and 'id="fn-1"' in html
    assert "Die Dividende¹ kommt." in text
    assert "Fußnoten\n--------\n¹ Nach Abzug der Steuer.\n" in text


@pytest.mark.parametrize("indent", [2, 4])
def test_lists_nested_with_two_or_four_spaces_are_nested(make_project, indent):
    pad = " " * indent
    body = f"- eins\n{pad}- eins.a\n{pad}{pad}- eins.a.i\n- zwei\n\n1. erstens\n{pad}   1. sub\n"
    html, text = html_and_text(make_project, body)
    structure = tags_of_content(html)
    assert "<li>eins<ul><li>eins.a<ul><li>eins.a.i</li></ul></li></ul></li><li>zwei</li>" in (
        structure.replace(" ", "")
    )
    assert "<li>erstens<ol><li>sub</li></ol></li>" in structure
    assert "- eins\n  - eins.a\n    - eins.a.i\n- zwei" in text


def test_ordered_lists_nested_with_two_spaces_are_nested_in_html_and_text(make_project):
    body = (
        "1. Schritt eins\n  1. Unterschritt\n  2. Noch einer\n"
        "2. Schritt zwei\n  - Punkt unter Nummer\n3. Schritt drei\n"
    )
    assert problems(make_project, body) == []
    html, text = html_and_text(make_project, body)
    structure = tags_of_content(html)
    assert (
        "<ol><li>Schritteins<ol><li>Unterschritt</li><li>Nocheiner</li></ol></li>"
        "<li>Schrittzwei<ul><li>PunktunterNummer</li></ul></li><li>Schrittdrei</li></ol>"
    ) in structure
    assert (
        "1. Schritt eins\n   1. Unterschritt\n   2. Noch einer\n2. Schritt zwei\n"
        "   - Punkt unter Nummer\n3. Schritt drei\n"
    ) in text


@pytest.mark.parametrize(
    ("body", "marker"),
    [("1. Schritt eins\n- Punkt\n", "- Punkt"), ("- Punkt\n 1. Schritt eins\n", "1. Schritt eins")],
)
def test_a_list_item_of_another_kind_that_would_join_the_item_above_is_a_warning(
    make_project, body, marker
):
    assert problems(make_project, "Text\n\n" + body) == [
        f"{REL}:11: Warnung: der Listenpunkt „{marker}“ würde an den Punkt darüber angehängt: "
        "rücken Sie ihn um zwei Leerzeichen ein, um ihn unterzuordnen, oder lassen Sie eine "
        "Leerzeile davor, um eine neue Liste zu beginnen"
    ]


def test_a_footnote_reference_without_its_text_is_an_error_at_its_line(make_project):
    body = "Text\n\nDie Dividende[^fehlt] kommt.\n\nEine Fußnote[^1].\n\n[^1]: Da.\n"
    assert problems(make_project, body) == [
        f"{REL}:10: die Fußnote [^fehlt] hat keinen Text: ergänzen Sie unten eine Zeile "
        "[^fehlt]: … oder entfernen Sie den Verweis"
    ]


# --- images -------------------------------------------------------------------------------------


def test_image_from_content_assets_by_its_source_path(make_project):
    body = 'Text\n\n![Ein Bild](../content/assets/bild.png){ width="300" }\n'
    assert problems(make_project, body) == []
    html, _ = html_and_text(make_project, body)
    assert f'src="{SITE}assets/bild.png"' in html and 'width="300"' in html


@pytest.mark.parametrize(
    ("width", "message"),
    [
        (
            "600",
            "das Bild ist 600 px breit, breiter als die Spalte der E-Mail mit 536 px: {src}; "
            'schreiben Sie { width="536" }',
        ),
        (
            "100%",
            "die Breite eines Bildes muss eine Zahl von Pixeln sein (höchstens 536), nicht "
            "„100%“: {src}",
        ),
    ],
)
def test_an_image_wider_than_the_column_is_an_error_naming_its_width(make_project, width, message):
    src = f"{SITE}assets/bild.png"
    body = f'Text\n\n![Ein Bild]({src}){{ width="{width}" }}\n'
    assert problems(make_project, body) == [f"{REL}:10: " + message.replace("{src}", src)]


def test_preview_shows_help_site_images_from_the_working_tree():
    html = (
        f'<img src="{SITE}assets/logo.png"><img src="{SITE}assets/neu.jpg">'
        '<img src="https://cdn.example.org/x.png"><a href="' + SITE + 'konto/">'
    )
    assert local_images(html, SITE) == (
        '<img src="/assets/logo.png"><img src="/assets/neu.jpg">'
        '<img src="https://cdn.example.org/x.png"><a href="' + SITE + 'konto/">'
    )


# --- title, personal paragraphs, archive --------------------------------------------------------


def test_the_title_is_a_visible_h1_without_the_greeting_by_name(make_project):
    subject = "'{{ member.first_name }}, Ihr Jahresrückblick ist da'"
    html, text = html_and_text(make_project, "Hallo,\n\nText.\n", subject=subject)
    assert re.search(r"<h1[^>]*>Ihr Jahresrückblick ist da</h1>", html)
    assert text.startswith("Ihr Jahresrückblick ist da\n==========================\n\nHallo,")
    own, _ = html_and_text(make_project, "# Unser Rückblick\n\nText.\n", subject=subject)
    assert own.count("<h1") == 1 and re.search(r"<h1[^>]*>Unser Rückblick</h1>", own)


@pytest.mark.parametrize(("status", "severity"), [("approved", ""), ("draft", "Warnung: ")])
def test_a_field_without_archive_value_must_be_in_a_personal_paragraph(
    make_project, status, severity
):
    body = "Hallo,\n\nSie sind seit {{ member.member_since }} dabei.\n"
    assert problems(make_project, body, status=status) == [
        f"{REL}:10: {severity}das Seriendruckfeld member.member_since hat im Web-Archiv keinen "
        "Wert: schließen Sie seinen Absatz mit einer Zeile { .personal } ab (dann fehlt der "
        "Absatz im Archiv)"
    ]
    assert problems(make_project, body + "{ .personal }\n", status=status) == []


def test_the_archive_leaves_personal_paragraphs_and_empty_names_out(make_project):
    body = (
        "Hallo {{ member.first_name }} {{ member.last_name }},\n\n"
        "## Ihr Konto { .personal }\n\n"
        "Sie sind seit {{ member.member_since }} dabei, [danke](https://x.example/d)!\n"
        "{ .personal }\n\nBis bald.\n"
    )
    project, newsletter = one_newsletter(make_project, newsletter_text(body))
    email = render(project, newsletter)
    _, html, text = personalise(email, sample_values(project))
    assert "Hallo Erika Mustermann," in html and "Sie sind seit Beispiel dabei" in text
    assert "Ihr Konto" in html and "[1] https://x.example/d" in text
    _, html, text = archive_copy(email, neutral_values(project))
    assert "Hallo liebes Mitglied," in html and "Hallo liebes Mitglied,\n\nBis bald.\n" in text
    assert "Ihr Konto" not in html + text and "seit" not in html + text
    assert "x.example/d" not in html + text
