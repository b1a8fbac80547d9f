"""Layouts of reporting-forms.md read as a province meant them."""

import csv

import pandas as pd

from tests.conftest import write_xlsx

TITLE = [
    ["UBND TỈNH SÓC TRĂNG", None, None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    ["SỞ CÔNG THƯƠNG"],
    [None],
    ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2021"],
    ["(Kèm theo Báo cáo số 12/BC-SCT ngày 15 tháng 01 năm 2022)"],
]
HEAD = ["STT", "Mã đề án", "Tên đề án", "Đơn vị thụ hưởng", "Kinh phí (triệu đồng)", None, None, None, "Tình trạng"]
SUB = [None, None, None, None, "NSTW", "NSĐP", "Đối ứng", "Tổng", None]


def sectioned_rows():
    return TITLE + [
        HEAD,
        SUB,
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)"],
        ["I", None, "KHUYẾN CÔNG QUỐC GIA"],
        [
            1,
            "QG-01",
            "Xây dựng mô hình trình diễn kỹ thuật sấy",
            "Công ty TNHH A",
            1200.5,
            None,
            3000,
            4200.5,
            "Hoàn thành",
        ],
        [None, None, "Cộng I", None, 1200.5, None, 3000, 4200.5],
        ["II", None, "KHUYẾN CÔNG ĐỊA PHƯƠNG"],
        [
            1,
            "ĐP-01",
            "Tham gia hội chợ, triển lãm",
            "HTX B\nHộ kinh doanh C",
            None,
            150.25,
            0,
            150.25,
            "Đang thực hiện",
        ],
        [2, "ĐP-02", "Tập huấn cán bộ", None, None, "-", None, None, "Đã nghiệm thu"],
        [None, None, "Cộng II", None, None, 150.25, 0, 150.25],
        [None, None, "TỔNG CỘNG", None, 1200.5, 150.25, 3000, 4350.75],
        [None],
        [None, None, None, None, None, "Sóc Trăng, ngày 15 tháng 01 năm 2022"],
        [None, "Người lập biểu", None, None, None, "GIÁM ĐỐC"],
        [None, None, None, None, None, "(đã ký)"],
    ]


def test_two_row_merged_header_sections_subtotals_and_signature(tmp_path, parse):
    path = write_xlsx(tmp_path / "st.xlsx", sectioned_rows(), merges=[(5, 4, 5, 7, "Kinh phí (triệu đồng)")])
    result = parse(path)
    table = result.tables[0].table
    assert {"central_budget", "local_budget", "beneficiary_contribution", "total_cost"} <= set(table.columns)
    assert table.units["central_budget"] == "trieu dong"
    recs = {r["project_code"]: r for r in result.records}
    # sections, subtotals, total and signature are not projects; ĐP-02 (no amount) is rejected below
    assert set(recs) == {"QG-01", "ĐP-01"}
    qg = recs["QG-01"]
    assert (qg["program_level"], qg["year"], qg["province_code"], qg["province_source"]) == (
        "national",
        2021,
        "94",
        "title",
    )
    assert (qg["central_budget_vnd"], qg["beneficiary_contribution_vnd"], qg["total_cost_vnd"]) == (
        1_200_500_000,
        3_000_000_000,
        4_200_500_000,
    )
    dp = recs["ĐP-01"]
    assert dp["program_level"] == "local" and dp["local_budget_vnd"] == 150_250_000
    assert dp["beneficiary_name"] == "HTX B; Hộ kinh doanh C"
    assert dp["beneficiary_types"] == "cooperative; household_business"
    assert dp["status"] == "in_progress" and qg["status"] == "completed"
    assert result.rejected[0].reason == "no amount in any money column"  # ĐP-02 has no amount at all
    assert result.rejected[0].row_number == 14


def test_unmerged_two_row_header_and_unit_row(tmp_path, parse):
    rows = [
        ["SỞ CÔNG THƯƠNG TỈNH BẮC GIANG"],
        ["KẾT QUẢ NĂM 2023"],
        ["TT", "Tên đề án", "Cấp", "Kinh phí", None, None],
        [None, None, None, "NS Trung ương", "NS tỉnh", "Đối ứng"],
        [None, None, None, "Tr.đồng", "Tr.đồng", "Tr.đồng"],
        [1, "Hỗ trợ máy móc thiết bị", "KCQG", "1.234,5", "-", "2.000"],
        [2, "Đào tạo nghề", "ĐP", "-", "250,75", "-"],
    ]
    result = parse(write_xlsx(tmp_path / "bg.xlsx", rows))
    assert [
        (r["program_level"], r["central_budget_vnd"], r["local_budget_vnd"], r["beneficiary_contribution_vnd"])
        for r in result.records
    ] == [("national", 1_234_500_000, None, 2_000_000_000), ("local", None, 250_750_000, None)]
    assert all(r["province_code"] == "24" for r in result.records)


def test_dvt_line_year_sections_and_level_column(tmp_path, parse):
    rows = [
        ["UBND TỈNH BẮC KẠN"],
        ["ĐVT: nghìn đồng"],
        ["TT", "Tên đề án", "Cấp", "Kinh phí KCĐP", "Vốn đối ứng"],
        ["A. Năm 2012"],
        [1, "Hỗ trợ thiết kế bao bì", "Tỉnh", 150000, 300000],
        ["B. Năm 2013"],
        [1, "Hỗ trợ máy móc", "Địa phương", 90000, None],
        [None, "Cộng năm 2013", None, 90000],
    ]
    result = parse(write_xlsx(tmp_path / "bk.xlsx", rows))
    assert [(r["year"], r["local_budget_vnd"]) for r in result.records] == [(2012, 150_000_000), (2013, 90_000_000)]
    assert not result.rejected


def test_year_from_sheet_name_and_instructions_sheet_ignored(tmp_path, parse):
    rows = [
        ["Mã số", "Tên đề án khuyến công", "Nguồn kinh phí", "Kinh phí NSTW (1.000đ)"],
        ["X-1", "Hỗ trợ chuyển giao công nghệ", "QG", 500000],
    ]
    path = write_xlsx(
        tmp_path / "tn.xlsx", [["Hướng dẫn: mỗi năm một sheet"]], sheet="Hướng dẫn", extra_sheets={"Năm 2016": rows}
    )
    result = parse(path, "projects/thai-nguyen/tn.xlsx")
    assert [(r["year"], r["central_budget_vnd"], r["province_code"], r["province_source"]) for r in result.records] == [
        (2016, 500_000_000, "19", "path")
    ]
    assert "no project table" in result.sheets[0].note


def test_csv_with_bom_province_column_and_english_numbers(tmp_path, parse):
    path = tmp_path / "bn.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Tỉnh", "Năm", "Cấp", "Tên đề án", "Kinh phí KCĐP (đồng)", "Tổng kinh phí (đồng)"])
        w.writerow(["tỉnh Bắc Ninh", "2019", "KCĐP", "Hỗ trợ máy móc", "1,500,000", "2,000,000"])
        w.writerow(["Tỉnh Không Có", "2019", "KCĐP", "Đề án lạc", "500,000", ""])
        w.writerow(["Bắc Ninh", "2019", "KCĐP", "Đề án lỗi", "khoảng 2 tỷ", ""])
    result = parse(path)
    assert [(r["province_code"], r["local_budget_vnd"], r["total_cost_vnd"]) for r in result.records] == [
        ("27", 1_500_000, 2_000_000)
    ]
    reasons = sorted(r.reason for r in result.rejected)
    assert reasons[0].startswith("Kinh phí KCĐP (đồng): 'khoảng 2 tỷ' is not a number")
    assert reasons[1] == "province not recognised: 'Tỉnh Không Có'"
    assert result.rejected[0].raw["Tên đề án"] in ("Đề án lạc", "Đề án lỗi")


def test_windows_1258_csv_is_decoded(tmp_path, parse):
    path = tmp_path / "na.csv"
    text = "Tỉnh,Năm,Cấp,Tên đề án,NSĐP\nNghệ An,2020,ĐP,Hỗ trợ thiết kế bao bì,100\n"
    path.write_bytes(text.encode("cp1258", errors="strict") if _cp1258_ok(text) else text.encode("utf-8"))
    result = parse(path)
    assert result.records[0]["province_code"] == "40"
    assert result.records[0]["project_name"] == "Hỗ trợ thiết kế bao bì"


def _cp1258_ok(text):
    try:
        text.encode("cp1258")
        return True
    except UnicodeEncodeError:
        return False


def test_ods_and_xls_are_read_like_xlsx(tmp_path, parse):
    frame = pd.DataFrame(
        {"Tên đề án": ["Hỗ trợ máy móc"], "Cấp": ["KCQG"], "Năm": [2018], "Kinh phí KCQG (triệu đồng)": [1.5]}
    )
    ods = tmp_path / "hg.ods"
    frame.to_excel(ods, engine="odf", index=False)
    import xlwt

    xls = tmp_path / "hg.xls"
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("2018")
    for c, name in enumerate(frame.columns):
        sheet.write(0, c, name)
        sheet.write(1, c, frame.iloc[0, c].item() if hasattr(frame.iloc[0, c], "item") else frame.iloc[0, c])
    book.save(str(xls))
    for path in (ods, xls):
        result = parse(path, f"projects/hau-giang/{path.name}")
        assert [(r["central_budget_vnd"], r["province_code"], r["year"]) for r in result.records] == [
            (1_500_000, "93", 2018)
        ], path


def test_missing_level_and_year_are_rejected_with_reasons(tmp_path, parse):
    rows = [
        ["Tên đề án", "Đơn vị thụ hưởng", "Kinh phí NSĐP (đồng)", "Đối ứng (đồng)"],
        ["Hỗ trợ máy móc", "Cơ sở A", 1000, 2000],
    ]
    result = parse(write_xlsx(tmp_path / "x.xlsx", rows), "projects/soc-trang/x.xlsx")
    assert not result.records
    reason = result.rejected[0].reason
    assert "no year" in reason and "programme level unknown" in reason


def test_the_walkers_quick_column_number_test_never_misses_a_column_number_row():
    """The walker tries `could_be_column_numbers` on every row before the full `header_tail_kind`: it
    may say yes wrongly (the full test decides) but must never say no to a row of column numbers."""
    from pipelines.ingest.table import could_be_column_numbers, header_tail_kind

    rows = [
        [1.0, 2.0, 3.0, 4.0],
        ["(1)", "(2)", " (3) ", "(4)"],
        ["A", "B", "1", "2", "3"],
        [None, "1", "", "2", "3"],
        ["(a)", "(b)", "(c)"],
        [1, 2, 3],
        [True, 2, 3],
        [1.5, 2, 3],
        [1, 2],
        ["1", "2", "x y"],
        ["triệu đồng", "người", "đề án"],
        ["m", "t", "kg"],
        [3.0, 2.0, 1.0],
        [100.0, 101.0, 102.0],
        [1, "Cơ sở Mây tre Hòa Bình", 12, 350.5],
        [None, None, None],
        [" ", "1", "2", "3"],
        [float("nan"), 1, 2, 3],
        ["( 1 )", "(2 )", "(  3)"],
        [1, 1, 1],
    ]
    for row in rows:
        if header_tail_kind(row) == "numbers":
            assert could_be_column_numbers(row), row
    assert not could_be_column_numbers(rows[14])  # a data row stops the quick test
    assert header_tail_kind(rows[0]) == "numbers" and header_tail_kind(rows[10]) == "units"


def test_legal_form_from_a_name_is_the_first_listed_phrase_that_opens_it():
    """`_type_from_name` (one pattern) decides as a loop over the code list's phrases in order would."""
    import random

    from pipelines.ingest.config import CONFIG_DIR, load_dataset_config
    from pipelines.ingest.projects import ProjectsParser
    from pipelines.ingest.provinces import resolver
    from pipelines.ingest.text import fold

    parser = ProjectsParser(load_dataset_config("projects", CONFIG_DIR), resolver(CONFIG_DIR / "provinces.yaml"))
    phrases = parser.config.values["beneficiary_type"]

    def first_phrase(name):
        folded = fold(name)
        return next((code for phrase, code in phrases if folded == phrase or folded.startswith(phrase + " ")), None)

    rng = random.Random(2)
    words = sorted({w for phrase, _ in phrases for w in phrase.split()}) + ["x", "Công", "TNHH", "-", "HTX"]
    seen = set()
    for _ in range(20_000):
        name = rng.choice([" ", "  ", "-", "."]).join(rng.choice(words) for _ in range(rng.randint(0, 6)))
        assert parser._type_from_name(name) == first_phrase(name), name
        seen.add(first_phrase(name))
    assert len(seen) >= 5  # several legal forms, and names with none, were met
