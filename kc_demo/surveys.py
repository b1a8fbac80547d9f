"""The demo's census waves, outcome surveys and funding plans, built on the demo's projects.

- Census: every facility a demo project supported is in its province's census, beside facilities
  that were never supported. Sóc Trăng has a 2018 wave and a 2019 supplement that re-surveys part
  of the 2018 wave (some rows without a code, names re-typed in another case or tone placement) and
  adds new facilities: 3,209 distinct facilities (published figure st-07). A few facilities share a
  name in different communes, and must stay apart.
- Outcomes: a survey the year after support, for most facilities of production-support projects.
  Sóc Trăng's productivity gains lie in 15–40 % (st-06); the mean revenue gain of facilities
  supported in 2014–2018 is 20 % (nat-01). Some facilities had no workers or no output before.
- Plans: one plan line per province × year × level, budget a little above what was spent; Bắc
  Giang 2024 local 3.5 billion and 18 approved projects (bg-04, bg-05), Sóc Trăng 2023 2 + 16
  projects and over 10 billion (st-11, st-12).

Personal data (owner, phone, national ID) is fake, and present so that the warehouse must keep it out.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from pipelines import reference
from pipelines.ingest.text import name_key, place_key

from . import survey_layouts as layouts
from .plan import Beneficiary, ProvincePlan
from .vocabulary import GIVEN_NAMES, LEGAL_FORM, MIDDLE_NAMES, OUTPUT_UNITS, PRODUCTS, SURNAMES, TYPE_LABEL

ST_CENSUS_2018, ST_CENSUS_NEW_2019, ST_CENSUS_RESURVEYED = 2_960, 249, 171  # 2,960 + 249 = 3,209
ST_GAIN_RANGE = (15.0, 40.0)
REVENUE_GAIN_TARGET, REVENUE_WINDOW = 20.0, range(2014, 2019)
PRODUCTION_CONTENTS = {"demo_model", "cleaner_production", "product_development", "clusters_linkage", "consulting"}


@dataclass
class Facility:
    code: str
    name: str
    type: str
    product: str
    commune: str  # as the census writes it, e.g. "Xã Phú Lộc"
    district: str  # short name, as project locations write it
    district_full: str  # "Huyện Mỹ Xuyên", "Thành phố Sóc Trăng"
    employees: int
    revenue_k: int  # nghìn đồng
    founded: int
    owner: str
    phone: str
    national_id: str


class CensusBuilder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        frame = reference.communes_pre2025()
        self.communes: dict[str, list[tuple[str, str]]] = {}
        self.district_full: dict[tuple[str, str], str] = {}
        for row in frame.itertuples():
            if not all(isinstance(v, str) for v in (row.commune_full, row.district_name, row.district_full)):
                continue  # a district without communes in the reference (an island district of Hải Phòng)
            self.communes.setdefault(row.province_code, []).append((row.commune_full, row.district_name))
            self.district_full[(row.province_code, row.district_name)] = row.district_full
        self._serial: dict[str, int] = {}
        self._taken: dict[str, set] = {}

    def _person(self, province_code: str) -> tuple[str, str, str]:
        rng = self.rng
        owner = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"
        digits = f"09{rng.randint(0, 99_999_999):08d}"
        phone = rng.choice(
            [digits, f"{digits[:4]} {digits[4:7]} {digits[7:]}", f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"]
        )
        national_id = rng.choice(
            [f"0{province_code}{rng.randint(0, 999_999_999):09d}", f"{rng.randint(300_000_000, 389_999_999)}"]
        )  # CCCD (12) or old CMND (9)
        return owner, phone, national_id

    def facility(
        self,
        province_code: str,
        name: str | None = None,
        ftype: str | None = None,
        product: str | None = None,
        district: str | None = None,
    ) -> Facility:
        rng = self.rng
        communes = self.communes[province_code]
        if district:
            communes = [c for c in communes if c[1] == district] or communes
        commune, district = rng.choice(communes)
        ftype = (
            ftype
            or rng.choices(
                ["household_business", "establishment", "sme", "cooperative", "cooperative_group"], [45, 30, 15, 6, 4]
            )[0]
        )
        product = product or rng.choice(PRODUCTS)
        taken = self._taken.setdefault(province_code, set())
        while name is None or (name_key(name), place_key(commune)) in taken:
            given = rng.choice(GIVEN_NAMES)
            form = rng.choice(LEGAL_FORM[ftype])  # the generator's draws stay in this order (same seed, same files)
            nickname = rng.choice(["", "Út ", "Bảy ", "Tư ", "Hai "])
            name = f"{form} {product} {given} {nickname}{rng.randint(1, 999)}"
            name = " ".join(name.split())
        taken.add((name_key(name), place_key(commune)))
        self._serial[province_code] = self._serial.get(province_code, 0) + 1
        owner, phone, national_id = self._person(province_code)
        employees = max(1, int(rng.lognormvariate(1.8, 0.8)))
        return Facility(
            code=f"CS{province_code}-{self._serial[province_code]:05d}",
            name=name,
            type=ftype,
            product=product,
            commune=commune,
            district=district,
            district_full=self.district_full[(province_code, district)],
            employees=employees,
            revenue_k=employees * rng.randint(60, 400) * 1000,
            founded=rng.randint(1985, 2017),
            owner=owner,
            phone=phone,
            national_id=national_id,
        )

    def twin(self, original: Facility, province_code: str) -> Facility:
        """Another facility with the same name in a different commune (must not be merged)."""
        others = [c for c in self.communes[province_code] if place_key(c[0]) != place_key(original.commune)]
        twin = self.facility(province_code, ftype=original.type, product=original.product)
        twin.commune, twin.district = self.rng.choice(others)
        twin.district_full = self.district_full[(province_code, twin.district)]
        twin.name = original.name
        self._taken[province_code].add((name_key(twin.name), place_key(twin.commune)))
        return twin


def supported(plan: ProvincePlan) -> list[tuple[Beneficiary, str]]:
    """The distinct facilities a province's projects supported, with a district they were supported in."""
    seen: dict[str, tuple[Beneficiary, str]] = {}
    for p in plan.projects:
        for b in p.beneficiaries:
            if b.type != "other" and b.name not in seen:
                seen[b.name] = (b, p.location)
    return list(seen.values())


def retyped(name: str, rng: random.Random) -> str:
    """The same name as another officer types it: case, tone placement, spacing or NFD."""
    kind = rng.choice(["upper", "lower", "tone", "spaces", "nfd"])
    if kind == "upper":
        return name.upper()
    if kind == "lower":
        return name.lower()
    if kind == "tone":
        swaps = {
            "òa": "oà",
            "óa": "oá",
            "ỏa": "oả",
            "õa": "oã",
            "ọa": "oạ",
            "ùy": "uỳ",
            "úy": "uý",
            "ủy": "uỷ",
            "ũy": "uỹ",
            "ụy": "uỵ",
            "Hòa": "Hoà",
            "Thủy": "Thuỷ",
        }
        for a, b in swaps.items():
            name = name.replace(a, b)
        return "  ".join(name.split(" ", 1)) if name else name
    if kind == "spaces":
        return " " + name.replace(" ", "  ", 2) + " "
    return unicodedata.normalize("NFD", name)


# --- census -----------------------------------------------------------------------------------


def first_wave(
    builder: CensusBuilder, helped: list[tuple[Beneficiary, str]], code: str, total: int, rng: random.Random
) -> list[Facility]:
    """A province's first census wave: every facility its projects supported, others up to `total`,
    and four namesakes of other facilities in other communes (which must stay apart), shuffled."""
    facilities = [builder.facility(code, b.name, b.type, b.product, district) for b, district in helped]
    while len(facilities) < total - 4:
        facilities.append(builder.facility(code))
    for original in rng.sample(facilities[len(helped) :], 4):
        facilities.append(builder.twin(original, code))
    rng.shuffle(facilities)
    return facilities


def census_waves(builder: CensusBuilder, plan: ProvincePlan, code: str, rng: random.Random) -> dict[int, list[dict]]:
    """Survey waves of one old province: {year: rows}; each row is a Facility and how it is written."""
    helped = supported(plan)
    if code == "94":
        total_2018 = ST_CENSUS_2018
        waves_years = (2018, 2019)
    else:
        total_2018 = len(helped) + rng.randint(200, 320)
        waves_years = (2020,) if code not in ("19", "40") else (2019, 2022)
    facilities = first_wave(builder, helped, code, total_2018, rng)
    first = [{"f": f, "name": f.name, "code": f.code} for f in facilities]
    if len(waves_years) == 1:
        return {waves_years[0]: first}
    if code == "94":
        n_new, n_again = ST_CENSUS_NEW_2019, ST_CENSUS_RESURVEYED
    else:
        n_new, n_again = rng.randint(30, 60), rng.randint(60, 120)
    new = [builder.facility(code) for _ in range(n_new)]
    second = [{"f": f, "name": f.name, "code": f.code if rng.random() < 0.7 else None} for f in new]
    for f in rng.sample(facilities, n_again):
        if rng.random() < 0.6:  # re-surveyed with its code; the name may have changed
            name, ftype = f.name, f.type
            if rng.random() < 0.15:  # registered as a company since the last wave
                for form in ("Hộ kinh doanh", "Cơ sở"):
                    if name.startswith(form):
                        name, ftype = "Công ty TNHH" + name[len(form) :], "sme"
            second.append({"f": f, "name": name, "code": f.code, "type": ftype})
        else:  # no code this time: only the name and commune can say it is the same facility
            second.append({"f": f, "name": retyped(f.name, rng), "code": None})
    rng.shuffle(second)
    return {waves_years[0]: first, waves_years[1]: second}


def write_census(
    raw_dir: Path, key: str, title: str, code: str, waves: dict[int, list[dict]], rng, received
) -> list[Path]:
    out = []
    for i, (year, rows) in enumerate(sorted(waves.items())):
        if code == "27":
            path = raw_dir / "census" / key / f"dieu-tra-co-so-cnnt-{year}.csv"
            layouts.census_csv(path, rows, year=year, province_label=title)
        elif i == 0:
            path = raw_dir / "census" / key / f"{year}" / f"phieu-dieu-tra-co-so-cnnt-{year}.xlsx"
            layouts.census_by_district_xlsx(path, rows, year=year, province_title=title, labels=TYPE_LABEL, rng=rng)
        else:
            path = raw_dir / "census" / key / f"{year}" / f"dieu-tra-bo-sung-{year}.xlsx"
            layouts.census_flat_xlsx(
                path, rows, year=year, province_title=title, labels=TYPE_LABEL, rng=rng, bad_rows=code == "94"
            )
        received(path, datetime(year + 1, 1, 10 + i, 10, 0))
        out.append(path)
    return out


# --- outcomes ---------------------------------------------------------------------------------


def _gain(rng: random.Random, code: str) -> float:
    if code == "94":
        return rng.uniform(ST_GAIN_RANGE[0] + 1, ST_GAIN_RANGE[1] - 1) / 100
    return max(-0.1, rng.gauss(0.25, 0.12))


def outcome_rows(plan: ProvincePlan, code: str, rng: random.Random) -> list[dict]:
    """One row per surveyed supported facility, survey the year after support."""
    rows = []
    for p in plan.projects:
        if p.content not in PRODUCTION_CONTENTS or p.year >= 2025 or rng.random() > 0.75:
            continue
        for b in p.beneficiaries:
            if b.type == "other":
                continue
            unit = OUTPUT_UNITS.get(b.product or "", "sản phẩm")
            w0 = rng.randint(3, 40)
            w1 = w0 + rng.randint(0, 6)
            o0 = rng.randint(200, 20_000)
            gain = _gain(rng, code)
            o1 = round(o0 * (1 + gain) * w1 / w0)
            r0 = rng.randint(300, 8_000) * 1000  # nghìn đồng
            r1 = round(r0 * (1 + max(-0.2, rng.gauss(REVENUE_GAIN_TARGET / 100, 0.08))), -3)
            rows.append(
                {
                    "project": p,
                    "facility": b,
                    "unit": unit,
                    "o0": o0,
                    "o1": o1,
                    "w0": w0,
                    "w1": w1,
                    "r0": r0,
                    "r1": r1,
                    "new_jobs": w1 - w0,
                    "survey_year": p.year + 1,
                }
            )
    if len(rows) > 4:  # facilities that had nothing to measure before support: surveyed, no gain
        rows[1]["w0"] = 0
        rows[3]["o0"] = None
    return rows


def pin_revenue_mean(all_rows: list[dict]) -> None:
    """Shift revenue-after of the 2014–2018 cohort so that its mean gain is the published ~20 %."""
    cohort = [r for r in all_rows if r["project"].year in REVENUE_WINDOW and r["r0"]]
    target = REVENUE_GAIN_TARGET / 100 * len(cohort)
    current = sum(r["r1"] / r["r0"] - 1 for r in cohort)
    share = (target - current) / len(cohort)
    for r in cohort:
        r["r1"] = round(r["r1"] + share * r["r0"], -3)


def write_outcomes(raw_dir: Path, key: str, title: str, rows: list[dict], received) -> list[Path]:
    out = []
    by_year: dict[int, list[dict]] = {}
    for r in rows:
        by_year.setdefault(r["survey_year"], []).append(r)
    for year, group in sorted(by_year.items()):
        path = raw_dir / "outcomes" / key / f"khao-sat-hieu-qua-{year}.xlsx"
        layouts.outcomes_xlsx(path, group, year=year, province_title=title)
        received(path, datetime(year, 12, 20, 9, 0))
        out.append(path)
    return out


# --- plans ------------------------------------------------------------------------------------


def plan_lines(plan: ProvincePlan, code: str, rng: random.Random) -> list[dict]:
    lines = []
    years = sorted({p.year for p in plan.projects})
    for year in years:
        for level in ("national", "local"):
            done = [p for p in plan.projects if p.year == year and p.level == level]
            if not done and level == "national":
                continue
            spent_k = sum(p.state_k for p in done)
            budget_k = int(round(spent_k * rng.uniform(1.0, 1.15), -4))  # whole 10 triệu
            approved = len(done) + (rng.random() < 0.2)
            lines.append(
                {"year": year, "level": level, "planned": approved, "approved": approved, "budget_k": budget_k}
            )
    for line in lines:  # the published plans (st-11, st-12, bg-04, bg-05)
        if code == "24" and (line["year"], line["level"]) == (2024, "local"):
            line.update(planned=18, approved=18, budget_k=3_500_000)
        if code == "94" and line["year"] == 2023:
            line.update(
                planned=2 if line["level"] == "national" else 16, approved=2 if line["level"] == "national" else 16
            )
    st_2023 = [line for line in lines if code == "94" and line["year"] == 2023]
    total = sum(line["budget_k"] for line in st_2023)
    if st_2023 and total <= 10_000_000:
        for line in st_2023:
            line["budget_k"] = int(round(line["budget_k"] * 10_400_000 / total, -4))
    return lines


def write_plans(raw_dir: Path, key: str, title: str, code: str, lines: list[dict], rng, received) -> list[Path]:
    out = []
    if code in ("24", "92"):  # one plan per year, levels as rows under a title naming the year
        for year in sorted({line["year"] for line in lines}):
            path = raw_dir / "plans" / key / f"ke-hoach-khuyen-cong-{year}.xlsx"
            layouts.plan_year_xlsx(
                path, [line for line in lines if line["year"] == year], year=year, province_title=title
            )
            received(path, datetime(year - 1, 12, 28, 8, 0) if year > 2012 else datetime(2012, 1, 5, 8, 0))
            out.append(path)
    else:
        path = raw_dir / "plans" / key / "ke-hoach-kinh-phi-khuyen-cong.xlsx"
        layouts.plan_years_xlsx(path, lines, province_title=title, rng=rng)
        received(path, datetime(max(line["year"] for line in lines), 1, 15, 8, 0))
        out.append(path)
    return out


def check_targets(st_outcomes: list[dict], all_outcomes: list[dict]) -> None:
    """The demo must be consistent with published-figures.md; fail loudly if a change breaks it."""
    for r in st_outcomes:
        if r["w0"] and r["o0"]:
            gain = Decimal(r["o1"] * r["w0"]) / Decimal(r["o0"] * r["w1"]) - 1
            assert Decimal("0.15") <= gain <= Decimal("0.40"), gain
    cohort = [r["r1"] / r["r0"] - 1 for r in all_outcomes if r["project"].year in REVENUE_WINDOW and r["r0"]]
    assert abs(sum(cohort) / len(cohort) * 100 - REVENUE_GAIN_TARGET) < 0.05
