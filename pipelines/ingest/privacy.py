"""Personal data never leaves the inbox: the cells of a rejected row are kept for the audit with phone
numbers and national IDs masked, whatever column they turn up in."""

from __future__ import annotations

import re

from .describe import column_letter
from .table import Table

# Shapes of personal identifiers, for masking whatever column they turn up in: Vietnamese phone
# numbers (0xx… or +84…, 10–11 digits, any separators) and national IDs (9-digit CMND, 12-digit CCCD).
PHONE_SHAPE = re.compile(r"(?<![\dA-Za-z])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?![\dA-Za-z])")
# not part of a longer number or an amount ("123.456.789", "1234567890,5"); punctuation after is fine
NATIONAL_ID_SHAPE = re.compile(r"(?<![\dA-Za-z])(?<!\d[.,])(?:\d{12}|\d{9})(?![\dA-Za-z])(?![.,]\d)")
MASK = "***"
# both shapes hold at least nine digits: text with fewer is never masked (most names hold none)
_NINE_DIGITS = re.compile(r"\d(?:\D*\d){8}")


def mask_text(value):
    """A cell with phone- or ID-shaped digits replaced by ***; other values unchanged."""
    if not isinstance(value, str) or _NINE_DIGITS.search(value) is None:
        return value
    return NATIONAL_ID_SHAPE.sub(MASK, PHONE_SHAPE.sub(MASK, value))


def _id_shaped_number(value) -> bool:
    """A numeric cell of 9 to 12 digits: what a phone number or a national ID becomes in a number cell."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not value.is_integer():
        return False
    return 9 <= len(str(abs(int(value)))) <= 12


def raw_cells(
    row: list, table: Table | None, personal_fields=(), row_index: int | None = None, amount_fields=()
) -> dict:
    """The original cells of a row as a JSON-able dict keyed by header (or column letter).

    Cells under a personal-data column are masked whatever they hold; elsewhere, text shaped like a
    phone number or a national ID is masked too (it may sit in a column nobody mapped).
    """
    names, personal, mapped = {}, set(), set()
    if table is not None:
        for r in table.header_rows:  # every header cell, mapped or not ("Ghi chú")
            for col, value in enumerate(table.sheet.rows[r] if r < len(table.sheet.rows) else []):
                if isinstance(value, str) and value.strip():
                    names[col] = " ".join(value.split())
        names.update({col: table.header_text[f] for f, col in table.columns.items()})
        personal = {table.columns[f] for f in personal_fields if f in table.columns}
        # money columns hold 9-to-12-digit values by nature (150,000,000 đồng); any other column holding one
        # may hold a phone number or an ID typed as a number
        mapped = {table.columns[f] for f in amount_fields if f in table.columns}
    out = {}
    for col, value in enumerate(row):
        if table is not None and row_index is not None:
            value = table.sheet.original(row_index, col, value)  # as typed, before any legacy conversion
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        key = names.get(col, column_letter(col))
        if key in out:
            key = f"{key} [{column_letter(col)}]"
        if col in personal or (col not in mapped and _id_shaped_number(value)):
            out[key] = MASK  # a phone typed as a number loses its 0: 987666777 in "Di động"
        else:
            out[key] = value.isoformat() if hasattr(value, "isoformat") else mask_text(value)
    return out
