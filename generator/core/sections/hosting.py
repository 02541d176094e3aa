"""The hosting section: where the publish workflow deploys the help site."""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.declare import key

HOSTING_PROVIDERS = ("github-pages", "sftp")


@dataclass(frozen=True)
class Hosting:
    """Where the publish workflow deploys the help site (and what the privacy policy says)."""

    provider: str = key(
        "Wohin der Veröffentlichungs-Workflow das Hilfe-Center bringt: github-pages oder "
        "sftp (ein Webhoster in Deutschland).",
        default="github-pages",
        choices=HOSTING_PROVIDERS,
    )
    name: str | None = key(
        "Name des Webhosters, genannt in der Datenschutzerklärung: Pflicht bei sftp, bei "
        "github-pages nicht erlaubt.",
        default=None,
    )
    address: str | None = key(
        "Anschrift des Webhosters in einer Zeile: Pflicht bei sftp, bei github-pages nicht "
        "erlaubt.",
        default=None,
    )
