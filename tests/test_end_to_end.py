"""The refresh on the demo inbox, through Dagster, checked against published-figures.md."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.settings import DBT_PROJECT_DIR

# runs kc refresh, a server or a daemon: left out of `make test-fast`
pytestmark = pytest.mark.slow


def _inbox_fingerprint(raw):
    return {
        p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(raw.rglob("*"))
        if p.is_file()
    }


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
    assert q(
        db,
        """select count(*), count(*) filter (program_level = 'national'), count(*) filter (program_level = 'local'),
                           sum(state_support_vnd), sum(beneficiary_contribution_vnd)
                    from marts.projects where province_code = '94' and year between 2012 and 2022""",
    ) == [(223, 15, 208, 20_253_331_000, 73_738_019_000)]
    jobs = q(
        db,
        "select sum(jobs_created_demo_model) from marts.jobs_by_province_year "
        "where province_code = '94' and year between 2012 and 2022",
    )[0][0]
    assert jobs == 2520


def test_bac_giang_2023_and_2024(warehouse):
    db = warehouse[0] / "marts" / "warehouse.duckdb"
    rows = dict(
        (r[0], r[1:])
        for r in q(
            db,
            """select program_level, projects, central_budget_vnd, local_budget_vnd
        from marts.funding_by_province_year where province_code = '24' and year = 2023""",
        )
    )
    assert rows["national"][0] == 6 and abs(rows["national"][1] - 3_200_000_000) <= 32_000_000
    assert rows["local"][0] == 9 and abs(rows["local"][2] - 3_200_000_000) <= 32_000_000
    assert q(
        db,
        "select beneficiaries_sme from marts.projects_by_province_year "
        "where province_code='24' and year=2023 and program_level='national'",
    ) == [(11,)]
    mix = dict(
        q(
            db,
            "select support_content, count(*) from marts.projects where province_code='24' and year=2024 "
            "and program_level='local' group by 1",
        )
    )
    assert mix == {
        "demo_model": 10,
        "product_development": 1,
        "consulting": 1,
        "information": 2,
        "program_management": 2,
    }


def test_thai_nguyen(warehouse):
    db = warehouse[0] / "marts" / "warehouse.duckdb"
    assert dict(
        q(
            db,
            "select program_level, projects from marts.projects_by_province_year "
            "where province_code='19' and year=2020",
        )
    ) == {"national": 4, "local": 13}
    assert q(
        db,
        "select sum(central_budget_vnd) > 4400000000, sum(local_budget_vnd) > 1700000000, "
        "sum(state_support_vnd) > 6000000000 from marts.funding_by_province_year "
        "where province_code='19' and year=2020",
    ) == [(True, True, True)]
    assert q(
        db, "select count(*) > 300 from marts.projects where province_code='19' and year between 2012 and 2022"
    ) == [(True,)]
    by_type = dict(
        q(
            db,
            """select beneficiary_type, count(distinct beneficiary_key) from marts.project_beneficiaries
        where province_code='19' and year between 2012 and 2022 and beneficiary_type <> 'other' group by 1""",
        )
    )
    assert by_type == {"sme": 90, "establishment": 67, "cooperative_group": 7, "household_business": 186}


def test_2025_rollup_and_audit(warehouse):
    db = warehouse[0] / "marts" / "warehouse.duckdb"
    units = {r[0] for r in q(db, "select province_code_2025 from marts.province2025_year_summary where year = 2025")}
    assert units == {"19", "24", "40", "92"}
    statuses = dict(q(db, "select status, count(*) from audit.ingest_files group by 1"))
    assert statuses.get("duplicate") == 1 and statuses.get("superseded") == 1 and "rejected" not in statuses
    reasons = dict(
        q(db, "select dataset, string_agg(reason, ' | ' order by row_number) from audit.rejected_rows group by 1")
    )
    assert reasons["projects"].count("|") == 1 and "not a number" in reasons["projects"]
    assert reasons["census"] == "no facility name | Lao động: 'khoảng 10' is not a number"
    marts = {r[0] for r in q(db, "select table_name from information_schema.tables where table_schema = 'marts'")}
    parquet = {p.stem for p in (warehouse[0] / "marts").glob("*.parquet")}
    assert parquet == marts and {"facilities", "reporting_completeness", "published_reconciliation"} <= marts


def test_second_refresh_is_identical_while_a_reader_holds_the_warehouse(warehouse):
    root, args, inbox = warehouse
    db = root / "marts" / "warehouse.duckdb"
    marts = [r[0] for r in q(db, "select table_name from information_schema.tables where table_schema='marts'")]
    digest = "; ".join(
        f"(select '{m}', md5(string_agg(t::varchar, '|' order by t::varchar)) from marts.{m} t)" for m in marts
    )
    sql = " union all ".join(f"select * from {part}" for part in digest.split("; "))
    before = sorted(q(db, sql))
    # another process opens the published warehouse read-only and keeps it open
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print(c.execute('select count(*) from marts.projects').fetchone()[0], flush=True); "
            "time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert int(reader.stdout.readline()) > 0
        assert main(["refresh", *args]) == 0
        after = sorted(q(db, sql))
    finally:
        reader.kill()
    assert after == before
    assert _inbox_fingerprint(root / "raw") == inbox  # a refresh never writes the inbox


def test_kc_sql_answers(warehouse, capsys):
    root, _, _ = warehouse
    marts = ["--marts-dir", str(root / "marts")]  # kc sql offers only the folder it reads
    assert main(["sql", "select province_name from marts.dim_province where province_code = '94'", *marts]) == 0
    assert "Sóc Trăng" in capsys.readouterr().out
    assert main(["sql", "create table x as select 1", *marts]) == 1  # read-only


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


# --- issue 3: census, outcomes, plans ------------------------------------------------------------


def test_soc_trang_census_waves_merge_to_3209_facilities(warehouse):
    db = warehouse[0] / "marts" / "warehouse.duckdb"
    assert q(db, "select count(*) from marts.facilities where province_code = '94'") == [(3209,)]
    waves = dict(
        q(db, "select survey_year, facilities from marts.facility_census_by_province where province_code='94'")
    )
    assert waves == {2018: 2960, 2019: 420}  # the supplement re-surveyed 171 facilities and found 249 new
    assert q(db, "select sum(new_facilities) from marts.facility_census_by_province where province_code='94'") == [
        (3209,)
    ]
    # every facility a Thái Nguyên project supported in 2012–2022 is a census facility
    assert q(
        db,
        """select count(distinct beneficiary_key), count(distinct facility_key) from marts.project_beneficiaries
                    where province_code='19' and year between 2012 and 2022 and beneficiary_type <> 'other'""",
    ) == [(350, 350)]
    assert q(
        db, "select count(*) > 0, bool_and(supported_projects > 0) from marts.facilities where ever_supported"
    ) == [(True, True)]


def test_outcomes_and_plans(warehouse):
    db = warehouse[0] / "marts" / "warehouse.duckdb"
    lo, hi, surveyed, with_gain = q(
        db,
        """select min(productivity_gain_pct), max(productivity_gain_pct), count(*),
        count(productivity_gain_pct) from marts.facility_outcomes
        where province_code='94' and year between 2012 and 2022""",
    )[0]
    assert 15 <= lo and hi <= 40 and with_gain < surveyed  # a facility with nothing before has no gain
    assert q(
        db,
        "select sum(facilities_surveyed) > sum(facilities_with_gain) from marts.productivity_by_province_year "
        "where province_code = '94'",
    ) == [(True,)]
    mean = q(db, "select avg(revenue_gain_pct) from marts.facility_outcomes where year between 2014 and 2018")[0][0]
    assert abs(mean - 20) < 0.2
    bg = q(
        db,
        """select projects, planned_projects, approved_projects, planned_budget_vnd, budget_execution_ratio < 1
                  from marts.funding_by_province_year
                  where province_code='24' and year=2024 and program_level='local'""",
    )
    assert bg == [(16, 18, 18, 3_500_000_000, True)]
    assert q(
        db,
        "select planned_budget_vnd > 10000000000, planned_projects from marts.province_year_summary "
        "where province_code='94' and year=2023",
    ) == [(True, 18)]


def test_published_reconciliation_matches(warehouse):
    db = warehouse[0] / "marts" / "warehouse.duckdb"
    verdicts = dict(q(db, "select verdict, count(*) from marts.published_reconciliation group by 1"))
    assert "mismatch" not in verdicts and verdicts["match"] >= 20
    sources = {r[0] for r in q(db, "select distinct source_id from marts.published_reconciliation")}
    spec_ids = (
        {f"tn-0{i}" for i in range(1, 8)}
        | {f"bg-0{i}" for i in range(1, 7)}
        | {f"st-{i:02d}" for i in range(1, 13)}
        | {"nat-01"}
    )
    assert sources == spec_ids  # every row of published-figures.md is carried
    assert dict(q(db, "select figure_id, verdict from marts.published_reconciliation where verdict <> 'match'")) == {
        "tn-04": "not_covered",
        "tn-05": "not_covered",
    }  # January–August 2020 figures


def test_reporting_completeness(warehouse):
    import datetime

    db = warehouse[0] / "marts" / "warehouse.duckdb"
    rows = q(
        db,
        "select generation, count(distinct province_code), min(year), max(year) from marts.reporting_completeness "
        "group by 1",
    )
    assert sorted(rows) == [("2025", 4, 2025, datetime.date.today().year), ("pre2025", 8, 2012, 2024)]
    # Sóc Trăng's 2012–2016 registers came in one workbook in February 2017: 2013 was reported late
    assert q(
        db,
        """select status, files from marts.reporting_completeness
                    where province_code='94' and generation='pre2025' and dataset='projects' and year=2013""",
    ) == [("late", 1)]
    # a census is due in the wave years only (2018, 2022): Sóc Trăng's 2019 supplement is received, not due
    assert q(
        db,
        """select expected, status, rows_accepted, rows_rejected from marts.reporting_completeness
                    where province_code='94' and dataset='census' and year=2019""",
    ) == [(False, "on_time", 420, 2)]
    assert q(
        db,
        """select year, status from marts.reporting_completeness
                    where province_code='94' and dataset='census' order by year""",
    ) == [(2018, "on_time"), (2019, "on_time"), (2022, "missing")]


def test_no_personal_data_anywhere(warehouse):
    """No owner name, phone or national ID in the marts, the Parquet files or the rejected rows."""
    import re

    root = warehouse[0]
    db = root / "marts" / "warehouse.duckdb"
    phone = re.compile(r"(?<![0-9A-Za-z])(?:\+?84|0)(?:[ .\-]?\d){8,10}(?![0-9A-Za-z])")
    national_id = re.compile(r"(?<![0-9A-Za-z.,])(?:\d{12}|\d{9})(?![0-9A-Za-z.,])")
    owners = {r["Họ tên chủ cơ sở"] for r in _census_rows(root / "raw")}
    assert len(owners) > 100
    texts = []
    for schema, table, column in q(
        db,
        """select table_schema, table_name, column_name from information_schema.columns
           where table_schema in ('marts', 'audit') and data_type in ('VARCHAR', 'JSON')""",
    ):
        texts += [v for (v,) in q(db, f'select distinct "{column}"::varchar from {schema}.{table}') if v]
    for parquet in (root / "marts").glob("*.parquet"):
        con = duckdb.connect()
        for name, kind, *_ in con.execute(f"describe select * from '{parquet}'").fetchall():
            if kind == "VARCHAR":
                texts += [v for (v,) in con.execute(f"select distinct \"{name}\" from '{parquet}'").fetchall() if v]
    # a run id (audit.publication) is a random UUID: now and then its last group is 12 decimal digits
    run_id = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    texts = [t for t in texts if not run_id.fullmatch(t)]
    assert texts
    leaks = [t for t in texts if phone.search(t) or national_id.search(t) or any(o in t for o in owners)]
    assert leaks == []


def _census_rows(raw):
    from pipelines.ingest.readers import read_sheets

    rows = []
    for path in (raw / "census").rglob("*.xlsx"):
        for sheet in read_sheets(path):
            header = next((r for r in sheet.rows if "Tên cơ sở" in r), None)
            if header and "Họ tên chủ cơ sở" in header:
                at = header.index("Họ tên chủ cơ sở")
                rows += [
                    {"Họ tên chủ cơ sở": r[at]}
                    for r in sheet.rows[sheet.rows.index(header) + 1 :]
                    if len(r) > at and isinstance(r[at], str) and len(r[at].split()) >= 3
                ]
    return rows


def test_ministry_review_report_runs_on_the_demo_warehouse(warehouse):
    """make report: every section of the notebook produces its output, no cell fails, charts embedded."""
    from pipelines.report import run_notebook, write_report
    from pipelines.settings import Paths

    root = warehouse[0]
    notebook = run_notebook(root / "marts" / "warehouse.duckdb")
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
    # a chart in every section but the reconciliation (a table); the ranking has four panels in one
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 7
    assert any("text/html" in o.get("data", {}) and "<table" in o["data"]["text/html"] for o in outputs)
    texts = " ".join(str(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    for heading in (
        "1. Kinh phí khuyến công toàn quốc",
        "2. Xếp hạng",
        "3. Cơ cấu nội dung",
        "4. Phân bố",
        "5. Mức độ đầy đủ",
        "6. Bản đồ",
        "7. Đối chiếu",
        "8. Hồ sơ tỉnh Sóc Trăng",
        "Bản đồ lưới ô",
        "Chưa đến hạn: ",
    ):
        assert heading in texts, heading
    paths = Paths(root / "raw", root / "marts", root / "work")
    for language, title, as_of in (
        ("vi", "Đánh giá chương trình khuyến công", "Số liệu đến ngày"),
        ("en", "Review of the industrial-extension programme", "Data as of"),
    ):
        report = write_report(paths, language)
        html = report.read_text(encoding="utf-8")
        assert html.count("data:image/png;base64") >= 7 and title in html and as_of in html
        # an offline intranet: nothing a browser would fetch from outside
        assert not re.search(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
        body = re.sub(
            r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html.split("<body", 1)[1]
        )  # the text, not the charts
        assert "_vnd" not in body and "NaN" not in body and "Các phần đã lập" not in body
    html = (root / "marts" / "reports" / "ministry_review.html").read_text(encoding="utf-8")
    assert "Sóc Trăng" in html and "223 đề án" in html  # published figure st-01, quoted from its article
    assert "ít nhất 300" in html  # "trên 300": the published figure is a floor, and says so
    assert "Đồng bằng sông Cửu Long" in html and "mekong_delta" not in html  # regions by their Vietnamese names
    _render_in_chromium(root / "marts" / "reports" / "ministry_review.html", root / "report.png")


def _render_in_chromium(page: Path, png: Path) -> None:
    """The report as a director's browser shows it, from the file, with no network (skipped without chromium)."""
    import shutil
    import subprocess
    import tempfile

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no chromium on this machine (.ci/run installs Debian's package)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--window-size=1280,4000",
                f"--screenshot={png}",
                page.as_uri(),
            ],
            capture_output=True,
            timeout=120,
            check=True,
        )
    assert png.exists() and png.stat().st_size > 50_000  # a rendered page with charts, not a blank one


def test_every_mart_column_is_documented_with_its_vietnamese_term_and_unit(warehouse):
    """make docs publishes these descriptions: none may be missing (marts.md is the contract)."""
    import re

    from pipelines.settings import DBT_PROJECT_DIR

    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    models = {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"].get("schema") == "marts"
    }
    columns = q(
        warehouse[0] / "marts" / "warehouse.duckdb",
        "select table_name, column_name from information_schema.columns where table_schema = 'marts'",
    )
    assert len(columns) > 250
    vietnamese = re.compile(
        "[àáâãèéêìíòóôõùúýăđĩũơưÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĐĨŨƠƯ\u1ea0-\u1ef9]"
    )  # a Vietnamese letter: a Vietnamese term
    problems = []
    for table, column in columns:
        model = models[table]
        text = model["columns"].get(column, {}).get("description", "")
        if not vietnamese.search(model["description"]) or not vietnamese.search(text):
            problems.append(f"{table}.{column}: {text!r}")
        elif column.endswith("_vnd") and "đồng" not in text:
            problems.append(f"{table}.{column}: no unit (đồng) in {text!r}")
        elif column.endswith("_pct") and not ("%" in text or "percent" in text.lower()):
            problems.append(f"{table}.{column}: no unit (%) in {text!r}")
    assert not problems, problems


def test_make_docs_writes_the_dbt_site_from_a_copy_of_the_build_database(warehouse, monkeypatch):
    from pipelines.docs import build_docs

    root = warehouse[0]
    monkeypatch.setenv("KC_MARTS_DIR", str(root / "marts"))
    monkeypatch.setenv("KC_WORK_DIR", str(root / "work"))
    before = (root / "marts" / "warehouse.duckdb").read_bytes()
    build = (root / "work" / "build" / "warehouse.duckdb").read_bytes()
    page = build_docs()
    assert page == root / "marts" / "docs" / "index.html"
    html = page.read_text(encoding="utf-8")
    # the manifest is embedded with \\u escapes: "hệ số huy động vốn đối ứng" (leverage_ratio)
    assert "model.khuyencong.funding_by_province_year" in html and "h\\u1ec7 s\\u1ed1 huy" in html
    assert (root / "marts" / "warehouse.duckdb").read_bytes() == before  # documented from a copy
    assert (root / "work" / "build" / "warehouse.duckdb").read_bytes() == build
    assert "model.khuyencong.stg_projects" in html


def _dbt_on_a_copy(warehouse, tmp_path, *args):
    """Run dbt (`args`) on a copy of the demo's build database (the published one holds only marts and
    audit); (result, copy, target directory). The copy is made once per test directory, so a test can
    change it between two dbt commands."""
    copy = tmp_path / "warehouse.duckdb"
    if not copy.exists():
        shutil.copyfile(warehouse[0] / "work" / "build" / "warehouse.duckdb", copy)
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    result = subprocess.run(
        [dbt, *args, "--profiles-dir", ".", "--target-path", str(tmp_path / "target")],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "KC_BUILD_DB": str(copy)},
        capture_output=True,
        text=True,
    )
    return result, copy, tmp_path / "target"


def test_dbt_unit_tests_pass(warehouse, tmp_path):
    """The refresh leaves dbt's unit tests out (they test the SQL, not the data); they run here, on a
    copy of the demo warehouse (a unit test reads its inputs' column types from the database)."""
    result, _, target = _dbt_on_a_copy(warehouse, tmp_path, "test", "--select", "test_type:unit")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    declared = set(json.loads((target / "manifest.json").read_text(encoding="utf-8"))["unit_tests"])
    ran = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    assert declared and {r["unique_id"] for r in ran} == declared
    assert all(r["status"] == "pass" for r in ran)


def test_mart_contracts_declare_every_column_and_refuse_a_null_key(warehouse, tmp_path):
    """Every mart is built under an enforced contract: the published columns are exactly the declared
    names and types, and a not-null rule broken upstream fails the mart's build (no test needed)."""
    result, copy, target = _dbt_on_a_copy(warehouse, tmp_path, "parse")
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    marts = {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"]["schema"] == "marts"
    }
    published = {}
    for table, column, data_type, nullable in q(
        copy,
        "SELECT table_name, column_name, data_type, is_nullable "
        "FROM information_schema.columns WHERE table_schema = 'marts' "
        "ORDER BY table_name, ordinal_position",
    ):
        published.setdefault(table, []).append((column, data_type.lower(), nullable == "YES"))
    assert set(marts) == set(published)
    for name, node in marts.items():
        assert node["config"]["contract"]["enforced"], name
        declared = [
            (c["name"], c["data_type"], not any(k["type"] == "not_null" for k in c["constraints"]))
            for c in node["columns"].values()
        ]
        assert declared == published[name], name
    # a project whose year was lost upstream: the marts.projects build stops on the constraint
    con = duckdb.connect(str(copy))
    con.execute("UPDATE raw.projects SET year = NULL WHERE rowid = 0")
    con.close()
    result, _, _ = _dbt_on_a_copy(warehouse, tmp_path, "run", "--select", "stg_projects+")
    assert result.returncode != 0
    assert "NOT NULL constraint failed" in result.stdout and "model projects" in result.stdout


def test_the_dbt_worker_reports_each_node_as_dbt_finishes_it(warehouse, tmp_path):
    """The refresh records a model's materialization in Dagster while dbt builds the next ones: the
    worker sends each finished node (model, then its check) before its reply."""
    from pipelines import dbt_worker
    from pipelines.settings import Paths

    paths = Paths(raw_dir=warehouse[0] / "raw", marts_dir=tmp_path / "marts", work_dir=tmp_path / "work")
    paths.build_root.mkdir(parents=True)
    shutil.copyfile(warehouse[0] / "work" / "build" / "warehouse.duckdb", paths.build_db)
    items = list(dbt_worker.build(paths, ["build", "--select", "stg_plans", "--exclude-resource-type", "unit_test"]))
    reply = items.pop()
    assert isinstance(reply, dbt_worker.Reply) and reply.success, reply
    assert [(i["unique_id"].split(".")[0], i["status"]) for i in items] == [("model", "success"), ("test", "pass")]
    assert items[0]["unique_id"] == "model.khuyencong.stg_plans" and items[0]["execution_time"] > 0


_WORKER_WITH_NOISE = """
import logging, sys, threading
from pipelines import dbt_worker

if sys.argv[1] == "own-stdout":
    dbt_worker._answers = dbt_worker._take_stdout()
else:  # the worker as it was: its lines on the stdout everything else printed to
    dbt_worker._answers = sys.stdout
logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")


def noise():  # as dbt's logger on its threads: errors printed while nodes finish
    for i in range(2000):
        print("dbt says", i, end="", flush=True)
        logging.getLogger("dbt").error("Failure in test %s", i)


threads = [threading.Thread(target=noise) for _ in range(2)]
threads += [threading.Thread(target=lambda: [dbt_worker._send(dbt_worker.NODE + '{"n": %d}' % i) for i in range(2000)])]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
dbt_worker._send(dbt_worker.REPLY + '{"success": true, "error": null}')
"""


def test_the_dbt_workers_answers_stay_whole_whatever_dbt_prints():
    """dbt prints its errors on its own threads while the worker sends a line for each finished node: the
    refresh must read every node's line whole (CI once failed on a line that was a node's JSON followed
    by dbt's text). With "shared" instead of "own-stdout" (the worker as it was) this test fails."""
    result = subprocess.run(
        [sys.executable, "-c", _WORKER_WITH_NOISE, "own-stdout"], capture_output=True, text=True, check=True
    )
    expected = [f'kc-dbt-node: {{"n": {i}}}' for i in range(2000)] + ['kc-dbt-worker: {"success": true, "error": null}']
    assert result.stdout.splitlines() == expected
    assert result.stderr.count("Failure in test") == 4000
