"""What the table and the rows above it say about the row being read (section, year, styles, warnings)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .table import Table


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
