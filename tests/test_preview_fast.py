"""A save goes the fast way: only the changed pages rendered, announced before the rest is done.

The rebuild is driven directly (no server): what it writes must be what a whole build writes,
what it announces must be the pages it wrote, and a page with active content is never served.
"""

from __future__ import annotations

import pytest

from generator import preview
from generator.core.settings import load_project

NEWSLETTER = "2026-11-02-monatsupdate-november"
ARTICLE = "content/zahlungen/paypal.md"


class Driven:
    """``run_preview`` without its server: its rebuild, what it announced and what it logged."""

    def __init__(self, root, monkeypatch):
        self.root = root
        self.shown: list[list[str]] = []
        self.held = 0
        self.log: list[str] = []
        self.whole = 0
        served = {}
        monkeypatch.setattr(
            preview.builder, "serve", lambda _site, rebuild, *_: served.update(r=rebuild)
        )
        build = preview._build

        def counted(*args, **kwargs):
            self.whole += 1
            return build(*args, **kwargs)

        monkeypatch.setattr(preview, "_build", counted)
        self.project = load_project(root)
        preview.run_preview(self.project, "127.0.0.1", 0, self.log.append)
        self._rebuild = served["r"]
        self.site = self.project.state_dir / "preview" / "site"

    def save(self, rel: str, text: str) -> None:
        """Write ``rel`` and rebuild as the server would after the file event."""
        path = self.root / rel
        path.write_text(text, encoding="utf-8")
        self.shown.clear()
        self._rebuild({path}, self)

    def whole_build(self) -> None:
        self.shown.clear()
        self._rebuild(set(), self)

    def show(self, rels) -> None:
        """What the server would announce to the open pages."""
        self.shown.append(list(rels))

    def hold(self) -> None:
        self.held += 1

    def read(self, rel: str) -> str:
        return (self.site / rel).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("source", "first", "then"),
    [
        (ARTICLE, ["zahlungen/paypal/index.html"], []),
        (
            f"newsletters/{NEWSLETTER}.md",
            # What the writer looks at: the newsletter's preview, shown first.
            [
                f"newsletter-vorschau/{NEWSLETTER}.html",
                f"newsletter-vorschau/{NEWSLETTER}/email.html",
            ],
            # Then its archive page and the archived email (they changed with the text too).
            [f"newsletter/{NEWSLETTER}/index.html", f"newsletter/{NEWSLETTER}/email.html"],
        ),
    ],
)
def test_the_fast_way_writes_what_a_whole_build_writes(
    example_project, monkeypatch, source, first, then
):
    """Each file a save changes, rendered alone, is byte for byte the file of a whole build."""
    driven = Driven(example_project, monkeypatch)
    text = (example_project / source).read_text(encoding="utf-8")
    driven.save(source, text + "\nEin neuer Satz.\n")
    assert driven.whole == 1  # the save went the fast way (no whole build)
    fast = {rel: driven.read(rel) for rel in [*first, *then]}
    assert "Ein neuer Satz." in fast[first[0]]
    # The saved text's own pages are announced first, alone; the rest after.
    assert sorted(driven.shown[0]) == sorted(first)
    assert set(then) <= {rel for shown in driven.shown[1:] for rel in shown}
    driven.whole_build()  # a whole build of the same sources
    assert driven.whole == 2 and driven.held >= 1
    for rel, text in fast.items():
        assert text == driven.read(rel), rel


def test_a_save_announces_only_the_pages_it_changed(example_project, monkeypatch):
    driven = Driven(example_project, monkeypatch)
    text = (example_project / ARTICLE).read_text(encoding="utf-8")
    driven.save(ARTICLE, text + "\nNoch ein Satz.\n")
    assert driven.shown[0] == ["zahlungen/paypal/index.html"]
    assert all(shown == [] for shown in driven.shown[1:])
    # Saved again unchanged (an editor's second event of the same save): nothing to show, and
    # said so, or every open page would reload.
    driven.save(ARTICLE, text + "\nNoch ein Satz.\n")
    assert driven.shown and all(shown == [] for shown in driven.shown)


@pytest.mark.parametrize(
    "hostile",
    [
        '<img src="x" onerror="alert(1)">',
        "<script>alert(1)</script>",
        "[Klick](javascript:alert(1))",
    ],
)
def test_a_saved_page_with_active_content_is_never_served(example_project, monkeypatch, hostile):
    driven = Driven(example_project, monkeypatch)
    page = "zahlungen/paypal/index.html"
    text = (example_project / ARTICLE).read_text(encoding="utf-8")
    driven.save(ARTICLE, f"{text}\nHarmlos: {hostile}\n")
    assert driven.whole == 1
    assert not (driven.site / page).exists()  # taken away: the browser gets nothing to run
    assert all(page not in shown for shown in driven.shown)
    lines = text.count("\n") + 2
    assert any(line.startswith(f"{ARTICLE}:{lines}: ") for line in driven.log), driven.log
    # Named again with every rebuild until it is gone, then the page is back.
    driven.log.clear()
    driven.save("content/zahlungen/sepa-lastschrift.md", _touched(example_project))
    assert any(line.startswith(f"{ARTICLE}:{lines}: ") for line in driven.log), driven.log
    driven.save(ARTICLE, text + "\nHarmlos.\n")
    assert "Harmlos." in driven.read(page)
    assert page in driven.shown[0]


def test_a_page_written_where_the_preview_did_not_expect_it_is_still_scanned(
    example_project, monkeypatch
):
    # MkDocs writes content/neu/README.md as neu/index.html, not neu/README/index.html: the
    # file the fast way expected is missing, and a missing file must not pass as clean.
    readme = "content/neu/README.md"
    (example_project / "content/neu").mkdir()
    clean = "---\ntitle: Neu\ndescription: Eine neue Seite.\n---\nHallo.\n"
    driven = Driven(example_project, monkeypatch)
    driven.save(readme, clean)
    written = [p for p in ("neu/index.html", "neu/README/index.html") if (driven.site / p).exists()]
    assert written, sorted(
        p.relative_to(driven.site).as_posix() for p in driven.site.rglob("*.html")
    )
    driven.save(readme, clean + '\n<img src="x" onerror="alert(1)">\n')
    assert not any((driven.site / page).exists() for page in written)
    assert any(line.startswith(readme) and "onerror" in line for line in driven.log), driven.log


def test_after_a_save_every_later_write_waits_until_it_is_scanned(example_project, monkeypatch):
    # Between the first pages shown and the rest (lists, the archive, the newsletters' pages)
    # the server serves files: each later batch is written under a hold, released by a show.
    driven = Driven(example_project, monkeypatch)
    events = []
    monkeypatch.setattr(driven, "show", lambda rels: events.append("show"))
    monkeypatch.setattr(driven, "hold", lambda: events.append("hold"))
    text = (example_project / ARTICLE).read_text(encoding="utf-8")
    driven.save(ARTICLE, text + "\nNoch ein Satz.\n")
    assert events[0] == "show" and events[-1] == "show"
    assert all(events[i + 1] == "hold" for i in range(len(events) - 1) if events[i] == "show")


def test_a_page_with_active_content_is_not_served_after_a_whole_build(example_project, monkeypatch):
    article = example_project / ARTICLE
    article.write_text(
        article.read_text(encoding="utf-8") + '\n<a href="#" onclick="steal()">Los</a>\n',
        encoding="utf-8",
    )
    driven = Driven(example_project, monkeypatch)  # the first build is a whole one
    assert not (driven.site / "zahlungen/paypal/index.html").exists()
    assert (driven.site / "zahlungen/sepa-lastschrift/index.html").exists()
    assert any(line.startswith(f"{ARTICLE}:") and "onclick" in line for line in driven.log)


def _touched(root) -> str:
    return (root / "content/zahlungen/sepa-lastschrift.md").read_text(encoding="utf-8") + "\nNeu.\n"


def test_a_new_title_builds_the_whole_site(example_project, monkeypatch):
    """The title is in the navigation of every page: not a change of one page."""
    driven = Driven(example_project, monkeypatch)
    text = (example_project / ARTICLE).read_text(encoding="utf-8")
    driven.save(ARTICLE, text.replace("Mit PayPal bezahlen", "Mit PayPal sofort bezahlen", 1))
    assert driven.whole == 2 and driven.held >= 1
    assert driven.shown == []  # every open page reloads when the rebuild is over
    assert "Mit PayPal sofort bezahlen" in driven.read("zahlungen/sepa-lastschrift/index.html")
