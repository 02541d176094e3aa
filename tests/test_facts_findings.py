"""Findings of the hostile run about fakten.yml (issue 17): R-34 and R-35."""

from __future__ import annotations

from conftest import stderr_lines

from generator.core.facts import FACTS_FILE
from generator.core.i18n import _

ARTICLE = (
    "---\ntitle: Start\ndescription: Eine Seite mit genug Text für die Beschreibung.\n---\n"
    "Der Beitrag beträgt {{ fakt.beitrag }}.\n"
    "Die Gebühr beträgt {{ fakt.gebuehr }}.\n"
)


def test_one_tagged_fact_breaks_only_that_fact(make_project, cli):
    """R-34: a YAML tag on one fact made every fact of the file unusable."""
    facts = "beitrag:\n  wert: 4,90 €\ngebuehr:\n  wert: !!python/object 15 €\n"
    root = make_project({FACTS_FILE: facts, "content/index.md": ARTICLE})
    result = cli(root, "check")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    tagged = [line for line in lines if line.startswith(f"{FACTS_FILE}:4: ")]
    assert len(tagged) == 1 and "!!python/object" in tagged[0], lines
    # The untagged fact is still known; only the reference to the tagged one is a problem.
    assert not any("fakt.beitrag" in line for line in lines), lines
    assert (
        "content/index.md:6: "
        + _("fakt.{name} cannot be used until the problem in {file} is fixed").format(
            name="gebuehr", file=FACTS_FILE
        )
        in lines
    )
    assert len(lines) == 2, lines


def test_a_tag_on_a_fact_name_or_a_change_is_refused_at_its_line(make_project, cli):
    facts = (
        "beitrag:\n  wert: 4,90 €\n"
        "gebuehr: !eigen\n  wert: 15 €\n"  # 3
        "tag:\n  wert: 1\n  ab:\n    2027-01-01: !!binary eA==\n"  # 8
    )
    root = make_project({FACTS_FILE: facts, "content/index.md": ARTICLE})
    result = cli(root, "check")
    at = [line.split(": ", 1)[0] for line in stderr_lines(result)]
    assert f"{FACTS_FILE}:3" in at and f"{FACTS_FILE}:8" in at, at


def test_a_change_that_changes_nothing_is_a_problem(make_project, cli):
    """R-35: a dated change to the value that already holds was accepted (and reviewed)."""
    facts = (
        "beitrag:\n  wert: 4,90 €\n"
        "gebuehr:\n"
        "  wert: 15 €\n"
        "  ab:\n"
        "    2027-01-01: 15 €\n"  # 6: the same value
        "    2028-01-01: 20 €\n"
        "    2029-01-01: 20 €\n"  # 8: the same as the change before it
    )
    article = ARTICLE.replace("{{ fakt.gebuehr }}", '{{ fakt.gebuehr | am("2028-01-01") }}')
    root = make_project({FACTS_FILE: facts, "content/index.md": article})
    result = cli(root, "check")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    message = _("{key}: the value is the same as before ({value}): this changes nothing")
    assert lines == [
        f"{FACTS_FILE}:6: " + message.format(key="gebuehr.ab.2027-01-01", value="15 €"),
        f"{FACTS_FILE}:8: " + message.format(key="gebuehr.ab.2029-01-01", value="20 €"),
    ], lines
