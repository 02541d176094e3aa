"""The project: where its folders are, and the settings in ``rundbrief.yml``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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
            "One-click unsubscribe endpoint (RFC 8058).",
            required=True,
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
            "CSS inliner: premailer (default) or css-inline (needs rundbrief[fast]).",
            default="premailer",
            choices=("premailer", "css-inline"),
        ),
    ),
)

ANNOUNCEMENT = Schema(
    "announcement",
    (
        Field(
            "text", "text", "One sentence shown above every page of the help site.", required=True
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
            "When the phone line is staffed, shown next to operator.phone on the help site.",
        ),
        Field(
            "announcement",
            "mapping",
            "A banner above every page until a date, e.g. for a changed debit day.",
            schema=ANNOUNCEMENT,
        ),
    ),
)

SETTINGS = Schema(
    SETTINGS_FILE,
    (
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
            "help_site",
            "mapping",
            "The help site: contact article and announcement banner.",
            schema=HELP_SITE,
        ),
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
    announcement: Announcement | None = None


@dataclass(frozen=True)
class Settings:
    """All settings of ``rundbrief.yml``."""

    platform_name: str
    platform_url: str
    referral_url: str
    member_fields: tuple[str, ...]
    own_domains: tuple[str, ...]
    operator: Operator
    newsletter: NewsletterSettings
    help_site: HelpSiteSettings = HelpSiteSettings()


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
            [Problem(SETTINGS_FILE, 0, "settings file not found; is this a rundbrief repository?")]
        )
    source = read_source(path, root)
    if isinstance(source, Problem):
        raise ProblemsFound([source])
    loaded, problems = load_yaml_file(source, SETTINGS)
    site_url = _site_url(root)
    if isinstance(site_url, Problem):
        problems.append(site_url)
    if problems or loaded is None or isinstance(site_url, Problem):
        raise ProblemsFound(problems)
    return Project(root, _settings(loaded[0]), site_url)


def _settings(values: dict[str, Any]) -> Settings:
    return Settings(
        platform_name=values["platform_name"],
        platform_url=values["platform_url"],
        referral_url=values["referral_url"],
        member_fields=tuple(values["member_fields"]),
        own_domains=tuple(values["own_domains"]),
        operator=Operator(**values["operator"]),
        newsletter=NewsletterSettings(**values["newsletter"]),
        help_site=_help_site(values["help_site"] or {}),
    )


def _help_site(values: dict[str, Any]) -> HelpSiteSettings:
    announcement = values.get("announcement")
    return HelpSiteSettings(
        contact_page=values.get("contact_page"),
        support_hours=values.get("support_hours"),
        announcement=Announcement(**announcement) if announcement else None,
    )


class _MkdocsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml for its plain keys; tags such as !ENV or !!python/name stay opaque."""


_MkdocsLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def _site_url(root: Path) -> str | Problem:
    path = root / "mkdocs.yml"
    if not path.is_file():
        return Problem("mkdocs.yml", 0, "file not found")
    source = read_source(path, root)
    if isinstance(source, Problem):
        return source
    try:
        data = yaml.load(source.text, Loader=_MkdocsLoader)  # noqa: S506 - safe loader subclass
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        return Problem("mkdocs.yml", line, f"invalid YAML: {error.problem}")
    url = data.get("site_url") if isinstance(data, dict) else None
    if not isinstance(url, str) or https_url(url):
        return Problem(
            "mkdocs.yml", 1, "site_url: expected the absolute https:// URL of the help site"
        )
    return url if url.endswith("/") else url + "/"
