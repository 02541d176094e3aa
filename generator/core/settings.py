"""The project: where its folders are, and the settings in ``rundbrief.yml``."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.core.arguments import git_remote
from generator.core.i18n import _
from generator.core.problems import Problem, ProblemsFound
from generator.core.schema import Field, Schema, email_address, https_url
from generator.core.sources import load_yaml_file, read_source

SETTINGS_FILE = "rundbrief.yml"


OPERATOR = Schema(
    "operator",
    (
        Field("name", "text", "Legal name of the platform operator.", required=True),
        Field("street", "text", "Street and number of the postal address.", required=True),
        Field("city", "text", "Postcode and city.", required=True),
        Field("country", "text", "Country of the postal address.", default="Deutschland"),
        Field("phone", "text", "Telephone number for the Impressum.", required=True),
        Field(
            "email",
            "text",
            "Contact address for the Impressum.",
            required=True,
            check=email_address,
        ),
        Field("register", "text", "Commercial register court and number.", required=True),
        Field("vat_id", "text", "VAT identification number.", required=True),
        Field("representatives", "text", "Who represents the company (board).", required=True),
    ),
)

NEWSLETTER = Schema(
    "newsletter",
    (
        Field("from_name", "text", "Display name in From.", required=True),
        Field(
            "from_address",
            "text",
            "Sender address; its domain must pass SPF/DKIM/DMARC.",
            required=True,
            check=email_address,
        ),
        Field("reply_to", "text", "Where replies go.", required=True, check=email_address),
        Field("list_id", "text", "List-Id header value, a domain-like name.", required=True),
        Field(
            "unsubscribe_url",
            "text",
            "One-click unsubscribe endpoint (RFC 8058); without it, unsubscribing is by mail.",
            default="",
            check=https_url,
        ),
        Field(
            "unsubscribe_mailto",
            "text",
            "Address for mailto unsubscribe.",
            required=True,
            check=email_address,
        ),
        Field(
            "logo_url",
            "text",
            "Absolute https URL of the logo image in the email header.",
            required=True,
            check=https_url,
        ),
        Field(
            "inliner",
            "text",
            "CSS inliner: css-inline (default) or premailer.",
            default="css-inline",
            choices=("css-inline", "premailer"),
        ),
        Field(
            "bounce_address",
            "text",
            "Envelope sender base for VERP: bounce@d gives bounce+<member token>@d per message.",
            default="",
            check=email_address,
        ),
    ),
)

FEEDBACK = Schema(
    "feedback",
    (
        Field(
            "folder",
            "text",
            "IMAP folder that bounces and unsubscribes arrive in.",
            default="INBOX",
        ),
        Field(
            "processed_folder",
            "text",
            "IMAP folder that recognised messages are moved to.",
            default="Verarbeitet",
        ),
        Field(
            "soft_bounce_limit",
            "integer",
            "Soft bounces in a row (distinct newsletters) after which an address is suppressed.",
            default=3,
            check=lambda n: None if n >= 1 else f"expected at least 1, got {n}",
        ),
    ),
)

HOSTING_PROVIDERS = ("github-pages", "sftp")

HOSTING = Schema(
    "hosting",
    (
        Field(
            "provider",
            "text",
            "Where the publish workflow deploys the site: github-pages or sftp (a web host in Germany).",
            default="github-pages",
            choices=HOSTING_PROVIDERS,
        ),
        Field("name", "text", "Name of the web host (sftp only), named in the privacy policy."),
        Field("address", "text", "Postal address of the web host (sftp only), on one line."),
    ),
)

REVIEW = Schema(
    "review",
    (
        Field(
            "members_file",
            "text",
            "Members file outside git in which rundbrief review counts each audience.",
        ),
    ),
)

ANNOUNCEMENT = Schema(
    "announcement",
    (
        Field(
            "text",
            "text",
            "One sentence shown above every page of the help site (may name facts).",
            required=True,
        ),
        Field(
            "link",
            "text",
            "Where 'Mehr erfahren' leads: an article (content path, e.g. zahlungen/x.md) or https URL.",
        ),
        Field("until", "date", "Last day the banner is shown (YYYY-MM-DD).", required=True),
    ),
)

HELP_SITE = Schema(
    "help_site",
    (
        Field(
            "contact_page",
            "text",
            "Article on how to reach support (content path, e.g. support/kontakt.md).",
        ),
        Field(
            "support_hours",
            "text",
            "When the phone line is staffed, shown next to operator.phone on the help site "
            "(may name a fact: {{ fakt.servicezeiten }}).",
        ),
        Field(
            "support_email",
            "text",
            "The member service's address under every article (default operator.email; "
            "may name a fact: {{ fakt.support_email }}).",
        ),
        Field(
            "announcement",
            "mapping",
            "A banner above every page until a date, e.g. for a changed debit day.",
            schema=ANNOUNCEMENT,
        ),
    ),
)


def _between(value: float, low: float, high: float) -> str | None:
    if low <= value <= high:
        return None
    return _("expected a number from {low} to {high}, got {value}").format(
        low=low, high=high, value=value
    )


ADVERTISING_WORDS = [
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
]
"""Words a service notice may not hold (it goes out without newsletter consent)."""

SENDING = Schema(
    "sending",
    (
        Field(
            "remote",
            "text",
            "Git remote whose main branch holds what the founder approved.",
            default="origin",
            check=git_remote,
        ),
        Field(
            "min_share",
            "number",
            "Refuse a send when fewer members of the audience qualify (0 to 1).",
            default=0.5,
            check=lambda value: _between(value, 0, 1),
        ),
        Field(
            "connections",
            "integer",
            "SMTP connections at once (default of send --connections).",
            default=4,
            check=lambda value: _between(value, 1, 64),
        ),
        Field(
            "advertising_words",
            "texts",
            "Words that make a service notice advertising (refused in kind: service).",
            default=ADVERTISING_WORDS,
        ),
    ),
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

COLUMNS = Schema(
    "members.columns",
    tuple(
        Field(name, "text", f"Column header of {name} (default: {name}).", default=name)
        for name in MEMBER_COLUMNS
    ),
)

MEMBERS = Schema(
    "members",
    (
        Field(
            "columns",
            "mapping",
            "Column headers of the members file as the platform exports it, by field.",
            schema=COLUMNS,
        ),
        Field(
            "segments",
            "texts",
            "Segments a newsletter's audience may name (alle is always allowed).",
            default=[],
        ),
    ),
)


def time_zone(value: str) -> str | None:
    """Check: an IANA time zone such as Europe/Berlin."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return _("expected a time zone such as Europe/Berlin, got '{value}'").format(value=value)
    return None


SETTINGS = Schema(
    SETTINGS_FILE,
    (
        Field(
            "language",
            "text",
            "Language of rundbrief's own messages: de (default) or en.",
            default="de",
            choices=("de", "en"),
        ),
        Field("platform_name", "text", "Name of the platform as members know it.", required=True),
        Field("platform_url", "text", "Home page of the platform.", required=True, check=https_url),
        Field(
            "referral_url",
            "text",
            "Landing page that referral links point to (gets ref and UTM).",
            required=True,
            check=https_url,
        ),
        Field(
            "member_fields",
            "texts",
            "Extra members-file columns usable as merge fields.",
            default=[],
        ),
        Field(
            "own_domains",
            "texts",
            "Domains whose links get UTM parameters (subdomains included).",
            required=True,
        ),
        Field(
            "operator",
            "mapping",
            "Provider identification (Impressum, § 5 DDG).",
            required=True,
            schema=OPERATOR,
        ),
        Field(
            "newsletter",
            "mapping",
            "Sender settings for newsletters.",
            required=True,
            schema=NEWSLETTER,
        ),
        Field(
            "feedback",
            "mapping",
            "Reading bounces and unsubscribes (rundbrief feedback).",
            schema=FEEDBACK,
        ),
        Field(
            "hosting",
            "mapping",
            "Where the help site is hosted; the privacy policy says the same.",
            schema=HOSTING,
        ),
        Field(
            "review",
            "mapping",
            "Settings of rundbrief review.",
            default={},
            schema=REVIEW,
        ),
        Field(
            "help_site",
            "mapping",
            "The help site: contact article and announcement banner.",
            schema=HELP_SITE,
        ),
        Field(
            "timezone",
            "text",
            "Time zone of members-file times written without an offset.",
            default="Europe/Berlin",
            check=time_zone,
        ),
        Field("sending", "mapping", "How newsletters are sent.", schema=SENDING),
        Field("members", "mapping", "How the members file is read.", schema=MEMBERS),
    ),
)


@dataclass(frozen=True)
class Operator:
    """The company behind the platform, as the Impressum names it."""

    name: str
    street: str
    city: str
    country: str
    phone: str
    email: str
    register: str
    vat_id: str
    representatives: str

    @property
    def address(self) -> str:
        """Postal address on one line."""
        return f"{self.street}, {self.city}"


@dataclass(frozen=True)
class NewsletterSettings:
    """How newsletters are sent and what they carry in every message."""

    from_name: str
    from_address: str
    reply_to: str
    list_id: str
    unsubscribe_url: str
    unsubscribe_mailto: str
    logo_url: str
    inliner: str
    bounce_address: str = ""


@dataclass(frozen=True)
class FeedbackSettings:
    """Where `rundbrief feedback` reads and files messages, and when soft bounces suppress."""

    folder: str
    processed_folder: str
    soft_bounce_limit: int


@dataclass(frozen=True)
class Hosting:
    """Where the publish workflow deploys the help site (and what the privacy policy says)."""

    provider: str = "github-pages"
    name: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class ReviewSettings:
    """What ``rundbrief review`` needs beyond the repository."""

    members_file: str | None = None


@dataclass(frozen=True)
class Announcement:
    """A banner above every page of the help site, shown until (and including) a date."""

    text: str
    link: str | None
    until: dt.date


@dataclass(frozen=True)
class HelpSiteSettings:
    """What the help site shows from the settings besides the operator's contact data."""

    contact_page: str | None = None
    support_hours: str | None = None
    support_email: str | None = None
    announcement: Announcement | None = None


@dataclass(frozen=True)
class SendingSettings:
    """The approval remote, the shrunken-send guard, connections and service-notice words."""

    remote: str
    min_share: float
    connections: int
    advertising_words: tuple[str, ...]


@dataclass(frozen=True)
class MembersSettings:
    """How the members file is read: its column headers by field, and the known segments."""

    columns: tuple[tuple[str, str], ...]
    segments: tuple[str, ...]

    def column(self, name: str) -> str:
        """The header of field ``name`` in the members file."""
        return dict(self.columns).get(name, name)


@dataclass(frozen=True)
class Settings:
    """All settings of ``rundbrief.yml``."""

    language: str
    platform_name: str
    platform_url: str
    referral_url: str
    member_fields: tuple[str, ...]
    own_domains: tuple[str, ...]
    operator: Operator
    newsletter: NewsletterSettings
    feedback: FeedbackSettings
    timezone: str = "Europe/Berlin"
    sending: SendingSettings = SendingSettings("origin", 0.5, 4, tuple(ADVERTISING_WORDS))
    members: MembersSettings = MembersSettings((), ())
    hosting: Hosting = Hosting()
    review: ReviewSettings = field(default=ReviewSettings(), repr=False)
    """Not part of the repr: the newsletter cache keys on the repr, and this shapes no email."""
    help_site: HelpSiteSettings = field(default=HelpSiteSettings(), repr=False)
    """Not part of the repr either: it shapes the site, not the emails."""


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
    if loaded is not None:
        problems += _hosting_problems(loaded[0]["hosting"] or {}, loaded[1])
    site_url = _site_url(root)
    if isinstance(site_url, Problem):
        problems.append(site_url)
    if problems or loaded is None or isinstance(site_url, Problem):
        raise ProblemsFound(problems)
    return Project(root, _settings(loaded[0]), site_url)


def _settings(values: dict[str, Any]) -> Settings:
    return Settings(
        language=values["language"],
        platform_name=values["platform_name"],
        platform_url=values["platform_url"],
        referral_url=values["referral_url"],
        member_fields=tuple(values["member_fields"]),
        own_domains=tuple(values["own_domains"]),
        operator=Operator(**values["operator"]),
        newsletter=NewsletterSettings(**values["newsletter"]),
        feedback=FeedbackSettings(
            **{f.name: f.default for f in FEEDBACK.fields} | (values["feedback"] or {})
        ),
        hosting=Hosting(**(values["hosting"] or {})),
        review=ReviewSettings(**(values["review"] or {})),
        help_site=_help_site(values["help_site"] or {}),
        timezone=values["timezone"],
        sending=_sending(values["sending"] or SENDING.defaults()),
        members=_members(values["members"] or MEMBERS.defaults()),
    )


def _sending(values: dict[str, Any]) -> SendingSettings:
    return SendingSettings(
        remote=values["remote"],
        min_share=float(values["min_share"]),
        connections=values["connections"],
        advertising_words=tuple(values["advertising_words"]),
    )


def _members(values: dict[str, Any]) -> MembersSettings:
    columns = values["columns"] or COLUMNS.defaults()
    return MembersSettings(
        columns=tuple((name, columns[name]) for name in MEMBER_COLUMNS),
        segments=tuple(values["segments"]),
    )


def _help_site(values: dict[str, Any]) -> HelpSiteSettings:
    announcement = values.get("announcement")
    return HelpSiteSettings(
        contact_page=values.get("contact_page"),
        support_hours=values.get("support_hours"),
        support_email=values.get("support_email"),
        announcement=Announcement(**announcement) if announcement else None,
    )


def _hosting_problems(values: dict[str, Any], lines: dict[str, int]) -> list[Problem]:
    """A German web host must be named for the privacy policy; GitHub Pages names itself."""
    provider = values.get("provider") or "github-pages"
    line = lines.get("hosting.provider", lines.get("hosting", 1))
    problems = []
    for key in ("name", "address"):
        given = values.get(key)
        if provider == "sftp" and not given:
            problems.append(
                Problem(
                    SETTINGS_FILE,
                    line,
                    _(
                        "hosting.{key}: required with provider sftp (named in the privacy policy)"
                    ).format(key=key),
                )
            )
        elif provider != "sftp" and given:
            problems.append(
                Problem(
                    SETTINGS_FILE,
                    lines[f"hosting.{key}"],
                    _("hosting.{key}: only for provider sftp; {provider} names itself").format(
                        key=key, provider=provider
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
