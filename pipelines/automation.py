"""The refresh job, its nightly schedule, and the sensor that watches the inbox."""

from __future__ import annotations

import json

from dagster import (
    AssetSelection, DefaultScheduleStatus, DefaultSensorStatus, RunRequest, ScheduleDefinition, SensorEvaluationContext,
    SkipReason, define_asset_job, in_process_executor, sensor,
)

from .ingest.discover import sha256_of
from .settings import current_paths

REPORTS = AssetSelection.groups("reports")

# One process for the whole run: DuckDB allows one writer, and the refresh lock is held throughout.
refresh_job = define_asset_job(
    "refresh", selection=AssetSelection.all() - REPORTS, executor_def=in_process_executor,
    description="Full refresh: ingest the raw root, dbt build with tests, publish the marts.",
)

# The nightly run also writes the ministry review from the freshly published warehouse.
nightly_job = define_asset_job(
    "nightly", selection=AssetSelection.all(), executor_def=in_process_executor,
    description="The refresh, then the ministry review report (make report) on the published warehouse.",
)

nightly_refresh = ScheduleDefinition(
    name="nightly_refresh", job=nightly_job, cron_schedule="0 2 * * *", execution_timezone="Asia/Ho_Chi_Minh",
    default_status=DefaultScheduleStatus.RUNNING,
)


@sensor(job=refresh_job, minimum_interval_seconds=60, default_status=DefaultSensorStatus.STOPPED)
def raw_inbox_sensor(context: SensorEvaluationContext):
    """Asks for a refresh for each new or changed file (run key: path + sha256, one run per version).

    The cursor remembers size and modification time per file, so unchanged files are not hashed again.
    """
    raw_dir = current_paths().raw_dir
    seen = json.loads(context.cursor) if context.cursor else {}
    current, requests = {}, []
    for path in sorted(p for p in raw_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(raw_dir).as_posix()
        st = path.stat()
        stamp = [st.st_size, st.st_mtime_ns]
        previous = seen.get(relative)
        if previous and previous[:2] == stamp:
            current[relative] = previous
            continue
        digest = sha256_of(path)
        current[relative] = stamp + [digest]
        if not previous or previous[2] != digest:
            requests.append(RunRequest(run_key=f"{relative}@{digest}", tags={"kc/trigger_file": relative}))
    context.update_cursor(json.dumps(current))
    if not requests:
        return SkipReason("no new or changed file in the raw root")
    return requests
