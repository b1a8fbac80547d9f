"""`kc validate FILE...`: how the warehouse would read each file, before a province sends it.

Runs the same checks and the same sandboxed readers as a refresh, and writes nothing: no database,
no inbox, no marts. The dataset comes from `--dataset`, else from a dataset folder in the path
(`…/projects/…`), else from whichever dataset's reader accepts the most rows. Exit status 0 when
every file would load with no row rejected, 1 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .datasets import BY_NAME, NAMES
from .ingest.config import CONFIG_DIR, load_dataset_config
from .ingest.discover import FoundFile, _mtime, sha256_of
from .ingest.limits import load_limits
from .ingest.parse import PARSERS, FileOutcome
from .ingest.sandbox import parse_files
from .ingest.sniff import KIND_NAMES
from .vietnamese import vietnamese

UNITS = {"dong": "đồng", "nghin dong": "nghìn đồng", "trieu dong": "triệu đồng", "ty dong": "tỷ đồng"}
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "cp1258": "Windows-1258",
    "tcvn3": "TCVN3 (ABC) legacy text, converted to Unicode",
    "vni": "VNI-Windows legacy text, converted to Unicode",
}


def _found(path: Path, dataset: str | None) -> FoundFile:
    """A FoundFile for a path given on the command line; symbolic links are described, not followed."""
    if path.is_symlink():
        return FoundFile(
            path,
            str(path),
            dataset,
            0,
            _mtime(path.lstat().st_mtime),
            None,
            f"symbolic link to {path.resolve()}: not followed (send the file itself)",
        )
    if not path.exists():
        return FoundFile(path, str(path), dataset, 0, _mtime(0), None, "no such file")
    if not path.is_file():
        return FoundFile(path, str(path), dataset, 0, _mtime(0), None, "not a file")
    st = path.stat()
    return FoundFile(path, str(path), dataset, st.st_size, _mtime(st.st_mtime), sha256_of(path))


def _dataset_from_path(path: Path) -> str | None:
    for part in reversed(path.resolve().parts[:-1]):
        if part in NAMES:
            return part
    return None


def _read(path: Path, dataset: str | None, limits) -> tuple[FileOutcome, str]:
    if dataset:
        return parse_files([_found(path, dataset)], CONFIG_DIR, limits)[0], "given"
    from_path = _dataset_from_path(path)
    if from_path:
        return parse_files([_found(path, from_path)], CONFIG_DIR, limits)[0], f"from the folder '{from_path}/'"
    tries = parse_files([_found(path, d) for d in PARSERS], CONFIG_DIR, limits)
    best = max(
        tries,
        key=lambda o: (
            o.status == "loaded",
            len(o.parsed.records) if o.parsed else 0,
            len(o.parsed.tables) if o.parsed else 0,
        ),
    )
    if best.status != "loaded":
        if best.parsed and best.parsed.tables:
            return best, "the closest reading; no dataset reads it fully"
        unread = FileOutcome(
            FoundFile(path, str(path), None, 0, _mtime(0), None),
            "rejected",
            tries[0].reason,
            tries[0].parsed,
            tries[0].format,
        )
        return unread, "not decided: no dataset's reader can read it"
    return best, "guessed: the dataset whose reader accepts the most rows (use --dataset to say)"


def _province_names() -> dict[str, str]:
    from .reference import province_rows_2025, province_rows_pre2025

    names = {r["province_code"]: r["province_name"] for r in province_rows_pre2025()}
    names.update({f"2025:{r['province_code']}": r["province_name"] for r in province_rows_2025()})
    return names


DATASET_NAMES_VI = {name: dataset.vietnamese for name, dataset in BY_NAME.items()}


class _Lines:
    """Where one report's lines go, and in which language (Vietnamese for officers, or English)."""

    def __init__(self, out, vi: bool):
        self.out, self.vi = out, vi

    def p(self, text: str = "") -> None:
        print(text, file=self.out)

    def L(self, en: str, vi: str) -> str:  # noqa: N802 (read as "label")
        return vi if self.vi else en

    def tr(self, text: str | None) -> str | None:
        return vietnamese(text) if self.vi else text


def report(outcome: FileOutcome, how: str, names: dict[str, str], out=None, lang: str = "vi") -> bool:
    """Print how one file reads; True when it would load with nothing rejected."""
    w = _Lines(out or sys.stdout, lang == "vi")
    parsed = outcome.parsed
    _report_file(w, outcome, how, names)
    described = parsed and any(sheet.info for sheet in parsed.sheets)
    personal = set(load_dataset_config(outcome.found.dataset, CONFIG_DIR).personal_fields) if described else set()
    for sheet in parsed.sheets if parsed else []:
        _report_sheet(w, sheet, personal)
    rejected, off = _report_rows(w, outcome)
    ok = _report_verdict(w, outcome, rejected, off)
    w.p()
    return ok


def _report_file(w: _Lines, outcome: FileOutcome, how: str, names: dict[str, str]) -> None:
    """The file: its format, its dataset and how it was decided, its provinces and years."""
    vi = w.vi
    parsed = outcome.parsed
    w.p(f"{outcome.found.path}")
    if outcome.format:
        w.p(
            f"  {w.L('format:   ', 'định dạng:')} {KIND_NAMES[outcome.format.kind]}"
            + (w.L(", 1904 date system", ", hệ ngày 1904") if outcome.format.date1904 else "")
        )
        for note in outcome.format.notes:
            w.p(f"  {w.L('note:     ', 'ghi chú:  ')} {note}")
    dataset = outcome.found.dataset
    shown_dataset = (
        f"{dataset} ({DATASET_NAMES_VI[dataset]})" if vi and dataset in DATASET_NAMES_VI else (dataset or "?")
    )
    w.p(f"  {w.L('dataset:  ', 'loại:     ')} {shown_dataset} ({_how(how, vi)})")
    if parsed and parsed.records:
        provinces = sorted(
            {(r.get("province_code"), r.get("province_code_2025")) for r in parsed.records},
            key=lambda t: tuple(x or "" for x in t),
        )
        shown = [
            f"{old} {names.get(old, '?')}"
            if old
            else f"{w.L('2025 unit', 'đơn vị 2025')} {new} {names.get(f'2025:{new}', '?')}"
            for old, new in provinces
        ]
        w.p(f"  {w.L('province: ', 'tỉnh:     ')} {', '.join(shown)}")
        w.p(
            f"  {w.L('years:    ', 'năm:      ')} "
            f"{', '.join(str(y) for y in sorted({r['year'] for r in parsed.records if r.get('year')}))}"
        )


def _report_sheet(w: _Lines, sheet, personal: set[str]) -> None:
    """One sheet: where its header and data are, which column gives which field, in which unit."""
    if not sheet.info:
        w.p(f"  {w.L('sheet', 'trang tính')} '{sheet.name}': {w.tr(sheet.note)}")
        return
    info = sheet.info
    header = "–".join(str(r) for r in info.header_rows)
    w.p(
        f"  {w.L('sheet', 'trang tính')} '{sheet.name}': {w.L('header row', 'dòng tiêu đề')} {header}, "
        f"{w.L('data from row', 'dữ liệu từ dòng')} {info.first_data_row}"
    )
    if info.encoding:
        w.p(f"    {w.L('encoding: ', 'bảng mã:  ')} {ENCODINGS.get(info.encoding, info.encoding)}")
    for field, column in info.columns.items():
        if field in info.by_year:
            continue  # shown below with all its year columns
        unit = info.units.get(field)
        w.p(
            f"    {column} → {field}"
            + (f" [{UNITS.get(unit, unit)}]" if unit else "")
            + (
                w.L(" (personal data: read past, never stored)", " (dữ liệu cá nhân: bỏ qua, không lưu)")
                if field in personal
                else ""
            )
        )
    for field, columns in info.by_year.items():
        w.p(f"    {', '.join(columns)} → {field}, {w.L('one record per year column', 'mỗi cột năm một bản ghi')}")
    if info.sheet_unit:
        unit = UNITS.get(info.sheet_unit, info.sheet_unit)
        w.p(
            "    "
            + w.L(
                f"unit line (ĐVT): {unit} for money columns without their own unit",
                f"dòng ĐVT: {unit} cho các cột tiền không ghi đơn vị",
            )
        )
    if info.unmapped:
        w.p(f"    {w.L('not read: ', 'không đọc:')} {', '.join(info.unmapped)}")


def _report_rows(w: _Lines, outcome: FileOutcome) -> tuple[list, list]:
    """The rows accepted and rejected (with reasons), the warnings, the file's totals that disagree."""
    parsed = outcome.parsed
    accepted = len(parsed.records) if parsed else 0
    rejected = parsed.rejected if parsed else []
    if parsed:
        w.p(
            f"  {w.L('rows:     ', 'số dòng:  ')} "
            + w.L(f"{accepted} accepted, {len(rejected)} rejected", f"{accepted} được nhận, {len(rejected)} bị từ chối")
        )
    for row in rejected:
        w.p(f"    {w.L('sheet', 'trang tính')} '{row.sheet}' {w.L('row', 'dòng')} {row.row_number}: {w.tr(row.reason)}")
    warnings = parsed.warnings if parsed and outcome.status == "loaded" else []
    if warnings:
        w.p(
            f"  {w.L('warnings: ', 'cảnh báo: ')} "
            + w.L(f"{len(warnings)} row(s) loaded with a warning", f"{len(warnings)} dòng được nạp kèm cảnh báo")
        )
    for warning in warnings:
        w.p(
            f"    {w.L('sheet', 'trang tính')} '{warning.sheet}' {w.L('row', 'dòng')} {warning.row_number}: "
            f"{w.tr(warning.message)}"
        )
    off = [t for t in (parsed.totals if parsed and outcome.status == "loaded" else []) if not t.reconciles]
    if parsed and parsed.totals and outcome.status == "loaded":
        agree, total = len(parsed.totals) - len(off), len(parsed.totals)
        w.p(
            f"  {w.L('totals:   ', 'tổng cộng:')} "
            + w.L(
                f"{agree} of {total} subtotal figures agree with the rows read",
                f"{agree}/{total} số liệu tổng khớp với các dòng đã đọc",
            )
        )
    for t in off:
        w.p(
            f"    {w.L('sheet', 'trang tính')} '{t.sheet}' {w.L('row', 'dòng')} {t.row_number} '{t.label}': {t.field} "
            + w.L(
                f"{t.stated:,} stated, {t.summed:,} in the rows read (difference {t.stated - t.summed:,})",
                f"ghi {t.stated:,}, các dòng đã đọc cộng lại {t.summed:,} (chênh lệch {t.stated - t.summed:,})",
            )
        )
    return rejected, off


def _report_verdict(w: _Lines, outcome: FileOutcome, rejected: list, off: list) -> bool:
    """What would happen to the file, and a hint when another dataset reads it."""
    ok = outcome.status == "loaded" and not rejected and not off
    if outcome.status != "loaded":
        w.p(f"  {w.L('REJECTED: ', 'TỪ CHỐI:  ')} {w.tr(outcome.reason)}")
    elif rejected:
        w.p(
            f"  {w.L('verdict:  ', 'kết luận: ')} "
            + w.L(
                f"would load with {len(rejected)} row(s) rejected; correct them and resend",
                f"sẽ nạp được nhưng {len(rejected)} dòng bị từ chối; sửa rồi gửi lại",
            )
        )
    elif off:
        w.p(
            f"  {w.L('verdict:  ', 'kết luận: ')} "
            + w.L(
                "would load, but its own totals disagree with its rows: check the rows and the totals",
                "sẽ nạp được, nhưng số tổng trong tệp không khớp với các dòng: kiểm tra lại các dòng và số tổng",
            )
        )
    else:
        w.p(f"  {w.L('verdict:  ', 'kết luận: ')} " + w.L("would load as it is", "sẽ nạp được nguyên vẹn"))
    hint = getattr(outcome, "hint", None)
    if hint:
        w.p(
            f"  {w.L('hint:     ', 'gợi ý:    ')} "
            + w.L(
                f"this looks like a {hint} file: use --dataset {hint}",
                f"trông giống {DATASET_NAMES_VI[hint]}: dùng --dataset {hint}",
            )
        )
    return ok


def _how(how: str, vi: bool) -> str:
    if not vi:
        return how
    if how.startswith("from the folder"):
        return "theo thư mục " + how.split("'", 1)[1].rsplit("'", 1)[0].join("''")
    return {
        "given": "theo --dataset",
        "the closest reading; no dataset reads it fully": "cách đọc gần nhất; không loại nào đọc trọn được",
        "not decided: no dataset's reader can read it": "chưa xác định: không loại nào đọc được",
        "guessed: the dataset whose reader accepts the most rows (use --dataset to say)": (
            "đoán: loại đọc được nhiều dòng nhất (dùng --dataset để chỉ rõ)"
        ),
    }.get(how, how)


def _expand(files: list[str]) -> list[Path]:
    """Files as given; a folder stands for every file below it (hidden files aside)."""
    out = []
    for f in map(Path, files):
        if f.is_dir() and not f.is_symlink():
            out += sorted(
                p
                for p in f.rglob("*")
                if (p.is_file() or p.is_symlink()) and not any(part.startswith(".") for part in p.relative_to(f).parts)
            )
        else:
            out.append(f)
    return out


def validate(files: list[str], dataset: str | None = None, out=None, lang: str = "vi") -> int:
    out = out or sys.stdout
    vi = lang == "vi"
    limits = load_limits(CONFIG_DIR)
    names = _province_names()
    paths = _expand(files)
    refused: list[tuple[Path, str]] = []
    for path in paths:
        outcome, how = _read(path, dataset, limits)
        if how.startswith("from the folder") and outcome.status != "loaded":
            outcome.hint = _better_dataset(path, outcome, limits)
        if not report(outcome, how, names, out=out, lang=lang):
            if outcome.status != "loaded":
                why = vietnamese(outcome.reason) if vi else outcome.reason
            else:
                rows = len(outcome.parsed.rejected) if outcome.parsed else 0
                why = (
                    (f"{rows} dòng bị từ chối" if vi else f"{rows} row(s) rejected")
                    if rows
                    else ("số tổng không khớp" if vi else "its totals disagree with its rows")
                )
            refused.append((path, why))
    good = len(paths) - len(refused)
    if vi:
        print(
            f"{good}/{len(paths)} tệp sẽ nạp được nguyên vẹn; {len(refused)} tệp không, hoặc không trọn vẹn.", file=out
        )
    else:
        print(
            f"{good} of {len(paths)} file(s) would load as they are; {len(refused)} would not, or not entirely.",
            file=out,
        )
    if refused:
        print("Cần sửa trước khi gửi:" if vi else "To correct before sending:", file=out)
        for path, why in refused:
            print(f"  {path}: {why}", file=out)
    return 1 if refused else 0


def _better_dataset(path: Path, outcome: FileOutcome, limits) -> str | None:
    """Another dataset that reads a file its folder's dataset refuses (a census in `projects/`), or None."""
    others = [d for d in PARSERS if d != outcome.found.dataset]
    tries = parse_files([_found(path, d) for d in others], CONFIG_DIR, limits)
    loaded = [(len(o.parsed.records), d) for o, d in zip(tries, others) if o.status == "loaded" and o.parsed]
    return max(loaded)[1] if loaded else None
