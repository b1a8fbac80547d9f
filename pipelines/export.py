"""`kc sql --format csv|xlsx|parquet`: a query's result as a file an analyst opens in Excel or loads
elsewhere. CSV is UTF-8 with a byte-order mark (without it Excel shows Vietnamese as mojibake); money
stays whole đồng; dates stay dates."""

from __future__ import annotations

import csv
import sys
from datetime import date, datetime
from pathlib import Path


def export(relation, fmt: str, output: Path | None) -> int:
    """Write the relation as `fmt` to `output` (CSV: the screen when None); returns the rows written."""
    if fmt == "parquet":
        relation.write_parquet(str(output), compression="zstd")
        return relation.aggregate("count(*)").fetchall()[0][0]
    columns = relation.columns
    rows = relation.fetchall()
    if fmt == "csv":
        if output is None:
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(_plain(row) for row in rows)
        else:
            with output.open("w", encoding="utf-8-sig", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(columns)
                writer.writerows(_plain(row) for row in rows)
        return len(rows)
    import xlsxwriter

    book = xlsxwriter.Workbook(str(output), {"remove_timezone": True})
    sheet = book.add_worksheet("kc sql")
    bold, day = book.add_format({"bold": True}), book.add_format({"num_format": "yyyy-mm-dd"})
    whole = book.add_format({"num_format": "#,##0"})
    sheet.write_row(0, 0, columns, bold)
    sheet.freeze_panes(1, 0)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, (datetime, date)):
                sheet.write_datetime(
                    r, c, value if isinstance(value, datetime) else datetime(value.year, value.month, value.day), day
                )
            elif isinstance(value, bool) or value is None:
                sheet.write(r, c, value)
            elif isinstance(value, int):
                sheet.write_number(r, c, value, whole)
            elif isinstance(value, (list, dict)):
                sheet.write_string(r, c, str(value))
            else:
                sheet.write(r, c, value)
    book.close()
    return len(rows)


def _plain(row: tuple) -> list:
    """Cells as CSV text: lists and JSON as text, dates ISO, the rest as Python writes them."""
    return [v.isoformat() if isinstance(v, (date, datetime)) else v for v in row]
