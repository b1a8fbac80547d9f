"""What every dataset's parser shares: walking the rows of a hand-made register.

A register is a table under a title block. Walking it means: section rows ("I. KHUYẾN CÔNG QUỐC
GIA", "A. Năm 2021", "Huyện Mỹ Xuyên") set context for the rows below; subtotal/total rows and
repeated column-number rows are skipped; the signature block ends the table. Every other non-empty
row is handed to the dataset's `record` method, which returns the record or the reasons it cannot
be one. Rejected rows keep their original cells, with personal data masked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from .columnar import record_rows
from .config import DatasetConfig
from .dates import NotADate, Period, to_period
from .numbers import NotANumber, NumberStyleUnknown, decide_style, to_count, to_decimal, to_vnd
from .provinces import Province, ProvinceResolver
from .readers import Sheet
from .table import Table, could_be_column_numbers, find_table, header_key, header_tail_kind, title_year, years_in
from .text import clean, fold

_SECTION_MARK = re.compile(r"^([ivx]+|[a-h]|\d{1,2})\s*[\.\)/:-]\s*\S|^(phan|muc|phu luc)\s")
_SECTION_LABEL = re.compile(r"^\s*([IVXivx]+|[A-Za-z])\s*[\.\)/:-]\s*\S")
_SUBTOTAL_TAIL = r"(\s+(cong|[ivx]+|[a-h]|\d+|kcqg|kcdp|quoc gia|dia phuong|khuyen cong|nam|muc|phan|de an|[0-9]{4}))*$"
_SIGNING_DATE = re.compile(r"\bngay \d{1,2} thang \d{1,2} nam \d{4}\b")
_PLACE_SUBTOTAL = re.compile(
    r"^(cong|tong cong|tong so|tong)\s+(huyen|quan|thi xa|thanh pho|tx|tp|xa|phuong|thi tran)\b"
)
_DISTRICT_SECTION = re.compile(r"^(huyen|thi xa|thanh pho|quan|tx|tp)\s+\S")

# Shapes of personal identifiers, for masking whatever column they turn up in: Vietnamese phone
# numbers (0xx… or +84…, 10–11 digits, any separators) and national IDs (9-digit CMND, 12-digit CCCD).
PHONE_SHAPE = re.compile(r"(?<![\dA-Za-z])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?![\dA-Za-z])")
# not part of a longer number or an amount ("123.456.789", "1234567890,5"); punctuation after is fine
NATIONAL_ID_SHAPE = re.compile(r"(?<![\dA-Za-z])(?<!\d[.,])(?:\d{12}|\d{9})(?![\dA-Za-z])(?![.,]\d)")
MASK = "***"

# Plausibility bounds of typed columns: beyond them a value is a typing slip (a phone number in the
# employees column, an amount typed in đồng under a "triệu đồng" header), not data. The warehouse's
# counts are INTEGER and money BIGINT; these bounds sit far inside both.
MAX_COUNT = 1_000_000  # people, projects, facilities
MAX_VND = 10**15  # one million tỷ đồng, far beyond the whole programme's budget


@dataclass
class RowWarning:
    """A rule a loaded row broke where its value is still usable (the row is loaded; see README)."""

    sheet: str
    row_number: int
    rule: str
    message: str
    year: int | None = None
    province_code: str | None = None
    province_code_2025: str | None = None


@dataclass
class RejectedRow:
    sheet: str
    row_number: int  # 1-based, as the sheet shows it
    reason: str
    raw: dict
    year: int | None = None  # the year the row would have counted for, where known


@dataclass
class TotalCheck:
    """A subtotal or total row of the file against the sum of the rows read (a difference beyond rounding
    means rows were misread, or the province's own arithmetic is off)."""

    sheet: str
    row_number: int
    label: str
    field: str
    stated: int
    summed: int
    reconciles: bool


class TotalsCheck:
    """Running sums of the records read, per section, since the last subtotal and overall, and the
    subtotal rows met on the way. A stated figure reconciles when it equals one of those sums at its row,
    or the whole table's (a "Tổng cộng" may stand above the rows it adds up)."""

    def __init__(self, sheet: str, fields: list[str], money: set[str]):
        self.sheet, self.fields, self.money = sheet, fields, money
        self.overall, self.section, self.since = Counter(), Counter(), Counter()
        self.rows = 0
        self.met: list[tuple[int, str, dict, list[Counter]]] = []

    def _key(self, field: str) -> str:
        return f"{field}_vnd" if field in self.money else field

    def add(self, record: dict) -> None:
        self.rows += 1
        for f in self.fields:
            value = record.get(self._key(f))
            if value:
                for sums in (self.overall, self.section, self.since):
                    sums[f] += value

    def new_section(self) -> None:
        self.section = Counter()

    def stated(self, row_number: int, label: str, values: dict) -> None:
        if values:
            self.met.append(
                (row_number, label, values, [Counter(self.section), Counter(self.since), Counter(self.overall)])
            )
        self.since = Counter()

    def checks(self) -> list[TotalCheck]:
        out = []
        for row_number, label, values, sums in self.met:
            for f, stated in values.items():
                candidates = [s[f] for s in sums] + [self.overall[f]]
                # money: a few hundred đồng of rounding per row (triệu đồng with 3 decimals); counts exact
                tolerance = 1_000 * max(1, self.rows) if f in self.money else 0
                summed = min(candidates, key=lambda c: abs(stated - c))
                out.append(
                    TotalCheck(self.sheet, row_number, label, f, stated, summed, abs(stated - summed) <= tolerance)
                )
        return out


@dataclass
class SheetResult:
    name: str
    table: Table | None
    note: str | None = None
    # what was found, without the grid (see ParsedFile.lighten): header rows, field → column, units
    info: dict | None = None

    @property
    def found(self) -> bool:
        return self.table is not None or self.info is not None


@dataclass
class ParsedFile:
    records: list[dict] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    sheets: list[SheetResult] = field(default_factory=list)
    rows_read: int = 0
    warnings: list[RowWarning] = field(default_factory=list)
    totals: list[TotalCheck] = field(default_factory=list)

    @property
    def tables(self) -> list[SheetResult]:
        return [s for s in self.sheets if s.found]

    def lighten(self, schema: pa.Schema | None = None) -> ParsedFile:
        """Replace each table (which holds the whole grid) by a description of how it was read, and
        the records by one Arrow table (with `schema`): cheap to send from a reader process, to cache
        and to load, where 100,000 dicts are not."""
        for s in self.sheets:
            if s.table is not None:
                s.info = describe_table(s.table)
                s.table = None
        if schema is not None and not isinstance(self.records, ArrowRecords):
            self.records = ArrowRecords(pa.Table.from_pylist(self.records, schema=schema))
        return self


_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int64(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
}
SOURCE_COLUMNS = {"source_sheet": "VARCHAR", "source_row": "INTEGER"}


def arrow_schema(columns: dict[str, str]) -> pa.Schema:
    """The Arrow schema of a dataset's records (integers as int64: the warehouse casts them)."""
    return pa.schema([(name, _ARROW_TYPES[kind]) for name, kind in {**columns, **SOURCE_COLUMNS}.items()])


class ArrowRecords(Sequence):
    """A file's records held as an Arrow table, read as dicts only when someone asks (tests, validate).

    Its row count and its keys (the distinct province, 2025 province and year, with their rows: what
    supersession and the load signature ask of every file) are known without the table, so that the
    parse cache can give them back for every file and load the table itself only for the files whose
    rows are written (`deferred`). `without` drops some keys' rows, also without loading anything."""

    def __init__(self, table: pa.Table | None, *, rows: int | None = None, keys: list[dict] | None = None, load=None):
        self._table = table
        self._load = load  # () -> pa.Table, for a deferred table
        self._num_rows = table.num_rows if table is not None else rows
        self._keys = keys
        self._rows: list[dict] | None = None

    @classmethod
    def deferred(cls, rows: int, keys: list[dict], load) -> ArrowRecords:
        return cls(None, rows=rows, keys=keys, load=load)

    @property
    def table(self) -> pa.Table:
        if self._table is None:
            self._table = self._load()
        return self._table

    def keys(self) -> list[dict]:
        """[{province_code ('' for none), province_code_2025, year, count_all}], one per distinct key."""
        if self._keys is None:
            table = self.table
            keys = pa.table(
                {
                    "province_code": pc.fill_null(table["province_code"], ""),
                    "province_code_2025": table["province_code_2025"],
                    "year": table["year"],
                }
            )
            self._keys = (
                keys.group_by(["province_code", "province_code_2025", "year"])
                .aggregate([([], "count_all")])
                .to_pylist()
            )
        return self._keys

    def without(self, lost: set[tuple]) -> ArrowRecords:
        """These records but those of the keys (province_code or '', province_code_2025, year) in `lost`."""
        kept = [k for k in self.keys() if (k["province_code"], k["province_code_2025"], k["year"]) not in lost]

        def load() -> pa.Table:
            table = self.table
            rows = zip(
                table["province_code"].to_pylist(), table["province_code_2025"].to_pylist(), table["year"].to_pylist()
            )
            return table.filter(
                pa.array([(code or "", code_2025, year) not in lost for code, code_2025, year in rows], pa.bool_())
            )

        return ArrowRecords.deferred(sum(k["count_all"] for k in kept), kept, load)

    def _list(self) -> list[dict]:
        if self._rows is None:
            self._rows = self.table.to_pylist()
        return self._rows

    def __len__(self) -> int:
        return self._num_rows

    def __getitem__(self, index):
        return self._list()[index]

    def __iter__(self):
        return iter(self._list())

    def __getstate__(self):
        return {"table": self.table, "keys": self._keys}  # never the dicts

    def __setstate__(self, state):
        self._table, self._keys, self._load, self._rows = state["table"], state.get("keys"), None, None
        self._num_rows = self._table.num_rows


def describe_table(table: Table) -> dict:
    """How a table was read, for `kc validate`: header rows, field → column and header, units, encoding."""
    mapped = set(table.columns.values()) | {c for group in table.by_year.values() for c, _, _ in group.columns}
    unmapped = []
    for r in table.header_rows:
        for c, value in enumerate(table.sheet.rows[r] if r < len(table.sheet.rows) else []):
            if c not in mapped and isinstance(value, str) and value.strip():
                unmapped.append(f"{_column_letter(c)} '{' '.join(value.split())}'")
    return {
        "header_rows": [r + 1 for r in table.header_rows],
        "unmapped": unmapped,
        "first_data_row": table.data_start + 1,
        "columns": {
            f: f"{_column_letter(c)} '{table.header_text[f]}'"
            for f, c in sorted(table.columns.items(), key=lambda kv: kv[1])
        },
        "by_year": {
            f: [f"{_column_letter(c)} '{h}'" for c, h, _ in group.columns] for f, group in table.by_year.items()
        },
        "units": dict(table.units),
        "sheet_unit": table.sheet_unit,
        "encoding": table.sheet.encoding,
        "date1904": table.sheet.date1904,
    }


@dataclass
class RowContext:
    """What the table and the rows above say about the current row."""

    table: Table
    relative_path: str
    title_text: str
    file_year: int | None
    styles: dict[str, str | None]
    sheet_style: str | None
    section: dict = field(default_factory=dict)  # program_level / year / district set by section rows
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (rule, message) of the current row
    column_year: int | None = None  # the year of the columns read, in a table with one column per year

    def style(self, name: str) -> str | None:
        return self.styles.get(name) or self.sheet_style


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def mask_text(value):
    """A cell with phone- or ID-shaped digits replaced by ***; other values unchanged."""
    if not isinstance(value, str):
        return value
    return NATIONAL_ID_SHAPE.sub(MASK, PHONE_SHAPE.sub(MASK, value))


def _fill_vertical_merges(table: Table) -> list[list]:
    """The data rows, with each cell merged down over several rows given to every row it covers: an
    office that merges "Cấp" over all national projects, or a district over its communes, means the value
    for each of them (only the top row holds it in the file). Read columns only; a merge across columns
    (a section label) is left alone."""
    rows = table.sheet.rows[table.data_start :]
    read = set(table.columns.values())
    filled = None
    for r0, c0, r1, _c1 in table.sheet.merged:
        if r1 <= r0 or r0 < table.data_start or c0 not in read:
            continue
        top = table.sheet.rows[r0][c0] if c0 < len(table.sheet.rows[r0]) else None
        if top is None or (isinstance(top, str) and not top.strip()):
            continue
        for r in range(r0 + 1, min(r1, len(table.sheet.rows) - 1) + 1):
            offset = r - table.data_start
            if filled is None:
                filled = list(rows)
            row = list(filled[offset])
            row += [None] * (c0 + 1 - len(row))
            if row[c0] is None or (isinstance(row[c0], str) and not row[c0].strip()):
                row[c0] = top
                filled[offset] = row
    return filled if filled is not None else rows


def year_views(table: Table, rows: list[list]):
    """(year, table, rows) for each year of a table with one column per year: the table as if each
    year-columned field had only that year's column, and its rows, where a row that fills other years but
    not this one is left blank (it has nothing for this year: no record, no rejection)."""
    from dataclasses import replace

    groups = list(table.by_year.values())
    years = sorted(y[0] for _, _, y in groups[0].columns)
    for year in years:
        columns, header_text, units = dict(table.columns), dict(table.header_text), dict(table.units)
        this, others = [], []
        for group in groups:
            for col, header, (y,) in group.columns:
                if y == year:
                    this.append(col)
                    columns[group.field] = col
                    header_text[group.field] = f"{' '.join(group.group.split())} — {header}"
                    unit = header_key(group.group)[1]
                    if unit:
                        units[group.field] = unit
                else:
                    others.append(col)

        def filled(row: list, cols: list[int]) -> bool:
            return any(
                c < len(row) and row[c] not in (None, "") and not (isinstance(row[c], str) and not row[c].strip())
                for c in cols
            )

        view_rows = [[] if not filled(row, this) and filled(row, others) else row for row in rows]
        yield year, replace(table, columns=columns, header_text=header_text, units=units), view_rows


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
        key = names.get(col, _column_letter(col))
        if key in out:
            key = f"{key} [{_column_letter(col)}]"
        if col in personal or (col not in mapped and _id_shaped_number(value)):
            out[key] = MASK  # a phone typed as a number loses its 0: 987666777 in "Di động"
        else:
            out[key] = value.isoformat() if hasattr(value, "isoformat") else mask_text(value)
    return out


class RegisterParser:
    """Base of the dataset parsers; subclasses implement `record`."""

    #: what a sheet without a usable header is called in the file's rejection reason
    table_name = "table"
    dataset: str  # folder under the raw root, and the raw.<dataset> table
    columns: dict[str, str]  # record field → DuckDB type of raw.<dataset> (lineage columns are added)

    def __init__(self, config: DatasetConfig, provinces: ProvinceResolver):
        self.config = config
        self.provinces = provinces
        subtotal = "|".join(re.escape(h) for h in config.subtotal_heads)
        self._subtotal = re.compile(rf"^({subtotal}){_SUBTOTAL_TAIL}") if subtotal else None
        # "starts with one of the signature heads", as one pattern (tried on every row's label)
        heads = "|".join(re.escape(h) for h in config.signature_heads)
        self._signature = re.compile(rf"^(?:{heads})") if heads else None

    # --- the dataset's part ------------------------------------------------------------------
    def record(self, cells: dict, ctx: RowContext) -> tuple[dict, list[str]]:
        raise NotImplementedError

    #: True when the parser implements `record_columns` (a large dataset read column by column)
    columnar = False

    def record_columns(self, rows: list[tuple[int, list]], ctx: RowContext) -> list[dict | None]:
        """The records of a batch of rows read column by column: for each row its record, or None where the
        row broke a rule or raised a warning (it is then read by `record`, which says why). A record given
        here must equal what `record` gives for the row."""
        raise NotImplementedError

    def layout_problem(self, table: Table) -> str | None:
        """Why a table found in a sheet cannot be read as this dataset (it is then refused), or None: a
        field named by two columns, or one column per year, would each make the reader choose."""
        for name, headers in table.twice.items():
            return (
                f"two columns are both read as {name}: '{table.header_text[name]}' and '{headers[0]}'; "
                "keep one, or rename the other"
            )
        if table.by_year:
            return self.year_columns_problem(table)
        return None

    #: True when a field given one column per year is read as one record per year column (plans)
    reads_year_columns = False

    def year_columns_problem(self, table: Table) -> str | None:
        """Why one column per year cannot be read (each column one year, the same years in every group,
        no 'Năm' column, every other value column per year too), or None."""
        groups = list(table.by_year.values())
        first = groups[0]
        listed = f"under '{first.group}' ({', '.join(h for _, h, _ in first.columns)})"
        if not self.reads_year_columns:
            return (
                f"one column per year {listed}: the warehouse reads one year per row; send one row per year "
                "with a 'Năm' column (or one sheet per year)"
            )
        for group in groups:
            for _, header, years in group.columns:
                if len(years) != 1:
                    return (
                        f"the column '{header}' under '{group.group}' names {len(years)} years "
                        f"({', '.join(map(str, years))}): give each column one year"
                    )
            years = [y[0] for _, _, y in group.columns]
            if len(set(years)) != len(years):
                return f"two columns for the same year under '{group.group}' ({', '.join(map(str, years))})"
            if sorted(years) != sorted(y[0] for _, _, y in first.columns):
                return (
                    f"the columns per year under '{group.group}' and '{first.group}' do not cover the same "
                    "years: give both the same years"
                )
        if "year" in table.columns:
            return (
                f"a year column ('{table.header_text['year']}') and one column per year {listed}: "
                "which year a figure counts for would be a guess; keep one of the two"
            )
        pivot_columns = {c for group in groups for c, _, _ in group.columns}
        cfg = self.config
        for name, col in table.columns.items():
            if name in table.by_year:
                continue
            if col in pivot_columns:
                return f"the column '{table.header_text[name]}' is read both as {name} and as a year {listed}"
            if name in cfg.money_fields + cfg.count_fields + cfg.quantity_fields and "year" not in name:
                return (
                    f"'{table.header_text[name]}' has one column for all the years {listed}: which year it "
                    "counts for would be a guess; give it one column per year too, or send one row per year"
                )
        return None

    # --- file level ---------------------------------------------------------------------------
    def parse(self, sheets: list[Sheet], relative_path: str) -> ParsedFile:
        result = ParsedFile()
        for sheet in sheets:
            if not sheet.visible:
                result.sheets.append(SheetResult(sheet.name, None, "hidden sheet, not read"))
                continue
            table = find_table(sheet, self.config.header)
            if table is None:
                empty = not any(any(v is not None for v in r) for r in sheet.rows)
                result.sheets.append(
                    SheetResult(
                        sheet.name,
                        None,
                        "empty sheet"
                        if empty
                        else f"no {self.table_name} found (no header row with the expected columns)",
                    )
                )
                continue
            problem = self.layout_problem(table)
            if problem:  # a layout only half understood is refused, never guessed
                result.sheets.append(SheetResult(sheet.name, None, problem))
                continue
            result.sheets.append(SheetResult(sheet.name, table))
            self._parse_table(table, relative_path, result)
        return result

    # --- sheet level --------------------------------------------------------------------------
    def _parse_table(self, table: Table, relative_path: str, result: ParsedFile) -> None:
        rows = _fill_vertical_merges(table)
        if not table.by_year:
            self._walk(table, rows, relative_path, result)
            return
        # one column per year (accepted by `layout_problem`): the table is read once per year, each time
        # as if it had only that year's columns, so that each row gives one record per year it fills
        for year, view, view_rows in year_views(table, rows):
            self._walk(view, view_rows, relative_path, result, column_year=year)

    def _walk(
        self, table: Table, rows: list[list], relative_path: str, result: ParsedFile, column_year: int | None = None
    ) -> None:
        cfg = self.config
        sheet = table.sheet
        cols = table.columns
        numeric = [f for f in cfg.money_fields + cfg.count_fields + cfg.quantity_fields if f in cols]
        styles = {f: decide_style(r[cols[f]] for r in rows if cols[f] < len(r)) for f in numeric}
        sheet_style = decide_style(r[cols[f]] for f in numeric for r in rows if cols[f] < len(r))
        sheet_years = years_in(sheet.name)
        file_year = sheet_years[0] if sheet_years else title_year(table.title_lines)
        if file_year is None:
            path_years = years_in(relative_path)
            file_year = path_years[-1] if path_years else None
        ctx = RowContext(
            table, relative_path, " ".join(table.title_lines), file_year, styles, sheet_style, column_year=column_year
        )
        totals = TotalsCheck(
            sheet.name,
            [f for f in cfg.money_fields + cfg.count_fields if f in cols and "year" not in f and f != "state_support"],
            set(cfg.money_fields),
        )

        # Rows that will be records are gathered and read together (`_read_records`) until something that
        # changes the context comes: a section, a subtotal, a hidden row, the signature block. Reading them
        # then, in row order, gives what reading each at once would.
        pending: list[tuple[int, list]] = []

        def flush() -> None:
            if pending:
                self._read_records(pending, table, ctx, totals, result)
                pending.clear()

        # rows that are plainly records, found column by column, skip the walker's questions (a columnar parser)
        plain = record_rows(self, table, rows, numeric) if self.columnar else [False] * len(rows)
        for offset, row in enumerate(rows):
            if plain[offset]:
                result.rows_read += 1
                pending.append((offset, row))
                continue
            row_number = table.data_start + offset + 1
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            label = self._label(row, cols)
            kind = self.label_kind(fold(label))
            if kind == "signature":
                break  # the signature block: "Người lập biểu", "GIÁM ĐỐC", "…, ngày 15 tháng 01 năm 2024"
            if could_be_column_numbers(row) and header_tail_kind(row) == "numbers":
                continue  # column numbers repeated on a later page
            cells = {f: (row[c] if c < len(row) else None) for f, c in cols.items()}
            if kind == "subtotal":
                # "Cộng I", "Tổng cộng", "Cộng huyện Mỹ Xuyên": never a record, but the province's own
                # arithmetic, checked against the rows read once the table is walked
                flush()
                totals.stated(row_number, label, self._stated_values(cells, ctx, totals.fields))
                continue
            has_values = any(cells.get(f) not in (None, "") for f in numeric)
            if not has_values and self._is_section(label, cells):
                flush()
                self._enter_section(label, ctx)
                totals.new_section()
                continue
            result.rows_read += 1
            if table.data_start + offset in sheet.hidden_rows:
                # a hidden row is usually a withdrawn entry; counting it silently, or dropping it, would both
                # be guesses: it is recorded so that the province can unhide or delete it
                flush()
                result.rejected.append(
                    RejectedRow(
                        sheet.name,
                        row_number,
                        "hidden row: not read (unhide it if it should count, or delete it)",
                        raw_cells(row, table, cfg.personal_fields, table.data_start + offset, cfg.money_fields),
                    )
                )
                continue
            pending.append((offset, row))
        flush()
        result.totals.extend(totals.checks())

    def _read_records(
        self, rows: list[tuple[int, list]], table: Table, ctx: RowContext, totals: TotalsCheck, result: ParsedFile
    ) -> None:
        """Read rows that are records, in one context (no section, subtotal or hidden row among them):
        each becomes a record or a rejected row, in row order. A columnar parser reads the whole batch
        at once and hands back the rows it cannot vouch for, which are then read one by one."""
        cfg, sheet, cols = self.config, table.sheet, table.columns
        columnar = self.record_columns(rows, ctx) if self.columnar else None
        for i, (offset, row) in enumerate(rows):
            row_number = table.data_start + offset + 1
            if columnar is not None and columnar[i] is not None:
                record = columnar[i]
                record.update(source_sheet=sheet.name, source_row=row_number)
                result.records.append(record)
                totals.add(record)
                continue
            cells = {f: (row[c] if c < len(row) else None) for f, c in cols.items()}
            ctx.warnings = []
            record, reasons = self.record(cells, ctx)
            if reasons:
                # a reason may quote a cell: phone- or ID-shaped digits in it are masked like the cells
                result.rejected.append(
                    RejectedRow(
                        sheet.name,
                        row_number,
                        mask_text("; ".join(reasons)),
                        raw_cells(row, table, cfg.personal_fields, table.data_start + offset, cfg.money_fields),
                        record.get("year"),
                    )
                )
                continue
            record.update(source_sheet=sheet.name, source_row=row_number)
            result.records.append(record)
            totals.add(record)
            for rule, message in ctx.warnings:
                result.warnings.append(
                    RowWarning(
                        sheet.name,
                        row_number,
                        rule,
                        mask_text(message),
                        record.get("year"),
                        record.get("province_code"),
                        record.get("province_code_2025"),
                    )
                )

    def _stated_values(self, cells: dict, ctx: RowContext, fields: list[str]) -> dict:
        """The numbers a subtotal row states, read like a record's (units, style); unreadable ones left out."""
        stated = {}
        for f in fields:
            ignored: list[str] = []
            if f in self.config.money_fields:
                unit = ctx.table.units.get(f) or ctx.table.sheet_unit
                value = self._number(lambda v, style, unit=unit: to_vnd(v, unit, style), f, cells, ctx, ignored)
            else:
                value = self._number(to_count, f, cells, ctx, ignored)
            if value is not None and not ignored:
                stated[f] = value
        return stated

    def label_kind(self, folded_label: str) -> str | None:
        """'signature' for the start of the signature block, 'subtotal' for a subtotal or total row, from
        the row's folded label; else None."""
        if not folded_label:
            return None
        if (self._signature and self._signature.match(folded_label)) or _SIGNING_DATE.search(folded_label):
            return "signature"
        if (self._subtotal and self._subtotal.match(folded_label)) or _PLACE_SUBTOTAL.match(folded_label):
            return "subtotal"
        return None

    def _label(self, row: list, cols: dict[str, int]) -> str | None:
        """The row's first text that is not a row number or a bare numeral ("1", "I", "A.")."""
        for value in row[: max(cols.values()) + 1] if cols else row:
            if not isinstance(value, str) or not clean(value):
                continue
            if re.fullmatch(r"\s*(\d+|[IVXivx]+|[A-Ha-h])\s*[\.\)]?\s*", value):
                continue
            return clean(value)
        return None

    def _is_section(self, label: str | None, cells: dict) -> bool:
        if not label:
            return False
        if any(cells.get(f) not in (None, "") for f in self.config.row_identity_fields):
            return False
        folded = fold(label)
        first_cell = cells.get("row_number")
        roman_in_stt = isinstance(first_cell, str) and re.fullmatch(r"\s*([IVX]+|[A-H])\s*\.?\s*", first_cell)
        return bool(
            _SECTION_MARK.match(folded + " ")
            or _SECTION_LABEL.match(label)
            or roman_in_stt
            or ("program_level" in self.config.values and self.config.code_for("program_level", label, within=True))
            or re.search(r"\bnam \d{4}$", folded)
            or _DISTRICT_SECTION.match(folded)
        )

    def _enter_section(self, label: str, ctx: RowContext) -> None:
        if "program_level" in self.config.values:
            level = self.config.code_for("program_level", label, within=True)
            if level:
                ctx.section["program_level"] = level
        years = years_in(label)
        if years:
            ctx.section["year"] = years[0]
        text = re.sub(r"^\s*([IVXivx]+|[A-Za-z]|\d{1,2})\s*[\.\)/:-]\s*", "", label)
        if _DISTRICT_SECTION.match(fold(text)):
            ctx.section["district"] = text

    # --- helpers for `record` -----------------------------------------------------------------
    @staticmethod
    def _number(convert, name: str, cells: dict, ctx: RowContext, reasons: list[str]):
        """convert(cell, style) for a mapped column; a bad cell adds its reason and gives None."""
        if name not in ctx.table.columns:
            return None
        try:
            return convert(cells.get(name), ctx.style(name))
        except (NotANumber, NumberStyleUnknown) as exc:
            reasons.append(f"{ctx.table.header_text[name]}: {exc}")
            return None

    def money(self, name: str, cells: dict, ctx: RowContext, reasons: list[str]) -> int | None:
        """A money cell in whole đồng, using the unit of its header, unit row or ĐVT line; never negative."""
        unit = ctx.table.units.get(name) or ctx.table.sheet_unit
        value = self._number(lambda v, style: to_vnd(v, unit, style), name, cells, ctx, reasons)
        return self._within(value, MAX_VND, "an amount", name, cells, ctx, reasons)

    def count(self, name: str, cells: dict, ctx: RowContext, reasons: list[str]) -> int | None:
        """A count of people or projects: a whole number, never negative, at most MAX_COUNT."""
        value = self._number(to_count, name, cells, ctx, reasons)
        return self._within(value, MAX_COUNT, "a count", name, cells, ctx, reasons)

    @staticmethod
    def _within(value, bound: int, what: str, name: str, cells: dict, ctx: RowContext, reasons: list[str]):
        if value is None:
            return None
        header, cell = ctx.table.header_text[name], cells.get(name)
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)  # as the sheet shows it (and as the masking recognises a phone typed as a number)
        if value < 0:
            reasons.append(f"{header}: '{cell}' is negative: {what} cannot be below zero")
            return None
        if value > bound:
            reasons.append(
                f"{header}: '{cell}' is too large to be {what} (more than {bound:,}): check the number and its unit"
            )
            return None
        return value

    def free_text(self, name: str, cells: dict, ctx: RowContext) -> str | None:
        """A free-text cell (a name, a place) as it will be published: phone- or ID-shaped digits in it are
        masked, and the row is loaded with a warning instead of failing every province's publication at
        the warehouse's personal-data check."""
        text = clean(cells.get(name))
        masked = mask_text(text)
        if masked != text:
            header = ctx.table.header_text.get(name, name)
            self.warn(ctx, "personal_data_masked", f"{header}: a phone or ID number in the text was masked (***)")
        return masked

    def warn(self, ctx: RowContext, rule: str, message: str) -> None:
        """Record that the current row broke `rule` but is loaded (its value is still usable)."""
        ctx.warnings.append((rule, message))

    def quantity(self, name: str, cells: dict, ctx: RowContext, reasons: list[str]) -> float | None:
        """A physical quantity (tonnes, products): exact text → float, never negative."""
        value = self._number(to_decimal, name, cells, ctx, reasons)
        if value is not None and value < 0:
            reasons.append(f"{ctx.table.header_text[name]}: '{cells.get(name)}' is negative")
            return None
        return float(value) if value is not None else None

    def program_level(self, cells: dict, ctx: RowContext, reasons: list[str]) -> tuple[str | None, str | None]:
        """(national|local, text as written): the row's own column, else the section row above."""
        raw = clean(cells.get("program_level"))
        level = self.config.code_for("program_level", raw, within=True) if raw else None
        if raw and not level:
            reasons.append(f"programme level '{raw}' is neither national (KCQG) nor local (KCĐP)")
            return None, raw
        level = level or ctx.section.get("program_level")
        if level is None:
            reasons.append("programme level unknown: no level column and no section row above")
        return level, raw

    @staticmethod
    def period(name: str, cells: dict, ctx: RowContext, reasons: list[str]) -> Period | None:
        """A date cell (real date, serial number, or text such as "21/5/2012", "Quý II/2024")."""
        if name not in ctx.table.columns:
            return None
        try:
            return to_period(cells.get(name), ctx.table.sheet.date1904)
        except NotADate as exc:
            reasons.append(f"{ctx.table.header_text[name]}: {exc}")
            return None

    def year_cell(self, name: str, cells: dict, ctx: RowContext, reasons: list[str]) -> int | None:
        """The year a date cell names ("2023", "05/2023", a date), or None when blank."""
        found = self.period(name, cells, ctx, reasons)
        return found.year if found else None

    def year(self, name: str, cells: dict, ctx: RowContext, reasons: list[str]) -> int | None:
        """The row's year: its own column, else a section row, the sheet name, the title, the path."""
        year = self.year_cell(name, cells, ctx, reasons)
        year = year or ctx.column_year or ctx.section.get("year") or ctx.file_year
        if year is None and not reasons:
            reasons.append("no year: not in a column, a section row, the sheet name, the title or the path")
        return year

    def province(
        self, cells: dict, ctx: RowContext, year: int | None, reasons: list[str], location: str | None = None
    ) -> tuple[Province | None, str | None]:
        """Province from the row's column, else the title, else the path; placed in an old province."""
        value = clean(cells.get("province"))
        found, source = None, None
        if value:
            found = self.provinces.resolve(value, year, whole=True) or self.provinces.resolve(value, year, whole=False)
            source = "column" if found else None
        else:
            found = self.provinces.resolve(ctx.title_text, year, whole=False)
            source = "title" if found else None
            if found is None:
                found = self.provinces.resolve_path(ctx.relative_path, year)
                source = "path" if found else None
        if found is None:
            where = f"'{value}'" if value else "nothing in the column, title or path"
            reasons.append(f"province not recognised: {where}")
            return None, None
        return self.provinces.place_in_old(found, location), source

    def coded(self, name: str, cells: dict, ctx: RowContext, unknown: str = "other") -> tuple[str | None, str | None]:
        """(code, text as written) for a coded column; unknown text gives `unknown`, with a warning."""
        raw = clean(cells.get(name))
        if not raw:
            return None, None
        code = self.config.code_for(name, raw, within=True)
        if code is None:
            self.warn(
                ctx,
                "unknown_code",
                f"{ctx.table.header_text[name]}: '{raw}' is not a known value: loaded as '{unknown}'",
            )
        return code or unknown, raw

    @staticmethod
    def text_code(value) -> str | None:
        """A code cell as text: 12.0 → '12', keeps leading zeros of text codes."""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return clean(value)
