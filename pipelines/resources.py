"""Dagster resources: where the warehouse lives, the one-refresh-at-a-time lock, and dbt."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version as package_version
from pathlib import Path

from packaging.version import Version

from dagster import ConfigurableResource, Failure, InitResourceContext
from dagster_dbt import DbtCliResource, DbtProject

from .dbt_env import dbt_executable, ensure_manifest
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
    """What killed runs left behind: their processes, build directories and half-written publication
    files; then point `build/current` at this run's build directory.

    Called with the lock held, so nothing here belongs to a live refresh. A dbt process orphaned by a
    `kill -9` of its refresh is stopped first (it carries its run's KC_BUILD_ID), so it can never
    write into a later run's database through `build/current`.
    """
    current = paths.build_db.parent
    link = paths.dbt_build_db.parent
    _stop_orphans(current.name, paths.dbt_build_db)
    if paths.build_root.exists():
        for stale in paths.build_root.iterdir():
            if stale != current:
                if stale.is_dir() and not stale.is_symlink():
                    shutil.rmtree(stale, ignore_errors=True)
                else:
                    stale.unlink(missing_ok=True)
    if paths.marts_dir.exists():
        for temp in paths.marts_dir.glob(".*.tmp-*"):
            temp.unlink(missing_ok=True)
    if current != link:
        current.mkdir(parents=True, exist_ok=True)
        temp = link.with_name(f".current-{os.getpid()}")
        temp.unlink(missing_ok=True)
        temp.symlink_to(current.name)
        os.replace(temp, link)


def _stop_orphans(build_id: str, dbt_build_db: Path) -> None:
    """Kill this user's dbt processes started for another build of this work area (from /proc; Linux)."""
    ours = f"KC_BUILD_DB={dbt_build_db}".encode()
    me, uid = os.getpid(), os.getuid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if not any(arg == b"dbt" or arg.endswith(b"/dbt") for arg in argv[:2]):
                continue
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if ours not in environ:
            continue
        for var in environ:
            if var.startswith(b"KC_BUILD_ID=") and var[len(b"KC_BUILD_ID="):].decode(errors="replace") != build_id:
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                except OSError:
                    pass
                break


class KcDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two costs it pays before every dbt command (about 4 s, profiled
    in issue 5): running `dbt --version` in a subprocess, and loading a dbt adapter inside this
    process, which it needs only for row-count and column metadata that this project does not fetch.
    Both are private hooks of dagster-dbt 0.29 (pinned in uv.lock); tests/test_end_to_end.py runs the
    real job through them."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(package_version("dbt-core"))  # the dbt executable beside this interpreter

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    return KcDbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR),
                            dbt_executable=str(dbt_executable()))
