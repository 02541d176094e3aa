"""The members source and what each member may receive.

Owns the members file (streamed, every row checked, columns mapped; ``source``), who receives a
newsletter — consent, audience, suppression, service notices — and the personal values of each
message (``recipients``), and the signed addresses that come back: VERP envelope senders and
unsubscribe tokens (``verp``). Every value here was typed by a stranger into a sign-up form.
"""
