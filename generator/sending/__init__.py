"""Sending an approved newsletter to members.

Owns the members file (streamed, every row checked), who receives a newsletter (consent,
audience, suppression, service notices), the personal values of each message, the message
serialised once per newsletter, the transports (SMTP, outbox), the SQLite journal that makes
sure nobody is mailed twice (one run at a time, each recipient claimed before it is handed
over), the approval gate against the remote's main branch, and delivery over one or several
connections.
"""
