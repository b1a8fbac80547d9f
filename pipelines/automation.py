"""The refresh job, its nightly schedule, and the sensor that watches the inbox."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    sensor,
)

from .ingest.discover import entries, relative_name, sha256_of
from .settings import current_paths, nightly_cron, run_tags, sensor_interval_seconds, serving

REPORTS = AssetSelection.groups("reports")

# One process for the whole run: DuckDB allows one writer, and the refresh lock is held throughout.
refresh_job = define_asset_job(
    "refresh",
    selection=AssetSelection.all() - REPORTS,
    executor_def=in_process_executor,
    description="Full refresh: ingest the raw root, dbt build with tests, publish the marts.",
)

# The nightly run also writes the ministry review from the freshly published warehouse.
nightly_job = define_asset_job(
    "nightly",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="The refresh, then the ministry review report (make report) on the published warehouse.",
)

nightly_refresh = ScheduleDefinition(
    name="nightly_refresh",
    job=nightly_job,
    cron_schedule=nightly_cron(),
    execution_timezone="Asia/Ho_Chi_Minh",
    default_status=DefaultScheduleStatus.RUNNING,
    tags=run_tags(current_paths()),
)


def _submissions(raw_dir: Path):
    """The files a refresh would consider (ingest.discover.entries): Excel's `~$…` files, dotfiles and
    hidden folders never trigger a run."""
    paths, _ = entries(raw_dir)
    for path in paths:
        if path.is_file():
            yield path, relative_name(path, raw_dir)


# On by default under `kc serve`; under `make dagster` it is switched on in the UI when wanted.
@sensor(
    job=refresh_job,
    minimum_interval_seconds=sensor_interval_seconds(),
    default_status=DefaultSensorStatus.RUNNING if serving() else DefaultSensorStatus.STOPPED,
)
def raw_inbox_sensor(context: SensorEvaluationContext):
    """Asks for one refresh per tick that found new, changed or removed files, covering all of them (the
    refresh reads only what changed); the run key names the inbox's new state, so a state is run once.

    The cursor remembers size, modification time and sha256 per file, so unchanged files are not hashed
    again."""
    raw_dir = current_paths().raw_dir
    seen = json.loads(context.cursor) if context.cursor else {}
    current, changed = {}, []
    for path, relative in _submissions(raw_dir):
        try:
            st = path.stat()
            stamp = [st.st_size, st.st_mtime_ns]
            previous = seen.get(relative)
            if previous and previous[:2] == stamp:
                current[relative] = previous
                continue
            digest = sha256_of(path)
        except OSError:
            continue  # gone or unreadable between listing and hashing: the refresh records it
        current[relative] = stamp + [digest]
        if not previous or previous[2] != digest:
            changed.append(f"{relative}@{digest}")
    removed = sorted(set(seen) - set(current))
    context.update_cursor(json.dumps(current))
    if not changed and not removed:
        return SkipReason("no new, changed or removed file in the raw root")
    state = hashlib.sha256("\n".join(f"{k}@{v[2]}" for k, v in sorted(current.items())).encode()).hexdigest()
    return RunRequest(
        run_key=f"inbox@{state[:16]}",
        tags={
            "kc/changed_files": str(len(changed)),
            "kc/removed_files": str(len(removed)),
            **run_tags(current_paths()),
        },
    )
