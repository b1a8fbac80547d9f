"""Dagster resources: where the warehouse lives, the one-refresh-at-a-time lock, and dbt."""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from dagster import ConfigurableResource, Failure, InitResourceContext
from dagster_dbt import DbtCliResource, DbtProject

from .settings import DBT_PROJECT_DIR, Paths, current_paths

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    # `make` parses the project at install; this covers a checkout where nobody has yet.
    dbt_project.preparer.prepare(dbt_project)


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


class RefreshLock(ConfigurableResource):
    """Held for the whole run (the refresh job runs in one process): a second refresh refuses."""

    warehouse: WarehouseResource

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext):
        lock_file = self.warehouse.paths().lock_file
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        with lock_file.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise Failure(f"another refresh is running ({holder}); try again when it has finished")
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}, run {context.run_id}")
            handle.flush()
            os.environ["KC_BUILD_ID"] = context.run_id or f"pid-{os.getpid()}"
            clear_leftovers(self.warehouse.paths())
            try:
                yield self
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def clear_leftovers(paths: Paths) -> None:
    """What killed runs left behind: their build directories and half-written publication files.

    Called with the lock held, so nothing here belongs to a live refresh (a dbt process orphaned by a
    `kill -9` may still hold an old build open: its directory is unlinked, never reused).
    """
    current = paths.build_db.parent
    if paths.build_root.exists():
        for stale in paths.build_root.iterdir():
            if stale != current:
                shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
    if paths.marts_dir.exists():
        for temp in paths.marts_dir.glob(".*.tmp-*"):
            temp.unlink(missing_ok=True)


def dbt_resource() -> DbtCliResource:
    # The dbt of this environment, found beside the running interpreter (no PATH needed).
    executable = Path(sys.executable).with_name("dbt")
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR),
                          dbt_executable=str(executable) if executable.exists() else "dbt")
