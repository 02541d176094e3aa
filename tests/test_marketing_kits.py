"""Personal kits: the member's own link and QR code everywhere, incremental, and safe paths."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from marketing_helpers import (
    KIT_SECRET,
    LONG_NAME,
    approve,
    copy_marketing,
    decode_qr,
    kit_folder,
    kit_folders,
    kit_names,
    member_image,
)
from members_helpers import kit_rows, members_csv
from PIL import Image
from pypdf import PdfReader

SLUG = "mitglieder-werben-mitglieder"
LETTERS = {"banner": "b", "social": "s", "email": "e", "print": "p"}


def member_link(code: str, medium: str, content: str) -> str:
    """The short link the tests expect (rundbrief.yml's short_link), built independently."""
    del content  # (a short link names campaign and medium, not the single asset)
    return f"https://mwk.example/r/{code}/mwm{LETTERS[medium]}"


@pytest.fixture(autouse=True)
def kit_secret(monkeypatch) -> None:
    monkeypatch.setenv("RUNDBRIEF_UNSUBSCRIBE_SECRET", KIT_SECRET)


@pytest.fixture
def project(make_project) -> Path:
    root = make_project({})
    copy_marketing(root)
    return approve(root)


def write_members(project: Path, rows: list[tuple[str, str, str]]) -> Path:
    path = project / "members.csv"
    path.write_text(members_csv(kit_rows(rows)), encoding="utf-8")
    return path


def test_kit_holds_every_asset_with_the_members_link_and_qr_code(project, cli):
    members = write_members(project, [("Anna", "Beispiel", "anna-42"), (*LONG_NAME, "max_7")])
    result = cli(project, "kits", "--members", str(members))
    assert result.exit_code == 0, result.stderr
    assert "2 Kits nach build/kits/ geschrieben, 0 unverändert, 0 entfernt" in result.stdout

    kit = kit_folder(project, "anna-42") / SLUG
    sizes = {"banner-300x250": (300, 250), "banner-728x90": (728, 90), "banner-160x600": (160, 600)}
    sizes |= {"banner-320x50": (320, 50)}
    shared = project / "build" / "kits" / "gemeinsam" / SLUG
    for name, size in sizes.items():  # the same for every member: once, beside the kits
        assert Image.open(shared / f"{name}.png").size == size
        assert not (kit / f"{name}.png").exists()
    assert decode_qr((kit / "qr-code.png").read_bytes()) == [
        member_link("anna-42", "print", "qr-code")
    ]
    for name in ("social-1080x1080", "social-1200x630"):
        image = member_image(kit.parent, name)
        assert image.size == tuple(int(n) for n in name.split("-")[1].split("x"))
        assert decode_qr(image) == [member_link("anna-42", "social", name)]
    flyer = PdfReader(kit / "flyer-a5.pdf").pages[0]
    assert [t for image in flyer.images for t in decode_qr(image.image)] == [
        member_link("anna-42", "print", "flyer-a5")
    ]
    page = html.unescape((kit.parent / "index.html").read_text(encoding="utf-8"))
    assert "#Werbung" in page and member_link("anna-42", "social", "post-kurz") in page
    assert "Hallo,\n\nDu hattest mich" in page and "Viele Grüße\nAnna Beispiel" in page
    assert member_link("anna-42", "email", "email-freunde") in page
    assert 'rel="sponsored noopener"' in page and member_link("anna-42", "banner", "") in page
    on_disk = sorted(p.relative_to(kit.parent).as_posix() for p in kit.parent.rglob("*"))
    assert on_disk == [
        ".inputs",
        ".rundbrief-output",
        "index.html",
        SLUG,
        *(
            f"{SLUG}/{name}"
            for name in (
                "flyer-a5-zuhause.pdf",
                "flyer-a5.pdf",
                "qr-code.png",
                "qr-code.svg",
                "social-1080x1080-teile.png",
                "social-1200x630-teile.png",
            )
        ),
    ]

    long_kit = kit_folder(project, "max_7")
    page = html.unescape((long_kit / "index.html").read_text(encoding="utf-8"))
    assert f"Mit freundlichen Grüßen\n{' '.join(LONG_NAME)}" in page
    assert member_image(long_kit, "social-1080x1080").size == (1080, 1080)


def test_unchanged_kits_are_not_rendered_again(project, cli):
    members = write_members(project, [("Anna", "Beispiel", "anna-42"), ("Ben", "Muster", "ben")])
    assert cli(project, "kits", "--members", str(members)).exit_code == 0
    flyer = kit_folder(project, "anna-42") / SLUG / "flyer-a5.pdf"
    before = flyer.stat().st_mtime_ns

    again = cli(project, "kits", "--members", str(members))
    assert again.exit_code == 0
    assert "0 Kits nach build/kits/ geschrieben, 2 unverändert" in again.stdout
    assert flyer.stat().st_mtime_ns == before

    write_members(project, [("Anna", "Beispiel-Neu", "anna-42"), ("Ben", "Muster", "ben")])
    changed = cli(project, "kits", "--members", str(members))
    assert "1 Kit nach build/kits/ geschrieben, 1 unverändert" in changed.stdout
    assert "Beispiel-Neu" in (flyer.parent.parent / "index.html").read_text(encoding="utf-8")


def test_kits_of_members_no_longer_listed_are_removed(project, cli):
    members = write_members(project, [("Anna", "Beispiel", "anna-42"), ("Ben", "Muster", "ben")])
    assert cli(project, "kits", "--members", str(members)).exit_code == 0
    kits = project / "build" / "kits"
    (kits / "notes").mkdir()  # not a kit: no inputs marker, so it is left alone

    write_members(project, [("Anna", "Beispiel", "anna-42")])
    single = cli(project, "kits", "--members", str(members), "--member", "anna-42")
    ben = kit_folder(project, "ben")
    assert "0 entfernt" in single.stdout and ben.is_dir()  # one member: no pruning

    result = cli(project, "kits", "--members", str(members))
    assert result.exit_code == 0, result.stderr
    assert "0 Kits nach build/kits/ geschrieben, 1 unverändert, 1 entfernt" in result.stdout
    assert kit_folders(project) == sorted([*kit_names(project, "anna-42"), "notes"])


def test_one_member_only(project, cli):
    members = write_members(project, [("Anna", "Beispiel", "anna-42"), ("Ben", "Muster", "ben")])
    result = cli(project, "kits", "--members", str(members), "--member", "ben")
    assert result.exit_code == 0, result.stderr
    assert kit_folders(project) == kit_names(project, "ben")
    unknown = cli(project, "kits", "--members", str(members), "--member", "nobody")
    assert unknown.exit_code == 2
    assert "kein Mitglied mit dem Empfehlungscode 'nobody'" in unknown.stderr


@pytest.mark.parametrize("code", ["../../etc", "a/b", "..", "CON", "nul"])
def test_a_code_that_is_not_a_plain_name_is_left_out_with_its_row(project, cli, code):
    members = write_members(project, [("Anna", "Beispiel", "anna-42"), ("Eve", "Böse", code)])
    result = cli(project, "kits", "--members", str(members))
    assert result.exit_code == 0, result.stderr
    assert f"members.csv:3: Warnung: Empfehlungscode '{code}'" in result.stderr
    assert "1 Zeile der Mitgliederdatei hat kein Paket bekommen" in result.stdout
    assert kit_folders(project) == kit_names(project, "anna-42")
    assert not (project / "etc").exists() and not (project.parent / "etc").exists()


def test_a_code_with_a_line_break_is_left_out(project, cli):
    path = project / "members.csv"
    text = members_csv(kit_rows([("Anna", "Beispiel", "anna-42"), ("Eve", "Böse", "PLACEHOLDER")]))
    path.write_text(text.replace("PLACEHOLDER", '"evil\nline"'), encoding="utf-8")
    result = cli(project, "kits", "--members", str(path))
    assert result.exit_code == 0, result.stderr
    assert "members.csv:3: Warnung: referral_code: Zeilenumbrüche" in result.stderr
    assert kit_folders(project) == kit_names(project, "anna-42")


def test_a_name_too_long_for_any_size_gets_no_kit_and_the_others_do(project, cli):
    giant = "Maximilian-Alexander-Friedrich-Wilhelm-Konstantin-Bartholomäus " * 6
    members = write_members(project, [("Anna", "Beispiel", "anna-42"), (giant.strip(), "X", "big")])
    result = cli(project, "kits", "--members", str(members))
    assert result.exit_code == 0, result.stderr
    assert (
        "marketing-assets/mitglieder-werben-mitglieder.yml:19: Warnung: texts.recommended_by: "
        "passt für das Mitglied in Zeile 3 auch mit" in result.stderr
    )
    assert kit_folders(project) == kit_names(project, "anna-42")


def test_a_name_is_drawn_when_the_font_has_it_and_refused_at_its_row_when_not(project, cli):
    # DejaVu Sans draws 😀 (a plain outline); it has no Chinese characters.
    members = write_members(
        project, [("Anna", "Beispiel", "anna-42"), ("Ben 😀", "Muster", "ben"), ("李", "Li", "li")]
    )
    result = cli(project, "kits", "--members", str(members))
    assert result.exit_code == 0, result.stderr
    assert "members.csv:3:" not in result.stderr
    assert "members.csv:4: Warnung: der Name enthält '李'" in result.stderr
    assert kit_folders(project) == kit_names(project, "anna-42", "ben")


def test_worker_processes_write_the_same_kits(project, monkeypatch):
    from generator.core.settings import load_project
    from generator.marketing import kits

    monkeypatch.setattr(kits, "PARALLEL_FROM", 2)
    members = [kits.KitMember(f"m{n}", f"Mitglied {n}", n + 2, "members.csv") for n in range(3)]
    summary = kits.write_kits(load_project(project), members, secret=KIT_SECRET.encode(), workers=2)
    assert (summary.written, summary.unchanged) == (3, 0)
    for member in members:
        folder = kit_folder(project, member.code)
        assert decode_qr((folder / SLUG / "qr-code.png").read_bytes()) == [
            member_link(member.code, "print", "qr-code")
        ]
        assert decode_qr(member_image(folder, "social-1200x630")) == [
            member_link(member.code, "social", "social-1200x630")
        ]
    assert kit_folders(project) == kit_names(project, "m0", "m1", "m2")


def test_a_code_used_twice_keeps_the_first_rows_kit_as_send_does(project, cli):
    members = write_members(project, [("Anna", "Beispiel", "anna"), ("Anne", "Muster", "ANNA")])
    result = cli(project, "kits", "--members", str(members))
    assert result.exit_code == 0, result.stderr
    assert "members.csv:3: Warnung: Empfehlungscode 'ANNA' steht auch in Zeile 2" in result.stderr
    assert kit_folders(project) == kit_names(project, "anna")


# A file of the user's in a kit folder: kept, the run refused ---------------------------------


def put_own_files(kit: Path) -> None:
    (kit / "meine-notiz.txt").write_text("meins", encoding="utf-8")
    (kit / "eigene").mkdir()
    (kit / "eigene" / "foto.jpg").write_bytes(b"jpg")


def assert_own_files_kept(kit: Path) -> None:
    assert (kit / "meine-notiz.txt").read_text(encoding="utf-8") == "meins"
    assert (kit / "eigene" / "foto.jpg").read_bytes() == b"jpg"


def test_a_users_file_in_a_stale_kit_is_kept_and_the_run_refused(project, cli):
    members = write_members(project, [("Anna", "Beispiel", "anna-42"), ("Ben", "Muster", "ben")])
    assert cli(project, "kits", "--members", str(members)).exit_code == 0
    ben = kit_folder(project, "ben")
    put_own_files(ben)

    write_members(project, [("Anna", "Beispiel", "anna-42")])
    result = cli(project, "kits", "--members", str(members))
    assert result.exit_code == 1
    assert f"build/kits/{ben.name}" in result.stderr, result.stderr
    assert "meine-notiz.txt" in result.stderr and "eigene/" in result.stderr
    assert "nicht von rundbrief" in result.stderr
    assert_own_files_kept(ben)
    assert (ben / ".inputs").is_file() and (ben / "index.html").is_file()  # untouched

    (ben / "meine-notiz.txt").unlink()
    (ben / "eigene" / "foto.jpg").unlink()
    (ben / "eigene").rmdir()
    again = cli(project, "kits", "--members", str(members))
    assert again.exit_code == 0, again.stderr
    assert "1 entfernt" in again.stdout and not ben.exists()


def test_a_users_file_in_a_kit_being_rewritten_is_kept(project, cli):
    members = write_members(project, [("Anna", "Beispiel", "anna-42"), ("Ben", "Muster", "ben")])
    assert cli(project, "kits", "--members", str(members)).exit_code == 0
    anna = kit_folder(project, "anna-42")
    put_own_files(anna)
    page = anna / "index.html"
    before = page.read_text(encoding="utf-8")

    write_members(project, [("Anna", "Beispiel-Neu", "anna-42"), ("Ben", "Muster-Neu", "ben")])
    result = cli(project, "kits", "--members", str(members))
    assert result.exit_code == 1
    assert f"build/kits/{anna.name}" in result.stderr and "meine-notiz.txt" in result.stderr
    assert "members.csv:2:" in result.stderr, result.stderr  # at Anna's row
    assert_own_files_kept(anna)
    assert page.read_text(encoding="utf-8") == before  # nothing written: the run was refused
    ben = kit_folder(project, "ben") / "index.html"
    assert "Muster-Neu" not in ben.read_text(encoding="utf-8")


def test_a_users_file_in_a_kit_that_stays_as_it_is_is_no_problem(project, cli):
    members = write_members(project, [("Anna", "Beispiel", "anna-42")])
    assert cli(project, "kits", "--members", str(members)).exit_code == 0
    anna = kit_folder(project, "anna-42")
    put_own_files(anna)
    again = cli(project, "kits", "--members", str(members))
    assert again.exit_code == 0, again.stderr
    assert "0 Kits nach build/kits/ geschrieben, 1 unverändert" in again.stdout
    assert_own_files_kept(anna)


def test_kits_of_the_previous_version_are_rewritten_unless_something_was_added_since(project, cli):
    from conftest import clock_moved_on

    members = write_members(project, [("Anna", "Beispiel", "anna-42"), ("Ben", "Muster", "ben")])
    assert cli(project, "kits", "--members", str(members)).exit_code == 0
    anna, ben = kit_folder(project, "anna-42"), kit_folder(project, "ben")
    for kit in (anna, ben):  # the previous version wrote only .inputs, last
        (kit / ".rundbrief-output").unlink()
        inputs = kit / ".inputs"
        inputs.write_text(inputs.read_text(encoding="ascii"), encoding="ascii")
    clock_moved_on(project.parent)
    (ben / "meine-notiz.txt").write_text("meins", encoding="utf-8")

    write_members(project, [("Anna", "Beispiel-Neu", "anna-42"), ("Ben", "Muster-Neu", "ben")])
    refused = cli(project, "kits", "--members", str(members))
    assert refused.exit_code == 1
    assert f"build/kits/{ben.name}" in refused.stderr and "meine-notiz.txt" in refused.stderr
    assert f"build/kits/{anna.name}" not in refused.stderr, refused.stderr
    assert (ben / "meine-notiz.txt").read_text(encoding="utf-8") == "meins"

    (ben / "meine-notiz.txt").unlink()
    result = cli(project, "kits", "--members", str(members))
    assert result.exit_code == 0, result.stderr
    assert "2 Kits nach build/kits/ geschrieben" in result.stdout
    assert (anna / ".rundbrief-output").is_file()


def test_a_kits_images_are_the_shared_image_and_small_parts_that_still_decode(project, cli):
    members = write_members(project, [("Anna", "Beispiel", "anna-42")])
    assert cli(project, "kits", "--members", str(members)).exit_code == 0
    kit = kit_folder(project, "anna-42")
    for name in ("social-1080x1080", "social-1200x630"):
        parts = kit / SLUG / f"{name}-teile.png"
        assert Image.open(parts).mode == "P"
        # (whole, as palette PNGs, they were 42 and 26 KB a member; true colour 110 and 70 KB)
        assert parts.stat().st_size < 12_000
        assert decode_qr(member_image(kit, name)) == [member_link("anna-42", "social", name)]
    personal = sum(p.stat().st_size for p in kit.rglob("*") if p.is_file())
    assert personal < 75_000  # every file of the kit (was 285 KB with its zip)
