"""What every dataset's parser shares: walking the rows of a hand-made register.

A register is a table under a title block. Walking it means: section rows ("I. KHUYẾN CÔNG QUỐC
GIA", "A. Năm 2021", "Huyện Mỹ Xuyên") set context for the rows below; subtotal/total rows and
repeated column-number rows are skipped; the signature block ends the table. Every other non-empty
row is handed to the dataset's `record` method, which returns the record or the reasons it cannot
be one. Rejected rows keep their original cells, with personal data masked.
"""

from __future__ import annotations

import re

from .amounts import decide_style, to_count, to_vnd
from .columnar import record_rows
from .config import DatasetConfig
from .fields import FieldReaders
from .privacy import mask_text, raw_cells
from .provinces import ProvinceResolver
from .readers import Sheet
from .results import ParsedFile, RejectedRow, RowWarning, SheetResult, TotalsCheck
from .row_context import RowContext
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


class RegisterParser(FieldReaders):
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

    def record_columns(self, rows: list[tuple[int, list]], ctx: RowContext) -> tuple[dict[str, list], list[bool]]:
        """The records of a batch of rows read column by column: (field → one value per row, and for each
        row whether it is vouched for). A row not vouched for broke a rule or raised a warning: it is read
        by `record`, which says why. A vouched row's values must equal what `record` gives for the row."""
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
        if self.columnar:
            self._read_record_columns(rows, table, ctx, totals, result)
            return
        for offset, row in rows:
            record = self._read_one(offset, row, table, ctx, result)
            if record is not None:
                result.records.append(record)
                totals.add(record)

    def _read_one(self, offset: int, row: list, table: Table, ctx: RowContext, result: ParsedFile) -> dict | None:
        """One row read by `record`: its record (its warnings recorded), or None when it is rejected (the
        rejection recorded with its reasons)."""
        cfg, sheet = self.config, table.sheet
        row_number = table.data_start + offset + 1
        cells = {f: (row[c] if c < len(row) else None) for f, c in table.columns.items()}
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
            return None
        record.update(source_sheet=sheet.name, source_row=row_number)
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
        return record

    def _read_record_columns(
        self, rows: list[tuple[int, list]], table: Table, ctx: RowContext, totals: TotalsCheck, result: ParsedFile
    ) -> None:
        """`_read_records` for a columnar parser: the batch read column by column, and the rows it does not
        vouch for read one by one, their values put in their place (a rejected row's place dropped)."""
        columns, vouched = self.record_columns(rows, ctx)
        n = len(rows)
        columns["source_sheet"] = [table.sheet.name] * n
        columns["source_row"] = [table.data_start + offset + 1 for offset, _ in rows]
        dropped = set()
        for i, good in enumerate(vouched):
            if good:
                continue
            offset, row = rows[i]
            record = self._read_one(offset, row, table, ctx, result)
            if record is None:
                dropped.add(i)
                continue
            if not record.keys() <= columns.keys():  # a field the batch lacks would be lost without a word
                missing = sorted(record.keys() - columns.keys())
                raise RuntimeError(f"{type(self).__name__}.record_columns gives no {missing}")
            for name, values in columns.items():
                values[i] = record.get(name)
        if dropped:
            columns = {name: [v for i, v in enumerate(values) if i not in dropped] for name, values in columns.items()}
            n -= len(dropped)
        result.records.extend_columns(columns, n)
        totals.add_columns(columns, n)

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
