"""`rundbrief preview` serves the site with drafts on 127.0.0.1 and rebuilds on a saved change."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def test_preview_shows_drafts_and_reloads_on_save(example_project):
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "generator",
            "-C",
            str(example_project),
            "preview",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for(lambda: "Hilfe-Center" in fetch(base)), "preview did not start"
        # The draft is part of the preview, unlike the built site.
        assert "Ratenzahlung" in fetch(base + "zahlungen/ratenzahlung/")

        article = example_project / "content/zahlungen/paypal.md"
        text = article.read_text(encoding="utf-8")
        article.write_text(
            text + "\nNeu: Zahlungen per PayPal sind jetzt auch mobil möglich.\n", encoding="utf-8"
        )
        assert wait_for(lambda: "jetzt auch mobil" in fetch(base + "zahlungen/paypal/")), (
            "saved change did not show up"
        )
        # A broken source shows its problem and keeps serving the last good preview.
        article.write_text("---\ntitle: [kaputt\n---\n", encoding="utf-8")
        time.sleep(2)
        assert "Hilfe-Center" in fetch(base)
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "content/zahlungen/paypal.md:2: invalid YAML" in output
    assert not (example_project / "site").exists()
