"""One ingestion pass: every file under the raw root into a fresh build database.

Rules (also in the README):
- Exact duplicates: a file whose bytes (sha256) equal an earlier file's is `duplicate` and read once.
  "Earlier" means older modification time, then path.
- Supersession: for each dataset, province and year, the rows of the latest file (modification
  time, then path) are the ones kept. A file left with no province-year of its own is `superseded`.
- A file that cannot be read, or whose every row is rejected, is `rejected` with its reason.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from ..engine import ALL, BuildState, files_digest, project_fingerprint
from ..progress import bar, stage
from ..settings import Paths
from .cache import DamagedEntry, ParseCache
from .config import CONFIG_DIR
from .discover import discover
from .limits import Limits, load_limits
from .parse import PARSERS, FileOutcome
from .sandbox import parse_files, shut_down, warm_up

LINEAGE_COLUMNS = {
    "source_file": "VARCHAR",
    "source_sheet": "VARCHAR",
    "source_row": "INTEGER",
    "source_sha256": "VARCHAR",
}


@dataclass
class IngestSummary:
    files: Counter
    rows_accepted: int
    rows_rejected: int
    files_read: int = 0  # parsed in this refresh; the others came from the cache
    files_cached: int = 0
    files_changed: int = 0  # whose rows in the raw tables were replaced
    full: bool = True  # a fresh build database (no usable build, or the code or configuration changed)
    pending: list[str] = field(default_factory=list)  # dbt sources to rebuild from


def _supersede(outcomes: list[FileOutcome]) -> None:
    """Keep, per dataset × province × year, only the latest file's rows (decided from each file's keys:
    no table is loaded here)."""
    order = sorted((o for o in outcomes if o.status == "loaded"), key=lambda o: (o.found.modified_at, o.found.relative))
    keys = {id(o): o.parsed.records.keys() for o in order}  # from the parse cache when it has them
    winner: dict[tuple, FileOutcome] = {}
    for o in order:
        for k in keys[id(o)]:
            winner[(o.found.dataset, *k.slot)] = o
    for o in order:
        o.years = sorted({k.year for k in keys[id(o)]})
        codes = Counter()
        for k in keys[id(o)]:
            codes[(k.province_code or None, k.province_code_2025)] += k.rows
        o.province_code, o.province_code_2025 = codes.most_common(1)[0][0]
        lost = {k.slot for k in keys[id(o)] if winner[(o.found.dataset, *k.slot)] is not o}
        if not lost:
            continue
        replaced_by = {winner[(o.found.dataset, *k)].found.relative for k in lost}
        o.parsed.records = o.parsed.records.without(lost)
        if len(lost) == len(keys[id(o)]):
            o.status = "superseded"
            o.reason = "replaced by a later file for the same province and year: " + ", ".join(sorted(replaced_by))
            o.parsed.rejected = []
            continue
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


def _read(outcomes: list[FileOutcome], cache: ParseCache | None, config_dir: Path, limits: Limits) -> int:
    """Fill in each file still to read: from the cache where its reading is known, else by the readers
    (in parallel, sandboxed), caching what they give. Returns how many files were read."""
    missing = []
    for i, o in enumerate(outcomes):
        if o.status != "loaded":
            continue
        cached = cache.get(o.found) if cache else None
        if cached is not None:
            outcomes[i] = cached
        else:
            missing.append(i)
    if len(missing) < len(outcomes):
        known = len(outcomes) - len(missing)
        stage(f"{known} file{'s' if known != 1 else ''} as last read (parse cache), {len(missing)} to read")
    with bar(len(missing), "reading") as advance:

        def received(outcome: FileOutcome) -> None:
            if cache:  # while the readers read on (after the last file, 2,075 entries took 3.5 s)
                cache.put(outcome)
            advance()

        if missing:
            _import_pandas_meanwhile()
        read = parse_files(
            [outcomes[i].found for i in missing],
            config_dir,
            limits,
            on_file=received,
            spool=cache.spool if cache else None,
        )
    for i, outcome in zip(missing, read):
        outcomes[i] = outcome
    return len(missing)


def _import_pandas_meanwhile() -> None:
    """pyarrow imports pandas the first time it makes an array of Python values (about 0.2 s), which the
    writes after reading do: imported in the background while this process mostly waits for the readers
    (a corrected register's refresh otherwise pays it between reading and dbt)."""
    if "pandas" not in sys.modules:
        threading.Thread(target=importlib.import_module, args=("pandas",), name="import pandas", daemon=True).start()


def _load_written(outcomes: list[FileOutcome], paths: set[str] | None) -> None:
    """Load the records of the loaded files whose rows are about to be written (all when `paths` is None),
    before anything is written: damaged cached records (DamagedEntry) are found while the build database
    is still untouched."""
    for o in outcomes:
        if o.parsed and o.status == "loaded" and (paths is None or o.found.relative in paths):
            _ = o.parsed.records.table  # loads it


def ingest(
    paths: Paths,
    config_dir: Path = CONFIG_DIR,
    limits: Limits | None = None,
    use_cache: bool = True,
    incremental: bool = True,
    _retry: bool = True,
) -> IngestSummary:
    """Bring the build database's raw and audit tables up to date with the raw root.

    Every file is accounted for (read, or taken from the parse cache), duplicates and supersession are
    decided over all of them, and then only the files whose rows changed are written: their rows are
    deleted by path and inserted again, in one transaction. A full build (a fresh database) happens
    when there is no usable build yet, or the code, the configuration or the dbt project changed.
    The dbt sources that changed are recorded as `pending` in the build state for the dbt step."""
    limits = limits or load_limits(config_dir)
    warm_up()  # the readers' fork server loads while the inbox is listed and the cache consulted
    fingerprint = project_fingerprint(config_dir, limits)
    state = BuildState.load(paths) if incremental else BuildState()
    # a file refused for a reason of the moment is looked at afresh
    known = {rel: (f["stamp"], f["sha256"]) for rel, f in state.files.items() if not f.get("read_again")}
    found = discover(paths.raw_dir, known)
    outcomes = [FileOutcome(f) for f in found]
    _mark_duplicates(outcomes)
    cache = ParseCache(paths.parse_cache, config_dir, limits) if use_cache else None
    read = _read(outcomes, cache, config_dir, limits)
    shut_down()
    if cache:
        cache.prune()
    _supersede(outcomes)
    for o in outcomes:
        if o.parsed and o.status == "loaded":
            o.rows_accepted = len(o.parsed.records)
    signatures = {o.found.relative: _signature(o) for o in outcomes}
    now = datetime.now(UTC)
    full = state.fingerprint != fingerprint or not _usable(paths.build_db)
    if not full:
        before = state.files
        changed = {
            rel
            for rel in signatures.keys() | before.keys()
            if signatures.get(rel) != before.get(rel, {}).get("signature")
        }
    try:
        _load_written(outcomes, None if full else changed)
    except DamagedEntry as damaged:  # its entry is gone now: this time the file is read again
        if not _retry:
            raise
        stage(f"{damaged}")
        return ingest(paths, config_dir, limits, use_cache, incremental, _retry=False)
    if full:
        changed = set(signatures)
        ingested_at = {rel: now for rel in signatures}
        _write(paths.build_db, outcomes, ingested_at)
        sources = [ALL]
    else:
        ingested_at = {
            rel: (
                now
                if rel in changed or "ingested_at" not in before.get(rel, {})
                else datetime.fromisoformat(before[rel]["ingested_at"])
            )
            for rel in signatures
        }
        datasets = {o.found.dataset for o in outcomes if o.found.relative in changed}
        datasets |= {before[rel].get("dataset") for rel in changed if rel in before}
        datasets = sorted(d for d in datasets if d in PARSERS)
        if changed:
            _replace(paths.build_db, outcomes, changed, datasets, ingested_at)
        sources = [f"raw.{d}" for d in datasets] + (list(AUDIT_TABLES) if changed else [])
    pending = sorted(set(state.pending) | set(sources))
    state.fingerprint = fingerprint
    state.files = {
        o.found.relative: {
            "stamp": list(o.found.stamp),
            "sha256": o.found.sha256,
            "dataset": o.found.dataset,
            "signature": signatures[o.found.relative],
            "ingested_at": ingested_at[o.found.relative].isoformat(),
            # refused for a reason of this moment (a reader that crashed or ran out of time, a file
            # changing while read, or that could not be opened): the next refresh reads it again even
            # if its stamp is the same
            **({"read_again": True} if not o.cacheable or o.found.passing else {}),
        }
        for o in outcomes
    }
    state.pending = [ALL] if ALL in pending else pending
    state.ingested = files_digest(fingerprint, signatures)
    state.save(paths)
    summary = IngestSummary(
        files=Counter(o.status for o in outcomes),
        rows_accepted=sum(o.rows_accepted for o in outcomes),
        rows_rejected=sum(len(o.parsed.rejected) for o in outcomes if o.parsed and o.status != "superseded"),
        files_read=read,
        files_cached=cache.hits if cache else 0,
        files_changed=len(changed),
        full=full,
        pending=list(state.pending),
    )
    # dbt runs next, beside this process: give back the Arrow buffers of 600,000 records now (the
    # refresh's whole process tree must stay under 2 GiB at national scale).
    del outcomes
    pa.default_memory_pool().release_unused()
    return summary


def _signature(o: FileOutcome) -> str:
    """What a file puts into the raw tables: same signature, same rows (the rows are a function of the
    bytes, the path and the fingerprint; supersession decides which province-years are kept)."""
    head = f"{o.found.sha256}|{o.found.modified_at.isoformat()}|{o.status}|{o.reason}"  # received_at is audited
    if o.status != "loaded" or not o.parsed:
        return head
    kept = sorted((k.province_code, k.province_code_2025 or "", k.year or 0, k.rows) for k in o.parsed.records.keys())
    return f"{head}|{kept}"


def _usable(db_path: Path) -> bool:
    """The build database exists and opens, with the tables ingestion writes (else: a full build)."""
    if not db_path.exists():
        return False
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error:
        return False
    try:
        tables = {
            tuple(r)
            for r in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('raw', 'audit')"
            ).fetchall()
        }
    finally:
        con.close()
    return {("raw", d) for d in PARSERS} | {tuple(t.split(".")) for t in AUDIT_TABLES} <= tables


def _format(o: FileOutcome) -> str | None:
    """'xlsx', 'csv, cp1258', 'xls, tcvn3 text converted': how the file was read."""
    if o.format is None:
        return None
    parts = [o.format.kind]
    encodings = sorted({s.info.encoding for s in (o.parsed.tables if o.parsed else []) if s.info.encoding})
    if o.format.kind == "csv" or encodings:
        parts += [e if e not in ("tcvn3", "vni") else f"{e} text converted" for e in encodings]
    if o.format.date1904:
        parts.append("1904 dates")
    return ", ".join(parts)


def _constant(value: str | None, rows: int) -> pa.Array:
    """A column holding one value: one dictionary entry and `rows` zeros, not `rows` strings."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int32)), pa.array([value], pa.string()))


def _with_lineage(o: FileOutcome) -> pa.Table:
    table = o.parsed.records.table
    return table.append_column("source_file", _constant(o.found.relative, table.num_rows)).append_column(
        "source_sha256", _constant(o.found.sha256, table.num_rows)
    )


AUDIT_TABLES = {
    "audit.ingest_files": """path VARCHAR PRIMARY KEY, sha256 VARCHAR, dataset VARCHAR, province_code VARCHAR,
        province_code_2025 VARCHAR, years INTEGER[], status VARCHAR NOT NULL, reason VARCHAR, rows_read INTEGER,
        rows_accepted INTEGER, rows_rejected INTEGER, size_bytes BIGINT, received_at TIMESTAMPTZ,
        ingested_at TIMESTAMPTZ, format VARCHAR""",
    "audit.rejected_rows": """path VARCHAR NOT NULL, dataset VARCHAR, sheet VARCHAR, row_number INTEGER,
        year INTEGER, reason VARCHAR NOT NULL, raw JSON""",
    "audit.row_warnings": """path VARCHAR NOT NULL, dataset VARCHAR, sheet VARCHAR, row_number INTEGER,
        province_code VARCHAR, province_code_2025 VARCHAR, year INTEGER, rule VARCHAR NOT NULL,
        message VARCHAR NOT NULL""",
    "audit.file_totals": """path VARCHAR NOT NULL, dataset VARCHAR, province_code VARCHAR, province_code_2025 VARCHAR,
        years INTEGER[], sheet VARCHAR, row_number INTEGER, label VARCHAR, field VARCHAR NOT NULL,
        stated BIGINT, summed BIGINT, difference BIGINT, reconciles BOOLEAN NOT NULL""",
}


def _write(db_path: Path, outcomes: list[FileOutcome], ingested_at: dict) -> None:
    """A fresh build database: reference tables, raw rows, and the audit trail (a full build)."""
    from .. import reference  # pandas and vietnamadminunits: a full build's only (0.6 s to import)

    db_path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (db_path, db_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(db_path))
    try:
        con.execute("CREATE SCHEMA raw; CREATE SCHEMA audit;")
        for dataset, parser in PARSERS.items():
            columns = {**parser.columns, **LINEAGE_COLUMNS}
            con.execute(f"CREATE TABLE raw.{dataset} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
            _insert_records(con, dataset, [o for o in outcomes if o.found.dataset == dataset])
        for table, columns in AUDIT_TABLES.items():
            con.execute(f"CREATE TABLE {table} ({columns})")
        _write_audit(con, outcomes, ingested_at)
        for name, frame in (
            ("ref_provinces_pre2025", reference.provinces_pre2025()),
            ("ref_provinces_2025", reference.provinces_2025()),
            ("ref_province_mapping", reference.province_mapping()),
        ):
            con.register("ref_df", frame)
            con.execute(f"CREATE TABLE raw.{name} AS SELECT * FROM ref_df")
            con.unregister("ref_df")
        con.execute(
            "COMMENT ON TABLE raw.ref_provinces_pre2025 IS "
            f"'vietnamadminunits {reference.PACKAGE_VERSION}, admin_units_legacy'"
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _replace(
    db_path: Path, outcomes: list[FileOutcome], changed: set[str], datasets: list[str], ingested_at: dict
) -> None:
    """Replace the raw rows of the changed files (and rewrite the small audit tables), in one transaction:
    a refresh killed here leaves the database as it was."""
    con = duckdb.connect(str(db_path))
    try:
        con.execute("BEGIN TRANSACTION")
        con.register("changed_paths", pa.table({"path": sorted(changed)}))
        for dataset in datasets:
            con.execute(f"DELETE FROM raw.{dataset} WHERE source_file IN (SELECT path FROM changed_paths)")
            _insert_records(
                con, dataset, [o for o in outcomes if o.found.dataset == dataset and o.found.relative in changed]
            )
        con.unregister("changed_paths")
        for table in AUDIT_TABLES:
            con.execute(f"DELETE FROM {table}")
        _write_audit(con, outcomes, ingested_at)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _insert_records(con, dataset: str, outcomes: list[FileOutcome]) -> None:
    parser = PARSERS[dataset]
    columns = {**parser.columns, **LINEAGE_COLUMNS}
    pieces = [_with_lineage(o) for o in outcomes if o.parsed and o.status == "loaded"]
    if not pieces:
        return
    # one chunk per file is slow for DuckDB to scan (1,000 small chunks: 0.5 s for 30,000 projects);
    # one chunk is 2.5 s → 1.8 s for the national inbox, combining included
    records = pa.concat_tables(pieces, promote_options="permissive").combine_chunks()
    con.register("records_arrow", records)
    select = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns.items())
    con.execute(f"INSERT INTO raw.{dataset} SELECT {select} FROM records_arrow")
    con.unregister("records_arrow")


def _file_rows(outcomes: list[FileOutcome], ingested_at: dict) -> pa.Table:
    """audit.ingest_files: one row per file seen."""
    return _table(
        [
            {
                "path": o.found.relative,
                "sha256": o.found.sha256,
                "dataset": o.found.dataset,
                "province_code": o.province_code,
                "province_code_2025": o.province_code_2025,
                "years": o.years,
                "status": o.status,
                "reason": o.reason,
                "rows_read": o.parsed.rows_read if o.parsed else 0,
                "rows_accepted": o.rows_accepted,
                "rows_rejected": len(o.parsed.rejected) if o.parsed else 0,
                "size_bytes": o.found.size,
                "received_at": o.found.modified_at,
                "ingested_at": ingested_at[o.found.relative],
                "format": _format(o),
            }
            for o in outcomes
        ]
    )


def _rejected_rows(outcomes: list[FileOutcome]) -> pa.Table:
    """audit.rejected_rows: the rows not loaded, their reason and original cells."""
    return _table(
        [
            {
                "path": o.found.relative,
                "dataset": o.found.dataset,
                "sheet": r.sheet,
                "row_number": r.row_number,
                "year": r.year,
                "reason": r.reason,
                "raw": json.dumps(r.raw, ensure_ascii=False, default=str),
            }
            for o in outcomes
            if o.parsed
            for r in o.parsed.rejected
        ],
        columns=["path", "dataset", "sheet", "row_number", "year", "reason", "raw"],
    )


def _warning_rows(outcomes: list[FileOutcome]) -> pa.Table:
    """audit.row_warnings: the rules loaded rows broke where the value is still usable."""
    return _table(
        [
            {
                "path": o.found.relative,
                "dataset": o.found.dataset,
                "sheet": w.sheet,
                "row_number": w.row_number,
                "province_code": w.province_code,
                "province_code_2025": w.province_code_2025,
                "year": w.year,
                "rule": w.rule,
                "message": w.message,
            }
            for o in outcomes
            if o.parsed and o.status == "loaded"
            for w in getattr(o.parsed, "warnings", [])
        ],
        columns=[
            "path",
            "dataset",
            "sheet",
            "row_number",
            "province_code",
            "province_code_2025",
            "year",
            "rule",
            "message",
        ],
    )


def _total_rows(outcomes: list[FileOutcome]) -> pa.Table:
    """audit.file_totals: each file's own totals against the sum of its rows."""
    return _table(
        [
            {
                "path": o.found.relative,
                "dataset": o.found.dataset,
                "province_code": o.province_code,
                "province_code_2025": o.province_code_2025,
                "years": o.years,
                "sheet": t.sheet,
                "row_number": t.row_number,
                "label": t.label,
                "field": t.field,
                "stated": t.stated,
                "summed": t.summed,
                "difference": t.stated - t.summed,
                "reconciles": t.reconciles,
            }
            for o in outcomes
            if o.parsed and o.status == "loaded"
            for t in getattr(o.parsed, "totals", [])
        ],
        columns=[
            "path",
            "dataset",
            "province_code",
            "province_code_2025",
            "years",
            "sheet",
            "row_number",
            "label",
            "field",
            "stated",
            "summed",
            "difference",
            "reconciles",
        ],
    )


def _table(rows: list[dict], columns: list[str] | None = None) -> pa.Table:
    """The audit rows as an Arrow table, one column per key (types inferred per column; the inserts
    below cast them to the declared types). Not pandas: the refresh process does not import it."""
    columns = columns if columns is not None else list(rows[0]) if rows else []
    return pa.table({c: pa.array([r[c] for r in rows]) for c in columns})


# how each audit table is filled from its rows (the casts give the declared types)
_AUDIT_SELECTS = {
    "audit.file_totals": "path, dataset, province_code, province_code_2025, CAST(years AS INTEGER[]), sheet, "
    "CAST(row_number AS INTEGER), label, field, CAST(stated AS BIGINT), CAST(summed AS BIGINT), "
    "CAST(difference AS BIGINT), CAST(reconciles AS BOOLEAN)",
    "audit.ingest_files": "path, sha256, dataset, province_code, province_code_2025, CAST(years AS INTEGER[]), status, "
    "reason, rows_read, rows_accepted, rows_rejected, size_bytes, received_at, ingested_at, format",
    "audit.rejected_rows": "path, dataset, sheet, CAST(row_number AS INTEGER), CAST(year AS INTEGER), reason, "
    "CAST(raw AS JSON)",
    "audit.row_warnings": "path, dataset, sheet, CAST(row_number AS INTEGER), province_code, province_code_2025, "
    "CAST(year AS INTEGER), rule, message",
}


def _write_audit(con, outcomes: list[FileOutcome], ingested_at: dict) -> None:
    frames = {
        "audit.file_totals": _total_rows(outcomes),
        "audit.ingest_files": _file_rows(outcomes, ingested_at),
        "audit.rejected_rows": _rejected_rows(outcomes),
        "audit.row_warnings": _warning_rows(outcomes),
    }
    for table, frame in frames.items():
        if table == "audit.ingest_files" and not frame.num_rows:
            continue  # no files: a frame without columns
        con.register("audit_df", frame)
        con.execute(f"INSERT INTO {table} SELECT {_AUDIT_SELECTS[table]} FROM audit_df")
        con.unregister("audit_df")
