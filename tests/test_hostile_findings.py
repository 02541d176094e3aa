"""The other findings of the hostile run (issue 12, item 9): each a message at path:line, never
a traceback, and nothing executed that a pull request put into a file."""

from __future__ import annotations

import errno
import urllib.error
import urllib.request

import pytest
from conftest import REPO, clock_moved_on
from marketing_helpers import copy_marketing
from newsletter_helpers import newsletter_text, project_with
from preview_helpers import fetch, running_preview
from smtp_helpers import wait_for

ARTICLE = (
    "---\ntitle: {title}\ndescription: Eine Seite mit genug Text für die Beschreibung.\n---\n{body}"
)
REL = "newsletters/2026-11-02-test.md"


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr + result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)


# Newsletters: active content, internal tokens, pages under generated folders -----------------


def test_scripts_frames_event_attributes_and_script_links_are_problems(cli, make_project):
    body = (
        "Hallo {{ member.first_name }},\n"  # line 8
        "\n"
        "<script>alert(document.cookie)</script>\n"  # 10
        "\n"
        '<iframe src="https://fremd.example.org/"></iframe>\n'  # 12
        "\n"
        '<p onclick="steal()">Klicken Sie hier</p>\n'  # 14
        "\n"
        "[Gewinn abholen](javascript:alert(1))\n"  # 16
    )
    project = project_with(make_project, {"2026-11-02-test.md": newsletter_text(body)})
    result = cli(project.root, "check")
    assert result.exit_code == 1
    no_traceback(result)
    for line, what in ((10, "script"), (12, "iframe"), (14, "onclick"), (16, "javascript:")):
        assert (
            f"{REL}:{line}: '{what}' ist in einem Newsletter nicht erlaubt (Skripte, Frames, "
            "Formulare, Ereignis-Attribute und Skript-Links werden abgelehnt)" in result.stderr
        ), (what, result.stderr)


def test_script_links_in_any_spelling_are_problems(cli, make_project):
    """Browsers decode character references and drop tabs and line breaks from a URL before
    they read its scheme: each of these is ``javascript:`` to them."""
    body = (
        "Hallo,\n"  # line 8
        "\n"
        '<a href="java&#9;script:alert(1)">eins</a>\n'  # 10
        "\n"
        '<a href="jav&#x0A;ascript:alert(2)">zwei</a>\n'  # 12
        "\n"
        "<a href='&#106;avascript:alert(3)'>drei</a>\n"  # 14
        "\n"
        '<a href=" JaVaScRiPt&colon;alert(4)">vier</a>\n'  # 16
        "\n"
        "[fünf](vbscript:msgbox)\n"  # 18
        "\n"
        "[Beschreibung](https://www.example.org/javascript:-ein-buch) ist in Ordnung.\n"  # 20
        "\n"
        'Die Formel lautet a = "b, und hier: <a href="javascript:alert(5)">klick</a>.\n'  # 22
        "\n"
        'a = "b, und [klick](javascript:alert(6)) fertig "c.\n'  # 24
    )
    project = project_with(make_project, {"2026-11-02-test.md": newsletter_text(body)})
    result = cli(project.root, "check")
    assert result.exit_code == 1
    no_traceback(result)
    refused = [line for line in result.stderr.splitlines() if "Skript-Links" in line]
    expected = [(10, "javascript:"), (12, "javascript:"), (14, "javascript:"), (16, "javascript:")]
    expected += [(18, "vbscript:"), (22, "javascript:"), (24, "javascript:")]
    for line, what in expected:
        assert any(f"{REL}:{line}: '{what}' ist" in text for text in refused), (line, refused)
    assert len(refused) == len(expected), refused


def test_text_that_looks_like_the_internal_merge_token_is_a_problem(cli, make_project):
    body = "Hallo,\n\nunser Code rbf656d61696cx ist kein Feld, und rbfffx auch nicht.\n"
    project = project_with(make_project, {"2026-11-02-test.md": newsletter_text(body)})
    result = cli(project.root, "check")
    assert result.exit_code == 1
    no_traceback(result)
    assert (
        f"{REL}:10: 'rbf656d61696cx' sieht aus wie rundbriefs interner Platzhalter für ein "
        "Seriendruckfeld; schreiben Sie stattdessen {{ member.<field> }}" in result.stderr
    )
    assert f"{REL}:10: 'rbfffx' sieht aus wie" in result.stderr


def test_the_archive_embeds_the_email_sandboxed(built_example):
    page = built_example / "site" / "newsletter" / "2026-11-02-monatsupdate-november" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert (
        'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox '
        'allow-top-navigation-by-user-activation"'
    ) in html
    assert "allow-scripts" not in html and "allow-top-navigation " not in html
    email = page.with_name("email.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in email and "script-src 'none'" in email


def test_a_script_smuggled_into_the_archived_email_does_not_run(
    built_example, tmp_path, browser, serve_dir
):
    import shutil

    site = tmp_path / "site"
    shutil.copytree(built_example / "site", site)
    folder = site / "newsletter" / "2026-11-02-monatsupdate-november"
    email = folder / "email.html"
    # As if the check had been bypassed: the email itself tries to run script, in the frame
    # and when opened on its own.
    email.write_text(
        email.read_text(encoding="utf-8").replace(
            "</body>",
            "<script>document.title='GEHACKT';"
            "try{parent.document.title='GEHACKT'}catch(e){}</script></body>",
        ),
        encoding="utf-8",
    )
    base = serve_dir(site)
    page = browser.new_page()
    try:
        page.goto(base + "newsletter/2026-11-02-monatsupdate-november/")
        frame = page.frame_locator("iframe.newsletter-email")
        frame.locator("text=Hallo liebes Mitglied").first.wait_for()
        assert page.title() != "GEHACKT"
        page.goto(base + "newsletter/2026-11-02-monatsupdate-november/email.html")
        page.wait_for_load_state("load")
        assert page.title() != "GEHACKT"
    finally:
        page.close()


def test_a_page_under_the_generated_newsletter_folder_is_a_problem(cli, make_project):
    project = make_project(
        {
            "content/index.md": ARTICLE.format(title="Start", body="Text.\n"),
            "content/newsletter/extra.md": ARTICLE.format(title="Extra", body="Text.\n"),
            "newsletters/2026-11-02-test.md": newsletter_text(),
        }
    )
    result = cli(project, "check")
    assert result.exit_code == 1
    assert (
        "content/newsletter/extra.md: liegt in newsletter/, und diesen Ordner erzeugt rundbrief "
        "selbst; verschieben Sie die Seite in einen anderen Ordner" in result.stderr
    )


# YAML tags, campaign texts, the site configuration ------------------------------------------


def test_yaml_tags_in_front_matter_and_settings_are_problems_at_their_line(
    cli, make_project, tmp_path
):
    marker = tmp_path / "pwned"
    project = make_project(
        {
            "content/index.md": (
                "---\ntitle: Start\ndescription: !!python/object/apply:os.system "
                f'["touch {marker}"]\n---\nText.\n'
            ),
        }
    )
    result = cli(project, "check")
    assert result.exit_code == 1
    no_traceback(result)
    assert (
        "content/index.md:3: der YAML-Tag !!python/object/apply:os.system ist hier nicht "
        "erlaubt; schreiben Sie den Wert als einfachen Text" in result.stderr
    )
    settings = project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace("platform_name: Mitgliederwerk", "platform_name: !!python/name:os.system"),
        encoding="utf-8",
    )
    again = cli(project, "check")
    assert again.exit_code == 1
    no_traceback(again)
    line = text.split("\n").index("platform_name: Mitgliederwerk") + 1
    assert f"rundbrief.yml:{line}: der YAML-Tag !!python/name:os.system ist hier" in again.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    "text",
    [
        "{{ lipsum(1000) }}",
        "{{ namespace(x=1) }}",
        "{{ link * 100000000 }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ link.__class__ }}",
        "{% for i in range(99999999) %}{{ link }}{% endfor %}",
        "{{ cycler(1, 2) }}",
    ],
)
def test_campaign_texts_get_only_the_documented_placeholders(cli, make_project, text):
    project = make_project({})
    copy_marketing(project)
    campaign = project / "marketing-assets" / "mitglieder-werben-mitglieder.yml"
    source = campaign.read_text(encoding="utf-8")
    hostile = source.replace("  cta: Jetzt Mitglied werden", f'  cta: "Jetzt {text}"', 1)
    assert hostile != source
    campaign.write_text(hostile, encoding="utf-8")
    result = cli(project, "check")
    assert result.exit_code == 1
    no_traceback(result)
    line = source.split("\n").index("  cta: Jetzt Mitglied werden") + 1
    assert (
        f"marketing-assets/mitglieder-werben-mitglieder.yml:{line}: texts.cta: unbekannter "
        "Platzhalter" in result.stderr
    ), result.stderr


def test_check_never_runs_a_tag_in_mkdocs_yml_and_refuses_what_build_refuses(
    cli, make_project, tmp_path
):
    marker = tmp_path / "pwned"
    project = make_project({"content/index.md": ARTICLE.format(title="Start", body="Text.\n")})
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + f'  evil: !!python/object/apply:os.system ["touch {marker}"]\nhooks:\n  - x.py\n',
        encoding="utf-8",
    )
    line = len(text.split("\n"))
    for command in ("check", "build"):
        result = cli(project, command)
        assert result.exit_code == 1, command
        no_traceback(result)
        assert (
            f"mkdocs.yml:{line}: der YAML-Tag !!python/object/apply:os.system ist in der "
            "Konfiguration der Hilfe-Seite nicht erlaubt" in result.stderr
        )
        assert f"mkdocs.yml:{line + 1}: hooks: nicht erlaubt" in result.stderr
        assert not marker.exists()
    assert not (project / "site").exists()


def test_the_themes_own_python_names_are_allowed_in_mkdocs_yml(cli, make_project):
    project = make_project({"content/index.md": ARTICLE.format(title="Start", body="Text.\n")})
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            "  - pymdownx.superfences\n",
            "  - pymdownx.superfences\n  - pymdownx.emoji:\n"
            "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
            "      emoji_generator: !!python/name:material.extensions.emoji.to_svg\n",
        ),
        encoding="utf-8",
    )
    result = cli(project, "check")
    assert result.exit_code == 0, result.stderr


# A full disk ------------------------------------------------------------------------------------


def test_a_full_disk_during_build_is_a_message(cli, example_project, monkeypatch):
    import shutil

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(args[-1]))

    monkeypatch.setattr(shutil, "copyfile", full)
    result = cli(example_project, "build")
    assert result.exit_code == 1
    no_traceback(result)
    assert "Fehler: der Datenträger ist voll (" in result.stderr
    assert not (example_project / "site").exists()
    assert not list(example_project.glob(".rundbrief-stage-*"))


# CODEOWNERS and the preview ------------------------------------------------------------------------


def test_codeowners_covers_everything_that_shapes_what_members_get():
    owners = (REPO / ".github" / "CODEOWNERS").read_text(encoding="utf-8")
    patterns = {
        line.split()[0] for line in owners.splitlines() if line and not line.startswith("#")
    }
    for pattern in (
        "/content/",
        "/newsletters/",
        "/marketing-assets/",
        "/rundbrief.yml",
        "/fakten.yml",
        "/mkdocs.yml",
        "/overrides/",
        "/generator/",
        "/.github/",
    ):
        assert pattern in patterns, pattern


def test_the_preview_answers_only_its_own_host_names(example_project):
    with running_preview(example_project) as preview:
        assert wait_for(lambda: "Hilfe-Center" in fetch(preview.base)), preview.output
        port = preview.base.rsplit(":", 1)[1].strip("/")
        for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            request = urllib.request.Request(preview.base, headers={"Host": host})
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 200
        # A page of another site that made the browser's name resolve to 127.0.0.1:
        request = urllib.request.Request(
            preview.base, headers={"Host": f"angreifer.example:{port}"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 403


def test_a_sandbox_refusal_in_a_campaign_template_is_a_problem_at_its_line(cli, make_project):
    project = make_project({})
    copy_marketing(project)
    template = project / "marketing-assets" / "templates" / "banner.svg.j2"
    lines = template.read_text(encoding="utf-8").split("\n")
    lines.insert(3, "{{ ''.__class__.__mro__[1].__subclasses__() }}")
    template.write_text("\n".join(lines), encoding="utf-8")
    result = cli(project, "check")
    assert result.exit_code == 1
    no_traceback(result)
    assert "marketing-assets/templates/banner.svg.j2:4: Fehler in der Vorlage:" in result.stderr, (
        result.stderr
    )


# Files of the user's in an output folder (issue 12, item 1) ------------------------------------


def built_project(make_project, cli):
    """A small project with one newsletter, built once: site/ and build/newsletters/ exist."""
    project = project_with(make_project, {"2026-11-02-test.md": newsletter_text()}).root
    result = cli(project, "build")
    assert result.exit_code == 0, result.stderr
    return project


@pytest.mark.parametrize(
    ("own", "named"),
    [
        ("site/meine-notiz.txt", "meine-notiz.txt"),
        ("site/assets/meine-notiz.txt", "assets/meine-notiz.txt"),
        ("site/eigene/bild.png", "eigene/"),
        ("build/newsletters/meine-notiz.txt", "meine-notiz.txt"),
        ("build/newsletters/2026-11-02-test/notiz.txt", "2026-11-02-test/notiz.txt"),
    ],
)
def test_a_users_file_in_an_output_folder_is_kept_and_build_refused(make_project, cli, own, named):
    project = built_project(make_project, cli)
    path = project / own
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("meins", encoding="utf-8")
    (project / "content" / "neu.md").write_text(
        ARTICLE.format(title="Neu", body="Neuer Text.\n"), encoding="utf-8"
    )
    result = cli(project, "build")
    assert result.exit_code == 1
    no_traceback(result)
    assert named in result.stderr and "nicht von rundbrief" in result.stderr, result.stderr
    assert path.read_text(encoding="utf-8") == "meins"
    # Nothing else changed either: the previous outputs are all still there, the new page is not.
    assert (project / "site" / "index.html").is_file()
    assert not (project / "site" / "neu").exists()
    assert (project / "build/newsletters/2026-11-02-test/message.eml").is_file()
    assert not list(project.glob(".rundbrief-stage-*"))


def test_every_foreign_file_is_named_and_moving_them_away_builds_again(make_project, cli):
    project = built_project(make_project, cli)
    (project / "site" / "meine-notiz.txt").write_text("meins", encoding="utf-8")
    (project / "site" / "eigene").mkdir()
    (project / "site" / "eigene" / "bild.png").write_bytes(b"png")
    result = cli(project, "build")
    assert result.exit_code == 1
    assert "meine-notiz.txt" in result.stderr and "eigene/" in result.stderr
    assert "bild.png" not in result.stderr  # the folder is named, not each file in it
    (project / "site" / "meine-notiz.txt").unlink()
    (project / "site" / "eigene" / "bild.png").unlink()
    (project / "site" / "eigene").rmdir()
    again = cli(project, "build")
    assert again.exit_code == 0, again.stderr


def test_the_normal_rebuild_replaces_every_output(make_project, cli):
    project = built_project(make_project, cli)
    (project / "content" / "neu.md").write_text(
        ARTICLE.format(title="Neu", body="Neuer Text.\n"), encoding="utf-8"
    )
    (project / "newsletters" / "2026-11-02-test.md").rename(
        project / "newsletters" / "2026-11-03-umbenannt.md"
    )
    result = cli(project, "build")
    assert result.exit_code == 0, result.stderr
    assert (project / "site" / "neu" / "index.html").is_file()
    assert (project / "build/newsletters/2026-11-03-umbenannt/message.eml").is_file()
    assert not (project / "build/newsletters/2026-11-02-test").exists()
    assert not (project / "site" / "newsletter" / "2026-11-02-test").exists()
    again = cli(project, "build")
    assert again.exit_code == 0, again.stderr


def test_outputs_of_the_previous_version_are_replaced_unless_something_was_added_since(
    make_project, cli
):
    # The previous version's marker held one line and no list of the files it wrote.
    project = built_project(make_project, cli)
    for folder in (project / "site", project / "build" / "newsletters"):
        (folder / ".rundbrief-output").write_text(f"rundbrief {folder.name}\n", encoding="utf-8")
    result = cli(project, "build")
    assert result.exit_code == 0, result.stderr
    assert "index.html" in (project / "site" / ".rundbrief-output").read_text(encoding="utf-8")

    (project / "site" / ".rundbrief-output").write_text("rundbrief site\n", encoding="utf-8")
    clock_moved_on(project.parent)  # (after the marker, as a file put there by hand later would be)
    (project / "site" / "meine-notiz.txt").write_text("meins", encoding="utf-8")
    refused = cli(project, "build")
    assert refused.exit_code == 1
    assert "meine-notiz.txt" in refused.stderr and "früheren" in refused.stderr, refused.stderr
    assert (project / "site" / "meine-notiz.txt").read_text(encoding="utf-8") == "meins"

    # A folder of the user's moved in later: its files are older than the marker, the folder's
    # entry is not (a move sets it); it is named whole and kept with everything in it.
    (project / "site" / "meine-notiz.txt").unlink()
    own = project.parent / "eigene"
    own.mkdir()
    (own / "alt.txt").write_text("älter als die Markierung", encoding="utf-8")
    clock_moved_on(project.parent)
    (project / "site" / ".rundbrief-output").write_text("rundbrief site\n", encoding="utf-8")
    clock_moved_on(project.parent)
    own.rename(project / "site" / "eigene")
    refused = cli(project, "build")
    assert refused.exit_code == 1
    assert "eigene/" in refused.stderr, refused.stderr
    assert (project / "site" / "eigene" / "alt.txt").is_file()


@pytest.mark.parametrize("folder", ["/etc", "../", "content", "!ENV [HOME]"])
def test_the_themes_folder_is_overrides_and_nothing_else(cli, make_project, folder):
    project = make_project({"content/index.md": ARTICLE.format(title="Start", body="Text.\n")})
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "  custom_dir: overrides\n" in text
    config.write_text(text.replace("  custom_dir: overrides\n", f"  custom_dir: {folder}\n"))
    line = text.split("\n").index("  custom_dir: overrides") + 1
    for command in ("check", "build"):
        result = cli(project, command)
        assert result.exit_code == 1, command
        no_traceback(result)
        assert f"mkdocs.yml:{line}: theme.custom_dir: erwartet overrides" in result.stderr, (
            result.stderr
        )
    assert not (project / "site").exists()
