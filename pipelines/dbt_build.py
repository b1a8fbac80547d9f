"""dbt build, run by the dbt worker (pipelines/dbt_worker.py), reported to Dagster as asset results.

The worker imported dbt and parsed the project while the refresh started and ingested; it closes its
DuckDB connection before it answers, so that publication can open the build database. What each node
did is reported by the worker as dbt finishes it (Dagster records a model's materialization while dbt
builds the next ones); a failure is reported from dbt's run_results.json, with its message.

A failing check's message names the rule and the source rows behind the failing records (each model's
single check, macros/test_row_rules.sql, returns them), read back from the build database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, Failure, MaterializeResult
from dagster_dbt.asset_utils import get_asset_check_key_for_test

from . import dbt_worker
from .dbt_env import dbt_target
from .settings import Paths

BUILT = ("model", "seed", "snapshot")


def build(
    paths: Paths,
    run_id: str,
    args: list[str],
    manifest: dict,
    translator,
    project,
    selected_assets: set,
    selected_checks: set,
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """Run `dbt <args>` on the build database; yield a result per node dbt built or tested that the run
    selected, in the order dbt finished them (a node finishes after its parents). Raises Failure when a
    node failed."""
    target = dbt_target(paths)
    results_file = target / "run_results.json"
    results_file.unlink(missing_ok=True)  # a run's results, never the last run's
    reported: set[str] = set()
    reply = dbt_worker.Reply(False, "dbt did not answer")
    for item in dbt_worker.build(paths, args):
        if isinstance(item, dbt_worker.Reply):
            reply = item
        elif item["status"] in ("success", "pass"):
            # recorded in Dagster while dbt builds the rest; anything else waits for run_results.json,
            # which holds the failure's message and SQL
            reported.add(item["unique_id"])
            yield from _result(item, manifest, translator, project, selected_assets, selected_checks)
    try:
        results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        results = []
    failed = []
    for result in results:
        uid, status = result["unique_id"], result["status"]
        node = manifest["nodes"].get(uid)
        if node is None or uid in reported:
            continue
        yield from _result(result, manifest, translator, project, selected_assets, selected_checks)
        if node["resource_type"] in BUILT and status != "success":
            failed.append(f"{node['resource_type']} {node['name']}: {_first_line(result.get('message'))}")
        elif node["resource_type"] == "test" and status in ("fail", "error"):
            failed.append(f"check {node['name']}: {_failing_rows(paths, result)}")
    if not reply.success:
        if not failed:
            failed.append(_first_line(reply.error) or "dbt did not finish")
        raise Failure(description="dbt build failed: " + " | ".join(failed))


def _result(
    result: dict, manifest: dict, translator, project, selected_assets: set, selected_checks: set
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """What Dagster records of one node dbt finished (`result`: its unique_id, status, execution_time,
    failures, whether its table was kept unchanged or updated in place): a materialization of a model
    built, a check's result; nothing for a node outside the run's selection or a model that failed."""
    node = manifest["nodes"].get(result["unique_id"])
    if node is None:
        return
    status = result["status"]
    if node["resource_type"] in BUILT:
        key = translator.get_asset_key(node)
        if status == "success" and key in selected_assets:
            kept = result.get("unchanged", dbt_worker.unchanged(result.get("adapter_response")))
            in_place = result.get("in_place", dbt_worker.updated_in_place(result.get("adapter_response")))
            yield MaterializeResult(
                asset_key=key,
                metadata={
                    "rebuilt": True,
                    # the same rows as the last build: the table was kept, not written again
                    "unchanged": kept,
                    # only the rows that changed were deleted and inserted
                    "updated_in_place": in_place,
                    "seconds": round(result["execution_time"], 3),
                },
            )
    elif node["resource_type"] == "test":
        key = get_asset_check_key_for_test(manifest, translator, result["unique_id"], project)
        warn = str(node["config"].get("severity", "error")).lower() == "warn"
        if key is not None and key in selected_checks:
            yield AssetCheckResult(
                asset_key=key.asset_key,
                check_name=key.name,
                passed=status == "pass",
                severity=AssetCheckSeverity.WARN if warn else AssetCheckSeverity.ERROR,
                metadata={"failing_rows": int(result.get("failures") or 0)},
            )


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _failing_rows(paths: Paths, result: dict, limit: int = 5) -> str:
    """'not_null(year): projects/x.xlsx row 12; …': what the failing check found, and where from."""
    sql = result.get("compiled_code")
    if not sql:
        return _first_line(result.get("message"))
    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        rows = con.execute(f"SELECT * FROM ({sql}) LIMIT {limit + 1}").fetchall()
        names = [d[0] for d in con.description]
    except duckdb.Error:
        return _first_line(result.get("message"))
    finally:
        con.close()
    failures = int(result.get("failures") or 0)
    if not {"rule", "column_name", "source"} <= set(names):
        return f"{failures} failing row(s)"
    shown = [
        f"{r[names.index('rule')]}({r[names.index('column_name')]})"
        + (f" at {r[names.index('source')]}" if r[names.index("source")] else "")
        for r in rows[:limit]
    ]
    more = f" and more ({failures} in all)" if len(rows) > limit else ""
    return "; ".join(shown) + more
