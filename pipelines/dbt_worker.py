"""dbt in a process of its own, started ahead of time: it imports dbt and parses the project (about 2.5 s
on the national refresh) on the other core while the refresh process starts Dagster and ingests, and
then only builds.

The worker is started by `warm_up` (kc refresh, once it knows something may have changed; ingestion,
for runs started by Dagster itself) and given its one build by `build`: the dbt arguments on its
standard input, a line of JSON on its standard output for each node as dbt finishes it (so that the
refresh records it in Dagster while dbt goes on), and its reply when dbt has finished, its DuckDB
connection closed (so that publication can open the build database). Those lines are the only thing on
its standard output: what dbt prints (its errors) goes to standard error (`_take_stdout` says why),
which the refresh relays to its own. Everything each node did is in dbt's `run_results.json`. The
worker never opens the build database before it is asked to build: ingestion writes it meanwhile.

Run as `python -m pipelines.dbt_worker TARGET PARENT_PID` in the build folder, where profiles.yml's
relative path names the build database, without KC_BUILD_DB (profiles.yml says why).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .dbt_env import dbt_target
from .settings import DBT_PROJECT_DIR, Paths


def dbt_arguments(target: Path) -> list[str]:
    """The arguments of every dbt call of a refresh: where the project, the profile, the target and the
    logs are."""
    return [
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(target),
        "--quiet",
        # dbt would write manifest.json twice (0.8 s of an incremental refresh's 7 s of dbt): the
        # refresh reads the project's manifest (dbt_env.dbt_project), not the run's
        "--no-write-json",
        # its log file at debug level writes every SQL statement (about 100,000 lines a national build)
        "--log-level-file",
        "info",
    ]


REPLY = "kc-dbt-worker: "  # the worker's last line of output: its reply, after whatever dbt printed
# a node dbt has finished: {"unique_id", "status", "execution_time", "failures", "unchanged", "in_place"}
NODE = "kc-dbt-node: "
# a model's adapter response (macros/materialization_table.sql) when its table was kept as it was, or when
# only its changed rows were deleted and inserted
UNCHANGED = "UNCHANGED"
UPDATED_IN_PLACE = "UPDATED_IN_PLACE"


@dataclass
class Reply:
    success: bool
    error: str | None


class DbtWorker:
    def __init__(self, build_db: Path, target: Path):
        self.build_db, self.target = build_db, target
        environment = {k: v for k, v in os.environ.items() if k != "KC_BUILD_DB"}
        # the worker runs in the build folder: it imports this very code (not another checkout's that the
        # environment's install points to), and with it the same dbt project
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(Path(__file__).resolve().parents[1]), environment.get("PYTHONPATH")])
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.dbt_worker", str(target), str(os.getpid())],
            cwd=build_db.parent,  # where profiles.yml's relative path names the build database
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # what dbt prints (its standard error, `_take_stdout`) is written to this process's standard error
        # as it comes, where the running step's log captures it
        threading.Thread(target=_relay, args=(self.process.stderr,), name="dbt's output", daemon=True).start()

    def build(self, args: list[str]) -> Iterator[dict | Reply]:
        """Run `dbt <args>`: each node's result as dbt finishes it, then the Reply when dbt has finished
        (dbt's failure, or the worker's death, is in it)."""
        reply = None
        try:
            self.process.stdin.write(json.dumps(args) + "\n")
            self.process.stdin.close()
            for line in self.process.stdout:
                line = line.rstrip("\n")
                if line.startswith(NODE):
                    yield json.loads(line[len(NODE) :])
                elif line.startswith(REPLY):
                    reply = line
        except (BrokenPipeError, OSError):
            pass
        code = self.process.wait()
        if reply is None:
            yield Reply(False, f"the dbt process stopped without an answer (exit code {code})")
        else:
            yield Reply(**json.loads(reply[len(REPLY) :]))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _relay(stream) -> None:
    for line in stream:
        try:
            sys.stderr.write(line)
            sys.stderr.flush()
        except (OSError, ValueError):  # nobody reads this process's standard error any more (or it closed)
            pass


_warm: DbtWorker | None = None


def warm_up(paths: Paths) -> None:
    """Start the worker for this work area's build database now, if it is not started yet. Returns at
    once."""
    global _warm
    build_db, target = paths.build_db, dbt_target(paths)
    if _warm is not None and (_warm.build_db, _warm.target) == (build_db, target) and _warm.process.poll() is None:
        return
    stop()
    build_db.parent.mkdir(parents=True, exist_ok=True)
    _warm = DbtWorker(build_db, target)


def build(paths: Paths, args: list[str]) -> Iterator[dict | Reply]:
    """Build with the warm worker of this work area (started now if there is none): each node's result
    as dbt finishes it, then the Reply."""
    global _warm
    warm_up(paths)
    worker, _warm = _warm, None
    return worker.build(args)


def stop() -> None:
    """Stop a worker that will not be asked to build (the run failed before dbt)."""
    global _warm
    if _warm is not None:
        _warm.stop()
        _warm = None


def _die_with(parent: int) -> None:
    """The worker is killed with the refresh process (kill -9 included): a refresh killed during dbt must
    not leave a dbt still writing the build database, which the next refresh then could not open.
    (Linux: prctl PR_SET_PDEATHSIG.)"""
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


def _take_stdout():
    """The worker's standard output for its own lines alone; whatever else the process prints (dbt's
    logger, on threads of its own) goes to standard error from now on. A shared stream mixed them: a node's
    line and dbt's error about another node, written at the same moment, made one line that was no longer
    JSON, and the refresh failed on it instead of reporting the failing check."""
    sys.stdout.flush()
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # at the descriptor, so that nothing, whenever it took hold of stdout, still writes here
    return answers


_answers = None  # the worker's standard output (_take_stdout)
_sending = threading.Lock()  # dbt finishes nodes on several threads: one whole line at a time


def _send(line: str) -> None:
    with _sending:
        _answers.write(line + "\n")
        _answers.flush()


def main(target: Path, parent: int) -> int:
    """In the worker: import dbt, parse the project, wait for the build's arguments, build, close."""
    global _answers
    _die_with(parent)
    _answers = _take_stdout()
    from dbt.cli.main import dbtRunner

    common = dbt_arguments(target)
    parsed = dbtRunner().invoke(["parse", *common])
    manifest = parsed.result if parsed.success else None  # else the build parses, and says what is wrong
    line = sys.stdin.readline()
    if not line:
        return 0  # not needed after all
    args = json.loads(line)
    try:
        outcome = dbtRunner(manifest=manifest, callbacks=[_report_finished]).invoke([*args, *common])
        if outcome.result is not None and hasattr(outcome.result, "write"):
            outcome.result.write(str(target / "run_results.json"))
        reply = {"success": bool(outcome.success), "error": str(outcome.exception) if outcome.exception else None}
    finally:
        _close_duckdb()
    _send(REPLY + json.dumps(reply))
    return 0


def _report_finished(event) -> None:
    """dbt's callback for every event: a finished node is reported at once, one line of JSON."""
    if event.info.name != "NodeFinished":
        return
    result = event.data.run_result
    line = NODE + json.dumps(
        {
            "unique_id": event.data.node_info.unique_id,
            "status": result.status,
            "execution_time": result.execution_time,
            "failures": result.num_failures,
            "unchanged": unchanged(result.adapter_response),
            "in_place": updated_in_place(result.adapter_response),
        }
    )
    _send(line)


def unchanged(adapter_response) -> bool:
    """The model's table was kept as it was: its rows are the last build's (run_results.json's
    adapter_response, or the event's)."""
    return _code(adapter_response) == UNCHANGED


def updated_in_place(adapter_response) -> bool:
    """Only the model's changed rows were written: its removed rows deleted, its new rows inserted."""
    return _code(adapter_response) == UPDATED_IN_PLACE


def _code(adapter_response) -> str | None:
    """The code the table materialization stored for the model (macros/materialization_table.sql), if any:
    a mapping in run_results.json, a protobuf Struct in dbt's event (no `get`)."""
    return adapter_response["code"] if adapter_response and "code" in adapter_response else None


def _close_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB instance for the life of the process: close it (its checkpoint), so
    that the build database is whole on disk before the refresh process opens it to publish."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        try:
            environment.close()
        except Exception:  # already closed
            pass
    DuckDBConnectionManager.close_all_connections()


if __name__ == "__main__":
    import atexit

    code = main(Path(sys.argv[1]), int(sys.argv[2]))
    sys.stdout.flush()
    # the exit handlers, among them multiprocessing's: dbt's locks are named semaphores, which its
    # resource tracker would otherwise report as "leaked" on the refresh's terminal
    atexit._run_exitfuncs()
    os._exit(code)  # no teardown of dbt's modules (about 0.8 s)
