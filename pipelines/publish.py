"""Safe publication of the build database and one Parquet file per mart.

Each file is written under a temporary name in the marts directory and renamed over the old one
(`os.replace` is atomic within a filesystem). A reader that has the old warehouse open keeps its
inode and is never blocked; a refresh that fails before this step leaves the last good files.
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


def _replace(tmp: Path, final: Path) -> None:
    _fsync(tmp)
    os.replace(tmp, final)
    dir_fd = os.open(final.parent, os.O_DIRECTORY)
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
    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        for mart in marts:
            tmp = paths.marts_dir / f".{mart}.parquet{tag}"
            con.execute(f"COPY (SELECT * FROM marts.{mart}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
            _replace(tmp, paths.marts_dir / f"{mart}.parquet")
    finally:
        con.close()
    tmp_db = paths.marts_dir / f".warehouse.duckdb{tag}"
    shutil.copyfile(paths.build_db, tmp_db)
    _replace(tmp_db, paths.published_db)
    return marts
