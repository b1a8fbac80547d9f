"""Where things live. Every path can be overridden by an environment variable (the CLI sets them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


@dataclass(frozen=True)
class Paths:
    raw_dir: Path  # the inbox: read only, never written by a refresh
    marts_dir: Path  # what analysts read: warehouse.duckdb and one Parquet file per mart
    work_dir: Path  # private to the refresh: the build database, locks

    @property
    def build_root(self) -> Path:
        return self.work_dir / "build"

    @property
    def build_db(self) -> Path:
        """The private build database. It persists between refreshes: a refresh replaces only the rows of
        the files that changed and dbt rebuilds only what depends on them (pipelines/engine.py). Its path
        never changes, so dbt's partial parsing survives from one refresh to the next (dbt re-parses the
        whole project when its connection settings change)."""
        return self.build_root / "warehouse.duckdb"

    @property
    def build_state(self) -> Path:
        """What the build database holds and what was published from it (pipelines/engine.py)."""
        return self.build_root / "state.json"

    @property
    def parse_cache(self) -> Path:
        """What each file gave when last read (see ingest/cache.py); survives between refreshes."""
        return self.work_dir / "cache" / "parsed"

    @property
    def published_db(self) -> Path:
        return self.marts_dir / "warehouse.duckdb"

    @property
    def lock_file(self) -> Path:
        return self.work_dir / "refresh.lock"


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def current_paths() -> Paths:
    return Paths(
        raw_dir=_path("KC_RAW_DIR", PROJECT_ROOT / "data" / "raw"),
        marts_dir=_path("KC_MARTS_DIR", PROJECT_ROOT / "data" / "marts"),
        work_dir=_path("KC_WORK_DIR", PROJECT_ROOT / "data" / "work"),
    )


def postgres_url() -> str | None:
    """The PostgreSQL database that serves the marts and keeps Dagster's runs (`KC_POSTGRES_URL`), if any:
    a deployment setting, read where the code location and `kc` start."""
    return os.environ.get("KC_POSTGRES_URL") or None


def serving() -> bool:
    """Under `kc serve` (which sets KC_SERVE=1 for its processes): the inbox sensor is on by default."""
    return os.environ.get("KC_SERVE") == "1"


def nightly_cron() -> str:
    """When the nightly refresh runs, in Vietnam's time (`KC_NIGHTLY_CRON`, default 02:00 every night)."""
    return os.environ.get("KC_NIGHTLY_CRON") or "0 2 * * *"


def sensor_interval_seconds() -> int:
    """How often the inbox sensor looks for new files (`KC_SENSOR_INTERVAL`, default 60 s)."""
    return int(os.environ.get("KC_SENSOR_INTERVAL") or 60)


# Runs are tagged with the folders they work on, so that `kc status` reads the history of one warehouse
WORK_TAG = "kc/work_dir"
MARTS_TAG = "kc/marts_dir"
RAW_TAG = "kc/raw_dir"


def run_tags(paths: Paths) -> dict[str, str]:
    return {WORK_TAG: str(paths.work_dir), MARTS_TAG: str(paths.marts_dir), RAW_TAG: str(paths.raw_dir)}
