"""How a table was read, in words a provincial officer can check against the file (`kc validate`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .table import Table


@dataclass
class TableReading:
    """How one table was read, kept after the grid itself is let go (cached, sent between processes)."""

    header_rows: list[int]  # 1-based, as the officer sees them in Excel
    unmapped: list[str]  # header cells no field reads: "G 'Ghi chú'"
    first_data_row: int
    columns: dict[str, str]  # field → "C 'Tên đề án'"
    by_year: dict[str, list[str]] = field(default_factory=dict)  # field → its year columns
    units: dict[str, str] = field(default_factory=dict)  # field → unit from its own header
    sheet_unit: str | None = None  # the unit line (ĐVT) for money columns without their own
    encoding: str | None = None  # of a CSV, or legacy text converted in a workbook
    date1904: bool = False


def describe_table(table: Table) -> TableReading:
    """How a table was read, for `kc validate`: header rows, field → column and header, units, encoding."""
    mapped = set(table.columns.values()) | {c for group in table.by_year.values() for c, _, _ in group.columns}
    unmapped = []
    for r in table.header_rows:
        for c, value in enumerate(table.sheet.rows[r] if r < len(table.sheet.rows) else []):
            if c not in mapped and isinstance(value, str) and value.strip():
                unmapped.append(f"{column_letter(c)} '{' '.join(value.split())}'")
    return TableReading(
        header_rows=[r + 1 for r in table.header_rows],
        unmapped=unmapped,
        first_data_row=table.data_start + 1,
        columns={
            f: f"{column_letter(c)} '{table.header_text[f]}'"
            for f, c in sorted(table.columns.items(), key=lambda kv: kv[1])
        },
        by_year={f: [f"{column_letter(c)} '{h}'" for c, h, _ in group.columns] for f, group in table.by_year.items()},
        units=dict(table.units),
        sheet_unit=table.sheet_unit,
        encoding=table.sheet.encoding,
        date1904=table.sheet.date1904,
    )


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
