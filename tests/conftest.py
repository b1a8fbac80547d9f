from pathlib import Path

import pytest
import xlsxwriter

from pipelines.ingest.config import load_dataset_config
from pipelines.ingest.projects import ProjectsParser
from pipelines.ingest.provinces import resolver
from pipelines.ingest.readers import read_sheets

CONFIG = Path(__file__).resolve().parent.parent / "pipelines" / "config"


def write_xlsx(path: Path, rows: list[list], merges=(), sheet="Sheet1", extra_sheets=None) -> Path:
    """A workbook from a list of rows; merges are (r0, c0, r1, c1, text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    for name, content in [(sheet, rows)] + list((extra_sheets or {}).items()):
        ws = wb.add_worksheet(name)
        for r, row in enumerate(content):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
        if name == sheet:
            for r0, c0, r1, c1, text in merges:
                ws.merge_range(r0, c0, r1, c1, text)
    wb.close()
    return path


@pytest.fixture(scope="session")
def parser() -> ProjectsParser:
    return ProjectsParser(load_dataset_config("projects", CONFIG), resolver(CONFIG / "provinces.yaml"))


@pytest.fixture
def parse(parser, tmp_path):
    """Parse a file written by a test, as the refresh would; `relative` is its path under the raw root."""

    def _parse(path: Path, relative: str | None = None):
        return parser.parse(read_sheets(path), relative or f"projects/{path.name}")

    return _parse


def site_env(raw: Path, root: Path) -> dict:
    """The environment of a `kc` command on the inbox `raw`, with its own marts, work area and Dagster
    instance under `root`."""
    import os

    return {
        **os.environ,
        "KC_RAW_DIR": str(raw),
        "KC_MARTS_DIR": str(root / "marts"),
        "KC_WORK_DIR": str(root / "work"),
        "DAGSTER_HOME": str(root / "dagster"),
    }


def kc(env: dict, *args: str, timeout: int = 600):
    """Run `kc <args>` in its own process, as a user would; the completed process."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def published_marts(db: Path) -> dict:
    """Every mart of a warehouse, its rows sorted: what two warehouses are compared by."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        return {n: con.execute(f"SELECT * FROM marts.{n} ORDER BY ALL").fetchall() for n in names}
    finally:
        con.close()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A real PostgreSQL server for this test session (the `pgserver` package ships its binaries, so a
    fresh machine needs nothing installed), on a Unix socket; stopped when the session ends."""
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("postgres"), cleanup_mode="stop")
    yield server
    server.cleanup()


@pytest.fixture
def postgres_url(postgres_server, request):
    """The URL of a new, empty database on the session's server, for one test."""
    import re

    import adbc_driver_postgresql.dbapi as pg

    name = "kc_" + re.sub(r"\W", "_", request.node.name.lower())[:50]
    with pg.connect(postgres_server.get_uri(), autocommit=True) as con:
        cur = con.cursor()
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {name}")
    return postgres_server.get_uri(name)


@pytest.fixture(scope="session")
def demo_inbox(tmp_path_factory) -> Path:
    """The demo inbox (`kc demo`), written once per test session: a clean clone has no data/raw yet."""
    from kc_demo.generator import write_demo

    raw = tmp_path_factory.mktemp("demo") / "raw"
    write_demo(raw, seed=2012)
    return raw
