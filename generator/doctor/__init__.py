"""`rundbrief doctor`: whether everything a send needs is in place, and what to fix where.

Each check gives ``Finding`` lines (``findings``); ``diagnose.diagnose`` runs them all on one
screen: secrets in the environment, SMTP and IMAP log-in, the state database, the members
source, the unsubscribe way, and the From domain's SPF, DKIM and DMARC records (``domain``,
through ``dnsrecords``). Nothing is sent unless ``--probe`` asks for one message to the
feedback mailbox (``probe``).
"""
