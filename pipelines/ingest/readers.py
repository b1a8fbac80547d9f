"""Workbooks and CSV files as plain grids of cells.

.xlsx/.xlsm/.xls/.ods go through python-calamine (Rust, reads cached formula values, all four
formats with one API); CSV is decoded as UTF-8 (with or without BOM) and otherwise Windows-1258,
the code page of Vietnamese Windows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
SUPPORTED_SUFFIXES = WORKBOOK_SUFFIXES | CSV_SUFFIXES


class UnreadableFile(Exception):
    """The file cannot be opened as a spreadsheet; the message is the recorded reason."""


@dataclass
class Sheet:
    name: str
    rows: list[list]
    visible: bool = True
    # (first_row, first_col, last_row, last_col), 0-based inclusive
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    encoding: str | None = None


def read_sheets(path: Path) -> list[Sheet]:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return [_read_csv(path)]
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(path)
    raise UnreadableFile(f"unsupported file type '{suffix}' (expected .xlsx, .xls, .ods or .csv)")


def _read_workbook(path: Path) -> list[Sheet]:
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several error types for damaged files
        raise UnreadableFile(f"not a readable spreadsheet: {_short(exc)}") from exc
    sheets = []
    try:
        for meta in workbook.sheets_metadata:
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = []
            try:
                for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
                    merged.append((r0, c0, r1, c1))
            except Exception:  # merged ranges are not available for every format
                merged = []
            visible = str(meta.visible).lower().endswith("visible") and "hidden" not in str(meta.visible).lower()
            sheets.append(Sheet(meta.name, rows, visible, merged))
    except Exception as exc:
        raise UnreadableFile(f"damaged spreadsheet: {_short(exc)}") from exc
    finally:
        workbook.close()
    return sheets


def _read_csv(path: Path) -> Sheet:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        text, encoding = raw[3:].decode("utf-8"), "utf-8-sig"
    else:
        try:
            text, encoding = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = raw.decode("cp1258", errors="replace"), "cp1258"
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [[cell if cell != "" else None for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    return Sheet(path.stem, rows, encoding=encoding)


def _short(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:200]
