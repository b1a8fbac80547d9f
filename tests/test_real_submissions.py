"""Real submissions read right or refused (issue 15): layouts provincial offices really make."""

from pathlib import Path

import pytest

from tests import corpus
from tests.conftest import kc, site_env, write_xlsx

# the formats offices send, for layouts that need no merged cells
WRITERS = {"xlsx": write_xlsx, "xls": corpus.write_xls, "ods": corpus.write_ods, "csv": corpus.write_csv}
FORMATS = pytest.mark.parametrize("fmt", list(WRITERS))


def write(fmt: str, path: Path, rows: list[list]) -> Path:
    """`rows` written as a `fmt` file at `path` with that suffix."""
    return WRITERS[fmt](path.with_suffix(f".{fmt}"), rows)


HEADER = [
    "STT",
    "Cấp",
    "Tên đề án",
    "Đơn vị thụ hưởng",
    "Loại hình",
    "Kinh phí NSTW (triệu đồng)",
    "Kinh phí NSĐP (triệu đồng)",
]
# "Cấp" (column B) merged down over the three national projects; "Loại hình" (column E) over two of them
ROWS = [
    ["UBND TỈNH SÓC TRĂNG"],
    ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2021"],
    HEADER,
    [1, "KCQG", "Máy sấy nông sản", "Cơ sở Tân Hưng", "Hộ kinh doanh", 300, None],
    [2, None, "Máy xay xát gạo", "Cơ sở Phú Lộc", None, 250, None],
    [3, None, "Lò sấy bánh pía", "HTX Mỹ Xuyên", "Hợp tác xã", 200, None],
    [4, "KCĐP", "Hội chợ triển lãm", "Cơ sở Đại Tâm", "Cơ sở", None, 40],
]
MERGES = [(3, 1, 5, 1), (3, 4, 4, 4)]  # 0-based (first row, first col, last row, last col)
EXPECTED = [
    ("Máy sấy nông sản", "national", "household_business", 300_000_000, None),
    ("Máy xay xát gạo", "national", "household_business", 250_000_000, None),
    ("Lò sấy bánh pía", "national", "cooperative", 200_000_000, None),
    ("Hội chợ triển lãm", "local", "establishment", None, 40_000_000),
]


def _xlsx(path: Path) -> Path:
    merges = [(r0, c0, r1, c1, ROWS[r0][c0]) for r0, c0, r1, c1 in MERGES]
    return write_xlsx(path, ROWS, merges=merges)


def _xls(path: Path) -> Path:
    import xlwt

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    merged_cells = {(r, c) for r0, c0, r1, c1 in MERGES for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r0, c0, r1, c1 in MERGES:
        sheet.write_merge(r0, r1, c0, c1, ROWS[r0][c0])
    for r, row in enumerate(ROWS):
        for c, value in enumerate(row):
            if value is not None and (r, c) not in merged_cells:
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def _ods(path: Path) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    path.parent.mkdir(parents=True, exist_ok=True)
    spans = {(r0, c0): r1 - r0 + 1 for r0, c0, r1, c1 in MERGES}
    covered = {(r, c0) for r0, c0, r1, c1 in MERGES for r in range(r0 + 1, r1 + 1)}
    doc = OpenDocumentSpreadsheet()
    table = Table(name="Sheet1")
    for r, row in enumerate(ROWS):
        tr = TableRow()
        for c in range(len(HEADER)):
            value = row[c] if c < len(row) else None
            if (r, c) in covered:
                tr.addElement(CoveredTableCell())
                continue
            extra = {"numberrowsspanned": str(spans[(r, c)])} if (r, c) in spans else {}
            if isinstance(value, (int, float)):
                cell = TableCell(valuetype="float", value=value, **extra)
            else:
                cell = TableCell(**({"valuetype": "string"} if value is not None else {}), **extra)
            if value is not None:
                cell.addElement(P(text=str(value)))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


@pytest.mark.parametrize("write", [_xlsx, _xls, _ods], ids=["xlsx", "xls", "ods"])
def test_a_value_merged_down_over_rows_belongs_to_every_row(tmp_path, parse, write):
    path = write(tmp_path / f"soc-trang-2021.{write.__name__[1:]}")
    result = parse(path, f"projects/soc-trang/{path.name}")
    assert not result.rejected, [r.reason for r in result.rejected]
    assert [
        (r["project_name"], r["program_level"], r["beneficiary_type"], r["central_budget_vnd"], r["local_budget_vnd"])
        for r in result.records
    ] == EXPECTED


def _census_wave(path: Path, year: int, code, fmt: str = "xlsx") -> Path:
    head = ["STT", "Mã cơ sở", "Tên cơ sở", "Loại hình", "Xã/Phường/Thị trấn", "Số lao động"]
    return write(
        fmt,
        path,
        [
            ["UBND TỈNH SÓC TRĂNG"],
            [f"KẾT QUẢ ĐIỀU TRA CƠ SỞ CÔNG NGHIỆP NÔNG THÔN NĂM {year}"],
            head,
            [1, code, "Cơ sở Bánh pía Út Hoa", "Cơ sở", "Xã Đại Tâm", 5],
            [2, "CS-9", "Cơ sở Lò Gạch", "Cơ sở", "Xã Đại Tâm", 7],
        ],
    )


@pytest.mark.parametrize("fmt", ["xls", "csv"])  # the first wave .xlsx; a number in .xls, text in .csv
@pytest.mark.slow
def test_a_code_that_lost_its_leading_zeros_is_the_same_facility(tmp_path, fmt):
    """ "00017" typed as text in one census wave came back as the number 17 in the next (Excel drops the
    zeros): one facility, surveyed in two waves."""
    import duckdb

    raw = tmp_path / "raw"
    _census_wave(raw / "census" / "soc-trang" / "2018.xlsx", 2018, "00017")
    _census_wave(raw / "census" / "soc-trang" / "2019.xlsx", 2019, 17, fmt)
    env = site_env(raw, tmp_path)
    result = kc(env, "refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    con = duckdb.connect(str(tmp_path / "marts" / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT facility_name, waves, first_survey_year, last_survey_year FROM marts.facilities ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert rows == [("Cơ sở Bánh pía Út Hoa", 2, 2018, 2019), ("Cơ sở Lò Gạch", 2, 2018, 2019)]


SUPPORT_HEADER = [
    "STT",
    "Tên đề án",
    "Cấp",
    "Đơn vị thụ hưởng",
    "Kinh phí khuyến công (hỗ trợ)",
    "Đối ứng",
    "Tổng kinh phí",
]


@FORMATS
@pytest.mark.parametrize("unit_row", [False, True], ids=["unit-in-title", "unit-row"])
def test_one_support_column_is_central_or_local_by_the_row_level(tmp_path, parse, unit_row, fmt):
    rows = [["UBND TỈNH SÓC TRĂNG"], ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2022"], ["ĐVT: triệu đồng"], SUPPORT_HEADER]
    if unit_row:
        rows = rows[:2] + [SUPPORT_HEADER, ["", "", "", "", "triệu đồng", "triệu đồng", "triệu đồng"]]
    rows += [
        [1, "Máy sấy nông sản", "KCQG", "Cơ sở Tân Hưng", 300, 700, 1000],
        [2, "Hội chợ triển lãm", "KCĐP", "Cơ sở Đại Tâm", 40, 0, 40],
    ]
    path = write(fmt, tmp_path / "st-2022", rows)
    result = parse(path, f"projects/soc-trang/{path.name}")
    assert not result.rejected, [r.reason for r in result.rejected]
    assert [
        (r["program_level"], r["central_budget_vnd"], r["local_budget_vnd"], r["beneficiary_contribution_vnd"])
        for r in result.records
    ] == [("national", 300_000_000, None, 700_000_000), ("local", None, 40_000_000, 0)]


@pytest.mark.parametrize(
    "header, reason",
    [
        (["STT", "Tên đề án", "Cấp", "Kinh phí hỗ trợ", "Kinh phí NSTW", "Đối ứng"], "cannot be assigned"),
        (
            ["STT", "Tên đề án", "Cấp", "Đơn vị thụ hưởng", "Đối ứng", "Tổng kinh phí"],
            "no column for the state support",
        ),
    ],
    ids=["support-beside-central", "no-support-column"],
)
@FORMATS
def test_money_columns_that_cannot_be_assigned_refuse_the_file(tmp_path, parse, header, reason, fmt):
    path = write(
        fmt,
        tmp_path / "x",
        [
            ["UBND TỈNH SÓC TRĂNG"],
            ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2022"],
            header,
            [1, "Máy sấy", "KCQG", 300, 200, 700],
        ],
    )
    result = parse(path, f"projects/soc-trang/{path.name}")
    assert not result.records and not result.tables
    assert reason in result.sheets[0].note


@FORMATS
def test_places_are_matched_with_their_tones_and_an_ambiguous_place_is_left_empty(tmp_path, parse, fmt):
    """2025 Đồng Tháp is old Đồng Tháp (87) and Tiền Giang (82). "Xã Mỹ Thọ" is a commune of old Đồng
    Tháp, "Mỹ Tho" a city of Tiền Giang: compared without tones they were one place."""
    rows = [
        ["UBND TỈNH ĐỒNG THÁP"],
        ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2025"],
        ["STT", "Tên đề án", "Cấp", "Địa bàn", "Kinh phí NSĐP (triệu đồng)"],
        [1, "Máy sấy lúa", "KCĐP", "Xã Mỹ Thọ", 100],
        [2, "Lò sấy trái cây", "KCĐP", "Thành phố Mỹ Tho", 80],
        [3, "Hội chợ", "KCĐP", "Phường 1", 20],
        [4, "Bao bì", "KCĐP", "xa my tho", 10],
    ]
    path = write(fmt, tmp_path / "dt-2025", rows)
    result = parse(path, f"projects/dong-thap/{path.name}")
    assert [(r["location"], r["province_code"], r["province_code_2025"]) for r in result.records] == [
        ("Xã Mỹ Thọ", "87", "82"),
        ("Thành phố Mỹ Tho", "82", "82"),
        ("Phường 1", None, "82"),
        ("xa my tho", None, "82"),
    ]


@pytest.mark.parametrize(
    "title,rows,expected",
    [
        (
            "UBND THÀNH PHỐ CẦN THƠ",
            [[1, "Máy sấy", "KCĐP", "Xã Nhu Gia", 100], [2, "Bao bì", "KCĐP", "Phường Vị Thanh 1", 50]],
            [("Xã Nhu Gia", "94", "92"), ("Phường Vị Thanh 1", "93", "92")],
        ),
        ("UBND TỈNH TÂY NINH", [[1, "Máy sấy", "KCĐP", "Xã Tân Ninh", 100]], [("Xã Tân Ninh", None, "80")]),
    ],
    ids=["ward-of-one-old-province", "ward-formed-from-two"],
)
def test_a_2025_ward_places_a_row_in_the_old_province_it_was_formed_from(tmp_path, parse, title, rows, expected):
    """Wards that exist only since the 2025 reform ("Xã Nhu Gia", formed from communes of old Sóc Trăng,
    now in Cần Thơ) place a 2025 row in its old province; a ward formed from communes of two old
    provinces ("Xã Tân Ninh": Tây Ninh and Long An) leaves the old province empty."""
    sheet = [
        [title],
        ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2025"],
        ["STT", "Tên đề án", "Cấp", "Địa bàn", "Kinh phí NSĐP (triệu đồng)"],
        *rows,
    ]
    result = parse(write_xlsx(tmp_path / "2025.xlsx", sheet), "projects/2025/x/2025.xlsx")
    assert [(r["location"], r["province_code"], r["province_code_2025"]) for r in result.records] == expected


@FORMATS
def test_impossible_values_are_rejected_with_their_reason(tmp_path, parse, fmt):
    """A negative budget and a malformed number ("1.234.5", read before as 12,345) are rejected, the row in
    the audit with its reason; the other rows load."""
    rows = [
        ["UBND TỈNH SÓC TRĂNG"],
        ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2022"],
        ["STT", "Tên đề án", "Cấp", "Kinh phí NSTW (triệu đồng)", "Kinh phí NSĐP (triệu đồng)"],
        [1, "Máy sấy", "KCQG", 300, None],
        [2, "Hội chợ", "KCĐP", None, "-250,000"],
        [3, "Bao bì", "KCĐP", None, "1.234.5"],
        [4, "Lò sấy", "KCĐP", None, 45],
    ]
    result = parse(write(fmt, tmp_path / "st-2022", rows), f"projects/soc-trang/st-2022.{fmt}")
    assert [r["project_name"] for r in result.records] == ["Máy sấy", "Lò sấy"]
    assert [(r.row_number, r.reason) for r in result.rejected] == [
        (5, "Kinh phí NSĐP (triệu đồng): '-250,000' is negative: an amount cannot be below zero"),
        (6, "Kinh phí NSĐP (triệu đồng): '1.234.5' is not a well-formed number (thousands must be grouped by three)"),
    ]


def _plans_parser():
    from pipelines.ingest.config import load_dataset_config
    from pipelines.ingest.plans import PlansParser
    from pipelines.ingest.provinces import resolver
    from tests.conftest import CONFIG

    return PlansParser(load_dataset_config("plans", CONFIG), resolver(CONFIG / "provinces.yaml"))


def _pivoted_plan(years: list, projects_per_year: bool = True) -> list[list]:
    """A three-year plan, as offices make them: projects and budget each over one column per year."""
    head = ["STT", "Cấp", "Số đề án kế hoạch", None, None, "Kinh phí kế hoạch (triệu đồng)", None, None]
    rows = [
        [1, "KCQG", 4, 5, 6, 1200, 1300.5, 1400],
        [2, "KCĐP", 9, None, 7, 3200, None, 3500],  # nothing planned in 2022
        [None, "Tổng cộng", 13, 5, 13, 4400, 1300.5, 4900],
    ]
    if not projects_per_year:
        head = ["STT", "Cấp", "Số đề án kế hoạch", "Kinh phí kế hoạch (triệu đồng)", None, None]
        rows = [[1, "KCQG", 15, 1200, 1300.5, 1400]]
        return [
            ["UBND TỈNH BẮC GIANG"],
            ["KẾ HOẠCH KINH PHÍ KHUYẾN CÔNG GIAI ĐOẠN 2021-2023"],
            head,
            [None, None, None, *years],
            *rows,
        ]
    return [
        ["UBND TỈNH BẮC GIANG"],
        ["KẾ HOẠCH KINH PHÍ KHUYẾN CÔNG GIAI ĐOẠN 2021-2023"],
        head,
        [None, None, *years, *years],
        *rows,
    ]


def _write_plan(path: Path, rows: list[list], merged: bool) -> Path:
    from tests import corpus

    if path.suffix == ".xls":
        return corpus.write_xls(path, rows)
    if path.suffix == ".ods":
        return corpus.write_ods(path, rows)
    merges = [(2, c, 2, c + 2, rows[2][c]) for c in (2, 5)] if merged else []
    return write_xlsx(path, rows, merges=merges)


PLAN_EXPECTED = [
    (2021, "national", 4, 1_200_000_000),
    (2021, "local", 9, 3_200_000_000),
    (2022, "national", 5, 1_300_500_000),
    (2023, "national", 6, 1_400_000_000),
    (2023, "local", 7, 3_500_000_000),
]


@pytest.mark.parametrize(
    "suffix,merged",
    [(".xlsx", True), (".xlsx", False), (".xls", False), (".ods", False)],
    ids=["xlsx-merged", "xlsx", "xls", "ods"],
)
@pytest.mark.parametrize(
    "years", [["Năm 2021", "Năm 2022", "Năm 2023"], [2021, 2022, 2023]], ids=["year-text", "year-number"]
)
def test_a_plan_with_one_column_per_year_gives_one_record_per_year(tmp_path, suffix, merged, years):
    """ "Kinh phí kế hoạch" over "Năm 2021 | Năm 2022 | Năm 2023": read before as one year (the first
    column), published as another (from the file name). Now one plan line per year column; a blank year is
    no plan line, and the file's total row is checked year by year."""
    from pipelines.ingest.readers import read_sheets

    path = _write_plan(tmp_path / f"ke-hoach-2023{suffix}", _pivoted_plan(years), merged)
    result = _plans_parser().parse(read_sheets(path), f"plans/bac-giang/{path.name}")
    assert not result.rejected, [r.reason for r in result.rejected]
    assert [
        (r["year"], r["program_level"], r["planned_projects"], r["planned_budget_vnd"]) for r in result.records
    ] == PLAN_EXPECTED
    assert {r["province_code"] for r in result.records} == {"24"}
    assert len(result.totals) == 6 and all(t.reconciles for t in result.totals)


@pytest.mark.parametrize(
    "rows,reason",
    [
        (
            _pivoted_plan(["Năm 2021", "Năm 2022", "Năm 2023"], projects_per_year=False),
            "'Số đề án kế hoạch' has one column for all the years under 'Kinh phí kế hoạch (triệu đồng)' "
            "(Năm 2021, Năm 2022, Năm 2023): which year it counts for would be a guess",
        ),
        (
            _pivoted_plan(["Năm 2021", "Năm 2022", "2023-2025"]),
            "the column '2023-2025' under 'Số đề án kế hoạch' names 2 years (2023, 2025): give each column one year",
        ),
        (
            _pivoted_plan(["Năm 2021", "Năm 2022", "Năm 2022"]),
            "two columns for the same year under 'Số đề án kế hoạch'",
        ),
        (
            [
                *_pivoted_plan(["Năm 2021", "Năm 2022", "Năm 2023"])[:3],
                [None, None, "Năm 2021", "Năm 2022", "Năm 2023", "Năm 2021", "Năm 2022", "Năm 2024"],
                [1, "KCQG", 4, 5, 6, 1200, 1300.5, 1400],
            ],
            "the columns per year under 'Kinh phí kế hoạch (triệu đồng)' and 'Số đề án kế hoạch' do not cover the "
            "same years",
        ),
    ],
    ids=["one-column-for-all-years", "a-range", "a-year-twice", "different-years"],
)
def test_a_plan_whose_year_columns_are_only_half_understood_is_refused(tmp_path, rows, reason):
    from pipelines.ingest.readers import read_sheets

    path = write_xlsx(tmp_path / "ke-hoach-2023.xlsx", rows)
    result = _plans_parser().parse(read_sheets(path), "plans/bac-giang/ke-hoach-2023.xlsx")
    assert not result.records
    assert reason in result.sheets[0].note


def test_a_project_register_with_one_column_per_year_is_refused(tmp_path, parse):
    rows = [
        ["UBND TỈNH SÓC TRĂNG"],
        ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG 2021-2022"],
        ["STT", "Tên đề án", "Cấp", "Kinh phí NSĐP (triệu đồng)", None],
        [None, None, None, "Năm 2021", "Năm 2022"],
        [1, "Máy sấy", "KCĐP", 100, 120],
    ]
    result = parse(
        write_xlsx(tmp_path / "x.xlsx", rows, merges=[(2, 3, 2, 4, rows[2][3])]), "projects/soc-trang/x.xlsx"
    )
    assert not result.records
    assert (
        "one column per year under 'Kinh phí NSĐP (triệu đồng)' (Năm 2021, Năm 2022): the warehouse reads one "
        "year per row" in result.sheets[0].note
    )


@pytest.mark.slow
def test_kc_validate_and_the_refresh_read_a_plan_with_one_column_per_year(tmp_path):
    """What `kc validate` tells the officer is what the refresh publishes: five plan lines, by year."""
    import duckdb

    raw = tmp_path / "raw"
    path = _write_plan(
        raw / "plans" / "bac-giang" / "ke-hoach-2021-2023.xlsx",
        _pivoted_plan(["Năm 2021", "Năm 2022", "Năm 2023"]),
        merged=True,
    )
    env = site_env(raw, tmp_path)
    checked = kc(env, "validate", "--lang", "en", str(path), timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "C 'Năm 2021', D 'Năm 2022', E 'Năm 2023' → planned_projects, one record per year column" in checked.stdout
    assert "rows:      5 accepted, 0 rejected" in checked.stdout, checked.stdout
    refreshed = kc(env, "refresh", timeout=600)
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    con = duckdb.connect(str(tmp_path / "marts" / "warehouse.duckdb"), read_only=True)
    got = con.execute(
        "SELECT year, program_level, planned_projects, planned_budget_vnd FROM marts.funding_by_province_year "
        "WHERE province_code = '24' AND planned_budget_vnd IS NOT NULL ORDER BY year, program_level"
    ).fetchall()
    con.close()
    assert got == [
        (2021, "local", 9, 3_200_000_000),
        (2021, "national", 4, 1_200_000_000),
        (2022, "national", 5, 1_300_500_000),
        (2023, "local", 7, 3_500_000_000),
        (2023, "national", 6, 1_400_000_000),
    ]


def test_a_field_named_by_two_columns_refuses_the_file(tmp_path, parse):
    rows = [
        ["UBND TỈNH SÓC TRĂNG"],
        ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2022"],
        ["STT", "Tên đề án", "Cấp", "Kinh phí NSĐP (triệu đồng)", "Ngân sách tỉnh (triệu đồng)"],
        [1, "Máy sấy", "KCĐP", 100, 120],
    ]
    result = parse(write_xlsx(tmp_path / "x.xlsx", rows), "projects/soc-trang/x.xlsx")
    assert not result.records
    assert "two columns are both read as local_budget" in result.sheets[0].note


def _with_totals(total_central: float) -> list[list]:
    return [
        ["UBND TỈNH SÓC TRĂNG"],
        ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2021"],
        [
            "STT",
            "Tên đề án",
            "Đơn vị thụ hưởng",
            "Kinh phí NSTW (triệu đồng)",
            "Kinh phí NSĐP (triệu đồng)",
            "Việc làm tạo mới",
        ],
        [None, "TỔNG CỘNG", None, total_central, 50.5, 12],  # the grand total above the rows, as many offices put it
        ["I", "KHUYẾN CÔNG QUỐC GIA"],
        [1, "Máy sấy nông sản", "Cơ sở Tân Hưng", 300, None, 5],
        [2, "Máy xay xát", "Cơ sở Phú Lộc", 250.25, None, 4],
        [None, "Cộng I", None, 550.25, None, 9],
        ["II", "KHUYẾN CÔNG ĐỊA PHƯƠNG"],
        [1, "Hội chợ", "Cơ sở Đại Tâm", None, 50.5, 3],
        [None, "Cộng II", None, None, 50.5, 3],
    ]


@FORMATS
def test_the_files_own_totals_are_checked_against_the_rows_read(tmp_path, parse, fmt):
    good = parse(write(fmt, tmp_path / "good", _with_totals(550.25)), f"projects/soc-trang/good.{fmt}")
    assert len(good.records) == 3
    assert len(good.totals) == 7 and all(t.reconciles for t in good.totals)
    off = parse(write(fmt, tmp_path / "off", _with_totals(650.25)), f"projects/soc-trang/off.{fmt}")
    wrong = [(t.row_number, t.label, t.field, t.stated, t.summed) for t in off.totals if not t.reconciles]
    assert wrong == [(4, "TỔNG CỘNG", "central_budget", 650_250_000, 550_250_000)]


@pytest.mark.slow
def test_kc_validate_shows_totals_that_disagree(tmp_path):
    import os

    path = write_xlsx(tmp_path / "projects" / "off.xlsx", _with_totals(650.25))
    result = kc(dict(os.environ), "validate", "--lang", "en", str(path), timeout=120)
    assert result.returncode == 1
    assert "row 4 'TỔNG CỘNG': central_budget 650,250,000 stated, 550,250,000 in the rows read" in result.stdout
