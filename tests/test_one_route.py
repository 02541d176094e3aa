"""One route through the house: every problem in one pass, one checked render, one fingerprint.

Expected lines are built from the message catalogue (``_``) so they hold in either language;
``test_i18n.py`` checks that each of them has a German translation.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import REPO, git, stderr_lines
from marketing_helpers import copy_marketing
from members_helpers import member_row, members_file
from newsletter_helpers import count_renders, newsletter_text, project_with, staged
from smtp_helpers import send

from generator.core import fingerprint
from generator.core.i18n import _, ngettext
from generator.core.settings import load_project
from generator.marketing import cache as marketing_cache
from generator.marketing.pages import stage_marketing

REL = "newsletters/2026-11-02-test.md"
ARTICLE = (
    "---\ntitle: {title}\ndescription: Eine Seite mit genug Text für die Beschreibung.\n---\n{body}"
)


def summary(problems: int, files: int) -> str:
    """The CLI's last line for a run with problems, in the active language."""
    return _("{problems} in {files}; nothing was written or sent.").format(
        problems=ngettext("{count} problem", "{count} problems", problems).format(count=problems),
        files=ngettext("{count} file", "{count} files", files).format(count=files),
    )


def test_a_newsletter_reports_link_field_alt_text_and_http_in_one_run(cli, make_project):
    body = (
        "Hallo {{ member.first_name }},\n"  # line 8
        "\n"
        "siehe [Auszahlung](../content/zahlungen/auszahlung.md).\n"  # line 10
        "Ihr Rang: {{ member.rank }}\n"  # line 11
        "\n"
        '![](https://hilfe.mitgliederwerk.example/assets/bild.png){ width="200" }\n'  # line 13
        "\n"
        "[Alte Seite](http://www.mitgliederwerk.example/alt)\n"  # line 15
    )
    project = project_with(make_project, {"2026-11-02-test.md": newsletter_text(body)})
    result = cli(project.root, "check")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    image = "https://hilfe.mitgliederwerk.example/assets/bild.png"
    link = "http://www.mitgliederwerk.example/alt?utm_source=newsletter&utm_medium=email&utm_campaign=2026-11-02-test"
    target = "../content/zahlungen/auszahlung.md"
    assert f"{REL}:10: " + _("broken link: {target} does not exist").format(target=target) in lines
    assert any(line.startswith(f"{REL}:11: ") and "member.rank" in line for line in lines)
    assert f"{REL}:13: " + _("image without alt text: {src}").format(src=image) in lines
    assert f"{REL}:15: " + _("insecure link: {href}; use https://").format(href=link) in lines
    assert len(lines) == 4, lines


def test_a_front_matter_problem_does_not_hide_a_broken_link_in_the_body(cli, make_project):
    text = newsletter_text("Siehe [weg](../content/weg.md).\n").replace("subject: ", "betreff: ")
    project = project_with(make_project, {"2026-11-02-test.md": text})
    result = cli(project.root, "check")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert any(line.startswith(f"{REL}:2: ") and "betreff" in line for line in lines), lines
    assert any(line.startswith(f"{REL}:1: ") and "'subject'" in line for line in lines), lines
    assert (
        f"{REL}:8: " + _("broken link: {target} does not exist").format(target="../content/weg.md")
        in lines
    )


def test_a_help_page_reports_a_missing_description_and_a_broken_link(cli, make_project):
    project = make_project(
        {
            "content/index.md": ARTICLE.format(title="Start", body="Text.\n"),
            "content/a.md": "---\ntitle: A\n---\nText mit [Link](fehlt.md).\n",
        }
    )
    result = cli(project, "check")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert len(lines) == 2, lines
    assert lines[0].startswith("content/a.md:1: ") and "'description'" in lines[0]
    assert lines[1] == "content/a.md:4: " + _("broken link: {target} does not exist").format(
        target="fehlt.md"
    )


def test_a_link_to_a_missing_anchor_fails_check_and_build_alike(cli, make_project):
    project = make_project(
        {
            "content/index.md": ARTICLE.format(title="Start", body="Text.\n"),
            "content/a.md": ARTICLE.format(title="A", body="# A\n\n## Mandat\n\nText.\n"),
            "content/b.md": ARTICLE.format(
                title="B", body="Erste Zeile.\n\nSiehe [Mandat](a.md#mandat-erteilen).\n"
            ),
        }
    )
    expected = "content/b.md:7: " + _(
        "link to a missing anchor: {link} ('{target}' has no heading '#{anchor}')"
    ).format(link="a.md#mandat-erteilen", target="a.md", anchor="mandat-erteilen")
    checked = cli(project, "check")
    assert checked.exit_code == 1
    assert stderr_lines(checked) == [expected]
    built = cli(project, "build")
    assert built.exit_code == 1
    assert stderr_lines(built) == [expected]
    assert not (project / "site").exists()


def test_check_writes_nothing(cli, example_project):
    before = sorted(path.relative_to(example_project) for path in example_project.rglob("*"))
    result = cli(example_project, "check")
    assert result.exit_code == 0, result.stderr
    after = sorted(path.relative_to(example_project) for path in example_project.rglob("*"))
    assert after == before


def test_a_rendering_change_renders_again_and_an_unchanged_rebuild_renders_nothing(
    make_project, monkeypatch
):
    project = project_with(
        make_project,
        {"2026-11-02-a.md": newsletter_text(), "2026-11-03-b.md": newsletter_text()},
    )
    rendered = count_renders(monkeypatch)
    staged(project)
    assert sorted(rendered) == ["2026-11-02-a", "2026-11-03-b"]
    staged(project)
    assert len(rendered) == 2  # unchanged: nothing rendered
    # A changed module of the newsletter package (its bytes are part of the fingerprint).
    fingerprint.code_digest.cache_clear()
    monkeypatch.setattr(
        fingerprint, "code_digest", lambda capability: b"changed " + capability.encode()
    )
    staged(project)
    assert len(rendered) == 4


def test_a_library_version_is_part_of_the_fingerprint(monkeypatch):
    before = fingerprint.fingerprint("newsletter", "same input")
    fingerprint.library_versions.cache_clear()
    monkeypatch.setattr(fingerprint, "library_versions", lambda capability: "css-inline==99.0")
    assert fingerprint.fingerprint("newsletter", "same input") != before
    assert fingerprint.fingerprint("marketing", "same input") != before


def test_two_campaigns_both_hit_their_cache_on_the_second_build(make_project, monkeypatch):
    source = (REPO / "marketing-assets" / "mitglieder-werben-mitglieder.yml").read_text(
        encoding="utf-8"
    )
    second = source.replace("slug: mitglieder-werben-mitglieder", "slug: sommeraktion").replace(
        "utm_campaign: mitglieder-werben-mitglieder", "utm_campaign: sommeraktion"
    )
    root = make_project({"content/index.md": ARTICLE.format(title="Start", body="Text.\n")})
    copy_marketing(root)  # the campaign and the facts it names
    (root / "marketing-assets" / "sommeraktion.yml").write_text(second, encoding="utf-8")
    project = load_project(root)
    rendered: list[str] = []
    real = marketing_cache.render_assets

    def counting(campaign, *args, **kwargs):
        rendered.append(campaign.slug)
        return real(campaign, *args, **kwargs)

    monkeypatch.setattr(marketing_cache, "render_assets", counting)
    first = stage_marketing(project)
    assert first.problems == []
    assert sorted(rendered) == ["mitglieder-werben-mitglieder", "sommeraktion"]
    again = stage_marketing(project)
    assert len(rendered) == 2  # both from the cache
    assert [f.data for f in again.files] == [f.data for f in first.files]


def test_send_refuses_a_newsletter_whose_preflight_fails(example_project, cli, smtp, tmp_path):
    rel = "newsletters/2026-11-02-monatsupdate-november.md"
    path = example_project / rel
    image = "https://hilfe.mitgliederwerk.example/assets/logo.png"
    path.write_text(
        path.read_text(encoding="utf-8") + f'\n![]({image}){{ width="180" }}\n', encoding="utf-8"
    )
    git(example_project, "commit", "-q", "-am", "an image without alt text")
    line = path.read_text(encoding="utf-8").count("\n")
    members = members_file(tmp_path / "private", [member_row(1)])
    result = send(cli, example_project, members, smtp, newsletter=rel)
    assert result.exit_code == 1
    assert f"{rel}:{line}: " + _("image without alt text: {src}").format(src=image) in (
        result.stderr.splitlines()
    )
    assert smtp.recorder.received == []


def test_problems_exit_1_with_the_summary_and_usage_errors_exit_2(
    cli, example_project, smtp, tmp_path
):
    settings = example_project / "rundbrief.yml"
    good = settings.read_text(encoding="utf-8")
    settings.write_text(good.replace("platform_name:", "plattform_name:"), encoding="utf-8")
    broken = cli(example_project, "check")
    assert broken.exit_code == 1
    assert all(line.startswith("rundbrief.yml:") for line in stderr_lines(broken))
    assert broken.stderr.splitlines()[-1] == summary(2, 1)
    settings.write_text(good, encoding="utf-8")

    members = members_file(tmp_path / "private", [member_row(1)])
    rel = "newsletters/2026-11-02-monatsupdate-november.md"
    for variable, value in (
        ("RUNDBRIEF_SMTP_PORT", "fünf"),
        ("RUNDBRIEF_SMTP_RETRY_DELAY", "bald"),
    ):
        result = cli(
            example_project,
            "send",
            rel,
            "--members",
            str(members),
            env=smtp.env(**{variable: value}),
        )
        assert result.exit_code == 2, (variable, result.stderr)
        assert variable in result.stderr
    assert smtp.recorder.received == []


def test_a_symbolic_link_out_of_the_repository_is_refused(cli, make_project, tmp_path):
    secret = tmp_path / "private" / "members.csv"
    secret.parent.mkdir()
    secret.write_text("email\nanna@beispiel.example\n", encoding="utf-8")
    project = make_project({"content/index.md": ARTICLE.format(title="Start", body="Text.\n")})
    (project / "content" / "assets" / "mitglieder.csv").symlink_to(secret)
    (project / "content" / "etc").symlink_to("/etc", target_is_directory=True)
    # Inside the repository but outside content/: the CI checkout keeps its token in .git/config,
    # and a members file kept beside the sources is ignored by git but still on disk.
    (project / ".git").mkdir(exist_ok=True)
    (project / ".git" / "config").write_text("[http]\n\textraheader = token\n", encoding="utf-8")
    (project / "mitglieder.csv").write_text("email\nbert@beispiel.example\n", encoding="utf-8")
    (project / "content" / "assets" / "gitconfig.txt").symlink_to("../../.git/config")
    (project / "content" / "assets" / "liste.csv").symlink_to(project / "mitglieder.csv")
    (project / "content" / ".geheim").mkdir()
    (project / "content" / ".geheim" / "x.txt").write_text("x", encoding="utf-8")
    (project / "content" / "assets" / "x.txt").symlink_to("../.geheim/x.txt")
    (project / "content" / "assets" / "logo-kopie.png").symlink_to("logo.png")  # fine
    (project / "content" / "assets" / "a.png").symlink_to("b.png")  # links naming each other
    (project / "content" / "assets" / "b.png").symlink_to("a.png")
    result = cli(project, "build")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    refused = _("symbolic link to a file outside {folder}; not published").format(folder="content/")
    for name in ("mitglieder.csv", "gitconfig.txt", "liste.csv", "x.txt"):
        assert f"content/assets/{name}: {refused}" in lines, name
    assert not any("logo-kopie" in line for line in lines)
    nowhere = _("symbolic link that leads to no file; not published")
    assert (
        f"content/assets/a.png: {nowhere}" in lines and f"content/assets/b.png: {nowhere}" in lines
    )

    assert (
        "content/etc: "
        + _("folder is a symbolic link; copy the files into {folder} instead").format(
            folder="content/"
        )
        in lines
    )
    assert not (project / "site").exists()


def test_content_as_a_symbolic_link_is_refused(cli, make_project):
    project = make_project({"elsewhere/index.md": ARTICLE.format(title="Start", body="Text.\n")})
    (project / "content").rename(project / "inhalt")
    (project / "content").symlink_to(".git" if (project / ".git").is_dir() else "elsewhere")
    result = cli(project, "build")
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "content: " + _("folder is a symbolic link; make it a real folder")
    ]
    assert not (project / "site").exists()


def test_two_sources_of_the_same_page_are_a_problem(cli, make_project):
    project = make_project(
        {
            "content/index.md": ARTICLE.format(title="Start", body="Text.\n"),
            "content/kontakt.md": ARTICLE.format(title="Kontakt", body="Text.\n"),
            "content/kontakt/index.md": ARTICLE.format(title="Kontakt", body="Text.\n"),
        }
    )
    result = cli(project, "check")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert len(lines) == 1 and "kontakt" in lines[0] and "/kontakt/" in lines[0], lines


def test_staging_folders_of_killed_builds_are_removed(cli, example_project):
    stale = example_project / ".rundbrief-stage-999999999-abc"
    (stale / "site").mkdir(parents=True)
    (stale / ".rundbrief-output").write_text("rundbrief stage\n", encoding="utf-8")
    mine = example_project / f".rundbrief-stage-{os.getpid()}-abc"  # a live process's: kept
    mine.mkdir()
    (mine / ".rundbrief-output").write_text("rundbrief stage\n", encoding="utf-8")
    # Named like a staging folder, but without rundbrief's marker: not rundbrief's to delete.
    lookalike = example_project / ".rundbrief-stage-999999998-notes"
    lookalike.mkdir()
    (lookalike / "notiz.txt").write_text("meins", encoding="utf-8")
    result = cli(example_project, "build")
    assert result.exit_code == 0, result.stderr
    assert not stale.exists()
    assert mine.exists()
    assert (lookalike / "notiz.txt").read_text(encoding="utf-8") == "meins"


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_summary_line_counts_problems_and_files(cli, make_project, language):
    project = make_project(
        {
            "content/index.md": ARTICLE.format(title="Start", body="[x](weg.md)\n"),
            "content/a.md": "---\ntitle: A\n---\nText.\n",
        }
    )
    settings = Path(project) / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("language: de", f"language: {language}"), encoding="utf-8")
    result = cli(project, "check")
    assert result.exit_code == 1
    summary = {
        "de": "2 Probleme in 2 Dateien; es wurde nichts geschrieben oder verschickt.",
        "en": "2 problems in 2 files; nothing was written or sent.",
    }[language]
    assert result.stderr.splitlines()[-1] == summary


def test_a_state_folder_on_another_file_system_never_costs_the_site(cli, example_project):
    """Staging happens beside the outputs: a rename across file systems would fail half-way."""
    elsewhere = Path("/dev/shm")
    if not elsewhere.is_dir() or elsewhere.stat().st_dev == example_project.stat().st_dev:
        pytest.skip("needs /dev/shm on another file system than the test folder")
    state = Path(tempfile.mkdtemp(prefix="rundbrief-state-", dir=elsewhere))
    try:
        (example_project / ".rundbrief").symlink_to(state, target_is_directory=True)
        assert cli(example_project, "build").exit_code == 0
        first = (example_project / "site" / "index.html").read_bytes()
        index = example_project / "content" / "index.md"
        index.write_text(index.read_text(encoding="utf-8") + "\nNachtrag.\n", encoding="utf-8")
        result = cli(example_project, "build")
        assert result.exit_code == 0, result.stderr
        second = (example_project / "site" / "index.html").read_bytes()
        assert b"Nachtrag." in second and first != second
        assert any(state.iterdir())  # the state really lives there (the newsletter cache)
        assert not list(example_project.glob(".rundbrief-stage-*"))
    finally:
        shutil.rmtree(state, ignore_errors=True)


def test_a_broken_theme_template_is_a_problem_at_its_line_in_check_and_build(cli, example_project):
    partial = example_project / "overrides" / "partials" / "hilfe-support.html"
    text = partial.read_text(encoding="utf-8")
    partial.write_text(text + "{% if %}\n", encoding="utf-8")
    line = text.count("\n") + 1
    for command in ("check", "build"):
        result = cli(example_project, command)
        assert result.exit_code == 1, command
        lines = stderr_lines(result)
        assert lines == [
            f"overrides/partials/hilfe-support.html:{line}: "
            + _("theme template: {message}").format(
                message="Expected an expression, got 'end of statement block'"
            )
        ], (command, lines)
    assert not (example_project / "site").exists()
    # A template that parses but fails while a page is rendered: build names it too.
    partial.write_text(
        text.replace("{{ support.phone }}", "{{ support.phone.nope.deeper }}"), encoding="utf-8"
    )
    result = cli(example_project, "build")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert len(lines) == 1 and lines[0].startswith("overrides/partials/hilfe-support.html:"), lines
    assert "'str object' has no attribute 'nope'" in lines[0]
    # robots.txt and sitemap.xml are templates too (static templates of the theme).
    partial.write_text(text, encoding="utf-8")
    robots = example_project / "overrides" / "robots.txt"
    lines_before = robots.read_text(encoding="utf-8").count("\n")
    robots.write_text(robots.read_text(encoding="utf-8") + "{% if x %}\n", encoding="utf-8")
    result = cli(example_project, "check")
    assert result.exit_code == 1
    [line] = stderr_lines(result)
    assert line.startswith(f"overrides/robots.txt:{lines_before + 1}: "), line
