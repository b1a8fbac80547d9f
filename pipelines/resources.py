"""Dagster resources: where the warehouse lives, and the one-refresh-at-a-time lock."""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dagster import ConfigurableResource, Failure, InitResourceContext
from dagster_dbt import DbtProject
from pydantic import PrivateAttr

from .dbt_env import ensure_manifest
from .settings import DBT_PROJECT_DIR, Paths, current_paths

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Not dbt_project.prepare_if_dev(): it runs the `dbt` found on PATH, which `dagster dev` started from a
# fresh clone does not have (.venv/bin is not on PATH), and then the code location fails to load.
ensure_manifest()


class WarehouseResource(ConfigurableResource):
    """Paths of the inbox, the published marts and the private work area.

    Empty values mean "from the environment" (KC_RAW_DIR, KC_MARTS_DIR, KC_WORK_DIR), which is how
    `kc refresh --raw-dir …` reaches a run.
    """

    raw_dir: str = ""
    marts_dir: str = ""
    work_dir: str = ""

    def paths(self) -> Paths:
        env = current_paths()
        return Paths(
            raw_dir=Path(self.raw_dir).resolve() if self.raw_dir else env.raw_dir,
            marts_dir=Path(self.marts_dir).resolve() if self.marts_dir else env.marts_dir,
            work_dir=Path(self.work_dir).resolve() if self.work_dir else env.work_dir,
        )


@dataclass(frozen=True)
class BuildArea:
    """Where this run builds, handed out by the refresh lock (no environment variables): the paths, and
    the run that holds the lock."""

    paths: Paths
    run_id: str


class RefreshLock(WarehouseResource):
    """Held for the whole run (the refresh job runs in one process): a second refresh refuses. Its folders
    are configured like the warehouse's (kc gives both the same run configuration)."""

    _area: BuildArea | None = PrivateAttr(default=None)

    @property
    def area(self) -> BuildArea:
        if self._area is None:
            raise RuntimeError("the refresh lock is not held")
        return self._area

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext):
        paths = self.paths()
        lock_file = paths.lock_file
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        with lock_file.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise Failure(f"another refresh is running ({holder}); try again when it has finished") from None
            run_id = context.run.run_id if context.run else f"pid-{os.getpid()}"
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}, run {run_id}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
            handle.flush()
            self._area = BuildArea(paths, run_id)
            clear_leftovers(self._area)
            try:
                yield self
            finally:
                self._area = None
                fcntl.flock(handle, fcntl.LOCK_UN)


KEPT_IN_BUILD_ROOT = {"warehouse.duckdb", "warehouse.duckdb.wal", "state.json"}


def clear_leftovers(area: BuildArea) -> None:
    """What killed runs left behind: their dbt processes, temporary files, and half-written publication
    files. The build database and its state stay: they are how the next refresh stays incremental.

    Called with the lock held, so nothing here belongs to a live refresh. dbt runs inside the refresh
    process (dbt_build.py), so a killed refresh leaves no dbt process behind.
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


class PostgresResource(ConfigurableResource):
    """The PostgreSQL database the marts are served from (`KC_POSTGRES_URL`); only configured where set."""

    url: str
