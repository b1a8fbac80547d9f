"""Verified publication: schemas `marts` and `audit` of the build database, as a new warehouse.duckdb
and one Parquet file per mart, swapped in as one whole.

The build database is checkpointed first (an explicit CHECKPOINT that must succeed: a full disk makes
it fail, and nothing is published). The published database holds only what analysts use, `marts` and
`audit` (the build's raw, staging and intermediate schemas stay private), copied with their declared
types and constraints and checked table by table against the build (below); the Parquet files are
written from the same checkpointed state.

A table is published again only when it changed: each table's content digest (rows, and the sum of a
hash of every row) is recorded beside each publication (`digests.json`). The new warehouse starts as a
copy of the previous one, the tables whose digest changed are replaced (a large one of which only a
few rows changed, as after most corrections, is updated in place: those rows deleted and inserted),
and every table of the copy is then checked against the build's digest (DuckDB checks its blocks'
checksums as it reads them); the Parquet file of an unchanged mart is a hard link to the previous one.
Without a usable previous publication, or when the copy holds anything else or too much free space, the
warehouse is written whole. Either way, what is published is checked table by table against the build.

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

import json
import os
import shutil
import threading
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
        marts = _copy_build(paths.build_db, staging, run_id, _previous(paths.marts_dir))
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


DIGESTS = "digests.json"
MOSTLY_FREE = 0.5  # a copied warehouse with more free blocks than this is written whole again (compacted)


def _previous(marts_dir: Path) -> Path | None:
    """The folder of the current publication, when it recorded its digests (else None: write whole)."""
    current = marts_dir / "current"
    try:
        folder = current.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if (folder / DIGESTS).is_file() and (folder / "warehouse.duckdb").is_file():
        return folder
    return None


def _digests(con, database: str, names: list[str]) -> dict[str, list]:
    """{name: [rows, sum of a 64-bit hash of each row, its DDL]} for the tables `names` ("schema.table")
    of `database`. Equal digests, equal tables (as sets of rows, with the same declared types and
    constraints: a contract's new type keeps the values' hashes). One query reads every table: DuckDB
    scans them side by side (a publication's 18 tables: 0.14 s one by one, 0.07 s together)."""
    if not names:
        return {}
    counted = " UNION ALL ".join(
        f"SELECT '{name}', count(*), coalesce(sum(hash(t)), 0) FROM {database}.{name} t" for name in names
    )
    ddl = {
        f"{schema}.{table}": sql
        for schema, table, sql in con.execute(
            "SELECT schema_name, table_name, sql FROM duckdb_tables() WHERE database_name = ?", [database]
        ).fetchall()
    }
    return {name: [int(rows), int(total), ddl.get(name)] for name, rows, total in con.execute(counted).fetchall()}


def _copy_build(build_db: Path, folder: Path, run_id: str, previous: Path | None) -> list[str]:
    """Checkpoint the build, publish marts and audit into `folder`/warehouse.duckdb with their DDL (only
    the changed tables when a previous publication can be copied), check every table's digest against
    the build's, checkpoint, and write (or link, when unchanged) one Parquet file per mart."""
    target = folder / "warehouse.duckdb"
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
        digests = _digests(con, build, [f"{s}.{t}" for s, t, _ in tables])
        before = _copy_previous(con, previous, target, digests)
        # the Parquet files are written from the build while the warehouse is filled (the other core)
        parquet = _Parquet(con.cursor(), build, marts, folder, previous, before, digests)
        try:
            differs = _fill(con, build, tables, digests, before, target, run_id)
        finally:
            parquet.join()
        parquet.check()
        if differs and before is not None:  # the copy was not what its digests said: write it whole
            con.execute(f"USE {build}")
            con.execute("DETACH published")
            target.unlink()
            before = None
            differs = _fill(con, build, tables, digests, before, target, run_id)
            # nor is a Parquet file linked from that publication
            parquet = _Parquet(con.cursor(), build, marts, folder, None, None, digests, again=True)
            parquet.join()
            parquet.check()
        if differs:
            raise PublicationError(f"{differs}: the published table differs from the build's")
        con.execute(f"USE {build}")
        con.execute("CHECKPOINT published")
        con.execute("DETACH published")
    except duckdb.Error as exc:
        raise PublicationError(f"the build could not be published: {exc}") from exc
    finally:
        con.close()
    for db in (build_db, target):
        if _wal(db).exists():
            raise PublicationError(f"{db.name} still has a write-ahead log after its checkpoint: not published")
    (folder / DIGESTS).write_text(json.dumps(digests, sort_keys=True), encoding="utf-8")
    return marts


def _fill(con, build: str, tables: list, digests: dict, before: dict | None, target: Path, run_id: str) -> str | None:
    """Write the tables into `published`: a new database at `target`, or (`before`: its digests) the
    previous publication copied there and attached, where only the changed tables are written. Then
    check every table's digest against the build's; the first table that differs, or None."""
    if before is None:
        con.execute(f"ATTACH '{target}' AS published")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA published.{schema}")
    con.execute("USE published")
    for schema, table, ddl in tables:
        name = f"{schema}.{table}"
        if before is not None and before.get(name) == digests[name]:
            continue  # the same rows as in the copied publication
        if before is not None and name in before and _update_in_place(con, build, name, before[name], ddl):
            continue  # only its changed rows deleted and inserted
        con.execute(f"DROP TABLE IF EXISTS published.{schema}.{table}")
        con.execute(ddl)  # the declared types and NOT NULL constraints, as dbt's contracts built them
        con.execute(f"INSERT INTO published.{schema}.{table} SELECT * FROM {build}.{schema}.{table}")
    con.execute("DROP TABLE IF EXISTS audit.publication")
    con.execute(
        "CREATE TABLE audit.publication AS SELECT ? AS run_id, ?::TIMESTAMPTZ AS published_at, "
        "(SELECT count(*) FROM audit.ingest_files) AS files",
        [run_id, datetime.now(UTC)],
    )
    published = _digests(con, "published", list(digests))
    return next((name for name, digest in digests.items() if published.get(name) != digest), None)


IN_PLACE_FROM_ROWS = 20_000  # a smaller table is written again whole (dbt's keep_unchanged_from_rows likewise)
IN_PLACE_UP_TO = 0.1  # the share of a table's rows that may be removed and added for an update in place


def _update_in_place(con, build: str, name: str, before: list, ddl: str) -> bool:
    """Bring the copied publication's table `name` to the build's by deleting the rows the build no longer
    holds and inserting the ones it adds, each row known by the hash of its values (the digests' hash).
    Only for a large table with the same declared types and constraints, of which few rows changed; False
    (nothing done) otherwise. The digest check of every table that follows (`_fill`) is what tells the
    result is right: a row held twice in one and once in the other changes no hash's presence but the
    row count, and then the warehouse is written whole."""
    rows, _, old_ddl = before
    if rows < IN_PLACE_FROM_ROWS or old_ddl != ddl:
        return False
    removed = "SELECT h FROM kc_old_rows ANTI JOIN kc_new_rows USING (h)"
    added = "SELECT h FROM kc_new_rows ANTI JOIN kc_old_rows USING (h)"
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE kc_old_rows AS SELECT hash(t) AS h FROM published.{name} t")
        con.execute(f"CREATE OR REPLACE TEMP TABLE kc_new_rows AS SELECT hash(t) AS h FROM {build}.{name} t")
        changed = con.execute(f"SELECT (SELECT count(*) FROM ({removed})) + (SELECT count(*) FROM ({added}))")
        if changed.fetchone()[0] > IN_PLACE_UP_TO * rows:
            return False
        con.execute(f"DELETE FROM published.{name} t WHERE hash(t) IN ({removed})")
        con.execute(f"INSERT INTO published.{name} SELECT * FROM {build}.{name} t WHERE hash(t) IN ({added})")
        return True
    finally:
        for temp in ("kc_old_rows", "kc_new_rows"):
            con.execute(f"DROP TABLE IF EXISTS temp.main.{temp}")


class _Parquet(threading.Thread):
    """Writes (or links, when unchanged) one Parquet file per mart from the checkpointed build, on its
    own DuckDB cursor; `check` (after `join`) raises what it raised."""

    def __init__(self, cursor, build, marts, folder, previous, before, digests, again=False):
        super().__init__(name="parquet", daemon=True)
        self.cursor, self.build, self.marts, self.folder = cursor, build, marts, folder
        self.previous, self.before, self.digests, self.again = previous, before, digests, again
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            for mart in self.marts:
                parquet = self.folder / f"{mart}.parquet"
                if self.again:
                    parquet.unlink(missing_ok=True)
                digest = self.digests[f"marts.{mart}"]
                if not _link_unchanged(self.cursor, self.previous, self.before, parquet, digest):
                    rows = f"SELECT * FROM {self.build}.marts.{mart}"
                    self.cursor.execute(f"COPY ({rows}) TO '{parquet}' (FORMAT parquet, COMPRESSION zstd)")
        except BaseException as exc:  # re-raised in the publishing thread
            self.error = exc
        finally:
            self.cursor.close()

    def check(self) -> None:
        if self.error is not None:
            raise self.error


def _copy_previous(con, previous: Path | None, target: Path, digests: dict) -> dict | None:
    """Copy the previous publication to `target` and attach it as `published`; its digests, or None (and
    nothing attached, nothing left at `target`) when it cannot serve as the start of this one: absent,
    unreadable, mostly free space, or holding anything but the tables of marts and audit."""
    if previous is None:
        return None
    try:
        before = json.loads((previous / DIGESTS).read_text(encoding="utf-8"))
        shutil.copyfile(previous / "warehouse.duckdb", target)
        target.chmod(0o644)
        con.execute(f"ATTACH '{target}' AS published")
    except (OSError, ValueError, duckdb.Error):
        target.unlink(missing_ok=True)
        return None
    try:
        used, free = con.execute(
            "SELECT total_blocks, free_blocks FROM pragma_database_size() WHERE database_name = 'published'"
        ).fetchone()
        held = {
            (r[0], r[1])
            for r in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'published' UNION ALL "
                "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = 'published' AND NOT internal"
            ).fetchall()
        }
        expected = {tuple(name.split(".")) for name in digests} | {("audit", "publication")}
        if free > MOSTLY_FREE * max(used, 1) or not held <= expected:
            raise ValueError("written whole")
        for schema, table in held - {("audit", "publication")} - {tuple(n.split(".")) for n in before}:
            con.execute(f"DROP TABLE published.{schema}.{table}")  # no digest recorded for it: replaced
        for name in set(before) - set(digests):
            con.execute(f"DROP TABLE IF EXISTS published.{name}")  # no longer built
    except (ValueError, duckdb.Error):
        con.execute("DETACH published")
        target.unlink(missing_ok=True)
        return None
    return before


def _link_unchanged(con, previous: Path | None, before: dict | None, parquet: Path, digest: list[int]) -> bool:
    """Hard-link the previous publication's Parquet file of an unchanged mart (whole: its row count is
    the build's); False when the file must be written."""
    if previous is None or before is None or before.get(f"marts.{parquet.stem}") != digest:
        return False
    old = previous / parquet.name
    try:
        if con.execute(f"SELECT count(*) FROM read_parquet('{old}')").fetchone()[0] != digest[0]:
            return False
        os.link(old, parquet)
    except (OSError, duckdb.Error):
        return False
    return True


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
            # files are not made writable first: a later publication may share them (hard links)
            shutil.rmtree(old, ignore_errors=True)
