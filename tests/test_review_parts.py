"""The parts of rundbrief review that need no browser: changed files, keys, words, pull requests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import copy_example, git
from members_helpers import member_row
from members_helpers import members_file as members_file_of

from generator.core.gitinfo import approving_commit, pull_request_of
from generator.core.settings import load_project
from generator.members.origins import FileOrigin
from generator.members.source import MembersFile, members_source
from generator.review.changes import Base, Change, changed_files, checkout, kind_of, resolve_base
from generator.review.facts import Use, where_fact_is_used
from generator.review.model import Review, SettingReview
from generator.review.page import render_page
from generator.review.pictures import _local_file
from generator.review.reach import MemberCounts
from generator.review.summary import escape
from generator.review.texts import changed_words, page_text, word_diff
from generator.review.yamldiff import KeyChange, changed_keys


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def repository(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    commit_all(root, "start")
    return root


def test_each_changed_file_is_named_for_what_it_is_to_members():
    assert kind_of("newsletters/2026-12-01-advent.md") == "newsletter"
    assert kind_of("newsletters/bilder/notiz.md") == "other"
    assert kind_of("content/zahlungen/paypal.md") == "page"
    assert kind_of("content/assets/logo.png") == "content-file"
    assert kind_of("marketing-assets/markenrichtlinien.md") == "page"
    assert kind_of("marketing-assets/mitglieder-werben-mitglieder.yml") == "campaign"
    assert kind_of("marketing-assets/templates/banner.svg.j2") == "setting"
    assert kind_of("overrides/404.html") == "setting"
    assert kind_of("rundbrief.yml") == "setting"
    assert kind_of("mkdocs.yml") == "setting"
    assert kind_of("fakten.yml") == "setting"
    assert kind_of("generator/build.py") == "other"
    assert kind_of(".github/workflows/pull-request.yml") == "other"


def test_changed_files_include_uncommitted_and_new_files_but_no_outputs(tmp_path):
    root = repository(tmp_path / "repo", {"content/a.md": "A\n", "content/b.md": "B\n"})
    base = git(root, "rev-parse", "HEAD").strip()
    (root / "content/a.md").write_text("A2\n", encoding="utf-8")  # not committed
    (root / "content/b.md").unlink()
    (root / "content/c.md").write_text("C\n", encoding="utf-8")  # not even added
    for output in ("site/index.html", "build/review/index.html", ".rundbrief/cache/x"):
        (root / output).parent.mkdir(parents=True, exist_ok=True)
        (root / output).write_text("x", encoding="utf-8")
    assert changed_files(root, base) == [
        Change("content/a.md", "modified", "page"),
        Change("content/b.md", "deleted", "page"),
        Change("content/c.md", "added", "page"),
    ]


def test_the_default_base_is_the_merge_base_with_main(tmp_path):
    root = repository(tmp_path / "repo", {"content/a.md": "A\n"})
    fork = git(root, "rev-parse", "HEAD").strip()
    git(root, "checkout", "-q", "-b", "arbeit")
    (root / "content/a.md").write_text("A2\n", encoding="utf-8")
    commit_all(root, "Arbeit")
    git(root, "checkout", "-q", "main")
    (root / "content/z.md").write_text("Z\n", encoding="utf-8")
    commit_all(root, "main geht weiter")
    git(root, "checkout", "-q", "arbeit")
    base = resolve_base(root, None)
    assert (base.ref, base.commit) == ("main", fork)
    assert [c.path for c in changed_files(root, base.commit)] == ["content/a.md"]


def test_the_base_is_checked_out_in_a_worktree_that_goes_away(tmp_path):
    root = repository(tmp_path / "repo", {"content/a.md": "alt\n"})
    base = git(root, "rev-parse", "HEAD").strip()
    (root / "content/a.md").write_text("neu\n", encoding="utf-8")
    with checkout(root, base) as folder:
        assert (folder / "content/a.md").read_text(encoding="utf-8") == "alt\n"
    assert not folder.exists()
    assert git(root, "worktree", "list").count("\n") == 1


def test_yaml_changes_are_named_by_dotted_key():
    old = (
        b"newsletter:\n  reply_to: a@x.example\n  list_id: n.x\nown_domains: [x.example]\nalt: 1\n"
    )
    new = b"# comment\nnewsletter:\n  list_id: n.x\n  reply_to: b@x.example\nown_domains: [x.example, y.example]\nneu: ja\n"
    assert changed_keys(old, new) == (
        KeyChange("alt", "1", None),
        KeyChange("neu", None, "ja"),
        KeyChange("newsletter.reply_to", "a@x.example", "b@x.example"),
        KeyChange("own_domains", '["x.example"]', '["x.example", "y.example"]'),
    )
    assert changed_keys(old, old + b"# nur ein Kommentar\n") == ()
    assert changed_keys(b"a: [unclosed", b"a: 1\n") is None
    assert changed_keys(b"a: !ENV [X, 1]\n", b"a: !ENV [X, 2]\n") is not None  # mkdocs.yml tags


def test_the_word_diff_keeps_context_and_elides_long_unchanged_stretches():
    words = " ".join(f"w{i}" for i in range(100))
    old = f"Titel\n{words} alt {words}"
    new = f"Titel\n{words} neu {words}"
    segments = word_diff(old, new, context=3)
    assert [s.kind for s in segments] == ["gap", "same", "removed", "added", "same", "gap"]
    assert segments[1].text == "w97 w98 w99"
    assert changed_words(segments) == (["alt"], ["neu"])
    assert word_diff("gleich", "gleich")[0].kind == "same"


def test_the_page_text_is_what_the_article_shows(tmp_path):
    page = tmp_path / "site" / "a" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        "<html><body><nav>Menü</nav><article class='md-content__inner'>"
        "<a class='md-content__button' href='x'><svg><path/></svg>Bearbeiten</a>"
        "<h1>Titel<a class='headerlink' href='#t'>&para;</a></h1>"
        "<p>Erster <strong>Absatz</strong><br>zweite Zeile</p><img alt='Ein Bild' src='b.png'>"
        "<ul><li>Punkt &amp; Komma</li></ul>"
        "<aside class='md-source-file'>27. November 2026</aside>"
        "<nav class='hilfe-verwandt'><h2>Verwandte Artikel</h2><ul><li>B</li></ul></nav>"
        "<aside class='hilfe-hilfreich'><h2>War dieser Artikel hilfreich?</h2></aside></article>"
        "<footer>Fuß</footer></body></html>",
        encoding="utf-8",
    )
    assert page_text(tmp_path / "site", "a.md") == (
        "Titel\nErster Absatz\nzweite Zeile\n[Bild: Ein Bild]\nPunkt & Komma"
    )
    assert page_text(tmp_path / "site", "fehlt.md") is None


def test_the_pull_request_is_read_from_the_approving_merge(tmp_path):
    root = repository(tmp_path / "repo", {"newsletters/n.md": "status: draft\n"})
    git(root, "checkout", "-q", "-b", "freigabe")
    (root / "newsletters/n.md").write_text("status: approved\n", encoding="utf-8")
    commit_all(root, "Newsletter freigeben")
    git(root, "checkout", "-q", "main")
    git(
        root,
        "merge",
        "-q",
        "--no-ff",
        "freigabe",
        "-m",
        "Merge pull request #12 from team/freigabe",
    )
    merge = git(root, "rev-parse", "HEAD").strip()
    (root / "content.md").write_text("später\n", encoding="utf-8")
    tip = commit_all(root, "Später: etwas anderes (#15)")
    assert approving_commit(root, "newsletters/n.md", tip) == merge
    assert pull_request_of(root, merge) == "#12"
    assert pull_request_of(root, tip) == "#15"  # a squash merge names it at the end
    assert pull_request_of(root, git(root, "rev-parse", "HEAD~1^2").strip()) is None


def test_markdown_in_subjects_stays_text():
    assert escape("50 % *Bonus* | [jetzt]") == r"50 % \*Bonus\* \| \[jetzt\]"


def test_email_pictures_get_files_of_the_built_site_and_nothing_else(tmp_path):
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    (site / "assets" / "logo.png").write_bytes(b"png")
    (tmp_path / "geheim.txt").write_text("nicht für Bilder", encoding="utf-8")
    url = "https://hilfe.mitgliederwerk.example/"
    assert _local_file(url + "assets/logo.png", url, site) == (site / "assets/logo.png").resolve()
    assert _local_file(url + "assets/fehlt.png", url, site) is None
    assert _local_file(url + "../geheim.txt", url, site) is None
    assert _local_file(url + "%2E%2E/geheim.txt", url, site) is None
    assert _local_file("https://tracker.example/pixel.gif", url, site) is None
    assert _local_file(url + "assets/logo.png", url, None) is None


def test_the_members_file_comes_from_the_environment_or_the_settings(make_project, tmp_path):
    root = make_project({"content/index.md": "---\ntitle: Hilfe\n---\n"})
    settings = root / "rundbrief.yml"
    assert members_source(load_project(root), env={}) is None
    settings.write_text(
        settings.read_text(encoding="utf-8") + "review:\n  members_file: privat/mitglieder.csv\n",
        encoding="utf-8",
    )
    project = load_project(root)

    def members_file(env: dict[str, str]) -> Path:
        source = members_source(project, env=env)
        assert source is not None and isinstance(source.origin, FileOrigin)
        return source.origin.path

    assert members_file({}) == project.root / "privat/mitglieder.csv"
    given = tmp_path / "anderswo.csv"
    assert members_file({"RUNDBRIEF_MEMBERS_FILE": str(given)}) == given
    home = Path("~").expanduser()
    assert members_file({"RUNDBRIEF_MEMBERS_FILE": "~/m.csv"}) == home / "m.csv"


def test_the_reach_counts_as_send_selects_and_names_no_member(tmp_path):
    path = members_file_of(
        tmp_path / "privat",
        [
            member_row(1, "Anna"),
            member_row(2, "Ben").replace(",alle,", ",kredit,"),
            member_row(3, "Carla", consent="2026-01-02T10:00:00+01:00,,"),
        ],
    )
    counts = MemberCounts(MembersFile(FileOrigin(path), path.name))
    everyone, segment = counts.reach("alle"), counts.reach("kredit")
    assert (everyone.recipients, segment.recipients) == (2, 1)  # "alle": every consenting one
    assert everyone.summary == "2 Empfänger, 1 ausgeschlossen: 1 ohne bestätigte Einwilligung"
    assert segment.summary == (
        "1 Empfänger, 2 ausgeschlossen: 1 ohne bestätigte Einwilligung, 1 nicht in der Zielgruppe"
    )
    assert "Anna" not in repr(everyone) and "mitglied" not in repr(everyone)
    missing = MemberCounts(MembersFile(FileOrigin(tmp_path / "fehlt.csv"), "fehlt.csv"))
    missing = missing.reach("alle")
    assert missing.recipients is None
    assert missing.summary.startswith("die Mitgliederdatei lässt sich nicht lesen")


def test_a_changed_fact_lists_every_page_and_newsletter_that_uses_it(tmp_path):
    root = copy_example(tmp_path / "project")
    facts = root / "fakten.yml"
    facts.write_text(
        facts.read_text(encoding="utf-8").replace(
            "auszahlung_bankarbeitstage:\n  info: So viele Bankarbeitstage dauert eine Auszahlung"
            " in der Regel bis zur Gutschrift\n  wert: 3",
            "auszahlung_bankarbeitstage:\n  info: So viele Bankarbeitstage dauert eine Auszahlung"
            " in der Regel bis zur Gutschrift\n  wert: 2",
        ),
        encoding="utf-8",
    )
    git(root, "commit", "-q", "-am", "Auszahlung schneller")
    uses = where_fact_is_used(load_project(root), "auszahlung_bankarbeitstage.wert")
    sources = {use.source for use in uses}
    assert "content/zahlungen/auszahlung.md" in sources
    assert "newsletters/2026-11-02-monatsupdate-november.md" in sources
    assert all(isinstance(use, Use) and use.line > 0 for use in uses)
    for use in uses:  # each place is named at a line that really names the fact
        line = (root / use.source).read_text(encoding="utf-8").split("\n")[use.line - 1]
        assert "fakt.auszahlung_bankarbeitstage" in line
    assert where_fact_is_used(load_project(root), "gibt_es_nicht") == []


def test_a_changed_template_is_counted_in_lines_with_the_german_singular():
    template = Change("overrides/main.html", "modified", "setting")
    review = Review(
        Base("main", "0" * 40),
        (template,),
        settings=(SettingReview(template.path, "modified", None, (1, 3)),),
    )
    text = " ".join(render_page(review).split())
    assert "1 Zeile hinzugefügt, 3 entfernt" in text
    review = replace(review, settings=(SettingReview(template.path, "modified", None, (2, 1)),))
    assert "2 Zeilen hinzugefügt, 1 entfernt" in " ".join(render_page(review).split())
