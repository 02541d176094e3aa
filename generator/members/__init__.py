"""The members source and what each member may receive.

Owns the members source — a CSV file, an HTTPS export or a read-only SQL query (``origins``,
``remote``, ``query``), opened one way for every command (``source.open_members``), streamed,
every row checked, a member listed twice held to the strictest of their rows; its CSV records
(``csvfile``), so that a stray quote never swallows a row — who receives a newsletter —
consent, audience, suppression, service notices (``recipients``) — the values a member's data
fills in, for emails and kits alike (``values``), and the signed addresses that come back: VERP
envelope senders and unsubscribe tokens (``verp``). Every value here was typed by a stranger
into a sign-up form.
"""
