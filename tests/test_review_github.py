"""The pull request of a review run, from GitHub Actions' environment (the approval link)."""

from __future__ import annotations

import json

from generator.review.github import pull_request

SERVER = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "mitgliederwerk/rundbrief",
}
HEAD = "0123456789abcdef0123456789abcdef01234567"


def test_the_number_and_head_come_from_the_event_file(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"number": 12, "pull_request": {"number": 12, "head": {"sha": HEAD}}})
    )
    found = pull_request(
        {**SERVER, "GITHUB_EVENT_PATH": str(event), "GITHUB_REF": "refs/pull/99/merge"}
    )
    assert found is not None
    assert (found.number, found.head) == (12, HEAD)
    assert found.url == "https://github.com/mitgliederwerk/rundbrief/pull/12/files"


def test_without_an_event_file_the_ref_names_the_pull_request():
    found = pull_request({**SERVER, "GITHUB_REF": "refs/pull/7/merge"})
    assert found is not None and found.number == 7 and found.head is None


def test_outside_a_pull_request_there_is_no_link(tmp_path):
    push = tmp_path / "push.json"
    push.write_text(json.dumps({"ref": "refs/heads/main"}))
    assert pull_request({}) is None
    assert pull_request({**SERVER, "GITHUB_REF": "refs/heads/main"}) is None
    assert pull_request({**SERVER, "GITHUB_EVENT_PATH": str(push)}) is None
    assert pull_request({**SERVER, "GITHUB_EVENT_PATH": str(tmp_path / "missing.json")}) is None


def test_a_link_leads_only_to_an_https_server_and_a_plain_repository_name():
    ref = {"GITHUB_REF": "refs/pull/7/merge"}
    assert pull_request({**SERVER, **ref, "GITHUB_SERVER_URL": "javascript:alert(1)"}) is None
    assert pull_request({**SERVER, **ref, "GITHUB_REPOSITORY": "a/b?x=<script>"}) is None
    assert pull_request({**SERVER, **ref, "GITHUB_REPOSITORY": "../../evil"}) is None


def test_a_forged_number_or_head_in_the_event_is_ignored(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": "7/../../x", "head": {"sha": "HEAD~1"}}})
    )
    found = pull_request(
        {**SERVER, "GITHUB_EVENT_PATH": str(event), "GITHUB_REF": "refs/pull/7/merge"}
    )
    assert found is not None and found.number == 7 and found.head is None
