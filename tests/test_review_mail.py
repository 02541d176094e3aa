"""rundbrief review --mail: the approvers on main get each changed newsletter and a summary, once."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import copy_example, git
from members_helpers import member_row, members_file
from smtp_helpers import SmtpServer, body_text

pytestmark = pytest.mark.browser

NEWSLETTER = "newsletters/2026-12-01-mitglieder-werben-mitglieder.md"
CAMPAIGN = "marketing-assets/mitglieder-werben-mitglieder.yml"
APPROVERS = ("gruender@mitgliederwerk.example", "zweite@mitgliederwerk.example")
INTRUDER = "boese@angreifer.example"


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` (which must occur ``count`` times) by ``new`` in the file."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{old!r} not {count} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def approvers_block(addresses: tuple[str, ...]) -> str:
    """The review section of rundbrief.yml naming ``addresses``."""
    return "review:\n  approvers:\n" + "".join(f"    - {a}\n" for a in addresses)


@pytest.fixture
def change(tmp_path: Path) -> Path:
    """The example with approvers on main, and a branch approving a newsletter and a campaign."""
    root = copy_example(tmp_path / "project")
    settings = root / "rundbrief.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + approvers_block(APPROVERS), encoding="utf-8"
    )
    git(root, "commit", "-q", "-am", "approvers")
    git(root, "push", "-q", "origin", "main")
    git(root, "checkout", "-q", "-b", "aenderung")
    edit(root / NEWSLETTER, "status: draft", "status: approved")
    edit(root / CAMPAIGN, "headline: Gemeinsam mehr bewegen.", "headline: Mehr bewegen.", 2)
    git(root, "commit", "-q", "-am", "Freigabe und Banner")
    return root


def environment(smtp: SmtpServer, folder: Path, number: int = 7) -> dict[str, str]:
    """The SMTP server, a members file and a pull request's GitHub environment."""
    members = members_file(folder / "private", [member_row(1, "Anna"), member_row(2, "Ben")])
    event = folder / "event.json"
    event.write_text(json.dumps({"number": number, "pull_request": {"number": number}}), "utf-8")
    return smtp.env(
        RUNDBRIEF_MEMBERS_FILE=str(members),
        GITHUB_SERVER_URL="https://github.com",
        GITHUB_REPOSITORY="mitgliederwerk/rundbrief",
        GITHUB_EVENT_PATH=str(event),
    )


def html_of(message: EmailMessage) -> str:
    return body_text(message)[1]


def test_approvers_get_the_member_email_and_the_summary_once_per_commit(
    change, smtp, cli, tmp_path
):
    env = environment(smtp, tmp_path)
    result = cli(change, "review", "--mail", env=env)
    assert result.exit_code == 0, result.output
    received = smtp.recorder.received
    assert sorted(r for m in received for r in m.recipients) == sorted(APPROVERS * 2)
    subjects = sorted(str(m.message["Subject"]) for m in received)
    assert all(subject.startswith("[FREIGABE] ") for subject in subjects), subjects
    newsletter = next(m.message for m in received if "Pull Request" not in m.message["Subject"])
    text, html = body_text(newsletter)
    assert "Vorschau zur Freigabe – noch nicht verschickt" in html
    assert "VORSCHAU ZUR FREIGABE – NOCH NICHT VERSCHICKT" in text
    assert "Erika" in html  # personalised for the sample member, never a real one
    assert "Anna" not in html and "mitglied1@" not in html
    assert "2 Empfänger" in html  # the audience counted in the members file
    assert "von Hand" in html  # no send time yet
    assert newsletter["List-Unsubscribe"] is None
    # The help site's pictures travel along: one the pull request adds is not published yet.
    carried = [p for p in newsletter.walk() if p.get_content_maintype() == "image"]
    assert len(carried) >= 2  # the logo and the newsletter's picture
    for part in carried:
        assert f'src="cid:{part["Content-ID"].strip("<>")}"' in html
    assert 'src="https://hilfe.mitgliederwerk.example/' not in html
    assert str(newsletter["To"]) in APPROVERS
    summary = next(m.message for m in received if "Pull Request #7" in m.message["Subject"])
    summary_html = html_of(summary)
    assert "https://github.com/mitgliederwerk/rundbrief/pull/7/files" in summary_html
    assert "Mehr bewegen." in summary_html or "Mitglieder werben Mitglieder" in summary_html
    # Every picture the summary shows travels with it, referenced by cid.
    related = [p for p in summary.walk() if p.get_content_maintype() == "image"]
    assert related, "the Werbemittel pictures are inline parts"
    for part in related:
        assert part.get_content_type() == "image/png"
        assert f"cid:{part['Content-ID'].strip('<>')}" in summary_html
    assert "Erika Mustermann" in summary_html  # the campaign personalised for the sample member
    assert "4 E-Mails an " in result.output, result.output

    again = cli(change, "review", "--mail", env=env)
    assert again.exit_code == 0, again.output
    assert len(smtp.recorder.received) == 4, "the same commit is mailed once"
    assert "nicht noch einmal" in again.output


def test_a_refused_mail_is_sent_by_the_next_run(change, smtp, cli, tmp_path):
    env = environment(smtp, tmp_path)
    smtp.recorder.faults[APPROVERS[0]] = ["550 5.1.1"]  # the first mail to the founder
    first = cli(change, "review", "--mail", env=env)
    assert first.exit_code == 1
    assert APPROVERS[0] in first.stderr and "nächste Lauf" in first.stderr
    assert len(smtp.recorder.received) == 3
    second = cli(change, "review", "--mail", env=env)
    assert second.exit_code == 0, second.output
    assert len(smtp.recorder.received) == 4
    last = smtp.recorder.received[-1]
    assert last.recipients == [APPROVERS[0]]
    assert str(last.message["Subject"]).startswith("[FREIGABE] ")
    assert "Pull Request" not in str(last.message["Subject"])  # the newsletter, not the summary


def test_a_pull_request_cannot_add_a_recipient(change, smtp, cli, tmp_path):
    settings = change / "rundbrief.yml"
    edit(settings, approvers_block(APPROVERS), approvers_block((*APPROVERS, INTRUDER)))
    newsletter = change / NEWSLETTER
    newsletter.write_text(
        newsletter.read_text(encoding="utf-8")
        + f"\nBcc: {INTRUDER}\nTo: <{INTRUDER}>\n\nSchreiben Sie an [{INTRUDER}](mailto:{INTRUDER}).\n",
        encoding="utf-8",
    )
    git(change, "commit", "-q", "-am", "noch ein Empfänger")
    result = cli(change, "review", "--mail", env=environment(smtp, tmp_path))
    assert result.exit_code == 0, result.output
    offered = {address.lower() for address in smtp.recorder.offered}
    assert offered == set(APPROVERS)
    for received in smtp.recorder.received:
        assert str(received.message["To"]) in APPROVERS
        assert received.message["Bcc"] is None and received.message["Cc"] is None


def test_no_approvers_on_main_is_a_problem_with_the_next_step(tmp_path, smtp, cli):
    root = copy_example(tmp_path / "project")
    git(root, "checkout", "-q", "-b", "aenderung")
    settings = root / "rundbrief.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + approvers_block(APPROVERS), encoding="utf-8"
    )
    git(root, "commit", "-q", "-am", "approvers in the pull request itself")
    result = cli(root, "review", "--mail", env=smtp.env())
    assert result.exit_code == 1
    assert "rundbrief.yml" in result.stderr and "review.approvers" in result.stderr
    assert smtp.recorder.received == []


def test_the_approval_mail_says_when_a_scheduled_newsletter_goes_out(change, smtp, cli, tmp_path):
    edit(change / NEWSLETTER, "status: approved", "status: approved\nsend_at: 2026-12-11 09:00")
    git(change, "commit", "-q", "-am", "Versandzeit")
    result = cli(change, "review", "--mail", env=environment(smtp, tmp_path))
    assert result.exit_code == 0, result.output
    newsletter = next(
        m.message for m in smtp.recorder.received if "Pull Request" not in m.message["Subject"]
    )
    text, html = body_text(newsletter)
    assert "Versand: Fr, 11. Dezember 2026, 9:00 Uhr" in text
    assert "Fr, 11. Dezember 2026, 9:00 Uhr" in html
    assert "von Hand" not in html
