"""Reading one field of a row: money and counts (units, number styles, plausibility), quantities,
years and periods, the programme level, the province, coded values and free text. Each gives the
value, or None with the reason added; the row walker (walker.py) and the dataset parsers use them."""

from __future__ import annotations

from .amounts import NotANumber, NumberStyleUnknown, to_count, to_decimal, to_vnd
from .dates import NotADate, Period, to_period
from .privacy import mask_text
from .provinces import Province
from .row_context import RowContext
from .text import clean

# Plausibility bounds of typed columns: beyond them a value is a typing slip (a phone number in the
# employees column, an amount typed in đồng under a "triệu đồng" header), not data. The warehouse's
# counts are INTEGER and money BIGINT; these bounds sit far inside both.
MAX_COUNT = 1_000_000  # people, projects, facilities
MAX_VND = 10**15  # one million tỷ đồng, far beyond the whole programme's budget


class FieldReaders:
    """The field readers of a dataset parser (a mixin of RegisterParser: it uses `config` and `provinces`)."""

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
