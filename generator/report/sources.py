"""What the report knows of each newsletter from its source: subject, date, audience, campaign."""

from __future__ import annotations

from generator.core.facts import load_facts
from generator.core.settings import Project
from generator.newsletter.email import title_of
from generator.newsletter.facts import with_facts
from generator.newsletter.source import newsletter_sources, parse_newsletter
from generator.report.figures import Edition


def editions(project: Project) -> dict[str, Edition]:
    """slug → what its source says; a source with problems still gives what it can."""
    found: dict[str, Edition] = {}
    facts = load_facts(project)  # a subject may name a fact: the report shows it filled in
    sources, _problems = newsletter_sources(project)  # `check` reports them; the report reads
    for source in sources:
        newsletter, _ = parse_newsletter(source)
        if newsletter is not None:
            newsletter, _ = with_facts(newsletter, facts)
            found[newsletter.slug] = Edition(
                subject=title_of(newsletter.subject) or newsletter.slug,
                date=newsletter.date if newsletter.date.year > 1 else None,
                audience=newsletter.audience,
                utm_campaign=newsletter.utm_campaign,
            )
    return found
