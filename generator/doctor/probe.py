"""`rundbrief doctor --probe`: one message from the sender to the feedback mailbox, and what
the receiving server found (SPF, DKIM, DMARC in its ``Authentication-Results``).

The probe goes out as a newsletter does (same envelope sender, same transport, DKIM-signed if
rundbrief signs), to ``newsletter.unsubscribe_mailto``, which the feedback mailbox receives.
Only the topmost results header of our own server (``feedback.authserv_id``) is believed
(``feedback.authresults``). The probe is deleted from the mailbox once read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import time
from collections.abc import Callable, Mapping
from email import policy
from email.message import EmailMessage, Message
from email.utils import format_datetime

from imap_tools import AND, H

from generator.core.i18n import _
from generator.core.problems import RundbriefError
from generator.core.settings import Project
from generator.core.terminal import plain
from generator.doctor.findings import Finding, fail, hint, ok
from generator.feedback.authresults import verdicts
from generator.feedback.mailbox import ImapConfig, connect, imap_config
from generator.sending.dkim import dkim_signer
from generator.sending.transport import Outgoing, SmtpTransport, smtp_config

HEADER = "X-Rundbrief-Probe"
WAIT = 120.0
"""Seconds to wait for the probe to arrive."""
METHODS = ("spf", "dkim", "dmarc")
TOPIC = "Probe"


def probe_message(project: Project, token: str) -> bytes:
    """The probe: from the newsletter's sender to the unsubscribe mailbox, marked with ``token``."""
    newsletter = project.settings.newsletter
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = f"{newsletter.from_name} <{newsletter.from_address}>"
    message["To"] = newsletter.unsubscribe_mailto
    message["Subject"] = f"rundbrief doctor: Probe {token}"
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = newsletter.from_address.rpartition("@")[2]
    message["Message-ID"] = f"<doctor.{token}@{domain}>"
    message[HEADER] = token
    message.set_content(
        "Diese Nachricht prüft die Einrichtung des Versands (rundbrief doctor --probe).\n"
        "rundbrief löscht sie wieder, sobald es sie gelesen hat.\n"
    )
    return message.as_bytes()


def probe(
    project: Project,
    env: Mapping[str, str] | None = None,
    *,
    wait: float = WAIT,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Finding]:
    """Send the probe, wait for it in the feedback folder, read our server's verdicts."""
    env = os.environ if env is None else env
    settings = project.settings
    authserv_id = settings.feedback.authserv_id
    if not authserv_id:
        return [
            hint(
                TOPIC,
                _("feedback.authserv_id is not set: no Authentication-Results can be trusted"),
                _("set feedback.authserv_id to the name your receiving server signs results with"),
            )
        ]
    newsletter = settings.newsletter
    token = secrets.token_hex(8)
    envelope = newsletter.bounce_address or newsletter.from_address
    try:
        smtp = smtp_config(env)
        imap = imap_config(env)
        signer = dkim_signer(newsletter.dkim_selector, newsletter.from_address, env)
        transport = SmtpTransport(smtp, signer=signer, timeout=30.0)
        try:
            transport.send(
                Outgoing(envelope, (newsletter.unsubscribe_mailto,), probe_message(project, token))
            )
        finally:
            transport.close()
        message = _arrived(imap, settings.feedback.folder, token, wait, sleep)
    except RundbriefError as error:  # (usage, transport, mailbox: each says what and where)
        return [fail(TOPIC, plain(str(error)), _("fix the lines above, then probe again"))]
    if message is None:
        return [
            fail(
                TOPIC,
                _("the probe did not arrive in '{folder}' within {seconds} s").format(
                    folder=settings.feedback.folder, seconds=int(wait)
                ),
                _("check that mail to {address} reaches the feedback mailbox").format(
                    address=newsletter.unsubscribe_mailto
                ),
            )
        ]
    found = verdicts(message, authserv_id)
    if found is None:
        return [
            fail(
                TOPIC,
                _("the probe arrived without Authentication-Results from {server}").format(
                    server=authserv_id
                ),
                _("check feedback.authserv_id against the header your server adds"),
            )
        ]
    return [_verdict(method, found.get(method, "none"), authserv_id) for method in METHODS]


def _verdict(method: str, result: str, server: str) -> Finding:
    topic = f"{TOPIC} {method.upper()}"
    if result == "pass":
        return ok(topic, _("{server} says {method}=pass").format(server=server, method=method))
    return fail(
        topic,
        _("{server} says {method}={result}").format(
            server=server, method=method, result=plain(result)[:40]
        ),
        _("fix the {method} line above; DNS changes may take a while to be seen").format(
            method=method.upper()
        ),
    )


def _arrived(
    imap: ImapConfig, folder: str, token: str, wait: float, sleep: Callable[[float], None]
) -> Message | None:
    """The probe's message once it is in ``folder`` (deleted there), or None after ``wait``."""
    mailbox = connect(imap, timeout=30.0)
    deadline = time.monotonic() + wait
    try:
        mailbox.folder.set(folder)
        while True:
            for found in mailbox.fetch(AND(header=H(HEADER, token)), mark_seen=False):
                if found.uid:
                    mailbox.delete([found.uid])
                return found.obj
            if time.monotonic() >= deadline:
                return None
            sleep(min(2.0, max(0.0, deadline - time.monotonic())))
    finally:
        with contextlib.suppress(Exception):
            mailbox.logout()
