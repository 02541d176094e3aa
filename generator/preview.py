"""``rundbrief preview``: the site with drafts, rebuilt on every saved change."""

from __future__ import annotations

import errno
import shutil
import socket
from collections.abc import Callable

from generator import build as pipeline
from generator.core.facts import FACTS_FILE
from generator.core.i18n import _
from generator.core.output import write_atomic
from generator.core.problems import ProblemsFound, UsageError
from generator.core.settings import Project
from generator.editor.pages import FOLDER, PROBLEMS, problems_report
from generator.newsletter import preview as newsletter_preview
from generator.site import builder


def claim_port(host: str, port: int) -> None:
    """Refuse, in words, an address the preview cannot listen on — before it prints one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        # (create_server sets SO_REUSEADDR like the server: only a listening program is in use)
        with socket.create_server((host, port), family=family):
            pass
    except socket.gaierror:
        raise UsageError(_not_here(host)) from None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(
                _(
                    "port {port} is already in use, probably by another preview that is still "
                    "running; stop that one (Ctrl+C in its window) or start this one with "
                    "--port {free}"
                ).format(port=port, free=_free_port(host, family))
            ) from None
        if error.errno in (errno.EACCES, errno.EPERM):
            raise UsageError(
                _(
                    "port {port} needs administrator rights; choose a port above 1023, "
                    "e.g. --port 8000"
                ).format(port=port)
            ) from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise UsageError(_not_here(host)) from None
        raise UsageError(
            _(
                "the preview cannot listen on {host}:{port} ({reason}); choose another --port"
            ).format(host=host, port=port, reason=error.strerror or error)
        ) from None


def _not_here(host: str) -> str:
    return _(
        "{host} is not an address of this computer; leave --host out (127.0.0.1), or use "
        "--host 0.0.0.0 in a container"
    ).format(host=host)


def _free_port(host: str, family: socket.AddressFamily) -> int:
    """A port the system hands out as free (a suggestion; the next run claims it again)."""
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


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
