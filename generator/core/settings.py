"""The project: where its folders are, and the settings in ``rundbrief.yml``.

Every section is declared once, as the frozen dataclass it becomes (see ``core/declare.py``),
in its capability's module under ``core/sections/``; ``Settings`` below composes them. The doc of
each key is what the reference page ``docs/seiten/referenz/einstellungen.md`` and the editor show.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.core.declare import build, key, schema_of
from generator.core.i18n import _
from generator.core.problems import Problem, ProblemsFound
from generator.core.referral import short_link_form
from generator.core.schema import hinted, https_url
from generator.core.sections.feedback import FeedbackSettings
from generator.core.sections.help_site import HelpSiteSettings
from generator.core.sections.hosting import Hosting
from generator.core.sections.kits import KitSettings
from generator.core.sections.members import MEMBER_COLUMNS, MembersSettings, SignupSettings
from generator.core.sections.newsletter import NewsletterSettings
from generator.core.sections.operator import Operator
from generator.core.sections.report import ReportSettings
from generator.core.sections.review import ReviewSettings
from generator.core.sections.sending import SendingSettings
from generator.core.sources import load_yaml_file, read_source

SETTINGS_FILE = "rundbrief.yml"


@hinted("Zeitzone wie Europe/Berlin")
def time_zone(value: str) -> str | None:
    """Check: an IANA time zone such as Europe/Berlin."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return _("expected a time zone such as Europe/Berlin, got '{value}'").format(value=value)
    return None


RESERVED_FIELDS = (*MEMBER_COLUMNS, "referral_link", "unsubscribe_url", "werbemittel_url")
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
    report: ReportSettings = key(
        "Wer den Versandbericht per E-Mail bekommt (rundbrief report --mail).",
        default=ReportSettings(),
    )
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
    kits: KitSettings = key(
        "Persönliche Werbemittel der Mitglieder (rundbrief kits) und der Link darauf.",
        default=KitSettings(),
        shapes_email=True,
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
                    _(
                        "settings file rundbrief.yml not found; start the command in the "
                        "repository's folder, or name that folder with -C FOLDER"
                    ),
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
