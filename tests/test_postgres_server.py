"""The throw-away PostgreSQL the shared-state tests run against: reachable, isolated, TLS."""

from __future__ import annotations

import psycopg
from postgres_helpers import PostgresServer


def test_each_test_gets_its_own_empty_database(
    postgres: str, postgres_server: PostgresServer
) -> None:
    with psycopg.connect(postgres) as connection:
        connection.execute("CREATE TABLE t (x int)")
        connection.execute("INSERT INTO t VALUES (1)")
    other = postgres_server.create("another_one")
    with psycopg.connect(other) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)


def test_the_server_speaks_tls_verified_against_its_ca(postgres_server: PostgresServer) -> None:
    with psycopg.connect(postgres_server.url(tls=True)) as connection:
        in_use = connection.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        assert in_use.fetchone() == (True,)
