"""Benchmark: the editor at /admin/ of `rundbrief preview`, as the assistant opens it.

Starts `rundbrief preview` on a copy of the example project and opens /admin/ in headless
Chromium five times (a fresh browser profile each time, so nothing is cached): the time from
navigation until the collections are listed (the generated configuration loaded and read;
the editor's own in-memory backend stands in for signing in, as in tests/test_editor.py), and
the bytes the editor adds to the site, raw and gzip-compressed as a server sends them.

Run: .venv/bin/python bench/editor.py
"""

from __future__ import annotations

import gzip
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, copy_example  # noqa: E402
from preview_helpers import fetch, running_preview  # noqa: E402
from smtp_helpers import wait_for  # noqa: E402

RUNS = 5


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rundbrief-bench-editor-") as temporary:
        root = copy_example(Path(temporary) / "project")
        with running_preview(root) as preview:
            admin = preview.base + "admin/"
            if not wait_for(lambda: "Redaktion" in fetch(admin), timeout=300):
                sys.exit(f"the preview did not serve /admin/:\n{preview.output}")
            config = yaml.safe_load(fetch(admin + "config.yml"))
            config["backend"] = {"name": "test-repo"}
            body = yaml.safe_dump(config, allow_unicode=True)
            times = []
            with sync_playwright() as playwright:
                for _ in range(RUNS):
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, args=CHROMIUM_ARGS
                    )
                    page = browser.new_page()
                    page.route(
                        re.compile(r"/admin/config\.yml(\?|$)"),
                        lambda route: route.fulfill(body=body, content_type="application/yaml"),
                    )
                    started = time.perf_counter()
                    page.goto(admin, wait_until="commit")
                    page.get_by_text("Mit Test-Repository arbeiten").click(timeout=60_000)
                    page.get_by_text("Newsletter", exact=True).first.wait_for(timeout=60_000)
                    times.append(time.perf_counter() - started)
                    browser.close()
        site = root / ".rundbrief" / "preview" / "site" / "admin"
        sizes = {
            path.relative_to(site).as_posix(): path.read_bytes()
            for path in sorted(site.rglob("*"))
            if path.is_file() and path.suffix in (".js", ".css", ".json", ".woff2", ".html", ".yml")
        }
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"/admin/ ready (collections listed): median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s over {RUNS} fresh loads"
    )
    total = sum(len(data) for data in sizes.values())
    packed = sum(len(gzip.compress(data, 9)) for data in sizes.values())
    for name, data in sizes.items():
        print(f"  {name:42} {len(data):>9,} B  gzip {len(gzip.compress(data, 9)):>9,} B")
    print(f"the editor adds {total:,} B to the site, {packed:,} B gzip")


if __name__ == "__main__":
    main()
