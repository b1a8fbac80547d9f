"""kill -9 at any moment, and two refreshes at once: the published warehouse stays whole and readable."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests import corpus
from tests.conftest import published_marts

# runs kc refresh, a server or a daemon: left out of `make test-fast`
pytestmark = pytest.mark.slow


def _published(marts: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(marts.iterdir()) if p.is_file()}


def _check_whole(marts: Path) -> None:
    """The published warehouse opens read-only, holds every mart, and every Parquet file reads and holds
    what the database holds (one publication, never a mix of two)."""
    con = duckdb.connect(str(marts / "warehouse.duckdb"), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        assert len(names) >= 14
        assert con.execute("select count(*) from marts.projects").fetchone()[0] == 4
        for name in names:
            con.execute(f"select count(*) from read_parquet('{marts / (name + '.parquet')}')").fetchone()
        in_db = con.execute("select sum(local_budget_vnd) from marts.projects").fetchone()[0]
        in_parquet = con.execute(
            f"select sum(local_budget_vnd) from read_parquet('{marts / 'projects.parquet'}')"
        ).fetchone()[0]
        assert in_db == in_parquet
    finally:
        con.close()


LOOPING_READER = """
import sys, duckdb
marts, errors = sys.argv[1], 0
while True:
    try:
        con = duckdb.connect(marts + '/warehouse.duckdb', read_only=True)
        n = con.execute("select count(*) from information_schema.tables where table_schema = 'marts'").fetchone()[0]
        con.execute('select count(*) from marts.projects').fetchone()
        con.close()
        if n < 14:
            print('missing marts', n, flush=True)
    except Exception as exc:
        print('error', exc, flush=True)
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    corpus.write_xlsx(root / "raw" / "projects" / "hau-giang" / "2019.xlsx", corpus.register_rows())
    corpus.write_xlsx(
        root / "raw" / "projects" / "soc-trang" / "2020.xlsx",
        [["UBND TỈNH SÓC TRĂNG"], ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2020"]] + corpus.register_rows()[2:],
    )
    env = {
        **os.environ,
        "DAGSTER_HOME": str(root / "dagster"),
        "KC_RAW_DIR": str(root / "raw"),
        "KC_MARTS_DIR": str(root / "marts"),
        "KC_WORK_DIR": str(root / "work"),
    }
    (root / "dagster").mkdir()
    return root, env


def _start(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "refresh"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _correct(root: Path, amount: float) -> None:
    """Sóc Trăng sends its 2020 register again with one amount changed: an incremental refresh."""
    rows = [["UBND TỈNH SÓC TRĂNG"], ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2020"]] + corpus.register_rows()[2:]
    rows[4][4] = amount
    corpus.write_xlsx(root / "raw" / "projects" / "soc-trang" / "2020.xlsx", rows)


def test_kill_9_at_any_moment_leaves_the_published_warehouse_whole(site):
    """Each refresh after the first is incremental (one register corrected) and killed at another moment."""
    root, env = site
    marts = root / "marts"
    first = _start(env)
    assert first.wait(timeout=300) == 0, first.stdout.read()
    before = _published(marts)
    reader = duckdb.connect(str(marts / "warehouse.duckdb"), read_only=True)  # an analyst, throughout
    # another analyst opens and closes the published warehouse in a loop, throughout
    looping = subprocess.Popen(
        [sys.executable, "-c", LOOPING_READER, str(marts)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    killed_during_publish, killed_before_publication = False, 0
    for attempt, delay in enumerate((0.5, 2.0, 4.0, 7.0, "publish")):
        _correct(root, 121 + attempt)
        versions = set(os.listdir(marts / "versions"))
        process = _start(env)
        deadline = time.monotonic() + 120
        if delay == "publish":  # the moment the new publication's temporary folder or link appears
            while not any(
                p.name.startswith(".") and ".tmp-" in p.name
                for p in [*marts.iterdir(), *(marts / "versions").iterdir()]
            ):
                assert process.poll() is None and time.monotonic() < deadline, "publication never started"
                time.sleep(0.005)
            killed_during_publish = True
        else:
            time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        _check_whole(marts)
        assert reader.execute("select count(*) from marts.projects").fetchone()[0] == 4
        if set(os.listdir(marts / "versions")) - versions:
            # it was publishing, or had published, when killed (a fast machine gets there within the
            # delay): the old publication or the new one, each whole (checked above)
            before = _published(marts)
        else:  # killed before publication: nothing changed
            assert _published(marts) == before
            killed_before_publication += 1
    assert killed_during_publish and killed_before_publication >= 2
    looping.kill()
    assert looping.communicate()[0] == ""  # never a broken or half-published warehouse
    last = _start(env)
    output = last.communicate(timeout=300)[0]
    assert last.returncode == 0, output
    _check_whole(marts)
    assert not [p for p in marts.iterdir() if ".tmp-" in p.name]  # leftovers of the killed runs are gone
    assert not [p for p in (marts / "versions").iterdir() if ".tmp-" in p.name]
    assert len(list((marts / "versions").iterdir())) <= 2  # the publication and the one before it
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    with DagsterInstance.from_config(str(root / "dagster")) as instance:  # killed runs are not left "started"
        assert not instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED]))
        assert instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.FAILURE]))
    builds = sorted(p.name for p in (root / "work" / "build").iterdir())  # the persistent build and its state
    assert builds == ["state.json", "warehouse.duckdb"]
    assert not [p for p in Path("/proc").iterdir() if p.name.isdigit() and _orphan_dbt(p, root)]
    reader.close()
    # the next refresh after the kills is correct: the same marts as a full refresh of the same inbox
    full = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "refresh"],
        capture_output=True,
        text=True,
        env={**env, "KC_MARTS_DIR": str(root / "full" / "marts"), "KC_WORK_DIR": str(root / "full" / "work")},
        timeout=300,
    )
    assert full.returncode == 0, full.stdout + full.stderr
    assert published_marts(marts / "warehouse.duckdb") == published_marts(root / "full" / "marts" / "warehouse.duckdb")


def _orphan_dbt(proc: Path, root: Path) -> bool:
    """A dbt process of this site's work area still running (a killed run's dbt must be stopped)."""
    try:
        argv = (proc / "cmdline").read_bytes().split(b"\0")
        environ = (proc / "environ").read_bytes()
    except OSError:
        return False
    return any(a.endswith(b"/dbt") for a in argv[:2]) and str(root / "work").encode() in environ


def test_two_refreshes_started_together_one_refuses_clearly(site):
    root, env = site
    _correct(root, 150)  # something to do
    runs = [_start(env), _start(env)]
    outputs = [r.communicate(timeout=300)[0] for r in runs]
    codes = sorted(r.returncode for r in runs)
    assert codes == [0, 1], outputs
    refused = outputs[[r.returncode for r in runs].index(1)]
    assert "another refresh is running" in refused and "last good warehouse is still published" in refused
    _check_whole(root / "marts")
