"""A send loads only what it uses: each module a command imports costs every run of it.

The modules of signing (cryptography, dkimpy and its dnspython), of reading the feedback mailbox
(imaplib, flufl.bounce), of downloading a members export (http.client) and of the PostgreSQL
state (psycopg) together cost a dry run 0.1 s and 12 MB before its first message.
The optional inliner premailer brings requests, and with it http.client: under it (``.ci/run``
runs the suite once so) only the download's absence is not seen there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import INLINER
from members_helpers import member_row, members_file
from smtp_helpers import NEWSLETTER

UNUSED = ("cryptography", "dkim", "dns", "flufl", "imaplib", "psycopg")
UNUSED += () if INLINER == "premailer" else ("http.client",)

LAUNCHER = """
import atexit, sys
from pathlib import Path
out = Path(sys.argv[1])
atexit.register(lambda: out.write_text("\\n".join(sorted(sys.modules))))
sys.argv = ["rundbrief", *sys.argv[2:]]
from generator.cli import main
main()
"""


def test_a_dry_run_imports_no_signing_mailbox_download_or_postgres_module(
    example_project, smtp, tmp_path
):
    members = members_file(tmp_path / "private", [member_row(1)])
    loaded = tmp_path / "modules.txt"
    command = [sys.executable, "-c", LAUNCHER, str(loaded), "-C", str(example_project), "send"]
    command += [NEWSLETTER, "--members", str(members), "--yes", "--dry-run"]
    command += ["--outbox", str(tmp_path / "outbox")]
    result = subprocess.run(
        command, env={**os.environ, **smtp.env()}, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert len(list(Path(tmp_path / "outbox").glob("*.eml"))) == 1
    modules = loaded.read_text(encoding="utf-8").split("\n")
    assert "generator.sending.pipeline" in modules  # (the list is the send's own)
    found = [m for m in modules if m in UNUSED or m.startswith(tuple(f"{u}." for u in UNUSED))]
    assert found == []
