"""Extension funding plans (dataset `plans`): one plan line per province × year × programme level."""

from __future__ import annotations

from .row_context import RowContext
from .walker import RegisterParser


class PlansParser(RegisterParser):
    table_name = "plan table"
    dataset = "plans"
    columns = {
        "program_level": "VARCHAR",
        "program_level_raw": "VARCHAR",
        "planned_projects": "INTEGER",
        "approved_projects": "INTEGER",
        "planned_budget_vnd": "BIGINT",
        "year": "INTEGER",
        "province_code": "VARCHAR",
        "province_code_2025": "VARCHAR",
        "province_source": "VARCHAR",
    }
    # "Kinh phí kế hoạch" over "Năm 2021 | Năm 2022 | Năm 2023": a plan line per year column
    reads_year_columns = True

    def record(self, cells: dict, ctx: RowContext) -> tuple[dict, list[str]]:
        reasons: list[str] = []
        rec: dict = {}
        rec["program_level"], rec["program_level_raw"] = self.program_level(cells, ctx, reasons)
        rec["planned_projects"] = self.count("planned_projects", cells, ctx, reasons)
        rec["approved_projects"] = self.count("approved_projects", cells, ctx, reasons)
        rec["planned_budget_vnd"] = self.money("planned_budget", cells, ctx, reasons)
        if not reasons and all(rec[f] is None for f in ("planned_projects", "approved_projects", "planned_budget_vnd")):
            reasons.append("no planned projects, approved projects or budget")
        rec["year"] = year = self.year("year", cells, ctx, reasons)
        province, rec["province_source"] = self.province(cells, ctx, year, reasons)
        if province is not None:
            rec["province_code"], rec["province_code_2025"] = province.code, province.code_2025
        return rec, reasons
