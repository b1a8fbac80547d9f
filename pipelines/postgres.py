"""The published marts served from PostgreSQL, for BI tools and many analysts at once.

After each publication, schemas `marts` and `audit` of the published warehouse are loaded into the
PostgreSQL database of `KC_POSTGRES_URL`:

1. every table is read from the published DuckDB file as Arrow and bulk-loaded with ADBC's PostgreSQL
   driver (binary COPY) into a private staging schema, outside any transaction analysts could see;
2. one transaction then replaces the rows of each served table with the staged ones (DELETE + INSERT,
   which readers' snapshots do not see until it commits, and which never waits for them), checks every
   table's row count, sets the comments from the dbt docs and grants `kc_reader` SELECT, and records the
   load in `audit.postgres_load`. A table whose columns changed is dropped and created again in the same
   transaction (that one waits, at most `LOCK_TIMEOUT`, for readers holding it).

A reader in a REPEATABLE READ transaction keeps reading the version it started with; a new query after
the commit reads the new one; nobody sees a half-loaded mart. Anything failing rolls the transaction back:
PostgreSQL keeps serving the previous publication.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SCHEMAS = ("marts", "audit")
STAGING = "kc_staging"
READER_ROLE = "kc_reader"
LOCK_TIMEOUT = "60s"

# DuckDB column type → PostgreSQL column type (money is BIGINT đồng, year lists INTEGER[])
_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIMESTAMP": "timestamp",
    "JSON": "jsonb",
    "HUGEINT": "numeric(38,0)",
}


class PostgresLoadError(RuntimeError):
    """The marts could not be loaded into PostgreSQL; it still serves the previous publication."""


@dataclass
class PostgresLoad:
    run_id: str
    loaded_at: str
    server: str  # the URL without its password
    tables: int
    rows: int
    seconds: float


def pg_type(duckdb_type: str) -> str:
    """The PostgreSQL type of a DuckDB column type; a type not listed stops the load (never a guess)."""
    if duckdb_type.endswith("[]"):
        return pg_type(duckdb_type[:-2]) + "[]"
    decimal = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", duckdb_type)
    if decimal:
        return f"numeric({decimal.group(1)},{decimal.group(2)})"
    if duckdb_type not in _TYPES:
        raise PostgresLoadError(f"no PostgreSQL type for the DuckDB type {duckdb_type}")
    return _TYPES[duckdb_type]


def safe_url(url: str) -> str:
    """The URL as it may be shown: without its password."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


@dataclass
class _Table:
    schema: str
    name: str
    columns: list[tuple[str, str, bool]]  # (name, PostgreSQL type, not null)
    data: object  # pyarrow.Table

    @property
    def qualified(self) -> str:
        return f'"{self.schema}"."{self.name}"'

    @property
    def staged(self) -> str:
        return f'"{STAGING}"."{self.schema}__{self.name}"'


def _read_published(published_db: Path) -> list[_Table]:
    import duckdb

    con = duckdb.connect(str(published_db), read_only=True)
    try:
        names = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
            f"AND schema_name IN {SCHEMAS} ORDER BY schema_name, table_name"
        ).fetchall()
        tables = []
        for schema, name in names:
            columns = con.execute(
                "SELECT column_name, data_type, NOT is_nullable FROM duckdb_columns() WHERE database_name = "
                "current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index",
                [schema, name],
            ).fetchall()
            data = con.sql(f'SELECT * FROM "{schema}"."{name}"').to_arrow_table()
            tables.append(_Table(schema, name, [(c, pg_type(t), nn) for c, t, nn in columns], data))
        return tables
    finally:
        con.close()


def _descriptions(manifest_path: Path) -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    """(schema, table) → (description, column → description), from the dbt manifest: models for the
    marts, sources for the audit tables."""
    if not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    out = {}
    for node in list(manifest["nodes"].values()) + list(manifest["sources"].values()):
        if node["resource_type"] not in ("model", "source"):
            continue
        schema = node["config"].get("schema") if node["resource_type"] == "model" else node.get("schema")
        if schema in SCHEMAS:
            name = node["name"]
            columns = {c: (d.get("description") or "").strip() for c, d in node.get("columns", {}).items()}
            out[(schema, name)] = ((node.get("description") or "").strip(), columns)
    return out


def _served_shape(cur, table: _Table) -> list[tuple[str, str, bool]] | None:
    cur.execute("SELECT to_regclass($1)::text", parameters=(table.qualified,))
    if cur.fetchone()[0] is None:
        return None
    cur.execute(
        "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
        "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        parameters=(table.qualified,),
    )
    return [(n, t, bool(nn)) for n, t, nn in cur.fetchall()]


def _canonical(pg: str) -> str:
    """A declared type as PostgreSQL's format_type writes it."""
    base, array = (pg[:-2], "[]") if pg.endswith("[]") else (pg, "")
    return {"timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone"}.get(
        base, base
    ) + array


def load_marts(
    published_db: Path, url: str, run_id: str, manifest_path: Path, record: Path | None = None
) -> PostgresLoad:
    """Load the published marts and audit into PostgreSQL in one swap; `record` (a JSON file) gets what
    was loaded, for `kc status`."""
    import adbc_driver_postgresql.dbapi as pg

    started = time.perf_counter()
    tables = _read_published(published_db)
    docs = _descriptions(manifest_path)
    try:
        con = pg.connect(url)
    except Exception as exc:
        raise PostgresLoadError(f"cannot connect to PostgreSQL at {safe_url(url)}: {_first_line(exc)}") from exc
    try:
        cur = con.cursor()
        # 1. stage, in bulk, where no analyst looks
        cur.execute(f'DROP SCHEMA IF EXISTS "{STAGING}" CASCADE')
        cur.execute(f'CREATE SCHEMA "{STAGING}"')
        cur.execute(f'REVOKE ALL ON SCHEMA "{STAGING}" FROM PUBLIC')
        for t in tables:
            cur.adbc_ingest(f"{t.schema}__{t.name}", t.data, mode="create", db_schema_name=STAGING)
        con.commit()
        # 2. one transaction: readers see the old version or the new one, never a mix
        cur.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        _ensure_reader_role(cur)
        for schema in SCHEMAS:
            cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        cur.execute(
            'CREATE TABLE IF NOT EXISTS "audit"."postgres_load" (run_id text NOT NULL, loaded_at timestamptz '
            "NOT NULL, tables integer NOT NULL, rows bigint NOT NULL)"
        )
        kept = {(t.schema, t.name) for t in tables} | {("audit", "postgres_load")}
        for t in tables:
            wanted = [(c, _canonical(ty), nn) for c, ty, nn in t.columns]
            served = _served_shape(cur, t)
            if served == wanted:
                cur.execute(f"DELETE FROM {t.qualified}")
            else:
                cur.execute(f"DROP TABLE IF EXISTS {t.qualified}")
                cols = ", ".join(f'"{c}" {ty}' + (" NOT NULL" if nn else "") for c, ty, nn in t.columns)
                cur.execute(f"CREATE TABLE {t.qualified} ({cols})")
            select = ", ".join(f'"{c}"::{ty}' for c, ty, _ in t.columns)
            cur.execute(f"INSERT INTO {t.qualified} SELECT {select} FROM {t.staged}")
            cur.execute(f"SELECT count(*) FROM {t.qualified}")
            served_rows = cur.fetchone()[0]
            if served_rows != t.data.num_rows:
                raise PostgresLoadError(f"{t.schema}.{t.name}: {served_rows} rows loaded of {t.data.num_rows}")
            _comment(cur, t, docs.get((t.schema, t.name)))
        for schema in SCHEMAS:  # a mart no longer published is no longer served
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = $1", parameters=(schema,))
            for (name,) in cur.fetchall():
                if (schema, name) not in kept:
                    cur.execute(f'DROP TABLE "{schema}"."{name}"')
            cur.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {READER_ROLE}')
            cur.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {READER_ROLE}')
        rows = sum(t.data.num_rows for t in tables)
        loaded_at = datetime.now(UTC)
        cur.execute(
            'INSERT INTO "audit"."postgres_load" VALUES ($1, $2, $3, $4)',
            parameters=(run_id, loaded_at, len(tables), rows),
        )
        con.commit()
        cur.execute(f'DROP SCHEMA IF EXISTS "{STAGING}" CASCADE')
        con.commit()
    except PostgresLoadError:
        con.rollback()
        raise
    except Exception as exc:
        con.rollback()
        raise PostgresLoadError(
            f"loading the marts into PostgreSQL failed (it still serves the previous publication): {_first_line(exc)}"
        ) from exc
    finally:
        con.close()
    load = PostgresLoad(
        run_id, loaded_at.isoformat(), safe_url(url), len(tables), rows, round(time.perf_counter() - started, 2)
    )
    if record is not None:
        tmp = record.with_name(record.name + ".tmp")
        tmp.write_text(json.dumps(asdict(load), indent=2), encoding="utf-8")
        tmp.replace(record)
    return load


def _ensure_reader_role(cur) -> None:
    """`kc_reader`: may log in and select from the served schemas, nothing else (its password, and who
    may use it, are the database administrator's)."""
    cur.execute(f"SELECT 1 FROM pg_roles WHERE rolname = '{READER_ROLE}'")
    if cur.fetchone() is None:  # created once; a role the administrator made is left as they made it
        cur.execute(f"CREATE ROLE {READER_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT")
        cur.execute(f"ALTER ROLE {READER_ROLE} SET default_transaction_read_only = on")
        cur.execute("SELECT current_database()")
        database = cur.fetchone()[0]
        cur.execute(f'REVOKE CREATE, TEMPORARY ON DATABASE "{database}" FROM {READER_ROLE}')
        cur.execute(f"REVOKE CREATE ON SCHEMA public FROM {READER_ROLE}")


def _comment(cur, table: _Table, docs: tuple[str, dict[str, str]] | None) -> None:
    if not docs:
        return
    description, columns = docs
    if description:
        cur.execute(f"COMMENT ON TABLE {table.qualified} IS {_literal(description)}")
    names = {c for c, _, _ in table.columns}
    for column, text in columns.items():
        if text and column in names:
            cur.execute(f'COMMENT ON COLUMN {table.qualified}."{column}" IS {_literal(text)}')


def _literal(text: str) -> str:
    return "'" + " ".join(text.split()).replace("'", "''") + "'"


def _first_line(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__).strip().splitlines()[0][:300]


def last_load(record: Path) -> dict | None:
    """What `load_marts` last recorded, or None."""
    try:
        return json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
