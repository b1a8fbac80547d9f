"""Facility censuses (dataset `census`): one record per facility per survey wave.

Personal data (owner name, phone, national ID) is recognised by its header so that it can be left
behind: no record carries it, and rejected rows show it masked. Matching facilities across waves
needs only the facility code, or the name and commune, so no keyed hash of personal data is kept.
"""

from __future__ import annotations

from .columnar import BROKEN, ColumnBatch, sound
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

    def record_columns(self, rows: list[tuple[int, list]], ctx: RowContext) -> list[dict | None]:
        """`record` for a whole batch, field by field: the same helpers, each distinct cell once."""
        batch = ColumnBatch(rows, ctx)

        def named(cells: dict, reasons: list[str]):
            name = self.free_text("facility_name", cells, ctx)
            if not name:
                reasons.append("no facility name")  # the row reader says why, with the code
            return name

        code = batch.read("facility_code", lambda cells, _: self.text_code(cells.get("facility_code")))
        name = batch.read("facility_name", named)
        kind = batch.read("facility_type", lambda cells, _: self.coded("facility_type", cells, ctx))
        industry = batch.read("industry", lambda cells, _: self.free_text("industry", cells, ctx))
        commune = batch.read("commune", lambda cells, _: self.free_text("commune", cells, ctx))
        district = batch.read("district", lambda cells, _: clean(cells.get("district")) or ctx.section.get("district"))
        employees = batch.read("employees", lambda cells, reasons: self.count("employees", cells, ctx, reasons))
        revenue = batch.read("revenue", lambda cells, reasons: self.money("revenue", cells, ctx, reasons))
        founded = batch.read("founded_year", lambda cells, reasons: self.year_cell("founded_year", cells, ctx, reasons))
        year = batch.read("survey_year", lambda cells, reasons: self.year("survey_year", cells, ctx, reasons))
        ok = sound(code, name, kind, industry, commune, district, employees, revenue, founded, year)

        def placed(key: tuple, reasons: list[str]):
            value, year_, location = key
            return self.province({"province": value}, ctx, year_, reasons, location or None)

        keys = [
            (cell, y, ", ".join(filter(None, (c, d))) if good else None)
            for cell, y, c, d, good in zip(batch.cells("province"), year, commune, district, ok)
        ]
        province = batch.read_values(keys, placed)

        out: list[dict | None] = []
        for i, good in enumerate(ok):
            found = province[i]
            if not good or found is BROKEN:
                out.append(None)
                continue
            place, source = found
            out.append(
                {
                    "facility_code": code[i],
                    "facility_name": name[i],
                    "facility_name_key": name_key(name[i]),
                    "facility_type": kind[i][0],
                    "facility_type_raw": kind[i][1],
                    "industry": industry[i],
                    "commune": commune[i],
                    "commune_key": place_key(commune[i]),
                    "district": district[i],
                    "district_key": place_key(district[i]),
                    "employees": employees[i],
                    "revenue_vnd": revenue[i],
                    "founded_year": founded[i],
                    "year": year[i],
                    "province_source": source,
                    "province_code": place.code,
                    "province_code_2025": place.code_2025,
                }
            )
        return out
