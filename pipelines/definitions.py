"""The Dagster code location: `dagster dev` (from the repository root) and `kc serve` load this module."""

from dagster import Definitions, EnvVar, in_process_executor

from .assets import ingest_raw_files, ministry_review_report, postgres_marts, published_warehouse, warehouse_dbt_models
from .automation import nightly_job, nightly_refresh, raw_inbox_sensor, refresh_job
from .resources import PostgresResource, RefreshLock, WarehouseResource
from .settings import postgres_url

warehouse = WarehouseResource()
assets = [ingest_raw_files, warehouse_dbt_models, published_warehouse, ministry_review_report]
resources = {"warehouse": warehouse, "refresh_lock": RefreshLock()}
if postgres_url():  # the marts are also served from PostgreSQL (the URL stays a secret in the UI)
    assets.append(postgres_marts)
    resources["postgres"] = PostgresResource(url=EnvVar("KC_POSTGRES_URL"))

defs = Definitions(
    assets=assets,
    jobs=[refresh_job, nightly_job],
    schedules=[nightly_refresh],
    sensors=[raw_inbox_sensor],
    resources=resources,
    executor=in_process_executor,
)
