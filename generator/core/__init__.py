"""The core every capability stands on.

Owns the project settings (``rundbrief.yml``), the way every schema is declared once as the
dataclass it becomes (``declare.py``) and written out as a reference table and a JSON Schema
(``reference.py``), the schema that validates every YAML block,
source files read with their line numbers, the ``Problem`` type that names ``path:line``, git
facts, atomic outputs, the cache fingerprint and the translations of user-facing messages.
Nothing here knows about help pages, newsletters, sending or Werbemittel.
"""
