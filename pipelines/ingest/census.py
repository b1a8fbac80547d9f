"""Facility censuses (dataset `census`): one record per facility per survey wave.

Personal data (owner name, phone, national ID) is recognised by its header so that it can be left
behind: no record carries it, and rejected rows show it masked. Matching facilities across waves
needs only the facility code, or the name and commune, so no keyed hash of personal data is kept.
"""

from __future__ import annotations

from .columnar import BROKEN, ColumnBatch, memo_map, sound
from .privacy import mask_text
from .row_context import RowContext
from .text import clean, name_key, place_key
from .walker import RegisterParser


class CensusParser(RegisterParser):
    table_name = "facility table"
    dataset = "census"
    columns = {
        "facility_code": "VARCHAR",
        "facility_name": "VARCHAR",
        "facility_name_key": "VARCHAR",
        "facility_type": "VARCHAR",
        "facility_type_raw": "VARCHAR",
        "industry": "VARCHAR",
        "commune": "VARCHAR",
        "commune_key": "VARCHAR",
        "district": "VARCHAR",
        "district_key": "VARCHAR",
        "employees": "INTEGER",
        "revenue_vnd": "BIGINT",
        "founded_year": "INTEGER",
        "year": "INTEGER",
        "province_code": "VARCHAR",
        "province_code_2025": "VARCHAR",
        "province_source": "VARCHAR",
    }
    columnar = True  # a national census is 600,000 rows: read column by column (see `record_columns`)

    def record(self, cells: dict, ctx: RowContext) -> tuple[dict, list[str]]:
        reasons: list[str] = []
        rec: dict = {}
        rec["facility_code"] = self.text_code(cells.get("facility_code"))
        rec["facility_name"] = self.free_text("facility_name", cells, ctx)
        if not rec["facility_name"]:
            reasons.append("no facility name" + (f" (code {rec['facility_code']})" if rec["facility_code"] else ""))
        rec["facility_name_key"] = name_key(rec["facility_name"])
        rec["facility_type"], rec["facility_type_raw"] = self.coded("facility_type", cells, ctx)
        rec["industry"] = self.free_text("industry", cells, ctx)
        rec["commune"] = self.free_text("commune", cells, ctx)
        rec["commune_key"] = place_key(rec["commune"])
        rec["district"] = clean(cells.get("district")) or ctx.section.get("district")
        rec["district_key"] = place_key(rec["district"])
        rec["employees"] = self.count("employees", cells, ctx, reasons)
        rec["revenue_vnd"] = self.money("revenue", cells, ctx, reasons)
        rec["founded_year"] = self.year_cell("founded_year", cells, ctx, reasons)
        rec["year"] = year = self.year("survey_year", cells, ctx, reasons)
        location = ", ".join(filter(None, (rec["commune"], rec["district"])))
        province, rec["province_source"] = self.province(cells, ctx, year, reasons, location or None)
        if province is not None:
            rec["province_code"], rec["province_code_2025"] = province.code, province.code_2025
        return rec, reasons

    def record_columns(self, rows: list[tuple[int, list]], ctx: RowContext) -> tuple[dict[str, list], list[bool]]:
        """`record` for a whole batch, field by field: the same helpers, each distinct cell once."""
        batch = ColumnBatch(rows, ctx)

        # codes and names differ from row to row: read with the helpers `free_text` and `record` use, cell
        # by cell (they keep their own memo), without asking each cell for reasons: a code has none, and a
        # name has one only when it is blank or has digits masked (the row is then read by `record`)
        code = list(map(self.text_code, batch.cells("facility_code")))
        cleaned = list(map(clean, batch.cells("facility_name")))
        name = [text if text and masked == text else BROKEN for text, masked in zip(cleaned, map(mask_text, cleaned))]
        kind = batch.read("facility_type", lambda cells, _: self.coded("facility_type", cells, ctx))
        industry = batch.read("industry", lambda cells, _: self.free_text("industry", cells, ctx))
        commune = batch.read("commune", lambda cells, _: self.free_text("commune", cells, ctx))
        district = batch.read("district", lambda cells, _: clean(cells.get("district")) or ctx.section.get("district"))
        employees = batch.read("employees", lambda cells, reasons: self.count("employees", cells, ctx, reasons))
        revenue = batch.read("revenue", lambda cells, reasons: self.money("revenue", cells, ctx, reasons))
        founded = batch.read("founded_year", lambda cells, reasons: self.year_cell("founded_year", cells, ctx, reasons))
        year = batch.read("survey_year", lambda cells, reasons: self.year("survey_year", cells, ctx, reasons))
        vouched = sound(code, name, kind, industry, commune, district, employees, revenue, founded, year)

        def placed(key: tuple, reasons: list[str]):
            value, year_, location = key
            return self.province({"province": value}, ctx, year_, reasons, location or None)

        # the location the province is read from: "commune, district", as `record` puts it
        location = memo_map(
            lambda pair: None if BROKEN in pair else ", ".join(filter(None, pair)), list(zip(commune, district))
        )
        province = batch.read_values(list(zip(batch.cells("province"), year, location)), placed)
        vouched = [good and found is not BROKEN for good, found in zip(vouched, province)]
        # a row not vouched for holds BROKEN somewhere: its values are the row reader's (see `_read_records`)
        place = [found[0] if good else None for found, good in zip(province, vouched)]
        columns = {
            "facility_code": code,
            "facility_name": name,
            "facility_name_key": list(map(name_key, name)),
            "facility_type": [k[0] if k is not BROKEN else None for k in kind],
            "facility_type_raw": [k[1] if k is not BROKEN else None for k in kind],
            "industry": industry,
            "commune": commune,
            "commune_key": memo_map(place_key, commune),
            "district": district,
            "district_key": memo_map(place_key, district),
            "employees": employees,
            "revenue_vnd": revenue,
            "founded_year": founded,
            "year": year,
            "province_source": [found[1] if good else None for found, good in zip(province, vouched)],
            "province_code": [p.code if p is not None else None for p in place],
            "province_code_2025": [p.code_2025 if p is not None else None for p in place],
        }
        return columns, vouched
