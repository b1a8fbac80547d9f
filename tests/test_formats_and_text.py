"""Every format and text variation of reporting-forms.md reads to the same projects (tests/corpus.py)."""

import json
import unicodedata
from datetime import date

import pytest

from pipelines.ingest import legacy
from pipelines.ingest.dates import NotADate, to_period
from pipelines.ingest.discover import discover
from pipelines.ingest.limits import Limits
from pipelines.ingest.sandbox import parse_files
from tests import corpus


def NFD(text: str) -> str:  # noqa: N802 (read as the Unicode form it names)
    return unicodedata.normalize("NFD", text)


def NO_MARKS(text: str) -> str:  # noqa: N802
    return "".join(c for c in NFD(text) if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D")


def _rows_with(transform):
    return [[transform(v) if isinstance(v, str) else v for v in row] for row in corpus.register_rows(bad_row=True)]


VARIANTS = {
    "unicode.xlsx": lambda p: corpus.write_xlsx(p, corpus.register_rows(bad_row=True)),
    "biff8.xls": lambda p: corpus.write_xls(p, corpus.register_rows(bad_row=True)),
    "opendocument.ods": lambda p: corpus.write_ods(p, corpus.register_rows(bad_row=True)),
    "utf8.csv": lambda p: corpus.write_csv(p, corpus.register_rows(bad_row=True), "utf-8"),
    "utf8-bom.csv": lambda p: corpus.write_csv(p, corpus.register_rows(bad_row=True), "utf-8-sig"),
    "windows-1258.csv": lambda p: corpus.write_csv(
        p, corpus.register_rows(bad_row=True), "cp1258", corpus.windows_1258_form
    ),
    "tcvn3.xlsx": lambda p: corpus.write_xlsx(p, corpus.legacy_rows(corpus.to_tcvn3)),
    "tcvn3.xls": lambda p: corpus.write_xls(p, corpus.legacy_rows(corpus.to_tcvn3)),
    "tcvn3-bytes.csv": lambda p: corpus.write_csv(p, corpus.legacy_rows(corpus.to_tcvn3), "latin-1"),
    "vni.xls": lambda p: corpus.write_xls(p, corpus.legacy_rows(corpus.to_vni)),
    "vni.ods": lambda p: corpus.write_ods(p, corpus.legacy_rows(corpus.to_vni)),
    "nfd.xlsx": lambda p: corpus.write_xlsx(p, _rows_with(NFD)),
    "upper-case.xlsx": lambda p: corpus.write_xlsx(p, _rows_with(str.upper)),
    "no-diacritics-headers.xlsx": lambda p: corpus.write_xlsx(
        p, corpus.TITLE + [[NO_MARKS(h) for h in corpus.HEADER]] + corpus.register_rows(bad_row=True)[4:]
    ),
    "xls-saved-as.xlsx": lambda p: corpus.write_xls(p, corpus.register_rows(bad_row=True)),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    for name, write in VARIANTS.items():
        write(raw / "projects" / "hau-giang" / name)
    found = discover(raw)
    return {o.found.relative.split("/")[-1]: o for o in parse_files(found, limits=Limits())}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_reads_to_the_same_projects(outcomes, name):
    outcome = outcomes[name]
    assert outcome.status == "loaded", outcome.reason
    got = [
        (r["project_name"], r["local_budget_vnd"], r["approved_on"].isoformat(), r["approved_on_precision"])
        for r in outcome.parsed.records
    ]
    expected = corpus.EXPECTED
    if name == "upper-case.xlsx":
        expected = [(n.upper(), *rest) for n, *rest in expected]
    assert got == expected
    assert {(r["province_code"], r["year"], r["program_level"]) for r in outcome.parsed.records} == {
        ("93", 2019, "local")
    }
    # the bad amount is rejected, not guessed, in every variant
    assert [r.row_number for r in outcome.parsed.rejected] == [7]
    assert "'một trăm' is not a number" in unicodedata.normalize("NFC", outcome.parsed.rejected[0].reason.lower())


@pytest.mark.parametrize(
    "name,encoding",
    [
        ("tcvn3.xlsx", "tcvn3"),
        ("tcvn3.xls", "tcvn3"),
        ("vni.xls", "vni"),
        ("vni.ods", "vni"),
        ("tcvn3-bytes.csv", "tcvn3"),
        ("windows-1258.csv", "cp1258"),
        ("utf8-bom.csv", "utf-8-sig"),
        ("unicode.xlsx", None),
    ],
)
def test_encoding_is_detected_per_sheet(outcomes, name, encoding):
    assert outcomes[name].parsed.tables[0].info.encoding == encoding


def test_rejected_rows_keep_the_cells_as_the_province_typed_them(outcomes):
    raw = outcomes["tcvn3.xlsx"].parsed.rejected[0].raw
    assert raw["Tên đề án"] == corpus.to_tcvn3("Đề án có kinh phí sai")  # header readable, cell as typed
    assert raw["Tên đề án"] != "Đề án có kinh phí sai"
    nfd = outcomes["nfd.xlsx"].parsed.rejected[0].raw
    assert json.dumps(nfd, ensure_ascii=False).count("\u0301") > 0  # NFD kept as written


def test_xls_content_under_an_xlsx_name_is_read_as_what_it_is(outcomes):
    assert outcomes["xls-saved-as.xlsx"].format.kind == "xls"
    assert "read as what it is" in outcomes["xls-saved-as.xlsx"].format.notes[0]


def test_legacy_decoders():
    assert legacy.decode_tcvn3("Sãc Tr¨ng") == "Sóc Trăng"
    assert legacy.decode_tcvn3("B¶o Th¾ng") == "Bảo Thắng"
    assert legacy.decode_tcvn3("SãC TR¡NG") == "SÓC TRĂNG"  # upper-case font: toned capitals typed as small codes
    assert legacy.decode_vni("Soùc Traêng") == "Sóc Trăng"
    assert legacy.decode_vni("Quyù II/2024") == "Quý II/2024"
    for text in ("Thủy Hòa Đường Nguyễn Ưng Ỷ Khuyến công địa phương", "Ắ Ặ Ấ Ậ Ể Ễ Ỗ Ợ Ự ỳ ỵ ỹ"):
        assert legacy.decode_vni(corpus.to_vni(text)) == text
        assert legacy.decode_tcvn3(corpus.to_tcvn3(text)).lower() == text.lower()


def test_unicode_text_within_latin1_is_not_taken_for_legacy():
    assert legacy.detect(["Cà Mau", "Hà Tiên", "Tân Châu", "Sóc"]) is None
    assert legacy.detect(["Soc Trang", "Ten de an"]) is None


@pytest.mark.parametrize(
    "value,start,precision",
    [
        ("21/5/2012", date(2012, 5, 21), "day"),
        ("21-05-2012", date(2012, 5, 21), "day"),
        ("05/2023", date(2023, 5, 1), "month"),
        ("tháng 5/2023", date(2023, 5, 1), "month"),
        ("Quý II/2024", date(2024, 4, 1), "quarter"),
        ("Q4/2021", date(2021, 10, 1), "quarter"),
        ("quý 3 năm 2020", date(2020, 7, 1), "quarter"),
        ("ngày 15 tháng 01 năm 2024", date(2024, 1, 15), "day"),
        ("2012-05-21", date(2012, 5, 21), "day"),
        ("Năm 2023", date(2023, 1, 1), "year"),
        (2023, date(2023, 1, 1), "year"),
        (41050, date(2012, 5, 21), "day"),
        (41050.0, date(2012, 5, 21), "day"),
        (date(2012, 5, 21), date(2012, 5, 21), "day"),
    ],
)
def test_dates_as_dates_serials_and_text(value, start, precision):
    period = to_period(value)
    assert (period.start, period.precision) == (start, precision)


def test_1904_serials_count_from_1904():
    assert to_period(41050 - 1462, date1904=True).start == date(2012, 5, 21)
    assert to_period(41050, date1904=True).start == date(2016, 5, 22)


@pytest.mark.parametrize("value", ["31/2/2012", "Quý V/2024", "abc", "2019-2020", 3, "13/2023"])
def test_text_that_is_no_date_is_refused(value):
    with pytest.raises(NotADate):
        to_period(value)


def test_1904_workbook_serials_and_date_cells(tmp_path):
    """Date cells and bare serial numbers in a workbook saved with the 1904 date system."""
    from datetime import datetime

    import xlsxwriter

    path = tmp_path / "projects" / "hau-giang" / "mac-1904.xlsx"
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path), {"date_1904": True})
    ws = wb.add_worksheet()
    fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(corpus.register_rows()[:4]):
        ws.write_row(r, 0, row[:5])
    ws.write(3, 5, "Ngày phê duyệt")
    ws.write_row(4, 0, corpus.ROWS[0][:5])
    ws.write_datetime(4, 5, datetime(2019, 5, 21), fmt)
    ws.write_row(5, 0, corpus.ROWS[1][:5])
    ws.write_number(5, 5, 43577 - 1462)  # 2019-04-22 as a bare 1904 serial
    wb.close()
    outcome = parse_files(discover(tmp_path), limits=Limits())[0]
    assert outcome.format.date1904
    assert [r["approved_on"] for r in outcome.parsed.records] == [date(2019, 5, 21), date(2019, 4, 22)]


def test_hidden_sheets_and_rows_formulas_links_comments_and_filters(tmp_path):
    """Formulas count by their cached value; links, comments and filters change nothing; a hidden sheet
    is not read and a hidden row is recorded as rejected, not counted."""
    import xlsxwriter

    path = tmp_path / "projects" / "hau-giang" / "decorated.xlsx"
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Năm 2019")
    rows = corpus.register_rows()
    for r, row in enumerate(rows[:4]):
        ws.write_row(r, 0, row)
    ws.write_row(4, 0, corpus.ROWS[0][:4])
    ws.write_formula(4, 4, "=100+20.5", None, 120.5)  # the cached value is what counts
    ws.write_url(4, 3, "https://example.vn/htx", string="Hợp tác xã Thạnh Hòa")
    ws.write_comment(4, 1, "đã kiểm tra")
    ws.write(4, 5, "21/5/2019")
    ws.write_row(5, 0, corpus.ROWS[1])
    ws.write_row(6, 0, [3, "Đề án đã rút", "KCĐP", "Cơ sở rút", 99])
    ws.set_row(6, None, None, {"hidden": True})
    ws.autofilter(3, 0, 6, 5)
    hidden = wb.add_worksheet("Nháp")
    for r, row in enumerate(rows):
        hidden.write_row(r, 0, [v for v in row])
    hidden.write_row(len(rows), 0, [9, "Bản nháp", "KCĐP", "X", 5000])
    hidden.hide()
    wb.close()
    [outcome] = parse_files(discover(tmp_path), limits=Limits())
    assert outcome.status == "loaded", outcome.reason
    got = [(r["project_name"], r["local_budget_vnd"], r["beneficiary_name"]) for r in outcome.parsed.records]
    assert got == [
        (corpus.EXPECTED[0][0], 120_500_000, "Hợp tác xã Thạnh Hòa"),
        (corpus.EXPECTED[1][0], 10_000_000, "Cơ sở Đường Thủy"),
    ]
    [hidden_row] = outcome.parsed.rejected
    assert (hidden_row.row_number, hidden_row.reason.split(":")[0]) == (7, "hidden row")
    assert {s.name: s.note for s in outcome.parsed.sheets}["Nháp"] == "hidden sheet, not read"


def test_hidden_rows_are_found_in_every_form_the_sheet_xml_may_take(tmp_path):
    """Rows marked hidden="1" or hidden="true", with a namespace prefix or attributes in any order, across
    the megabyte blocks the sheet is streamed in; hidden="0", a row spans attribute and a sheet without
    any hidden row give nothing."""
    import zipfile

    from pipelines.ingest.sniff import MIB, _hidden_rows

    filler = "".join(f'<row r="{n}" spans="1:3"><c r="A{n}"><v>{n}</v></c></row>' for n in range(10, 40_000))
    sheet = (
        '<worksheet><sheetData><row r="1" hidden="1"><c r="A1"/></row>'
        '<x:row spans="1:2" hidden="true" r="3" ht="0"/>'
        '<row r="4" hidden="0"/>' + filler + '<row customHeight="1" r="40001" hidden="1"/>'
        "</sheetData></worksheet>"
    )
    assert len(sheet) > 2 * MIB  # the hidden rows lie in different blocks
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="Trang 1" r:id="rId1"/></sheets></workbook>')
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/worksheets/sheet2.xml", "<worksheet><sheetData>" + filler + "</sheetData></worksheet>")
    with zipfile.ZipFile(path) as z:
        assert _hidden_rows(z, set(z.namelist())) == {"Trang 1": {0, 2, 40_000}}
