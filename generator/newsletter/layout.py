"""The email layout: one Jinja template and one stylesheet around the rendered body."""

from __future__ import annotations

from functools import cache

import jinja2
from markupsafe import Markup

from generator.core.settings import Settings
from generator.newsletter.unsubscribe import one_click

REASON = (
    "Sie erhalten diese E-Mail, weil Sie als Mitglied von {platform} dem Empfang unseres "
    "Newsletters zugestimmt haben (Double-Opt-in)."
)
SERVICE_REASON = (
    "Sie erhalten diese Servicenachricht als Mitglied von {platform}, weil sie Ihre "
    "Mitgliedschaft betrifft. Wir senden sie unabhängig von Ihrer Newsletter-Einwilligung; "
    "sie enthält keine Werbung."
)


@cache
def environment() -> jinja2.Environment:
    """The templates of ``newsletter/templates/``, autoescaped."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("generator.newsletter", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


@cache
def stylesheet() -> str:
    """The email stylesheet (inlined once per newsletter)."""
    loader = environment().loader
    assert loader is not None
    text, _, _ = loader.get_source(environment(), "email.css")
    return text


@cache
def client_fixes() -> str:
    """The ``<style>`` block of client fixes: Apple Mail's data detectors, Outlook.com's dark
    mode, Samsung Mail's message width and Gmail's download button over images.

    Its rules match nothing when the CSS is inlined (they select attributes the clients add
    later), so it joins the email after inlining, untouched by either inliner.
    """
    return environment().get_template("client-fixes.html.j2").render()


def with_client_fixes(inlined: str) -> str:
    """The inlined email with the client fixes at the end of its head."""
    return inlined.replace("</head>", client_fixes() + "</head>", 1)


def reason(settings: Settings, kind: str = "newsletter") -> str:
    """Why the member receives the email (first line of the footer): consent, or a service."""
    text = SERVICE_REASON if kind == "service" else REASON
    return text.format(platform=settings.platform_name)


def impressum_lines(settings: Settings) -> list[str]:
    """The provider identification (§ 5 DDG), line by line, for both parts of every email."""
    operator = settings.operator
    return [
        operator.name,
        operator.street,
        f"{operator.city}, {operator.country}",
        f"Telefon: {operator.phone}",
        f"E-Mail: {operator.email}",
        f"Registergericht: {operator.register}",
        f"USt-IdNr.: {operator.vat_id}",
        operator.representatives,
    ]


def page(
    settings: Settings,
    *,
    subject: str,
    preheader: str,
    body: str,
    title: str = "",
    archive_url: str,
    unsubscribe_url: str,
    kind: str = "newsletter",
    home_url: str = "",
) -> str:
    """The whole email document around ``body`` (HTML of the Markdown), before inlining;
    ``title`` is its visible ``h1`` (empty when the body has its own); ``home_url`` is where
    the logo leads (the platform's start page with the newsletter's UTM fields)."""
    return (
        environment()
        .get_template("layout.html.j2")
        .render(
            subject=subject,
            preheader=preheader,
            title=title,
            css=Markup(stylesheet()),
            body=Markup(body),
            archive_url=archive_url,
            platform_url=home_url or settings.platform_url,
            platform_name=settings.platform_name,
            logo_url=settings.newsletter.logo_url,
            unsubscribe_url=unsubscribe_url,
            one_click=one_click(settings.newsletter),
            reason=reason(settings, kind),
            impressum=impressum_lines(settings),
        )
    )
