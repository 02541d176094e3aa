"""The project: where its folders are, and the settings in ``rundbrief.yml``.

Every section is declared once, as the frozen dataclass it becomes (see ``core/declare.py``):
the doc of each key is what the reference page ``docs/seiten/referenz/einstellungen.md`` and the
editor show.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.core.arguments import git_remote
from generator.core.declare import build, key, schema_of
from generator.core.i18n import _
from generator.core.problems import Problem, ProblemsFound
from generator.core.referral import short_link_form
from generator.core.schema import email_address, hinted, https_url
from generator.core.sources import load_yaml_file, read_source

SETTINGS_FILE = "rundbrief.yml"


@dataclass(frozen=True, kw_only=True)
class Operator:
    """The company behind the platform, as the Impressum names it."""

    name: str = key("Name des Unternehmens, das die Plattform betreibt (Impressum).")
    street: str = key("Straße und Hausnummer der Anschrift.")
    city: str = key("Postleitzahl und Ort.")
    country: str = key("Land der Anschrift.", default="Deutschland")
    phone: str = key("Telefonnummer für das Impressum.")
    email: str = key("Kontaktadresse für das Impressum.", check=email_address)
    register: str = key("Registergericht und Registernummer.")
    vat_id: str = key("Umsatzsteuer-Identifikationsnummer.")
    representatives: str = key("Wer das Unternehmen vertritt (Vorstand).")

    @property
    def address(self) -> str:
        """Postal address on one line."""
        return f"{self.street}, {self.city}"


@dataclass(frozen=True, kw_only=True)
class NewsletterSettings:
    """How newsletters are sent and what they carry in every message."""

    from_name: str = key("Absendername im Feld „Von“.")
    from_address: str = key(
        "Absenderadresse; ihre Domain muss SPF, DKIM und DMARC bestehen.", check=email_address
    )
    reply_to: str = key("Wohin Antworten gehen.", check=email_address)
    list_id: str = key("Wert der Kopfzeile List-Id, ein Name wie eine Domain.")
    unsubscribe_url: str = key(
        "Abmelde-Adresse mit einem Klick (RFC 8058); ohne sie meldet man sich per E-Mail ab.",
        default="",
        check=https_url,
    )
    unsubscribe_mailto: str = key(
        "Adresse für Abmeldungen per E-Mail (liest rundbrief feedback).", check=email_address
    )
    logo_url: str = key("Absolute https-Adresse des Logos im Kopf der E-Mail.", check=https_url)
    inliner: str = key(
        "Werkzeug, das das CSS in die E-Mail schreibt.",
        default="css-inline",
        choices=("css-inline", "premailer"),
    )
    bounce_address: str = key(
        "Grundadresse des Umschlag-Absenders (VERP): aus bounce@d wird je Nachricht "
        "bounce+<Mitglieds-Token>@d.",
        default="",
        check=email_address,
    )


@hinted("mindestens 1", minimum=1)
def _at_least_one(value: int) -> str | None:
    return None if value >= 1 else f"expected at least 1, got {value}"


@dataclass(frozen=True)
class FeedbackSettings:
    """Where `rundbrief feedback` reads and files messages, and when soft bounces suppress."""

    folder: str = key(
        "IMAP-Ordner, in dem Unzustellbarkeiten und Abmeldungen ankommen.", default="INBOX"
    )
    processed_folder: str = key(
        "IMAP-Ordner, in den erkannte Nachrichten verschoben werden.", default="Verarbeitet"
    )
    quarantine_folder: str = key(
        "IMAP-Ordner für Nachrichten über einer Grenze (Größe, Verschachtelung, Teile) oder "
        "unlesbare; wird angelegt.",
        default="Quarantäne",
    )
    authserv_id: str = key(
        "authserv-id des eigenen Empfangsservers in Authentication-Results: nur dessen "
        "oberstes DMARC-Ergebnis zählt für Abmeldungen ohne Token (leer: keinem trauen).",
        default="",
    )
    soft_bounce_limit: int = key(
        "Vorübergehende Unzustellbarkeiten in Folge (verschiedene Newsletter), nach denen "
        "eine Adresse gesperrt wird.",
        default=3,
        check=_at_least_one,
    )


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


@dataclass(frozen=True)
class ReviewSettings:
    """What ``rundbrief review`` needs beyond the repository."""

    members_file: str | None = key(
        "Mitgliederdatei außerhalb von git, in der rundbrief review die Empfänger jeder "
        "Zielgruppe zählt (~ erlaubt, relative Pfade ab dem Repository; "
        "RUNDBRIEF_MEMBERS_FILE hat Vorrang).",
        default=None,
    )


@dataclass(frozen=True, kw_only=True)
class Announcement:
    """A banner above every page of the help site, shown until (and including) a date."""

    text: str = key(
        "Ein Satz über jeder Seite des Hilfe-Centers (darf Fakten nennen).", names_facts=True
    )
    link: str | None = key(
        "Wohin „Mehr erfahren“ führt: ein Artikel (Pfad in content/, z. B. "
        "zahlungen/x.md) oder eine https-Adresse.",
        default=None,
    )

    until: dt.date = key("Letzter Tag, an dem der Hinweis erscheint (JJJJ-MM-TT).")


@dataclass(frozen=True)
class HelpSiteSettings:
    """What the help site shows from the settings besides the operator's contact data."""

    contact_page: str | None = key(
        "Artikel, wie man den Support erreicht (Pfad in content/, z. B. support/kontakt.md).",
        default=None,
    )
    support_hours: str | None = key(
        "Wann das Telefon besetzt ist, neben operator.phone im Hilfe-Center "
        "(darf einen Fakt nennen: {{ fakt.servicezeiten }}).",
        default=None,
        names_facts=True,
    )
    support_email: str | None = key(
        "Adresse des Mitgliederservice unter jedem Artikel (sonst operator.email; darf "
        "einen Fakt nennen: {{ fakt.support_email }}).",
        default=None,
        names_facts=True,
    )
    announcement: Announcement | None = key(
        "Ein Hinweis über jeder Seite bis zu einem Tag, z. B. für einen geänderten Lastschrifttag.",
        default=None,
    )


ADVERTISING_WORDS = (
    "Aktion",
    "Angebot",
    "Bonus",
    "Empfehlungslink",
    "Empfehlungsprogramm",
    "gratis",
    "Gutschein",
    "Prämie",
    "Rabatt",
    "werben",
    "Werbung",
)
"""Words a service notice may not hold (it goes out without newsletter consent)."""


@dataclass(frozen=True)
class SendingSettings:
    """The approval remote, the shrunken-send guard, connections and service-notice words."""

    remote: str = key(
        "Git-Remote, dessen main-Zweig enthält, was die Gründerin freigegeben hat.",
        default="origin",
        check=git_remote,  # (core/arguments: git must never read it as an option)
    )
    min_share: float = key(
        "Ein Versand wird verweigert, wenn ein kleinerer Anteil (0 bis 1) der nicht "
        "abgemeldeten Mitglieder der Zielgruppe ihn bekäme.",
        default=0.5,
        bounds=(0, 1),
    )
    connections: int = key(
        "SMTP-Verbindungen zugleich (Vorgabe von send --connections).", default=4, bounds=(1, 64)
    )
    advertising_words: tuple[str, ...] = key(
        "Wörter, die eine Service-Mitteilung zur Werbung machen (kind: service wird dann "
        "verweigert).",
        default=ADVERTISING_WORDS,
        shapes_email=True,
    )


MEMBER_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "referral_code",
    "segments",
    "opt_in_at",
    "confirmed_at",
    "unsubscribed_at",
    "unsubscribed_all_at",
)
"""The fields of the members file rundbrief knows (the last one optional)."""


def _column(name: str) -> Any:
    return key(f"Spaltenüberschrift von {name} in der Mitgliederdatei.", default=name)


@dataclass(frozen=True)
class MemberColumns:
    """The column headers of the members file as the platform exports it, by field."""

    email: str = _column("email")
    first_name: str = _column("first_name")
    last_name: str = _column("last_name")
    referral_code: str = _column("referral_code")
    segments: str = _column("segments")
    opt_in_at: str = _column("opt_in_at")
    confirmed_at: str = _column("confirmed_at")
    unsubscribed_at: str = _column("unsubscribed_at")
    unsubscribed_all_at: str = _column("unsubscribed_all_at")

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """(field, header) pairs, so that ``dict(columns)`` maps each field to its header."""
        return iter((name, getattr(self, name)) for name in MEMBER_COLUMNS)


@dataclass(frozen=True)
class MembersSettings:
    """How the members file is read: its column headers by field, and the known segments."""

    columns: MemberColumns = key(
        "Spaltenüberschriften der Mitgliederdatei, wie die Plattform sie exportiert, je Feld.",
        default=MemberColumns(),
    )
    segments: tuple[str, ...] = key(
        "Zielgruppen, die die audience eines Newsletters nennen darf (alle geht immer).",
        default=(),
        shapes_email=True,
    )

    def column(self, name: str) -> str:
        """The header of field ``name`` in the members file."""
        return str(getattr(self.columns, name, name))


SIGNUP_COLUMNS = (
    "date",
    "referral_code",
    "utm_campaign",
    "utm_source",
    "utm_medium",
    "utm_content",
)
"""The fields of the platform's sign-up export that `rundbrief report --signups` reads."""


def _signup_column(name: str) -> Any:
    return key(f"Spaltenüberschrift von {name} im Anmelde-Export.", default=name)


@dataclass(frozen=True)
class SignupColumns:
    """The column headers of the platform's sign-up export, by field."""

    date: str = _signup_column("date")
    referral_code: str = _signup_column("referral_code")
    utm_campaign: str = _signup_column("utm_campaign")
    utm_source: str = _signup_column("utm_source")
    utm_medium: str = _signup_column("utm_medium")
    utm_content: str = _signup_column("utm_content")


@dataclass(frozen=True)
class SignupSettings:
    """How `rundbrief report --signups` reads the platform's sign-up export."""

    columns: SignupColumns = key(
        "Spaltenüberschriften des Anmelde-Exports, wie die Plattform ihn exportiert, je Feld.",
        default=SignupColumns(),
    )
    referrer_names: bool = key(
        "Im Bericht bei den Empfehlungscodes die Namen der Werbenden zeigen (aus der "
        "Mitgliederdatei; sonst nur die Codes).",
        default=False,
    )


@hinted("Zeitzone wie Europe/Berlin")
def time_zone(value: str) -> str | None:
    """Check: an IANA time zone such as Europe/Berlin."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return _("expected a time zone such as Europe/Berlin, got '{value}'").format(value=value)
    return None


RESERVED_FIELDS = (*MEMBER_COLUMNS, "referral_link", "unsubscribe_url")
"""Merge fields rundbrief fills itself: an extra column may not take their name."""
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")


@hinted(
    "kleine Buchstaben, Ziffern, _; keine Spalte, die rundbrief schon kennt",
    pattern="^[a-z][a-z0-9_]*$",
    json={"not": {"enum": list(RESERVED_FIELDS)}},
)
def member_field_names(values: list[str]) -> str | None:
    """Check: extra columns usable as ``{{ member.<name> }}``, none named like a known column."""
    for name in values:
        if not _FIELD_NAME.fullmatch(name):
            return _(
                "expected names of small letters, digits and '_' (used as {example}), got '{value}'"
            ).format(example="{{ member.<name> }}", value=name)
        if name in RESERVED_FIELDS:
            return _(
                "'{value}' is a field rundbrief knows already; list only extra columns here"
            ).format(value=name)
    if len(set(values)) < len(values):
        return _("a name appears twice")
    return None


@dataclass(frozen=True, kw_only=True)
class Settings:
    """All settings of ``rundbrief.yml``; ``shapes_email`` marks what the newsletter cache keys on."""

    language: str = key(
        "Sprache der Meldungen von rundbrief selbst.", default="de", choices=("de", "en")
    )
    platform_name: str = key(
        "Name der Plattform, wie die Mitglieder sie kennen.", shapes_email=True
    )
    platform_url: str = key("Startseite der Plattform.", check=https_url, shapes_email=True)
    referral_url: str = key(
        "Landeseite, auf die Empfehlungslinks führen (bekommt ref und UTM-Felder).",
        check=https_url,
        shapes_email=True,
    )
    short_link: str | None = key(
        "Form der kurzen Empfehlungslinks in Werbemitteln und QR-Codes, mit {code}, {campaign} "
        "(Kürzel der Kampagne) und {medium} (b, s, e, p); ohne: lange Links mit UTM-Feldern.",
        default=None,
        check=short_link_form,
    )
    member_fields: tuple[str, ...] = key(
        "Weitere Spalten der Mitgliederdatei, nutzbar als {{ member.<name> }}.",
        default=(),
        check=member_field_names,
        shapes_email=True,
    )
    own_domains: tuple[str, ...] = key(
        "Domains, deren Links UTM-Felder bekommen (Subdomains eingeschlossen).",
        shapes_email=True,
    )
    operator: Operator = key(
        "Anbieterkennzeichnung (Impressum, § 5 DDG); steht in jedem Newsletter und auf jedem "
        "Flyer.",
        shapes_email=True,
    )
    newsletter: NewsletterSettings = key("Absender der Newsletter.", shapes_email=True)
    feedback: FeedbackSettings = key(
        "Unzustellbarkeiten und Abmeldungen lesen (rundbrief feedback).",
        default=FeedbackSettings(),
    )
    hosting: Hosting = key(
        "Wo das Hilfe-Center liegt; die Datenschutzerklärung sagt dasselbe.", default=Hosting()
    )
    review: ReviewSettings = key("Einstellungen von rundbrief review.", default=ReviewSettings())
    help_site: HelpSiteSettings = key(
        "Das Hilfe-Center: Kontakt-Artikel, Servicezeiten und Hinweis über jeder Seite.",
        default=HelpSiteSettings(),
    )
    timezone: str = key(
        "Zeitzone für Zeiten der Mitgliederdatei, die ohne Abstand zu UTC geschrieben sind.",
        default="Europe/Berlin",
        check=time_zone,
    )
    sending: SendingSettings = key("Wie Newsletter verschickt werden.", default=SendingSettings())
    members: MembersSettings = key(
        "Wie die Mitgliederdatei gelesen wird.", default=MembersSettings()
    )
    signups: SignupSettings = key(
        "Wie rundbrief report --signups den Anmelde-Export der Plattform liest.",
        default=SignupSettings(),
    )


SETTINGS = schema_of(Settings, SETTINGS_FILE)


@dataclass(frozen=True)
class Project:
    """A rundbrief repository on disk with its settings."""

    root: Path
    settings: Settings
    site_url: str

    @property
    def content_dir(self) -> Path:
        """Help articles."""
        return self.root / "content"

    @property
    def newsletters_dir(self) -> Path:
        """Newsletter sources."""
        return self.root / "newsletters"

    @property
    def assets_dir(self) -> Path:
        """Marketing campaign sources."""
        return self.root / "marketing-assets"

    @property
    def site_dir(self) -> Path:
        """The built help site."""
        return self.root / "site"

    @property
    def build_dir(self) -> Path:
        """Built emails, assets, kits and outboxes."""
        return self.root / "build"

    @property
    def state_dir(self) -> Path:
        """Local state outside git: journal, caches, staging folders."""
        return self.root / ".rundbrief"

    @property
    def mkdocs_file(self) -> Path:
        """The site builder's configuration."""
        return self.root / "mkdocs.yml"


def load_project(root: Path) -> Project:
    """Read and validate ``rundbrief.yml`` and the site URL; raise ProblemsFound if wrong."""
    root = root.resolve()
    path = root / SETTINGS_FILE
    if not path.is_file():
        raise ProblemsFound(
            [
                Problem(
                    SETTINGS_FILE,
                    0,
                    _("settings file not found; is this a rundbrief repository?"),
                )
            ]
        )
    source = read_source(path, root)
    if isinstance(source, Problem):
        raise ProblemsFound([source])
    loaded, problems = load_yaml_file(source, SETTINGS)
    settings = build(Settings, loaded[0]) if loaded is not None else None
    if settings is not None and loaded is not None:
        problems += _hosting_problems(settings.hosting, loaded[1])
    site_url = _site_url(root)
    if isinstance(site_url, Problem):
        problems.append(site_url)
    if problems or settings is None or isinstance(site_url, Problem):
        raise ProblemsFound(problems)
    return Project(root, settings, site_url)


def _hosting_problems(hosting: Hosting, lines: dict[str, int]) -> list[Problem]:
    """A German web host must be named for the privacy policy; GitHub Pages names itself."""
    provider = hosting.provider
    line = lines.get("hosting.provider", lines.get("hosting", 1))
    problems = []
    for name in ("name", "address"):
        given = getattr(hosting, name)
        if provider == "sftp" and not given:
            problems.append(
                Problem(
                    SETTINGS_FILE,
                    line,
                    _(
                        "hosting.{key}: required with provider sftp (named in the privacy policy)"
                    ).format(key=name),
                )
            )
        elif provider != "sftp" and given:
            problems.append(
                Problem(
                    SETTINGS_FILE,
                    lines[f"hosting.{name}"],
                    _("hosting.{key}: only for provider sftp; {provider} names itself").format(
                        key=name, provider=provider
                    ),
                )
            )
    return problems


class _MkdocsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml for its plain keys; tags such as !ENV or !!python/name stay opaque."""


_MkdocsLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def _site_url(root: Path) -> str | Problem:
    path = root / "mkdocs.yml"
    if not path.is_file():
        return Problem("mkdocs.yml", 0, _("file not found"))
    source = read_source(path, root)
    if isinstance(source, Problem):
        return source
    try:
        data = yaml.load(source.text, Loader=_MkdocsLoader)  # noqa: S506 - safe loader subclass
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        return Problem("mkdocs.yml", line, _("invalid YAML: {error}").format(error=error.problem))
    url = data.get("site_url") if isinstance(data, dict) else None
    if not isinstance(url, str) or https_url(url):
        return Problem(
            "mkdocs.yml", 1, _("site_url: expected the absolute https:// URL of the help site")
        )
    return url if url.endswith("/") else url + "/"
