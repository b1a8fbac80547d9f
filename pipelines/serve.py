"""`kc serve`: the Dagster webserver and daemon together, as the ministry's server runs them.

The daemon runs the nightly schedule and the inbox sensor (on under `kc serve`) and launches their runs;
the webserver shows lineage, runs and checks. Both share one persistent instance (`DAGSTER_HOME`, with
runs kept in PostgreSQL when `KC_POSTGRES_URL` is set) and write to one log file. SIGTERM or SIGINT stops
both, and every process they started, within `STOP_SECONDS`; if either dies, the other is stopped too and
`kc serve` exits non-zero, so that systemd restarts the pair (deploy/khuyencong.service).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .settings import PROJECT_ROOT

STOP_SECONDS = 8  # SIGTERM, then SIGKILL for whatever is left; systemd's own limit is above this


def _commands(host: str, port: int) -> dict[str, list[str]]:
    bin_dir = Path(sys.executable).parent  # the project's environment, whatever PATH holds
    location = ["-m", "pipelines.definitions", "-d", str(PROJECT_ROOT)]
    return {
        "webserver": [str(bin_dir / "dagster-webserver"), "-h", host, "-p", str(port), *location],
        "daemon": [str(bin_dir / "dagster-daemon"), "run", *location],
    }


def serve(home: Path, host: str, port: int, log_file: Path) -> int:
    from .dbt_env import ensure_manifest

    ensure_manifest()  # once, here, before two code servers would both want it
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log = log_file.open("ab", buffering=0)
    env = {**os.environ, "DAGSTER_HOME": str(home), "KC_SERVE": "1"}

    def note(text: str) -> None:
        line = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} kc serve: {text}"
        log.write((line + "\n").encode())
        print(line, flush=True)

    stopping = False

    def request_stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        note(f"{signal.Signals(signum).name} received: stopping")

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    processes: dict[str, subprocess.Popen] = {}
    for name, command in _commands(host, port).items():
        # each in its own process group: stopping the group also stops the code server and the runs it started
        processes[name] = subprocess.Popen(
            command,
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    note(
        f"webserver on http://{host}:{port} (pid {processes['webserver'].pid}), daemon (pid "
        f"{processes['daemon'].pid}); instance {home}; log {log_file}"
    )
    failed = None
    while not stopping:
        for name, process in processes.items():
            if process.poll() is not None:
                failed = f"the {name} exited with code {process.returncode}"
                break
        if failed:
            note(f"{failed}: stopping the rest")
            break
        time.sleep(0.5)
    _stop(processes.values(), note)
    log.close()
    return 1 if failed else 0


def _stop(processes, note) -> None:
    groups = [p.pid for p in processes]
    for group in groups:
        _signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline and any(_group_alive(g) for g in groups):
        for p in processes:
            p.poll()  # reap
        time.sleep(0.2)
    left = [g for g in groups if _group_alive(g)]
    for group in left:
        _signal_group(group, signal.SIGKILL)
    for p in processes:
        try:
            p.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
    note("stopped" + (f" (process groups {left} killed after {STOP_SECONDS} s)" if left else ""))


def _signal_group(group: int, sig: int) -> None:
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        pass


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
