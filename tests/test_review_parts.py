"""The parts of rundbrief review that need no browser: changed files, keys, words, pull requests."""

from __future__ import annotations

from pathlib import Path

from conftest import git

from generator.core.gitinfo import approving_commit, pull_request_of
from generator.review.changes import Change, changed_files, checkout, kind_of, resolve_base
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
        "<aside class='md-source-file'>27. November 2026</aside></article>"
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
