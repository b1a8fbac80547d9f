"""Workbooks and CSV files as plain grids of cells, with their text in Unicode.

Workbooks (.xlsx/.xlsm/.xls/.ods) go through python-calamine (Rust; cached formula values; the
format is taken from the bytes, so a .xls saved under a .xlsx name still reads). CSV is decoded as
UTF-8 (with or without BOM) and otherwise as Windows-1258 or a legacy font encoding, whichever reads
as Vietnamese. Legacy TCVN3/VNI text is detected per sheet and converted (`legacy.py`); the cells as
written are kept in `Sheet.originals` so a rejected row can show what the province typed.

Call `sniff.inspect` first: it refuses what must not reach a parser (bombs, encrypted or damaged
files) and tells the real format.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from . import legacy
from .limits import Limits
from .sniff import FileFormat, UnreadableFile, inspect, password_protected

__all__ = ["Sheet", "UnreadableFile", "read_sheets"]


@dataclass
class Sheet:
    name: str
    rows: list[list]
    visible: bool = True
    # (first_row, first_col, last_row, last_col), 0-based inclusive
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    encoding: str | None = None  # CSV: the byte encoding; workbooks: the legacy font encoding converted
    originals: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) → text before conversion
    date1904: bool = False
    hidden_rows: set[int] = field(default_factory=set)  # 0-based rows the sender hid (xlsx only)

    def original(self, r: int, c: int, value):
        return self.originals.get((r, c), value)


def read_sheets(path: Path, fmt: FileFormat | None = None, limits: Limits | None = None) -> list[Sheet]:
    limits = limits or Limits()
    fmt = fmt or inspect(path, limits)
    if fmt.kind == "csv":
        sheets = [_read_csv(path)]
    else:
        sheets = _read_workbook(path, limits, fmt.kind)
    for sheet in sheets:
        sheet.date1904 = fmt.date1904
        sheet.hidden_rows = fmt.hidden_rows.get(sheet.name, set())
        if sheet.encoding is None or sheet.encoding == "latin-1":
            _convert_legacy(sheet)
    return sheets


def _read_workbook(path: Path, limits: Limits, kind: str = "xlsx") -> list[Sheet]:
    try:
        with path.open("rb") as f:
            workbook = calamine.CalamineWorkbook.from_filelike(f)
    except calamine.PasswordError as exc:
        raise password_protected() from exc
    except Exception as exc:  # calamine raises several error types for damaged files
        raise _damaged(exc) from exc
    sheets = []
    ods_merges = _ods_merges(path) if kind == "ods" else {}  # calamine does not report them for .ods
    try:
        for meta in workbook.sheets_metadata:
            sheet = workbook.get_sheet_by_name(meta.name)
            cells = sheet.height * sheet.width
            if cells > limits.max_sheet_cells:
                raise UnreadableFile(
                    f"sheet '{meta.name}' spans {sheet.height:,} rows × {sheet.width:,} columns, over the "
                    f"limit of {limits.max_sheet_cells:,} cells; delete the empty rows and columns"
                )
            rows = sheet.to_python(skip_empty_area=False)
            merged = []
            try:
                for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
                    merged.append((r0, c0, r1, c1))
            except Exception:  # merged ranges are not available for every format
                merged = []
            merged = merged or ods_merges.get(meta.name, [])
            visible = str(meta.visible).lower().endswith("visible") and "hidden" not in str(meta.visible).lower()
            sheets.append(Sheet(meta.name, rows, visible, merged))
    except UnreadableFile:
        raise
    except Exception as exc:
        raise _damaged(exc) from exc
    finally:
        workbook.close()
    return sheets


_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _ods_merges(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """Merged ranges of every sheet of an .ods file, from its content.xml (spanned cells), 0-based."""
    import zipfile
    from xml.etree.ElementTree import iterparse

    def attr(element, name: str, default: int = 1) -> int:
        return int(element.get(f"{{{_ODS_TABLE}}}{name}", default))

    merges: dict[str, list[tuple[int, int, int, int]]] = {}
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
            sheet, row, col = None, -1, 0
            for event, element in iterparse(content, events=("start", "end")):
                tag = element.tag.rsplit("}", 1)[-1]
                if event == "start" and tag == "table":
                    sheet, row = element.get(f"{{{_ODS_TABLE}}}name"), -1
                    merges[sheet] = []
                elif event == "start" and tag == "table-row":
                    row, col = row + 1, 0
                elif event == "end" and tag == "table-row":
                    row += attr(element, "number-rows-repeated") - 1
                    element.clear()
                elif event == "end" and tag in ("table-cell", "covered-table-cell"):
                    rows, cols = attr(element, "number-rows-spanned"), attr(element, "number-columns-spanned")
                    if tag == "table-cell" and (rows > 1 or cols > 1):
                        merges[sheet].append((row, col, row + rows - 1, col + cols - 1))
                    col += attr(element, "number-columns-repeated")
    except (OSError, KeyError, zipfile.BadZipFile, SyntaxError, ValueError):
        return {}
    return merges


def _convert_legacy(sheet: Sheet) -> None:
    """Convert a sheet typed in TCVN3 or VNI to Unicode in place, remembering the cells as written."""
    texts = (v for row in sheet.rows for v in row if isinstance(v, str))  # detect stops at its sample
    encoding = legacy.detect(texts)
    if encoding is None:
        return
    for r, row in enumerate(sheet.rows):
        for c, value in enumerate(row):
            if legacy.convertible(value):
                converted = legacy.decode(value, encoding)
                if converted != value:
                    sheet.originals[(r, c)] = value
                    row[c] = converted
    sheet.encoding = encoding


def _read_csv(path: Path) -> Sheet:
    raw = path.read_bytes()
    text, encoding = _decode_csv(raw)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [[cell if cell != "" else None for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    return Sheet(path.stem, rows, encoding=encoding)


def _decode_csv(raw: bytes) -> tuple[str, str]:
    """UTF-8 (BOM or not) when the bytes are UTF-8; else Windows-1258 or Latin-1 (then TCVN3/VNI
    conversion per sheet), whichever reads more like Vietnamese."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    cp1258 = raw.decode("cp1258", errors="replace")
    latin1 = raw.decode("latin-1")
    words = [w for w in latin1.split() if not w.isascii()][:2000]
    if legacy.detect(words) is not None:
        return latin1, "latin-1"  # legacy font bytes: converted by _convert_legacy
    return cp1258, "cp1258"


def _damaged(exc: Exception) -> UnreadableFile:
    return UnreadableFile(f"the file is damaged and cannot be read as a spreadsheet: {_short(exc)}")


def _short(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:200]
