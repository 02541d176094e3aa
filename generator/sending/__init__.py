"""Sending an approved newsletter to members.

Owns the members file, who receives a newsletter (consent, audience, suppression), the
personal values of each message, the transports (SMTP, outbox), the SQLite journal that makes
sure nobody is mailed twice, and the send itself with its approval gate.
"""
