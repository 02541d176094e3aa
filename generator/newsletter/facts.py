"""Facts in a newsletter: filled into subject, preheader and body before anything is rendered.

A newsletter is dated, so a fact that changes on a day is filled in with the value valid on the
newsletter's ``date`` (``{{ fakt.lastschrift_tag }}``); ``am``/``ab``/``bis`` name another day.
Values are single lines without braces: the body keeps its lines, and no merge field or other
template syntax can come in through a fact.
"""

from __future__ import annotations

from dataclasses import replace

from generator.core.facts import Facts, line_problems
from generator.core.problems import Problem
from generator.newsletter.source import Newsletter


def with_facts(newsletter: Newsletter, facts: Facts) -> tuple[Newsletter, list[Problem]]:
    """The newsletter with every fact filled in, and a problem at the line of each that is not."""
    document = newsletter.document
    rel, day = document.rel, newsletter.date
    body, found = facts.fill(document.body, on=day)
    problems = line_problems(rel, document.body_line, document.body, found)
    subject, found = facts.fill(newsletter.subject, on=day)
    problems += [Problem(rel, document.line_of("subject"), f"subject: {i.message}") for i in found]
    preheader, found = facts.fill(newsletter.preheader, on=day)
    problems += [
        Problem(rel, document.line_of("preheader"), f"preheader: {i.message}") for i in found
    ]
    if (body, subject, preheader) == (document.body, newsletter.subject, newsletter.preheader):
        return newsletter, problems
    meta = {**document.meta, "subject": subject, "preheader": preheader}
    filled = replace(document, body=body, meta=meta)
    return replace(newsletter, document=filled, subject=subject, preheader=preheader), problems
