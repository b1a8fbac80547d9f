"""The census is read column by column (`ingest/columnar.py`); what it gives must be exactly what the
row-by-row walker gives: records, rejected rows and their reasons, warnings, totals."""

import random
import re
from pathlib import Path

import pyarrow as pa
import pytest
import xlsxwriter

from pipelines.ingest import differential, legacy
from pipelines.ingest.census import CensusParser
from pipelines.ingest.discover import discover
from pipelines.ingest.parse import parse_file
from pipelines.ingest.privacy import MASK, NATIONAL_ID_SHAPE, PHONE_SHAPE, mask_text
from pipelines.ingest.results import RecordList, TotalsCheck
from tests.conftest import CONFIG

HEAD = [
    "STT",
    "Mã cơ sở",
    "Tên cơ sở",
    "Loại hình",
    "Ngành nghề",
    "Xã/Phường/Thị trấn",
    "Huyện",
    "Tỉnh",
    "Số lao động",
    "Doanh thu năm (triệu đồng)",
    "Năm thành lập",
    "Năm điều tra",
    "Ghi chú",
]


def _messy_census(path: Path) -> Path:
    """Every turn a census sheet takes: sections and district rows, subtotals, a repeated column-number
    row, hidden rows, merged districts, blank and whitespace-only rows, codes typed as 1, 1.0 and text,
    bad, negative and huge numbers, unknown types, phone numbers in names, a 2025 province, labels that
    look like column numbers, the signature block and rows after it."""
    rows = [
        ["UBND TỈNH SÓC TRĂNG"],
        ["KẾT QUẢ ĐIỀU TRA CƠ SỞ CÔNG NGHIỆP NÔNG THÔN NĂM 2018"],
        [None],
        HEAD,
        [f"({i})" for i in range(1, 14)],
        ["I", None, "Huyện Mỹ Xuyên"],
    ]
    kinds = ["Cơ sở", "Hộ kinh doanh", "Hợp tác xã", "Doanh nghiệp nhỏ và vừa", "Trang trại"]
    for i in range(1, 61):
        rows.append(
            [
                i,
                f"CS94-{i:05d}" if i % 7 else i,
                f"Cơ sở số {i % 13} Út Hoa",
                kinds[i % 5],
                "bánh pía",
                f"Xã Đại Tâm {i % 3}" if i % 11 else "  Xã   Hòa Tú ",
                None,
                None,
                5 + i % 4,
                320.5 + i % 9,
                1990 + i % 30,
                None,
                None,
            ]
        )
    rows += [
        [None, None, "Cộng huyện Mỹ Xuyên", None, None, None, None, None, 400, None],
        ["II", None, "Thị xã Vĩnh Châu"],
        [f"({i})" for i in range(1, 14)],
        [1, 1.0, "HTX Muối", "Hợp tác xã", "muối", "Phường 1", None, "Cần Thơ", 10, 50, 2001, 2018],
        [2, True, "Cơ sở Nem 0912 345 678", "Cơ sở", "nem", "Phường 2", None, None, "khoảng 10", 50],
        [3, "   ", "   ", None, None, None, None, None, None, None],
        [3, "CS94-8", "Cơ sở Tương ĐT 0987.654.321", "Cơ sở", "tương", "Phường 2", None, None, 2, 20],
        [4, "CS94-9", None, "Cơ sở", "mắm", "Phường 2", None, None, 3, 40],
        [5, "CS94-10", "Cơ sở Mắm", "Cơ sở", "mắm", "Phường 2", None, None, -3, 40],
        [6, "CS94-11", "Cơ sở Bún", "Cơ sở", "bún", "Phường 2", None, None, 3, 1.0e13],
        [7, "CS94-12", "Cơ sở Bánh", "Cơ sở", "bánh", "Phường 2", None, None, 3, "1.234.5"],
        [8, "(1)", "Cơ sở Nhang", "Cơ sở", "nhang", "Phường 3", "Thị xã Vĩnh Châu", None, 2, 10],
        [9, "CS94-13", "Cơ sở Gạch", "Cơ sở", "gạch", "Phường 3", None, "Không rõ", 2, 10],
        [None, None, "Ghi chú: số liệu tạm tính", None, None, None, None, None, None, None],
        [10, "CS94-14", "Cơ sở Chiếu", "Cơ sở", "chiếu", "Phường 4", None, None, 4, 12],
        [None, None, "Tổng cộng", None, None, None, None, None, 999, None],
        [None, None, None, None, None, None, None, None, None, "Người lập biểu"],
        [11, "CS94-15", "Sau chữ ký", "Cơ sở", "x", "Phường 4", None, None, 1, 1],
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Danh sách")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    sheet.set_row(10, None, None, {"hidden": True})  # a withdrawn facility, hidden
    sheet.merge_range(20, 6, 24, 6, "Huyện Trần Đề")  # a district merged down over five facilities
    book.close()
    return path


def test_columnar_reading_equals_the_row_walker_on_a_messy_census(tmp_path, monkeypatch):
    path = _messy_census(tmp_path / "census" / "soc-trang" / "2018" / "dieu-tra.xlsx")
    assert differential.difference(path, "census/soc-trang/2018/dieu-tra.xlsx", "census", CONFIG) is None
    # the sheet exercises both lanes: records read by columns, rows handed back and rejected or warned
    seen = []
    original = CensusParser.record_columns

    def watched(self, rows, ctx):
        columns, vouched = original(self, rows, ctx)
        seen.extend(vouched)
        return columns, vouched

    monkeypatch.setattr(CensusParser, "record_columns", watched)
    found = [f for f in discover(tmp_path) if f.relative.endswith("dieu-tra.xlsx")][0]
    parsed = parse_file(found, CONFIG).parsed
    assert sum(seen) > 40 and seen.count(False) >= 5
    reasons = " | ".join(r.reason for r in parsed.rejected)
    for expected in ("hidden row", "not a number", "negative", "too large", "no facility name"):
        assert expected in reasons
    assert {w.rule for w in parsed.warnings} >= {"unknown_code", "personal_data_masked"}


def test_differential_check_catches_a_columnar_slip(tmp_path, monkeypatch):
    """The check is not vacuous: a columnar reading that gets one field wrong is reported."""
    path = _messy_census(tmp_path / "census" / "soc-trang" / "2018" / "dieu-tra.xlsx")
    original = CensusParser.record_columns

    def slipped(self, rows, ctx):
        columns, vouched = original(self, rows, ctx)
        columns["commune_key"] = list(columns["commune"])
        return columns, vouched

    monkeypatch.setattr(CensusParser, "record_columns", slipped)
    found = differential.difference(path, "census/soc-trang/2018/dieu-tra.xlsx", "census", CONFIG)
    assert found is not None and "commune_key" in found


def test_a_field_the_columnar_reading_leaves_out_is_never_lost_silently(tmp_path, monkeypatch):
    """A row read one by one puts its values in the batch's columns: a field the batch has no column for
    stops the reading loudly rather than vanishing from the records."""
    _messy_census(tmp_path / "census" / "soc-trang" / "2018" / "dieu-tra.xlsx")
    original = CensusParser.record_columns

    def short(self, rows, ctx):
        columns, vouched = original(self, rows, ctx)
        del columns["industry"]
        return columns, vouched

    monkeypatch.setattr(CensusParser, "record_columns", short)
    found = [f for f in discover(tmp_path) if f.relative.endswith("dieu-tra.xlsx")][0]
    with pytest.raises(RuntimeError, match="industry"):  # in a refresh: the reader fails, the file is refused
        parse_file(found, CONFIG)


def test_columnar_reading_equals_the_row_walker_on_every_demo_file(demo_inbox):
    compared, differences = differential.compare(demo_inbox)
    assert compared >= 10 and differences == []


def test_cheap_pre_checks_decide_as_the_patterns_do():
    """mask_text skips text with fewer than nine digits and legacy detection skips plain ASCII and text beyond
    Latin-1 without a pattern: on random text, both decide exactly as the full patterns."""
    rng = random.Random(11)
    digits = "0123456789 .-+84abĐ\u0661\u0662"  # Arabic-Indic digits are digits to Python's \d too
    for _ in range(50_000):
        text = "".join(rng.choice(digits) for _ in range(rng.randint(0, 30)))
        assert mask_text(text) == NATIONAL_ID_SHAPE.sub(MASK, PHONE_SHAPE.sub(MASK, text)), text
    latin = "ab \x80\xa0\xa1\xc0\xff\u0100ơ\u1ea1"
    for _ in range(50_000):
        text = "".join(rng.choice(latin) for _ in range(rng.randint(0, 8)))
        expected = re.search("[\u00a1-\u00ff]", text) is not None and re.search("[^\u0000-\u00ff]", text) is None
        assert legacy._legacy_candidate(text) == expected, text


def test_records_read_by_columns_and_one_by_one_keep_row_order_and_totals():
    schema = pa.schema([("name", pa.string()), ("amount", pa.float64()), ("count", pa.int64())])
    records = RecordList()
    records.append({"name": "a", "amount": 0.1, "count": 1})
    records.extend_columns({"name": ["b", "c"], "amount": [0.2, None], "count": [2, 3]}, 2)
    records.append({"name": "d", "count": 4})  # a field left out is null
    assert [r["name"] for r in records] == ["a", "b", "c", "d"] and len(records) == 4
    assert records.arrow(schema).to_pylist()[3] == {"name": "d", "amount": None, "count": 4}
    by_rows, by_columns = TotalsCheck("s", ["amount", "count"], set()), TotalsCheck("s", ["amount", "count"], set())
    values = [0.1, 0.2, 0.7, None, 1e16, 1.0]
    for totals in (by_rows, by_columns):
        totals.add({"amount": 0.3, "count": 1})  # added one by one, 0.3 + 0.1 + … is not 0.3 + sum(…)
    for v in values:
        by_rows.add({"amount": v, "count": 3})
    by_columns.add_columns({"amount": values, "count": [3] * len(values)}, len(values))
    assert by_rows.overall == by_columns.overall and by_rows.rows == by_columns.rows


def test_memo_reads_equal_values_of_different_types_apart():
    """1, 1.0 and True are equal keys but not equal cells (clean(1.0) is '1.0'), nor is a str subclass a str."""
    from pipelines.ingest.columnar import memo_map

    class Text(str):
        pass

    seen = []
    values = ["a", Text("a"), None, 1, 1.0, True, "a", 1]
    assert memo_map(lambda v: (seen.append(v), type(v).__name__)[1], values) == [
        "str",
        "Text",
        "NoneType",
        "int",
        "float",
        "bool",
        "str",
        "int",
    ]
    assert len(seen) == 6  # each distinct (type, value) read once
    assert memo_map(lambda v: type(v).__name__, ["a", Text("a"), None]) == ["str", "Text", "NoneType"]
    assert memo_map(str.upper, ["a", "b", "a"]) == ["A", "B", "A"]
