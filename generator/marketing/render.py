"""Turn a campaign into files: SVG → PNG images, QR codes, the flyer PDF and the texts."""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import numpy as np
import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from PIL import Image

from generator.core import files
from generator.core.i18n import _
from generator.core.problems import Problem
from generator.core.referral import referral_link, short_link, with_query
from generator.core.sections.operator import Operator
from generator.marketing import qrmask
from generator.marketing.campaign import PLACEHOLDER_CODE, Campaign, fill_text
from generator.marketing.contrast import (
    Plate,
    Verdict,
    choose,
    glyphs,
    judge,
    needed_ratio,
    solid,
)
from generator.marketing.fonts import BOLD, FAMILY, REGULAR, use_shipped_fonts
from generator.marketing.schemas import AUTO, FlyerSpec, ImageSpec, Placed
from generator.marketing.textfit import Fitted, fit

use_shipped_fonts()  # before cairosvg or weasyprint load cairo, pango and fontconfig


@dataclass(frozen=True)
class Recipient:
    """Whose material it is: a member (code and name) or nobody (the generic material)."""

    code: str | None = None
    name: str = ""
    row: int = 0


GENERIC = Recipient()
QR_BORDER = 2
"""Quiet zone in modules inside the white spot of an image (the spot's margin adds to it)."""


@dataclass(frozen=True)
class Block:
    """A placed text of an image, fitted into its box, in the colour (and on the plate) it gets."""

    placed: Placed
    fitted: Fitted
    colour: str = "#ffffff"
    plate: Plate | None = None


@dataclass(frozen=True)
class QrImage:
    """A QR code as a PNG at a whole number of pixels per module, placed in an image."""

    x: float
    y: float
    size: float
    left: float
    top: float
    pixels: int
    href: str


def link(campaign: Campaign, recipient: Recipient, medium: str, content: str) -> str:
    """The link shown in a text: the member's, or the generic one with the placeholder code.

    Short (``…/r/CODE/mwms``) where the platform has a short-link form: the platform turns
    the campaign's short name and the medium's letter back into the UTM fields.
    """
    if campaign.short_form:
        code = recipient.code or PLACEHOLDER_CODE
        return short_link(campaign.short_form, code, campaign.short, medium)
    return referral_link(
        campaign.landing_url,
        recipient.code or PLACEHOLDER_CODE,
        source=campaign.utm_source,
        medium=medium,
        campaign=campaign.utm_campaign,
        content=content,
    )


def qr_target(campaign: Campaign, recipient: Recipient, medium: str, content: str) -> str:
    """What a QR code encodes; the generic one has no code, so a scan still leads somewhere."""
    if recipient.code:
        return link(campaign, recipient, medium, content)
    utm = {"utm_source": campaign.utm_source, "utm_medium": medium}
    utm |= {"utm_campaign": campaign.utm_campaign, "utm_content": content}
    return with_query(campaign.landing_url, utm)


def fill(value: str, recipient: Recipient, url: str) -> str:
    """A campaign text with its placeholders filled; member data stays data, never a template."""
    name = recipient.name or "Ihr Name"
    return fill_text(value, {"link": url, "code": recipient.code or PLACEHOLDER_CODE, "name": name})


@functools.lru_cache(maxsize=8)
def templates(folder: Path) -> Environment:
    """The Jinja2 environment of a campaign's template folder (SVG and HTML: autoescaped).

    Sandboxed: the templates are files of a pull request, rendered by ``check`` in CI; an
    expression that reaches into Python (``''.__class__.__mro__``) is refused with a
    problem at its line instead of running.
    """
    return SandboxedEnvironment(
        loader=FileSystemLoader(folder), autoescape=True, undefined=StrictUndefined
    )


def image_svg(
    campaign: Campaign,
    spec: ImageSpec,
    recipient: Recipient,
    *,
    check_contrast: bool = False,
    keep: Callable[[Placed], bool] | None = None,
) -> tuple[str | None, list[Problem]]:
    """The image as SVG text, every text fitted into its box and readable on what is behind it.

    Problems if a text does not fit, or (with ``check_contrast``) if it is too faint. With
    ``keep``, only the texts it keeps are drawn (a part of the image rendered alone).
    """
    blocks: list[Block] = []
    problems: list[Problem] = []
    url = link(campaign, recipient, spec.medium, spec.name)
    for placed in spec.boxes:
        if placed.member and not recipient.code:
            continue  # names the member: only in personal kits
        if keep is not None and not keep(placed):
            continue
        text = campaign.texts[placed.text]
        fitted = fit(fill(text.value, recipient, url), placed.box)
        if fitted is None:
            message = (
                _(
                    "{key}: does not fit its box in image '{image}' ({width}×{height}) even at "
                    "{size} px (member in row {row}); shorten it"
                )
                if recipient.row
                else _(
                    "{key}: does not fit its box in image '{image}' ({width}×{height}) even at "
                    "{size} px; shorten it"
                )
            )
            problems.append(
                Problem(
                    campaign.source,
                    text.line,
                    message.format(
                        key=text.key,
                        image=spec.name,
                        width=spec.width,
                        height=spec.height,
                        size=placed.box.min_size,
                        row=recipient.row,
                    ),
                )
            )
            continue
        blocks.append(Block(placed, fitted))
    if problems:
        return None, problems
    try:
        behind = background(campaign, spec)
    except TemplateError as error:
        return None, [_template_problem(campaign, spec.template, error)]
    blocks = [_readable(campaign, block, spec, behind) for block in blocks]
    if check_contrast:
        problems = [
            _faint(campaign, spec, block, verdict)
            for block in blocks
            if not (verdict := _verdict(block, spec, behind)).readable
        ]
    qr = None
    if spec.qr:
        target = qr_target(campaign, recipient, spec.medium, spec.name)
        qr = qr_image(target, spec.qr.x, spec.qr.y, spec.qr.size)
    try:
        svg = _svg(campaign, spec, blocks, qr, texts=True)
    except TemplateError as error:
        return None, [_template_problem(campaign, spec.template, error)]
    return svg, problems


def _svg(
    campaign: Campaign, spec: ImageSpec, blocks: list[Block], qr: QrImage | None, *, texts: bool
) -> str:
    template = templates(campaign.templates).get_template(spec.template)
    return template.render(
        spec=spec, blocks=blocks, qr=qr, family=FAMILY, texts=texts, picture=campaign.picture
    )


_backgrounds: dict[tuple[str, ImageSpec], np.ndarray] = {}


def background(campaign: Campaign, spec: ImageSpec) -> np.ndarray:
    """The image without its texts as RGB pixels: what lies behind each text.

    The same for every member (names and codes are texts; the QR code's white spot is
    drawn): rendered once per campaign version and image in a process.
    """
    cache_key = (campaign.digest, spec)
    if cache_key not in _backgrounds:
        # Buttons and plates of a set colour are background too; ``auto`` plates come later.
        blocks = [
            Block(placed, Fitted(placed.size, (), False, "start"))
            for placed in spec.boxes
            if placed.button
        ]
        blocks += [
            Block(placed, Fitted(placed.size, (), False, "start"), plate=_set_plate(placed, spec))
            for placed in spec.boxes
            if placed.plate not in (None, AUTO) and not placed.button
        ]
        data = png(_svg(campaign, spec, blocks, None, texts=False), spec.width, spec.height)
        pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        if len(_backgrounds) > 64:
            _backgrounds.clear()
        _backgrounds[cache_key] = pixels
    return _backgrounds[cache_key]


def _set_plate(placed: Placed, spec: ImageSpec) -> Plate:
    # A plate of a set colour covers its whole box (its text is not fitted yet here).
    box = placed.box
    radius = min(box.height / 2, placed.size * 0.3)
    return Plate(box.x, box.y, box.width, box.height, radius, str(placed.plate))


_choices: dict[tuple[str, ImageSpec, Block], Block] = {}


def _readable(campaign: Campaign, block: Block, spec: ImageSpec, behind: np.ndarray) -> Block:
    """The block in its readable colour and plate; decided once for a text every kit shares.

    Judging a colour sorts the pixels behind the glyphs: done for each of the seven texts of
    each member's image, it was most of the time a kit took. Only a text that names the
    member (or carries their code) is new in each kit.
    """
    cache_key = (campaign.digest, spec, block)
    chosen = _choices.get(cache_key)
    if chosen is None:
        colour, plate, _verdict_ = choose(block.placed, block.fitted, spec, behind)
        if block.placed.plate not in (None, AUTO):
            plate = _set_plate(block.placed, spec)
        chosen = Block(block.placed, block.fitted, colour, plate)
        # A member's own text is kept only a short while (the parts of one image ask for it
        # again); the shared ones for the whole run.
        if block.placed.member and len(_choices) > 512:
            _choices.clear()
        _choices[cache_key] = chosen
    return chosen


def _verdict(block: Block, spec: ImageSpec, behind: np.ndarray) -> Verdict:
    needed = needed_ratio(block.fitted.size, block.fitted.bold)
    if block.plate is not None:
        return solid(block.colour, block.plate.colour, needed)
    return judge(block.colour, behind, glyphs(block.fitted, spec.width, spec.height), needed)


def _faint(campaign: Campaign, spec: ImageSpec, block: Block, verdict: Verdict) -> Problem:
    """A text too faint on what is behind it: at its box's line, naming the colour pair."""
    return Problem(
        campaign.source,
        block.placed.line or campaign.texts[block.placed.text].line,
        _(
            "texts.{text}: {colour} on {behind} in image '{image}' ({width}×{height}) has a "
            "contrast of {ratio}:1 at {size} px; readable text needs {needed}:1 (WCAG AA): "
            "choose another colour, move the box or give it a plate"
        ).format(
            text=block.placed.text,
            colour=block.colour,
            behind=verdict.behind,
            image=spec.name,
            width=spec.width,
            height=spec.height,
            ratio=f"{verdict.ratio:.1f}",
            size=block.fitted.size,
            needed=f"{verdict.needed:g}",
        ),
    )


def _template_problem(campaign: Campaign, name: str, error: TemplateError) -> Problem:
    line = getattr(error, "lineno", None) or _template_line(error, name) or 1
    rel = f"{Path(campaign.source).parent.as_posix()}/templates/{name}"
    return Problem(rel, line, _("template error: {error}").format(error=error))


def _template_line(error: BaseException, name: str) -> int | None:
    """The template line a runtime error (a sandbox refusal) happened at: Jinja puts the
    template's own lines into the traceback."""
    line = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@functools.lru_cache(maxsize=16)
def qr_image(url: str, x: float, y: float, size: float) -> QrImage:
    """The QR code of ``url`` for a ``size``-pixel spot: whole pixels per module, so never blurred."""
    code = qr_code(url)
    modules = int(code.symbol_size(scale=1, border=QR_BORDER)[0])
    scale = max(1, int(size // modules))
    pixels = scale * modules
    data = _qr_modules_png(url, scale, QR_BORDER)
    href = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    offset = (size - pixels) // 2
    return QrImage(x, y, size, x + offset, y + offset, pixels, href)


def flyer_qr(campaign: Campaign, flyer: FlyerSpec, recipient: Recipient) -> str:
    """The data URL of the QR code a flyer prints for ``recipient``."""
    data = _qr_modules_png(qr_target(campaign, recipient, "print", flyer.name), 10, 4, "L")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


@functools.lru_cache(maxsize=8)
def _qr_modules_png(url: str, scale: int, border: int, mode: str = "1") -> bytes:
    """The QR code with ``border`` modules of quiet zone, ``scale`` pixels a module.

    ``mode`` "1": one bit a pixel (the kit's file); "L": eight (what WeasyPrint embeds without
    converting it to RGB first: a third of the work a flyer spends on it).

    Drawn by Pillow from the code's modules: segno's own PNG writer is Python, a few
    milliseconds an image, twice a kit.
    """
    modules = np.pad(np.array(qr_code(url).matrix, dtype=bool), border)
    image = Image.fromarray(~modules.repeat(scale, axis=0).repeat(scale, axis=1)).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@functools.lru_cache(maxsize=16)
def qr_code(url: str) -> segno.QRCode:
    """The QR code of ``url`` (cached: a kit uses the same link for its PNG, SVG and flyer)."""
    return qrmask.make(url)


def png(svg: str, width: int, height: int) -> bytes:
    """Rasterise SVG at exactly ``width``×``height`` pixels."""
    import cairosvg

    data = cairosvg.svg2png(
        bytestring=svg.encode("utf-8"), output_width=width, output_height=height
    )
    return bytes(data or b"")


def compact(data: bytes) -> bytes:
    """A rendered image as a PNG of at most 256 colours: a third of the bytes, the same look.

    The designs are flat areas and antialiased text; without dithering every area keeps its
    one colour and the QR code's modules stay black and white. 10,000 kits hold two social
    images each: 180 KB of true-colour PNG a kit became 70 KB.
    """
    image = Image.open(io.BytesIO(data)).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        buffer, "PNG"
    )
    return buffer.getvalue()


def qr_png(url: str) -> bytes:
    """The QR code of ``url`` as PNG (10 px per module, quiet zone of 4); a kit's file and flyer."""
    return _qr_modules_png(url, 10, 4)


def qr_svg(url: str) -> bytes:
    """The QR code of ``url`` as SVG."""
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="svg", scale=10, border=4)
    return buffer.getvalue()


def flyer_pdf(
    campaign: Campaign,
    flyer: FlyerSpec,
    operator: Operator,
    recipient: Recipient,
    *,
    home: bool = False,
) -> tuple[bytes | None, list[Problem]]:
    """The print flyer as PDF: A5 with 3 mm bleed and crop marks (set in the stylesheet).

    ``home``: the version for the home printer, two A5 flyers on A4 without bleed or marks
    (the home stylesheet, added after the print shop's).
    """
    document, problems = flyer_document(campaign, flyer, operator, recipient, home=home)
    return (None, problems) if document is None else (document.write_pdf(), [])


def flyer_document(
    campaign: Campaign,
    flyer: FlyerSpec,
    operator: Operator,
    recipient: Recipient,
    *,
    home: bool = False,
    personal: bool = False,
) -> tuple[Any, list[Problem]]:
    """The flyer laid out by WeasyPrint (a ``Document``), or None and the problems.

    ``personal``: only the area that names the member (the template's ``nur_persoenlich``).
    """
    from weasyprint import HTML

    qr = flyer_qr(campaign, flyer, recipient)
    try:
        html = (
            templates(campaign.templates)
            .get_template(flyer.template)
            .render(
                flyer=flyer,
                operator=operator,
                qr=qr,
                # Printed for typing by hand: the member's short link, or the landing page
                # (the code stands next to it).
                link=(
                    link(campaign, recipient, "print", flyer.name)
                    if campaign.short_form and recipient.code
                    else campaign.landing_url
                ).removeprefix("https://"),
                code=recipient.code,
                label=campaign.texts["label"].value,
                risk=campaign.texts["risk"].value if "risk" in campaign.texts else "",
                copies=2 if home and not personal else 1,
                platform=campaign.platform,
                nur_persoenlich=personal,
            )
        )
    except TemplateError as error:
        return None, [_template_problem(campaign, flyer.template, error)]
    sheets = [
        flyer.stylesheet,
        *([flyer.home_stylesheet] if home and flyer.home_stylesheet else []),
    ]
    paths = tuple(campaign.templates / name for name in sheets)
    font_config, stylesheets, refused = _stylesheets(paths, campaign.digest)
    fetcher = guarded_fetcher(campaign.templates)
    document = HTML(string=html, base_url=str(campaign.templates), url_fetcher=fetcher).render(
        stylesheets=stylesheets, font_config=font_config
    )
    refused = [*refused, *fetcher.refused]
    at = f"{Path(campaign.source).parent.as_posix()}/templates/{flyer.template}"
    problems = [
        Problem(
            at,
            1,
            _(
                "the flyer names {url}: a flyer reads only files of its templates folder "
                "and data: addresses; put the file there or remove the reference"
            ).format(url=url),
        )
        for url in dict.fromkeys(refused)
    ]
    # WeasyPrint reads attachments only when it writes the PDF, past every check here: a
    # printed flyer has no use for one, so none is laid out at all.
    attached = [
        link[1] for page in document.pages for link in page.links if link[0] == "attachment"
    ]
    if attached or document.metadata.attachments:
        problems.append(
            Problem(
                at,
                1,
                _(
                    "the flyer attaches a file ({what}): a printed flyer carries no "
                    'attachments; remove rel="attachment" from the template'
                ).format(what=", ".join(dict.fromkeys(attached)) or "link rel=attachment"),
            )
        )
    return (None, problems) if problems else (document, [])


def guarded_fetcher(folder: Path) -> Any:
    """WeasyPrint's reader of the URLs a flyer names: the templates folder and ``data:`` only.

    A pull request's template could otherwise embed ``file:///proc/self/environ`` (CI's
    secrets) or any file of the machine into a published PDF, or call a server. What it
    refused is in the fetcher's ``refused`` list, for a problem at the template.
    """
    from weasyprint.urls import URLFetcher

    class GuardedFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not (url.startswith("data:") or _in_folder(url, folder)):
                self.refused.append(url)
                raise ValueError(f"not read: {url}")
            return super().fetch(url, headers)

    return GuardedFetcher()


def _in_folder(url: str, folder: Path) -> bool:
    """Whether ``url`` names a regular file of ``folder`` (by the file door) or a shipped font."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    path = Path(url2pathname(parts.path))
    if path in (REGULAR, BOLD):
        return True
    return files.refusal(path, folder, folder) is None and path.is_file()


@functools.lru_cache(maxsize=4)
def _stylesheets(paths: tuple[Path, ...], digest: str) -> tuple[Any, list[Any], list[str]]:
    """Parsed once per campaign version: loading fonts per flyer would cost ten times the render."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    del digest  # part of the cache key only: a changed stylesheet is parsed again
    font_config = FontConfiguration()
    # The shipped TTFs by file URL: the PDF does not depend on the fonts a server has.
    faces = (
        f"@font-face {{ font-family: '{FAMILY}'; src: url('{REGULAR.as_uri()}'); font-weight: 400; }}\n"
        f"@font-face {{ font-family: '{FAMILY}'; src: url('{BOLD.as_uri()}'); font-weight: 700; }}\n"
    )
    fetcher = guarded_fetcher(paths[0].parent if paths else REGULAR.parent)
    fonts = CSS(string=faces, font_config=font_config, url_fetcher=fetcher)
    sheets = [CSS(filename=str(p), font_config=font_config, url_fetcher=fetcher) for p in paths]
    return font_config, [fonts, *sheets], fetcher.refused
