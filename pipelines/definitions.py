"""The Dagster code location: `dagster dev` (from the repository root) loads this module."""

from dagster import Definitions, in_process_executor

from .assets import ingest_raw_files, ministry_review_report, published_warehouse, warehouse_dbt_models
from .automation import nightly_job, nightly_refresh, raw_inbox_sensor, refresh_job
from .resources import RefreshLock, WarehouseResource

warehouse = WarehouseResource()

defs = Definitions(
    assets=[ingest_raw_files, warehouse_dbt_models, published_warehouse, ministry_review_report],
    jobs=[refresh_job, nightly_job],
    schedules=[nightly_refresh],
    sensors=[raw_inbox_sensor],
    resources={"warehouse": warehouse, "refresh_lock": RefreshLock()},
    executor=in_process_executor,
)
