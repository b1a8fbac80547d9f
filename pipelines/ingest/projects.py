"""Project registers (dataset `projects`): one accepted record per extension project.

Walks the rows under the header: section rows ("I. KHUYẾN CÔNG QUỐC GIA", "A. Năm 2021") set the
programme level or year for the rows below; subtotal/total rows and numbering rows are skipped;
the signature block ends the table. Every other non-empty row is a project, accepted whole or
rejected with the reasons that stop it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .config import DatasetConfig
from .numbers import NotANumber, NumberStyleUnknown, decide_style, to_count, to_vnd
from .provinces import ProvinceResolver
from .readers import Sheet
from .table import Table, find_table, header_tail_kind, title_year, years_in
from .text import clean, fold

_SECTION_MARK = re.compile(r"^([ivx]+|[a-h]|\d{1,2})\s*[\.\)/:-]\s*\S|^(phan|muc|phu luc)\s")
_SECTION_LABEL = re.compile(r"^\s*([IVXivx]+|[A-Za-z])\s*[\.\)/:-]\s*\S")
_SUBTOTAL_TAIL = r"(\s+(cong|[ivx]+|[a-h]|\d+|kcqg|kcdp|quoc gia|dia phuong|khuyen cong|nam|muc|phan|de an|[0-9]{4}))*$"
_MULTI_NAME = re.compile(r"\s*(?:;|\n|\r)\s*")
_SIGNING_DATE = re.compile(r"\bngay \d{1,2} thang \d{1,2} nam \d{4}\b")


@dataclass
class RejectedRow:
    sheet: str
    row_number: int  # 1-based, as the sheet shows it
    reason: str
    raw: dict


@dataclass
class SheetResult:
    name: str
    table: Table | None
    note: str | None = None


@dataclass
class ParsedFile:
    records: list[dict] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    sheets: list[SheetResult] = field(default_factory=list)
    rows_read: int = 0

    @property
    def tables(self) -> list[Table]:
        return [s.table for s in self.sheets if s.table is not None]


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def raw_cells(row: list, table: Table | None) -> dict:
    """The original cells of a row as a JSON-able dict keyed by header (or column letter)."""
    names = {}
    if table is not None:
        names = {col: table.header_text[f] for f, col in table.columns.items()}
    out = {}
    for col, value in enumerate(row):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        key = names.get(col, _column_letter(col))
        if key in out:
            key = f"{key} [{_column_letter(col)}]"
        out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


class ProjectsParser:
    def __init__(self, config: DatasetConfig, provinces: ProvinceResolver):
        self.config = config
        self.provinces = provinces
        subtotal = "|".join(re.escape(h) for h in config.subtotal_heads)
        self._subtotal = re.compile(rf"^({subtotal}){_SUBTOTAL_TAIL}")

    # --- file level -------------------------------------------------------------------------
    def parse(self, sheets: list[Sheet], relative_path: str) -> ParsedFile:
        result = ParsedFile()
        for sheet in sheets:
            if not sheet.visible:
                result.sheets.append(SheetResult(sheet.name, None, "hidden sheet, not read"))
                continue
            table = find_table(sheet, self.config.header)
            if table is None:
                note = "empty sheet" if not any(any(v is not None for v in r) for r in sheet.rows) else \
                    "no project table found (no header row naming the project and its amounts)"
                result.sheets.append(SheetResult(sheet.name, None, note))
                continue
            result.sheets.append(SheetResult(sheet.name, table))
            self._parse_table(table, relative_path, result)
        return result

    # --- sheet level ------------------------------------------------------------------------
    def _parse_table(self, table: Table, relative_path: str, result: ParsedFile) -> None:
        cfg = self.config
        sheet = table.sheet
        rows = sheet.rows[table.data_start:]
        cols = table.columns
        numeric_fields = [f for f in cfg.money_fields + cfg.count_fields if f in cols]
        styles = {f: decide_style(r[cols[f]] for r in rows if cols[f] < len(r)) for f in numeric_fields}
        sheet_style = decide_style(
            r[cols[f]] for f in numeric_fields for r in rows if cols[f] < len(r)
        )
        file_year = years_in(sheet.name)[0] if years_in(sheet.name) else title_year(table.title_lines)
        if file_year is None:
            path_years = years_in(relative_path)
            file_year = path_years[-1] if path_years else None
        title_text = " ".join(table.title_lines)
        context = {"program_level": None, "year": None}

        for offset, row in enumerate(rows):
            row_number = table.data_start + offset + 1
            cells = {f: (row[c] if c < len(row) else None) for f, c in cols.items()}
            texts = [clean(v) for v in row if isinstance(v, str) and clean(v)]
            if not texts and all(v is None or v == "" for v in row):
                continue
            label = self._label(row, cols)
            folded_label = fold(label)
            if folded_label and (any(folded_label.startswith(h) for h in cfg.signature_heads)
                                 or _SIGNING_DATE.search(folded_label)):
                break  # the signature block: "Người lập biểu", "GIÁM ĐỐC", "…, ngày 15 tháng 01 năm 2024"
            if header_tail_kind(row) == "numbers":  # column numbers repeated on a later page
                continue
            has_money = any(cells.get(f) not in (None, "") for f in cfg.money_fields if f in cols)
            if folded_label and self._subtotal.match(folded_label):
                continue
            if not has_money and self._is_section(label, cells):
                level = cfg.code_for("program_level", label, within=True)
                if level:
                    context["program_level"] = level
                section_years = years_in(label)
                if section_years:
                    context["year"] = section_years[0]
                continue
            result.rows_read += 1
            record, reasons = self._project(cells, styles, sheet_style, table, context, file_year,
                                            title_text, relative_path)
            if reasons:
                result.rejected.append(RejectedRow(sheet.name, row_number, "; ".join(reasons), raw_cells(row, table)))
                continue
            record.update(source_sheet=sheet.name, source_row=row_number)
            result.records.append(record)

    def _label(self, row: list, cols: dict[str, int]) -> str | None:
        """The row's first text that is not a row number or a bare numeral ("1", "I", "A.")."""
        for value in row[:max(cols.values()) + 1] if cols else row:
            if not isinstance(value, str) or not clean(value):
                continue
            if re.fullmatch(r"\s*(\d+|[IVXivx]+|[A-Ha-h])\s*[\.\)]?\s*", value):
                continue
            return clean(value)
        return None

    def _is_section(self, label: str | None, cells: dict) -> bool:
        if not label:
            return False
        if any(cells.get(f) not in (None, "") for f in ("beneficiary_name", "project_code")):
            return False
        folded = fold(label)
        first_cell = cells.get("row_number")
        roman_in_stt = isinstance(first_cell, str) and re.fullmatch(r"\s*([IVX]+|[A-H])\s*\.?\s*", first_cell)
        return bool(
            _SECTION_MARK.match(folded + " ")
            or _SECTION_LABEL.match(label)
            or roman_in_stt
            or self.config.code_for("program_level", label, within=True)
            or re.search(r"\bnam \d{4}$", folded)
        )

    # --- row level --------------------------------------------------------------------------
    def _project(self, cells, styles, sheet_style, table: Table, context, file_year, title_text,
                 relative_path) -> tuple[dict, list[str]]:
        cfg = self.config
        reasons: list[str] = []
        rec: dict = {}
        name = clean(cells.get("project_name"))
        code = clean(cells.get("project_code"))
        if isinstance(cells.get("project_code"), float) and cells["project_code"].is_integer():
            code = str(int(cells["project_code"]))
        if not name and not code:
            reasons.append("no project name or code")
        rec["project_code"] = code
        rec["project_name"] = name

        for f in cfg.money_fields:
            if f not in table.columns:
                rec[f"{f}_vnd"] = None
                continue
            unit = table.units.get(f) or table.sheet_unit
            try:
                rec[f"{f}_vnd"] = to_vnd(cells.get(f), unit, styles.get(f) or sheet_style)
            except (NotANumber, NumberStyleUnknown) as exc:
                reasons.append(f"{table.header_text[f]}: {exc}")
        if not reasons and all(rec[f"{f}_vnd"] is None for f in cfg.money_fields):
            reasons.append("no amount in any money column")
        for f in ("jobs_created", "trainees"):
            try:
                rec[f] = to_count(cells.get(f), styles.get(f) or sheet_style) if f in table.columns else None
            except (NotANumber, NumberStyleUnknown) as exc:
                reasons.append(f"{table.header_text[f]}: {exc}")

        year = None
        if "year" in table.columns and cells.get("year") not in (None, ""):
            found = years_in(str(int(cells["year"]) if isinstance(cells["year"], float) else cells["year"]))
            if found:
                year = found[0]
            else:
                reasons.append(f"year '{cells['year']}' is not a year")
        year = year or context["year"] or file_year
        if year is None and not reasons:
            reasons.append("no year: not in a column, a section row, the sheet name, the title or the path")
        rec["year"] = year

        level_raw = clean(cells.get("program_level"))
        level = cfg.code_for("program_level", level_raw, within=True) if level_raw else None
        if level_raw and not level:
            reasons.append(f"programme level '{level_raw}' is neither national (KCQG) nor local (KCĐP)")
        level = level or context["program_level"]
        if level is None and not level_raw:
            reasons.append("programme level unknown: no level column and no section row above")
        rec["program_level"] = level
        rec["program_level_raw"] = level_raw

        province, source = self._province(cells, table, title_text, relative_path, year)
        if province is None:
            where = f"'{clean(cells.get('province'))}'" if clean(cells.get("province")) else "nothing in the column, title or path"
            reasons.append(f"province not recognised: {where}")
        else:
            location = clean(cells.get("location"))
            province = self.provinces.place_in_old(province, location)
            rec["province_code"] = province.code
            rec["province_code_2025"] = province.code_2025
        rec["province_source"] = source

        beneficiary = cells.get("beneficiary_name")
        names = [n for n in (clean(x) for x in _MULTI_NAME.split(str(beneficiary))) if n] if beneficiary else []
        rec["beneficiary_name"] = "; ".join(names) or None
        type_raw = clean(cells.get("beneficiary_type"))
        rec["beneficiary_type_raw"] = type_raw
        column_type = self.config.code_for("beneficiary_type", type_raw, within=True) or "other" if type_raw else None
        if len(names) > 1:
            # One "Loại hình" cell cannot describe several facilities: each name's legal form decides.
            types = [self._type_from_name(n) or column_type or "other" for n in names]
        else:
            types = [column_type or self._type_from_name(n) for n in names]
        rec["beneficiary_type"] = types[0] if types else None
        rec["beneficiary_types"] = "; ".join(t or "other" for t in types) or None
        status_raw = clean(cells.get("status"))
        rec["status_raw"] = status_raw
        rec["status"] = (cfg.code_for("status", status_raw, within=True) or "unknown") if status_raw else "unknown"
        rec["support_content_raw"] = clean(cells.get("support_content"))
        rec["location"] = clean(cells.get("location"))
        return rec, reasons

    def _type_from_name(self, name: str) -> str | None:
        """The legal form that opens a name ("Công ty TNHH…", "HTX…", "Hộ kinh doanh…")."""
        folded = fold(name)
        for phrase, code in self.config.values["beneficiary_type"]:
            if folded == phrase or folded.startswith(phrase + " "):
                return code
        return None

    def _province(self, cells, table: Table, title_text: str, relative_path: str, year):
        value = clean(cells.get("province"))
        if value:
            found = self.provinces.resolve(value, year, whole=True) or self.provinces.resolve(value, year, whole=False)
            return found, "column" if found else None
        found = self.provinces.resolve(title_text, year, whole=False)
        if found:
            return found, "title"
        found = self.provinces.resolve_path(relative_path, year)
        return (found, "path") if found else (None, None)


