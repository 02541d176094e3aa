"""``rundbrief preview``: the site with drafts, rebuilt on every saved change."""

from __future__ import annotations

import shutil
from collections.abc import Callable

from generator import build as pipeline
from generator.core.facts import FACTS_FILE
from generator.core.i18n import _
from generator.core.output import write_atomic
from generator.core.problems import ProblemsFound
from generator.core.settings import Project
from generator.editor.pages import FOLDER, PROBLEMS, problems_report
from generator.newsletter import preview as newsletter_preview
from generator.site import builder


def run_preview(project: Project, host: str, port: int, log: Callable[[str], None]) -> None:
    """Build into a preview folder and serve it; a broken source shows its problems, not a crash."""
    folder = project.state_dir / "preview"
    site_dir = folder / "site"

    def rebuild() -> None:
        shutil.rmtree(folder / "docs", ignore_errors=True)
        staged = pipeline.stage(project, drafts=True)
        problems = list(staged.problems)
        for problem in staged.problems:
            log(str(problem))
        try:
            # Edit buttons in the preview only: members never see them on the published site.
            pipeline.build_site_into(
                project, staged, site_dir, folder / "docs", edit_links=True, csp=False
            )
            # What build would refuse as active content, named while the writer looks.
            for problem in pipeline.scan_written(project, staged, site_dir, folder / "none"):
                log(str(problem))
        except ProblemsFound as error:
            problems += error.problems
            for problem in error.problems:
                log(str(problem))
        # The editor at /admin/ shows the problems of the file it has open.
        write_atomic(site_dir / FOLDER / PROBLEMS, problems_report(project, staged.index, problems))
        # Every newsletter at 600 and 375 px, drafts too, from the same checked render.
        newsletter_preview.write_preview(
            project, site_dir, list(staged.newsletters), list(staged.unreadable)
        )
        log(_("Preview rebuilt."))

    rebuild()
    watch = [
        project.content_dir,
        project.newsletters_dir,
        project.assets_dir,
        project.mkdocs_file,
        project.root / "overrides",
        project.root / FACTS_FILE,
    ]
    builder.serve(site_dir, rebuild, watch, host, port)
