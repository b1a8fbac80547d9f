"""Outcome surveys (dataset `outcomes`): one supported facility, before and after support.

Only what was measured is stored; gains are computed in dbt, where a facility without workers or
output before support is counted as surveyed but gets no gain.
"""

from __future__ import annotations

import re

from .row_context import RowContext
from .text import clean, name_key
from .walker import RegisterParser

_TRAILING_PAREN = re.compile(r"\(([^()]+)\)\s*$")


class OutcomesParser(RegisterParser):
    table_name = "outcome table"
    dataset = "outcomes"
    columns = {
        "project_code": "VARCHAR",
        "facility_code": "VARCHAR",
        "facility_name": "VARCHAR",
        "facility_name_key": "VARCHAR",
        "output_unit": "VARCHAR",
        "output_before": "DOUBLE",
        "output_after": "DOUBLE",
        "workers_before": "INTEGER",
        "workers_after": "INTEGER",
        "new_jobs": "INTEGER",
        "revenue_before_vnd": "BIGINT",
        "revenue_after_vnd": "BIGINT",
        "year": "INTEGER",
        "support_year": "INTEGER",
        "province_code": "VARCHAR",
        "province_code_2025": "VARCHAR",
        "province_source": "VARCHAR",
    }

    def record(self, cells: dict, ctx: RowContext) -> tuple[dict, list[str]]:
        reasons: list[str] = []
        rec: dict = {}
        rec["project_code"] = self.text_code(cells.get("project_code"))
        rec["facility_code"] = self.text_code(cells.get("facility_code"))
        rec["facility_name"] = self.free_text("facility_name", cells, ctx)
        if not rec["facility_name"] and not rec["facility_code"]:
            reasons.append("no facility name or code")
        rec["facility_name_key"] = name_key(rec["facility_name"])
        for f in ("output_before", "output_after"):
            rec[f] = self.quantity(f, cells, ctx, reasons)
        rec["output_unit"] = (
            clean(cells.get("output_unit"))
            or ctx.table.units.get("output_before")
            or self._header_unit(ctx, "output_before")
        )
        for f in ("workers_before", "workers_after", "new_jobs"):
            rec[f] = self.count(f, cells, ctx, reasons)
        for f in ("revenue_before", "revenue_after"):
            rec[f"{f}_vnd"] = self.money(f, cells, ctx, reasons)
        measured = (
            "output_before",
            "output_after",
            "workers_before",
            "workers_after",
            "revenue_before_vnd",
            "revenue_after_vnd",
        )
        if not reasons and all(rec[f] is None for f in measured):
            reasons.append("nothing measured: no output, workers or revenue before or after")
        rec["year"] = year = self.year("survey_year", cells, ctx, reasons)
        rec["support_year"] = self.year_cell("support_year", cells, ctx, reasons)
        # the province as it was when support was given: a 2025 survey of 2024 support is about an old province
        province, rec["province_source"] = self.province(cells, ctx, rec["support_year"] or year, reasons)
        if province is not None:
            rec["province_code"], rec["province_code_2025"] = province.code, province.code_2025
        return rec, reasons

    @staticmethod
    def _header_unit(ctx: RowContext, name: str) -> str | None:
        """A non-money unit in the header, e.g. 'Sản lượng trước hỗ trợ (tấn)' → 'tấn'."""
        match = _TRAILING_PAREN.search(ctx.table.header_text.get(name) or "")
        return clean(match.group(1)) if match else None
