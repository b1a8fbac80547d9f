"""The test corpus: every variation of reporting-forms.md, generated (no committed binaries).

Each writer produces one file at the path given and returns it. The good registers all say the
same thing — two local projects of Hậu Giang in 2019, 120.5 and 10 million đồng — in different
formats, encodings and spellings, so one expectation (`EXPECTED`) checks them all.
"""

from __future__ import annotations

import csv
import io
import struct
import unicodedata
import zipfile
import zlib
from pathlib import Path

import xlsxwriter

from pipelines.ingest import legacy

TITLE = [["UBND TỈNH HẬU GIANG"], ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2019"], [None]]
HEADER = ["STT", "Tên đề án", "Cấp", "Đơn vị thụ hưởng", "Kinh phí NSĐP (triệu đồng)", "Ngày phê duyệt"]
ROWS = [
    [1, "Hỗ trợ máy móc thiết bị sấy nông sản", "KCĐP", "Hợp tác xã Thạnh Hòa", 120.5, "21/5/2019"],
    [2, "Tham gia hội chợ triển lãm", "KCĐP", "Cơ sở Đường Thủy", 10, "Quý II/2019"],
]
BAD_ROW = [3, "Đề án có kinh phí sai", "KCĐP", "Cơ sở Lỗi", "một trăm", None]
# (project_name, local_budget_vnd, approved_on, precision) the good registers must give
EXPECTED = [
    ("Hỗ trợ máy móc thiết bị sấy nông sản", 120_500_000, "2019-05-21", "day"),
    ("Tham gia hội chợ triển lãm", 10_000_000, "2019-04-01", "quarter"),
]


def register_rows(bad_row: bool = False) -> list[list]:
    return TITLE + [HEADER] + [list(r) for r in ROWS] + ([list(BAD_ROW)] if bad_row else [])


def write_xlsx(path: Path, rows: list[list], options: dict | None = None, sheet: str = "Sheet1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), options or {})
    ws = wb.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    wb.close()
    return path


def write_xls(path: Path, rows: list[list]) -> Path:
    import xlwt

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def write_ods(path: Path, rows: list[list]) -> Path:
    import pandas as pd

    path.parent.mkdir(parents=True, exist_ok=True)
    width = max(len(r) for r in rows)
    frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows])
    frame.to_excel(path, engine="odf", index=False, header=False)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8", transform=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if v is None else v for v in row] for row in rows])
    text = buffer.getvalue()
    path.write_bytes((transform(text) if transform else text).encode(encoding))
    return path


def windows_1258_form(text: str) -> str:
    """Text as Windows-1258 holds it: letters with their shape (â, ư, đ…) whole, the tone as a combining mark."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in parts[1:] if m in "\u0300\u0301\u0303\u0309\u0323")
        letter = unicodedata.normalize("NFC", "".join(m for m in parts if m not in tones))
        out.append(letter + tones)
    return "".join(out)


# --- legacy encodings (the inverse of pipelines.ingest.legacy, as a font-era keyboard typed) ---------
_TO_TCVN3 = {chr(v): chr(k) for k, v in legacy._TCVN3_TABLE.items()}


def to_tcvn3(text: str) -> str:
    """Unicode → TCVN3 code points; capitals with a tone use the small letter's code, as .VnTimeH did."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _TO_TCVN3:
            out.append(_TO_TCVN3[ch])
        elif ch.lower() in _TO_TCVN3 and not ch.isascii():
            out.append(_TO_TCVN3[ch.lower()])
        else:
            out.append(ch)
    return "".join(out)


_VNI_TONE = {"\u0300": "ø", "\u0301": "ù", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_CIRC = {None: "â", "\u0300": "à", "\u0301": "á", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE = {None: "ê", "\u0300": "è", "\u0301": "é", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_VNI_I = {"\u0300": "ì", "\u0301": "í", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def to_vni(text: str) -> str:
    """Unicode → VNI-Windows code points (base letter, then a mark)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in "đĐ":
            out.append("ñ" if ch == "đ" else "Ñ")
            continue
        parts = unicodedata.normalize("NFD", ch)
        base, marks = parts[0], parts[1:]
        if not marks:
            out.append(ch)
            continue
        upper = base.isupper()
        tone = next((m for m in marks if m in _VNI_TONE), None)
        shape = next((m for m in marks if m in "\u0302\u0306\u031b"), None)
        if base.lower() == "i" and tone and not shape:
            code = _VNI_I[tone]
        elif base.lower() == "y" and tone == "\u0323":
            code = "î"
        elif shape == "\u031b":
            code = ("ô" if base.lower() == "o" else "ö") + (_VNI_TONE[tone] if tone else "")
        elif shape == "\u0302":
            code = base.lower() + _VNI_CIRC[tone]
        elif shape == "\u0306":
            code = base.lower() + _VNI_BREVE[tone]
        else:
            code = base.lower() + _VNI_TONE[tone]
        out.append(code.upper() if upper else code)
    return "".join(out)


def legacy_rows(encode) -> list[list]:
    return [[encode(v) if isinstance(v, str) else v for v in row] for row in register_rows(bad_row=True)]


# --- hostile files ------------------------------------------------------------------------------------
def zip_bomb_xlsx(path: Path, inflated: int = (1 << 30) + (1 << 20)) -> Path:
    """A valid-looking workbook whose one sheet inflates past 1 GiB (about 7 MB on disk)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    good = write_xlsx(path.with_suffix(".seed.xlsx"), register_rows())
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, src.read(info.filename))
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            chunk = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20000
            written = 0
            while written < inflated:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(b"</sheetData></worksheet>")
    good.unlink()
    return path


def password_xlsx(path: Path) -> Path:
    """A workbook saved with a password (Office's Agile encryption, as Excel writes it)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_xlsx(path.with_suffix(".plain.xlsx"), register_rows())
    with plain.open("rb") as f, path.open("wb") as out:
        OOXMLFile(f).encrypt("matkhau", out)
    plain.unlink()
    return path


def truncated_xlsx(path: Path) -> Path:
    """A workbook cut off halfway (an interrupted upload)."""
    whole = write_xlsx(path.with_suffix(".whole.xlsx"), register_rows()).read_bytes()
    path.with_suffix(".whole.xlsx").unlink()
    path.write_bytes(whole[: len(whole) // 2])
    return path


def png_named_xlsx(path: Path) -> Path:
    """A real 1×1 PNG image with a spreadsheet's name."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return path


def huge_dimension_xlsx(path: Path) -> Path:
    """A small file whose sheet spans A1:XFD1048576 (one stray cell in the last corner)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for r, row in enumerate(register_rows()):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    ws.write(1048575, 16383, "x")
    wb.close()
    return path


def encrypted_ods(path: Path) -> Path:
    """An OpenDocument spreadsheet saved with a password (its manifest declares encryption)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>'
        "</manifest:file-entry></manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", bytes(range(256)) * 4)
    return path


def docx_named_xlsx(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return path


def empty_workbook(path: Path) -> Path:
    return write_xlsx(path, [])


def local_register(path: Path, province_title: str, amount, year: int = 2019, when: float = 1_580_000_000) -> Path:
    """A two-project local register of one province and year, with its modification time set (supersession
    and "received at" follow it): the incremental and engine tests' submissions."""
    import os

    rows = [
        [f"UBND {province_title}"],
        [f"DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM {year}"],
        ["STT", "Tên đề án", "Cấp", "Đơn vị thụ hưởng", "Kinh phí NSĐP (triệu đồng)"],
        [1, "Hỗ trợ máy móc thiết bị chế biến gạo", "KCĐP", "Cơ sở Tân Hưng 001", amount],
        [2, "Tham gia hội chợ", "KCĐP", "Cơ sở Phú Lộc 002", 10],
    ]
    write_xlsx(path, rows)
    os.utime(path, (when, when))
    return path
