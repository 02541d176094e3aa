"""Members and sign-ups from where they live: a CSV file, an HTTPS export, a SQL query.

Real components: PostgreSQL (the session's throw-away cluster), MariaDB (Debian's server in a
throw-away folder), an HTTPS server with a trustme CA, aiosmtpd. Every member is synthetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from conftest import git
from https_helpers import HttpsServer, Route, run_https
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from mariadb_helpers import INSTALL_DB, MariaDbServer, run_mariadb
from marketing_helpers import kit_folder
from smtp_helpers import NEWSLETTER

from generator.core.database import shown as redact
from generator.core.platformdb import DatabaseError, connect
from generator.core.problems import UsageError
from generator.core.settings import load_project
from generator.members.csvfile import Unreadable
from generator.members.recipients import Audience, recipients, select
from generator.members.remote import Download, DownloadError, fetch
from generator.members.source import members_source
from generator.review.reach import MemberCounts

BERLIN = dt.timezone(dt.timedelta(hours=1))
OPT_IN = dt.datetime(2026, 1, 2, 10, 0, tzinfo=BERLIN)
CONFIRMED = dt.datetime(2026, 1, 2, 10, 5, tzinfo=BERLIN)
MEMBERS = [
    # (mail, vorname, last_name, code, segments, opt_in, confirmed, unsubscribed, member_since)
    ("mitglied1@beispiel.example", "Anna", "Muster", "code-1", ["alle"], OPT_IN, CONFIRMED, None, 2024),
    ("mitglied2@beispiel.example", "Ben", "Muster", "code-2", ["alle", "kredit"], OPT_IN, CONFIRMED, None, 2023),
    ("mitglied3@beispiel.example", "Carla", "Muster", "code-3", ["alle"], OPT_IN, None, None, 2022),
    ("kaputt", "Dieter", "Muster", "code-4", ["alle"], OPT_IN, CONFIRMED, None, 2021),
    ("mitglied5@beispiel.example", "Eva", "Muster", "code-5", ["alle"], OPT_IN, CONFIRMED, dt.datetime(2026, 3, 1, tzinfo=BERLIN), 2020),
    ("mitglied6@beispiel.example", "Emil", "Muster", "code-6", ["alle"], OPT_IN, CONFIRMED, None, 2019),
]  # fmt: skip
"""Three who receive (1, 2, 6); one without confirmed consent, one invalid, one unsubscribed."""
RECEIVE = {"mitglied1@beispiel.example", "mitglied2@beispiel.example", "mitglied6@beispiel.example"}
HEADER = "mail,vorname,last_name,referral_code,segments,opt_in_at,confirmed_at,unsubscribed_at,member_since"
QUERY = (
    "SELECT mail, vorname, last_name, referral_code, segments, opt_in_at, confirmed_at, "
    "unsubscribed_at, member_since FROM mitglieder ORDER BY id"
)
SIGNUPS = [
    ("2026-11-02", "code-1", "2026-11-monatsupdate-november", "newsletter", "email", ""),
    ("2026-11-03", "", "2026-11-monatsupdate-november", "newsletter", "email", ""),
    ("2026-11-20", "code-2", "winteraktion", "mitglieder", "flyer", "a"),
    ("2026-12-01", "code-1", "", "", "", ""),
]
SIGNUP_HEADER = "date,referral_code,utm_campaign,utm_source,utm_medium,utm_content"


def members_csv() -> str:
    """The members as the platform's CSV export (the mapped headers of ``with_settings``)."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return " ".join(value)
        if isinstance(value, dt.datetime):
            return value.isoformat()
        return str(value)

    return "\n".join([HEADER, *(",".join(cell(v) for v in row) for row in MEMBERS)]) + "\n"


def signups_csv() -> str:
    return "\n".join([SIGNUP_HEADER, *(",".join(row) for row in SIGNUPS)]) + "\n"


def with_settings(root: Path, members_query: str | None = None, signups_query: str = "") -> None:
    """Map the export's headers (and set the queries) in rundbrief.yml, merged and pushed."""
    settings = root / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    extra = "  columns:\n    email: mail\n    first_name: vorname\n"
    if members_query:
        extra += f"  query: {members_query}\n"
    text = text.replace("members:                  # the members file (see README, \"The members file\")\n", "members:\n" + extra)  # fmt: skip
    assert extra in text
    if signups_query:
        text += f"signups:\n  query: {signups_query}\n"
    settings.write_text(text, encoding="utf-8")
    git(root, "commit", "-qam", "members from the database")
    git(root, "push", "-q", "origin", "main")  # as the founder merged it


def fill_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url) as connection:
        connection.execute(
            "CREATE TABLE mitglieder (id serial PRIMARY KEY, mail text, vorname text, "
            "last_name text, referral_code text, segments text[], opt_in_at timestamptz, "
            "confirmed_at timestamptz, unsubscribed_at timestamptz, member_since int)"
        )
        for row in MEMBERS:
            connection.execute(
                "INSERT INTO mitglieder (mail, vorname, last_name, referral_code, segments, "
                "opt_in_at, confirmed_at, unsubscribed_at, member_since) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                row,
            )
        connection.execute(
            "CREATE TABLE anmeldungen (id serial PRIMARY KEY, date date, referral_code text, "
            "utm_campaign text, utm_source text, utm_medium text, utm_content text)"
        )
        for signup in SIGNUPS:
            connection.execute(
                "INSERT INTO anmeldungen (date, referral_code, utm_campaign, utm_source, "
                "utm_medium, utm_content) VALUES (%s, %s, %s, %s, %s, %s)",
                signup,
            )
        # A function that writes: only the read-only transaction stops it.
        connection.execute(
            "CREATE FUNCTION leeren() RETURNS SETOF mitglieder LANGUAGE sql AS "
            "$$ DELETE FROM mitglieder RETURNING * $$"
        )


def count_rows(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT count(*) FROM mitglieder").fetchone()
        assert row is not None
        return int(row[0])


def outbox_recipients(folder: Path) -> set[str]:
    """The recipients of a --dry-run outbox, by its file names (000001-<address>.eml)."""
    return {p.stem.split("-", 1)[1] for p in folder.glob("*.eml")}


def test_the_first_source_given_counts(make_project, tmp_path):
    root = make_project({"content/index.md": "---\ntitle: Hilfe\n---\n"})
    settings = root / "rundbrief.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("members:", "members:\n  query: SELECT 1", 1)
        + "review:\n  members_file: privat/mitglieder.csv\n",
        encoding="utf-8",
    )
    url = "https://plattform.example/export.csv"

    def origin(given: str | None, env: dict[str, str]) -> str:
        source = members_source(load_project(root), given, env)
        assert source is not None
        return f"{source.origin.kind} {source.display}"

    env = {"RUNDBRIEF_MEMBERS_FILE": url}
    assert origin(str(tmp_path / "a.csv"), env) == f"file {tmp_path / 'a.csv'}"
    assert origin(None, env) == f"url {url}"
    assert origin(None, {}) == "query Abfrage members.query"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("  query: SELECT 1", "  # query: SELECT 1"),
        encoding="utf-8",
    )
    assert origin(None, {}) == "file privat/mitglieder.csv"
    with pytest.raises(UsageError, match="members.query in rundbrief.yml"):
        members_source(load_project(root), "postgresql://app:geheim@db.example/x", {})


# PostgreSQL -----------------------------------------------------------------------------------


def test_members_from_a_postgres_query_are_the_recipients_of_the_same_csv(
    example_project, cli, smtp, postgres, tmp_path
):
    fill_postgres(postgres)
    export = tmp_path / "privat" / "mitglieder.csv"
    export.parent.mkdir()
    export.write_text(members_csv(), encoding="utf-8")
    with_settings(example_project, QUERY)
    env = smtp.env(RUNDBRIEF_MEMBERS_DATABASE_URL=postgres)

    # The command's --members comes first: the file, although members.query is set.
    by_file = cli(example_project, "send", NEWSLETTER, "--members", str(export), "--dry-run",
                  "--outbox", str(tmp_path / "datei"), env=env)  # fmt: skip
    assert by_file.exit_code == 0, by_file.stderr
    assert outbox_recipients(tmp_path / "datei") == RECEIVE

    # Without --members: members.query, sent for real to the SMTP server.
    by_query = cli(example_project, "send", NEWSLETTER, "--yes", env=env)
    assert by_query.exit_code == 0, by_query.stderr
    assert set(smtp.recorder.count_by_recipient()) == RECEIVE
    assert all(n == 1 for n in smtp.recorder.count_by_recipient().values())
    # A bad row is named by its row in the query's result, as a file names its line.
    assert "Abfrage members.query:4: Warnung: ungültige Adresse 'kaputt'" in by_query.stderr
    assert f"{export.name}:5: Warnung: ungültige Adresse 'kaputt'" in by_file.stderr
    assert "postgresql://" not in by_query.output + by_query.stderr

    # kits, report and review's count read the same source without being told.
    kits = cli(example_project, "kits", "--member", "code-2", "--jobs", "1", env=env)
    assert kits.exit_code == 0, kits.stderr
    assert kit_folder(example_project, "code-2").is_dir()
    report = cli(example_project, "report", env=env)
    assert report.exit_code == 0, report.stderr
    source = members_source(load_project(example_project), env=env)
    assert source is not None
    reach = MemberCounts(source).reach("alle")
    assert (reach.recipients, reach.file) == (3, "Abfrage members.query")


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM mitglieder RETURNING mail, vorname, last_name, referral_code, segments, "
        "opt_in_at, confirmed_at, unsubscribed_at",
        "UPDATE mitglieder SET vorname = 'x' RETURNING mail, vorname, last_name, referral_code, "
        "segments, opt_in_at, confirmed_at, unsubscribed_at",
        "SELECT * FROM leeren()",
        "WITH weg AS (DELETE FROM mitglieder RETURNING *) SELECT * FROM weg",
    ],
)
def test_a_query_that_writes_is_refused_by_the_read_only_transaction(make_project, postgres, query):
    fill_postgres(postgres)
    root = make_project({"content/index.md": "---\ntitle: Hilfe\n---\n"})
    settings = root / "rundbrief.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "members:", f"members:\n  query: \"{query}\"\n  columns:\n    email: mail\n    first_name: vorname", 1
        ),
        encoding="utf-8",
    )  # fmt: skip
    source = members_source(load_project(root), env={"RUNDBRIEF_MEMBERS_DATABASE_URL": postgres})
    assert source is not None
    with pytest.raises(Unreadable) as refused:
        select(source, Audience("alle"))
    assert str(refused.value.problem).startswith(
        "Abfrage members.query: members.query versucht zu schreiben ("
    )
    assert "lesenden Transaktion" in refused.value.problem.message
    assert count_rows(postgres) == len(MEMBERS)


def query_problem(make_project, url: str, query: str) -> str:
    root = make_project({"content/index.md": "---\ntitle: Hilfe\n---\n"})
    settings = root / "rundbrief.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "members:", f'members:\n  query: "{query}"', 1
        ),
        encoding="utf-8",
    )
    source = members_source(load_project(root), env={"RUNDBRIEF_MEMBERS_DATABASE_URL": url})
    assert source is not None
    with pytest.raises(Unreadable) as refused:
        select(source, Audience("alle"))
    return str(refused.value.problem)


def test_a_failing_query_names_its_mistake_but_never_a_value(make_project, postgres):
    fill_postgres(postgres)
    typo = query_problem(make_project, postgres, "SELECT mail AS email FORM mitglieder")
    assert typo.startswith("Abfrage members.query: members.query ist auf postgresql://")
    assert 'syntax error at or near "FORM"' in typo
    # A data exception quotes the value it could not convert: member data stays out of the log.
    cast = query_problem(
        make_project, postgres, "SELECT CAST(mail AS int) AS email FROM mitglieder"
    )
    assert cast.endswith(
        "Fehler 22P02; die Worte des Servers werden nicht gezeigt, sie können Mitgliederdaten "
        "zitieren"
    )
    assert "mitglied" not in cast


def test_a_second_statement_cannot_end_the_read_only_transaction(make_project, postgres):
    fill_postgres(postgres)
    root = make_project({"content/index.md": "---\ntitle: Hilfe\n---\n"})
    settings = root / "rundbrief.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "members:", 'members:\n  query: "SELECT 1; COMMIT; DELETE FROM mitglieder"', 1
        ),
        encoding="utf-8",
    )
    source = members_source(load_project(root), env={"RUNDBRIEF_MEMBERS_DATABASE_URL": postgres})
    assert source is not None
    with pytest.raises(Unreadable):
        select(source, Audience("alle"))
    assert count_rows(postgres) == len(MEMBERS)


def test_without_the_database_url_the_query_names_the_variable(example_project, cli):
    with_settings(example_project, QUERY)
    result = cli(example_project, "report", env={"RUNDBRIEF_MEMBERS_DATABASE_URL": ""})
    assert result.exit_code == 1
    assert (
        "Abfrage members.query: members.query ist gesetzt: setzen Sie die Datenbank-URL in "
        "RUNDBRIEF_MEMBERS_DATABASE_URL (ein Geheimnis)"
    ) in result.stderr


def test_a_database_elsewhere_is_reached_only_over_verified_tls():
    with pytest.raises(DatabaseError) as plain:
        connect("postgresql://app:geheim-1234@db.beispiel.example/plattform")
    assert "TLS" in plain.value.message and "geheim-1234" not in plain.value.message
    with pytest.raises(DatabaseError) as mysql:
        connect("mysql://app:geheim-1234@db.beispiel.example/plattform")
    assert "ssl_ca" in mysql.value.message and "geheim-1234" not in mysql.value.message


def test_a_wrong_password_is_a_german_message_without_the_password(postgres):
    wrong = postgres.replace("rundbrief@", "niemand:falsch-geheim-987@")
    with pytest.raises(DatabaseError) as refused:
        connect(wrong)
    assert refused.value.message.startswith(
        "keine Verbindung zur Datenbank postgresql://niemand:***@"
    )
    assert "falsch-geheim-987" not in refused.value.message


def test_postgres_over_tls_is_verified_against_its_ca(postgres_server, postgres, tmp_path):
    fill_postgres(postgres)
    name = postgres.rsplit("/", 1)[1]
    connection = connect(postgres_server.url(name, tls=True))
    try:
        assert connection.pgconn.ssl_in_use
    finally:
        connection.close()
    stranger = tmp_path / "fremde-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    impostor = postgres_server.url(name, tls=True).replace(
        str(postgres_server.ca_file), str(stranger)
    )
    with pytest.raises(DatabaseError) as refused:
        connect(impostor)
    assert refused.value.message.startswith("keine Verbindung zur Datenbank postgresql://")
    assert "certificate verify failed" in refused.value.message


@settings(max_examples=60, deadline=None)
@given(password=st.text(min_size=6, max_size=30), user=st.text(max_size=10))
def test_a_database_url_is_shown_without_its_password(password, user):
    from urllib.parse import quote

    url = f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@db.example:5432/x"
    shown = redact(url) + redact(url + f"?password={quote(password, safe='')}")
    assert quote(password, safe="") not in shown.replace(quote(user, safe=""), "")


# Sign-ups from a table, a URL and a file -------------------------------------------------------


def signup_tables(root: Path) -> dict[str, bytes]:
    folder = root / "build" / "reports"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("anmeldungen*.csv"))}


def test_signups_from_a_table_a_url_and_a_file_give_the_same_report(
    example_project, cli, postgres, tmp_path
):
    fill_postgres(postgres)
    export = tmp_path / "anmeldungen.csv"
    export.write_text(signups_csv(), encoding="utf-8")
    with_settings(
        example_project,
        signups_query="SELECT date, referral_code, utm_campaign, utm_source, utm_medium, "
        "utm_content FROM anmeldungen ORDER BY id",
    )
    with run_https(tmp_path / "https") as server:
        server.routes["/export/anmeldungen.csv"] = Route(signups_csv().encode(), token="t0ken-abc")
        env = {**server.env("t0ken-abc"), "RUNDBRIEF_MEMBERS_DATABASE_URL": postgres}
        from_file = cli(example_project, "report", "--signups", str(export), env=env)
        assert from_file.exit_code == 0, from_file.stderr
        by_file = signup_tables(example_project)
        from_url = cli(example_project, "report", "--signups",
                       server.url("/export/anmeldungen.csv"), env=env)  # fmt: skip
        assert from_url.exit_code == 0, from_url.stderr
        by_url = signup_tables(example_project)
    from_table = cli(example_project, "report", env=env)
    assert from_table.exit_code == 0, from_table.stderr
    by_table = signup_tables(example_project)
    assert by_file and len(by_file) >= 3
    assert by_file == by_url == by_table
    assert "code-1" in by_table["anmeldungen-codes.csv"].decode("utf-8-sig")


# HTTPS -----------------------------------------------------------------------------------------


@pytest.fixture
def https(tmp_path: Path) -> Iterator[HttpsServer]:
    with run_https(tmp_path / "https") as server:
        yield server


TOKEN = "platform-token-0123456789"
CATALOGUE = Path(__file__).parent.parent / "generator/locale/de/LC_MESSAGES/rundbrief.po"


def test_members_from_an_https_export_with_the_token_are_the_recipients_of_the_file(
    example_project, cli, smtp, https, tmp_path
):
    with_settings(example_project)
    https.routes["/export/mitglieder.csv"] = Route(members_csv().encode(), token=TOKEN)
    https.routes["/alt.csv"] = Route(status=301, headers={"Location": "/export/mitglieder.csv"})
    env = smtp.env(**https.env(TOKEN))
    result = cli(example_project, "send", NEWSLETTER, "--members", https.url("/alt.csv"),
                 "--dry-run", "--outbox", str(tmp_path / "url"), env=env)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert outbox_recipients(tmp_path / "url") == RECEIVE
    # Each reading fetched the export again (count, duplicates, send), always with the token.
    assert https.requests and all(r["Authorization"] == f"Bearer {TOKEN}" for r in https.requests)
    assert TOKEN not in result.output + result.stderr
    shown = https.url("/alt.csv")
    assert f"{shown}:5: Warnung: ungültige Adresse 'kaputt'" in result.stderr

    # RUNDBRIEF_MEMBERS_FILE takes a URL as well; review counts through it.
    project = load_project(example_project)
    source = members_source(project, env={"RUNDBRIEF_MEMBERS_FILE": https.url("/alt.csv"),
                                          **https.env(TOKEN)})  # fmt: skip
    assert source is not None
    assert {m.email for m in recipients(source, Audience("alle"))} == RECEIVE
    reach = MemberCounts(source).reach("alle")  # the review page: the count, not where it lies
    assert (reach.recipients, reach.file) == (3, "alt.csv")


def problem_of(project_root: Path, url: str, env: dict[str, str]) -> str:
    source = members_source(load_project(project_root), url, env)
    assert source is not None
    with pytest.raises(Unreadable) as refused:
        select(source, Audience("alle"))
    return str(refused.value.problem)


def test_https_export_refusals_are_german_with_the_next_step(make_project, https):
    root = make_project({"content/index.md": "---\ntitle: Hilfe\n---\n"})
    https.routes["/m.csv"] = Route(members_csv().encode(), token=TOKEN)
    https.routes["/nach-http"] = Route(status=302, headers={"Location": f"http://127.0.0.1:{https.port}/m.csv"})  # fmt: skip
    https.routes["/woanders"] = Route(status=307, headers={"Location": https.url("/m.csv", "localhost")})  # fmt: skip
    https.routes["/riesig"] = Route(headers={"Content-Length": str(10**12)})
    url = https.url("/m.csv")

    assert problem_of(root, url, https.env()) == (
        f"{url}: HTTP 401, der Server verlangt ein Token: RUNDBRIEF_MEMBERS_TOKEN setzen"
    )
    assert problem_of(root, url, https.env("falsches-token")) == (
        f"{url}: HTTP 401, das Token in RUNDBRIEF_MEMBERS_TOKEN wird nicht angenommen "
        "(abgelaufen oder für einen anderen Export?); bei der Plattform ein neues holen"
    )
    assert "leitet auf http://127.0.0.1" in problem_of(
        root, https.url("/nach-http"), https.env(TOKEN)
    )
    assert "leitet auf einen anderen Server" in problem_of(
        root, https.url("/woanders"), https.env(TOKEN)
    )
    assert problem_of(root, https.url("/riesig"), https.env(TOKEN)).endswith(
        "der Export ist größer als 512 MB; ist das die richtige Adresse?"
    )
    assert problem_of(root, https.url("/fehlt.csv"), https.env(TOKEN)).endswith(
        "HTTP 404, unter dieser Adresse gibt es keinen Export; die URL prüfen"
    )
    untrusted = problem_of(root, url, {"RUNDBRIEF_MEMBERS_TOKEN": TOKEN})
    assert "Zertifikat" in untrusted and "RUNDBRIEF_MEMBERS_CA_FILE" in untrusted
    unknown = problem_of(root, "https://export.nicht-da.invalid/m.csv", https.env(TOKEN))
    assert unknown == (
        "https://export.nicht-da.invalid/m.csv: der Name export.nicht-da.invalid ist nicht "
        "bekannt (DNS); prüfen Sie die URL"
    )
    plain = problem_of(root, f"http://127.0.0.1:{https.port}/m.csv", https.env(TOKEN))
    assert "nur https://" in plain
    # The token went only where it belongs: over TLS, to this server, never after a refusal.
    assert len([r for r in https.requests if r.get("Authorization") == f"Bearer {TOKEN}"]) == 4


def test_an_export_that_grows_past_the_limit_midway_is_refused(https):
    https.routes["/endlos"] = Route(b"email\n" + b"x@beispiel.example\n" * 10_000, length=False)
    download = Download(https.url("/endlos"), ca_file=str(https.ca_file), max_bytes=50_000)
    with pytest.raises(DownloadError) as refused, fetch(download) as body:
        while body.read(8192):
            pass
    assert "größer als" in refused.value.message


@st.composite
def hostile_urls(draw: st.DrawFn, port: int) -> tuple[str, str]:
    b64token = st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=",
        min_size=12,
        max_size=40,
    )
    # Tokens the server is sent (and echoes in its 401), and tokens refused before sending.
    token = draw(st.one_of(b64token, st.text(min_size=12, max_size=40)))
    where = draw(st.sampled_from(["query", "userinfo", "header", "redirect", "elsewhere"]))
    from urllib.parse import quote

    if where == "query":
        return token, f"https://127.0.0.1:{port}/m.csv?token={quote(token, safe='')}"
    if where == "userinfo":
        return token, f"https://x:{quote(token, safe='')}@127.0.0.1:{port}/m.csv"
    if where == "redirect":  # the server puts the token into the Location of a redirect
        return token, f"https://127.0.0.1:{port}/nach-http"
    if where == "elsewhere":
        return token, f"https://127.0.0.1:{port}/woanders"
    return token, f"https://127.0.0.1:{port}/m.csv"


def test_the_token_is_never_printed(make_project, tmp_path):
    root = make_project({"content/index.md": "---\ntitle: Hilfe\n---\n"})
    project = load_project(root)
    with run_https(tmp_path / "https") as server:
        server.routes["/m.csv"] = Route(members_csv().encode(), token="das-richtige-token")
        server.routes["/nach-http"] = Route(echo_to="http://127.0.0.1/weiter/")
        server.routes["/woanders"] = Route(echo_to=f"https://localhost:{server.port}/")

        words = CATALOGUE.read_text(encoding="utf-8") + server.url("/")

        @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(case=hostile_urls(server.port))
        def check(case: tuple[str, str]) -> None:
            token, url = case
            # A token that is a word of the messages themselves proves nothing either way.
            assume(token != "das-richtige-token" and token not in words)
            env = {**server.env(token), "RUNDBRIEF_MEMBERS_TOKEN": token}
            source = members_source(project, url, env)
            assert source is not None
            assert token not in repr(source.origin) + source.display
            with pytest.raises(Unreadable) as refused:  # 401 (echoed by the server) or refused
                select(source, Audience("alle"))
            assert token not in str(refused.value.problem)

        check()


# MariaDB (MySQL's driver path) -----------------------------------------------------------------


@pytest.fixture(scope="module")
def mariadb() -> Iterator[MariaDbServer]:
    if INSTALL_DB is None:
        pytest.skip(
            "MariaDB is not installed: apt-get install mariadb-server (scripts/setup --test)"
        )
    with run_mariadb() as server:
        yield server


def fill_mariadb(url: str) -> None:
    import pymysql

    from generator.core.platformdb import connect

    connection = connect(url)
    assert isinstance(connection, pymysql.connections.Connection)
    try:
        cursor = connection.cursor()
        cursor.execute(
            "CREATE TABLE mitglieder (id int AUTO_INCREMENT PRIMARY KEY, mail varchar(254), "
            "vorname varchar(100), last_name varchar(100), referral_code varchar(100), "
            "segments varchar(200), opt_in_at datetime, confirmed_at datetime, "
            "unsubscribed_at datetime, member_since int)"
        )
        for row in MEMBERS:
            values = [
                " ".join(v) if isinstance(v, list)
                # MariaDB's DATETIME has no zone: the time as Berlin shows it (``timezone``).
                else v.replace(tzinfo=None) if isinstance(v, dt.datetime)
                else v
                for v in row
            ]  # fmt: skip
            cursor.execute(
                "INSERT INTO mitglieder (mail, vorname, last_name, referral_code, segments, "
                "opt_in_at, confirmed_at, unsubscribed_at, member_since) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                values,
            )
        connection.commit()
    finally:
        connection.close()


def mariadb_project(make_project, query: str) -> Path:
    root = make_project({"content/index.md": "---\ntitle: Hilfe\n---\n"})
    settings = root / "rundbrief.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "members:", f'members:\n  query: "{query}"\n  columns:\n    email: mail\n    first_name: vorname', 1
        ),
        encoding="utf-8",
    )  # fmt: skip
    return root


_mariadbs = iter(range(1_000_000))


def test_mariadb_is_reached_over_verified_tls_and_never_falls_back_to_plain_text(mariadb, tmp_path):
    import ssl

    url = mariadb.create(f"m{next(_mariadbs)}")
    with pytest.raises(DatabaseError) as plain:  # this server offers no TLS: refused, not used
        connect(url + "?ssl=required")
    assert plain.value.message.startswith("keine Verbindung zur Datenbank mysql://")
    ca, stranger = trustme.CA(), trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    stranger.cert_pem.write_to_path(str(tmp_path / "fremde-ca.pem"))
    with run_mariadb(ca) as secure:
        url = secure.create("sicher")
        connection = connect(f"{url}?ssl_ca={tmp_path / 'ca.pem'}")
        try:
            assert isinstance(connection._sock, ssl.SSLSocket)
        finally:
            connection.close()
        with pytest.raises(DatabaseError) as impostor:
            connect(f"{url}?ssl_ca={tmp_path / 'fremde-ca.pem'}")
        assert "CERTIFICATE_VERIFY_FAILED" in impostor.value.message.upper().replace(" ", "_")


def test_members_from_a_mariadb_query_are_the_recipients_of_the_same_csv(
    make_project, mariadb, tmp_path
):
    url = mariadb.create(f"m{next(_mariadbs)}")
    fill_mariadb(url)
    project = load_project(mariadb_project(make_project, QUERY))
    export = tmp_path / "mitglieder.csv"
    export.write_text(members_csv(), encoding="utf-8")
    by_query = members_source(project, env={"RUNDBRIEF_MEMBERS_DATABASE_URL": url})
    by_file = members_source(project, str(export), env={"RUNDBRIEF_MEMBERS_DATABASE_URL": url})
    assert by_query is not None and by_file is not None
    assert by_query.display == "Abfrage members.query"
    chosen = [(m.email, m.first_name, m.segments, m.confirmed_at) for m in recipients(by_query, Audience("alle"))]  # fmt: skip
    assert chosen == [(m.email, m.first_name, m.segments, m.confirmed_at) for m in recipients(by_file, Audience("alle"))]  # fmt: skip
    assert {email for email, *_ in chosen} == RECEIVE
    counted = select(by_query, Audience("alle"))
    assert counted.recipients == 3 and counted.excluded["invalid"] == 1
    assert [(p.path, p.line) for p in counted.problems if "kaputt" in p.message] == [
        ("Abfrage members.query", 4)
    ]


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM mitglieder",
        "UPDATE mitglieder SET vorname = 'x'",
        "SELECT 1; DELETE FROM mitglieder",
    ],
)
def test_a_mariadb_query_that_writes_is_refused(make_project, mariadb, query):
    url = mariadb.create(f"m{next(_mariadbs)}")
    fill_mariadb(url)
    project = load_project(mariadb_project(make_project, query))
    source = members_source(project, env={"RUNDBRIEF_MEMBERS_DATABASE_URL": url})
    assert source is not None
    with pytest.raises(Unreadable) as refused:
        select(source, Audience("alle"))
    assert refused.value.problem.path == "Abfrage members.query"
    if "SELECT 1" not in query:
        assert "versucht zu schreiben" in refused.value.problem.message
    import pymysql

    connection = pymysql.connect(host="127.0.0.1", port=mariadb.port, user="rundbrief",
                                 database=url.rsplit("/", 1)[1])  # fmt: skip
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT count(*), min(vorname) FROM mitglieder")
        assert cursor.fetchone() == (len(MEMBERS), "Anna")
    finally:
        connection.close()


def test_doctor_reads_the_query_as_send_does(make_project, postgres):
    from generator.doctor.diagnose import _members

    fill_postgres(postgres)
    root = make_project({"content/index.md": "---\ntitle: Hilfe\n---\n"})
    settings = root / "rundbrief.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "members:", f'members:\n  query: "{QUERY}"\n  columns:\n    email: mail\n    first_name: vorname', 1
        ),
        encoding="utf-8",
    )  # fmt: skip
    project = load_project(root)
    found = _members(project, {"RUNDBRIEF_MEMBERS_DATABASE_URL": postgres}, None)
    assert (found.status, found.message) == (
        "hint",
        "Abfrage members.query: 5 Mitglieder lesbar; 1 Zeilen mit Problemen",
    )
    missing = _members(project, {}, None)
    assert missing.status == "fail"
    assert missing.fix == "members.query oder RUNDBRIEF_MEMBERS_DATABASE_URL korrigieren"


def test_a_pull_request_cannot_run_a_query_of_its_own_in_the_review(
    example_project, postgres, monkeypatch
):
    """The review counts with main's members.query: a pull request's own query would run on the
    platform's database before anyone approved it, and what it reads could reach the CI log."""
    from generator.review.pipeline import review

    fill_postgres(postgres)
    with_settings(example_project, QUERY)
    git(example_project, "checkout", "-q", "-b", "neugierig")
    settings = example_project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace(f"  query: {QUERY}\n", f"  query: {QUERY} LIMIT 1\n"))
    draft = example_project / "newsletters" / "2026-12-01-mitglieder-werben-mitglieder.md"
    draft.write_text(draft.read_text(encoding="utf-8").replace("status: draft", "status: approved"))
    git(example_project, "commit", "-qam", "a query of my own, and a newsletter to count for")
    monkeypatch.setenv("RUNDBRIEF_MEMBERS_DATABASE_URL", postgres)

    result = review(load_project(example_project))

    [newsletter] = [n for n in result.newsletters if n.reach is not None]
    assert newsletter.reach.recipients == 3  # main's query; the pull request's would give 1
