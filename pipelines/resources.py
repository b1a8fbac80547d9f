"""Dagster resources: where the warehouse lives, and the one-refresh-at-a-time lock."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dagster import ConfigurableResource, Failure, InitResourceContext
from pydantic import PrivateAttr

from .build_area import BuildArea, clear_leftovers
from .settings import Paths, current_paths


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


class PostgresResource(ConfigurableResource):
    """The PostgreSQL database the marts are served from (`KC_POSTGRES_URL`); only configured where set."""

    url: str
