"""Facility censuses (dataset `census`): one record per facility per survey wave.

Personal data (owner name, phone, national ID) is recognised by its header so that it can be left
behind: no record carries it, and rejected rows show it masked. Matching facilities across waves
needs only the facility code, or the name and commune, so no keyed hash of personal data is kept.
"""

from __future__ import annotations

from .register import RegisterParser, RowContext
from .text import clean, name_key, place_key


class CensusParser(RegisterParser):
    table_name = "facility table"
    dataset = "census"
    columns = {
        "facility_code": "VARCHAR", "facility_name": "VARCHAR", "facility_name_key": "VARCHAR",
        "facility_type": "VARCHAR", "facility_type_raw": "VARCHAR", "industry": "VARCHAR", "commune": "VARCHAR",
        "commune_key": "VARCHAR", "district": "VARCHAR", "district_key": "VARCHAR", "employees": "INTEGER", "revenue_vnd": "BIGINT",
        "founded_year": "INTEGER", "year": "INTEGER", "province_code": "VARCHAR", "province_code_2025": "VARCHAR",
        "province_source": "VARCHAR",
    }

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
