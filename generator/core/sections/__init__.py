"""The sections of ``rundbrief.yml``, one module per capability; ``core/settings.py`` composes them."""
