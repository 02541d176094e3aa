"""``rundbrief preview``: the site with drafts, rebuilt on every saved change."""

from __future__ import annotations

import shutil
from collections.abc import Callable

from generator import build as pipeline
from generator.core.problems import ProblemsFound
from generator.core.settings import Project
from generator.newsletter import preview as newsletterpreview
from generator.site import builder as site


def run_preview(project: Project, host: str, port: int, log: Callable[[str], None]) -> None:
    """Build into a preview folder and serve it; a broken source shows its problems, not a crash."""
    folder = project.state_dir / "preview"
    site_dir = folder / "site"

    def rebuild() -> None:
        shutil.rmtree(folder / "docs", ignore_errors=True)
        try:
            staged = pipeline.stage(project, drafts=True)
            for problem in staged.problems:
                log(str(problem))
            # Edit buttons in the preview only: members never see them on the published site.
            pipeline.build_site_into(project, staged, site_dir, folder / "docs", edit_links=True)
            newsletterpreview.write_preview(project, site_dir)  # emails at 600/375 px, drafts too
            log("Preview rebuilt.")
        except ProblemsFound as error:
            for problem in error.problems:
                log(str(problem))

    rebuild()
    watch = [
        project.content_dir,
        project.newsletters_dir,
        project.assets_dir,
        project.mkdocs_file,
        project.root / "overrides",
    ]
    site.serve(site_dir, rebuild, watch, host, port)
