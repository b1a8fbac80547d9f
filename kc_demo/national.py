"""`kc demo --scale national`: every province, 2012–2025, at the size the ministry will load.

The national inbox is the demo inbox (the eight provinces built to reproduce published-figures.md)
plus the other 55 pre-2025 provinces for 2012–2024 and the other 30 units of 2025, written with the
same messy layouts. Each extra province is generated from its own random stream (seed, province
code), so provinces can be written in parallel and the inbox is the same whatever the order:
same seed, byte-identical files, identical modification times.

Sizes (seed 2012): about 1,000 project-register files and 30,000 projects, censuses of over
600,000 facility rows in .xlsx, about 50,000 outcome-survey rows, and plans. Realistic mess at
this scale: some provinces send a mid-year report before the year-end one (superseded), some send
a corrected register later (the first is superseded), some send the same file twice (duplicate).
"""

from __future__ import annotations

import random
import shutil
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from pipelines import reference

from . import layouts, survey_layouts, surveys
from .generator import DEFAULT_SEED, LABELS, _by_year, _districts, _facility_type, _received, _stamp, write_demo
from .plan import CENTRE, Planner, ProvincePlan
from .vocabulary import TYPE_LABEL

# Provinces the demo already writes (old codes) and the 2025 units it already writes (new codes).
DEMO_OLD = {"94", "19", "24", "06", "27", "93", "92", "40"}
DEMO_2025 = {"19", "24", "92", "40"}
YEARS = range(2012, 2025)
CENSUS_ROWS_TARGET = 600_000  # facility rows in .xlsx, over all provinces and waves
PRODUCTION = {"demo_model", "cleaner_production", "product_development", "clusters_linkage", "consulting"}

# Register layouts a province may use (see layouts.py); chosen per province, as in real life.
SECTIONED = [
    dict(unit="triệu đồng", number_style="number", unit_place="header", with_type=False, with_content=True),
    dict(unit="nghìn đồng", number_style="number", unit_place="unit_row", with_type=True, with_content=False),
    dict(unit="triệu đồng", number_style="vi", unit_place="dvt", with_type=True, with_content=True),
    dict(unit="tỷ đồng", number_style="number", unit_place="header", with_type=True, with_content=True),
    dict(unit="triệu đồng", number_style="vi", unit_place="dvt", with_type=True, with_content=False),
]


def slug(name: str) -> str:
    """'Bà Rịa - Vũng Tàu' → 'ba-ria-vung-tau' (folder names as provinces use them)."""
    plain = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split())


def _title(full_name: str) -> str:
    """'Tỉnh Hà Giang' → 'tỉnh Hà Giang', as titles write it after 'UBND'."""
    return full_name[0].lower() + full_name[1:]


def _short(full_name: str) -> str:
    """'Tỉnh Hà Giang' → 'Hà Giang', 'Thành phố Hải Phòng' → 'Hải Phòng'."""
    return full_name.split(" ", 1)[1] if full_name.startswith("Tỉnh ") else full_name.replace("Thành phố ", "")


def _finish(planner: Planner, plan: ProvincePlan, prefix: str) -> None:
    """Amounts, outputs, statuses and codes of a province's projects."""
    planner.fill_amounts(plan.projects)
    planner.fill_outputs(plan.projects)
    planner.statuses(plan.projects)
    planner.codes(plan, prefix)


def _recorder():
    """(the files written, with their received times; the callback that stamps and records one)."""
    written: list[tuple[str, float]] = []

    def done(path: Path, when: datetime) -> None:
        _stamp(path, when)
        written.append((str(path), when.timestamp()))

    return written, done


def _project_count(rng: random.Random) -> int:
    return rng.randint(27, 47)


def _beneficiary_count(rng: random.Random) -> int:
    """Production projects at national scale often help a group of facilities (1–7, about 3.5)."""
    return rng.choices([1, 2, 3, 4, 5, 6, 7], [20, 12, 14, 16, 16, 12, 10])[0]


def _projects(planner: Planner, plan: ProvincePlan, years, code: str) -> None:
    rng = planner.rng
    for year in years:
        n_nat = rng.randint(1, 4)
        for i in range(_project_count(rng)):
            level = "national" if i < n_nat else "local"
            content = planner.random_content(level)
            if content in ("information", "program_management"):
                facilities = []
            elif content in PRODUCTION or content == "trade_promotion":
                facilities = [planner.facility(_facility_type(rng)) for _ in range(_beneficiary_count(rng))]
            else:
                facilities = [planner.facility(_facility_type(rng))]
            plan.projects.append(planner.project(year, level, content, facilities, code, f"{CENTRE} {plan.name}"))


def _write_registers(
    raw_dir: Path, plan: ProvincePlan, rng: random.Random, style: int, labels_csv: list[str], done
) -> None:
    """One register per year in the province's layout; interim reports, corrections and copies."""
    out = raw_dir / "projects" / plan.key
    by_year = _by_year(plan.projects)
    sectioned = SECTIONED[style % len(SECTIONED)]
    as_csv = style % 7 == 3
    for year, projects in sorted(by_year.items()):

        def write(path: Path, rows, year: int = year) -> None:
            if as_csv:
                layouts.flat_csv(
                    path,
                    rows,
                    province_labels=labels_csv,
                    number_style=rng.choice(["vi", "en"]),
                    bom=rng.random() < 0.5,
                    labels=LABELS,
                    rng=rng,
                )
            else:
                layouts.sectioned_xlsx(
                    path,
                    rows,
                    province_title=plan.name if style % 4 else None,
                    year=year,
                    labels=LABELS,
                    rng=rng,
                    **sectioned,
                )

        ext = "csv" if as_csv else "xlsx"
        received = _received(rng, year)
        if rng.random() < 0.15:  # a mid-year report, replaced by the year-end register
            path = out / str(year) / f"bao-cao-6-thang-{year}.{ext}"
            write(path, projects[: len(projects) // 2])
            done(path, datetime(year, 7, 10, 9, 0) + timedelta(minutes=rng.randint(0, 900)))
        path = out / str(year) / f"danh-muc-de-an-{year}.{ext}"
        if rng.random() < 0.08:  # sent with a typo, then corrected
            wrong = projects[0]
            saved = wrong.local_k, wrong.central_k
            wrong.local_k, wrong.central_k = saved[0] * 10, saved[1] * 10
            write(path, projects)
            done(path, received)
            wrong.local_k, wrong.central_k = saved
            path = out / str(year) / f"danh-muc-de-an-{year}-da-sua.{ext}"
            received += timedelta(days=rng.randint(10, 60))
        write(path, projects)
        done(path, received)
        if rng.random() < 0.04:  # the same file sent again by another officer
            copy = path.with_name(f"{path.stem} (ban sao).{ext}")
            shutil.copyfile(path, copy)
            done(copy, received + timedelta(days=3))


def _census(
    builder: surveys.CensusBuilder, plan: ProvincePlan, code: str, size: int, rng: random.Random
) -> dict[int, list[dict]]:
    """A 2018 census wave of `size` facilities (every supported facility among them) and a 2022
    supplement that re-surveys some (with or without their code) and adds new ones."""
    helped = surveys.supported(plan)
    size = max(size, len(helped) + 200)
    facilities = surveys.first_wave(builder, helped, code, size, rng)
    first = [{"f": f, "name": f.name, "code": f.code} for f in facilities]
    n_new, n_again = size // 12, size // 10
    second = [
        {"f": f, "name": f.name, "code": f.code if rng.random() < 0.7 else None}
        for f in (builder.facility(code) for _ in range(n_new))
    ]
    for f in rng.sample(facilities, n_again):
        if rng.random() < 0.6:
            second.append({"f": f, "name": f.name, "code": f.code})
        else:
            second.append({"f": f, "name": surveys.retyped(f.name, rng), "code": None})
    rng.shuffle(second)
    return {2018: first, 2022: second}


def _old_province(task: tuple) -> list[tuple[str, float]]:
    """Everything one pre-2025 province sends (runs in a worker process)."""
    raw_dir, seed, index, code, full_name, census_size = task
    rng = random.Random(f"{seed}-{code}")
    planner = Planner(rng.randrange(2**32), _districts())
    name = _title(full_name)
    short = _short(full_name)
    plan = ProvincePlan(slug(short), name, code)
    _projects(planner, plan, YEARS, code)
    _finish(planner, plan, f"P{code}")
    written, done = _recorder()

    _write_registers(raw_dir, plan, rng, index, [short, name, short.upper()], done)
    srng = random.Random(f"{seed}-{code}-surveys")
    builder = surveys.CensusBuilder(srng)
    waves = _census(builder, plan, code, census_size, srng)
    for i, (year, rows) in enumerate(sorted(waves.items())):
        folder = raw_dir / "census" / plan.key / str(year)
        if i == 0:
            path = folder / f"phieu-dieu-tra-co-so-cnnt-{year}.xlsx"
            survey_layouts.census_by_district_xlsx(
                path, rows, year=year, province_title=name, labels=TYPE_LABEL, rng=srng
            )
        else:
            path = folder / f"dieu-tra-bo-sung-{year}.xlsx"
            survey_layouts.census_flat_xlsx(path, rows, year=year, province_title=name, labels=TYPE_LABEL, rng=srng)
        done(path, datetime(year + 1, 1, 10 + i, 10, 0))
    outcomes = surveys.outcome_rows(plan, code, srng)
    surveys.write_outcomes(raw_dir, plan.key, name, outcomes, done)
    surveys.write_plans(raw_dir, plan.key, name, code, surveys.plan_lines(plan, code, srng), srng, done)
    return written


def _new_unit(task: tuple) -> list[tuple[str, float]]:
    """A 2025 unit's register and plan; locations name districts of the provinces it was formed from."""
    raw_dir, seed, code, full_name, old_codes = task
    rng = random.Random(f"{seed}-2025-{code}")
    planner = Planner(rng.randrange(2**32), _districts())
    name = _title(full_name)
    short = _short(full_name)
    plan = ProvincePlan(slug(short), name, None)
    for i in range(rng.randint(30, 60)):
        level = "national" if i < 3 else "local"
        content = planner.random_content(level)
        facilities = (
            []
            if content in ("information", "program_management")
            else [
                planner.facility(_facility_type(rng))
                for _ in range(_beneficiary_count(rng) if content in PRODUCTION else 1)
            ]
        )
        plan.projects.append(
            planner.project(2025, level, content, facilities, rng.choice(old_codes), f"{CENTRE} {name}")
        )
    _finish(planner, plan, f"N{code}")
    written, done = _recorder()

    path = raw_dir / "projects" / "2025" / plan.key / "danh-muc-de-an-khuyen-cong-2025.xlsx"
    layouts.sectioned_xlsx(
        path,
        plan.projects,
        province_title=name,
        year=2025,
        labels=LABELS,
        rng=rng,
        **SECTIONED[int(code) % len(SECTIONED)],
    )
    done(path, _received(rng, 2025) - timedelta(days=200))
    surveys.write_plans(raw_dir, f"2025/{plan.key}", name, "", surveys.plan_lines(plan, "", rng), rng, done)
    return written


def census_sizes(codes: list[str], seed: int) -> dict[str, int]:
    """Facilities per province in its 2018 wave: uneven, as provinces are, and adding up (with the
    2022 supplements, about a fifth more) to at least CENSUS_ROWS_TARGET rows."""
    rng = random.Random(f"{seed}-census-sizes")
    weights = {c: rng.lognormvariate(0, 0.45) for c in codes}
    first_wave = CENSUS_ROWS_TARGET / (1 + 1 / 12 + 1 / 10)
    scale = first_wave / sum(weights.values())
    return {c: int(w * scale) + 1 for c, w in weights.items()}


def write_national(raw_dir: Path, seed: int = DEFAULT_SEED, workers: int = 2) -> list[Path]:
    """Write the national inbox under raw_dir; returns the files written."""
    written = list(write_demo(raw_dir, seed))
    old = reference.provinces_pre2025()
    extra_old = [(r.province_code, r.province_full_name) for r in old.itertuples() if r.province_code not in DEMO_OLD]
    sizes = census_sizes([c for c, _ in extra_old], seed)
    mapping = reference.province_mapping()
    olds_of = mapping.groupby("province_code_2025")["province_code"].apply(list).to_dict()
    new = reference.provinces_2025()
    tasks_old = [(raw_dir, seed, i, code, name, sizes[code]) for i, (code, name) in enumerate(extra_old)]
    tasks_new = [
        (raw_dir, seed, r.province_code, r.province_full_name, olds_of[r.province_code])
        for r in new.itertuples()
        if r.province_code not in DEMO_2025
    ]
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        # Largest censuses first, so that the two workers finish together.
        order = sorted(tasks_old, key=lambda t: -t[5])
        results = list(pool.map(_old_province, order)) + list(pool.map(_new_unit, tasks_new))
    for files in results:
        for path, _ in files:
            written.append(Path(path))
    return sorted(written)
