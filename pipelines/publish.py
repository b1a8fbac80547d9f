"""Safe publication of the build database and one Parquet file per mart.

Every file is first written completely under a temporary name in the marts directory (and
fsynced); only then are they renamed over the old ones (`os.replace` is atomic within a
filesystem), the Parquet files first and warehouse.duckdb last. A reader that has the old warehouse
open keeps its inode and is never blocked. A refresh killed before the renames leaves every
published file as it was (its temporary files are removed by the next refresh); one killed during
the renames, a window of a few milliseconds, can leave some Parquet files from the new build beside
the old warehouse.duckdb, and the next refresh replaces them all.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from .settings import Paths


def _fsync(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(directory: Path) -> None:
    dir_fd = os.open(directory, os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def mart_names(db_path: Path) -> list[str]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def publish(paths: Paths) -> list[str]:
    """Publish the finished build database; returns the marts published."""
    paths.marts_dir.mkdir(parents=True, exist_ok=True)
    tag = f".tmp-{os.getpid()}"
    marts = mart_names(paths.build_db)
    staged = []
    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        for mart in marts:
            tmp = paths.marts_dir / f".{mart}.parquet{tag}"
            con.execute(f"COPY (SELECT * FROM marts.{mart}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
            staged.append((tmp, paths.marts_dir / f"{mart}.parquet"))
    finally:
        con.close()
    tmp_db = paths.marts_dir / f".warehouse.duckdb{tag}"
    shutil.copyfile(paths.build_db, tmp_db)
    staged.append((tmp_db, paths.published_db))
    for tmp, _ in staged:
        _fsync(tmp)
    for tmp, final in staged:
        os.replace(tmp, final)
    _fsync_dir(paths.marts_dir)
    return marts
