"""CSS inlining behind one function, so the inliner can be swapped (premailer or css-inline)."""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import Any

# premailer's parsed-CSS cache holds 128 entries by default; a 150-rule stylesheet overflows
# it and every call re-parses everything (REFERENCE.md: 111 ms instead of 32 ms). The size is
# read when premailer is imported, so it must be set before.
os.environ.setdefault("PREMAILER_CACHE_MAXSIZE", "4096")

INLINERS = ("premailer", "css-inline")


def inline_css(html: str, inliner: str = "css-inline") -> str:
    """Move the base styles of ``html`` inline; only @media rules stay in a <style> block."""
    if inliner == "css-inline":
        return _css_inline(html)
    if inliner == "premailer":
        return _premailer(html)
    raise ValueError(f"unknown CSS inliner '{inliner}'; expected one of {', '.join(INLINERS)}")


def _premailer(html: str) -> str:
    from premailer import Premailer

    return str(
        Premailer(
            html,
            keep_style_tags=False,  # rules that cannot be inlined (@media) stay as leftovers
            strip_important=False,  # dark-mode and mobile rules need their !important
            allow_network=False,
            allow_loading_external_files=False,
            disable_validation=True,
            cssutils_logging_handler=logging.NullHandler(),
            cssutils_logging_level=logging.CRITICAL,
            remove_classes=False,
            disable_link_rewrites=True,
            # Keep real width/height attributes: premailer would write height="auto" from CSS.
            disable_basic_attributes=["width", "height"],
        ).transform(pretty_print=False)
    )


def _css_inline(html: str) -> str:
    return str(_css_inliner().inline(html))


@cache
def _css_inliner() -> Any:
    import css_inline

    # keep_at_rules: @media (mobile, dark mode) stay in <style>; everything else goes inline.
    return css_inline.CSSInliner(
        keep_style_tags=False, keep_at_rules=True, load_remote_stylesheets=False
    )
