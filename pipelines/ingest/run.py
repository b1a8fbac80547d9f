"""One ingestion pass: every file under the raw root into a fresh build database.

Rules (also in the README):
- Exact duplicates: a file whose bytes (sha256) equal an earlier file's is `duplicate` and read once.
  "Earlier" means older modification time, then path.
- Supersession: for each dataset, province and year, the rows of the latest file (modification
  time, then path) are the ones kept. A file left with no province-year of its own is `superseded`.
- A file that cannot be read, or whose every row is rejected, is `rejected` with its reason.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from .. import reference
from ..settings import Paths
from .config import CONFIG_DIR
from .discover import discover
from .limits import Limits, load_limits
from .parse import PARSERS, FileOutcome
from .sandbox import parse_files

LINEAGE_COLUMNS = {"source_file": "VARCHAR", "source_sheet": "VARCHAR", "source_row": "INTEGER",
                   "source_sha256": "VARCHAR"}


@dataclass
class IngestSummary:
    files: Counter
    rows_accepted: int
    rows_rejected: int


def _supersede(outcomes: list[FileOutcome]) -> None:
    """Keep, per dataset × province × year, only the latest file's rows."""
    order = sorted((o for o in outcomes if o.status == "loaded"),
                   key=lambda o: (o.found.modified_at, o.found.relative))
    winner: dict[tuple, FileOutcome] = {}
    for o in order:
        for rec in o.parsed.records:
            winner[(o.found.dataset, rec.get("province_code") or "", rec["province_code_2025"], rec["year"])] = o
    for o in order:
        o.years = sorted({r["year"] for r in o.parsed.records})
        codes = Counter((r.get("province_code"), r["province_code_2025"]) for r in o.parsed.records)
        o.province_code, o.province_code_2025 = codes.most_common(1)[0][0]
        keep, replaced_by = [], set()
        for rec in o.parsed.records:
            w = winner[(o.found.dataset, rec.get("province_code") or "", rec["province_code_2025"], rec["year"])]
            if w is o:
                keep.append(rec)
            else:
                replaced_by.add(w.found.relative)
        o.parsed.records = keep
        if not keep:
            o.status = "superseded"
            o.reason = "replaced by a later file for the same province and year: " + ", ".join(sorted(replaced_by))
            o.parsed.rejected = []
        elif replaced_by:
            o.reason = "some province-years replaced by a later file: " + ", ".join(sorted(replaced_by))


def _mark_duplicates(outcomes: list[FileOutcome]) -> None:
    first: dict[str, FileOutcome] = {}
    for o in sorted(outcomes, key=lambda o: (o.found.modified_at, o.found.relative)):
        sha = o.found.sha256
        if sha is None or o.found.problem:
            continue
        if sha in first:
            o.status, o.reason = "duplicate", f"same content as {first[sha].found.relative}"
        else:
            first[sha] = o


def ingest(paths: Paths, config_dir: Path = CONFIG_DIR, limits: Limits | None = None) -> IngestSummary:
    limits = limits or load_limits(config_dir)
    found = discover(paths.raw_dir)
    outcomes = [FileOutcome(f) for f in found]
    _mark_duplicates(outcomes)
    to_read = [i for i, o in enumerate(outcomes) if o.status == "loaded"]
    for i, outcome in zip(to_read, parse_files([outcomes[i].found for i in to_read], config_dir, limits)):
        outcomes[i] = outcome
    _supersede(outcomes)
    for o in outcomes:
        if o.parsed and o.status == "loaded":
            o.rows_accepted = len(o.parsed.records)
    _write(paths.build_db, outcomes)
    return IngestSummary(
        files=Counter(o.status for o in outcomes),
        rows_accepted=sum(o.rows_accepted for o in outcomes),
        rows_rejected=sum(len(o.parsed.rejected) for o in outcomes if o.parsed and o.status != "superseded"),
    )


def _format(o: FileOutcome) -> str | None:
    """'xlsx', 'csv, cp1258', 'xls, tcvn3 text converted': how the file was read."""
    if o.format is None:
        return None
    parts = [o.format.kind]
    encodings = sorted({s.info["encoding"] for s in (o.parsed.tables if o.parsed else []) if s.info["encoding"]})
    if o.format.kind == "csv" or encodings:
        parts += [e if e not in ("tcvn3", "vni") else f"{e} text converted" for e in encodings]
    if o.format.date1904:
        parts.append("1904 dates")
    return ", ".join(parts)


def _write(db_path: Path, outcomes: list[FileOutcome]) -> None:
    """A fresh build database: reference tables, raw rows, and the audit trail."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (db_path, db_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    now = datetime.now(timezone.utc)
    files = pd.DataFrame([
        {
            "path": o.found.relative, "sha256": o.found.sha256, "dataset": o.found.dataset,
            "province_code": o.province_code, "province_code_2025": o.province_code_2025,
            "years": o.years, "status": o.status, "reason": o.reason,
            "rows_read": o.parsed.rows_read if o.parsed else 0, "rows_accepted": o.rows_accepted,
            "rows_rejected": len(o.parsed.rejected) if o.parsed else 0,
            "size_bytes": o.found.size, "received_at": o.found.modified_at, "ingested_at": now,
            "format": _format(o),
        }
        for o in outcomes
    ])
    rejected = pd.DataFrame([
        {"path": o.found.relative, "dataset": o.found.dataset, "sheet": r.sheet, "row_number": r.row_number,
         "year": r.year, "reason": r.reason, "raw": json.dumps(r.raw, ensure_ascii=False, default=str)}
        for o in outcomes if o.parsed for r in o.parsed.rejected
    ], columns=["path", "dataset", "sheet", "row_number", "year", "reason", "raw"])

    con = duckdb.connect(str(db_path))
    try:
        con.execute("CREATE SCHEMA raw; CREATE SCHEMA audit;")
        for dataset, parser in PARSERS.items():
            columns = {**parser.columns, **LINEAGE_COLUMNS}
            records = [
                {**r, "source_file": o.found.relative, "source_sha256": o.found.sha256}
                for o in outcomes if o.found.dataset == dataset and o.parsed and o.status == "loaded"
                for r in o.parsed.records
            ]
            frame = pd.DataFrame(records, columns=list(columns))
            con.register("records_df", frame)
            select = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns.items())
            con.execute(f"CREATE TABLE raw.{dataset} AS SELECT {select} FROM records_df")
            con.unregister("records_df")
        con.execute("""
            CREATE TABLE audit.ingest_files (
                path VARCHAR PRIMARY KEY, sha256 VARCHAR, dataset VARCHAR, province_code VARCHAR,
                province_code_2025 VARCHAR, years INTEGER[], status VARCHAR NOT NULL, reason VARCHAR,
                rows_read INTEGER, rows_accepted INTEGER, rows_rejected INTEGER, size_bytes BIGINT,
                received_at TIMESTAMPTZ, ingested_at TIMESTAMPTZ, format VARCHAR)""")
        if len(files):
            con.register("files_df", files)
            con.execute("INSERT INTO audit.ingest_files SELECT path, sha256, dataset, province_code, "
                        "province_code_2025, CAST(years AS INTEGER[]), status, reason, rows_read, rows_accepted, "
                        "rows_rejected, size_bytes, received_at, ingested_at, format FROM files_df")
        con.execute("CREATE TABLE audit.rejected_rows (path VARCHAR NOT NULL, dataset VARCHAR, sheet VARCHAR, "
                    "row_number INTEGER, year INTEGER, reason VARCHAR NOT NULL, raw JSON)")
        con.register("rejected_df", rejected)
        con.execute("INSERT INTO audit.rejected_rows SELECT path, dataset, sheet, CAST(row_number AS INTEGER), "
                    "CAST(year AS INTEGER), reason, CAST(raw AS JSON) FROM rejected_df")
        for name, frame in (
            ("ref_provinces_pre2025", reference.provinces_pre2025()),
            ("ref_provinces_2025", reference.provinces_2025()),
            ("ref_province_mapping", reference.province_mapping()),
        ):
            con.register("ref_df", frame)
            con.execute(f"CREATE TABLE raw.{name} AS SELECT * FROM ref_df")
            con.unregister("ref_df")
        con.execute("COMMENT ON TABLE raw.ref_provinces_pre2025 IS "
                    f"'vietnamadminunits {reference.PACKAGE_VERSION}, admin_units_legacy'")
    finally:
        con.close()
