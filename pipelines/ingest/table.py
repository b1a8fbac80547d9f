"""Find the table inside a hand-made sheet: title block, header (one or two rows), units.

Provincial sheets put a title block above the table, sometimes a two-row header with merged cells
("Kinh phí (triệu đồng)" over "NSTW | NSĐP | Đối ứng | Tổng"), then a row of column numbers or a
row of units. This module only locates things; what the rows mean is the dataset parser's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .amounts import parse_unit
from .readers import Sheet
from .text import clean, fold

HEADER_SEARCH_ROWS = 20
_PAREN = re.compile(r"\(([^()]*)\)")
_YEAR = re.compile(r"\b(20[0-4]\d|19[89]\d)\b")
COLUMN_NUMBER = re.compile(r"^\(?\s*(\d{1,2}|[a-z])\s*\)?$")


@dataclass
class HeaderConfig:
    synonyms: dict[str, str]  # folded header → field
    min_fields: int
    identity_fields: list[str]

    @classmethod
    def from_fields(cls, fields: dict[str, list[str]], min_fields: int, identity_fields: list[str]):
        synonyms: dict[str, str] = {}
        for name, headers in fields.items():
            for header in headers:
                key = header_key(header)[0]
                if key in synonyms and synonyms[key] != name:
                    raise ValueError(f"header '{header}' is listed for both {synonyms[key]} and {name}")
                synonyms[key] = name
        return cls(synonyms, min_fields, identity_fields)


@dataclass
class Table:
    sheet: Sheet
    columns: dict[str, int]  # field → 0-based column
    header_text: dict[str, str]  # field → header as written
    units: dict[str, str]  # field → unit from its header or unit row
    data_start: int  # 0-based row index of the first row after the header block
    header_rows: tuple[int, ...]
    title_lines: list[str] = field(default_factory=list)
    sheet_unit: str | None = None  # from an "ĐVT: ..." line
    twice: dict[str, list[str]] = field(default_factory=dict)  # field → headers of further columns naming it
    by_year: dict[str, YearColumns] = field(default_factory=dict)  # field → its one column per year


def header_key(text: object) -> tuple[str, str | None]:
    """('kinh phi nstw', 'trieu dong') from 'Kinh phí NSTW\\n(triệu đồng)'."""
    raw = clean(text) or ""
    unit = None
    for inner in _PAREN.findall(raw):
        unit = parse_unit(inner) or unit
    without = _PAREN.sub(" ", raw)
    # "Kinh phí, triệu đồng" / "Kinh phí - trđ"
    parts = re.split(r"[,\-–:]\s*", without)
    if len(parts) > 1 and parse_unit(parts[-1]):
        unit = parse_unit(parts[-1])
        without = " ".join(parts[:-1])
    return fold(without), unit


def _cell_text(value) -> str | None:
    if value is None or isinstance(value, (int, float)):
        return None
    return clean(value)


def _row(sheet: Sheet, r: int) -> list:
    return sheet.rows[r] if r < len(sheet.rows) else []


def _parents_filled(sheet: Sheet, r: int, width: int) -> list[str | None]:
    """The upper header row with merged (or visually merged) labels carried across their span."""
    row = _row(sheet, r)
    parents = [_cell_text(row[c]) if c < len(row) else None for c in range(width)]
    for r0, c0, r1, c1 in sheet.merged:
        if r0 <= r <= r1 and parents[c0 if c0 < width else 0]:
            for c in range(c0, min(c1 + 1, width)):
                parents[c] = parents[c0]
    return parents


def _group_labels(sheet: Sheet, r: int, width: int) -> list[str | None]:
    """The upper header row's labels over each column: merged labels carried across their span, and an
    unmerged group label carried right over the sub-headers it stands above."""
    parents = _parents_filled(sheet, r, width)
    tops, subs = _row(sheet, r), _row(sheet, r + 1)

    def text(row: list, c: int, read=_cell_text):
        return read(row[c]) if c < len(row) else None

    for c in range(1, width):
        if (
            not parents[c]
            and not text(tops, c)
            and text(subs, c, _year_header)
            and parents[c - 1]
            and text(subs, c - 1, _year_header)
        ):
            parents[c] = parents[c - 1]
    return parents


def _map_columns(candidates: list[list[str]], config: HeaderConfig):
    """field → column from each column's header options (the first option a field answers wins); a
    further column whose header names a field already taken is recorded in `twice`, never dropped."""
    columns, texts, units, twice = {}, {}, {}, {}
    for col, options in enumerate(candidates):
        for text, unit_hint in options:
            key, unit = header_key(text)
            name = config.synonyms.get(key)
            if name and name in columns:
                twice.setdefault(name, []).append(text)
                break
            if name:
                columns[name] = col
                texts[name] = text
                if unit or unit_hint:
                    units[name] = unit or unit_hint
                break
    return columns, texts, units, twice


@dataclass
class YearColumns:
    """A field given one column per year: "Kinh phí kế hoạch" over "Năm 2021 | Năm 2022 | Năm 2023"."""

    field: str
    group: str  # the group header as written
    columns: list[tuple[int, str, list[int]]]  # (0-based column, its header as written, the years it names)


def _year_header(value) -> str | None:
    """A sub-header cell as text; a year typed as a number (2021) counts as its text."""
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and float(value).is_integer()
        and 1900 <= value <= 2100
    ):
        return str(int(value))
    return _cell_text(value)


def _one_column_per_year(sheet: Sheet, r: int, config: HeaderConfig) -> dict[str, YearColumns]:
    """Group headers of row `r` that name a field and stand over several year columns of the next row
    ("Kinh phí kế hoạch" over "Năm 2021 | Năm 2022"): field → its year columns."""
    width = max(len(_row(sheet, r)), len(_row(sheet, r + 1)))
    parents = _group_labels(sheet, r, width)
    nxt = _row(sheet, r + 1)
    found: dict[str, YearColumns] = {}
    for c in range(width):
        sub = _year_header(nxt[c]) if c < len(nxt) else None
        name = config.synonyms.get(header_key(parents[c])[0]) if parents[c] else None
        if name and sub and years_in(sub) and not config.synonyms.get(header_key(sub)[0]):
            group = found.setdefault(name, YearColumns(name, parents[c], []))
            group.columns.append((c, sub, years_in(sub)))
    return {name: group for name, group in found.items() if len(group.columns) > 1}


def _header_readings(sheet: Sheet, r: int, config: HeaderConfig) -> list[tuple[tuple, tuple[int, ...]]]:
    """The ways row r can be the header: alone, and with the row under it (a merged group label over
    sub-headers); each a column mapping (_map_columns) with the header rows it uses. None when the row
    holds fewer than two labels."""
    row = _row(sheet, r)
    width = max(len(row), len(_row(sheet, r + 1)))
    tops = [_cell_text(row[c]) if c < len(row) else None for c in range(width)]
    if sum(1 for t in tops if t) < 2:
        return []
    single = _map_columns([[(t, None)] if t else [] for t in tops], config)
    readings = [(single, (r,))]
    nxt = _row(sheet, r + 1)
    subs = [_cell_text(nxt[c]) if c < len(nxt) else None for c in range(width)]
    if any(subs):
        parents = _group_labels(sheet, r, width)
        candidates = []
        for c in range(width):
            opts = []
            parent_unit = header_key(parents[c])[1] if parents[c] else None
            if subs[c]:
                opts.append((subs[c], parent_unit))
                if parents[c]:
                    opts.append((f"{header_key(parents[c])[0]} {subs[c]}", parent_unit))
            if parents[c] and (tops[c] or not subs[c]):
                opts.append((parents[c], None))
            candidates.append(opts)
        readings.append((_map_columns(candidates, config), (r, r + 1)))
    return readings


def _best_header(sheet: Sheet, config: HeaderConfig):
    """The reading that maps the most fields (then uses the fewest rows) among the first rows, or None."""
    best = None
    for r in range(min(HEADER_SEARCH_ROWS, len(sheet.rows))):
        readings = _header_readings(sheet, r, config)
        if not readings:
            continue  # not a header row; nor does it end the search
        for (columns, texts, units, twice), rows in readings:
            if len(columns) < config.min_fields or not any(f in columns for f in config.identity_fields):
                continue
            score = (len(columns), -len(rows))
            if best is None or score > best[0]:
                best = (score, columns, texts, units, rows, twice)
        if best is not None and best[4][0] < r - 1:
            break  # a later row cannot be the header once a good one is behind us
    return best


def _after_header_tail(sheet: Sheet, data_start: int, columns: dict, units: dict) -> int:
    """The first data row: past rows of column numbers or units directly under the header (a units row
    gives the units of the columns it names)."""
    while data_start < len(sheet.rows):
        kind = header_tail_kind(_row(sheet, data_start))
        if kind is None:
            break
        if kind == "units":
            for name, col in columns.items():
                row = _row(sheet, data_start)
                unit = parse_unit(row[col]) if col < len(row) else None
                if unit:
                    units.setdefault(name, unit)
        data_start += 1
    return data_start


def _unit_line(sheet: Sheet, title_lines: list[str], header_rows: tuple[int, ...]) -> str | None:
    """The unit a title line or the row under the header states for the whole sheet ("ĐVT: triệu đồng")."""
    sheet_unit = None
    for line in title_lines + [" ".join(filter(None, map(_cell_text, _row(sheet, header_rows[-1] + 1))))]:
        match = re.search(r"(?:đvt|đơn vị tính|dvt|don vi tinh)\s*[:：]?\s*(.+)$", line, re.IGNORECASE)
        if match:
            sheet_unit = parse_unit(match.group(1).strip(" .;)")) or sheet_unit
    return sheet_unit


def find_table(sheet: Sheet, config: HeaderConfig) -> Table | None:
    """The table of a sheet: its header (one or two rows, among the first rows), the column of each
    field, units, where the data starts, the title above it; None when no row reads as a header."""
    best = _best_header(sheet, config)
    if best is None:
        return None
    _, columns, texts, units, rows, twice = best
    pivoted = _one_column_per_year(sheet, rows[0], config)
    if pivoted and len(rows) == 1:
        rows = (rows[0], rows[0] + 1)  # the year row is part of the header, not the first data row
    title_lines = [" ".join(t for t in (_cell_text(v) for v in _row(sheet, i)) if t) for i in range(rows[0])]
    title_lines = [t for t in title_lines if t]
    data_start = _after_header_tail(sheet, rows[-1] + 1, columns, units)
    sheet_unit = _unit_line(sheet, title_lines, rows)
    return Table(sheet, columns, texts, units, data_start, rows, title_lines, sheet_unit, twice, pivoted)


def column_number_text(value) -> str | None:
    """A cell as it is compared with a column number ('3' for 3.0, '(a)' for ' (A) '); None when blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text.lower() if text else None


def header_tail_kind(row: list) -> str | None:
    """'numbers' for a row of column numbers ((1) (2) … or 1 2 3 …), 'units' for a row of units, else None."""
    values = [v for v in row if column_number_text(v) is not None]
    if len(values) < 3:
        return None
    if all(parse_unit(v) or fold(v) in {"nguoi", "de an", "lao dong", "hoc vien", "nam", "luot"} for v in values):
        return "units"
    numbers = []
    for v in values:
        text = column_number_text(v)
        if not COLUMN_NUMBER.match(text):
            return None
        digits = re.sub(r"\D", "", text)
        numbers.append(int(digits) if digits else 0)  # lettered columns (A), (B) count as 0
    numbered = [n for n in numbers if n]
    return "numbers" if numbered == sorted(set(numbered)) else None


def could_be_column_numbers(row: list) -> bool:
    """False when `header_tail_kind` cannot say 'numbers': some cell is not a column number. The walker
    runs this on every row before the full test: it stops at the first cell that fails (a data row
    fails at its first name) and never reads units."""
    count = 0
    for value in row:
        text = column_number_text(value)
        if text is None:
            continue
        if not COLUMN_NUMBER.match(text):
            return False
        count += 1
    return count >= 3


def years_in(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(text or "")]


def title_year(title_lines: list[str]) -> int | None:
    """The year a title states ("DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2023"), not a signing date."""
    for line in title_lines:
        folded = fold(line)
        if "ngay" in folded and "thang" in folded:
            continue
        match = re.search(r"\bnam (\d{4})\b", folded)
        if match:
            return int(match.group(1))
    return None
