"""Kits only from approved campaigns: as on the remote's main, with an explicit, logged --offline."""

from __future__ import annotations

import shutil

import pytest
from marketing_helpers import KIT_SECRET, approve, copy_marketing
from members_helpers import kit_rows, members_csv

CAMPAIGN = "marketing-assets/mitglieder-werben-mitglieder.yml"


@pytest.fixture(autouse=True)
def kit_secret(monkeypatch) -> None:
    monkeypatch.setenv("RUNDBRIEF_UNSUBSCRIBE_SECRET", KIT_SECRET)


@pytest.fixture
def project(make_project):
    root = make_project({})
    copy_marketing(root)
    approve(root)
    members = root / "members.csv"
    members.write_text(members_csv(kit_rows([("Anna", "Beispiel", "anna-42")])), encoding="utf-8")
    return root


def _edit_campaign(root):
    path = root / CAMPAIGN
    path.write_text(
        path.read_text(encoding="utf-8").replace("Gemeinsam mehr bewegen.", "Nicht freigegeben."),
        encoding="utf-8",
    )


def test_an_uncommitted_change_to_a_campaign_makes_kits_refuse(project, cli):
    _edit_campaign(project)
    result = cli(project, "kits", "--members", str(project / "members.csv"))
    assert result.exit_code == 1
    assert f"{CAMPAIGN}:1: die Datei hat Änderungen, die noch nicht committet sind" in result.stderr
    assert not (project / "build" / "kits").exists()


def test_a_committed_change_not_on_the_remotes_main_makes_kits_refuse(project, cli):
    from conftest import git

    _edit_campaign(project)
    git(project, "commit", "-q", "-am", "not merged")
    result = cli(project, "kits", "--members", str(project / "members.csv"))
    assert result.exit_code == 1
    assert f"{CAMPAIGN}:1: die Datei steht so nicht im Branch main von origin" in result.stderr
    assert not (project / "build" / "kits").exists()
    # Once pushed to main (merged), the kits are made.
    git(project, "push", "-q", "origin", "main")
    again = cli(project, "kits", "--members", str(project / "members.csv"))
    assert again.exit_code == 0, again.stderr


def test_without_the_remote_kits_refuse_unless_offline_which_is_said_and_logged(project, cli):
    shutil.rmtree(project.parent / f"{project.name}-origin.git")
    result = cli(project, "kits", "--members", str(project / "members.csv"))
    assert result.exit_code == 1
    assert "--offline" in result.stderr
    assert not (project / "build" / "kits").exists()

    offline = cli(project, "kits", "--members", str(project / "members.csv"), "--offline")
    assert offline.exit_code == 0, offline.stderr
    assert "--offline: verglichen mit origin/main" in offline.stderr
    (line,) = (project / ".rundbrief" / "kits.log").read_text(encoding="utf-8").splitlines()
    assert line.split("\t")[2:] == ["offline", "1"]
    # Offline too, a change that is not approved is refused.
    _edit_campaign(project)
    refused = cli(project, "kits", "--members", str(project / "members.csv"), "--offline")
    assert refused.exit_code == 1


def test_kits_outside_a_git_checkout_say_why_not_that_the_remote_is_unreachable(project, cli):
    # The same gate as send (core.gitinfo.approved_main): it names the missing checkout.
    shutil.rmtree(project / ".git")
    result = cli(project, "kits", "--members", str(project / "members.csv"), "--offline")
    assert result.exit_code == 1
    assert "ist kein Git-Checkout" in result.stderr
    assert "nicht erreichbar" not in result.stderr
    assert not (project / "build" / "kits").exists()
