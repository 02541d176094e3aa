"""Comparing the two built sides, product by product, for the changed files only."""

from __future__ import annotations

import difflib
import hashlib
import posixpath
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from generator.core.settings import Project
from generator.members.source import members_source
from generator.review.active import added_active
from generator.review.changes import Base, Change, Status, file_at, with_main_members
from generator.review.facts import FACTS_FILES, Use, where_facts_are_used
from generator.review.model import (
    FileReview,
    NewsletterReview,
    Note,
    PageReview,
    Picture,
    Review,
    SettingReview,
    Shots,
)
from generator.review.pictures import WIDTHS, Camera, EmailShot, pdf_first_page
from generator.review.reach import MemberCounts
from generator.review.sides import PICTURES, Side
from generator.review.texts import page_text, word_diff
from generator.review.yamldiff import changed_keys
from generator.site.index import page_path_url

IMAGES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
TEXTS = (".txt", ".md", ".html", ".csv")
SITE = "site"
"""The new side's site, beside the review page (``build/review/site/``)."""


def compare(
    project: Project, base: Base, changes: Iterable[Change], old: Side, new: Side
) -> Review:
    """What changed for members between the built ``old`` and ``new`` sides."""
    changes = tuple(changes)
    settings = tuple(_setting(project, base, c) for c in changes if c.kind == "setting")
    uses = [use for item in settings for _key, found in item.uses for use in found]
    facts_of = _facts_by_source(settings)
    newsletter_rels = _sources(changes, "newsletter", uses)
    page_sources = _sources(changes, "page", uses)
    statuses = {c.path: c.status for c in changes}
    source = members_source(with_main_members(project, base))
    counter = MemberCounts(source) if source is not None else None
    return Review(
        base=base,
        changes=changes,
        newsletters=tuple(
            _newsletter(rel, statuses.get(rel, "modified"), old, new, counter, facts_of)
            for rel in newsletter_rels
        ),
        pages=tuple(
            _page(source, statuses.get(source, "modified"), old, new, facts_of)
            for source in page_sources
        ),
        site_files=tuple(
            _source_file(project, base, c) for c in changes if c.kind == "content-file"
        ),
        campaigns=tuple(c for c in changes if c.kind == "campaign"),
        werbemittel=_werbemittel(old, new),
        settings=settings,
        problems=new.problems,
    )


def _sources(changes: tuple[Change, ...], kind: str, uses: list[Use]) -> list[str]:
    changed = [c.path for c in changes if c.kind == kind]
    reached = [u.source for u in uses if u.kind == kind and u.source not in changed]
    return [*changed, *sorted(set(reached))]


def _facts_by_source(settings: tuple[SettingReview, ...]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for item in settings:
        for key, uses in item.uses:
            for use in uses:
                found.setdefault(use.source, []).append(key)
    return {source: tuple(keys) for source, keys in found.items()}


def _newsletter(
    rel: str,
    status: Status,
    old: Side,
    new: Side,
    counter: MemberCounts | None,
    facts_of: dict[str, tuple[str, ...]],
) -> NewsletterReview:
    before, after = old.newsletters.get(rel), new.newsletters.get(rel)
    problems = after.problems if after else tuple(p for p in new.problems if p.path == rel)
    reach = counter.reach(after.audience) if counter is not None and after else None
    return NewsletterReview(
        rel,
        status,
        before,
        after,
        reach,
        problems,
        facts=facts_of.get(rel, ()),
        message=new.email_message(rel),
    )


def photograph_newsletters(review: Review, old: Side, new: Side, camera: Camera) -> Review:
    """The review with every changed newsletter photographed at each width, old beside new.

    The base's pictures are kept with the cached base, so only the new side is photographed
    again on the next review against the same base.
    """
    shots: list[EmailShot] = []
    wanted: list[tuple[int, int, str, Path | None]] = []  # newsletter, width, side, cache file
    cached: dict[tuple[int, int, str], Picture] = {}
    for number, item in enumerate(review.newsletters):
        for width in WIDTHS:
            for name, side in (("old", old), ("new", new)):
                html = side.email_html(item.rel)
                if html is None:
                    continue
                file = _picture_file(side, html, width) if side is old else None
                if file is not None and file.is_file():
                    cached[(number, width, name)] = Picture(file.read_bytes(), "image/png")
                    continue
                shots.append(EmailShot(html, width, side.site_url, side.site_dir))
                wanted.append((number, width, name, file))
    for (number, width, name, file), data in zip(wanted, camera.photograph(shots), strict=True):
        cached[(number, width, name)] = Picture(data, "image/png")
        if file is not None:
            _keep(file, data)
    newsletters = tuple(
        replace(
            item,
            shots=tuple(
                Shots(width, cached.get((number, width, "old")), cached.get((number, width, "new")))
                for width in WIDTHS
            ),
        )
        for number, item in enumerate(review.newsletters)
    )
    return replace(review, newsletters=newsletters)


def _picture_file(side: Side, content: str | bytes, width: int) -> Path:
    data = content.encode("utf-8") if isinstance(content, str) else content
    digest = hashlib.sha256(data + f"\0{width}".encode()).hexdigest()[:32]
    return side.folder / PICTURES / f"{digest}.png"


def _keep(file: Path, data: bytes) -> None:
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
    except OSError:
        pass  # a cache: the next review takes the picture again


def _page(
    source: str, status: Status, old: Side, new: Side, facts_of: dict[str, tuple[str, ...]]
) -> PageReview:
    before, after = old.pages.get(source), new.pages.get(source)
    title = new.titles.get(source) or old.titles.get(source) or posixpath.basename(source)
    link = f"{SITE}/{page_path_url(after)}index.html" if after and new.built_site else None
    url = new.site_url + page_path_url(after) if after else None
    facts = facts_of.get(source, ())
    note: Note
    if after is None:  # not on the new site
        if source in new.drafts:
            note = "draft"
        elif status == "deleted":
            note = "removed"
        else:
            note = "unbuilt"
        return PageReview(source, status, title, None, None, None, note, facts)
    new_text = page_text(new.site_dir, after) if new.site_dir else None
    if new_text is None:
        note = "unbuilt"
        return PageReview(source, status, title, link, url, None, note, facts)
    old_text = page_text(old.site_dir, before) if before and old.site_dir else None
    # The founder sees every new element that is more than text, even with the same words.
    assert new.site_dir is not None  # (new_text was read from it)
    active = added_active(
        old.site_dir if old_text is not None else None, new.site_dir, before, after
    )
    if before is None:
        note = "was-draft" if source in old.drafts else ""
        diff = word_diff("", new_text)
        return PageReview(source, "added", title, link, url, diff, note, facts, active)
    if old_text is None:
        note = "old-unbuilt"
        diff = word_diff("", new_text)
        return PageReview(source, status, title, link, url, diff, note, facts, active)
    diff = word_diff(old_text, new_text)
    unchanged = all(s.kind in ("same", "gap") for s in diff)
    note = ("unchanged-active" if active else "unchanged") if unchanged else ""
    shown = None if unchanged else diff
    return PageReview(source, status, title, link, url, shown, note, facts, active)


def _source_file(project: Project, base: Base, change: Change) -> FileReview:
    """An image or download of the help site, old beside new."""
    mime = IMAGES.get(posixpath.splitext(change.path)[1].lower())
    if mime is None:
        return FileReview(change.path, change.status)
    before = file_at(project.root, base.commit, change.path)
    file = project.root / change.path
    after = file.read_bytes() if file.is_file() else None
    return FileReview(
        change.path,
        change.status,
        Picture(before, mime) if before is not None else None,
        Picture(after, mime) if after is not None else None,
    )


def _werbemittel(old: Side, new: Side) -> tuple[FileReview, ...]:
    """Every Werbemittel file that differs between the sides: pictures, the flyer, texts."""
    reviews = []
    for path in sorted(set(old.outputs) | set(new.outputs)):
        before = old.output(path) if path in old.outputs else None
        after = new.output(path) if path in new.outputs else None
        if before == after:
            continue
        status: Status = "added" if before is None else "deleted" if after is None else "modified"
        reviews.append(_output(path, status, before, after, old))
    return tuple(reviews)


def _output(
    path: str, status: Status, before: bytes | None, after: bytes | None, old: Side
) -> FileReview:
    suffix = posixpath.splitext(path)[1].lower()
    if suffix in IMAGES:
        return FileReview(
            path,
            status,
            Picture(before, IMAGES[suffix]) if before is not None else None,
            Picture(after, IMAGES[suffix]) if after is not None else None,
        )
    if suffix == ".pdf":
        return FileReview(path, status, _pdf_picture(before, old), _pdf_picture(after, None))
    if suffix in TEXTS:
        text = [data.decode("utf-8", "replace") if data else "" for data in (before, after)]
        return FileReview(path, status, diff=word_diff(text[0], text[1]))
    return FileReview(path, status)


def _pdf_picture(data: bytes | None, side: Side | None) -> Picture | None:
    if data is None:
        return None
    file = _picture_file(side, data, 0) if side is not None else None
    if file is not None and file.is_file():
        return Picture(file.read_bytes(), "image/png")
    png = pdf_first_page(data)
    if png is None:
        return None
    if file is not None:
        _keep(file, png)
    return Picture(png, "image/png")


def _setting(project: Project, base: Base, change: Change) -> SettingReview:
    before = file_at(project.root, base.commit, change.path)
    file = project.root / change.path
    after = file.read_bytes() if file.is_file() else None
    if change.path.endswith((".yml", ".yaml")):
        keys = changed_keys(before, after)
        facts = change.path in FACTS_FILES
        found = where_facts_are_used(project, [k.key for k in keys]) if facts and keys else {}
        uses = tuple((k.key, tuple(sorted(found[k.key]))) for k in keys or () if k.key in found)
        return SettingReview(change.path, change.status, keys, None, facts, uses)
    return SettingReview(change.path, change.status, None, _line_counts(before, after))


def _line_counts(before: bytes | None, after: bytes | None) -> tuple[int, int] | None:
    texts = []
    for data in (before, after):
        try:
            texts.append((data or b"").decode("utf-8").splitlines())
        except UnicodeDecodeError:
            return None  # a binary file (a font, an image): listed without line counts
    added = removed = 0
    for line in difflib.unified_diff(texts[0], texts[1], lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed
