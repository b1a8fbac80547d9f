"""The refresh on the demo inbox, through Dagster, checked against published-figures.md."""

import hashlib
import subprocess
import sys

import duckdb
import pytest

from pipelines.cli import main


def _inbox_fingerprint(raw):
    return {p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(raw.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    args = ["--raw-dir", str(root / "raw"), "--marts-dir", str(root / "marts"), "--work-dir", str(root / "work")]
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(root / "dagster"))
    assert main(["demo", *args]) == 0
    inbox = _inbox_fingerprint(root / "raw")
    assert main(["refresh", *args]) == 0
    yield root, args, inbox
    mp.undo()


def q(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_soc_trang_2012_2022(warehouse):
    db = warehouse[0] / "marts" / "warehouse.duckdb"
    assert q(db, """select count(*), count(*) filter (program_level = 'national'), count(*) filter (program_level = 'local'),
                           sum(state_support_vnd), sum(beneficiary_contribution_vnd)
                    from marts.projects where province_code = '94' and year between 2012 and 2022""") == \
        [(223, 15, 208, 20_253_331_000, 73_738_019_000)]
    jobs = q(db, "select sum(jobs_created_demo_model) from marts.jobs_by_province_year "
                 "where province_code = '94' and year between 2012 and 2022")[0][0]
    assert jobs == 2520


def test_bac_giang_2023_and_2024(warehouse):
    db = warehouse[0] / "marts" / "warehouse.duckdb"
    rows = dict((r[0], r[1:]) for r in q(db, """select program_level, projects, central_budget_vnd, local_budget_vnd
        from marts.funding_by_province_year where province_code = '24' and year = 2023"""))
    assert rows["national"][0] == 6 and abs(rows["national"][1] - 3_200_000_000) <= 32_000_000
    assert rows["local"][0] == 9 and abs(rows["local"][2] - 3_200_000_000) <= 32_000_000
    assert q(db, "select beneficiaries_sme from marts.projects_by_province_year "
                 "where province_code='24' and year=2023 and program_level='national'") == [(11,)]
    mix = dict(q(db, "select support_content, count(*) from marts.projects where province_code='24' and year=2024 "
                     "and program_level='local' group by 1"))
    assert mix == {"demo_model": 10, "product_development": 1, "consulting": 1, "information": 2, "program_management": 2}


def test_thai_nguyen(warehouse):
    db = warehouse[0] / "marts" / "warehouse.duckdb"
    assert dict(q(db, "select program_level, projects from marts.projects_by_province_year "
                      "where province_code='19' and year=2020")) == {"national": 4, "local": 13}
    assert q(db, "select sum(central_budget_vnd) > 4400000000, sum(local_budget_vnd) > 1700000000, "
                 "sum(state_support_vnd) > 6000000000 from marts.funding_by_province_year "
                 "where province_code='19' and year=2020") == [(True, True, True)]
    assert q(db, "select count(*) > 300 from marts.projects where province_code='19' and year between 2012 and 2022") == [(True,)]
    by_type = dict(q(db, """select beneficiary_type, count(distinct beneficiary_key) from marts.project_beneficiaries
        where province_code='19' and year between 2012 and 2022 and beneficiary_type <> 'other' group by 1"""))
    assert by_type == {"sme": 90, "establishment": 67, "cooperative_group": 7, "household_business": 186}


def test_2025_rollup_and_audit(warehouse):
    db = warehouse[0] / "marts" / "warehouse.duckdb"
    units = {r[0] for r in q(db, "select province_code_2025 from marts.province2025_year_summary where year = 2025")}
    assert units == {"19", "24", "40", "92"}
    statuses = dict(q(db, "select status, count(*) from audit.ingest_files group by 1"))
    assert statuses.get("duplicate") == 1 and statuses.get("superseded") == 1 and "rejected" not in statuses
    reasons = [r[0] for r in q(db, "select reason from audit.rejected_rows order by row_number")]
    assert len(reasons) == 2 and "not a number" in reasons[0]
    parquet = sorted(p.name for p in (warehouse[0] / "marts").glob("*.parquet"))
    assert "projects.parquet" in parquet and len(parquet) == 8


def test_second_refresh_is_identical_while_a_reader_holds_the_warehouse(warehouse):
    root, args, inbox = warehouse
    db = root / "marts" / "warehouse.duckdb"
    marts = [r[0] for r in q(db, "select table_name from information_schema.tables where table_schema='marts'")]
    digest = "; ".join(f"(select '{m}', md5(string_agg(t::varchar, '|' order by t::varchar)) from marts.{m} t)"
                       for m in marts)
    sql = " union all ".join(f"select * from {part}" for part in digest.split("; "))
    before = sorted(q(db, sql))
    # another process opens the published warehouse read-only and keeps it open
    reader = subprocess.Popen([sys.executable, "-c",
                               "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
                               "print(c.execute('select count(*) from marts.projects').fetchone()[0], flush=True); "
                               "time.sleep(60)", str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert int(reader.stdout.readline()) > 0
        assert main(["refresh", *args]) == 0
        after = sorted(q(db, sql))
    finally:
        reader.kill()
    assert after == before
    assert _inbox_fingerprint(root / "raw") == inbox  # a refresh never writes the inbox


def test_kc_sql_answers(warehouse, capsys):
    root, args, _ = warehouse
    assert main(["sql", "select province_name from marts.dim_province where province_code = '94'", *args]) == 0
    assert "Sóc Trăng" in capsys.readouterr().out
    assert main(["sql", "create table x as select 1", *args]) == 1  # read-only


def test_a_second_refresh_refuses_while_one_is_running(warehouse, capsys):
    import fcntl

    root, args, _ = warehouse
    db = root / "marts" / "warehouse.duckdb"
    before = db.stat().st_ino
    with (root / "work" / "refresh.lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running refresh holds it
        assert main(["refresh", *args]) == 1
    err = capsys.readouterr().err
    assert "another refresh is running" in err and "last good warehouse" in err
    assert db.stat().st_ino == before  # nothing was published
