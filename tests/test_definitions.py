import json
import os

from dagster import AssetKey, build_sensor_context

from pipelines.automation import raw_inbox_sensor
from pipelines.definitions import defs


def test_definitions_load_as_one_lineage_graph():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"raw/projects", "audit/ingest_files", "staging/stg_projects", "marts/projects",
            "marts/province2025_year_summary", "published/warehouse"} <= keys
    # dbt sources are the ingestion assets, not separate source assets
    assert AssetKey(["raw", "projects"]) in graph.get(AssetKey(["staging", "stg_projects"])).parent_keys
    assert AssetKey(["marts", "projects"]) in graph.get(AssetKey(["published", "warehouse"])).parent_keys
    checks = list(graph.asset_check_keys)
    assert len(checks) > 50, "dbt tests should be asset checks"


def test_job_schedule_and_sensor():
    report = AssetKey(["reports", "ministry_review"])
    refresh = defs.resolve_job_def("refresh")
    assert report not in refresh.asset_layer.executable_asset_keys  # kc refresh stays quick
    assert report in defs.resolve_job_def("nightly").asset_layer.executable_asset_keys
    assert AssetKey(["published", "warehouse"]) in defs.resolve_asset_graph().get(report).parent_keys
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule.job_name == "nightly"
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Ho_Chi_Minh"
    assert defs.resolve_sensor_def("raw_inbox_sensor") is not None


def test_sensor_requests_one_run_per_file_version(tmp_path, monkeypatch):
    monkeypatch.setenv("KC_RAW_DIR", str(tmp_path))
    (tmp_path / "projects").mkdir()
    f = tmp_path / "projects" / "a.csv"
    f.write_text("x")
    context = build_sensor_context()
    first = raw_inbox_sensor(context)
    assert [r.run_key for r in first] == [f"projects/a.csv@{json.loads(context.cursor)['projects/a.csv'][2]}"]
    context = build_sensor_context(cursor=context.cursor)
    assert not isinstance(raw_inbox_sensor(context), list)  # nothing changed: skip
    f.write_text("y")
    os.utime(f, (1, 1))
    context = build_sensor_context(cursor=context.cursor)
    second = raw_inbox_sensor(context)
    assert len(second) == 1 and second[0].run_key != first[0].run_key
