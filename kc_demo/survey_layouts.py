"""Writers for the census, outcome-survey and plan files of the demo (see surveys.py)."""

from __future__ import annotations

import csv
from pathlib import Path

from .layouts import _workbook, amount, en_text

CSV_TYPE = {
    "sme": "DNNVV",
    "cooperative": "HTX",
    "cooperative_group": "THT",
    "household_business": "HKD",
    "establishment": "Cơ sở",
}
CENSUS_PERSONAL = ["Họ tên chủ cơ sở", "Điện thoại", "Số CCCD/CMND"]


def _phone_cell(phone: str, rng):
    """Phones as typed: text, or a number that lost its leading zero in Excel."""
    return float(phone.replace(" ", "").replace(".", "")) if rng.random() < 0.15 else phone


def _title(ws, province_title: str, heading: str, last: int) -> None:
    ws.write(0, 0, f"UBND {province_title.upper()}")
    ws.write(0, last, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    ws.write(1, 0, "SỞ CÔNG THƯƠNG")
    ws.write(1, last, "Độc lập - Tự do - Hạnh phúc")
    ws.write(3, 0, heading)


def census_by_district_xlsx(path: Path, rows: list[dict], *, year: int, province_title: str, labels, rng) -> None:
    """A census wave grouped under district section rows ("I. Huyện Mỹ Xuyên"); year only in the title."""
    wb = _workbook(path)
    ws = wb.add_worksheet("Danh sách cơ sở")
    header = [
        "STT",
        "Mã cơ sở",
        "Tên cơ sở",
        "Loại hình",
        "Ngành nghề sản xuất",
        "Xã/Phường/Thị trấn",
        *CENSUS_PERSONAL,
        "Số lao động",
        "Doanh thu năm (triệu đồng)",
        "Năm thành lập",
    ]
    _title(ws, province_title, f"KẾT QUẢ ĐIỀU TRA CƠ SỞ CÔNG NGHIỆP NÔNG THÔN NĂM {year}", len(header) - 3)
    for c, h in enumerate(header):
        ws.write(5, c, h)
    for c in range(len(header)):
        ws.write(6, c, f"({c + 1})")
    r = 7
    by_district: dict[str, list[dict]] = {}
    for row in rows:
        by_district.setdefault(row["f"].district_full, []).append(row)
    romans = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV"]
    for i, (district, group) in enumerate(sorted(by_district.items())):
        label = romans[i] if i < len(romans) else str(i + 1)
        ws.write(r, 0, label)
        ws.write(r, 2, district)
        r += 1
        for n, row in enumerate(group, 1):
            f = row["f"]
            values = [
                n,
                row["code"],
                row["name"],
                rng.choice(labels[row.get("type", f.type)]),
                f.product,
                f.commune,
                f.owner,
                _phone_cell(f.phone, rng),
                f.national_id,
                f.employees,
                float(amount(f.revenue_k, "triệu đồng")),
                f.founded,
            ]
            for c, v in enumerate(values):
                if v is not None:
                    ws.write(r, c, v)
            r += 1
        ws.write(r, 2, f"Cộng {district[0].lower()}{district[1:]}")
        ws.write(r, 9, sum(row["f"].employees for row in group))
        r += 1
    ws.write(r + 1, 8, "Người lập biểu")
    wb.close()


def census_flat_xlsx(
    path: Path, rows: list[dict], *, year: int, province_title: str, labels, rng, bad_rows: bool = False
) -> None:
    """A supplementary wave: district and survey year in columns, revenue in nghìn đồng."""
    wb = _workbook(path)
    ws = wb.add_worksheet(f"Bổ sung {year}")
    header = [
        "TT",
        "Mã số cơ sở",
        "Tên cơ sở",
        "Loại hình",
        "Ngành nghề",
        "Xã/Phường/Thị trấn",
        "Huyện",
        "Họ và tên chủ cơ sở",
        "Số điện thoại",
        "Số CMND/CCCD",
        "Lao động",
        "Doanh thu (1.000đ)",
        "Năm bắt đầu hoạt động",
        "Năm điều tra",
    ]
    _title(ws, province_title, "DANH SÁCH CƠ SỞ CNNT ĐIỀU TRA BỔ SUNG", len(header) - 3)
    for c, h in enumerate(header):
        ws.write(5, c, h)
    r = 6
    for n, row in enumerate(rows, 1):
        f = row["f"]
        values = [
            n,
            row["code"],
            row["name"],
            rng.choice(labels[row.get("type", f.type)]),
            f.product,
            f.commune,
            f.district,
            f.owner,
            _phone_cell(f.phone, rng),
            f.national_id,
            f.employees,
            f.revenue_k,
            f.founded,
            year,
        ]
        for c, v in enumerate(values):
            if v is not None:
                ws.write(r, c, v)
        r += 1
    if bad_rows:  # two rows an officer must fix: no facility name; a head count written in words
        ws.write_row(
            r,
            0,
            [
                r - 5,
                None,
                None,
                "Hộ kinh doanh",
                "bánh pía",
                "Xã Đại Tâm",
                "Mỹ Xuyên",
                "Trần Văn Bảy",
                "0913 555 012",
                "094123456789",
                4,
                250_000,
                2010,
                year,
            ],
        )
        ws.write_row(
            r + 1,
            0,
            [
                r - 4,
                None,
                "Hộ kinh doanh Bánh pía Út Bảy 77",
                "Hộ kinh doanh",
                "bánh pía",
                "Xã Đại Tâm",
                "Mỹ Xuyên",
                "Lâm Thị Hoa",
                "0918.222.333",
                "094198765432",
                "khoảng 10",
                300_000,
                2012,
                year,
            ],
        )
    wb.close()


def census_csv(path: Path, rows: list[dict], *, year: int, province_label: str) -> None:
    """A census export as CSV (UTF-8, no BOM), revenue as English-style text in đồng."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = [
        "Mã cơ sở",
        "Tên cơ sở",
        "Loại hình",
        "Ngành nghề",
        "Xã/Phường",
        "Huyện",
        "Tỉnh",
        "Họ tên chủ cơ sở",
        "Điện thoại",
        "Số CCCD",
        "Số lao động",
        "Doanh thu năm (đồng)",
        "Năm điều tra",
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            f = row["f"]
            writer.writerow(
                [
                    row["code"] or "",
                    row["name"],
                    CSV_TYPE[row.get("type", f.type)],
                    f.product,
                    f.commune,
                    f.district,
                    province_label,
                    f.owner,
                    f.phone,
                    f.national_id,
                    f.employees,
                    en_text(amount(f.revenue_k, "đồng")),
                    year,
                ]
            )


def outcomes_xlsx(path: Path, rows: list[dict], *, year: int, province_title: str) -> None:
    """The outcome survey: two-row header ("Sản lượng" over "Trước hỗ trợ | Sau hỗ trợ"), a unit column."""
    wb = _workbook(path)
    ws = wb.add_worksheet("Khảo sát")
    groups = [("Sản lượng", None), ("Số lao động", None), ("Doanh thu (triệu đồng)", "triệu đồng")]
    header = ["STT", "Mã đề án", "Tên cơ sở", "Năm hỗ trợ", "ĐVT"]
    last = len(header) + 2 * len(groups)
    _title(ws, province_title, f"KẾT QUẢ KHẢO SÁT ĐÁNH GIÁ HIỆU QUẢ SAU HỖ TRỢ NĂM {year}", last - 3)
    for c, h in enumerate(header):
        ws.merge_range(5, c, 6, c, h)
    for g, (label, _) in enumerate(groups):
        c = len(header) + 2 * g
        ws.merge_range(5, c, 5, c + 1, label)
        ws.write(6, c, "Trước hỗ trợ")
        ws.write(6, c + 1, "Sau hỗ trợ")
    ws.merge_range(5, last, 6, last, "Lao động tăng thêm")
    r = 7
    for n, row in enumerate(rows, 1):
        p, b = row["project"], row["facility"]
        values = [
            n,
            p.code,
            b.name,
            p.year,
            row["unit"],
            row["o0"],
            row["o1"],
            row["w0"],
            row["w1"],
            float(amount(row["r0"], "triệu đồng")),
            float(amount(int(row["r1"]), "triệu đồng")),
            row["new_jobs"],
        ]
        for c, v in enumerate(values):
            if v is not None:
                ws.write(r, c, v)
        r += 1
    ws.write(r, 2, "Tổng cộng")
    ws.write(r, last, sum(row["new_jobs"] for row in rows))
    wb.close()


LEVEL_ROW = {"national": "Khuyến công quốc gia", "local": "Khuyến công địa phương"}


def plan_year_xlsx(path: Path, lines: list[dict], *, year: int, province_title: str) -> None:
    """One year's plan: the year only in the title, one row per level, a total row."""
    wb = _workbook(path)
    ws = wb.add_worksheet("Kế hoạch")
    _title(ws, province_title, f"KẾ HOẠCH KINH PHÍ KHUYẾN CÔNG NĂM {year}", 4)
    header = ["STT", "Nguồn kinh phí", "Số đề án kế hoạch", "Số đề án được phê duyệt", "Kinh phí kế hoạch (triệu đồng)"]
    for c, h in enumerate(header):
        ws.write(5, c, h)
    r = 6
    for n, line in enumerate(lines, 1):
        ws.write_row(
            r,
            0,
            [
                n,
                LEVEL_ROW[line["level"]],
                line["planned"],
                line["approved"],
                float(amount(line["budget_k"], "triệu đồng")),
            ],
        )
        r += 1
    ws.write_row(
        r,
        0,
        [
            None,
            "Tổng cộng",
            sum(x["planned"] for x in lines),
            sum(x["approved"] for x in lines),
            float(amount(sum(x["budget_k"] for x in lines), "triệu đồng")),
        ],
    )
    wb.close()


def plan_years_xlsx(path: Path, lines: list[dict], *, province_title: str, rng) -> None:
    """Every year in one sheet, a year and a level column, budget in nghìn đồng under an ĐVT line."""
    wb = _workbook(path)
    ws = wb.add_worksheet("KH")
    years = [line["year"] for line in lines]
    _title(ws, province_title, f"TỔNG HỢP KẾ HOẠCH KINH PHÍ KHUYẾN CÔNG GIAI ĐOẠN {min(years)} - {max(years)}", 4)
    ws.write(4, 4, "ĐVT: nghìn đồng")
    header = ["STT", "Năm", "Cấp", "Số đề án", "Kinh phí kế hoạch", "Số đề án được phê duyệt"]
    for c, h in enumerate(header):
        ws.write(5, c, h)
    for n, line in enumerate(lines, 1):
        ws.write_row(
            5 + n,
            0,
            [
                n,
                line["year"],
                rng.choice(["KCQG", "QG"]) if line["level"] == "national" else rng.choice(["KCĐP", "ĐP"]),
                line["planned"],
                line["budget_k"],
                line["approved"],
            ],
        )
    wb.close()
