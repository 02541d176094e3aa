"""Personal kits: the member's own page, links and QR codes under ``build/kits/<token>/``.

What is the same for every member (the images without name or QR code) is written once, to
``build/kits/gemeinsam/``; a member's folder holds only what names them or carries their
code, and its name is a keyed hash of the code (``members.recipients.kit_token``): a printed
code does not lead to anyone's name. The folder's ``index.html`` is the page a member's mail
links to (``{{ member.werbemittel_url }}``).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from generator.core.files import RefusedFile, read_output, write_bytes, write_text
from generator.core.fingerprint import fingerprint
from generator.core.i18n import _
from generator.core.output import mark, refusal
from generator.core.problems import Problem, ProblemsFound, UsageError, raise_if_errors
from generator.core.settings import Project
from generator.core.workers import in_workers
from generator.marketing.assets import Shared, render_assets
from generator.marketing.campaign import Campaign
from generator.marketing.fonts import missing_glyphs
from generator.marketing.guide import PAGE, SCRIPT, guide, landing_page, script
from generator.marketing.load import load_campaigns
from generator.marketing.pages import templates
from generator.marketing.render import GENERIC, Recipient, fill, link
from generator.marketing.textfit import fit
from generator.members.recipients import kit_token
from generator.members.source import Unreadable, open_members
from generator.members.values import display_name

KITS = "kits"
SHARED = "gemeinsam"
"""The folder of ``build/kits/`` with the files every kit shares (no token is this short)."""
INPUTS = ".inputs"
FILES = ("image", "qr", "flyer")
"""The kinds of asset a kit holds as files; texts are on its page."""
PARALLEL_FROM = 16
"""Fewer pending kits than this are written in-process: starting workers would cost more."""


@dataclass(frozen=True)
class KitMember:
    """Who a kit is for: the member's code, name and row in the members file."""

    code: str
    name: str
    row: int
    source: str = "members"
    folder: str = ""
    """The kit's folder under build/kits/: the keyed token of the code (set by write_kits)."""


@dataclass(frozen=True)
class KitSummary:
    """What a kits run did."""

    written: int
    unchanged: int
    folder: Path
    removed: int = 0
    skipped: tuple[Problem, ...] = ()
    """Members without a kit, each a warning at their row (a name that does not fit, …)."""


def kit_members(
    project: Project, members_file: Path | str | None
) -> tuple[list[KitMember], list[Problem]]:
    """Read the members file as ``send`` does: a bad row is left out with a warning at its line.

    The file is streamed: only each member's code, name and row are kept. A referral code is
    a folder name: besides the checks of every members file, a code used twice
    (case-insensitively: 'Anna' and 'anna' are one folder on macOS and Windows) keeps the
    kit of its first row only. A file that cannot be read at all is an error.
    """
    source = open_members(project, members_file)
    problems = list(source.warnings)
    result: list[KitMember] = []
    seen: dict[str, int] = {}
    try:
        for member in source.rows():
            if isinstance(member, Problem):
                problems.append(Problem(member.path, member.line, member.message, "warning"))
                continue
            code = member.referral_code
            first = seen.setdefault(code.lower(), member.row)
            if first != member.row:
                problems.append(
                    Problem(
                        source.display,
                        member.row,
                        _("referral code '{code}' is used in row {row} too").format(
                            code=code, row=first
                        ),
                        "warning",
                    )
                )
                continue
            result.append(KitMember(code, display_name(member), member.row, source.display))
    except Unreadable as error:
        raise ProblemsFound([error.problem]) from None
    return result, problems


def _display(project: Project, path: Path) -> str:
    resolved = path.resolve()
    return (
        resolved.relative_to(project.root).as_posix()
        if resolved.is_relative_to(project.root)
        else str(path)
    )


def write_kits(
    project: Project,
    members: list[KitMember],
    *,
    secret: bytes,
    only: str | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> KitSummary:
    """Write one kit per member (or only ``only``) and the shared files; unchanged kits are kept.

    ``secret`` keys the folder names (the unsubscribe secret: a send links to the same folder).
    """
    campaigns, problems = load_campaigns(project)
    raise_if_errors(problems)
    if only is not None:
        members = [m for m in members if m.code == only]
        if not members:
            raise UsageError(
                _(
                    "no member with referral code '{code}' in the members file; check the "
                    "code (--member) and the members file (--members)"
                ).format(code=only)
            )
    members = [replace(m, folder=kit_token(secret, m.code)) for m in members]
    root = (project.build_dir / KITS).resolve()
    if not root.is_relative_to(project.root.resolve()):
        raise UsageError(
            _("{folder} is outside the project; choose a folder inside it").format(folder=root)
        )
    # A member whose name does not fit (or has a character the font cannot draw), or whose
    # folder holds someone else's files, gets no kit: a warning at the row, like send.
    skipped: list[Problem] = []
    writable: list[KitMember] = []
    for member in members:
        found = check_fits(campaigns, member) + _check_target(root, member)
        skipped += [Problem(p.path, p.line, p.message, "warning") for p in found]
        if not found:
            writable.append(member)
    base = _inputs_base(project, campaigns)
    pending: list[tuple[KitMember, str]] = []
    for member in writable:
        text = f"{base}\0{member.code}\0{member.folder}\0{member.name}"
        digest = hashlib.sha256(text.encode()).hexdigest()
        if _unchanged(root / member.folder, digest):
            if progress:
                progress(1)
        else:
            pending.append((member, digest))
    # A kit to be written again or deleted must hold only what this command wrote: a file of
    # the user's in it stops the run before anything is written, and nothing is lost.
    keep = {m.folder for m in members} | {SHARED}
    stale = [] if only is not None else stale_kits(root, keep)
    refused = [
        Problem(member.source, member.row, reason)
        for member, _digest in pending
        if (reason := _refusal(project, root / member.folder))
    ]
    refused += [
        Problem(
            _display(project, folder),
            0,
            _(
                "the member of this kit is no longer in the members file, but the kit is not "
                "deleted: {reason}"
            ).format(reason=reason),
        )
        for folder in stale
        if (reason := _refusal(project, folder))
    ]
    if reason := _refusal(project, root / SHARED):
        refused.append(Problem(_display(project, root / SHARED), 0, reason))
    if refused:
        raise ProblemsFound([*skipped, *refused])
    shared = shared_renders(project, campaigns)
    _write_shared(project, root, campaigns, shared, base)
    if pending:
        state = _State(project, tuple(campaigns), root, shared)
        if workers > 1 and len(pending) >= PARALLEL_FROM:
            problems = _write_parallel(state, pending, workers, progress)
        else:
            problems = _write_serial(state, pending, progress)
        raise_if_errors(problems)
    removed = remove_stale_kits(project, stale)
    unchanged = len(writable) - len(pending)
    return KitSummary(len(pending), unchanged, root, removed, tuple(sorted(skipped)))


def _write_shared(
    project: Project, root: Path, campaigns: list[Campaign], shared: dict[str, Shared], base: str
) -> None:
    """The files every kit links to, once: ``gemeinsam/<campaign>/…`` and the folder's own page.

    ``build/kits/index.html`` answers whoever opens the folder itself (instead of a listing of
    every member's folder, should the server list folders) with where a kit's link comes from.
    """
    root.mkdir(parents=True, exist_ok=True)
    page = landing_page(project.settings.platform_name)
    if _read(root / PAGE) != page:
        write_bytes(root / PAGE, page, within=root)
    if _unchanged(root / SHARED, base):
        return
    files = [
        (f"{campaign.slug}/{name}", data)
        for campaign in campaigns
        for name, data in sorted(shared[campaign.slug].items())
    ]
    files.append((SCRIPT, script()))
    _swap_in(project, root, SHARED, files, base)


def _read(path: Path) -> bytes | None:
    try:
        return read_output(path)
    except (OSError, RefusedFile):
        return None


def stale_kits(root: Path, codes: set[str]) -> list[Path]:
    """Kits this command wrote (they carry the inputs marker) for members no longer listed."""
    return [
        folder
        for folder in (sorted(root.iterdir()) if root.is_dir() else [])
        if folder.name not in codes
        and folder.is_dir()
        and not folder.is_symlink()
        and (folder / INPUTS).is_file()
    ]


def remove_stale_kits(project: Project, stale: list[Path]) -> int:
    """Delete the kits of members no longer listed (they hold a name and a personal link).

    Each was checked to hold only what this command wrote; one that got a file of the user's
    since is left as it is (the next run names the file).
    """
    removed = 0
    for folder in stale:
        if _refusal(project, folder) is None:
            shutil.rmtree(folder)
            removed += 1
    return removed


def _refusal(project: Project, folder: Path) -> str | None:
    """Why the kit ``folder`` may not be written again or deleted (a file of the user's), or None.

    A kit written before markers listed their files has only its ``.inputs``, written last:
    what was added to it after that is the user's.
    """
    if not folder.is_dir():
        return None
    return refusal(folder, _display(project, folder), stamp=INPUTS)


@dataclass(frozen=True)
class _State:
    """What every kit of a run needs; handed to worker processes once."""

    project: Project
    campaigns: tuple[Campaign, ...]
    root: Path
    shared: dict[str, Shared]


def shared_renders(project: Project, campaigns: list[Campaign]) -> dict[str, Shared]:
    """Render the generic assets once: validates the templates and caches member-independent images."""
    shared: dict[str, Shared] = {}
    problems: list[Problem] = []
    for campaign in campaigns:
        shared[campaign.slug] = {}
        _assets, found = render_assets(
            campaign, project.settings.operator, GENERIC, shared[campaign.slug]
        )
        problems += found
    raise_if_errors(problems)
    return shared


def _write_serial(
    state: _State, pending: list[tuple[KitMember, str]], progress: Callable[[int], None] | None
) -> list[Problem]:
    problems: list[Problem] = []
    for member, digest in pending:
        problems += _write_kit(state, member, digest)
        if progress:
            progress(1)
    return problems


def _write_task(state: _State, task: tuple[KitMember, str]) -> list[Problem]:
    return _write_kit(state, *task)


def _write_parallel(
    state: _State,
    pending: list[tuple[KitMember, str]],
    workers: int,
    progress: Callable[[int], None] | None,
) -> list[Problem]:
    # Rendering is CPU-bound Python and C (cairo, pango): processes, not threads. Each worker
    # fills its own caches (the generic images, the colours chosen for the shared texts).
    problems: list[Problem] = []
    for found in in_workers(_write_task, state, pending, workers):
        problems += found
        if progress:
            progress(1)
    return problems


def check_fits(campaigns: Iterable[Campaign], member: KitMember) -> list[Problem]:
    """Fit the texts that name the member, before anything is written (cheap: no rendering)."""
    recipient = Recipient(member.code, member.name, member.row)
    missing = sorted(set(missing_glyphs(member.name)) | set(missing_glyphs(member.name, bold=True)))
    if missing:
        # An emoji or a rare script would come out as an empty box on every banner.
        return [
            Problem(
                member.source,
                member.row,
                _(
                    "the name holds {characters}, which the shipped font cannot draw; no kit "
                    "for this member"
                ).format(characters=", ".join(repr(c) for c in missing)),
            )
        ]
    problems = []
    for campaign in campaigns:
        for spec in campaign.images:
            for placed in (box for box in spec.boxes if box.member):
                text = campaign.texts[placed.text]
                value = fill(
                    text.value, recipient, link(campaign, recipient, spec.medium, spec.name)
                )
                if fit(value, placed.box) is None:
                    problems.append(
                        Problem(
                            campaign.source,
                            text.line,
                            _(
                                "{key}: does not fit its box in image '{image}' even at {size} px "
                                "for the member in row {row}; shorten it"
                            ).format(
                                key=text.key,
                                image=spec.name,
                                size=placed.box.min_size,
                                row=member.row,
                            ),
                        )
                    )
    return problems


def _check_target(root: Path, member: KitMember) -> list[Problem]:
    # The token is base64url; this is the second lock on the door: the folder must be a direct
    # child of build/kits/, never a symlink to elsewhere, and if it exists, a kit this command
    # wrote (it carries the inputs marker): anything else there stays.
    target = root / member.folder
    if target.is_symlink() or target.resolve().parent != root:
        return [
            Problem(
                member.source,
                member.row,
                _("kit folder for '{code}' would be outside build/kits/").format(code=member.code),
            )
        ]
    if target.exists() and not (target / INPUTS).is_file():
        return [
            Problem(
                member.source,
                member.row,
                _(
                    "build/kits/{code} holds files rundbrief did not write; move them away to "
                    "get this member's kit"
                ).format(code=member.folder),
            )
        ]
    return []


def _inputs_base(project: Project, campaigns: list[Campaign]) -> str:
    """What every kit depends on: the rendering code and libraries, operator, landing URL, campaigns."""
    settings = project.settings
    digests = [campaign.digest for campaign in campaigns]
    return fingerprint("marketing", repr(settings.operator), settings.referral_url, *digests)


def _unchanged(folder: Path, digest: str) -> bool:
    marker = folder / INPUTS
    try:
        return read_output(marker).decode("ascii").strip() == digest
    except (OSError, UnicodeError, RefusedFile):
        return False


def _write_kit(state: _State, member: KitMember, digest: str) -> list[Problem]:
    """Render one kit's personal files into a staging folder, then swap it in; return problems."""
    recipient = Recipient(member.code, member.name, member.row)
    files: list[tuple[str, bytes]] = []
    rendered = []
    embeds: dict[str, str] = {}
    operator = state.project.settings.operator
    for campaign in state.campaigns:
        shared = state.shared[campaign.slug]
        assets, problems = render_assets(campaign, operator, recipient, shared)
        if problems:
            return problems
        rendered.append((campaign, assets))
        embeds[campaign.slug] = _embed(state, campaign, recipient)
        # The member-independent images are in gemeinsam/ once, and the page links there; the
        # texts and the banners' HTML are on the page, ready to copy: a file each would cost
        # a block of the disk per member for a few hundred bytes.
        files += [
            (f"{campaign.slug}/{asset.filename}", asset.data)
            for asset in assets
            if asset.kind in FILES and asset.filename not in shared
        ]
    # What the member may do with it, every file, where each image fits, the texts to copy.
    shared_names = {slug: set(files_) for slug, files_ in state.shared.items()}
    files.append((PAGE, guide(rendered, operator, recipient, shared_names, SHARED, embeds)))
    reason = _swap_in(state.project, state.root, member.folder, files, digest)
    return [Problem(member.source, member.row, reason)] if reason else []


def _swap_in(
    project: Project, root: Path, name: str, files: list[tuple[str, bytes]], digest: str
) -> str | None:
    """Write ``files`` as the folder ``root/name`` whole, or say why not (a file of the user's)."""
    folder = root / name
    root.mkdir(parents=True, exist_ok=True)
    # Fresh, uniquely named folders of this run: nothing found on disk is ever removed,
    # except a kit folder with our inputs marker (checked before).
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=root))
    try:
        for path, data in files:
            write_bytes(staging / path, data, within=staging)
        # Written last (the kit is swapped in whole): the marker lists every file of the kit,
        # and only those are ever replaced or deleted.
        write_text(staging / INPUTS, digest + "\n", within=staging)
        mark(staging, "kit")
        reason = _refusal(project, folder)  # (checked before the run; once more now)
        if reason:
            return reason
        old = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".old", dir=root))
        if (folder / INPUTS).is_file() and not folder.is_symlink():
            folder.rename(old / name)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # (gone already when it was swapped in)
    return None


def _embed(state: _State, campaign: Campaign, recipient: Recipient) -> str:
    """HTML snippets to put the banners on a website, each linking with the member's link."""
    headline = campaign.texts["headline"].value if "headline" in campaign.texts else campaign.title
    banners = [
        {
            "url": link(campaign, recipient, spec.medium, spec.name),
            "name": spec.name,
            "width": spec.width,
            "height": spec.height,
        }
        for spec in campaign.images
        if spec.medium == "banner"
    ]
    # Autoescaped: the title stands in a comment that no '-->' in it can end ('>' is escaped).
    platform = state.project.settings.platform_name
    snippet = (
        templates()
        .get_template("banner-einbinden.html.j2")
        .render(campaign=campaign, banners=banners, alt=f"Anzeige: {platform} – {headline}")
    )
    return snippet
