"""Incremental refresh: only new or changed files are read again, and nothing else changes."""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance
from dagster._core.instance.ref import InstanceRef

from pipelines import dbt_worker
from pipelines.ingest.cache import fingerprint
from pipelines.ingest.config import CONFIG_DIR
from pipelines.ingest.limits import Limits
from pipelines.ingest.run import ingest
from pipelines.settings import Paths
from tests import corpus
from tests.conftest import published_marts

# runs kc refresh, a server or a daemon: left out of `make test-fast`
pytestmark = pytest.mark.slow


def _register(path, province_title, amount, when):
    return corpus.local_register(path, province_title, amount, when=when)


def _inbox(root):
    raw = root / "raw"
    _register(raw / "projects" / "hau-giang" / "2019.xlsx", "TỈNH HẬU GIANG", 250, 1_580_000_000)
    _register(raw / "projects" / "soc-trang" / "2019.xlsx", "TỈNH SÓC TRĂNG", 300, 1_580_000_000)
    corpus.write_csv(
        raw / "projects" / "bac-ninh" / "2019.csv",
        [
            ["Tỉnh", "Năm", "Cấp", "Tên đề án", "Kinh phí KCĐP (đồng)"],
            ["Bắc Ninh", "2019", "KCĐP", "Hỗ trợ thiết kế bao bì", "150.000.000"],
        ],
    )
    return raw


def _correct(raw):
    """Hậu Giang sends its 2019 register again, corrected."""
    return _register(raw / "projects" / "hau-giang" / "2019-da-sua.xlsx", "TỈNH HẬU GIANG", 25, 1_590_000_000)


def _raw_tables(paths):
    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        return {
            t: con.execute(
                f"SELECT * EXCLUDE (ingested_at) FROM {t} ORDER BY ALL"
                if t == "audit.ingest_files"
                else f"SELECT * FROM {t} ORDER BY ALL"
            ).fetchall()
            for t in ("raw.projects", "audit.ingest_files", "audit.rejected_rows")
        }
    finally:
        con.close()


def test_a_corrected_file_is_the_only_file_read_again(tmp_path):
    raw = _inbox(tmp_path)
    paths = Paths(raw, tmp_path / "marts", tmp_path / "work")
    first = ingest(paths)
    assert (first.files_read, first.files_cached) == (3, 0)
    again = ingest(paths)
    assert (again.files_read, again.files_cached) == (0, 3)
    _correct(raw)
    incremental = ingest(paths)
    assert (incremental.files_read, incremental.files_cached) == (1, 3)
    from_cache = _raw_tables(paths)
    ingest(paths, use_cache=False, incremental=False)
    assert _raw_tables(paths) == from_cache  # what the cache gives is what reading gives
    budgets = {
        (r[0], r[1])
        for r in duckdb.connect(str(paths.build_db), read_only=True)
        .execute("SELECT source_file, local_budget_vnd FROM raw.projects WHERE province_code = '93'")
        .fetchall()
    }
    assert budgets == {
        ("projects/hau-giang/2019-da-sua.xlsx", 25_000_000),
        ("projects/hau-giang/2019-da-sua.xlsx", 10_000_000),
    }


def test_a_changed_file_under_the_same_name_is_read_again(tmp_path):
    raw = _inbox(tmp_path)
    paths = Paths(raw, tmp_path / "marts", tmp_path / "work")
    ingest(paths)
    _register(raw / "projects" / "soc-trang" / "2019.xlsx", "TỈNH SÓC TRĂNG", 301, 1_590_000_000)
    summary = ingest(paths)
    assert (summary.files_read, summary.files_cached) == (1, 2)


def test_the_cache_key_follows_code_configuration_and_limits(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    base = fingerprint(config, Limits())
    assert fingerprint(config, Limits()) == base
    assert fingerprint(config, replace(Limits(), max_sheet_cells=10)) != base
    vocabulary = config / "vocabulary.yaml"
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8") + "\n# a new synonym\n", encoding="utf-8")
    assert fingerprint(config, Limits()) != base


def test_incremental_and_full_refresh_publish_the_same_marts(tmp_path):
    raw = _inbox(tmp_path)

    def refresh(site):
        env = {
            **os.environ,
            "KC_RAW_DIR": str(raw),
            "KC_MARTS_DIR": str(tmp_path / site / "marts"),
            "KC_WORK_DIR": str(tmp_path / site / "work"),
            "DAGSTER_HOME": str(tmp_path / "dagster"),
        }
        result = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "refresh"], env=env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return tmp_path / site / "marts" / "warehouse.duckdb"

    refresh("incremental")
    _correct(raw)
    incremental = refresh("incremental")

    # the correction changed projects, not facilities (this inbox has no census): dbt built both again,
    # wrote the changed table and kept the other as it was, and Dagster says which
    results = json.loads((tmp_path / "incremental" / "work" / "dbt" / "run_results.json").read_text())
    kept = {r["unique_id"].split(".")[-1]: dbt_worker.unchanged(r["adapter_response"]) for r in results["results"]}
    assert kept["projects"] is False and kept["facilities"] is True, kept
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path / "dagster"))) as instance:
        recorded = {
            name: instance.get_latest_materialization_event(AssetKey(["marts", name])).asset_materialization.metadata
            for name in ("projects", "facilities")
        }
    assert recorded["projects"]["unchanged"].value is False
    assert recorded["facilities"]["unchanged"].value is True

    full = refresh("full")
    got, expected = published_marts(incremental), published_marts(full)
    assert len(got) >= 14 and got == expected
    assert [r for r in got["projects"] if r[3] == "93"]  # the corrected province is there
    # tables written from the comparison's temporary table keep the contract's types and constraints
    assert _published_ddl(incremental) == _published_ddl(full)


def _published_ddl(db) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(
            con.execute(
                "SELECT schema_name || '.' || table_name, sql FROM duckdb_tables() "
                "WHERE schema_name IN ('marts', 'audit')"
            ).fetchall()
        )
    finally:
        con.close()
