"""What the report knows from the sources: each newsletter's subject, date, audience, campaign;
each article's title."""

from __future__ import annotations

from generator.core.facts import load_facts
from generator.core.settings import Project
from generator.newsletter.email import title_of
from generator.newsletter.facts import with_facts
from generator.newsletter.source import newsletter_sources, parse_newsletter
from generator.report.figures import Edition
from generator.site.index import page_path_url, read_site


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


def article_titles(project: Project) -> dict[str, str]:
    """URL path (``zahlungen/paypal/``) → title of every article of ``content/``."""
    index, _problems = read_site(project)  # `check` reports them; the report reads
    return {page_path_url(article.path): article.title for article in index.articles}
