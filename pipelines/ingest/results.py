"""What reading a file gives: its records (an Arrow table), the rows rejected and why, the warnings,
the file's own totals checked, and how each sheet was read. Sent from the reader processes, cached
between refreshes (ingest/cache.py) and written by ingestion (ingest/run.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import pyarrow as pa

from .describe import TableReading, describe_table
from .table import Table


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

    def add_columns(self, columns: dict[str, list], rows: int) -> None:
        """`add` for each row of a batch held column by column (all of its rows records)."""
        self.rows += rows
        for f in self.fields:
            values = [v for v in columns.get(self._key(f), ()) if v]
            if not values:
                continue
            if all(v.__class__ is int for v in values):  # whole numbers: a sum is the sum, in any order
                total = sum(values)
                for sums in (self.overall, self.section, self.since):
                    sums[f] += total
            else:  # fractions: added one by one, as `add` does, so that rounding is the same
                for value in values:
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
    info: TableReading | None = None

    @property
    def found(self) -> bool:
        return self.table is not None or self.info is not None


class _ReadAsDicts(Sequence):
    """Records that are dicts only when someone asks for them (tests, validate): `_list` makes them."""

    def _list(self) -> list[dict]:
        raise NotImplementedError

    def __getitem__(self, index):
        return self._list()[index]

    def __iter__(self):
        return iter(self._list())


class RecordList(_ReadAsDicts):
    """A file's records as they are read, in row order: single records (dicts) and batches read column
    by column (field → values), which become one Arrow table (`arrow`) without a dict per row."""

    def __init__(self):
        self._pieces: list[dict | tuple[dict[str, list], int]] = []
        self._rows = 0

    def append(self, record: dict) -> None:
        self._pieces.append(record)
        self._rows += 1

    def extend_columns(self, columns: dict[str, list], rows: int) -> None:
        """A batch of `rows` records, each field's values in row order."""
        if rows:
            self._pieces.append((columns, rows))
            self._rows += rows

    def arrow(self, schema: pa.Schema) -> pa.Table:
        tables, singles = [], []
        for piece in self._pieces:
            if isinstance(piece, dict):
                singles.append(piece)
                continue
            if singles:
                tables.append(pa.Table.from_pylist(singles, schema=schema))
                singles = []
            columns, rows = piece
            tables.append(
                pa.table(
                    [pa.array(columns.get(f.name, [None] * rows), f.type) for f in schema],  # type: ignore[arg-type]
                    schema=schema,
                )
            )
        if singles or not tables:
            tables.append(pa.Table.from_pylist(singles, schema=schema))
        return tables[0] if len(tables) == 1 else pa.concat_tables(tables)

    def _list(self) -> list[dict]:
        out: list[dict] = []
        for piece in self._pieces:
            if isinstance(piece, dict):
                out.append(piece)
            else:
                columns, rows = piece
                names = list(columns)
                out.extend(dict(zip(names, values)) for values in zip(*(columns[n] for n in names)))
        return out

    def __len__(self) -> int:
        return self._rows


@dataclass
class ParsedFile:
    records: RecordList = field(default_factory=RecordList)
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
            self.records = ArrowRecords(self.records.arrow(schema))
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


class RecordKey(NamedTuple):
    """One distinct (old province, 2025 province, year) among a file's records, and how many records
    have it: what supersession and the load signature ask of every file."""

    province_code: str  # "" when the records name no old province
    province_code_2025: str | None
    year: int | None
    rows: int

    @property
    def slot(self) -> tuple[str, str | None, int | None]:
        """The province-year a later file can take over."""
        return (self.province_code, self.province_code_2025, self.year)


class ArrowRecords(_ReadAsDicts):
    """A file's records held as an Arrow table, read as dicts only when someone asks (tests, validate).

    Its row count and its keys (the distinct province, 2025 province and year, with their rows: what
    supersession and the load signature ask of every file) are known without the table, so that the
    parse cache can give them back for every file and load the table itself only for the files whose
    rows are written (`deferred`). `without` drops some keys' rows, also without loading anything."""

    def __init__(
        self, table: pa.Table | None, *, rows: int | None = None, keys: list[RecordKey] | None = None, load=None
    ):
        self._table = table
        self._load = load  # () -> pa.Table, for a deferred table
        self._num_rows = table.num_rows if table is not None else rows
        self._keys = keys
        self._rows: list[dict] | None = None

    @classmethod
    def deferred(cls, rows: int, keys: list[RecordKey], load) -> ArrowRecords:
        return cls(None, rows=rows, keys=keys, load=load)

    @property
    def table(self) -> pa.Table:
        if self._table is None:
            self._table = self._load()
        return self._table

    @property
    def loader(self):
        """What loads the table when it is asked for; None once it is loaded (or given)."""
        return self._load if self._table is None else None

    def load_with(self, load) -> None:
        """The table, not loaded yet, is loaded by `load` (its file moved)."""
        self._load = load

    def keys(self) -> list[RecordKey]:
        """One RecordKey per distinct province-year of the records, in the order the records first show
        them (so a file split evenly between two provinces is said to be of its first rows' province).
        Counted in Python: Arrow's grouping loaded its query engine and took about 0.7 ms a file (a
        tenth of reading an outcome survey), and gave its groups in an order of its own."""
        if self._keys is None:
            table = self.table
            counted = Counter(
                zip(
                    ["" if code is None else code for code in table["province_code"].to_pylist()],
                    table["province_code_2025"].to_pylist(),
                    table["year"].to_pylist(),
                )
            )
            self._keys = [RecordKey(code, code_2025, year, rows) for (code, code_2025, year), rows in counted.items()]
        return self._keys

    def without(self, lost: set[tuple]) -> ArrowRecords:
        """These records but those of the keys (province_code or '', province_code_2025, year) in `lost`."""
        kept = [k for k in self.keys() if k.slot not in lost]

        def load() -> pa.Table:
            table = self.table
            rows = zip(
                table["province_code"].to_pylist(), table["province_code_2025"].to_pylist(), table["year"].to_pylist()
            )
            return table.filter(
                pa.array([(code or "", code_2025, year) not in lost for code, code_2025, year in rows], pa.bool_())
            )

        return ArrowRecords.deferred(sum(k.rows for k in kept), kept, load)

    def _list(self) -> list[dict]:
        if self._rows is None:
            self._rows = self.table.to_pylist()
        return self._rows

    def __len__(self) -> int:
        return self._num_rows

    def __getstate__(self):
        if self._table is None and getattr(self._load, "portable", False):
            # a loader that names a file (a reader's records in the spool): sent as it is, not loaded
            return {"load": self._load, "rows": self._num_rows, "keys": self._keys}
        return {"table": self.table, "keys": self._keys}  # never the dicts

    def __setstate__(self, state):
        self._table, self._keys, self._load, self._rows = state.get("table"), state.get("keys"), state.get("load"), None
        self._num_rows = self._table.num_rows if self._table is not None else state["rows"]
