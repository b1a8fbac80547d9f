"""Verified publication: schemas `marts` and `audit` of the build database, as a new warehouse.duckdb
and one Parquet file per mart, swapped in as one whole.

The build database is checkpointed first (an explicit CHECKPOINT that must succeed: a full disk makes
it fail, and nothing is published). The published database holds only what analysts use, `marts` and
`audit` (the build's raw, staging and intermediate schemas stay private), copied with their declared
types and constraints and checked table by table against the row counts of the build; the Parquet
files are written from the same checkpointed state.

Each publication is a directory of its own, `<marts>/versions/<run id>/`, written completely (under a
temporary name, fsynced, read-only) before one pointer, the symbolic link `<marts>/current`, is
replaced atomically. `<marts>/warehouse.duckdb` and `<marts>/<mart>.parquet` are links through
`current`, so the paths of the contract (shared/spec/marts.md) always lead to one whole publication: a
refresh killed at any moment leaves the old one or the new one, never a mix. A reader that has a file
open keeps its inode. The previous publication is kept for readers still on it; older ones are removed.
A write-ahead log that a read-write session left beside `warehouse.duckdb` is set aside, so that one
careless session cannot break the warehouse for everyone.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
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


KEEP_VERSIONS = 2  # the new publication and the one before it (readers may still hold it open)


def publish(paths: Paths, run_id: str, expected_marts: list[str] = ()) -> list[str]:
    """Publish the finished build database; returns the marts published. Every mart of `expected_marts`
    (the dbt manifest's) must be there, or nothing is published."""
    versions = paths.marts_dir / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    final = versions / _version_name(run_id)
    staging = versions / f".{final.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        marts = _copy_build(paths.build_db, staging / "warehouse.duckdb", staging, run_id)
        missing = sorted(set(expected_marts) - set(marts))
        if missing:
            raise PublicationError(f"the build database lacks marts {', '.join(missing)}: not published")
        for path in staging.iterdir():
            _fsync(path)
            path.chmod(0o444)  # published files are read, never written
        _fsync_dir(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # a full marts volume is not left full until the next refresh
        raise
    if final.exists():
        shutil.rmtree(final)
    os.replace(staging, final)
    _fsync_dir(versions)
    _set_aside_stale_wal(paths.marts_dir)
    _swap_link(paths.marts_dir / "current", Path("versions") / final.name)
    for name in ["warehouse.duckdb"] + [f"{m}.parquet" for m in marts]:
        _ensure_link(paths.marts_dir / name, Path("current") / name)
    _fsync_dir(paths.marts_dir)
    _prune(versions, keep=final.name)
    return marts


def _version_name(run_id: str) -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{run_id[:8]}"


def _copy_build(build_db: Path, target: Path, folder: Path, run_id: str) -> list[str]:
    """Checkpoint the build, copy marts and audit into `target` with their DDL, check the row counts,
    checkpoint the copy, and write one Parquet file per mart into `folder`."""
    con = duckdb.connect(str(build_db))
    try:
        con.execute("CHECKPOINT")
        build = con.execute("SELECT current_database()").fetchone()[0]
        tables = con.execute(
            "SELECT schema_name, table_name, sql FROM duckdb_tables() WHERE database_name = current_database() "
            f"AND schema_name IN {PUBLISHED_SCHEMAS} ORDER BY schema_name, table_name"
        ).fetchall()
        marts = [t for s, t, _ in tables if s == "marts"]
        if not marts:
            raise PublicationError(f"the build database {build_db} has no marts")
        con.execute(f"ATTACH '{target}' AS published")
        con.execute("USE published")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA {schema}")
        for schema, table, ddl in tables:
            con.execute(ddl)  # the declared types and NOT NULL constraints, as dbt's contracts built them
            con.execute(f"INSERT INTO published.{schema}.{table} SELECT * FROM {build}.{schema}.{table}")
        con.execute(
            "CREATE TABLE audit.publication AS SELECT ? AS run_id, ?::TIMESTAMPTZ AS published_at, "
            "(SELECT count(*) FROM audit.ingest_files) AS files",
            [run_id, datetime.now(UTC)],
        )
        for schema, table, _ in tables:
            built, copied = con.execute(
                f"SELECT (SELECT count(*) FROM {build}.{schema}.{table}), "
                f"(SELECT count(*) FROM published.{schema}.{table})"
            ).fetchone()
            if built != copied:
                raise PublicationError(f"{schema}.{table}: {copied} rows copied of {built}")
        con.execute(f"USE {build}")
        con.execute("CHECKPOINT published")
        con.execute("DETACH published")
        for mart in marts:
            con.execute(
                f"COPY (SELECT * FROM marts.{mart}) TO '{folder / (mart + '.parquet')}' "
                "(FORMAT parquet, COMPRESSION zstd)"
            )
    except duckdb.Error as exc:
        raise PublicationError(f"the build could not be published: {exc}") from exc
    finally:
        con.close()
    for db in (build_db, target):
        if _wal(db).exists():
            raise PublicationError(f"{db.name} still has a write-ahead log after its checkpoint: not published")
    return marts


def _swap_link(link: Path, target: Path) -> None:
    """Point `link` at `target` in one step (a new link renamed over the old one, or over a file)."""
    temp = link.with_name(f".{link.name}.tmp-{os.getpid()}")
    temp.unlink(missing_ok=True)
    temp.symlink_to(target)
    os.replace(temp, link)


def _ensure_link(path: Path, target: Path) -> None:
    """`path` is a link to `target` (an older layout's regular file there is replaced in one step)."""
    if path.is_symlink() and Path(os.readlink(path)) == target:
        return
    _swap_link(path, target)


def _set_aside_stale_wal(marts_dir: Path) -> None:
    """A `warehouse.duckdb.wal` beside the published link was left by a session that opened the published
    warehouse read-write; DuckDB would replay it onto the next publication and refuse to open it."""
    wal = marts_dir / "warehouse.duckdb.wal"
    if wal.exists():
        aside = marts_dir / "stale-wal"
        aside.mkdir(exist_ok=True)
        os.replace(wal, aside / f"warehouse.duckdb.wal.{datetime.now(UTC):%Y%m%dT%H%M%S%f}")


def _prune(versions: Path, keep: str) -> None:
    """Remove publications older than the last KEEP_VERSIONS (names sort by time)."""
    done = sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in done[:-KEEP_VERSIONS]:
        if old.name != keep:
            for path in old.iterdir():
                path.chmod(0o644)
            shutil.rmtree(old, ignore_errors=True)
