"""`kc serve` under a real Dagster daemon (issue 16): a file dropped in the inbox starts a run through the
sensor, the schedule's tick launches the nightly job, and SIGTERM stops every process within 10 s."""

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests import corpus
from tests.conftest import site_env

# runs kc refresh, a server or a daemon: left out of `make test-fast`
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                environ = (entry / "environ").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if text in cmdline or text in environ:
                found.append(f"{entry.name}: {cmdline[:120]}")
    return found


def _runs(home: Path) -> list:
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        return [(r.job_name, r.status.value, r.tags) for r in instance.get_runs()]


def _wait(predicate, seconds: float, what: str, home: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate(_runs(home))
        if found:
            return found
        time.sleep(2)
    raise AssertionError(f"{what} not seen within {seconds} s; runs: {[(j, s) for j, s, _ in _runs(home)]}")


def test_kc_serve_runs_the_sensor_and_the_schedule_and_stops_cleanly(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    home = tmp_path / "dagster"
    port = _free_port()
    env = {
        **site_env(raw, tmp_path),
        "DAGSTER_HOME": str(home),
        "KC_SENSOR_INTERVAL": "5",
        "KC_NIGHTLY_CRON": "* * * * *",
        "PATH": "/usr/bin:/bin",
    }  # kc serve finds dagster itself
    log = tmp_path / "serve.log"
    serve = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "serve", "--port", str(port), "--log-file", str(log)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
                assert serve.poll() is None, log.read_text(errors="replace")[-3000:]
                time.sleep(1)
        # a province sends a register: the sensor (on under kc serve) starts a refresh that publishes it
        corpus.local_register(raw / "projects" / "soc-trang" / "2019.xlsx", "TỈNH SÓC TRĂNG", 100)
        corpus.local_register(raw / "projects" / "hau-giang" / "2019.xlsx", "TỈNH HẬU GIANG", 80)
        _wait(
            lambda runs: [
                r
                for r in runs
                if r[0] == "refresh" and r[2].get("dagster/sensor_name") == "raw_inbox_sensor" and r[1] == "SUCCESS"
            ],
            180,
            "a successful refresh started by the inbox sensor",
            home,
        )
        assert (tmp_path / "marts" / "warehouse.duckdb").exists()
        # the schedule (due every minute here) launches the nightly job through the daemon
        _wait(
            lambda runs: [
                r
                for r in runs
                if r[0] == "nightly"
                and r[2].get("dagster/schedule_name") == "nightly_refresh"
                and r[1] in ("SUCCESS", "FAILURE")
            ],
            240,
            "a finished nightly run started by the schedule",
            home,
        )
        nightly = [r for r in _runs(home) if r[0] == "nightly"]
        assert any(r[1] == "SUCCESS" for r in nightly), (nightly, log.read_text(errors="replace")[-3000:])
    finally:
        started = time.monotonic()
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(timeout=30)
        stopped_in = time.monotonic() - started
    assert code == 0 and stopped_in < 10, (code, stopped_in)
    time.sleep(0.5)
    assert _processes_mentioning(str(home)) == []
    assert "SIGTERM received: stopping" in log.read_text(errors="replace")
