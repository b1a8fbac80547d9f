"""Census, outcome-survey and plan files read as provinces meant them, personal data left behind."""

import random
import re
import unicodedata
from pathlib import Path

import duckdb

from pipelines.ingest.census import CensusParser
from pipelines.ingest.config import load_dataset_config
from pipelines.ingest.outcomes import OutcomesParser
from pipelines.ingest.plans import PlansParser
from pipelines.ingest.privacy import mask_text
from pipelines.ingest.provinces import resolver
from pipelines.ingest.readers import read_sheets
from pipelines.ingest.text import name_key, place_key
from tests.conftest import CONFIG, write_xlsx


def parser_for(cls, dataset):
    return cls(load_dataset_config(dataset, CONFIG), resolver(CONFIG / "provinces.yaml"))


def test_name_key_ignores_tone_placement_case_spacing_and_nfd_but_not_letters():
    same = ["Cơ sở Hòa Thủy", "CƠ SỞ HOÀ THUỶ", "  cơ  sở hoà   thủy ", unicodedata.normalize("NFD", "Cơ sở Hòa Thủy")]
    assert len({name_key(n) for n in same}) == 1
    assert name_key("Hà") != name_key("Hạ") and name_key("Tân") != name_key("Tấn") and name_key("Đa") != name_key("Da")
    assert place_key("Xã Phú Lộc") == place_key("phú lộc") == place_key("X. Phú Lộc")
    assert place_key("Thị trấn Mỹ Xuyên") == place_key("TT Mỹ Xuyên") == name_key("Mỹ Xuyên")


CENSUS_HEAD = [
    "STT",
    "Mã cơ sở",
    "Tên cơ sở",
    "Loại hình",
    "Ngành nghề",
    "Xã/Phường/Thị trấn",
    "Họ tên chủ cơ sở",
    "Điện thoại",
    "Số CCCD/CMND",
    "Số lao động",
    "Doanh thu năm (triệu đồng)",
    "Ghi chú khác",
]


def test_census_sections_subtotals_and_personal_data(tmp_path):
    rows = [
        ["UBND TỈNH SÓC TRĂNG"],
        ["KẾT QUẢ ĐIỀU TRA CƠ SỞ CÔNG NGHIỆP NÔNG THÔN NĂM 2018"],
        [None],
        CENSUS_HEAD,
        ["I", None, "Huyện Mỹ Xuyên"],
        [
            1,
            "CS94-00001",
            "Cơ sở Bánh pía Út Hoa",
            "Cơ sở",
            "bánh pía",
            "Xã Đại Tâm",
            "Trần Thị Hoa",
            "0912 345 678",
            "094123456789",
            5,
            320.5,
            None,
        ],
        [
            2,
            "CS94-00002",
            None,
            "HKD",
            "bún",
            "Xã Đại Tâm",
            "Lê Văn Nam",
            918222333.0,
            "361234567",
            3,
            100,
            "liên hệ 0987.654.321",
        ],
        [None, None, "Cộng huyện Mỹ Xuyên", None, None, None, None, None, None, 8, 420.5],
        ["II", None, "Thị xã Vĩnh Châu"],
        [
            1,
            None,
            "HTX Muối Vĩnh Châu",
            "Hợp tác xã",
            "muối",
            "Phường 1",
            "Lâm Văn Bảy",
            "0939111222",
            "094000111222",
            "khoảng 10",
            50,
        ],
    ]
    path = write_xlsx(tmp_path / "census.xlsx", rows)
    result = parser_for(CensusParser, "census").parse(read_sheets(path), "census/soc-trang/2018/census.xlsx")
    assert [r["facility_code"] for r in result.records] == ["CS94-00001"]
    rec = result.records[0]
    assert (rec["year"], rec["province_code"], rec["district"], rec["facility_type"]) == (
        2018,
        "94",
        "Huyện Mỹ Xuyên",
        "establishment",
    )
    assert rec["revenue_vnd"] == 320_500_000 and rec["employees"] == 5
    assert not {"owner_name", "phone", "national_id"} & set(rec)  # never stored
    assert [r.reason for r in result.rejected] == [
        "no facility name (code CS94-00002)",
        "Số lao động: 'khoảng 10' is not a number",
    ]
    raw = " ".join(str(v) for r in result.rejected for v in r.raw.values())
    for secret in ("Lê Văn Nam", "918222333", "361234567", "0987.654.321", "Lâm Văn Bảy", "0939111222", "094000111222"):
        assert secret not in raw
    assert result.rejected[0].raw["Ghi chú khác"] == "liên hệ ***"  # a phone in a column nobody mapped
    assert result.rejected[1].raw["Tên cơ sở"] == "HTX Muối Vĩnh Châu"


def test_mask_text_shapes():
    assert mask_text("gọi 0912 345 678 hoặc +84 912345678") == "gọi *** hoặc ***"
    assert mask_text("CCCD 094123456789, CMND 361234567") == "CCCD ***, CMND ***"
    assert (
        mask_text("20.253,331 triệu; mã ST-2012-QG-01; 2.520 lao động")
        == "20.253,331 triệu; mã ST-2012-QG-01; 2.520 lao động"
    )


def _personal_data_patterns() -> list[str]:
    """The two shapes macros/test_row_rules.sql looks for (`no_personal_data`), as DuckDB receives them."""
    macro = (Path(__file__).resolve().parent.parent / "dbt_project" / "macros" / "test_row_rules.sql").read_text()
    found = re.findall(r'set (?:phone|national_id) = "([^"]+)"', macro)
    return [p.replace("\\\\", "\\") for p in found]  # Jinja's "\\+" is the pattern's "\+"


def test_marts_personal_data_test_patterns():
    """The regexes of the marts' personal-data check catch identifiers and spare keys and amounts."""
    patterns = _personal_data_patterns()
    assert len(patterns) == 2
    con = duckdb.connect()

    def caught(value):
        return any(con.execute("select regexp_matches(?, ?)", [value, p]).fetchone()[0] for p in patterns)

    for bad in (
        "0912345678",
        "0912 345 678",
        "ĐT: 0912.345.678",
        "+84912345678",
        "094123456789",
        "CMND 361234567",
        "CCCD 094123456789, CMND 361234567.",
    ):
        assert caught(bad), bad
    for good in (
        "d9f7bf07f93c54d378311928f173f8db",
        "2a7e56d2ad373ec4c368ffb5df69c93fe4e6c9e5f740376465cf118b58883331",
        "ST-2012-QG-01",
        "CS94-00123",
        "20.253,331",
        "Hộ kinh doanh Bánh pía 077",
        "2012–2022",
        "123.456.789",
        "1234567890,5",
    ):
        assert not caught(good), good


def test_personal_data_check_on_joined_columns_finds_what_each_column_check_finds():
    """The check scans a row's text columns joined by chr(1), in one pattern, and then looks at each column
    of the rows it found: the joined text must match exactly when one of its columns matches."""
    phone, national_id = _personal_data_patterns()
    rng = random.Random(7)
    pieces = ["0912", "345", "678", "84", "+", " ", ".", ",", "-", "a", "Z", "9", "12", "CS94", "\u00e0", "123456789"]
    rows = [
        [
            None if rng.random() < 0.15 else "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
            for _ in range(3)
        ]
        for _ in range(4000)
    ]
    con = duckdb.connect()
    con.execute("create table t (a varchar, b varchar, c varchar)")
    con.executemany("insert into t values (?, ?, ?)", rows)
    each = " or ".join(f"regexp_matches({c}, '{p}')" for c in "abc" for p in (phone, national_id))
    joined = f"regexp_matches(concat_ws(chr(1), a, b, c), '{phone}|{national_id}')"
    found = con.execute(
        f"select count(*) filter (where {each}), count(*) filter (where {joined}), "
        f"count(*) filter (where coalesce({each}, false) <> {joined}) from t"
    ).fetchone()
    assert found[0] > 100 and found[0] == found[1] and found[2] == 0


def test_outcome_survey_two_row_header_unit_column_and_support_year(tmp_path):
    rows = [
        ["UBND TỈNH THÁI NGUYÊN"],
        ["KẾT QUẢ KHẢO SÁT ĐÁNH GIÁ HIỆU QUẢ SAU HỖ TRỢ NĂM 2025"],
        [None],
        [
            "STT",
            "Mã đề án",
            "Tên cơ sở",
            "Năm hỗ trợ",
            "ĐVT",
            "Sản lượng",
            None,
            "Số lao động",
            None,
            "Doanh thu (triệu đồng)",
            None,
            "Lao động tăng thêm",
        ],
        [
            None,
            None,
            None,
            None,
            None,
            "Trước hỗ trợ",
            "Sau hỗ trợ",
            "Trước hỗ trợ",
            "Sau hỗ trợ",
            "Trước hỗ trợ",
            "Sau hỗ trợ",
            None,
        ],
        [1, "TN-2024-ĐP-01", "HTX Chè Tân Cương", 2024, "kg", "1.200", "1.500", 10, 12, "500,5", "600", 2],
        [2, "TN-2024-ĐP-02", "Hộ kinh doanh Mới", 2024, "kg", None, 300, 0, 2, None, 80, 2],
        [None, None, "Tổng cộng", None, None, None, None, None, None, None, None, 4],
    ]
    merges = [(3, 5, 3, 6, "Sản lượng"), (3, 7, 3, 8, "Số lao động"), (3, 9, 3, 10, "Doanh thu (triệu đồng)")]
    path = write_xlsx(tmp_path / "outcomes.xlsx", rows, merges=merges)
    result = parser_for(OutcomesParser, "outcomes").parse(read_sheets(path), "outcomes/thai-nguyen/ks-2025.xlsx")
    assert not result.rejected and len(result.records) == 2
    first, second = result.records
    assert (first["output_before"], first["output_after"], first["output_unit"]) == (1200.0, 1500.0, "kg")
    assert (first["workers_before"], first["workers_after"], first["new_jobs"]) == (10, 12, 2)
    assert (first["revenue_before_vnd"], first["revenue_after_vnd"]) == (500_500_000, 600_000_000)
    # surveyed in 2025 about 2024 support: the old province Thái Nguyên, not the merged 2025 unit
    assert (first["year"], first["support_year"], first["province_code"]) == (2025, 2024, "19")
    assert second["output_before"] is None and second["workers_before"] == 0  # kept: surveyed, no gain


def test_plan_by_year_title_levels_and_total_row(tmp_path):
    rows = [
        ["UBND TỈNH BẮC GIANG"],
        ["KẾ HOẠCH KINH PHÍ KHUYẾN CÔNG NĂM 2024"],
        [None],
        ["STT", "Nguồn kinh phí", "Số đề án kế hoạch", "Số đề án được phê duyệt", "Kinh phí kế hoạch (triệu đồng)"],
        [1, "Khuyến công quốc gia", 2, 2, 2260],
        [2, "Khuyến công địa phương", 18, 18, "3.500,000"],
        [None, "Tổng cộng", 20, 20, "5.760"],
        [3, "Dự phòng", 1, 1, 100],
    ]
    path = write_xlsx(tmp_path / "plan.xlsx", rows)
    result = parser_for(PlansParser, "plans").parse(read_sheets(path), "plans/bac-giang/ke-hoach-2024.xlsx")
    assert [
        (
            r["program_level"],
            r["year"],
            r["province_code"],
            r["planned_projects"],
            r["approved_projects"],
            r["planned_budget_vnd"],
        )
        for r in result.records
    ] == [("national", 2024, "24", 2, 2, 2_260_000_000), ("local", 2024, "24", 18, 18, 3_500_000_000)]
    assert [r.reason for r in result.rejected] == [
        "programme level 'Dự phòng' is neither national (KCQG) nor local (KCĐP)"
    ]
