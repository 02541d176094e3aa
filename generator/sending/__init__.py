"""Sending one approved newsletter to its recipients, nothing twice.

Owns the send itself: ``pipeline`` (the send on one screen: prepare, journal, deliver, record),
the approval gate against the remote's main branch and everything checked before the first
message (``send``), the message serialised once per newsletter and filled in per recipient
(``message``), the transports (SMTP, outbox; ``transport``), the send state — one run at a
time, each recipient claimed before it is handed over — behind ``state.SendState``, kept in
SQLite by ``journal`` (the only module with SQL on it), delivery over one or several
connections (``delivery``), and which newsletters main schedules are due (``due``). Who the
recipients are comes from ``members``; who must not be mailed again from ``feedback``'s
suppression store.
"""
