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
    from .reference import provinces_2025, provinces_pre2025

    names = dict(zip(provinces_pre2025()["province_code"], provinces_pre2025()["province_name"]))
    names.update({f"2025:{c}": n for c, n in zip(provinces_2025()["province_code"], provinces_2025()["province_name"])})
    return names


DATASET_NAMES_VI = {name: dataset.vietnamese for name, dataset in BY_NAME.items()}


def report(outcome: FileOutcome, how: str, names: dict[str, str], out=None, lang: str = "vi") -> bool:
    """Print how one file reads; True when it would load with nothing rejected."""
    out = out or sys.stdout
    vi = lang == "vi"
    tr = vietnamese if vi else (lambda text: text)
    p = lambda text="": print(text, file=out)  # noqa: E731
    L = (lambda en, v: v) if vi else (lambda en, v: en)  # noqa: E731
    parsed = outcome.parsed
    p(f"{outcome.found.path}")
    if outcome.format:
        p(
            f"  {L('format:   ', 'định dạng:')} {KIND_NAMES[outcome.format.kind]}"
            + (L(", 1904 date system", ", hệ ngày 1904") if outcome.format.date1904 else "")
        )
        for note in outcome.format.notes:
            p(f"  {L('note:     ', 'ghi chú:  ')} {note}")
    dataset = outcome.found.dataset
    shown_dataset = (
        f"{dataset} ({DATASET_NAMES_VI[dataset]})" if vi and dataset in DATASET_NAMES_VI else (dataset or "?")
    )
    p(f"  {L('dataset:  ', 'loại:     ')} {shown_dataset} ({_how(how, vi)})")
    if parsed and parsed.records:
        provinces = sorted(
            {(r.get("province_code"), r.get("province_code_2025")) for r in parsed.records},
            key=lambda t: tuple(x or "" for x in t),
        )
        shown = [
            f"{old} {names.get(old, '?')}"
            if old
            else f"{L('2025 unit', 'đơn vị 2025')} {new} {names.get(f'2025:{new}', '?')}"
            for old, new in provinces
        ]
        p(f"  {L('province: ', 'tỉnh:     ')} {', '.join(shown)}")
        p(
            f"  {L('years:    ', 'năm:      ')} "
            f"{', '.join(str(y) for y in sorted({r['year'] for r in parsed.records if r.get('year')}))}"
        )
    for sheet in parsed.sheets if parsed else []:
        if not sheet.info:
            p(f"  {L('sheet', 'trang tính')} '{sheet.name}': {tr(sheet.note)}")
            continue
        info = sheet.info
        header = "–".join(str(r) for r in info["header_rows"])
        p(
            f"  {L('sheet', 'trang tính')} '{sheet.name}': {L('header row', 'dòng tiêu đề')} {header}, "
            f"{L('data from row', 'dữ liệu từ dòng')} {info['first_data_row']}"
        )
        if info["encoding"]:
            p(f"    {L('encoding: ', 'bảng mã:  ')} {ENCODINGS.get(info['encoding'], info['encoding'])}")
        personal = set(load_dataset_config(outcome.found.dataset, CONFIG_DIR).personal_fields)
        for field, column in info["columns"].items():
            if field in info.get("by_year", {}):
                continue  # shown below with all its year columns
            unit = info["units"].get(field)
            p(
                f"    {column} → {field}"
                + (f" [{UNITS.get(unit, unit)}]" if unit else "")
                + (
                    L(" (personal data: read past, never stored)", " (dữ liệu cá nhân: bỏ qua, không lưu)")
                    if field in personal
                    else ""
                )
            )
        for field, columns in info.get("by_year", {}).items():
            p(f"    {', '.join(columns)} → {field}, {L('one record per year column', 'mỗi cột năm một bản ghi')}")
        if info["sheet_unit"]:
            unit = UNITS.get(info["sheet_unit"], info["sheet_unit"])
            p(
                "    "
                + L(
                    f"unit line (ĐVT): {unit} for money columns without their own unit",
                    f"dòng ĐVT: {unit} cho các cột tiền không ghi đơn vị",
                )
            )
        if info["unmapped"]:
            p(f"    {L('not read: ', 'không đọc:')} {', '.join(info['unmapped'])}")
    accepted = len(parsed.records) if parsed else 0
    rejected = parsed.rejected if parsed else []
    if parsed:
        p(
            f"  {L('rows:     ', 'số dòng:  ')} "
            + L(f"{accepted} accepted, {len(rejected)} rejected", f"{accepted} được nhận, {len(rejected)} bị từ chối")
        )
    for row in rejected:
        p(f"    {L('sheet', 'trang tính')} '{row.sheet}' {L('row', 'dòng')} {row.row_number}: {tr(row.reason)}")
    warnings = parsed.warnings if parsed and outcome.status == "loaded" else []
    if warnings:
        p(
            f"  {L('warnings: ', 'cảnh báo: ')} "
            + L(f"{len(warnings)} row(s) loaded with a warning", f"{len(warnings)} dòng được nạp kèm cảnh báo")
        )
    for w in warnings:
        p(f"    {L('sheet', 'trang tính')} '{w.sheet}' {L('row', 'dòng')} {w.row_number}: {tr(w.message)}")
    off = [t for t in (parsed.totals if parsed and outcome.status == "loaded" else []) if not t.reconciles]
    if parsed and parsed.totals and outcome.status == "loaded":
        agree, total = len(parsed.totals) - len(off), len(parsed.totals)
        p(
            f"  {L('totals:   ', 'tổng cộng:')} "
            + L(
                f"{agree} of {total} subtotal figures agree with the rows read",
                f"{agree}/{total} số liệu tổng khớp với các dòng đã đọc",
            )
        )
    for t in off:
        p(
            f"    {L('sheet', 'trang tính')} '{t.sheet}' {L('row', 'dòng')} {t.row_number} '{t.label}': {t.field} "
            + L(
                f"{t.stated:,} stated, {t.summed:,} in the rows read (difference {t.stated - t.summed:,})",
                f"ghi {t.stated:,}, các dòng đã đọc cộng lại {t.summed:,} (chênh lệch {t.stated - t.summed:,})",
            )
        )
    ok = outcome.status == "loaded" and not rejected and not off
    if outcome.status != "loaded":
        p(f"  {L('REJECTED: ', 'TỪ CHỐI:  ')} {tr(outcome.reason)}")
    elif rejected:
        p(
            f"  {L('verdict:  ', 'kết luận: ')} "
            + L(
                f"would load with {len(rejected)} row(s) rejected; correct them and resend",
                f"sẽ nạp được nhưng {len(rejected)} dòng bị từ chối; sửa rồi gửi lại",
            )
        )
    elif off:
        p(
            f"  {L('verdict:  ', 'kết luận: ')} "
            + L(
                "would load, but its own totals disagree with its rows: check the rows and the totals",
                "sẽ nạp được, nhưng số tổng trong tệp không khớp với các dòng: kiểm tra lại các dòng và số tổng",
            )
        )
    else:
        p(f"  {L('verdict:  ', 'kết luận: ')} " + L("would load as it is", "sẽ nạp được nguyên vẹn"))
    hint = getattr(outcome, "hint", None)
    if hint:
        p(
            f"  {L('hint:     ', 'gợi ý:    ')} "
            + L(
                f"this looks like a {hint} file: use --dataset {hint}",
                f"trông giống {DATASET_NAMES_VI[hint]}: dùng --dataset {hint}",
            )
        )
    p()
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
