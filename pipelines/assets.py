"""The refresh as one lineage graph: ingestion → dbt models (tests as asset checks) → publication."""

import json

import duckdb
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Failure,
    MaterializeResult,
    asset,
    multi_asset,
)
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

from . import dbt_build, dbt_worker
from .datasets import DATASETS
from .dbt_env import dbt_project
from .engine import ALL, BuildState, needs_publication, needs_serving
from .ingest.run import ingest
from .postgres import safe_url
from .progress import stage
from .publish import publish
from .resources import PostgresResource, RefreshLock, WarehouseResource
from .settings import postgres_url

INGEST_TABLES = {
    **{("raw", d.name): d.description for d in DATASETS},
    ("raw", "ref_provinces_pre2025"): "The 63 pre-2025 provinces (vietnamadminunits).",
    ("raw", "ref_provinces_2025"): "The 34 units of 2025 (vietnamadminunits).",
    ("raw", "ref_province_mapping"): "Old province → 2025 unit (vietnamadminunits).",
    ("audit", "ingest_files"): "One row per file in the raw root: status and reason.",
    ("audit", "rejected_rows"): "Rows not loaded, with reason and original cells.",
    ("audit", "row_warnings"): "Rows loaded with a warning (a rule broken where the value is still usable).",
    ("audit", "file_totals"): "Each file's own subtotal and total rows against the sum of the rows read.",
}


@multi_asset(
    specs=[
        AssetSpec(AssetKey(list(key)), description=doc, group_name="ingestion") for key, doc in INGEST_TABLES.items()
    ],
    name="ingest_raw_files",
)
def ingest_raw_files(context: AssetExecutionContext, refresh_lock: RefreshLock):
    """Bring the build database's raw and audit tables up to date with the raw root: only the rows of
    files that changed are replaced (a full build when the code or the configuration changed)."""
    paths = refresh_lock.area.paths
    stage(f"checking the inbox {paths.raw_dir}")
    # dbt imports and parses meanwhile, on the other core; in a full build too: the worker holds about
    # 130 MiB until it builds, and the refresh's memory peaks later, while dbt builds (national inbox:
    # reading about 1,000 MiB in all processes, dbt 1,300)
    dbt_worker.warm_up(paths)
    try:
        summary = ingest(paths)
    except BaseException:
        dbt_worker.stop()
        raise
    context.log.info(
        f"files: {dict(summary.files)}; rows accepted {summary.rows_accepted}, "
        f"rejected {summary.rows_rejected}; files read {summary.files_read}, "
        f"from the cache {summary.files_cached}; "
        + ("full build" if summary.full else f"{summary.files_changed} file(s) changed")
    )
    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        for schema, table in INGEST_TABLES:
            rows = con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0]
            changed = ALL in summary.pending or f"{schema}.{table}" in summary.pending
            yield MaterializeResult(asset_key=AssetKey([schema, table]), metadata={"rows": rows, "changed": changed})
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


@dbt_assets(manifest=dbt_project().manifest_path, dagster_dbt_translator=translator, project=dbt_project())
def warehouse_dbt_models(context: AssetExecutionContext, refresh_lock: RefreshLock):
    """dbt build (models, seeds and data tests) of what depends on the sources ingestion changed; all of
    it after a full ingestion. A failing test stops publication, and the next refresh builds again.

    Models that did not need rebuilding are reported as unchanged, so that publication (which depends on
    every mart) runs. dbt's unit tests check the SQL, not the data: they run in `make test`
    (tests/test_end_to_end.py), not in every refresh."""
    area = refresh_lock.area
    state = BuildState.load(area.paths)
    url = postgres_url()
    if (
        not state.pending
        and state.built == state.ingested
        and not needs_publication(area.paths, state)
        and not needs_serving(state, safe_url(url) if url else None)
    ):
        context.log.info("nothing changed since the last publication: no model rebuilt")
        dbt_worker.stop()
        return
    to_build = _downstream(state.pending)
    stage(f"building and checking {len(to_build)} models (dbt)" if state.pending else "no model to rebuild")
    # first the models that need no rebuild (none of them lies downstream of one that does), then dbt's:
    # Dagster wants a multi-asset's results in the order of the lineage
    for key in DBT_KEYS_IN_LINEAGE_ORDER:
        if key in context.selected_asset_keys and key not in to_build:
            yield MaterializeResult(asset_key=key, metadata={"rebuilt": False})
            for check in sorted(c for c in context.selected_asset_check_keys if c.asset_key == key):
                # its check passed when the model was last built (else the build would still be pending),
                # and nothing it reads has changed since: say so, rather than leave the check without a result
                yield AssetCheckResult(
                    asset_key=key,
                    check_name=check.name,
                    passed=True,
                    metadata={
                        "re_run": False,
                        "why": "the model has not changed since the build in which this check passed",
                    },
                )
    unplanned = to_build - set(context.selected_asset_keys)
    if unplanned:  # ingestion found changes the files' stamps did not show (kc refresh plans from them)
        context.log.warning(
            f"{len(unplanned)} model(s) rebuilt beyond this run's planned assets (a file changed without "
            f"its size or time changing): {', '.join(sorted(k.to_user_string() for k in unplanned))}"
        )
    if state.pending:
        args = ["build", "--exclude-resource-type", "unit_test"]
        if ALL not in state.pending:
            args += ["--select", " ".join(f"source:{source}+" for source in state.pending)]
        yield from dbt_build.build(
            area.paths,
            area.run_id,
            args,
            _manifest(),
            translator,
            dbt_project(),
            set(context.selected_asset_keys),
            set(context.selected_asset_check_keys),
        )
    else:
        dbt_worker.stop()  # warmed up for nothing: the files that changed changed no rows
    state.pending, state.built = [], state.ingested
    state.save(area.paths)


def _manifest() -> dict:
    return json.loads(dbt_project().manifest_path.read_text(encoding="utf-8"))


_BUILT = ("model", "seed", "snapshot")


def _lineage_order() -> list[AssetKey]:
    """The dbt assets, each after everything it depends on."""
    manifest = _manifest()
    parents = {
        uid: [p for p in manifest["parent_map"].get(uid, []) if p in manifest["nodes"]]
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in _BUILT
    }
    order, done = [], set()

    def visit(uid):
        if uid in done:
            return
        done.add(uid)
        for parent in parents.get(uid, []):
            visit(parent)
        if uid in parents:
            order.append(translator.get_asset_key(manifest["nodes"][uid]))

    for uid in sorted(parents):
        visit(uid)
    return order


DBT_KEYS_IN_LINEAGE_ORDER = _lineage_order()


def _downstream(sources: list[str]) -> set[AssetKey]:
    """The asset keys of the dbt nodes that `dbt build --select source:<s>+` builds (all for ALL)."""
    manifest = _manifest()
    nodes = {**manifest["nodes"], **manifest["sources"]}
    if ALL in sources:
        start = [uid for uid, n in nodes.items() if n["resource_type"] in _BUILT]
    else:
        start = [uid for uid, n in manifest["sources"].items() if f"{n['source_name']}.{n['name']}" in sources]
    seen, todo = set(), list(start)
    while todo:
        uid = todo.pop()
        if uid in seen:
            continue
        seen.add(uid)
        todo += manifest["child_map"].get(uid, [])
    return {
        translator.get_asset_key(nodes[uid])
        for uid in seen
        if uid in manifest["nodes"] and nodes[uid]["resource_type"] in _BUILT
    }


def _mart_keys() -> list[AssetKey]:
    """Every model of schema `marts` in the dbt manifest: publication waits for all of them."""
    manifest = _manifest()
    return sorted(
        AssetKey(["marts", node["name"]])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    )


MART_KEYS = _mart_keys()


def refresh_selection(sources: list[str] | None) -> list[AssetKey] | None:
    """The assets of a refresh whose changes lie in `sources` (engine.planned_sources): ingestion (one
    step, whole), the dbt models downstream of those sources with their checks, and publication. None
    (the whole job) when `sources` is None."""
    if sources is None:
        return None
    keys = [AssetKey(list(key)) for key in INGEST_TABLES] + sorted(_downstream(sources))
    keys.append(AssetKey(["published", "warehouse"]))
    if postgres_url():
        keys.append(AssetKey(["published", "postgres"]))
    return keys


@asset(deps=MART_KEYS, group_name="publication", key=AssetKey(["published", "warehouse"]))
def published_warehouse(context: AssetExecutionContext, refresh_lock: RefreshLock):
    """warehouse.duckdb (schemas marts and audit) and one Parquet file per mart, verified, then replaced
    in the marts directory."""
    area = refresh_lock.area
    built = BuildState.load(area.paths)
    if built.pending or built.built != built.ingested:  # never publish models older than the raw tables
        raise Failure(
            description=f"the models are not built from the raw tables as ingested (pending: {built.pending}): "
            "not published; the next refresh builds them"
        )
    stage(f"publishing to {area.paths.marts_dir}")
    marts = publish(area.paths, area.run_id, [key.path[-1] for key in MART_KEYS])
    state = BuildState.load(area.paths)
    state.published, state.published_run, state.published_to = state.built, area.run_id, str(area.paths.marts_dir)
    state.save(area.paths)
    context.log.info(f"published {len(marts)} marts to {area.paths.marts_dir}")
    return MaterializeResult(metadata={"marts": ", ".join(marts), "path": str(area.paths.published_db)})


@asset(deps=[AssetKey(["published", "warehouse"])], group_name="publication", key=AssetKey(["published", "postgres"]))
def postgres_marts(context: AssetExecutionContext, refresh_lock: RefreshLock, postgres: PostgresResource):
    """Schemas marts and audit of the publication, served from PostgreSQL (KC_POSTGRES_URL): bulk-loaded
    into a staging schema, then swapped in with one transaction (pipelines/postgres.py)."""
    from .postgres import load_marts

    area = refresh_lock.area
    stage("loading the marts into PostgreSQL")
    load = load_marts(
        area.paths.published_db,
        postgres.url,
        area.run_id,
        dbt_project().manifest_path,
        area.paths.marts_dir / "postgres.json",
    )
    state = BuildState.load(area.paths)
    state.served, state.served_to = state.published, load.server
    state.save(area.paths)
    context.log.info(
        f"PostgreSQL at {load.server} serves {load.tables} tables ({load.rows:,} rows), loaded in {load.seconds} s"
    )
    return MaterializeResult(
        metadata={"server": load.server, "tables": load.tables, "rows": load.rows, "seconds": load.seconds}
    )


@asset(deps=[AssetKey(["published", "warehouse"])], group_name="reports", key=AssetKey(["reports", "ministry_review"]))
def ministry_review_report(context: AssetExecutionContext, warehouse: WarehouseResource):
    """The ministry review (notebooks/ministry_review.ipynb) run on the published warehouse: one
    self-contained HTML report in Vietnamese, charts embedded, in <marts>/reports/."""
    from .report import write_report

    target = write_report(warehouse.paths())
    context.log.info(f"wrote {target}")
    return MaterializeResult(metadata={"path": str(target), "size_kib": target.stat().st_size // 1024})
