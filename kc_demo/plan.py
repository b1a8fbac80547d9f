"""What the demo contains: projects per province and year, built to match published-figures.md.

Amounts are allocated in whole nghìn đồng (the finest precision a "triệu đồng, 3 decimals" file can
carry), with largest-remainder rounding so that published totals come out exact.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .vocabulary import CONTENT_WORDING, LEGAL_FORM, PLACES, PRODUCTS

CENTRE = "Trung tâm Khuyến công"


@dataclass
class Beneficiary:
    name: str
    type: str  # marts.md beneficiary_type code
    product: str | None = None  # what the facility makes (for its census row and outcome survey)


@dataclass
class Project:
    year: int
    level: str  # national | local
    content: str  # support-content code
    wording: str
    name: str
    beneficiaries: list[Beneficiary]
    location: str
    central_k: int = 0  # nghìn đồng
    local_k: int = 0
    contribution_k: int = 0
    jobs: int | None = None
    trainees: int | None = None
    status: str = "completed"
    code: str = ""

    @property
    def state_k(self) -> int:
        return self.central_k + self.local_k


@dataclass
class ProvincePlan:
    key: str  # folder name, e.g. "soc-trang"
    name: str  # as written in titles
    old_code: str | None
    projects: list[Project] = field(default_factory=list)


def allocate(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to weights that add up to exactly `total`."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


class Planner:
    def __init__(self, seed: int, districts: dict[str, list[str]]):
        self.rng = random.Random(seed)
        self.districts = districts
        self._facility_serial = 0

    # --- building blocks ----------------------------------------------------------------------
    def facility(self, ftype: str) -> Beneficiary:
        self._facility_serial += 1
        product = self.rng.choice(PRODUCTS)
        place = self.rng.choice(PLACES)
        form = self.rng.choice(LEGAL_FORM[ftype])
        return Beneficiary(f"{form} {product.capitalize()} {place} {self._facility_serial:03d}", ftype, product)

    def project(self, year, level, content, beneficiaries, province_code, centre_name) -> Project:
        wording = self.rng.choice(CONTENT_WORDING[content])
        if content in ("information", "program_management") or not beneficiaries:
            beneficiaries = beneficiaries or [Beneficiary(centre_name, "other")]
            name = f"{wording} năm {year}"
        else:
            name = f"{wording} {self.rng.choice(PRODUCTS)}"
        location = self.rng.choice(self.districts.get(province_code) or ["Thành phố"])
        return Project(year, level, content, wording, name, beneficiaries, location)

    def random_content(self, level: str) -> str:
        options = (
            ["demo_model"] * 6
            + ["product_development"] * 2
            + ["trade_promotion"] * 2
            + [
                "cleaner_production",
                "training_capacity",
                "consulting",
                "information",
                "program_management",
                "clusters_linkage",
            ]
        )
        if level == "national":
            options = ["demo_model"] * 5 + ["product_development", "trade_promotion", "cleaner_production"]
        return self.rng.choice(options)

    def fill_amounts(
        self, projects: list[Project], state_total_k: int | None = None, contribution_total_k: int | None = None
    ) -> None:
        weights = [self.rng.lognormvariate(0, 0.6) * (3 if p.level == "national" else 1) for p in projects]
        if state_total_k is None:
            state = [int(w * self.rng.randint(250, 450) * 1000) for w in weights]
        else:
            state = allocate(state_total_k, weights)
        for p, s in zip(projects, state):
            if p.level == "national":
                p.central_k = s
            else:
                p.local_k = s
        cw = [
            0.0
            if p.content in ("information", "program_management", "training_capacity")
            else self.rng.uniform(1.5, 5.0) * w
            for p, w in zip(projects, weights)
        ]
        if contribution_total_k is None:
            contribution = [int(s * c / w) if w else 0 for s, c, w in zip(state, cw, weights)]
        else:
            contribution = allocate(contribution_total_k, cw)
        for p, c in zip(projects, contribution):
            p.contribution_k = c

    def fill_outputs(self, projects: list[Project], demo_jobs_total: int | None = None) -> None:
        demo = [p for p in projects if p.content == "demo_model"]
        if demo_jobs_total is not None:
            for p, j in zip(demo, allocate(demo_jobs_total, [self.rng.uniform(0.5, 1.5) for _ in demo])):
                p.jobs = j
        else:
            for p in demo:
                p.jobs = self.rng.randint(5, 40)
        for p in projects:
            if p.content == "training_capacity" and p.trainees is None:
                p.trainees = self.rng.randint(25, 40)
                if "nghề" in p.wording:
                    p.jobs = p.trainees
            if p.content == "program_management" and p.trainees is None:
                p.trainees = self.rng.randint(30, 70)

    def statuses(self, projects: list[Project], report_year: int = 2025) -> None:
        for p in projects:
            if p.year >= report_year - 1:
                p.status = self.rng.choice(["in_progress", "completed"])
            else:
                p.status = self.rng.choices(["completed", "adjusted", "stopped"], [40, 2, 1])[0]

    def codes(self, plan: ProvincePlan, prefix: str) -> None:
        counters: dict[tuple, int] = {}
        for p in plan.projects:
            k = (p.year, p.level)
            counters[k] = counters.get(k, 0) + 1
            p.code = f"{prefix}-{p.year}-{'QG' if p.level == 'national' else 'ĐP'}-{counters[k]:02d}"
