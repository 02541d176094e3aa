"""Benchmark: a saved article or newsletter, from the save until it shows in the open browser.

Starts `rundbrief preview` on a copy of the example project, opens an article and a
newsletter's preview page in headless Chromium, and saves each source ten times with a new
sentence: the time from the write until the sentence is on screen (the live reload fetched and
drew the page; for the newsletter inside the email's frame). Beside it, in the same run, plain
`mkdocs serve` on the same staged pages and the same change to the article.

Run: .venv/bin/python bench/preview.py
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, copy_example  # noqa: E402
from preview_helpers import fetch, running_preview  # noqa: E402
from smtp_helpers import free_port, wait_for  # noqa: E402

SAVES = 10
ARTICLE = "zahlungen/paypal"
NEWSLETTER = "2026-11-02-monatsupdate-november"
SHOWN_IN_PAGE = "marker => document.body && document.body.innerText.includes(marker)"
SHOWN_IN_EMAIL = """marker => [...document.querySelectorAll('iframe')].some(frame =>
    frame.contentDocument && frame.contentDocument.body &&
    frame.contentDocument.body.innerText.includes(marker))"""


def saves(page: Page, source: Path, shown: str, label: str) -> list[float]:
    """Save ``source`` SAVES times with a new sentence; seconds until each is on screen."""
    original = source.read_text(encoding="utf-8")
    times = []
    for number in range(SAVES):
        marker = f"Messpunkt {label} {number} {time.monotonic_ns()}"
        started = time.perf_counter()
        source.write_text(f"{original}\n{marker}.\n", encoding="utf-8")
        page.wait_for_function(shown, arg=marker, polling="raf", timeout=60_000)
        times.append(time.perf_counter() - started)
        page.wait_for_timeout(300)  # the second reload of a save, if any, is over
    source.write_text(original, encoding="utf-8")
    return times


def plain_mkdocs(root: Path, folder: Path, page_of: Callable[[str], Page]) -> list[float]:
    """The same change under plain `mkdocs serve` of the staged pages (its defaults: polling)."""
    docs = folder / "docs"
    shutil.copytree(root / ".rundbrief" / "preview" / "docs", docs)
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    config.update(docs_dir=str(docs), site_dir=str(folder / "site"))
    config["theme"]["custom_dir"] = str(root / config["theme"]["custom_dir"])
    config_file = folder / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    port = free_port()
    command = [sys.executable, "-m", "mkdocs", "serve", "-f", str(config_file)]
    server = subprocess.Popen(
        [*command, "-a", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/{ARTICLE}/"
        assert wait_for(lambda: "PayPal" in fetch(url), timeout=300), "mkdocs serve did not start"
        page = page_of(url)
        return saves(page, docs / f"{ARTICLE}.md", SHOWN_IN_PAGE, "mkdocs")
    finally:
        server.terminate()
        server.wait(timeout=30)


def line(name: str, times: list[float]) -> str:
    median, worst = statistics.median(times), max(times)
    return f"| {name} | {median:.3f} s | {worst:.3f} s | {', '.join(f'{t:.2f}' for t in times)} |"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rundbrief-bench-preview-") as temporary:
        root = copy_example(Path(temporary) / "project")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

            def page_of(url: str) -> Page:
                page = browser.new_page()
                page.goto(url)
                return page

            with running_preview(root) as preview:
                assert wait_for(lambda: "Hilfe-Center" in fetch(preview.base), timeout=300)
                # One tab at a time: every open tab reloads on every save.
                article = page_of(preview.base + f"{ARTICLE}/")
                ours = saves(article, root / "content" / f"{ARTICLE}.md", SHOWN_IN_PAGE, "a")
                article.close()
                email = page_of(preview.base + f"newsletter-vorschau/{NEWSLETTER}.html")
                letter = saves(
                    email, root / "newsletters" / f"{NEWSLETTER}.md", SHOWN_IN_EMAIL, "n"
                )
                email.close()
            mkdocs = plain_mkdocs(root, Path(temporary) / "plain", page_of)
            browser.close()
    print(f"save to shown, {SAVES} saves each (seconds)")
    print("| what | median | max | each |")
    print("|---|---|---|---|")
    print(line("rundbrief preview, article", ours))
    print(line("rundbrief preview, newsletter (in the email's frame)", letter))
    print(line("plain mkdocs serve, the same article", mkdocs))


if __name__ == "__main__":
    main()
