"""The refresh as one lineage graph: ingestion → dbt models (tests as asset checks) → publication."""


import json
import os

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, asset, multi_asset
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from .ingest.run import ingest
from .publish import publish
from .resources import RefreshLock, WarehouseResource, dbt_project

INGEST_TABLES = {
    ("raw", "projects"): "Accepted project-register rows with lineage.",
    ("raw", "census"): "Accepted census rows (facility × wave), personal data left behind.",
    ("raw", "outcomes"): "Accepted outcome-survey rows (before/after support).",
    ("raw", "plans"): "Accepted plan lines (province × year × level).",
    ("raw", "ref_provinces_pre2025"): "The 63 pre-2025 provinces (vietnamadminunits).",
    ("raw", "ref_provinces_2025"): "The 34 units of 2025 (vietnamadminunits).",
    ("raw", "ref_province_mapping"): "Old province → 2025 unit (vietnamadminunits).",
    ("audit", "ingest_files"): "One row per file in the raw root: status and reason.",
    ("audit", "rejected_rows"): "Rows not loaded, with reason and original cells.",
    ("audit", "row_warnings"): "Rows loaded with a warning (a rule broken where the value is still usable).",
}


@multi_asset(
    specs=[AssetSpec(AssetKey(list(key)), description=doc, group_name="ingestion") for key, doc in INGEST_TABLES.items()],
    name="ingest_raw_files",
)
def ingest_raw_files(context: AssetExecutionContext, warehouse: WarehouseResource, refresh_lock: RefreshLock):
    """Read every submission under the raw root into a fresh build database."""
    paths = warehouse.paths()
    summary = ingest(paths)
    context.log.info(f"files: {dict(summary.files)}; rows accepted {summary.rows_accepted}, "
                     f"rejected {summary.rows_rejected}; files read {summary.files_read}, "
                     f"from the cache {summary.files_cached}")
    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        for schema, table in INGEST_TABLES:
            rows = con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0]
            yield MaterializeResult(asset_key=AssetKey([schema, table]), metadata={"rows": rows})
    finally:
        con.close()


class KcTranslator(DagsterDbtTranslator):
    """dbt models keep their schema in the asset key (marts/projects), like the warehouse."""

    def get_asset_key(self, dbt_resource_props):
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props):
        schema = dbt_resource_props.get("config", {}).get("schema")
        return {"marts": "marts", "reference": "reference"}.get(schema, "transformation")


translator = KcTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=translator, project=dbt_project)
def warehouse_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
                         refresh_lock: RefreshLock):
    """dbt build (models, seeds and data tests) on the build database; a failing test stops publication.

    dbt's unit tests check the SQL, not the data: they run in `make test`
    (tests/test_end_to_end.py), not in every refresh, where they cost about 1.5 s (issue 5)."""
    os.environ["KC_BUILD_DB"] = str(warehouse.paths().dbt_build_db)  # read by dbt_project/profiles.yml
    yield from dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context).stream()


def _mart_keys() -> list[AssetKey]:
    """Every model of schema `marts` in the dbt manifest: publication waits for all of them."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    return sorted(
        AssetKey(["marts", node["name"]]) for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    )


MART_KEYS = _mart_keys()


@asset(deps=MART_KEYS, group_name="publication", key=AssetKey(["published", "warehouse"]))
def published_warehouse(context: AssetExecutionContext, warehouse: WarehouseResource, refresh_lock: RefreshLock):
    """warehouse.duckdb and one Parquet file per mart, replaced atomically in the marts directory."""
    paths = warehouse.paths()
    marts = publish(paths)
    context.log.info(f"published {len(marts)} marts to {paths.marts_dir}")
    return MaterializeResult(metadata={"marts": ", ".join(marts), "path": str(paths.published_db)})


@asset(deps=[AssetKey(["published", "warehouse"])], group_name="reports", key=AssetKey(["reports", "ministry_review"]))
def ministry_review_report(context: AssetExecutionContext, warehouse: WarehouseResource):
    """The ministry review (notebooks/ministry_review.ipynb) run on the published warehouse: one
    self-contained HTML report in Vietnamese, charts embedded, in <marts>/reports/."""
    from .report import write_report

    target = write_report(warehouse.paths())
    context.log.info(f"wrote {target}")
    return MaterializeResult(metadata={"path": str(target), "size_kib": target.stat().st_size // 1024})
