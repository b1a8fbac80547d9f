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

    def cells(self, field: str) -> list:
        col = self.columns.get(field)
        if col is None:
            return [None] * len(self.rows)
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
    """[read(v) for v in values], each distinct value (by type and value) read once."""
    memo: dict = {}
    out = []
    for value in values:
        key = (value.__class__, value)
        try:
            out.append(memo[key])
        except KeyError:
            memo[key] = result = read(value)
            out.append(result)
    return out


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
        texts = memo_map(_label_text, [column[i] for i in unresolved])
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
    hidden = table.sheet.hidden_rows
    return [plain_label[i] and filled[i] and table.data_start + i not in hidden for i in range(n)]


def _any_filled(grid: list[tuple], columns: list[int]) -> list[bool]:
    """For each row: some cell of `columns` holds a value that is not blank."""
    n = len(grid[0]) if grid else 0
    filled = [False] * n
    for c in columns:
        if c < len(grid):
            for i, value in enumerate(grid[c]):
                if value is not None and (not isinstance(value, str) or value.strip()):
                    filled[i] = True
    return filled


def sound(*columns: list) -> list[bool]:
    """For each row: no column holds BROKEN."""
    return [all(value is not BROKEN for value in values) for values in zip(*columns)]
