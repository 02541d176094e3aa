"""The servers a send talks to, tried without sending: SMTP and IMAP log-in, the state
database, the members source and the one-click unsubscribe endpoint.

Each check returns one ``Finding``; what a server says is shown through ``plain`` (it is
untrusted), a password never.
"""

from __future__ import annotations

import contextlib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from imap_tools.errors import MailboxFolderSelectError

from generator.core.database import scrub
from generator.core.i18n import _, number
from generator.core.settings import Project
from generator.core.terminal import plain
from generator.doctor.findings import Finding, fail, hint, ok
from generator.feedback.mailbox import FeedbackStopped, ImapConfig, connect
from generator.members.csvfile import Unreadable
from generator.members.query import URL_VARIABLE
from generator.members.recipients import unsubscribe_token
from generator.members.source import Member, MembersFile
from generator.newsletter.unsubscribe import unsubscribe_link
from generator.sending.transport import SmtpConfig, SmtpTransport, TransportStopped

TIMEOUT = 15.0
STATE_VARIABLE = "RUNDBRIEF_STATE_URL"
PROBE_ADDRESS = "rundbrief-doctor@{domain}"
"""The synthetic member whose unsubscribe link is tried: nobody's real address."""


def check_smtp(config: SmtpConfig) -> Finding:
    """Connect, TLS, AUTH, QUIT: never a MAIL command."""
    transport = SmtpTransport(config, timeout=TIMEOUT)
    try:
        transport.open()
    except TransportStopped as error:
        return fail(
            "SMTP",
            str(error),
            _(
                "correct RUNDBRIEF_SMTP_HOST, _PORT, _TLS, _USER or _PASSWORD (the relay's "
                "set-up page names them)"
            ),
        )
    finally:
        transport.close()
    tls = {"starttls": "STARTTLS", "ssl": "TLS", "none": _("without TLS (loopback only)")}[
        config.tls
    ]
    if not config.user:
        return ok(
            "SMTP",
            _("connected to {server} ({tls}) without log-in; nothing sent").format(
                server=config.where, tls=tls
            ),
        )
    return ok(
        "SMTP",
        _("logged in as '{user}' at {server} ({tls}); nothing sent").format(
            user=config.user, server=config.where, tls=tls
        ),
    )


def check_imap(config: ImapConfig, folder: str) -> Finding:
    """Log in over TLS and select the feedback folder."""
    try:
        mailbox = connect(config, timeout=TIMEOUT)
    except FeedbackStopped as error:
        return fail(
            "IMAP",
            plain(str(error)),
            _("correct RUNDBRIEF_IMAP_HOST, _PORT, _USER or _PASSWORD of the feedback mailbox"),
        )
    try:
        try:
            mailbox.folder.set(folder)
        except MailboxFolderSelectError:
            return fail(
                "IMAP",
                _("the folder '{folder}' does not exist in the mailbox of '{user}'").format(
                    folder=folder, user=config.user
                ),
                _("create it in the mailbox or correct feedback.folder in rundbrief.yml"),
            )
    finally:
        with contextlib.suppress(Exception):
            mailbox.logout()
    return ok(
        "IMAP",
        _("logged in as '{user}' at {server}; folder '{folder}' opened").format(
            user=config.user, server=config.where, folder=folder
        ),
    )


def check_state(url: str) -> Finding:
    """Connect to the shared state database and ask it ``SELECT 1``."""
    if not url.startswith(("postgresql://", "postgres://")):
        return fail(
            _("State"),
            _("{variable} is no postgresql:// URL").format(variable=STATE_VARIABLE),
            _(
                "set {variable} to postgresql://USER:PASSWORD@HOST/DATABASE?sslmode=verify-full"
            ).format(variable=STATE_VARIABLE),
        )
    import psycopg  # only here: the default state needs no PostgreSQL driver loaded

    try:
        with psycopg.connect(url, connect_timeout=int(TIMEOUT)) as connection:
            connection.execute("SELECT 1").fetchone()
            where = f"{connection.info.host}:{connection.info.port}/{connection.info.dbname}"
    except psycopg.Error as error:
        return fail(
            _("State"),
            # libpq's words may quote the password (a bad escape, a piece read as the host).
            _("the state database does not answer: {reason}").format(
                reason=plain(scrub(str(error), url))
            ),
            _("correct {variable} (host, user, password, database) or open the network").format(
                variable=STATE_VARIABLE
            ),
        )
    return ok(_("State"), _("state database {where} answers").format(where=where))


def check_members(opened: MembersFile) -> Finding:
    """Read the members source as ``send`` does and count its rows."""
    members = problems = 0
    try:
        for item in opened.rows():
            if isinstance(item, Member):
                members += 1
            else:
                problems += 1
    except Unreadable as error:
        return fail(
            _("Members"),
            str(error.problem),
            _("export the members file again, or correct --members / RUNDBRIEF_MEMBERS_FILE")
            if opened.origin.kind != "query"
            else _("correct members.query or {variable}").format(variable=URL_VARIABLE),
        )
    message = _("{source}: {count} members readable").format(
        source=opened.display, count=number(members)
    )
    if problems or opened.warnings:
        return hint(
            _("Members"),
            _("{message}; {problems} rows with problems").format(
                message=message, problems=number(problems)
            ),
            _("rundbrief check and send name each row; correct them in the platform's export"),
        )
    return ok(_("Members"), message)


def check_unsubscribe(project: Project, secret: bytes | None, mailbox_user: str = "") -> Finding:
    """The one-click endpoint answers a POST (RFC 8058) with 2xx; else the mailbox way."""
    settings = project.settings.newsletter
    if not settings.unsubscribe_url:
        if settings.unsubscribe_mailto.lower() == mailbox_user.lower():
            message = _(
                "no one-click endpoint: members unsubscribe by mail to {address}, the feedback "
                "mailbox itself"
            ).format(address=settings.unsubscribe_mailto)
        else:
            message = _(
                "no one-click endpoint: members unsubscribe by mail to {address}, which the "
                "feedback mailbox must receive"
            ).format(address=settings.unsubscribe_mailto)
        return hint(
            _("Unsubscribe"),
            message,
            _(
                "Gmail and Yahoo expect one-click unsubscribe from bulk senders: set "
                "newsletter.unsubscribe_url"
            ),
        )
    domain = settings.from_address.rpartition("@")[2]
    token = unsubscribe_token(secret, PROBE_ADDRESS.format(domain=domain)) if secret else ""
    url = unsubscribe_link(settings, token)
    request = urllib.request.Request(
        url,
        data=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(  # noqa: S310 - https only (settings check)
            request, timeout=TIMEOUT, context=ssl.create_default_context()
        ) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return fail(
            _("Unsubscribe"),
            _("{url} does not answer: {reason}").format(
                url=settings.unsubscribe_url, reason=plain(str(reason))
            ),
            _(
                "ask the platform's developers to run the endpoint, or correct newsletter.unsubscribe_url"
            ),
        )
    if 200 <= status < 300:
        return ok(
            _("Unsubscribe"),
            _("{url} answers a one-click POST with {status}").format(
                url=settings.unsubscribe_url, status=status
            ),
        )
    return fail(
        _("Unsubscribe"),
        _("{url} answers a one-click POST (RFC 8058) with {status} instead of 2xx").format(
            url=settings.unsubscribe_url, status=status
        ),
        _(
            "the endpoint must accept POST with List-Unsubscribe=One-Click and the token t "
            "(RUNDBRIEF_UNSUBSCRIBE_SECRET) and answer 200"
        ),
    )


def configured_ca(env: Mapping[str, str], variable: str) -> Finding | None:
    """A CA file named in ``variable`` that cannot be read (None when fine or not set)."""
    path = env.get(variable, "")
    if not path or Path(path).is_file():
        return None
    return fail(
        _("Secrets"),
        _("{variable} names {path}, which is no readable file").format(
            variable=variable, path=plain(path)
        ),
        _("correct the path or remove {variable}").format(variable=variable),
    )
