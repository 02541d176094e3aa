"""What comes back after a send: the feedback mailbox and the suppression store.

Reads the mailbox over IMAP (``mailbox``), classifies each message — complaint, bounce,
auto-reply, unsubscribe — and finds the member and newsletter it concerns (``classify``), and
keeps who is not mailed again, why, since when and on what evidence (``suppression``). Every
message in the mailbox may be forged: only signed addresses and headers suppress a member.
"""
