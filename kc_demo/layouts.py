"""Writers for the layouts provinces use (see reporting-forms.md, "Variations that occur").

- `sectioned_xlsx`: title block, two-row merged header, column-number or unit row, section rows
  "I. KHUYẾN CÔNG QUỐC GIA" / "II. KHUYẾN CÔNG ĐỊA PHƯƠNG", subtotals, grand total, signature block.
- `yearly_sheets_xlsx`: one sheet per year plus a "Hướng dẫn" sheet, single header row, level column.
- `year_sections_xlsx`: many years in one sheet under "A. Năm 2012" section rows.
- `flat_csv`: one header row, province and level columns, money as text in Vietnamese or English style.
"""

from __future__ import annotations

import csv
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from .plan import Project

UNIT_DIVISOR = {
    "đồng": Decimal("0.001"),
    "nghìn đồng": Decimal(1),
    "triệu đồng": Decimal(1000),
    "tỷ đồng": Decimal(1_000_000),
}
UNIT_HEADER = {"đồng": "đồng", "nghìn đồng": "1.000đ", "triệu đồng": "triệu đồng", "tỷ đồng": "tỷ đồng"}
FIXED_TIME = datetime(2025, 1, 1)


def amount(value_k: int, unit: str) -> Decimal:
    return (Decimal(value_k) / UNIT_DIVISOR[unit]).normalize()


def vi_text(value: Decimal) -> str:
    """20253.331 → '20.253,331' (Vietnamese style)."""
    whole, _, frac = f"{value:f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    frac = frac.rstrip("0")
    return f"{grouped},{frac}" if frac else grouped


def en_text(value: Decimal) -> str:
    whole, _, frac = f"{value:f}".partition(".")
    frac = frac.rstrip("0")
    return f"{int(whole):,}" + (f".{frac}" if frac else "")


def money_cell(value_k: int, unit: str, style: str):
    """A money cell as the file writes it: a real number, or text in one style; '-' for none."""
    if not value_k:
        return "-" if style != "number" else None
    value = amount(value_k, unit)
    if style == "vi":
        return vi_text(value)
    if style == "en":
        return en_text(value)
    return float(value)


def _workbook(path: Path) -> xlsxwriter.Workbook:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    wb.set_properties({"created": FIXED_TIME, "author": "Trung tâm Khuyến công"})
    return wb


def _beneficiary_text(p: Project) -> str:
    return "\n".join(b.name for b in p.beneficiaries)


def _type_text(p: Project, labels: dict, rng) -> str:
    return rng.choice(labels[p.beneficiaries[0].type])


def sectioned_xlsx(
    path: Path,
    projects: list[Project],
    *,
    province_title: str | None,
    year: int,
    unit: str,
    number_style: str,
    unit_place: str,
    with_type: bool,
    with_content: bool,
    labels,
    rng,
) -> None:
    """The ministry's reporting form as most provinces fill it in."""
    wb = _workbook(path)
    ws = wb.add_worksheet(f"Năm {year}" if rng.random() < 0.5 else "Sheet1")
    bold = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1})
    cell = wb.add_format({"border": 1, "text_wrap": True})
    money = wb.add_format({"border": 1, "num_format": "#,##0.000"})
    columns = ["STT", "Mã đề án", "Tên đề án"]
    if with_content:
        columns.append("Nội dung hỗ trợ")
    columns += ["Đơn vị thụ hưởng"]
    if with_type:
        columns.append("Loại hình")
    columns.append("Địa bàn")
    money_start = len(columns)
    columns += ["NSTW", "NSĐP", "Đối ứng", "Tổng"]
    columns += ["Việc làm tạo mới", "Số học viên", "Tình trạng"]
    last = len(columns) - 1

    r = 0
    ws.write(r, 0, f"UBND {province_title.upper()}" if province_title else "UBND TỈNH")
    ws.write(r, last - 3, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    ws.write(r + 1, 0, "SỞ CÔNG THƯƠNG")
    ws.write(r + 1, last - 3, "Độc lập - Tự do - Hạnh phúc")
    ws.merge_range(r + 3, 0, r + 3, last, f"DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM {year}", bold)
    ws.merge_range(
        r + 4, 0, r + 4, last, f"(Kèm theo Báo cáo số {rng.randint(10, 99)}/BC-SCT ngày 15 tháng 01 năm {year + 1})"
    )
    r = 5
    if unit_place == "dvt":
        ws.write(r, last - 2, f"ĐVT: {unit}")
        r += 1
    header_unit = f" ({UNIT_HEADER[unit]})" if unit_place == "header" else ""
    for c, name in enumerate(columns):
        if money_start <= c < money_start + 4:
            ws.write(r + 1, c, name, bold)
        else:
            ws.merge_range(r, c, r + 1, c, name, bold)
    ws.merge_range(r, money_start, r, money_start + 3, f"Kinh phí{header_unit}", bold)
    r += 2
    if unit_place == "unit_row":
        for c in range(len(columns)):
            ws.write(r, c, unit if money_start <= c < money_start + 4 else "", cell)
        r += 1
    else:
        for c in range(len(columns)):
            ws.write(r, c, f"({c + 1})", bold)
        r += 1

    def write_money(row, values_k):
        for i, v in enumerate(values_k):
            val = money_cell(v, unit, number_style)
            if isinstance(val, float):
                ws.write_number(row, money_start + i, val, money)
            elif val is not None:
                ws.write_string(row, money_start + i, val, cell)

    grand = [0, 0, 0, 0]
    for roman, level, title in (("I", "national", "KHUYẾN CÔNG QUỐC GIA"), ("II", "local", "KHUYẾN CÔNG ĐỊA PHƯƠNG")):
        group = [p for p in projects if p.level == level]
        if not group:
            continue
        ws.write(r, 0, roman, bold)
        ws.write(r, 2, title, bold)
        r += 1
        sums = [0, 0, 0, 0]
        for n, p in enumerate(group, 1):
            values = [p.central_k, p.local_k, p.contribution_k, p.state_k + p.contribution_k]
            row = [n, p.code, p.name]
            if with_content:
                row.append(p.wording)
            row.append(_beneficiary_text(p))
            if with_type:
                row.append(_type_text(p, labels["type"], rng))
            row.append(p.location)
            for c, v in enumerate(row):
                ws.write(r, c, v, cell)
            write_money(r, values)
            ws.write(r, money_start + 4, p.jobs if p.jobs is not None else "", cell)
            ws.write(r, money_start + 5, p.trainees if p.trainees is not None else "", cell)
            ws.write(r, money_start + 6, rng.choice(labels["status"][p.status]), cell)
            sums = [a + b for a, b in zip(sums, values)]
            r += 1
        ws.write(r, 2, f"Cộng {roman}", bold)
        write_money(r, sums)
        grand = [a + b for a, b in zip(grand, sums)]
        r += 1
    ws.write(r, 2, "TỔNG CỘNG", bold)
    write_money(r, grand)
    r += 2
    ws.write(r, last - 3, f"{province_title or ''}, ngày 15 tháng 01 năm {year + 1}".strip(", "))
    ws.write(r + 1, 1, "Người lập biểu")
    ws.write(r + 1, last - 3, "GIÁM ĐỐC")
    ws.write(r + 4, last - 3, "(đã ký)")
    wb.close()


def yearly_sheets_xlsx(
    path: Path, by_year: dict[int, list[Project]], *, province_title: str, unit: str, labels, rng
) -> None:
    """One sheet per year and an instructions sheet; amounts in the header's unit, as numbers."""
    wb = _workbook(path)
    guide = wb.add_worksheet("Hướng dẫn")
    guide.write(0, 0, "Hướng dẫn điền biểu: mỗi năm một sheet; kinh phí ghi theo đơn vị nghìn đồng.")
    guide.write(1, 0, "Nguồn kinh phí: KCQG (khuyến công quốc gia) hoặc KCĐP (khuyến công địa phương).")
    u = UNIT_HEADER[unit]
    header = [
        "STT",
        "Mã số",
        "Tên đề án khuyến công",
        "Nguồn kinh phí",
        "Lĩnh vực",
        "Cơ sở thụ hưởng",
        "Địa chỉ",
        f"Kinh phí NSTW ({u})",
        f"Kinh phí NSĐP ({u})",
        f"Vốn đối ứng ({u})",
        f"Tổng kinh phí ({u})",
        "Giải quyết việc làm",
        "Số người được đào tạo",
        "Tiến độ",
    ]
    for year, projects in sorted(by_year.items()):
        ws = wb.add_worksheet(f"Năm {year}")
        ws.write(0, 0, f"SỞ CÔNG THƯƠNG {province_title.upper()}")
        ws.write(1, 0, f"KẾT QUẢ THỰC HIỆN ĐỀ ÁN KHUYẾN CÔNG NĂM {year}")
        for c, h in enumerate(header):
            ws.write(3, c, h)
        r = 4
        for n, p in enumerate(projects, 1):
            row = [n, p.code, p.name, rng.choice(labels["level"][p.level]), p.wording, _beneficiary_text(p), p.location]
            for c, v in enumerate(row):
                ws.write(r, c, v)
            for i, v in enumerate([p.central_k, p.local_k, p.contribution_k, p.state_k + p.contribution_k]):
                if v:
                    ws.write_number(r, 7 + i, float(amount(v, unit)))
            if p.jobs is not None:
                ws.write_number(r, 11, p.jobs)
            if p.trainees is not None:
                ws.write_number(r, 12, p.trainees)
            ws.write(r, 13, rng.choice(labels["status"][p.status]))
            r += 1
        ws.write(r, 2, "Tổng cộng")
        ws.write_formula(
            r, 10, f"=SUM(K5:K{r})", None, float(sum(amount(p.state_k + p.contribution_k, unit) for p in projects))
        )
    wb.close()


def year_sections_xlsx(path: Path, by_year: dict[int, list[Project]], *, province_title: str, labels, rng) -> None:
    """Many years in one sheet, each under a section row 'A. Năm 2012'; amounts in đồng."""
    wb = _workbook(path)
    ws = wb.add_worksheet("Tổng hợp")
    ws.write(0, 0, f"UBND {province_title.upper()}")
    ws.write(2, 0, f"TỔNG HỢP ĐỀ ÁN KHUYẾN CÔNG GIAI ĐOẠN {min(by_year)} - {max(by_year)}")
    header = [
        "TT",
        "Tên đề án",
        "Cấp",
        "Nội dung",
        "Đơn vị thực hiện",
        "Loại hình",
        "Địa bàn",
        "NS Trung ương (đồng)",
        "NS tỉnh (đồng)",
        "Kinh phí đơn vị thụ hưởng (đồng)",
        "Số lao động có việc làm",
        "Số học viên",
        "Tình trạng",
    ]
    for c, h in enumerate(header):
        ws.write(4, c, h)
    r = 5
    for i, (year, projects) in enumerate(sorted(by_year.items())):
        letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]
        ws.write(r, 0, f"{letter}. Năm {year}")
        r += 1
        for n, p in enumerate(projects, 1):
            row = [
                n,
                p.name,
                rng.choice(labels["level"][p.level]),
                p.wording,
                _beneficiary_text(p),
                _type_text(p, labels["type"], rng),
                p.location,
            ]
            for c, v in enumerate(row):
                ws.write(r, c, v)
            for k, v in enumerate([p.central_k, p.local_k, p.contribution_k]):
                if v:
                    ws.write_number(r, 7 + k, v * 1000)
            if p.jobs is not None:
                ws.write_number(r, 10, p.jobs)
            if p.trainees is not None:
                ws.write_number(r, 11, p.trainees)
            ws.write(r, 12, rng.choice(labels["status"][p.status]))
            r += 1
        ws.write(r, 1, f"Cộng năm {year}")
        ws.write_number(r, 7, sum(p.central_k for p in projects) * 1000)
        r += 1
    wb.close()


def flat_csv(
    path: Path,
    projects: list[Project],
    *,
    province_labels: list[str],
    number_style: str,
    bom: bool,
    labels,
    rng,
    extra_rows: list[dict] | None = None,
) -> None:
    """A flat export: one row per project, the province and level in columns, money in đồng as text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = [
        "STT",
        "Tỉnh",
        "Năm",
        "Cấp",
        "Mã đề án",
        "Tên đề án",
        "Nội dung hỗ trợ",
        "Đơn vị thụ hưởng",
        "Loại hình",
        "Địa bàn",
        "Kinh phí KCQG (đồng)",
        "Kinh phí KCĐP (đồng)",
        "Vốn đối ứng (đồng)",
        "Tổng kinh phí (đồng)",
        "Việc làm tạo mới",
        "Số học viên",
        "Tình trạng",
    ]
    fmt = vi_text if number_style == "vi" else en_text
    rows = []
    for n, p in enumerate(projects, 1):
        money = [
            fmt(amount(v, "đồng")) if v else ""
            for v in (p.central_k, p.local_k, p.contribution_k, p.state_k + p.contribution_k)
        ]
        rows.append(
            [
                n,
                rng.choice(province_labels),
                p.year,
                rng.choice(labels["level"][p.level]),
                p.code,
                p.name,
                p.wording,
                "; ".join(b.name for b in p.beneficiaries),
                _type_text(p, labels["type"], rng),
                p.location,
                *money,
                "" if p.jobs is None else p.jobs,
                "" if p.trainees is None else p.trainees,
                rng.choice(labels["status"][p.status]),
            ]
        )
    for extra in extra_rows or []:
        rows.append([len(rows) + 1] + [extra.get(h, "") for h in header[1:]])
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
