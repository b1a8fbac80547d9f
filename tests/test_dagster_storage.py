"""Dagster's event log with its SQLite connections kept open (pipelines/dagster_storage.py): it records
exactly what Dagster's own storage records, a watcher of a run (the webserver's live logs) sees its events
as they are written, and a forked process writes through connections of its own."""

import os
import threading

import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSpec,
    AssetKey,
    AssetSpec,
    DagsterInstance,
    Definitions,
    MaterializeResult,
    define_asset_job,
    multi_asset,
)
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from pipelines import dagster_storage
from pipelines.cli import dagster_home
from pipelines.dagster_storage import KeptOpenSqliteEventLogStorage

ASSETS = [f"a{i}" for i in range(6)]


def _job():
    @multi_asset(
        specs=[AssetSpec(a, deps=[ASSETS[i - 1]] if i else []) for i, a in enumerate(ASSETS)],
        check_specs=[AssetCheckSpec("rules", asset=a) for a in ASSETS],
    )
    def chain():
        for i, a in enumerate(ASSETS):
            yield MaterializeResult(asset_key=a, metadata={"rows": i})
            yield AssetCheckResult(asset_key=a, check_name="rules", passed=i != 3)

    return Definitions(assets=[chain], jobs=[define_asset_job("chain_job")]).resolve_job_def("chain_job")


def _kc_instance(home, monkeypatch) -> DagsterInstance:
    """The instance as kc opens it: its dagster.yaml written by kc, without PostgreSQL."""
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv("KC_POSTGRES_URL", raising=False)
    return DagsterInstance.from_config(str(dagster_home()))


def _recorded(instance: DagsterInstance, run_id: str) -> dict:
    """What the UI shows of a run: its events in order, each asset's latest materialization, each check."""
    events = [e.dagster_event_type for e in instance.all_logs(run_id) if e.is_dagster_event]
    latest = {
        a: instance.get_latest_materialization_event(AssetKey(a)).asset_materialization.metadata["rows"].value
        for a in ASSETS
    }
    checks = {}
    for a in ASSETS:
        record = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [AssetCheckKey(AssetKey(a), "rules")]
        )
        (execution,) = record.values()
        checks[a] = (execution.status.value, execution.evaluation.passed if execution.evaluation else None)
    return {"events": [e.value for e in events], "latest": latest, "checks": checks}


def test_kc_records_a_run_exactly_as_dagsters_own_storage_does(tmp_path, monkeypatch):
    kept = _kc_instance(tmp_path / "kept", monkeypatch)
    assert type(kept.event_log_storage) is KeptOpenSqliteEventLogStorage
    (tmp_path / "plain").mkdir()
    plain = DagsterInstance.from_config(str(tmp_path / "plain"))
    assert type(plain.event_log_storage) is SqliteEventLogStorage
    with kept, plain:
        job = _job()
        recorded = []
        for instance in (kept, plain):
            first = job.execute_in_process(instance=instance, raise_on_error=False)
            second = job.execute_in_process(instance=instance, raise_on_error=False)
            assert first.success and second.success
            recorded.append((_recorded(instance, first.run_id), _recorded(instance, second.run_id)))
    assert recorded[0] == recorded[1]
    assert recorded[0][0]["checks"]["a3"] == ("FAILED", False)
    assert len(recorded[0][1]["events"]) > 30


def test_a_watcher_of_a_run_sees_its_events_as_they_are_written(tmp_path, monkeypatch):
    """The webserver shows a running run's logs by watching its database file; a kept connection writes
    to the WAL beside it, so the file is touched when an event is written."""
    instance = _kc_instance(tmp_path, monkeypatch)
    with instance:
        run = instance.create_run_for_job(_job())
        seen, arrived = [], threading.Event()

        def watcher(entry, cursor):
            seen.append(entry.message)
            if "third" in entry.message:
                arrived.set()

        instance.watch_event_logs(run.run_id, None, watcher)
        try:
            for word in ("first", "second", "third"):
                instance.report_engine_event(f"{word} event", run)
            assert arrived.wait(10), f"the watcher saw only {seen}"
        finally:
            instance.end_watch_event_logs(run.run_id, watcher)
    assert [m for m in seen if m.endswith(" event")] == ["first event", "second event", "third event"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_process_writes_through_connections_of_its_own(tmp_path, monkeypatch):
    instance = _kc_instance(tmp_path, monkeypatch)
    with instance:
        run = instance.create_run_for_job(_job())
        instance.report_engine_event("before the fork", run)
        kept = dict(instance.event_log_storage._engines)
        pid = os.fork()
        if pid == 0:  # the child: its engines are new, and its event is written
            code = 1
            try:
                storage = instance.event_log_storage
                fresh = not any(storage._engines.get(k) is e for k, e in kept.items())
                instance.report_engine_event("from the child", run)
                code = 0 if fresh else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        instance.report_engine_event("after the fork", run)
        messages = [e.message for e in instance.all_logs(run.run_id)]
    assert messages[-3:] == ["before the fork", "from the child", "after the fork"]


def test_only_a_few_engines_are_kept(tmp_path, monkeypatch):
    """A webserver reads many runs: it keeps the engines of the last few databases only."""
    instance = _kc_instance(tmp_path, monkeypatch)
    with instance:
        job = _job()
        for _ in range(dagster_storage.KEPT_ENGINES + 2):
            run = instance.create_run_for_job(job)
            instance.report_engine_event("an event", run)
        assert len(instance.event_log_storage._engines) == dagster_storage.KEPT_ENGINES


def test_kc_serve_and_make_dagster_create_the_instance_databases_before_starting(tmp_path, monkeypatch):
    """The webserver and the daemon start together: two processes creating the schedule database at once
    stamped its schema version twice, and no process could open the instance after that."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.delenv("KC_POSTGRES_URL", raising=False)
    dagster_home()
    assert not (tmp_path / "schedules").exists()  # writing the settings creates nothing
    dagster_home(create=True)
    for database in ("history/runs.db", "history/runs/index.db", "schedules/schedules.db"):
        assert (tmp_path / database).is_file(), database


def test_events_are_committed_without_a_sync_each_and_survive_a_crash(tmp_path, monkeypatch):
    """Kept connections sync SQLite's log at checkpoints only (synchronous=NORMAL, about 500 fdatasync calls
    fewer a refresh); a process that dies without closing anything loses none of the events it committed."""
    instance = _kc_instance(tmp_path, monkeypatch)
    with instance:
        run = instance.create_run_for_job(_job())
        instance.report_engine_event("first", run)
        for engine in instance.event_log_storage._engines.values():
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        pid = os.fork()
        if pid == 0:  # a crash: events committed, nothing closed, no checkpoint
            code = 1
            try:
                for word in ("second", "third"):
                    instance.report_engine_event(word, run)
                code = 0
            finally:
                os.kill(os.getpid(), 9) if code == 0 else os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == -9
    reopened = _kc_instance(tmp_path, monkeypatch)
    with reopened:
        messages = [e.message for e in reopened.all_logs(run.run_id)]
    assert messages[-3:] == ["first", "second", "third"]
