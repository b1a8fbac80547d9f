import json
import os

from dagster import AssetKey, RunRequest, SkipReason, build_sensor_context

from pipelines.automation import raw_inbox_sensor
from pipelines.definitions import defs


def test_definitions_load_as_one_lineage_graph():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {
        "raw/projects",
        "audit/ingest_files",
        "staging/stg_projects",
        "marts/projects",
        "marts/province2025_year_summary",
        "published/warehouse",
    } <= keys
    # dbt sources are the ingestion assets, not separate source assets
    assert AssetKey(["raw", "projects"]) in graph.get(AssetKey(["staging", "stg_projects"])).parent_keys
    assert AssetKey(["marts", "projects"]) in graph.get(AssetKey(["published", "warehouse"])).parent_keys
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    # one check per model (all its row rules in one dbt test), named for the model
    assert ("marts/projects", "projects_rules") in checks and ("staging/stg_projects", "stg_projects_rules") in checks
    marts = {k for k in keys if k.startswith("marts/")}
    assert marts <= {asset for asset, _ in checks}, "every mart has its check"


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


def test_sensor_requests_one_run_per_tick_for_every_new_file_version(tmp_path, monkeypatch):
    monkeypatch.setenv("KC_RAW_DIR", str(tmp_path))
    (tmp_path / "projects").mkdir()
    f = tmp_path / "projects" / "a.csv"
    f.write_text("x")
    (tmp_path / "projects" / "b.csv").write_text("b")
    context = build_sensor_context()
    first = raw_inbox_sensor(context)
    assert isinstance(first, RunRequest) and first.tags["kc/changed_files"] == "2"  # two files, one run
    assert set(json.loads(context.cursor)) == {"projects/a.csv", "projects/b.csv"}
    context = build_sensor_context(cursor=context.cursor)
    assert isinstance(raw_inbox_sensor(context), SkipReason)  # nothing changed: skip
    (tmp_path / "projects" / "~$a.xlsx").write_text("excel's lock file")  # never a submission
    (tmp_path / "projects" / ".hidden.csv").write_text("a dotfile")
    (tmp_path / ".sync").mkdir()
    (tmp_path / ".sync" / "x.csv").write_text("a hidden folder")
    context = build_sensor_context(cursor=context.cursor)
    assert isinstance(raw_inbox_sensor(context), SkipReason)
    f.write_text("y")
    os.utime(f, (1, 1))
    context = build_sensor_context(cursor=context.cursor)
    second = raw_inbox_sensor(context)
    assert isinstance(second, RunRequest) and second.run_key != first.run_key
    assert second.tags["kc/changed_files"] == "1"
    f.unlink()
    context = build_sensor_context(cursor=context.cursor)
    third = raw_inbox_sensor(context)
    assert isinstance(third, RunRequest) and third.tags["kc/removed_files"] == "1"


def test_a_corrupt_manifest_is_parsed_again_not_read():
    """Two processes once wrote dbt's manifest at once and left it corrupt: every later code location load
    failed. A manifest that does not load is parsed again (under a lock, by one process)."""
    import json

    from pipelines.dbt_env import MANIFEST, ensure_manifest

    whole = MANIFEST.read_bytes()
    try:
        MANIFEST.write_bytes(whole + b'}\n  "left over": 1}')  # newer than every source, but not JSON
        ensure_manifest()
        json.loads(MANIFEST.read_bytes())
    finally:
        try:
            json.loads(MANIFEST.read_bytes())
        except ValueError:
            MANIFEST.write_bytes(whole)


_GRAPH_SUMMARY = """
import json, re, sys
from pipelines.dbt_env import dbt_core_left_to_the_worker
if sys.argv[1] == "without":
    with dbt_core_left_to_the_worker():
        from pipelines.definitions import defs
else:
    from pipelines.definitions import defs
graph = defs.resolve_asset_graph()
summary = {
    key.to_user_string(): {
        "parents": sorted(p.to_user_string() for p in graph.get(key).parent_keys),
        "checks": sorted(c.to_user_string() for c in graph.get(key).check_keys),
        "group": graph.get(key).group_name,
        "description": graph.get(key).description,
        "kinds": sorted(graph.get(key).kinds),
        # object addresses differ from process to process
        "metadata": {k: re.sub(r" at 0x[0-9a-f]+", "", str(v)) for k, v in graph.get(key).metadata.items()},
    }
    for key in graph.get_all_asset_keys()
}
print(json.dumps({"dbt_imported": any(m == "dbt" or m.startswith("dbt.") for m in sys.modules), "graph": summary}))
"""


def test_the_refresh_process_loads_the_same_assets_without_importing_dbt_core():
    """kc refresh leaves dbt-core to its worker (dagster-dbt then uses its own dbt node types): the
    lineage, checks and metadata must be exactly those of a process that imports dbt-core."""
    import subprocess
    import sys

    def summary(mode: str) -> dict:
        out = subprocess.run([sys.executable, "-c", _GRAPH_SUMMARY, mode], capture_output=True, text=True, check=True)
        return json.loads(out.stdout)

    without, with_ = summary("without"), summary("with")
    assert not without["dbt_imported"] and with_["dbt_imported"]
    assert len(without["graph"]) > 40
    assert without["graph"] == with_["graph"]


def test_dagster_records_whether_dbt_kept_a_table_unchanged():
    """The dbt worker's line for a finished model says whether its table was kept as it was (the adapter
    response of macros/materialization_table.sql); Dagster's materialization records it."""
    from pipelines.assets import translator
    from pipelines.dbt_build import _result
    from pipelines.dbt_env import dbt_project

    manifest = json.loads(dbt_project().manifest_path.read_text(encoding="utf-8"))
    uid = "model.khuyencong.facilities"
    key = translator.get_asset_key(manifest["nodes"][uid])

    def recorded(result: dict):
        [materialization] = _result(result, manifest, translator, dbt_project(), {key}, set())
        return materialization.metadata["unchanged"]

    line = {"unique_id": uid, "status": "success", "execution_time": 0.5, "failures": None}
    assert recorded({**line, "unchanged": True}) is True
    assert recorded({**line, "unchanged": False}) is False
    # a result read back from run_results.json: the adapter response says it
    assert recorded({**line, "adapter_response": {"_message": "UNCHANGED", "code": "UNCHANGED"}}) is True
    assert recorded({**line, "adapter_response": {"_message": "OK"}}) is False
