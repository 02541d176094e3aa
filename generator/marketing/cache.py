"""The generic material of each campaign, cached on disk under the fingerprint of what shaped it.

The help site shows every campaign rendered with the placeholder code. A build (or a preview
rebuild on every save) renders a campaign again only when its source, its templates, the
fonts, the operator data, the rendering code or a library that draws it changed; each
campaign has its own entry, so two campaigns both hit.
"""

from __future__ import annotations

import contextlib
import pickle
from pathlib import Path

from generator.core.fingerprint import fingerprint
from generator.core.output import write_atomic
from generator.core.problems import Problem
from generator.core.sealed import seal, unseal
from generator.core.settings import Project
from generator.marketing.assets import Asset, render_assets
from generator.marketing.campaign import Campaign
from generator.marketing.render import GENERIC

CACHE = "cache/marketing"


def key(project: Project, campaign: Campaign) -> str:
    """The fingerprint of one campaign's generic material."""
    return fingerprint(
        "marketing", campaign.digest, campaign.landing_url, repr(project.settings.operator)
    )


def generic_assets(
    project: Project, campaign: Campaign, *, write_cache: bool = True
) -> tuple[list[Asset], list[Problem]]:
    """Every asset of ``campaign`` with the placeholder code, from the cache if nothing changed."""
    path = project.state_dir / CACHE / f"{campaign.slug}-{key(project, campaign)}.pickle"
    cached = _read(path)
    if cached is not None:
        return cached, []
    assets, problems = render_assets(campaign, project.settings.operator, GENERIC)
    if not problems and write_cache:
        with contextlib.suppress(OSError):
            write_atomic(path, seal(pickle.dumps(assets, protocol=pickle.HIGHEST_PROTOCOL)))
    return assets, problems


def _read(path: Path) -> list[Asset] | None:
    try:
        data = unseal(path.read_bytes())  # (a planted entry has no valid seal: never unpickled)
        if data is None:
            return None
        entry = pickle.loads(data)  # noqa: S301 - written and sealed by this module
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None
    return entry if isinstance(entry, list) else None
