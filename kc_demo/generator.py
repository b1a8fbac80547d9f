"""`kc demo`: write the demo inbox.

Eight pre-2025 provinces (2012–2024) and four post-reform units (2025). Sóc Trăng, Thái Nguyên and
Bắc Giang are built to reproduce the figures of published-figures.md; the others are plausible
background. Project registers are planned here; censuses, outcome surveys and plans in surveys.py.
Everything follows from the seed: the same seed gives byte-identical files with identical modification
times.
"""

from __future__ import annotations

import os
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipelines import reference

from . import layouts, surveys
from .plan import CENTRE, Beneficiary, Planner, ProvincePlan, allocate
from .vocabulary import LEVEL_LABEL, STATUS_LABEL, TYPE_LABEL

LABELS = {"type": TYPE_LABEL, "status": STATUS_LABEL, "level": LEVEL_LABEL}
DEFAULT_SEED = 2012
FACILITY_CONTENTS = ["demo_model"] * 6 + [
    "product_development",
    "cleaner_production",
    "consulting",
    "clusters_linkage",
    "trade_promotion",
]

# Published targets (published-figures.md), in nghìn đồng where money.
ST_STATE_K, ST_CONTRIBUTION_K, ST_DEMO_JOBS = 20_253_331, 73_738_019, 2_520
TN_TYPES = {"sme": 90, "establishment": 67, "cooperative_group": 7, "household_business": 186}


def _districts() -> dict[str, list[str]]:
    frame = reference.district_names_pre2025()
    out: dict[str, list[str]] = {}
    for row in frame.itertuples():
        out.setdefault(row.province_code, []).append(row.district_name)
    return {k: sorted(v) for k, v in out.items()}


def _facility_type(rng: random.Random) -> str:
    return rng.choices(
        ["sme", "cooperative", "cooperative_group", "household_business", "establishment"], [35, 10, 5, 35, 15]
    )[0]


def _background(planner: Planner, plan: ProvincePlan, years, per_year=(8, 20)) -> None:
    rng = planner.rng
    for year in years:
        n_nat = rng.randint(0, 3)
        for i in range(rng.randint(*per_year)):
            level = "national" if i < n_nat else "local"
            content = planner.random_content(level)
            facilities = (
                [] if content in ("information", "program_management") else [planner.facility(_facility_type(rng))]
            )
            plan.projects.append(
                planner.project(year, level, content, facilities, plan.old_code or "", f"{CENTRE} {plan.name}")
            )


def soc_trang(planner: Planner) -> ProvincePlan:
    rng = planner.rng
    plan = ProvincePlan("soc-trang", "tỉnh Sóc Trăng", "94")
    centre = f"{CENTRE} và Tư vấn phát triển công nghiệp Sóc Trăng"
    national = dict(zip(range(2012, 2023), [2, 1, 1, 2, 1, 1, 2, 1, 1, 2, 1]))  # 15
    local = dict(zip(range(2012, 2023), [18] + [19] * 10))  # 208
    special = ["training_vocational"] * 2 + ["training_startup"] * 2 + ["program_management"] * 17
    local_slots = [(y, i) for y in range(2012, 2023) for i in range(local[y])]
    special_at = dict(zip(rng.sample(local_slots, len(special)), special))
    period = []
    for year in range(2012, 2023):
        for _ in range(national[year]):
            content = rng.choice(["demo_model", "demo_model", "product_development", "cleaner_production"])
            period.append(planner.project(year, "national", content, [planner.facility("sme")], "94", centre))
        for i in range(local[year]):
            kind = special_at.get((year, i))
            if kind == "training_vocational":
                p = planner.project(year, "local", "training_capacity", [], "94", centre)
                p.wording, p.name = (
                    "Đào tạo nghề, truyền nghề",
                    f"Đào tạo nghề, truyền nghề đan bao bì lục bình năm {year}",
                )
                p.beneficiaries = [Beneficiary(centre, "other")]
                p.trainees = p.jobs = 30  # st-08: 2 classes, 60 workers
            elif kind == "training_startup":
                p = planner.project(year, "local", "training_capacity", [], "94", centre)
                p.wording, p.name = "Tập huấn khởi sự doanh nghiệp", f"Tập huấn khởi sự doanh nghiệp năm {year}"
                p.beneficiaries = [Beneficiary(centre, "other")]
                p.trainees = 38  # st-09: 2 classes, 76 trainees
            elif kind == "program_management":
                p = planner.project(year, "local", "program_management", [], "94", centre)
                p.wording = "Tập huấn cán bộ làm công tác khuyến công"
                p.name = f"Tập huấn cán bộ làm công tác khuyến công năm {year} (lớp {i + 1})"
            else:
                content = rng.choice(
                    ["demo_model"] * 5
                    + ["product_development", "trade_promotion", "cleaner_production", "consulting", "information"]
                )
                facilities = [] if content == "information" else [planner.facility(_facility_type(rng))]
                p = planner.project(year, "local", content, facilities, "94", centre)
            period.append(p)
    managed = [p for p in period if p.content == "program_management"]
    for p, t in zip(managed, allocate(892, [rng.uniform(0.7, 1.3) for _ in managed])):
        p.trainees = t  # st-10: 17 classes, 892 participants
    planner.fill_amounts(period, ST_STATE_K, ST_CONTRIBUTION_K)
    planner.fill_outputs(period, ST_DEMO_JOBS)
    plan.projects = period
    later = ProvincePlan("", "tỉnh Sóc Trăng", "94")
    _background(planner, later, [2023, 2024])
    later.projects = [p for p in later.projects if p.year == 2024]
    for i in range(18):  # st-11: 2023 approved 2 national and 16 local
        level = "national" if i < 2 else "local"
        content = planner.random_content(level)
        facilities = [] if content in ("information", "program_management") else [planner.facility("sme")]
        later.projects.append(planner.project(2023, level, content, facilities, "94", centre))
    planner.fill_amounts(later.projects)
    planner.fill_outputs(later.projects)
    plan.projects += later.projects
    planner.statuses(plan.projects)
    planner.codes(plan, "ST")
    return plan


def thai_nguyen(planner: Planner) -> ProvincePlan:
    rng = planner.rng
    plan = ProvincePlan("thai-nguyen", "tỉnh Thái Nguyên", "19")
    centre = f"{CENTRE} và Tư vấn phát triển công nghiệp Thái Nguyên"
    shapes = []  # (year, level)
    for year in range(2012, 2023):
        if year == 2020:
            shapes += [(year, "national")] * 4 + [(year, "local")] * 13  # tn-04, tn-06, tn-07
        else:
            shapes += [(year, "national")] * 3 + [(year, "local")] * (26 if year % 2 else 27)
    local_idx = [i for i, s in enumerate(shapes) if s[1] == "local"]
    system = set(rng.sample(local_idx, 30))
    fairs = set(rng.sample([i for i in local_idx if i not in system], 20))
    facilities = [planner.facility(t) for t, n in TN_TYPES.items() for _ in range(n)]  # tn-02, tn-03
    slots_needed = sum(5 if i in fairs else 1 for i in range(len(shapes)) if i not in system)
    while True:
        pool = facilities + rng.sample(facilities, slots_needed - len(facilities))
        rng.shuffle(pool)
        groups, pos = {}, 0
        for i in range(len(shapes)):
            if i in system:
                continue
            size = 5 if i in fairs else 1
            groups[i] = pool[pos : pos + size]
            pos += size
        if all(len({id(b) for b in g}) == len(g) for g in groups.values()):
            break
    for i, (year, level) in enumerate(shapes):
        if i in system:
            content = rng.choice(["information", "program_management"])
            p = planner.project(year, level, content, [Beneficiary(centre, "other")], "19", centre)
        else:
            content = "trade_promotion" if i in fairs else rng.choice(FACILITY_CONTENTS[:-1])
            p = planner.project(year, level, content, groups[i], "19", centre)
        plan.projects.append(p)
    y2020 = [p for p in plan.projects if p.year == 2020]
    others = [p for p in plan.projects if p.year != 2020]
    planner.fill_amounts(others)
    planner.fill_amounts([p for p in y2020 if p.level == "national"], 4_452_000, 9_800_000)
    planner.fill_amounts([p for p in y2020 if p.level == "local"], 1_735_500, 3_100_000)
    planner.fill_outputs(plan.projects)
    later = ProvincePlan("", "tỉnh Thái Nguyên", "19")
    _background(planner, later, [2023, 2024])
    planner.fill_amounts(later.projects)
    planner.fill_outputs(later.projects)
    plan.projects += later.projects
    planner.statuses(plan.projects)
    planner.codes(plan, "TN")
    return plan


def bac_giang(planner: Planner) -> ProvincePlan:
    rng = planner.rng
    plan = ProvincePlan("bac-giang", "tỉnh Bắc Giang", "24")
    centre = f"{CENTRE} và Tư vấn phát triển công nghiệp Bắc Giang"
    _background(planner, plan, range(2012, 2023))
    planner.fill_amounts(plan.projects)
    planner.fill_outputs(plan.projects)
    # 2023: 6 national projects helping 11 enterprises, ~3.2 bn; 9 local, ~3.2 bn (bg-01..03)
    nat = [
        planner.project(
            2023,
            "national",
            rng.choice(["demo_model", "product_development"]),
            [planner.facility("sme") for _ in range(k)],
            "24",
            centre,
        )
        for k in (2, 2, 2, 2, 2, 1)
    ]
    loc = [
        planner.project(
            2023, "local", planner.random_content("local"), [planner.facility(_facility_type(rng))], "24", centre
        )
        for _ in range(9)
    ]
    planner.fill_amounts(nat, 3_200_000, 7_400_000)
    planner.fill_amounts(loc, 3_200_000, 5_900_000)
    # 2024: 16 local projects carried out, by content 10/1/1/2/2 (bg-05, bg-06), plus 2 national
    mix = ["demo_model"] * 10 + ["product_development", "consulting"] + ["information"] * 2 + ["program_management"] * 2
    y2024 = [
        planner.project(
            2024,
            "local",
            c,
            [] if c in ("information", "program_management") else [planner.facility(_facility_type(rng))],
            "24",
            centre,
        )
        for c in mix
    ]
    y2024 += [
        planner.project(2024, "national", "demo_model", [planner.facility("sme")], "24", centre) for _ in range(2)
    ]
    # by mid-2024 the 16 local projects had used 3.18 of the 3.5 billion planned (bg-04)
    planner.fill_amounts([p for p in y2024 if p.level == "local"], 3_180_000)
    planner.fill_amounts([p for p in y2024 if p.level == "national"])
    for group in (nat, loc, y2024):
        planner.fill_outputs(group)
    plan.projects += nat + loc + y2024
    planner.statuses(plan.projects)
    planner.codes(plan, "BG")
    return plan


def background(planner: Planner, key: str, name: str, code: str, prefix: str, years) -> ProvincePlan:
    plan = ProvincePlan(key, name, code)
    _background(planner, plan, years)
    planner.fill_amounts(plan.projects)
    planner.fill_outputs(plan.projects)
    planner.statuses(plan.projects)
    planner.codes(plan, prefix)
    return plan


def post_reform(planner: Planner, key: str, name: str, old_codes: list[str], prefix: str) -> ProvincePlan:
    """A 2025 unit: locations name districts of the old provinces it was formed from."""
    rng = planner.rng
    plan = ProvincePlan(key, name, None)
    for i in range(rng.randint(10, 18)):
        level = "national" if i < 2 else "local"
        content = planner.random_content(level)
        facilities = [] if content in ("information", "program_management") else [planner.facility(_facility_type(rng))]
        p = planner.project(2025, level, content, facilities, rng.choice(old_codes), f"{CENTRE} {name}")
        plan.projects.append(p)
    planner.fill_amounts(plan.projects)
    planner.fill_outputs(plan.projects)
    planner.statuses(plan.projects)
    planner.codes(plan, prefix)
    return plan


def _by_year(projects) -> dict[int, list]:
    out: dict[int, list] = {}
    for p in projects:
        out.setdefault(p.year, []).append(p)
    return out


def _stamp(path: Path, when: datetime) -> None:
    ts = when.replace(tzinfo=UTC).timestamp()
    os.utime(path, (ts, ts))


def _received(rng: random.Random, year: int) -> datetime:
    """Most provinces report in January of the following year; some are late."""
    days = rng.choice([5, 12, 20, 28, 28, 40, 75])
    return datetime(year + 1, 1, 1, 9, 0) + timedelta(days=days, minutes=rng.randint(0, 400))


def _soc_trang_registers(planner: Planner, out: Path, done) -> ProvincePlan:
    """Sóc Trăng: 2012–2016 one workbook, a sheet per year (nghìn đồng); later years the sectioned form."""
    rng = planner.rng
    st = soc_trang(planner)
    years = _by_year(st.projects)
    path = out / "soc-trang" / "danh-muc-de-an-khuyen-cong-2012-2016.xlsx"
    layouts.yearly_sheets_xlsx(
        path,
        {y: years[y] for y in range(2012, 2017)},
        province_title="tỉnh Sóc Trăng",
        unit="nghìn đồng",
        labels=LABELS,
        rng=rng,
    )
    done(path, datetime(2017, 2, 10, 8, 30))
    for y in range(2017, 2025):
        path = out / "soc-trang" / str(y) / f"bao-cao-ket-qua-khuyen-cong-{y}.xlsx"
        layouts.sectioned_xlsx(
            path,
            years[y],
            province_title="tỉnh Sóc Trăng",
            year=y,
            unit="triệu đồng",
            number_style="number",
            unit_place="header",
            with_type=False,
            with_content=True,
            labels=LABELS,
            rng=rng,
        )
        done(path, _received(rng, y))
    return st


def _thai_nguyen_registers(planner: Planner, out: Path, done) -> ProvincePlan:
    """Thái Nguyên: CSV exports with a province column (UTF-8 with BOM), 2019–2021 the sectioned form."""
    rng = planner.rng
    tn = thai_nguyen(planner)
    years = _by_year(tn.projects)
    for y, projects in sorted(years.items()):
        if y in (2019, 2020, 2021):
            path = out / "thai-nguyen" / f"danh-muc-{y}.xlsx"
            layouts.sectioned_xlsx(
                path,
                projects,
                province_title="tỉnh Thái Nguyên",
                year=y,
                unit="triệu đồng",
                number_style="vi",
                unit_place="dvt",
                with_type=True,
                with_content=True,
                labels=LABELS,
                rng=rng,
            )
        else:
            path = out / "thai-nguyen" / f"khuyen-cong-thai-nguyen-{y}.csv"
            layouts.flat_csv(
                path,
                projects,
                province_labels=["Thái Nguyên", "tỉnh Thái Nguyên", "THÁI NGUYÊN", "TN"],
                number_style="vi",
                bom=True,
                labels=LABELS,
                rng=rng,
            )
        done(path, _received(rng, y))
    return tn


def _bac_giang_registers(planner: Planner, out: Path, done) -> ProvincePlan:
    """Bắc Giang: province only in the path; amounts as Vietnamese-style text; one file sent twice."""
    rng = planner.rng
    bg = bac_giang(planner)
    for y, projects in sorted(_by_year(bg.projects).items()):
        path = out / "bac-giang" / str(y) / "danh-muc-de-an.xlsx"
        layouts.sectioned_xlsx(
            path,
            projects,
            province_title=None,
            year=y,
            unit="triệu đồng",
            number_style="vi",
            unit_place="dvt",
            with_type=True,
            with_content=y % 2 == 0,
            labels=LABELS,
            rng=rng,
        )
        done(path, _received(rng, y))
    copy = out / "bac-giang" / "2023" / "danh-muc-de-an (ban sao).xlsx"
    shutil.copyfile(out / "bac-giang" / "2023" / "danh-muc-de-an.xlsx", copy)
    done(copy, datetime(2024, 2, 20, 10, 0))
    return bg


def _bac_kan_registers(planner: Planner, out: Path, done) -> ProvincePlan:
    """Bắc Kạn: all years in one sheet under "A. Năm 2012" section rows, amounts in đồng."""
    rng = planner.rng
    bk = background(planner, "bac-kan", "tỉnh Bắc Kạn", "06", "BK", range(2012, 2025))
    path = out / "bac-kan" / "tong-hop-de-an-2012-2024.xlsx"
    layouts.year_sections_xlsx(path, _by_year(bk.projects), province_title="tỉnh Bắc Kạn", labels=LABELS, rng=rng)
    done(path, datetime(2025, 1, 20, 14, 0))
    return bk


def _bac_ninh_registers(planner: Planner, out: Path, done) -> ProvincePlan:
    """Bắc Ninh: CSV without BOM, English-style amounts."""
    rng = planner.rng
    bn = background(planner, "bac-ninh", "tỉnh Bắc Ninh", "27", "BN", range(2012, 2025))
    for y, projects in sorted(_by_year(bn.projects).items()):
        path = out / "bac-ninh" / f"{y}.csv"
        layouts.flat_csv(
            path,
            projects,
            province_labels=["Bắc Ninh", "tỉnh Bắc Ninh"],
            number_style="en",
            bom=False,
            labels=LABELS,
            rng=rng,
        )
        done(path, _received(rng, y))
    return bn


def _hau_giang_registers(planner: Planner, out: Path, done) -> ProvincePlan:
    """Hậu Giang: sectioned, numbers; 2019 sent again corrected (the first file is superseded)."""
    rng = planner.rng
    hg = background(planner, "hau-giang", "tỉnh Hậu Giang", "93", "HG", range(2012, 2025))
    for y, projects in sorted(_by_year(hg.projects).items()):
        path = out / "hau-giang" / str(y) / f"danh-muc-{y}.xlsx"
        if y == 2019:
            wrong = [p for p in projects]
            saved = wrong[0].local_k, wrong[0].central_k
            wrong[0].local_k, wrong[0].central_k = saved[0] * 10, saved[1] * 10  # a typo, corrected later
            layouts.sectioned_xlsx(
                path,
                wrong,
                province_title="tỉnh Hậu Giang",
                year=y,
                unit="triệu đồng",
                number_style="number",
                unit_place="header",
                with_type=False,
                with_content=True,
                labels=LABELS,
                rng=rng,
            )
            done(path, datetime(2020, 1, 14, 9, 0))
            wrong[0].local_k, wrong[0].central_k = saved
            path = out / "hau-giang" / str(y) / f"danh-muc-{y}-da-sua.xlsx"
            layouts.sectioned_xlsx(
                path,
                projects,
                province_title="tỉnh Hậu Giang",
                year=y,
                unit="triệu đồng",
                number_style="number",
                unit_place="header",
                with_type=False,
                with_content=True,
                labels=LABELS,
                rng=rng,
            )
            done(path, datetime(2020, 3, 2, 15, 0))
            continue
        layouts.sectioned_xlsx(
            path,
            projects,
            province_title="tỉnh Hậu Giang",
            year=y,
            unit="triệu đồng",
            number_style="number",
            unit_place="header",
            with_type=False,
            with_content=True,
            labels=LABELS,
            rng=rng,
        )
        done(path, _received(rng, y))
    return hg


def _can_tho_registers(planner: Planner, out: Path, done) -> ProvincePlan:
    """Cần Thơ (city): sectioned with a unit row under the header, nghìn đồng."""
    rng = planner.rng
    ct = background(planner, "can-tho", "thành phố Cần Thơ", "92", "CT", range(2012, 2025))
    for y, projects in sorted(_by_year(ct.projects).items()):
        path = out / "can-tho" / f"khuyen-cong-{y}.xlsx"
        layouts.sectioned_xlsx(
            path,
            projects,
            province_title="thành phố Cần Thơ",
            year=y,
            unit="nghìn đồng",
            number_style="number",
            unit_place="unit_row",
            with_type=True,
            with_content=False,
            labels=LABELS,
            rng=rng,
        )
        done(path, _received(rng, y))
    return ct


def _nghe_an_registers(planner: Planner, out: Path, done) -> ProvincePlan:
    """Nghệ An: sectioned, amounts in tỷ đồng; one CSV year with two rows a province officer must fix."""
    rng = planner.rng
    na = background(planner, "nghe-an", "tỉnh Nghệ An", "40", "NA", range(2012, 2025))
    for y, projects in sorted(_by_year(na.projects).items()):
        if y == 2018:
            path = out / "nghe-an" / f"de-an-{y}.csv"
            bad = [
                {
                    "Tỉnh": "Nghệ An",
                    "Năm": "2018",
                    "Cấp": "KCĐP",
                    "Mã đề án": "NA-2018-ĐP-99",
                    "Tên đề án": "Hỗ trợ ứng dụng máy móc thiết bị tiên tiến chế biến chè",
                    "Kinh phí KCĐP (đồng)": "chưa có số liệu",
                    "Tình trạng": "Đang thực hiện",
                },
                {
                    "Tỉnh": "Nghệ An",
                    "Năm": "2018",
                    "Cấp": "Dự phòng",
                    "Mã đề án": "NA-2018-ĐP-98",
                    "Tên đề án": "Tham gia hội chợ, triển lãm hàng CNNT khu vực",
                    "Kinh phí KCĐP (đồng)": "150.000.000",
                },
            ]
            layouts.flat_csv(
                path,
                projects,
                province_labels=["Nghệ An"],
                number_style="vi",
                bom=True,
                labels=LABELS,
                rng=rng,
                extra_rows=bad,
            )
        else:
            path = out / "nghe-an" / str(y) / "danh-muc.xlsx"
            layouts.sectioned_xlsx(
                path,
                projects,
                province_title="tỉnh Nghệ An",
                year=y,
                unit="tỷ đồng",
                number_style="number",
                unit_place="header",
                with_type=True,
                with_content=True,
                labels=LABELS,
                rng=rng,
            )
        done(path, _received(rng, y))
    return na


def _post_reform_registers(planner: Planner, out: Path, done) -> list[ProvincePlan]:
    """2025: the post-reform units report (Resolution 202/2025/QH15)."""
    rng = planner.rng
    reformed = []
    for key, name, olds, prefix in (
        ("thai-nguyen", "tỉnh Thái Nguyên", ["19", "06"], "TN25"),
        ("bac-ninh", "tỉnh Bắc Ninh", ["24", "27"], "BN25"),
        ("can-tho", "thành phố Cần Thơ", ["92", "93", "94"], "CT25"),
        ("nghe-an", "tỉnh Nghệ An", ["40"], "NA25"),
    ):
        plan = post_reform(planner, key, name, olds, prefix)
        path = out / "2025" / key / "danh-muc-de-an-khuyen-cong-2025.xlsx"
        layouts.sectioned_xlsx(
            path,
            plan.projects,
            province_title=name,
            year=2025,
            unit="triệu đồng",
            number_style="number",
            unit_place="header",
            with_type=True,
            with_content=True,
            labels=LABELS,
            rng=rng,
        )
        done(path, _received(rng, 2025) - timedelta(days=200))
        reformed.append(plan)
    return reformed


def write_demo(raw_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the demo inbox (projects, census, outcomes, plans) under raw_dir; returns the files written."""
    planner = Planner(seed, _districts())
    out = raw_dir / "projects"
    written: list[Path] = []

    def done(path: Path, when: datetime) -> None:
        _stamp(path, when)
        written.append(path)

    st = _soc_trang_registers(planner, out, done)
    tn = _thai_nguyen_registers(planner, out, done)
    bg = _bac_giang_registers(planner, out, done)
    bk = _bac_kan_registers(planner, out, done)
    bn = _bac_ninh_registers(planner, out, done)
    hg = _hau_giang_registers(planner, out, done)
    ct = _can_tho_registers(planner, out, done)
    na = _nghe_an_registers(planner, out, done)
    reformed = _post_reform_registers(planner, out, done)

    # Census waves, outcome surveys and plans, from their own random stream so that adding them
    # left the project registers above as they were.
    srng = random.Random(seed + 1)
    builder = surveys.CensusBuilder(srng)
    provinces = [st, tn, bg, bk, bn, hg, ct, na]
    titles = {p.old_code: p.name for p in provinces}
    all_outcomes: dict[str, list[dict]] = {}
    for p in provinces:
        waves = surveys.census_waves(builder, p, p.old_code, srng)
        surveys.write_census(raw_dir, p.key, titles[p.old_code], p.old_code, waves, srng, done)
        all_outcomes[p.old_code] = surveys.outcome_rows(p, p.old_code, srng)
    surveys.pin_revenue_mean([r for rows in all_outcomes.values() for r in rows])
    surveys.check_targets(all_outcomes["94"], [r for rows in all_outcomes.values() for r in rows])
    for p in provinces:
        surveys.write_outcomes(raw_dir, p.key, titles[p.old_code], all_outcomes[p.old_code], done)
        surveys.write_plans(
            raw_dir, p.key, titles[p.old_code], p.old_code, surveys.plan_lines(p, p.old_code, srng), srng, done
        )
    for p in reformed:
        surveys.write_plans(raw_dir, f"2025/{p.key}", p.name, "", surveys.plan_lines(p, "", srng), srng, done)
    return sorted(written)
