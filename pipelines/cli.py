"""`kc`: the warehouse from the command line.

kc demo [--scale demo|national] [--raw-dir DIR] [--if-empty]
                                       write the demo submissions (national: every province, ~1,000 registers)
kc refresh [--raw-dir D] [--marts-dir D] [--work-dir D]
                                       run the refresh job through Dagster, then summarise
kc sql "QUERY"                         query the published warehouse, read-only
kc status                              the last refresh and what was rejected, and why
kc validate FILE... [--dataset D]      how each file would be read; writes nothing; exit 1 if anything is rejected
kc serve [--host H] [--port P] [--log-file F]
                                       the Dagster webserver and daemon (schedule, inbox sensor), as a service
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from .datasets import NAMES as DATASET_NAMES
from .settings import MARTS_TAG, PROJECT_ROOT, WORK_TAG, Paths, current_paths, postgres_url, run_tags

DAGSTER_YAML = """# Written by kc: one refresh at a time, the others wait in the queue.
concurrency:
  runs:
    max_concurrent_runs: 1
telemetry:
  enabled: false
# no "Join the Dagster community" dialog over the page at a browser's first visit
nux:
  enabled: false
"""


def _paths(args) -> Paths:
    """The folders of this command: its flags, else KC_RAW_DIR / KC_MARTS_DIR / KC_WORK_DIR, else data/.
    Passed on as values (to the Dagster run as resource configuration), never written to the environment."""
    default = current_paths()
    given = {
        flag: Path(value).expanduser().resolve()
        for flag in ("raw_dir", "marts_dir", "work_dir")
        if (value := getattr(args, flag, None))
    }
    return replace(default, **given)


# With KC_POSTGRES_URL, runs, events, schedules and sensors are kept in PostgreSQL (dagster-postgres).
POSTGRES_STORAGE = """storage:
  postgres:
    postgres_url:
      env: KC_POSTGRES_URL
"""


def _sqlite_event_log(home: Path) -> str:
    """Without PostgreSQL: Dagster's SQLite storage in `home`, with the event log's database connections
    kept open between events (pipelines/dagster_storage.py says why)."""
    runs = json.dumps(str(home.resolve() / "history" / "runs"))
    return f"""event_log_storage:
  module: pipelines.dagster_storage
  class: KeptOpenSqliteEventLogStorage
  config:
    base_dir: {runs}
"""


def dagster_home(create: bool = False) -> Path:
    """A persistent Dagster instance, so that runs started by kc are recorded and visible in the UI: in
    SQLite under it, or in PostgreSQL when KC_POSTGRES_URL is set. A dagster.yaml written by kc follows
    the settings; one written by hand is left alone. `make dagster` prepares it too, before `dagster dev`.

    `create`: its databases are created now, before a webserver and a daemon start together (two
    processes creating the schedule database at once can each stamp its schema version, and then no
    process can open the instance)."""
    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = DAGSTER_YAML + (POSTGRES_STORAGE if postgres_url() else _sqlite_event_log(home))
    if not config.exists() or (config.read_text().startswith("# Written by kc") and config.read_text() != wanted):
        config.write_text(wanted)
    if create:
        from dagster import DagsterInstance

        DagsterInstance.from_config(str(home)).dispose()
    return home


def _open_instance(home: Path):
    """The Dagster instance, or None after saying in one line why it cannot be opened (its PostgreSQL
    server is unreachable, say)."""
    import logging

    from dagster import DagsterInstance

    logging.getLogger().setLevel(logging.ERROR)  # dagster-postgres warns at every retry of its connection
    try:
        return DagsterInstance.from_config(str(home))
    except Exception as exc:
        from .postgres import safe_url

        url = postgres_url()
        where = f" (its runs are kept in PostgreSQL at {safe_url(url)})" if url else ""
        cause = exc.__cause__ or exc
        first = (str(cause) or type(cause).__name__).strip().splitlines()[0][:200]
        print(f"cannot open the Dagster instance in {home}{where}: {first}", file=sys.stderr)
        return None


def cmd_demo(args) -> int:
    raw_dir = args.paths.raw_dir
    if (
        args.if_empty
        and raw_dir.exists()
        and any(p.is_file() and not p.name.startswith(".") for p in raw_dir.rglob("*"))
    ):
        print(f"{raw_dir} already holds submissions: demo not written")
        return 0
    started = time.monotonic()
    if args.scale == "national":
        from kc_demo.national import write_national

        written = write_national(raw_dir, seed=args.seed)
    else:
        from kc_demo.generator import write_demo

        written = write_demo(raw_dir, seed=args.seed)
    scale = "" if args.scale == "demo" else f"{args.scale} "
    print(f"wrote {len(written)} {scale}demo files under {raw_dir} in {time.monotonic() - started:.0f} s")
    return 0


def cmd_refresh(args) -> int:
    from .engine import nothing_changed, planned_sources
    from .ingest.config import CONFIG_DIR
    from .ingest.limits import load_limits
    from .postgres import safe_url

    paths = args.paths
    started = time.monotonic()
    holder = _refresh_running(paths)
    if holder:
        print(
            f"refresh refused: another refresh is running ({holder}); try again when it has finished", file=sys.stderr
        )
        _still_published(paths)
        return 1
    if not args.full:
        # Checked before Dagster and dbt are even imported: files (stat only), code and configuration exactly
        # as at the last publication to this marts folder.
        url = postgres_url()
        unchanged = nothing_changed(paths, CONFIG_DIR, load_limits(CONFIG_DIR), safe_url(url) if url else None)
        if unchanged is not None:
            print(
                f"nothing changed since run {unchanged.published_run} published {len(unchanged.files)} files' "
                f"marts to {paths.marts_dir}: nothing rebuilt ({time.monotonic() - started:.1f} s)"
            )
            return 0
    else:
        paths.build_state.unlink(missing_ok=True)  # forget the build: everything is read and built again
    planned = None if args.full else planned_sources(paths, CONFIG_DIR, load_limits(CONFIG_DIR))
    # dbt imports and parses on the other core while Dagster starts (the run stops it if it has no model
    # to build)
    from .dbt_worker import warm_up

    warm_up(paths)
    home = dagster_home()
    from .dbt_env import dbt_core_left_to_the_worker

    with dbt_core_left_to_the_worker():
        from .definitions import defs

    with _collecting_less():
        instance = _open_instance(home)
        if instance is None:
            _still_published(paths)
            return 1
        with instance:
            _close_killed_runs(instance, paths)
            # Dagster logs every step event at DEBUG; the summary below is what a user needs unless --verbose.
            level = "INFO" if args.verbose else "WARNING"
            from .progress import wanted

            if wanted() and not args.verbose:
                os.environ["KC_PROGRESS"] = "1"  # a display setting for this process's steps (see progress.py)
            folders = {
                "raw_dir": str(paths.raw_dir),
                "marts_dir": str(paths.marts_dir),
                "work_dir": str(paths.work_dir),
            }
            from .assets import refresh_selection

            result = defs.resolve_job_def("refresh").execute_in_process(
                instance=instance,
                # only the assets the changed files can reach: the run, its events and its page in the UI
                asset_selection=refresh_selection(planned),
                raise_on_error=False,
                tags=run_tags(paths),
                run_config={
                    "loggers": {"console": {"config": {"log_level": level}}},
                    "resources": {"warehouse": {"config": folders}, "refresh_lock": {"config": folders}},
                },
            )
    duration = time.monotonic() - started
    if not result.success:
        print(
            f"refresh FAILED after {duration:.1f} s (run {result.run_id}): {_failure_message(result)}", file=sys.stderr
        )
        _still_published(paths)
        return 1
    _print_summary(paths.published_db, duration, result.run_id)
    return 0


@contextmanager
def _collecting_less():
    """Python's cycle collector walks every object it tracks, and Dagster, dbt and their imports make
    several hundred thousand: what is loaded by now stays for the run (frozen: never walked again), and
    young objects are collected every 50,000 allocations rather than 700. Measured on one corrected
    register (national inbox): 1.9 s of collection → 0.9 s. Undone afterwards, for a caller that goes on
    (a test calling `main`): objects frozen for good are never freed, and DuckDB reports its own as
    leaked when the interpreter exits."""
    import gc

    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _still_published(paths: Paths) -> None:
    if paths.published_db.exists():
        print(f"the last good warehouse is still published at {paths.published_db}", file=sys.stderr)
    else:
        print(f"nothing is published at {paths.marts_dir} yet", file=sys.stderr)


def _close_killed_runs(instance, paths) -> None:
    """Runs of this work area that Dagster still shows as started belong to refreshes that were killed
    (no refresh holds the lock): record them as failed, so that the run history tells the truth."""
    from dagster import DagsterRunStatus, RunsFilter

    for run in instance.get_runs(
        RunsFilter(job_name="refresh", statuses=[DagsterRunStatus.STARTED], tags={WORK_TAG: str(paths.work_dir)})
    ):
        instance.report_run_failed(run, "the refresh process ended without finishing (killed)")


def _refresh_running(paths) -> str | None:
    """Who holds the refresh lock, if anyone (checked at once, without waiting for Dagster to start; the
    run itself takes the lock for good, so two refreshes that pass this check together still cannot
    both run)."""
    import fcntl

    if not paths.lock_file.exists():
        return None
    with paths.lock_file.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read().strip() or "another process"
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def _failure_message(result) -> str:
    """The innermost cause of the run's first error: a failed dbt test, or the refresh lock refusing."""
    return _first_error(result.all_events)


def _first_error(events) -> str:
    for event in events:
        error = getattr(event.event_specific_data, "error", None)
        if error is not None:
            while error.cause is not None:
                error = error.cause
            return error.message.strip().splitlines()[-1]
    return "see the run in the Dagster UI (make dagster)"


def _print_summary(db: Path, duration: float, run_id: str) -> None:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        files = dict(con.execute("SELECT status, count(*) FROM audit.ingest_files GROUP BY 1").fetchall())
        accepted, rejected = con.execute(
            "SELECT coalesce(sum(rows_accepted), 0), coalesce(sum(rows_rejected), 0) FROM audit.ingest_files"
        ).fetchone()
        warned = con.execute("SELECT count(*) FROM audit.row_warnings").fetchone()[0]
        marts = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema='marts' ORDER BY 1"
            ).fetchall()
        ]
    finally:
        con.close()
    print(f"refresh finished in {duration:.1f} s (run {run_id})")
    print("files:  " + ", ".join(f"{files.get(s, 0)} {s}" for s in ("loaded", "duplicate", "superseded", "rejected")))
    print(f"rows:   {accepted} accepted, {rejected} rejected, {warned} loaded with a warning")
    print(f"marts:  {len(marts)} published to {db.parent}: {', '.join(marts)}")


def _open_published(paths: Paths):
    import duckdb

    db = paths.published_db
    if not db.exists():
        print(f"no published warehouse at {db}: run `kc refresh` first", file=sys.stderr)
        raise SystemExit(1)
    try:
        return duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:  # held by a read-write session, say: one line, not a traceback
        print(f"cannot open {db}: {str(exc).splitlines()[0]}", file=sys.stderr)
        raise SystemExit(1) from None


def _quiet_in_a_pipe() -> None:
    """`kc sql … | head`: a command that only reads ends quietly when its reader goes, as any Unix command
    (not for a refresh, which must not die because someone stopped reading its summary)."""
    import signal

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def cmd_sql(args) -> int:
    import duckdb

    if args.format in ("xlsx", "parquet") and not args.output:
        print(f"--format {args.format} needs --output FILE", file=sys.stderr)
        return 2
    _quiet_in_a_pipe()
    con = _open_published(args.paths)
    try:
        relation = con.sql(args.query)
        if relation is None:
            return 0
        relation = _plain_integers(relation)
        if args.format == "table":
            relation.show(max_width=max(80, _terminal_width()), max_rows=args.max_rows)
            return 0
        from .export import export

        rows = export(relation, args.format, Path(args.output) if args.output else None)
        if args.output:
            print(f"{rows:,} rows written to {args.output}", file=sys.stderr)
    except duckdb.Error as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


def _plain_integers(relation):
    """Sums of integers come back as 128-bit integers, which print as `int128`: as BIGINT when they fit."""
    huge = [name for name, kind in zip(relation.columns, relation.types) if str(kind) in ("HUGEINT", "UHUGEINT")]
    if not huge:
        return relation
    casts = ", ".join(f'"{c}"::BIGINT AS "{c}"' for c in huge)
    narrowed = relation.project(f"* REPLACE ({casts})")
    try:
        narrowed.limit(1).fetchall()  # an overflow of a sum shows here
    except Exception:
        return relation
    return narrowed


def _terminal_width() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 160


def cmd_status(args) -> int:
    """What is published in this marts folder, from the warehouse itself; then this warehouse's runs (tagged
    with its folder), and the last failure when it is newer than the publication."""
    import duckdb

    _quiet_in_a_pipe()
    paths = args.paths
    published_at = None
    if paths.published_db.exists():
        try:
            con = duckdb.connect(str(paths.published_db), read_only=True)
            run_id, published_at, files = con.execute(
                "SELECT run_id, published_at, files FROM audit.publication"
            ).fetchone()
            con.close()
            print(
                f"published: {published_at:%Y-%m-%d %H:%M:%S %Z} by run {run_id[:8]}, from {files:,} files, "
                f"in {paths.marts_dir}"
            )
        except duckdb.Error as exc:
            print(f"published: {paths.published_db} cannot be read ({str(exc).splitlines()[0]})")
    else:
        print(f"published: nothing yet in {paths.marts_dir} (run kc refresh)")
    home = dagster_home()
    from dagster import DagsterRunStatus, RunsFilter

    instance = _open_instance(home)
    if instance is None:
        return 1
    with instance:
        records = instance.get_run_records(RunsFilter(tags={MARTS_TAG: str(paths.marts_dir)}), limit=20)
        if records:
            run = records[0]
            end = run.end_time or run.update_timestamp.timestamp()
            took = f", {end - run.start_time:.1f} s" if run.start_time else ""
            print(
                f"last run for this warehouse: {run.dagster_run.job_name} {run.dagster_run.status.value.lower()} "
                f"(run {run.dagster_run.run_id[:8]}{took})"
            )
            failed = next((r for r in records if r.dagster_run.status == DagsterRunStatus.FAILURE), None)
            if failed and (published_at is None or (failed.start_time or 0) > published_at.timestamp()):
                events = [e.dagster_event for e in instance.all_logs(failed.dagster_run.run_id) if e.dagster_event]
                print(
                    f"last failure, after the publication: run {failed.dagster_run.run_id[:8]}: {_first_error(events)}"
                )
        else:
            print(f"last run for this warehouse: none recorded in the Dagster instance {home}")
    from .postgres import last_load

    served = last_load(args.paths.marts_dir / "postgres.json")
    if served:
        print(
            f"PostgreSQL: {served['server']} loaded {served['loaded_at'][:19].replace('T', ' ')} UTC from run "
            f"{served['run_id'][:8]} ({served['tables']} tables, {served['rows']:,} rows)"
        )
    elif postgres_url():
        print("PostgreSQL: KC_POSTGRES_URL is set but no load is recorded yet (run kc refresh)")
    if not args.paths.published_db.exists():
        return 0
    con = _open_published(args.paths)
    try:
        _plain_integers(
            con.sql(
                "SELECT status, count(*) AS files, sum(rows_accepted) AS rows_accepted, sum(rows_rejected) "
                "AS rows_rejected, max(ingested_at) AS ingested_at FROM audit.ingest_files GROUP BY 1 ORDER BY 1"
            )
        ).show()
        print("files not loaded, and why:")
        con.sql("SELECT path, status, reason FROM audit.ingest_files WHERE status <> 'loaded' ORDER BY path").show(
            max_width=max(120, _terminal_width())
        )
        print("rows loaded with a warning, per province and year (audit.row_warnings):")
        con.sql(
            "SELECT coalesce(province_code, province_code_2025) AS province, year, rule, count(*) AS rows "
            "FROM audit.row_warnings GROUP BY ALL ORDER BY ALL"
        ).show(max_rows=50)
        print("files whose own totals disagree with their rows (audit.file_totals):")
        con.sql(
            "SELECT path, count(*) AS figures, sum(difference) AS difference FROM audit.file_totals "
            "WHERE NOT reconciles GROUP BY 1 ORDER BY 1"
        ).show(max_rows=50)
        print("rejected rows, and why:")
        con.sql(
            "SELECT path, sheet, row_number, reason FROM audit.rejected_rows ORDER BY path, sheet, row_number"
        ).show(max_width=max(120, _terminal_width()), max_rows=50)
    finally:
        con.close()
    return 0


def cmd_serve(args) -> int:
    from .serve import serve

    home = dagster_home(create=True)
    log_file = Path(args.log_file).expanduser().resolve() if args.log_file else home / "logs" / "kc-serve.log"
    return serve(home, args.host, args.port, log_file)


def cmd_validate(args) -> int:
    from .validate import validate

    _quiet_in_a_pipe()
    return validate(args.files, args.dataset, lang=args.lang)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kc", description="Khuyến công warehouse")
    sub = parser.add_subparsers(dest="command", required=True)
    paths = argparse.ArgumentParser(add_help=False)
    paths.add_argument("--raw-dir", help="the inbox of submissions (default data/raw, or KC_RAW_DIR)")
    paths.add_argument("--marts-dir", help="where marts are published (default data/marts, or KC_MARTS_DIR)")
    paths.add_argument("--work-dir", help="private work area of the refresh (default data/work, or KC_WORK_DIR)")

    demo = sub.add_parser("demo", parents=[paths], help="write the demo submissions into the raw directory")
    demo.add_argument("--seed", type=int, default=2012)
    demo.add_argument("--if-empty", action="store_true", help="do nothing when the raw directory has files")
    demo.add_argument(
        "--scale",
        choices=["demo", "national"],
        default="demo",
        help="demo: 8 provinces (the default); national: all 63 + 34 provinces, 600,000 census rows",
    )
    demo.set_defaults(func=cmd_demo)
    refresh = sub.add_parser("refresh", parents=[paths], help="ingest, build, test and publish (through Dagster)")
    refresh.add_argument("--verbose", action="store_true", help="show Dagster and dbt progress")
    refresh.add_argument(
        "--full",
        action="store_true",
        help="rebuild everything from the files (the parse cache still answers for files it has read)",
    )
    refresh.set_defaults(func=cmd_refresh)
    marts = argparse.ArgumentParser(add_help=False)
    marts.add_argument("--marts-dir", help="where marts are published (default data/marts, or KC_MARTS_DIR)")
    sql = sub.add_parser("sql", parents=[marts], help="query the published warehouse read-only")
    sql.add_argument("query")
    sql.add_argument("--max-rows", type=int, default=40, help="rows shown in the table (default 40)")
    sql.add_argument(
        "--format",
        choices=["table", "csv", "xlsx", "parquet"],
        default="table",
        help="table (default, on screen); csv (UTF-8 with BOM in a file, for Excel), xlsx, parquet",
    )
    sql.add_argument("--output", "-o", help="the file to write (csv without it goes to the screen)")
    sql.set_defaults(func=cmd_sql)
    status = sub.add_parser(
        "status", parents=[marts], help="the published warehouse, the last refresh, and what was rejected and why"
    )
    status.set_defaults(func=cmd_status)
    validate = sub.add_parser(
        "validate",
        help="how files would be read (dataset, province, years, headers, units, "
        "encoding, rejected rows); writes nothing",
    )
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument(
        "--dataset",
        choices=DATASET_NAMES,
        help="read the files as this dataset (default: from the folder, else the best reading)",
    )
    validate.add_argument(
        "--lang",
        choices=["vi", "en"],
        default="vi",
        help="vi: tiếng Việt (default, for provincial officers); en: English",
    )
    validate.set_defaults(func=cmd_validate)

    serve = sub.add_parser(
        "serve",
        help="run the Dagster webserver and daemon together (the nightly schedule and the "
        "inbox sensor), until SIGTERM or SIGINT",
    )
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"), help="default 127.0.0.1, or HOST")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")), help="default 3000, or PORT")
    serve.add_argument("--log-file", help="default <DAGSTER_HOME>/logs/kc-serve.log")
    serve.set_defaults(func=cmd_serve)

    args = parser.parse_args(argv)
    args.paths = _paths(args)
    return args.func(args)


def _nobody_reads(stream) -> None:
    """What is left in `stream`'s buffer goes nowhere, quietly (its reader closed the pipe)."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def run() -> None:
    """The `kc` program: `main`, then a quick exit. Everything the command wrote is flushed and the exit
    handlers run (logging, multiprocessing, temporary files), but the interpreter does not tear down the
    hundreds of modules Dagster and dbt import, one object at a time: that costs about 0.8 s after every
    command (measured: `import pipelines.definitions` 3.6 s with the teardown, 2.9 s without)."""
    import atexit
    import traceback

    try:
        code = main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if not isinstance(exit_.code, (int, type(None))):
            print(exit_.code, file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    except BrokenPipeError:  # `kc … | head`: whoever read the output has stopped reading
        _nobody_reads(sys.stdout)
        code = 1
    except Exception:  # a bug: its traceback, then the same quick exit (no teardown of DuckDB's objects)
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            _nobody_reads(stream)
    atexit._run_exitfuncs()
    os._exit(code or 0)


if __name__ == "__main__":
    run()
