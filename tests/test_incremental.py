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
from pipelines.ingest import cache as cache_module
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


def test_a_file_rewritten_under_the_same_size_time_and_inode_is_read_again(tmp_path):
    """Its bytes are not hashed again when its stamp is the same; a rewrite in place that keeps the
    size and sets the modification time back still changes the stamp (its change time)."""
    raw = _inbox(tmp_path)
    paths = Paths(raw, tmp_path / "marts", tmp_path / "work")
    ingest(paths)
    csv = raw / "projects" / "bac-ninh" / "2019.csv"
    before, text = csv.stat(), csv.read_text(encoding="utf-8")
    changed = text.replace("150.000.000", "160.000.000")
    assert len(changed.encode()) == len(text.encode())
    with csv.open("r+", encoding="utf-8") as f:  # in place: the same inode
        f.write(changed)
    os.utime(csv, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = csv.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    summary = ingest(paths)
    assert (summary.files_read, summary.files_changed) == (1, 1)
    budget = (
        duckdb.connect(str(paths.build_db), read_only=True)
        .execute("SELECT local_budget_vnd FROM raw.projects WHERE source_file = 'projects/bac-ninh/2019.csv'")
        .fetchall()
    )
    assert budget == [(160_000_000,)]


def test_only_files_whose_stamp_changed_are_hashed(tmp_path, monkeypatch):
    from pipelines.ingest import discover

    raw = _inbox(tmp_path)
    paths = Paths(raw, tmp_path / "marts", tmp_path / "work")
    hashed, real = [], discover.sha256_of
    monkeypatch.setattr(discover, "sha256_of", lambda path: hashed.append(path.name) or real(path))
    ingest(paths)
    assert len(hashed) == 3
    hashed.clear()
    ingest(paths)
    assert hashed == []
    _correct(raw)
    ingest(paths)
    assert hashed == ["2019-da-sua.xlsx"]


def test_the_cache_keeps_only_what_the_last_refresh_asked_for(tmp_path):
    """After a refresh the parse cache holds one entry (summary and records) per file of the inbox: a
    changed file's old entry, a removed file's and anything else left there are pruned."""
    raw = _inbox(tmp_path)
    paths = Paths(raw, tmp_path / "marts", tmp_path / "work")
    ingest(paths)

    def entries():
        return sorted(p.relative_to(paths.parse_cache) for p in paths.parse_cache.rglob("*") if p.is_file())

    first = entries()
    assert len(first) == 6 and {p.suffix for p in first} == {".pickle", ".arrow"}
    (paths.parse_cache / "ab").mkdir(exist_ok=True)
    (paths.parse_cache / "ab" / "left-by-an-older-version.pickle").write_bytes(b"old")
    (paths.parse_cache / "stray").write_bytes(b"")
    ingest(paths)
    assert entries() == first  # nothing read again, nothing else kept
    _register(raw / "projects" / "soc-trang" / "2019.xlsx", "TỈNH SÓC TRĂNG", 301, 1_590_000_000)
    (raw / "projects" / "bac-ninh" / "2019.csv").unlink()
    ingest(paths)
    after = entries()
    assert len(after) == 4 and len(set(after) & set(first)) == 2  # Hậu Giang's entry kept, Sóc Trăng's new


def test_readers_hand_over_their_records_as_cache_files(tmp_path, monkeypatch):
    """A reader writes the records it read into the cache's spool and the refresh process moves the file
    into its cache entry: it neither receives the records through the pipe nor writes them again. The raw
    tables are those of a refresh without the cache (records sent through the pipe), and the spool is
    left empty; a file a reader left there (killed while writing) is pruned."""
    raw = _inbox(tmp_path)
    piped = Paths(raw, tmp_path / "marts-piped", tmp_path / "work-piped")
    ingest(piped, use_cache=False)
    paths = Paths(raw, tmp_path / "marts", tmp_path / "work")
    (paths.parse_cache / "spool").mkdir(parents=True)
    (paths.parse_cache / "spool" / ".123-4.arrow.123").write_bytes(b"half")

    def not_here(*_):
        raise AssertionError("the refresh process wrote records a reader had written")

    monkeypatch.setattr(cache_module, "write_records", not_here)  # this process only: readers are forked apart
    summary = ingest(paths)
    assert summary.files_read == 3
    assert _raw_tables(paths) == _raw_tables(piped)
    assert list((paths.parse_cache / "spool").iterdir()) == []
    assert len(list(paths.parse_cache.rglob("*.arrow"))) == 3
    assert ingest(paths, incremental=False).files_cached == 3  # the moved files load as cache entries
    assert _raw_tables(paths) == _raw_tables(piped)


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
        return _refresh(raw, tmp_path, site)

    refresh("incremental")
    _correct(raw)
    incremental = refresh("incremental")

    # Dagster records whether dbt kept each rebuilt table as it was (a table this small is written)
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path / "dagster"))) as instance:
        event = instance.get_latest_materialization_event(AssetKey(["marts", "projects"]))
    assert event.asset_materialization.metadata["unchanged"].value is False

    full = refresh("full")
    got, expected = published_marts(incremental), published_marts(full)
    assert len(got) >= 14 and got == expected
    assert [r for r in got["projects"] if r[3] == "93"]  # the corrected province is there
    # tables written from the comparison's temporary table keep the contract's types and constraints
    assert _published_ddl(incremental) == _published_ddl(full)


CENSUS_HEAD = ["STT", "Mã cơ sở", "Tên cơ sở", "Loại hình", "Ngành nghề", "Xã/Phường/Thị trấn", "Số lao động"]


PROVINCE_TITLES = {"soc-trang": "SÓC TRĂNG", "hau-giang": "HẬU GIANG", "bac-ninh": "BẮC NINH"}


def _census(raw, province, facilities, when=1_580_000_000):
    """The province's 2018 census: `facilities` ((code, name, commune, employees), numbered in order)."""
    path = raw / "census" / province / "2018" / "dieu-tra.xlsx"
    rows = [[f"UBND TỈNH {PROVINCE_TITLES[province]}"], ["KẾT QUẢ ĐIỀU TRA CƠ SỞ CÔNG NGHIỆP NÔNG THÔN NĂM 2018"]]
    rows += [[None], CENSUS_HEAD]
    for i, (code, name, commune, workers) in enumerate(facilities, 1):
        rows.append([i, code, name, "Cơ sở", "bánh", commune, workers])
    corpus.write_xlsx(path, rows)
    os.utime(path, (when, when))
    return path


SCOPED_CENSUS_MODELS = (
    "staging.stg_census",
    "intermediate.int_census_facility_keys",
    "intermediate.int_census_facility_names",
    "intermediate.int_census_facilities",
    "intermediate.int_census_province_waves",
)


def _tables(db, names) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {name: con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() for name in names}
    finally:
        con.close()


def test_a_census_file_changed_added_or_removed_rebuilds_only_its_province_and_gives_the_full_refreshs_marts(
    tmp_path,
):
    """The census models are built by match scope (macros/census_scopes.sql): a corrected census file
    rebuilds its province's rows only, and after a change, an addition and a removal the marts and the
    scoped tables are what a full refresh of the same inbox builds."""
    raw = _inbox(tmp_path)
    _census(
        raw, "soc-trang", [("CS1", "Cơ sở Bánh pía Út Hoa", "Xã Đại Tâm", 5), (None, "Cơ sở Bún Nam", "Xã Đại Tâm", 3)]
    )
    hau_giang = _census(raw, "hau-giang", [("HG1", "Cơ sở Bánh tét", "Xã Tân Bình", 4)])
    site = tmp_path / "incremental"
    build_db = site / "work" / "build" / "warehouse.duckdb"
    _refresh(raw, tmp_path, "incremental")

    # Hậu Giang's staging rows marked: a build that recomputed its scope would bring back its rows
    # as read, and a whole build of int_census_facilities would carry the mark on
    con = duckdb.connect(str(build_db))
    con.execute("UPDATE staging.stg_census SET industry = 'marked' WHERE match_scope = 'pre2025:93'")
    con.close()
    _census(
        raw,
        "soc-trang",
        [("CS1", "Cơ sở Bánh pía Út Hoa", "Xã Đại Tâm", 6), (None, "Cơ sở Bún Nam", "Xã Đại Tâm", 3)],
        1_590_000_000,
    )
    _refresh(raw, tmp_path, "incremental")
    con = duckdb.connect(str(build_db))
    try:
        industries = dict(
            con.execute("SELECT match_scope, list(DISTINCT industry) FROM staging.stg_census GROUP BY ALL").fetchall()
        )
        assert industries == {"pre2025:93": ["marked"], "pre2025:94": ["bánh"]}  # only Sóc Trăng rebuilt
        assert con.execute(
            "SELECT list(industry), list(employees ORDER BY employees) FILTER (WHERE match_scope = 'pre2025:94') "
            "FROM intermediate.int_census_facilities"
        ).fetchone() == (["bánh"] * 3, [3, 6])  # Hậu Giang's facility not rebuilt either; Sóc Trăng's corrected
        con.execute("UPDATE staging.stg_census SET industry = 'bánh' WHERE match_scope = 'pre2025:93'")
    finally:
        con.close()

    # a new province, then a province's only census withdrawn (its scope vanishes)
    _census(raw, "bac-ninh", [("BN1", "Cơ sở Gốm", "Xã Phù Lãng", 9)], 1_590_000_000)
    _refresh(raw, tmp_path, "incremental")
    hau_giang.unlink()
    incremental = _refresh(raw, tmp_path, "incremental")

    full = _refresh(raw, tmp_path, "full")
    assert published_marts(incremental) == published_marts(full)
    got = _tables(build_db, SCOPED_CENSUS_MODELS)
    assert got == _tables(tmp_path / "full" / "work" / "build" / "warehouse.duckdb", SCOPED_CENSUS_MODELS)
    assert {row[1] for row in got["staging.stg_census"]} == {"pre2025:94", "pre2025:27"}  # Hậu Giang's rows gone


def test_a_census_build_interrupted_between_two_models_is_completed_by_the_next_build(tmp_path):
    """A refresh killed after stg_census took a scope's new rows but before the models downstream did
    (the census source then stays pending): the next build brings each scoped model up to date with its
    own input, as a whole build would."""
    raw = _inbox(tmp_path)
    _census(raw, "soc-trang", [("CS1", "Cơ sở Bánh pía", "Xã Đại Tâm", 5), ("CS2", "Cơ sở Bún", "Xã Đại Tâm", 3)])
    _census(raw, "hau-giang", [("HG1", "Cơ sở Bánh tét", "Xã Tân Bình", 4)])
    paths = Paths(raw, tmp_path / "site" / "marts", tmp_path / "site" / "work")
    _refresh(raw, tmp_path, "site")
    con = duckdb.connect(str(paths.build_db))
    con.execute("UPDATE raw.census SET facility_code = 'CS1' WHERE facility_code = 'CS2'")  # two rows, one facility
    con.close()

    _dbt_build(paths, "stg_census_scopes stg_census", {})  # killed here
    facilities = _tables(paths.build_db, ["intermediate.int_census_facilities"])["intermediate.int_census_facilities"]
    assert len(facilities) == 3  # the models downstream still hold the rows of before
    _dbt_build(paths, "source:raw.census+", {})
    incremental = _tables(paths.build_db, SCOPED_CENSUS_MODELS)
    assert len(incremental["intermediate.int_census_facilities"]) == 2  # Sóc Trăng's two rows merged
    _dbt_build(paths, "source:raw.census+", {}, "--full-refresh")  # every table written whole
    assert incremental == _tables(paths.build_db, SCOPED_CENSUS_MODELS)


def test_a_large_table_is_kept_when_its_rows_are_unchanged_and_written_when_they_change(tmp_path):
    """The comparison the table materialization makes for census-scale tables, made here for every table
    (keep_unchanged_from_rows: 0) on a real build: a changed table is written with its contract, an
    unchanged one is left as it was."""
    raw = _inbox(tmp_path)
    paths = Paths(raw, tmp_path / "site" / "marts", tmp_path / "site" / "work")
    _refresh(raw, tmp_path, "site")
    con = duckdb.connect(str(paths.build_db))
    ddl_before = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'projects' AND schema_name = 'marts'")
    ddl_before = ddl_before.fetchone()[0]
    assert ("27",) in con.execute("SELECT DISTINCT province_code FROM marts.projects").fetchall()  # Bắc Ninh
    con.execute("DELETE FROM raw.projects WHERE source_file LIKE 'projects/bac-ninh/%'")  # a source changed
    con.close()

    kept = _dbt_build(paths, "stg_projects+", {"keep_unchanged_from_rows": 0})
    # changed: written (one row of three removed: more than the share updated in place)
    assert kept["stg_projects"] == "written" and kept["projects"] == "written"
    assert kept["facilities"] == "kept"  # no census here: the same (empty) table, kept
    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        provinces = {r[0] for r in con.execute("SELECT province_code FROM marts.projects").fetchall()}
        ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'projects' AND schema_name = 'marts'")
        assert "27" not in provinces and {"93", "94"} <= provinces  # Bắc Ninh's row is gone, the others stay
        assert ddl.fetchone()[0] == ddl_before  # written with the contract's types and NOT NULL constraints
    finally:
        con.close()
    assert set(_dbt_build(paths, "stg_projects+", {"keep_unchanged_from_rows": 0}).values()) == {"kept"}


def test_a_large_table_with_few_changed_rows_is_updated_in_place_as_a_whole_build_would_write_it(tmp_path):
    """The update in place the table materialization makes when few rows of a census-scale table changed
    (the facilities mart after a correction), made here for every table (keep_unchanged_from_rows: 0,
    update_in_place_up_to: 1): the tables hold what a whole build writes, with the same DDL."""
    raw = _inbox(tmp_path)
    paths = Paths(raw, tmp_path / "site" / "marts", tmp_path / "site" / "work")
    _refresh(raw, tmp_path, "site")
    con = duckdb.connect(str(paths.build_db))
    con.execute(
        "UPDATE raw.projects SET project_name = project_name || ' (đính chính)' "
        "WHERE source_row = (SELECT min(source_row) FROM raw.projects WHERE source_file LIKE 'projects/soc-trang/%') "
        "AND source_file LIKE 'projects/soc-trang/%'"
    )
    con.close()

    how = _dbt_build(paths, "stg_projects+", {"keep_unchanged_from_rows": 0, "update_in_place_up_to": 1})
    assert how["stg_projects"] == "in place" and how["projects"] == "in place"
    assert how["funding_by_province_year"] == "kept"  # a project's name: no amount changed
    in_place = _marts(paths.build_db)
    assert any("(đính chính)" in str(row) for row in in_place["projects"][1])

    _dbt_build(paths, "stg_projects+", {}, "--full-refresh")  # every table written whole
    assert in_place == _marts(paths.build_db)


def _refresh(raw, root, site):
    """`kc refresh` of `raw` into the site `root/site` (the Dagster instance shared by the sites of `root`);
    its published warehouse."""
    env = {
        **os.environ,
        "KC_RAW_DIR": str(raw),
        "KC_MARTS_DIR": str(root / site / "marts"),
        "KC_WORK_DIR": str(root / site / "work"),
        "DAGSTER_HOME": str(root / "dagster"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "refresh"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root / site / "marts" / "warehouse.duckdb"


def _dbt_build(paths, selection: str, variables: dict, *extra: str) -> dict[str, str]:
    """dbt build in the work area's build folder, as the refresh's worker runs it: {model: "kept", "in
    place" (only its changed rows deleted and inserted) or "written"}."""
    script = (
        "import json, sys\n"
        "from dbt.cli.main import dbtRunner\n"
        "from pipelines.dbt_worker import unchanged, updated_in_place\n"
        "out = dbtRunner().invoke(sys.argv[1:])\n"
        "assert out.success, out.exception\n"
        "how = lambda r: 'kept' if unchanged(r) else 'in place' if updated_in_place(r) else 'written'\n"
        "print(json.dumps({r.node.name: how(r.adapter_response) for r in out.result.results"
        " if r.node.resource_type == 'model'}))\n"
    )
    args = ["build", "--select", selection, "--vars", json.dumps(variables), *extra]
    env = {k: v for k, v in os.environ.items() if k != "KC_BUILD_DB"}
    result = subprocess.run(
        [sys.executable, "-c", script, *args, *dbt_worker.dbt_arguments(paths.work_dir / "dbt")],
        cwd=paths.build_db.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _marts(db) -> dict:
    """Every table of the marts schema of `db`, its rows sorted, and its DDL."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute("SELECT table_name, sql FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()
        return {name: (ddl, con.execute(f"SELECT * FROM marts.{name} ORDER BY ALL").fetchall()) for name, ddl in tables}
    finally:
        con.close()


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
