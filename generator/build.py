"""The whole pipeline on one screen: read, validate, generate, build, swap in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.core.gitinfo import revision_dates
from generator.core.output import publish, staging_dir
from generator.core.problems import Problem, ProblemsFound, raise_if_errors
from generator.core.settings import Project
from generator.marketing.pages import stage_marketing
from generator.newsletter import archive
from generator.site import builder as site
from generator.site import pages as helppages
from generator.site import theme
from generator.site.stage import Page, StaticFile, build_nav, generated, write_tree


@dataclass(frozen=True)
class Staged:
    """Everything the site builder and the build folder will get, validated."""

    pages: tuple[Page, ...]
    files: tuple[StaticFile, ...]
    outputs: tuple[StaticFile, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class BuildResult:
    """What a build produced, for the summary line."""

    pages: int
    warnings: tuple[Problem, ...]


def stage(project: Project, *, drafts: bool) -> Staged:
    """Read and validate every source and generate the pages of the staged tree."""
    content, problems = helppages.load_help_content(project)
    dates = revision_dates(project.root, "content")
    pages = helppages.staged_pages(content, drafts=drafts, revision_dates=dates)
    files = list(content.files)
    outputs: list[StaticFile] = []  # files under build/, e.g. newsletters/<slug>/email.html

    newsletters = archive.stage_newsletters(project)  # emails for build/, archive for the site
    pages += generated(theme.archived(newsletters.pages))
    files += newsletters.files
    outputs += newsletters.outputs
    problems += newsletters.problems

    marketing = stage_marketing(project)  # Werbemittel: section pages, downloads, build/ files
    pages += generated(marketing.pages)
    files += marketing.files
    outputs += marketing.outputs
    problems += marketing.problems

    available = {page.path for page in pages} | {item.path for item in files}
    hidden = set() if drafts else helppages.draft_paths(content)
    problems += helppages.check_links(pages, available, hidden)
    problems += theme.check(project, available - hidden)
    return Staged(tuple(pages), tuple(files), tuple(outputs), tuple(problems))


def check(project: Project, *, strict: bool = False) -> list[Problem]:
    """Validate everything and write nothing; return the warnings, raise on errors."""
    staged = stage(project, drafts=False)
    raise_if_errors(staged.problems, strict=strict)
    return list(staged.problems)


def build(project: Project, *, strict: bool = False, edit_links: bool = False) -> BuildResult:
    """Build ``site/`` and ``build/``; on any problem the previous outputs stay untouched."""
    staged = stage(project, drafts=False)
    raise_if_errors(staged.problems, strict=strict)
    with staging_dir(project.state_dir) as folder:
        build_site_into(project, staged, folder / "site", folder / "docs", edit_links=edit_links)
        write_tree(folder / "build", (), staged.outputs)
        # build/ also holds outboxes and kits of other commands: swap only what build owns.
        owned = sorted({item.path.split("/")[0] for item in staged.outputs})
        swaps = [(folder / "build" / name, project.build_dir / name) for name in owned]
        publish([(folder / "site", project.site_dir), *swaps])
    return BuildResult(len(staged.pages), staged.problems)


def build_site_into(
    project: Project, staged: Staged, site_dir: Path, docs_dir: Path, *, edit_links: bool = False
) -> None:
    """Write the staged tree and run the site builder on it; raise if it complains."""
    write_tree(docs_dir, staged.pages, staged.files)
    extra = {
        "rundbrief": theme.site_extra(
            project, staged.pages, edit_links=edit_links, today=date.today()
        )
    }
    problems = site.build_site(
        project.mkdocs_file, docs_dir, site_dir, build_nav(staged.pages), extra
    )
    if problems:
        raise ProblemsFound(problems)
