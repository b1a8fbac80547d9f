"""Project registers (dataset `projects`): one accepted record per extension project.

Section rows ("I. KHUYẾN CÔNG QUỐC GIA", "A. Năm 2021") set the programme level or year of the rows
below (see walker.py for the walk); every other row is a project, accepted whole or rejected with
the reasons that stop it.
"""

from __future__ import annotations

import re
from functools import cached_property

from .privacy import mask_text
from .row_context import RowContext
from .text import clean, fold, name_key, place_key
from .walker import RegisterParser

TOTAL_TOLERANCE_VND = 1_000
_MULTI_NAME = re.compile(r"\s*(?:;|\n|\r)\s*")


class ProjectsParser(RegisterParser):
    table_name = "project table"
    dataset = "projects"
    columns = {
        "project_code": "VARCHAR",
        "project_name": "VARCHAR",
        "program_level": "VARCHAR",
        "program_level_raw": "VARCHAR",
        "support_content_raw": "VARCHAR",
        "beneficiary_name": "VARCHAR",
        "beneficiary_keys": "VARCHAR",
        "beneficiary_type": "VARCHAR",
        "beneficiary_types": "VARCHAR",
        "beneficiary_type_raw": "VARCHAR",
        "location": "VARCHAR",
        "location_key": "VARCHAR",
        "year": "INTEGER",
        "central_budget_vnd": "BIGINT",
        "local_budget_vnd": "BIGINT",
        "beneficiary_contribution_vnd": "BIGINT",
        "total_cost_vnd": "BIGINT",
        "status": "VARCHAR",
        "status_raw": "VARCHAR",
        "jobs_created": "INTEGER",
        "trainees": "INTEGER",
        "province_code": "VARCHAR",
        "province_code_2025": "VARCHAR",
        "province_source": "VARCHAR",
        "approved_on": "DATE",
        "approved_on_precision": "VARCHAR",
    }

    def record(self, cells: dict, ctx: RowContext) -> tuple[dict, list[str]]:
        cfg = self.config
        reasons: list[str] = []
        rec: dict = {}
        name = self.free_text("project_name", cells, ctx)
        code = self.text_code(cells.get("project_code"))
        if not name and not code:
            reasons.append("no project name or code")
        rec["project_code"] = code
        rec["project_name"] = name

        for f in cfg.money_fields:
            rec[f"{f}_vnd"] = self.money(f, cells, ctx, reasons)
        if not reasons and all(rec[f"{f}_vnd"] is None for f in cfg.money_fields):
            reasons.append("no amount in any money column")
        for f in ("jobs_created", "trainees"):
            rec[f] = self.count(f, cells, ctx, reasons)
        rec["year"] = year = self.year("year", cells, ctx, reasons)
        approved = self.period("approval_date", cells, ctx, reasons)
        rec["approved_on"] = approved.start if approved else None
        rec["approved_on_precision"] = approved.precision if approved else None

        rec["program_level"], rec["program_level_raw"] = self.program_level(cells, ctx, reasons)
        support = rec.pop("state_support_vnd", None)
        if support is not None and rec["program_level"] is not None:
            # the register's single support column is central money on a national row, local on a local one
            rec["central_budget_vnd" if rec["program_level"] == "national" else "local_budget_vnd"] = support
        if not reasons:
            self._check_total(rec, ctx, reasons)

        rec["location"] = self.free_text("location", cells, ctx)
        rec["location_key"] = place_key(rec["location"])
        province, rec["province_source"] = self.province(cells, ctx, year, reasons, rec["location"])
        if province is not None:
            rec["province_code"], rec["province_code_2025"] = province.code, province.code_2025

        beneficiary = cells.get("beneficiary_name")
        names = [n for n in (clean(x) for x in _MULTI_NAME.split(str(beneficiary))) if n] if beneficiary else []
        if any(mask_text(n) != n for n in names):
            names = [mask_text(n) for n in names]
            self.warn(
                ctx,
                "personal_data_masked",
                f"{ctx.table.header_text['beneficiary_name']}: a phone or ID number in the text was masked (***)",
            )
        rec["beneficiary_name"] = "; ".join(names) or None
        rec["beneficiary_keys"] = "; ".join(name_key(n) for n in names) or None
        column_type, type_raw = self.coded("beneficiary_type", cells, ctx)
        rec["beneficiary_type_raw"] = type_raw
        if len(names) > 1:
            # One "Loại hình" cell cannot describe several facilities: each name's legal form decides.
            types = [self._type_from_name(n) or column_type or "other" for n in names]
        else:
            types = [column_type or self._type_from_name(n) for n in names]
        rec["beneficiary_type"] = types[0] if types else None
        rec["beneficiary_types"] = "; ".join(t or "other" for t in types) or None
        status, rec["status_raw"] = self.coded("status", cells, ctx, unknown="unknown")
        rec["status"] = status or "unknown"
        rec["support_content_raw"] = clean(cells.get("support_content"))
        return rec, reasons

    def layout_problem(self, table) -> str | None:
        """A register whose money columns cannot be assigned to central, local and contribution is refused:
        loaded, its state support would be published as zero (or counted twice)."""
        problem = super().layout_problem(table)
        if problem:
            return problem
        columns = table.columns
        if "state_support" in columns and ({"central_budget", "local_budget"} & columns.keys()):
            return (
                f"the money columns cannot be assigned: '{table.header_text['state_support']}' and a central or "
                "local column (NSTW/NSĐP) side by side; keep one support column with a 'Cấp' column, or "
                "separate central and local columns"
            )
        if not ({"central_budget", "local_budget", "state_support"} & columns.keys()) and (
            {"beneficiary_contribution", "total_cost"} & columns.keys()
        ):
            return (
                "no column for the state support (central KCQG / local KCĐP, or one support column with the "
                "level): name the money columns, for example 'Kinh phí KCQG', 'Kinh phí KCĐP', 'Đối ứng'"
            )
        return None

    def _check_total(self, rec: dict, ctx: RowContext, reasons: list[str]) -> None:
        """Where the row gives a total, central + local + contribution must equal it (within 1,000 đồng,
        the precision of a "triệu đồng, 3 decimals" cell). Which figure is wrong cannot be known, so the
        row is rejected: loading it would publish a state support the province may not have meant."""
        total = rec.get("total_cost_vnd")
        fields = ("central_budget", "local_budget", "beneficiary_contribution")
        parts = [rec.get(f"{f}_vnd") for f in fields]
        if total is None or all(p is None for p in parts):
            return
        summed = sum(p or 0 for p in parts)
        # A register without one of the part columns says nothing of that part: its total may hold it.
        # Then only parts that exceed the total are certainly wrong.
        every_part = all(f in ctx.table.columns for f in fields)
        if (abs(total - summed) if every_part else summed - total) > TOTAL_TOLERANCE_VND:
            reasons.append(
                f"the total ({total:,} đồng) differs from central + local + contribution "
                f"({summed:,} đồng) by {total - summed:,} đồng: correct the total or its parts"
            )

    def _type_from_name(self, name: str) -> str | None:
        """The legal form that opens a name ("Công ty TNHH…", "HTX…", "Hộ kinh doanh…"): the first phrase of
        the code list, in its order, that is the whole folded name or its first words."""
        match = self._opening_phrase.match(fold(name))
        return self.config.values["beneficiary_type"][match.lastindex - 1][1] if match else None

    @cached_property
    def _opening_phrase(self) -> re.Pattern:
        # one group per phrase, tried in the list's order (a phrase not followed by a space or the end is
        # passed over for the next, as a loop over the phrases would)
        phrases = "|".join(f"({re.escape(phrase)})" for phrase, _ in self.config.values["beneficiary_type"])
        return re.compile(f"(?:{phrases})(?: |\\Z)")  # \Z: the very end ($ would also allow a final newline)
