"""The build area of a refresh: where it builds (paths and run), and what killed runs left there."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from .settings import Paths


@dataclass(frozen=True)
class BuildArea:
    """Where this run builds, handed out by the refresh lock (no environment variables): the paths, and
    the run that holds the lock."""

    paths: Paths
    run_id: str


KEPT_IN_BUILD_ROOT = {"warehouse.duckdb", "warehouse.duckdb.wal", "state.json"}


def clear_leftovers(area: BuildArea) -> None:
    """What killed runs left behind: their dbt processes, temporary files, and half-written publication
    files. The build database and its state stay: they are how the next refresh stays incremental.

    Called with the lock held, so nothing here belongs to a live refresh. dbt's worker process dies with
    the refresh process (dbt_worker.py), so a killed refresh leaves no dbt process behind.
    """
    paths = area.paths
    if paths.build_root.exists():
        for stale in paths.build_root.iterdir():
            if stale.name in KEPT_IN_BUILD_ROOT:
                continue
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)  # per-run build directories of the old layout
            else:
                stale.unlink(missing_ok=True)
    if paths.marts_dir.exists():
        for temp in paths.marts_dir.glob(".*.tmp-*"):
            temp.unlink(missing_ok=True)
        for temp in paths.marts_dir.glob("versions/.*.tmp-*"):  # a publication killed while being written
            shutil.rmtree(temp, ignore_errors=True)
