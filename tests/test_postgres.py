"""The marts served from a real PostgreSQL server (issue 16): the same figures as the DuckDB warehouse,
types and comments kept, a read-only role, one swap that readers never see half done."""

import json
import shutil
from pathlib import Path

import adbc_driver_postgresql.dbapi as pg
import duckdb
import pytest

from tests import corpus
from tests.conftest import kc, site_env

# runs kc refresh, a server or a daemon: left out of `make test-fast`
pytestmark = pytest.mark.slow


def _site(tmp_path: Path, url: str, demo_inbox: Path) -> tuple[Path, dict]:
    raw = tmp_path / "raw"
    shutil.copytree(demo_inbox, raw)
    return raw, {**site_env(raw, tmp_path), "KC_POSTGRES_URL": url}


def _reader(url: str) -> str:
    return url.replace("postgres:@", "kc_reader@", 1)


def _duckdb_figures(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('marts', 'audit') ORDER BY 1, 2"
        ).fetchall():
            money = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND "
                    "table_name = ? AND column_name LIKE '%\\_vnd' ESCAPE '\\'",
                    [schema, table],
                ).fetchall()
            ]
            sums = ", ".join(f'sum("{c}")::VARCHAR' for c in money)
            out[f"{schema}.{table}"] = con.execute(
                f'SELECT count(*) {", " + sums if sums else ""} FROM "{schema}"."{table}"'
            ).fetchone()
        return out
    finally:
        con.close()


def _postgres_figures(url: str, tables: list[str], db: Path) -> dict:
    duck = duckdb.connect(str(db), read_only=True)
    out = {}
    with pg.connect(url) as con:
        cur = con.cursor()
        for name in tables:
            schema, table = name.split(".")
            money = [
                c
                for (c,) in duck.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND "
                    "table_name = ? AND column_name LIKE '%\\_vnd' ESCAPE '\\'",
                    [schema, table],
                ).fetchall()
            ]
            sums = ", ".join(f'sum("{c}")::text' for c in money)
            cur.execute(f'SELECT count(*) {", " + sums if sums else ""} FROM "{schema}"."{table}"')
            out[name] = tuple(cur.fetchone())
    duck.close()
    return out


def test_a_refresh_serves_the_marts_from_postgresql(tmp_path, postgres_url, demo_inbox):
    raw, env = _site(tmp_path, postgres_url, demo_inbox)
    result = kc(env, "refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    published = tmp_path / "marts" / "warehouse.duckdb"
    expected = _duckdb_figures(published)
    assert len([t for t in expected if t.startswith("marts.")]) == 14
    # every mart and audit table: the same rows and the same money totals, to the đồng
    assert _postgres_figures(postgres_url, list(expected), published) == expected
    with pg.connect(_reader(postgres_url)) as con:
        cur = con.cursor()
        cur.execute(
            "SELECT table_name, column_name, udt_name FROM information_schema.columns WHERE table_schema "
            "IN ('marts', 'audit')"
        )
        types = {(t, c): ty for t, c, ty in cur.fetchall()}
        assert {ty for (t, c), ty in types.items() if c.endswith("_vnd")} == {"int8"}  # money: bigint đồng
        assert types[("projects", "approved_on")] == "date"
        assert types[("ingest_files", "years")] == "_int4"  # integer[]
        assert types[("rejected_rows", "raw")] == "jsonb"
        cur.execute(
            "SELECT obj_description('marts.projects'::regclass), col_description('marts.projects'::regclass, 1)"
        )
        table_doc, column_doc = cur.fetchone()
        assert table_doc.startswith("One extension project") and column_doc
        # kc_reader reads, and nothing else
        for statement in (
            "CREATE TABLE marts.x (a int)",
            "DELETE FROM marts.projects",
            "CREATE TABLE public.x (a int)",
        ):
            try:
                cur.execute(statement)
            except Exception as exc:  # refused by the server
                assert "read-only" in str(exc) or "permission denied" in str(exc), exc
                con.rollback()
            else:
                raise AssertionError(f"kc_reader could run: {statement}")
    status = kc(env, "status")
    assert "PostgreSQL: " in status.stdout and "19 tables" in status.stdout, status.stdout


def test_a_reader_in_a_transaction_keeps_the_old_version_until_it_ends(tmp_path, postgres_url, demo_inbox):
    raw, env = _site(tmp_path, postgres_url, demo_inbox)
    assert kc(env, "refresh").returncode == 0
    reader = pg.connect(_reader(postgres_url))
    try:
        cur = reader.cursor()
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        cur.execute("SELECT count(*) FROM marts.projects")
        before = cur.fetchone()[0]
        corpus.local_register(raw / "projects" / "soc-trang" / "2011-bo-sung.xlsx", "TỈNH SÓC TRĂNG", 50, year=2011)
        result = kc(env, "refresh", timeout=300)  # does not wait for the reader
        assert result.returncode == 0, result.stdout + result.stderr
        con = duckdb.connect(str(tmp_path / "marts" / "warehouse.duckdb"), read_only=True)
        after = con.execute("SELECT count(*) FROM marts.projects").fetchone()[0]
        con.close()
        assert after == before + 2
        cur.execute("SELECT count(*) FROM marts.projects")
        assert cur.fetchone()[0] == before  # the version its transaction started with
        reader.commit()
        cur.execute("SELECT count(*) FROM marts.projects")
        assert cur.fetchone()[0] == after
    finally:
        reader.close()


def test_a_failed_refresh_leaves_postgresql_untouched_and_a_failed_load_is_retried(tmp_path, postgres_url, demo_inbox):
    raw, env = _site(tmp_path, postgres_url, demo_inbox)
    assert kc(env, "refresh").returncode == 0

    def loads():
        with pg.connect(postgres_url) as con:
            cur = con.cursor()
            cur.execute("SELECT run_id FROM audit.postgres_load ORDER BY loaded_at")
            return [r for (r,) in cur.fetchall()]

    served = loads()
    # a warehouse check fails (a bug inside the private build): nothing is published, PostgreSQL untouched
    build = tmp_path / "work" / "build"
    con = duckdb.connect(str(build / "warehouse.duckdb"))
    con.execute("UPDATE raw.projects SET program_level = 'galactic' WHERE rowid = 0")
    con.close()
    state = json.loads((build / "state.json").read_text(encoding="utf-8"))
    state["pending"] = ["raw.projects"]
    (build / "state.json").write_text(json.dumps(state), encoding="utf-8")
    assert kc(env, "refresh").returncode == 1
    assert loads() == served
    assert kc(env, "refresh", "--full").returncode == 0  # built again from the files: the broken row is gone
    served = loads()
    # the load itself fails (a constraint an administrator added rejects the new rows): rolled back, the
    # old version still served, the refresh fails loudly; once fixed, the next refresh loads it, though
    # nothing else changed
    with pg.connect(postgres_url, autocommit=True) as admin:
        admin.cursor().execute("ALTER TABLE marts.projects ADD CONSTRAINT no_new_rows CHECK (false) NOT VALID")
    corpus.local_register(raw / "projects" / "soc-trang" / "2011-bo-sung.xlsx", "TỈNH SÓC TRĂNG", 50, year=2011)
    failed = kc(env, "refresh")
    assert failed.returncode == 1 and "loading the marts into PostgreSQL failed" in failed.stderr, failed.stderr
    assert loads() == served
    with pg.connect(postgres_url, autocommit=True) as admin:
        admin.cursor().execute("ALTER TABLE marts.projects DROP CONSTRAINT no_new_rows")
    again = kc(env, "refresh")
    assert again.returncode == 0 and "nothing changed" not in again.stdout, again.stdout
    assert len(loads()) == len(served) + 1
    # the server cannot be reached: one line that says so, no traceback
    unreachable = {**env, "KC_POSTGRES_URL": postgres_url.replace("host=", "host=/nonexistent")}
    down = kc(unreachable, "refresh", "--full")
    assert down.returncode == 1 and "PostgreSQL at" in down.stderr and "Traceback" not in down.stderr, down.stderr
