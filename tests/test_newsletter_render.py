"""Rendering a newsletter: links, UTM, merge fields, personalisation, the MIME message."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from newsletter_helpers import newsletter_text, one_newsletter, render

from generator.core.problems import ProblemsFound
from generator.newsletter.email import neutral_values, personalise, sample_values
from generator.newsletter.mime import HeaderInjection, build_message

SITE = "https://hilfe.mitgliederwerk.example/"


def test_help_article_link_becomes_absolute_site_url_with_utm(make_project):
    body = (
        "Hallo,\n\n"
        "Mehr zur [SEPA-Lastschrift](../content/zahlungen/sepa-lastschrift.md#mandat) und\n"
        "zu [Zahlungen](../content/zahlungen/index.md).\n"
    )
    project, newsletter = one_newsletter(make_project, newsletter_text(body))
    rendered = render(project, newsletter)
    utm = "utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=2026-11-02-test"
    assert f'href="{SITE}zahlungen/sepa-lastschrift/?{utm}#mandat"' in rendered.html
    assert f'href="{SITE}zahlungen/?{utm}"' in rendered.html
    # The text part lists the targets as numbered references, without the UTM fields.
    assert "Mehr zur SEPA-Lastschrift [1] und zu Zahlungen [2]." in rendered.text
    assert f"[1] {SITE}zahlungen/sepa-lastschrift/#mandat\n[2] {SITE}zahlungen/\n" in rendered.text


def test_link_to_missing_article_is_a_problem_at_its_line(make_project):
    body = "Hallo,\n\nerster Absatz.\n\nSiehe [Auszahlung](../content/zahlungen/auszahlung.md).\n"
    project, newsletter = one_newsletter(make_project, newsletter_text(body))
    with pytest.raises(ProblemsFound) as raised:
        render(project, newsletter)
    assert [str(p) for p in raised.value.problems] == [
        "newsletters/2026-11-02-test.md:12: Link führt ins Leere: "
        "../content/zahlungen/auszahlung.md gibt es nicht"
    ]


def test_utm_only_for_own_domains_and_existing_parameters_kept(make_project):
    body = (
        "[Konto](https://www.mitgliederwerk.example/konto?tab=daten)\n"
        "[Start](https://mitgliederwerk.example/)\n"
        "[Bank](https://www.bundesbank.de/sepa?x=1)\n"
        "[Täuschung](https://mitgliederwerk.example.evil.test/)\n"
    )
    extra = "utm_campaign: herbst\n"
    project, newsletter = one_newsletter(make_project, newsletter_text(body, extra=extra))
    html = render(project, newsletter).html
    utm = "utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=herbst"
    assert f'href="https://www.mitgliederwerk.example/konto?tab=daten&amp;{utm}"' in html
    assert f'href="https://mitgliederwerk.example/?{utm}"' in html
    assert 'href="https://www.bundesbank.de/sepa?x=1"' in html
    assert 'href="https://mitgliederwerk.example.evil.test/"' in html


def test_unknown_merge_field_is_a_problem_at_its_line(make_project):
    body = "Hallo {{ member.first_name }},\n\nIhr Rang: {{ member.rank }}\n{{ firstname }}\n"
    project, newsletter = one_newsletter(make_project, newsletter_text(body))
    with pytest.raises(ProblemsFound) as raised:
        render(project, newsletter)
    messages = [str(p) for p in raised.value.problems]
    assert messages[0].startswith(
        "newsletters/2026-11-02-test.md:10: unbekanntes Seriendruckfeld 'member.rank'; "
        "bekannt sind: email, "
    )
    assert messages[1] == (
        "newsletters/2026-11-02-test.md:11: unbekannter Platzhalter '{{ firstname }}'; "
        "schreiben Sie {{ member.<field> }}"
    )


def test_member_fields_from_settings_are_known(make_project):
    body = "Mitglied seit {{ member.member_since }}.\n{ .personal }\n"
    project, newsletter = one_newsletter(make_project, newsletter_text(body))
    rendered = render(project, newsletter)
    assert "member_since" in rendered.fields
    _, html, text = personalise(rendered, {**sample_values(project), "member_since": "2019"})
    assert "Mitglied seit 2019." in html and "Mitglied seit 2019." in text


def test_hostile_first_name_is_escaped_in_html_and_plain_in_text(make_project):
    project, newsletter = one_newsletter(make_project, newsletter_text())
    rendered = render(project, newsletter)
    values = {**sample_values(project), "first_name": '<script>alert("x")</script>'}
    subject, html, text = personalise(rendered, values)
    assert "<script>" not in html
    assert "Hallo &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;," in html
    assert 'Hallo <script>alert("x")</script>,' in text


def test_field_inside_href_is_filled_and_escaped(make_project):
    body = "[Jetzt teilen]({{ member.referral_link }}){ .button }\n\n[Link]({{ member.referral_link }})\n"
    project, newsletter = one_newsletter(make_project, newsletter_text(body))
    rendered = render(project, newsletter)
    assert "{{ member.referral_link }}" in rendered.html  # still a placeholder after inlining
    link = "https://www.mitgliederwerk.example/mitmachen?ref=AB12&utm_source=x&q=\"'"
    _, html, text = personalise(rendered, {**sample_values(project), "referral_link": link})
    escaped = (
        "https://www.mitgliederwerk.example/mitmachen?ref=AB12&amp;utm_source=x&amp;q=&quot;&#x27;"
    )
    assert html.count(f'href="{escaped}"') == 3  # button (VML and link) and the text link
    assert "rbf" not in html and "{{" not in html
    assert f"→ Jetzt teilen [1]\n\nLink [1]\n\n[1] {link}\n" in text


def test_button_is_bulletproof_with_vml_for_outlook(make_project):
    body = "[Zum Konto](https://www.mitgliederwerk.example/konto){ .button }\n"
    project, newsletter = one_newsletter(make_project, newsletter_text(body))
    html = render(project, newsletter).html
    assert "<!--[if mso]><v:roundrect" in html
    assert 'class="button"' in html and "background-color:#0f766e" in html.replace(": ", ":")


def test_only_media_queries_stay_in_the_style_block(make_project):
    project, newsletter = one_newsletter(make_project, newsletter_text())
    html = render(project, newsletter).html
    # Outside Outlook's conditional comments: the inlined sheet's @media rules, and the
    # client fixes the inliners leave alone (they match nothing when inlining).
    styles = re.findall(
        r"<style([^>]*)>(.*?)</style>", re.sub(r"<!--.*?-->", "", html, flags=re.S), re.S
    )
    assert len(styles) == 2
    style = styles[0][1]
    blocks = [block for block in style.split("@media")[1:]]
    assert style.strip().startswith("@media") and len(blocks) == 2
    assert "prefers-color-scheme: dark" in style
    clients = styles[1][1]
    assert "a[x-apple-data-detectors]" in clients and "[data-ogsc] .content" in clients
    paragraph = re.search(r'<p style="([^"]*)"', html)
    assert paragraph is not None
    style = re.sub(r"\s*([:;])\s*", r"\1", paragraph.group(1))
    assert "margin:0 0 16px 0;font-size:16px" in style
    assert 'lang="de"' in html and 'role="article"' in html and 'role="presentation"' in html


@pytest.mark.parametrize("inliner", ["premailer", "css-inline"])
def test_both_inliners_keep_placeholders_and_media_queries(inliner):
    from generator.newsletter.inline import inline_css

    page = (
        "<html><head><style>p { color: #123456 } @media (max-width: 600px) "
        "{ p { color: red !important } }</style></head>"
        '<body><p><a href="rbf6669727374x">rbf6669727374x</a></p></body></html>'
    )
    out = inline_css(page, inliner)
    assert 'href="rbf6669727374x"' in out
    assert "color: red !important" in out.replace("color:red", "color: red")
    assert "#123456" in out.split("</style>")[1]


def test_archive_values_are_neutral(make_project):
    project, newsletter = one_newsletter(make_project, newsletter_text())
    _, html, text = personalise(render(project, newsletter), neutral_values(project))
    assert "Hallo liebes Mitglied," in html and "Hallo liebes Mitglied," in text


def test_message_structure_and_headers(make_project):
    project, newsletter = one_newsletter(
        make_project, newsletter_text(subject="Grüße an {{ member.first_name }}")
    )
    rendered = render(project, newsletter)
    values = sample_values(project)
    message = build_message(
        rendered, to="erika@example.org", values=values, message_id="abc@mitgliederwerk.example"
    )
    raw = message.as_bytes()
    assert b"Subject: =?utf-8?" in raw  # umlauts encoded
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["Subject"] == "Grüße an Erika"
    assert parsed["From"] == "Mitgliederwerk <newsletter@mitgliederwerk.example>"
    assert parsed["Message-ID"] == "<abc@mitgliederwerk.example>"
    assert " ".join(parsed["List-Unsubscribe"].split()) == (  # folded: unfolds with spaces
        f"<{values['unsubscribe_url']}>, "
        "<mailto:abmelden@mitgliederwerk.example?subject=Newsletter%20abbestellen%20beispiel>"
    )
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = parsed.get_body(("html",)).get_content()
    assert f'href="{values["unsubscribe_url"].replace("&", "&amp;")}"' in html


@pytest.mark.parametrize("where", ["to", "first_name", "unsubscribe_url", "message_id"])
def test_line_breaks_in_headers_are_refused(make_project, where):
    project, newsletter = one_newsletter(
        make_project, newsletter_text(subject="Hallo {{ member.first_name }}")
    )
    rendered = render(project, newsletter)
    values = sample_values(project)
    to, message_id = "erika@example.org", "m1@mitgliederwerk.example"
    evil = "x\r\nBcc: victim@example.org"
    if where == "to":
        to = evil
    elif where == "message_id":
        message_id = evil
    else:
        values[where] = evil
    with pytest.raises(HeaderInjection):
        build_message(rendered, to=to, values=values, message_id=message_id)


def test_text_part_wraps_without_breaking_urls(make_project):
    url = "https://www.mitgliederwerk.example/" + "sehr-lange-adresse/" * 6
    body = (
        "## Überschrift\n\n"
        + "Ein Satz mit Wörtern. " * 12
        + f"\n\n[Lies mehr]({url})\n\n- Punkt\n"
    )
    project, newsletter = one_newsletter(make_project, newsletter_text(body))
    text = render(project, newsletter).text
    assert "Überschrift\n-----------\n" in text
    assert "- Punkt" in text
    for line in text.split("\n"):
        assert len(line) <= 76 or "://" in line or "{{" in line
    assert any(line.startswith(url) or url in line for line in text.split("\n"))


def test_premailer_cache_is_big_enough_for_a_rich_stylesheet():
    import importlib

    importlib.import_module(
        "generator.newsletter.inline"
    )  # sets the size before premailer is imported
    cache = importlib.import_module("premailer.cache")
    assert cache.cache.maxsize >= 1024


def test_premailer_stays_offline_and_quiet(capsys):
    from generator.newsletter.inline import inline_css

    page = (
        '<html><head><link rel="stylesheet" href="https://cdn.example.org/x.css">'
        "<style>p { colr: red; color: #123 }</style></head><body><p>x</p></body></html>"
    )
    out = inline_css(page)  # no network: the external sheet is not fetched, bad CSS not logged
    assert "color:#123" in out.replace(" ", "")
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
