"""Verified publication: schemas `marts` and `audit` of the build database, as a new warehouse.duckdb
and one Parquet file per mart.

The build database is checkpointed first (an explicit CHECKPOINT that must succeed: a full disk makes
it fail, and nothing is published). The published database holds only what analysts use, `marts` and
`audit` (the build's raw, staging and intermediate schemas stay private), copied with their declared
types and constraints, and checked table by table against the row counts of the build. Every file is
written completely under a temporary name in the marts directory and fsynced; only then are they
renamed over the old ones (`os.replace` is atomic within a filesystem), the Parquet files first and
warehouse.duckdb last. A reader that has the old warehouse open keeps its inode and is never blocked.
A refresh killed before the renames leaves every published file as it was (its temporary files are
removed by the next refresh); one killed during the renames, a window of a few milliseconds, can
leave some Parquet files from the new build beside the old warehouse.duckdb, and the next refresh
replaces them all.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from .settings import Paths

PUBLISHED_SCHEMAS = ("marts", "audit")


class PublicationError(RuntimeError):
    """The build cannot be published as it is; the last good publication stays."""


def _fsync(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(directory: Path) -> None:
    dir_fd = os.open(directory, os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _wal(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def publish(paths: Paths, run_id: str) -> list[str]:
    """Publish the finished build database; returns the marts published."""
    paths.marts_dir.mkdir(parents=True, exist_ok=True)
    tag = f".tmp-{os.getpid()}"
    tmp_db = paths.marts_dir / f".warehouse.duckdb{tag}"
    tmp_db.unlink(missing_ok=True)
    staged = []
    con = duckdb.connect(str(paths.build_db))
    try:
        con.execute("CHECKPOINT")
        build = con.execute("SELECT current_database()").fetchone()[0]
        tables = con.execute(
            "SELECT schema_name, table_name, sql FROM duckdb_tables() WHERE database_name = current_database() "
            f"AND schema_name IN {PUBLISHED_SCHEMAS} ORDER BY schema_name, table_name").fetchall()
        marts = [t for s, t, _ in tables if s == "marts"]
        if not marts:
            raise PublicationError(f"the build database {paths.build_db} has no marts")
        con.execute(f"ATTACH '{tmp_db}' AS published")
        con.execute("USE published")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA {schema}")
        for schema, table, ddl in tables:
            con.execute(ddl)  # the declared types and NOT NULL constraints, as dbt's contracts built them
            con.execute(f"INSERT INTO published.{schema}.{table} SELECT * FROM {build}.{schema}.{table}")
        con.execute("CREATE TABLE audit.publication AS SELECT ? AS run_id, ?::TIMESTAMPTZ AS published_at, "
                    "(SELECT count(*) FROM audit.ingest_files) AS files",
                    [run_id, datetime.now(timezone.utc)])
        for schema, table, _ in tables:
            built, copied = con.execute(f"SELECT (SELECT count(*) FROM {build}.{schema}.{table}), "
                                        f"(SELECT count(*) FROM published.{schema}.{table})").fetchone()
            if built != copied:
                raise PublicationError(f"{schema}.{table}: {copied} rows copied of {built}")
        con.execute(f"USE {build}")
        con.execute("CHECKPOINT published")
        con.execute("DETACH published")
        for mart in marts:
            tmp = paths.marts_dir / f".{mart}.parquet{tag}"
            con.execute(f"COPY (SELECT * FROM marts.{mart}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
            staged.append((tmp, paths.marts_dir / f"{mart}.parquet"))
    except duckdb.Error as exc:
        raise PublicationError(f"the build could not be published: {exc}") from exc
    finally:
        con.close()
    for db in (paths.build_db, tmp_db):
        if _wal(db).exists():
            raise PublicationError(f"{db.name} still has a write-ahead log after its checkpoint: not published")
    staged.append((tmp_db, paths.published_db))
    for tmp, _ in staged:
        _fsync(tmp)
    for tmp, final in staged:
        os.replace(tmp, final)
    _fsync_dir(paths.marts_dir)
    return marts
