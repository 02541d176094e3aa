"""Member values come from strangers: they can never add a header, a recipient or a subscription."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git
from members_helpers import member, member_row, members_file
from newsletter_helpers import newsletter_text, one_newsletter, render
from smtp_helpers import NEWSLETTER, send

from generator.core.headers import HeaderInjection, header_text
from generator.newsletter.email import sample_values
from generator.newsletter.mime import build_message
from generator.sending.message import MessageTemplate

INJECTIONS = [
    "=?utf-8?q?X=0D=0ABcc=3A_opfer=40evil.example=0D=0AReply-To=3A_boss=40evil.example?=",
    "=?UTF-8?Q?X=0ABcc=3A_opfer=40evil.example?=",
    "=?utf-8?b?WA0KQmNjOiBvcGZlckBldmlsLmV4YW1wbGU=?=",  # 'X\r\nBcc: opfer@evil.example'
    "=?iso-8859-1?q?X=0D=0ABcc=3A_opfer=40evil.example?=",
    "Anna =?utf-8?q?=E2=80=A8Bcc=3A_opfer=40evil.example?=",  # U+2028 inside the word
]


def subject_with_first_name(project: Path) -> None:
    """The sent newsletter greets the member in its subject (committed and pushed: approved)."""
    path = project / NEWSLETTER
    text = path.read_text(encoding="utf-8")
    start = text.index("subject:")
    end = text.index("\n", start)
    path.write_text(
        text[:start] + 'subject: "{{ member.first_name }}, Ihr Monatsupdate"' + text[end:],
        encoding="utf-8",
    )
    git(project, "commit", "-q", "-am", "subject with the first name")
    git(project, "push", "-q", "origin", "main")


@pytest.mark.parametrize("name", INJECTIONS)
def test_an_encoded_word_in_a_first_name_adds_no_header_and_no_recipient(
    example_project, cli, smtp, tmp_path, name
):
    subject_with_first_name(example_project)
    rows = [member_row(n) for n in range(1, 5)]
    rows[1] = member_row(2, name)
    members = members_file(tmp_path / "private", rows)
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    received = smtp.recorder.received
    for item in received:
        headers = [name.lower() for name in item.message]
        assert "bcc" not in headers
        assert headers.count("reply-to") == 1
        assert "evil.example" not in str(item.message["Reply-To"])
        assert "evil.example" not in item.message.as_string()
    assert sorted(r for m in received for r in m.recipients) == [member(1), member(3), member(4)]
    assert "members.csv:3: Warnung: first_name:" in result.stderr


SPLIT_WORD = ("=?utf-8?q?X", "=0D=0ABcc=3A_opfer=40evil.example?=")
"""Two harmless halves that make one injecting encoded word when a subject puts them together."""


@pytest.mark.parametrize("fast", [False, True])
def test_the_encoder_refuses_an_encoded_word_put_together_from_two_fields(make_project, fast):
    project, newsletter = one_newsletter(
        make_project,
        newsletter_text(subject="Hallo {{ member.first_name }}{{ member.last_name }}"),
    )
    email = render(project, newsletter)
    values = {**sample_values(project), "first_name": SPLIT_WORD[0], "last_name": SPLIT_WORD[1]}
    kwargs = {"to": member(1), "values": values, "message_id": "<m.1@mitgliederwerk.example>"}
    with pytest.raises(HeaderInjection):
        if fast:
            MessageTemplate(email).render(**kwargs)
        else:
            build_message(email, **kwargs)


@pytest.mark.parametrize(
    "value",
    ["=?utf-8?q?Anna?=", "Anna =?ISO-8859-1?Q?J=FCrgen?=", "=?utf-8?q?broken", "a=?b", "Tab\tname"],
)
def test_harmless_encoded_words_pass_the_encoder(value):
    assert header_text("Subject", value) == value
