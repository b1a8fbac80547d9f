"""`kc validate FILE...`: how the warehouse would read each file, before a province sends it.

Runs the same checks and the same sandboxed readers as a refresh, and writes nothing: no database,
no inbox, no marts. The dataset comes from `--dataset`, else from a dataset folder in the path
(`…/projects/…`), else from whichever dataset's reader accepts the most rows. Exit status 0 when
every file would load with no row rejected, 1 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .ingest.config import CONFIG_DIR, load_dataset_config
from .ingest.discover import FoundFile, sha256_of, _mtime
from .ingest.limits import load_limits
from .ingest.parse import PARSERS, FileOutcome
from .ingest.sandbox import parse_files
from .ingest.sniff import KIND_NAMES
from .settings import DATASETS

UNITS = {"dong": "đồng", "nghin dong": "nghìn đồng", "trieu dong": "triệu đồng", "ty dong": "tỷ đồng"}
ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "cp1258": "Windows-1258",
             "tcvn3": "TCVN3 (ABC) legacy text, converted to Unicode", "vni": "VNI-Windows legacy text, converted to Unicode"}


def _found(path: Path, dataset: str | None) -> FoundFile:
    """A FoundFile for a path given on the command line; symbolic links are described, not followed."""
    if path.is_symlink():
        return FoundFile(path, str(path), dataset, 0, _mtime(path.lstat().st_mtime), None,
                         f"symbolic link to {path.resolve()}: not followed (send the file itself)")
    if not path.exists():
        return FoundFile(path, str(path), dataset, 0, _mtime(0), None, "no such file")
    if not path.is_file():
        return FoundFile(path, str(path), dataset, 0, _mtime(0), None, "not a file")
    st = path.stat()
    return FoundFile(path, str(path), dataset, st.st_size, _mtime(st.st_mtime), sha256_of(path))


def _dataset_from_path(path: Path) -> str | None:
    for part in reversed(path.resolve().parts[:-1]):
        if part in DATASETS:
            return part
    return None


def _read(path: Path, dataset: str | None, limits) -> tuple[FileOutcome, str]:
    if dataset:
        return parse_files([_found(path, dataset)], CONFIG_DIR, limits)[0], "given"
    from_path = _dataset_from_path(path)
    if from_path:
        return parse_files([_found(path, from_path)], CONFIG_DIR, limits)[0], f"from the folder '{from_path}/'"
    tries = parse_files([_found(path, d) for d in PARSERS], CONFIG_DIR, limits)
    best = max(tries, key=lambda o: (o.status == "loaded", len(o.parsed.records) if o.parsed else 0,
                                     len(o.parsed.tables) if o.parsed else 0))
    if best.status != "loaded":
        if best.parsed and best.parsed.tables:
            return best, "the closest reading; no dataset reads it fully"
        unread = FileOutcome(FoundFile(path, str(path), None, 0, _mtime(0), None), "rejected", tries[0].reason,
                             tries[0].parsed, tries[0].format)
        return unread, "not decided: no dataset's reader can read it"
    return best, "guessed: the dataset whose reader accepts the most rows (use --dataset to say)"


def _province_names() -> dict[str, str]:
    from .reference import provinces_2025, provinces_pre2025

    names = dict(zip(provinces_pre2025()["province_code"], provinces_pre2025()["province_name"]))
    names.update({f"2025:{c}": n for c, n in zip(provinces_2025()["province_code"], provinces_2025()["province_name"])})
    return names


def report(outcome: FileOutcome, how: str, names: dict[str, str], out=None) -> bool:
    """Print how one file reads; True when it would load with nothing rejected."""
    out = out or sys.stdout
    p = lambda text="": print(text, file=out)  # noqa: E731
    parsed = outcome.parsed
    p(f"{outcome.found.path}")
    if outcome.format:
        p(f"  format:    {KIND_NAMES[outcome.format.kind]}" + (", 1904 date system" if outcome.format.date1904 else ""))
        for note in outcome.format.notes:
            p(f"  note:      {note}")
    p(f"  dataset:   {outcome.found.dataset or '?'} ({how})")
    if parsed and parsed.records:
        provinces = sorted({(r.get("province_code"), r.get("province_code_2025")) for r in parsed.records},
                           key=lambda t: tuple(x or "" for x in t))
        shown = [f"{old} {names.get(old, '?')}" if old else f"2025 unit {new} {names.get(f'2025:{new}', '?')}"
                 for old, new in provinces]
        p(f"  province:  {', '.join(shown)}")
        p(f"  years:     {', '.join(str(y) for y in sorted({r['year'] for r in parsed.records if r.get('year')}))}")
    for sheet in parsed.sheets if parsed else []:
        if not sheet.info:
            p(f"  sheet '{sheet.name}': {sheet.note}")
            continue
        info = sheet.info
        header = "–".join(str(r) for r in info["header_rows"])
        p(f"  sheet '{sheet.name}': header row {header}, data from row {info['first_data_row']}")
        if info["encoding"]:
            p(f"    encoding:  {ENCODINGS.get(info['encoding'], info['encoding'])}")
        personal = set(load_dataset_config(outcome.found.dataset, CONFIG_DIR).personal_fields)
        for field, column in info["columns"].items():
            if field in info.get("by_year", {}):
                continue  # shown below with all its year columns
            unit = info["units"].get(field)
            p(f"    {column} → {field}" + (f" [{UNITS.get(unit, unit)}]" if unit else "")
              + (" (personal data: read past, never stored)" if field in personal else ""))
        for field, columns in info.get("by_year", {}).items():
            p(f"    {', '.join(columns)} → {field}, one record per year column")
        if info["sheet_unit"]:
            p(f"    unit line (ĐVT): {UNITS.get(info['sheet_unit'], info['sheet_unit'])} for money columns "
              "without their own unit")
        if info["unmapped"]:
            p(f"    not read:  {', '.join(info['unmapped'])}")
    accepted = len(parsed.records) if parsed else 0
    rejected = parsed.rejected if parsed else []
    if parsed:
        p(f"  rows:      {accepted} accepted, {len(rejected)} rejected")
    for row in rejected:
        p(f"    sheet '{row.sheet}' row {row.row_number}: {row.reason}")
    warnings = parsed.warnings if parsed and outcome.status == "loaded" else []
    if warnings:
        p(f"  warnings:  {len(warnings)} row(s) loaded with a warning")
    for w in warnings:
        p(f"    sheet '{w.sheet}' row {w.row_number}: {w.message}")
    off = [t for t in (parsed.totals if parsed and outcome.status == "loaded" else []) if not t.reconciles]
    if parsed and parsed.totals and outcome.status == "loaded":
        p(f"  totals:    {len(parsed.totals) - len(off)} of {len(parsed.totals)} subtotal figures agree with the rows read")
    for t in off:
        p(f"    sheet '{t.sheet}' row {t.row_number} '{t.label}': {t.field} {t.stated:,} stated, {t.summed:,} "
          f"in the rows read (difference {t.stated - t.summed:,})")
    ok = outcome.status == "loaded" and not rejected and not off
    if outcome.status != "loaded":
        p(f"  REJECTED:  {outcome.reason}")
    elif rejected:
        p(f"  verdict:   would load with {len(rejected)} row(s) rejected; correct them and resend")
    elif off:
        p("  verdict:   would load, but its own totals disagree with its rows: check the rows and the totals")
    else:
        p("  verdict:   would load as it is")
    p()
    return ok


def _expand(files: list[str]) -> list[Path]:
    """Files as given; a folder stands for every file below it (hidden files aside)."""
    out = []
    for f in map(Path, files):
        if f.is_dir() and not f.is_symlink():
            out += sorted(p for p in f.rglob("*") if (p.is_file() or p.is_symlink())
                          and not any(part.startswith(".") for part in p.relative_to(f).parts))
        else:
            out.append(f)
    return out


def validate(files: list[str], dataset: str | None = None, out=None) -> int:
    out = out or sys.stdout
    limits = load_limits(CONFIG_DIR)
    names = _province_names()
    results = [report(*_read(path, dataset, limits), names, out=out) for path in _expand(files)]
    bad = results.count(False)
    print(f"{len(results) - bad} of {len(results)} file(s) would load as they are; {bad} would not, or not entirely.",
          file=out)
    return 1 if bad else 0
