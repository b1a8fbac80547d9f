"""Reading a batch of register rows column by column, each distinct cell once.

A census sheet holds tens of thousands of facilities whose communes, types, products, years and even
amounts repeat: reading a column means working out each distinct value once (with the very helpers the
row-by-row reader uses) and looking the rest up. A value whose reading gives a reason or a warning marks
its rows as not vouched for: those rows are read again one by one, so that what they are told is exactly
what the row reader says.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import zip_longest
from operator import itemgetter
from typing import TYPE_CHECKING

from .table import COLUMN_NUMBER, column_number_text
from .text import clean, fold

if TYPE_CHECKING:
    from .row_context import RowContext
    from .table import Table
    from .walker import RegisterParser

#: what a column holds for a row whose cell broke a rule (the row is then read one by one)
BROKEN = object()
_NUMERAL = re.compile(r"\s*(\d+|[IVXivx]+|[A-Ha-h])\s*[\.\)]?\s*")  # as RegisterParser._label skips


class ColumnBatch:
    """The mapped cells of a batch of rows, read one field at a time."""

    def __init__(self, rows: list[tuple[int, list]], ctx: RowContext):
        self.rows = [row for _, row in rows]
        self.ctx = ctx
        self.columns = ctx.table.columns
        self.shortest = min(map(len, self.rows), default=0)

    def cells(self, field: str) -> list:
        col = self.columns.get(field)
        if col is None:
            return [None] * len(self.rows)
        if col < self.shortest:
            return list(map(itemgetter(col), self.rows))
        return [row[col] if col < len(row) else None for row in self.rows]

    def read(self, field: str, read: Callable[[dict, list[str]], object]) -> list:
        """read({field: cell}, reasons) for each row's cell, once per distinct cell; BROKEN where it gave
        reasons or warnings. `read` must depend on nothing but the cell and the batch's context."""
        return self.read_values(self.cells(field), lambda value, reasons: read({field: value}, reasons))

    def read_values(self, values: list, read: Callable[[object, list[str]], object]) -> list:
        return memo_map(lambda value: self._once(read, value), values)

    def _once(self, read, value):
        reasons: list[str] = []
        outer, self.ctx.warnings = self.ctx.warnings, []
        try:
            result = read(value, reasons)
            return BROKEN if reasons or self.ctx.warnings else result
        finally:
            self.ctx.warnings = outer


def memo_map(read: Callable[[object], object], values) -> list:
    """[read(v) for v in values], each distinct value (by type and value) read once, in the order they
    first appear. The loops are the interpreter's own (map, zip, dict.fromkeys): a column of 20,000
    cells costs a few milliseconds beside the reading of its distinct values."""
    others = set(map(type, values)) - _NEVER_EQUAL
    if len(others) <= 1 and not any(issubclass(t, str) for t in others):  # no two types with equal values
        memo = {value: read(value) for value in dict.fromkeys(values)}
        return list(map(memo.__getitem__, values))
    keys = list(zip(map(type, values), values))  # 1, 1.0 and True are equal keys but not equal cells
    memo = {key: read(key[1]) for key in dict.fromkeys(keys)}
    return list(map(memo.__getitem__, keys))


# types whose values equal no value of another type a cell can hold (unlike int, float and bool)
_NEVER_EQUAL = {str, type(None)}


def _label_text(value) -> str | None:
    """The cell as a row label (`RegisterParser._label`): text that is not a row number or a bare numeral."""
    text = clean(value) if isinstance(value, str) else None
    if not text or _NUMERAL.fullmatch(value):
        return None
    return text


def record_rows(parser: RegisterParser, table: Table, rows: list[list], numeric: list[str]) -> list[bool]:
    """For each data row: True when the row walker would certainly read it as a record; False leaves the
    row to the walker, which decides. Certainly a record: a value (not blank) in a number or identity
    column (so neither blank nor a section), a label that is no subtotal, signature or signing date and
    cannot be a column number (so the row is not one of column numbers), and not hidden. Worked out
    column by column, each distinct cell once, looking only at the cells that decide."""
    n = len(rows)
    if n == 0:
        return []
    cols = table.columns
    width = max(cols.values()) + 1 if cols else 0
    grid = list(zip_longest(*rows))  # column by column, short rows padded with None
    # the label: the first label cell of the row within the mapped columns (the walker's `_label`)
    labels: list[str | None] = [None] * n
    unresolved = range(n)
    for column in grid[:width] if cols else grid:
        values = column if len(unresolved) == n else [column[i] for i in unresolved]
        if not _holds_text(values):
            continue  # no text in this column (row numbers, amounts): no label here
        texts = memo_map(_label_text, values)
        still = []
        for i, text in zip(unresolved, texts):
            if text is None:
                still.append(i)
            else:
                labels[i] = text
        unresolved = still
        if not unresolved:
            break
    # None, a subtotal/signature, or a label that could be a column number: the walker decides
    plain_label = memo_map(
        lambda label: (
            label is not None
            and parser.label_kind(fold(label)) is None
            and (COLUMN_NUMBER.match(column_number_text(label) or "") is None)
        ),
        labels,
    )
    filled = _any_filled(
        grid, [cols[f] for f in numeric] + [cols[f] for f in parser.config.row_identity_fields if f in cols]
    )
    plain = list(map(all, zip(plain_label, filled)))
    for row in table.sheet.hidden_rows:
        if 0 <= row - table.data_start < n:
            plain[row - table.data_start] = False
    return plain


def _holds_text(values: list) -> bool:
    """Some value is text (a str, or a subclass of it)."""
    return any(issubclass(t, str) for t in set(map(type, values)))


def _any_filled(grid: list[tuple], columns: list[int]) -> list[bool]:
    """For each row: some cell of `columns` holds a value that is not blank."""
    n = len(grid[0]) if grid else 0
    filled = [False] * n
    for c in columns:
        if c >= len(grid):
            continue
        column = grid[c]
        if _holds_text(column):
            this = [value is not None and (not isinstance(value, str) or bool(value.strip())) for value in column]
        else:
            this = [value is not None for value in column]
        filled = list(map(any, zip(filled, this)))
    return filled


def sound(*columns: list) -> list[bool]:
    """For each row: no column holds BROKEN."""
    n = len(columns[0]) if columns else 0
    good = [True] * n
    for column in columns:
        if BROKEN in column:  # rare: most columns of a batch hold no broken cell
            for i, value in enumerate(column):
                if value is BROKEN:
                    good[i] = False
    return good
