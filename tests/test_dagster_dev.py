"""`make dagster` from a fresh clone: the code location loads under `dagster dev` with a PATH that lacks
.venv/bin, and the webserver's GraphQL API shows the lineage graph, the jobs, the schedule and the sensor,
without Dagster's first-visit dialog."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

# runs kc refresh, a server or a daemon: left out of `make test-fast`
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

QUERY = """{
  shouldShowNux
  assetNodes { assetKey { path } }
  repositoriesOrError { ... on RepositoryConnection { nodes {
    jobs { name }
    schedules { name scheduleState { status } }
    sensors { name }
  } } }
  workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError {
    __typename ... on PythonError { message } } } } }
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


def test_dagster_dev_loads_the_code_location_without_the_venv_on_path(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = (
        os.pathsep.join(
            p
            for p in env.get("PATH", "").split(os.pathsep)
            if Path(sys.executable).parent != Path(p) and ".venv" not in p
        )
        or "/usr/bin:/bin"
    )
    env["DAGSTER_HOME"] = str(tmp_path / "dagster")
    # as `make dagster` does: the instance's settings written by kc, its databases created
    subprocess.run(
        [sys.executable, "-c", "from pipelines.cli import dagster_home; dagster_home(create=True)"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    dagster = Path(sys.executable).with_name("dagster")
    server = subprocess.Popen(
        [str(dagster), "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        data, deadline = None, time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                data = _graphql(port)
                entries = data["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["locationOrLoadError"] is not None:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert data is not None, "the webserver never answered"
        location = data["workspaceOrError"]["locationEntries"][0]["locationOrLoadError"]
        assert location["__typename"] == "RepositoryLocation", location
        keys = {"/".join(n["assetKey"]["path"]) for n in data["assetNodes"]}
        assert {
            "raw/projects",
            "audit/ingest_files",
            "staging/stg_projects",
            "marts/projects",
            "published/warehouse",
            "reports/ministry_review",
        } <= keys
        repository = data["repositoriesOrError"]["nodes"][0]
        assert {"refresh", "nightly"} <= {j["name"] for j in repository["jobs"]}
        assert {(s["name"], s["scheduleState"]["status"]) for s in repository["schedules"]} == {
            ("nightly_refresh", "RUNNING")
        }
        assert "raw_inbox_sensor" in {s["name"] for s in repository["sensors"]}
        assert data["shouldShowNux"] is False  # no "Join the Dagster community" dialog over the page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
