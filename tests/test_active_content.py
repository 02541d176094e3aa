"""The final scanner (generator/core/activecontent.py): what a browser would run, found in every
spelling the hostile runs used (issue 17: R-3, R-26 and the list of item 3)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core.activecontent import findings, line_of, script_scheme

OWN = ("assets/javascripts/bundle.a5f9d56c.min.js", "assets/javascripts/hilfe.js")

HOSTILE = [
    # An SVG <script> loads from xlink:href/href whatever its src says (the review of stop 16).
    (
        '<svg><script src="../assets/javascripts/bundle.a5f9d56c.min.js" '
        'xlink:href="https://evil.example/x.js"/></svg>',
        "script",
    ),
    ('<svg><script href="https://evil.example/x.js"></script></svg>', "script"),
    ('<img/src="x"/onerror=alert(1)>', "onerror"),  # no space before the attribute
    ("<IMG SRC=x ONERROR=alert(1)>", "onerror"),
    ("<svg><animate onbegin=alert(1) attributeName=x dur=1s>", "onbegin"),
    ('<svg><set attributeName="href" to="javascript:alert(1)"/></svg>', "set href"),
    ('<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', "javascript:"),
    ('<a href="java&#9;script:alert(1)">x</a>', "javascript:"),
    ('<a href="&#106;avascript:alert(1)">x</a>', "javascript:"),
    ('<a href=" \x01javascript:alert(1)">x</a>', "javascript:"),
    ('<a href="%6Aavascript:alert(1)">x</a>', "javascript:"),
    ('<a href="javascript%3Aalert(1)">x</a>', "javascript:"),
    ('<a href="%256Aavascript:alert(1)">x</a>', "javascript:"),
    ('<a href="VBScript:msgbox(1)">x</a>', "vbscript:"),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
    ('<iframe src="data:text/html,<script>alert(1)</script>"></iframe>', "iframe"),
    ('<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;" sandbox></iframe>', "srcdoc"),
    ('<iframe src="https://fremd.example/" sandbox="allow-scripts"></iframe>', "iframe"),
    ('<form action="https://fremd.example/"><input name=p></form>', "form action"),
    ('<button formaction="javascript:alert(1)">x</button>', "javascript:"),
    ("<object data=x.swf></object>", "object"),
    ("<embed src=x.swf>", "embed"),
    ('<base href="https://fremd.example/">', "base href"),
    ('<meta http-equiv="Refresh" content="0;url=https://fremd.example/">', "meta refresh"),
    ("<script>alert(1)</script>", "script"),
    ('<script type="module">alert(1)</script>', "script"),
    ('<script src="https://fremd.example/x.js"></script>', "script"),
    ('<script src="assets/evil.js"></script>', "script"),
    ("<template><img src=x onerror=alert(1)></template>", "onerror"),
    ('<p style="width:expression(alert(1))">x</p>', "style= expression("),
    ('<p style="background:url(javascript:alert(1))">x</p>', "style= javascript:"),
    ('<p style="background:url(ja\\76 ascript:alert(1))">x</p>', "style= javascript:"),
    ("<style>@import 'https://fremd.example/x.css';</style>", "style @import"),
    ("<style>b{behavior:url(x.htc)}</style>", "style behavior"),
    ("<math><mi xlink:href=javascript:alert(1)>x</mi></math>", "javascript:"),
    ("<details open ontoggle=alert(1)>", "ontoggle"),
    # ISO-2022-JP drops its escape sequences: a browser reads "onerror" where this parser
    # (UTF-8) reads "on\x1b(Berror"; the page may not declare another encoding either.
    ('<meta charset="iso-2022-jp"><img src=x on\x1b(Berror=alert(1)>', "escape character"),
    ('<meta charset="ISO-2022-JP">', "meta charset"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=iso-2022-jp">', "meta charset"),
]


@pytest.mark.parametrize(("markup", "what"), HOSTILE)
def test_every_hostile_spelling_is_found(markup, what):
    found = [f.what for f in findings(f"<!doctype html><p>Text</p>{markup}", scripts=OWN)]
    assert what in found, found


SAFE = [
    '<script src="../assets/javascripts/bundle.a5f9d56c.min.js"></script>',
    '<script id="__config" type="application/json">{"a": "<b>"}</script>',
    '<iframe src="email.html" sandbox="allow-same-origin allow-popups"></iframe>',
    '<form class="md-search__form" name="search"><input name=query></form>',
    '<base target="_top">',
    '<meta http-equiv="Content-Security-Policy" content="script-src \'self\'">',
    '<meta charset="utf-8">',
    '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">',
    '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">',
    '<a href="https://hilfe.example/?a=javascript">javascript: ist ein Wort</a>',
    '<p style="color:#123;background:url(../bild.png)">Text</p>',
    "<style>@media (max-width:600px){p{margin:0}}</style>",
    '<a href="mailto:hilfe@example.org">x</a><code>&lt;script&gt;</code>',
]


@pytest.mark.parametrize("markup", SAFE)
def test_the_sites_own_and_harmless_markup_passes(markup):
    assert findings(f"<p>x</p>{markup}", page="konto/index.html", scripts=OWN) == []


def test_text_from_content_may_bring_no_element_that_changes_the_page():
    """R-18: a subject or title is text; a style block in it would blank the page."""
    assert [f.what for f in findings("<style>body{display:none}</style>", content=True)] == [
        "style"
    ]
    assert findings("Preise < 5 € & mehr", content=True) == []


def test_a_finding_names_the_source_line():
    source = '---\ntitle: x\n---\nText\n\n<img/src="x"/onerror=alert(document.domain)>\n'
    (finding,) = findings(source)
    assert line_of(source, finding.needles) == 6


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_is_scanned_without_a_traceback(text):
    findings(text)
    findings(text, content=True)
    script_scheme(text)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["javascript", "JavaScript", "vbscript", "data"]),
    st.lists(st.sampled_from(["\t", "\n", "\r", "&#9;", "&#10;", "&Tab;"]), max_size=3),
    st.sampled_from(["", " ", "\x01", "\x1f"]),
)
def test_a_script_link_is_found_whatever_a_browser_drops_from_it(scheme, inserted, lead):
    spelled = scheme[:2] + "".join(inserted) + scheme[2:]
    markup = f'<a href="{lead}{spelled}:alert(1)">x</a>'
    assert [f.what for f in findings(markup)] == [f"{scheme.lower()}:"]
