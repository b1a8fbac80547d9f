"""`make bench` (`python -m bench`): the refresh at national scale, against the naive way and the parse
floor. A tool of the repository, not part of the warehouse's package.

Everything is measured in the same run, on the same machine, on the same national inbox
(`kc demo --scale national`, generated once into data/bench/raw and reused):

- full_refresh_s  `kc refresh` from an empty warehouse (no build, no cache, nothing published);
- parse_floor_s   every input file read once with the fastest reader there is (calamine for
                  workbooks, pyarrow for CSV) on every core, and nothing else;
- full_refresh_cached_s  that full refresh again with only its parse cache kept (no build, nothing
                  published, every file known to the cache): everything a full refresh does but read;
- naive_s         an analyst's script: pandas.read_excel(engine="openpyxl") / read_csv on every file,
                  concatenated per dataset and written to DuckDB, no cleaning at all;
- incremental_s   `kc refresh` after one province sends a corrected project register;
- census_correction_s  `kc refresh` after one province sends its census again, corrected (the census
                  models rebuild that province);
- noop_refresh_s  `kc refresh` with nothing changed since the last publication;
- stack_floor_s   `kc refresh` of an empty inbox: what every refresh pays whatever it reads (Python
                  and Dagster start-up, dbt start-up and its 160-odd nodes, publication);
- peak_rss_mib    the highest resident memory of a full refresh's whole process tree;
- query_p50_ms    the median of ten typical analyst queries on the published warehouse.

Each time is the median of `--runs` runs (at least 3). Results go to data/bench/results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.settings import PROJECT_ROOT

from .memory import PeakSampler

BENCH_DIR = PROJECT_ROOT / "data" / "bench"
SEED = 2012
GOALS = {  # issue 13's floors
    "full refresh ≤ 6 × parse floor": lambda r: r["full_refresh_s"] <= 6 * r["parse_floor_s"],
    "full refresh ≥ 4 × faster than naive": lambda r: r["naive_s"] >= 4 * r["full_refresh_s"],
    "one corrected register published ≤ 10 s": lambda r: r["incremental_s"] <= 10,
    "refresh with nothing changed ≤ 5 s": lambda r: r["noop_refresh_s"] <= 5,
    "peak memory ≤ 1.5 GiB": lambda r: r["peak_rss_mib"] <= 1536,
    "analyst queries p50 < 20 ms": lambda r: r["query_p50_ms"] < 20,
    "incremental marts = full marts": lambda r: r["incremental_equals_full"],
}

# Ten questions analysts ask of the marts (marts.md), as they would type them.
QUERIES = {
    "funding by province, latest year": """
        SELECT province_name, sum(state_support_vnd) / 1e9 AS ty_dong FROM marts.funding_by_province_year
        WHERE year = (SELECT max(year) FROM marts.funding_by_province_year) GROUP BY 1 ORDER BY 2 DESC""",
    "national funding by level and year": """
        SELECT year, program_level, sum(state_support_vnd) FROM marts.projects GROUP BY ALL ORDER BY ALL""",
    "top 20 provinces by jobs": """
        SELECT province_code, sum(jobs_created) AS jobs FROM marts.jobs_by_province_year GROUP BY 1
        ORDER BY 2 DESC LIMIT 20""",
    "one province's projects": """
        SELECT year, project_code, project_name, state_support_vnd FROM marts.projects
        WHERE province_code = '94' ORDER BY year, project_code""",
    "support content mix": """
        SELECT support_content, count(*), sum(state_support_vnd) FROM marts.projects GROUP BY 1 ORDER BY 3 DESC""",
    "facilities per province and type": """
        SELECT province_code, facility_type, count(*) FROM marts.facilities GROUP BY ALL ORDER BY ALL""",
    "productivity gain distribution": """
        SELECT province_code, quantile_cont(productivity_gain_pct, [0.25, 0.5, 0.75])
        FROM marts.facility_outcomes WHERE productivity_gain_pct IS NOT NULL GROUP BY 1""",
    "reporting completeness, 2024": """
        SELECT * FROM marts.reporting_completeness WHERE year = 2024 ORDER BY province_code""",
    "2025 provinces summary": """SELECT * FROM marts.province2025_year_summary ORDER BY year DESC, 1""",
    "beneficiaries of one province": """
        SELECT b.beneficiary_name, count(*) FROM marts.project_beneficiaries b
        WHERE b.province_code = '19' GROUP BY 1 ORDER BY 2 DESC LIMIT 50""",
}


def _kc(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], env=env, capture_output=True, text=True)


def _generator_fingerprint() -> str:
    """The demo generator's source: a change to it is a different inbox, generated again."""
    digest = hashlib.sha256()
    for path in sorted((PROJECT_ROOT / "kc_demo").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def inbox(runs_dir: Path) -> Path:
    """The national inbox, generated once (the seed and the generator's fingerprint are its name)."""
    raw = BENCH_DIR / f"raw-national-{SEED}-{_generator_fingerprint()}"
    for stale in BENCH_DIR.glob(f"raw-national-{SEED}*"):
        if stale != raw:
            shutil.rmtree(stale, ignore_errors=True)
    if not (raw / ".complete").exists():
        shutil.rmtree(raw, ignore_errors=True)
        print("generating the national inbox (once; reused by later runs) …", flush=True)
        result = _kc("demo", "--scale", "national", "--seed", str(SEED), "--raw-dir", str(raw), env=dict(os.environ))
        if result.returncode != 0:
            raise SystemExit(result.stdout + result.stderr)
        (raw / ".complete").write_text(result.stdout)
    return raw


def _site(root: Path, raw: Path) -> dict:
    """Environment for a refresh in its own empty work area (no build, no cache) and marts folder.
    The Dagster instance is the bench's own and persists, as a deployment's does."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    return _site_env(root, raw)


def _site_env(root: Path, raw: Path) -> dict:
    return {
        **os.environ,
        "KC_RAW_DIR": str(raw),
        "KC_MARTS_DIR": str(root / "marts"),
        "KC_WORK_DIR": str(root / "work"),
        "DAGSTER_HOME": str(BENCH_DIR / "dagster"),
    }


def _only_cache_kept(root: Path, raw: Path) -> dict:
    """Environment for a refresh of the site `_site` made at `root`, its work area emptied but for the parse
    cache and nothing published: a full refresh in which every file's reading is known."""
    env = _site_env(root, raw)
    for part in Path(env["KC_WORK_DIR"]).iterdir():
        if part.name != "cache":
            shutil.rmtree(part) if part.is_dir() else part.unlink()
    shutil.rmtree(env["KC_MARTS_DIR"], ignore_errors=True)
    return env


def nothing_read_since(cache: Path, started: float) -> None:
    """Refuse the measurement if the refresh read a file after all: a file read is written into the parse
    cache (a fingerprint that changed from one run to the next would make every file a miss)."""
    written = [p for p in cache.rglob("*") if p.is_file() and p.stat().st_mtime >= started]
    if written:
        raise SystemExit(
            f"the parse cache did not answer for every file: {len(written)} entries written, e.g. {written[0]}"
        )


def timed_refresh(env: dict) -> tuple[float, int]:
    """(seconds, peak resident bytes of the whole process tree) of one `kc refresh`."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "refresh"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with PeakSampler(process.pid) as sampler:
        output, _ = process.communicate()
    seconds = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"kc refresh failed:\n{output}")
    return seconds, sampler.peak


# --- the parse floor --------------------------------------------------------------------------


def _read_fast(path: str) -> int:
    """Read one file completely with the fastest reader available; the number of rows read."""
    if path.endswith(".csv"):
        import pyarrow.csv as pacsv

        try:
            return pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(autogenerate_column_names=True),
                parse_options=pacsv.ParseOptions(invalid_row_handler=lambda row: "skip"),
            ).num_rows
        except Exception:
            return len(Path(path).read_bytes().splitlines())
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_path(path)
    return sum(len(workbook.get_sheet_by_name(name).to_python()) for name in workbook.sheet_names)


def _input_files(raw: Path) -> list[str]:
    files = [p for p in raw.rglob("*") if p.is_file() and not p.name.startswith(".")]
    return [str(p) for p in sorted(files, key=lambda p: -p.stat().st_size)]


def parse_floor(raw: Path) -> tuple[float, int]:
    files = _input_files(raw)
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        rows = sum(pool.map(_read_fast, files, chunksize=16))
    return time.monotonic() - started, rows


# --- the naive way ----------------------------------------------------------------------------

NAIVE_SCRIPT = r"""
import sys, pathlib, pandas as pd, duckdb
raw, db = pathlib.Path(sys.argv[1]), sys.argv[2]
frames = {}
for path in sorted(p for p in raw.rglob("*") if p.is_file() and not p.name.startswith(".")):
    dataset = path.relative_to(raw).parts[0]
    if path.suffix == ".csv":
        sheets = [pd.read_csv(path, header=None, dtype=str)]
    else:
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl").values()
    for frame in sheets:
        frame["source_file"] = str(path)
        frames.setdefault(dataset, []).append(frame)
con = duckdb.connect(db)
for dataset, parts in frames.items():
    table = pd.concat(parts, ignore_index=True)
    table.columns = [str(c) for c in table.columns]
    table = table.astype("string")  # mixed cells, as read; nothing cleaned
    con.register("t", table)
    con.execute(f"CREATE OR REPLACE TABLE {dataset} AS SELECT * FROM t")
con.close()
"""


def naive(raw: Path, root: Path) -> float:
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", NAIVE_SCRIPT, str(raw), str(root / "naive.duckdb")], capture_output=True, text=True
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"the naive script failed:\n{result.stderr}")
    return seconds


# --- incremental ------------------------------------------------------------------------------


def corrected_register(raw: Path, target_raw: Path, n: int) -> Path:
    """One province's 2024 register sent again, corrected: the first project row's longest text (its
    name or its beneficiaries) re-typed. A text correction keeps the amounts adding up to the reported
    totals, which ingestion checks (an amount changed alone is a rejected row, as it should be)."""
    import openpyxl

    source = sorted((raw / "projects").glob("*/2024/danh-muc-de-an-2024.xlsx"))[0]
    workbook = openpyxl.load_workbook(source)
    sheet = workbook.worksheets[0]
    done = False
    for row in sheet.iter_rows():
        if row[0].value == 1:  # the first project row (STT 1): its longest text is the project's name
            texts = [c for c in row if isinstance(c.value, str)]
            name = max(texts, key=lambda c: len(c.value))
            name.value = f"{name.value} (đính chính lần {n})"
            done = True
            break
    if not done:
        raise SystemExit(f"no project row found in {source}")
    target = target_raw / source.relative_to(raw).with_name(f"danh-muc-de-an-2024-da-sua-{n}.xlsx")
    workbook.save(target)
    when = time.time()
    os.utime(target, (when, when))
    return target


def withdraw_corrections(target_raw: Path) -> None:
    """The corrected registers taken back out of the inbox: the province's first register counts again
    (the bench's correction had made its first project's beneficiary match no census facility: it matches
    again, and one row of the facilities mart changes)."""
    for corrected in (target_raw / "projects").glob("*/2024/danh-muc-de-an-2024-da-sua-*.xlsx"):
        corrected.unlink()


def corrected_census(raw: Path, target_raw: Path, n: int) -> Path:
    """Lạng Sơn's 2018 census sent again, corrected: its first facility's name re-typed (a new file that
    supersedes the last one)."""
    import openpyxl

    source = raw / "census" / "lang-son" / "2018" / "phieu-dieu-tra-co-so-cnnt-2018.xlsx"
    workbook = openpyxl.load_workbook(source)
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows():
        if row[0].value == 1:  # the first facility (STT 1): its name is in the third column
            row[2].value = f"{row[2].value} (đính chính lần {n})"
            break
    else:
        raise SystemExit(f"no facility row found in {source}")
    target = target_raw / source.relative_to(raw).with_name(f"phieu-dieu-tra-co-so-cnnt-2018-da-sua-{n}.xlsx")
    workbook.save(target)
    return target


def _marts_digest(db: Path) -> dict[str, str]:
    """A content digest of every mart (order-independent), to compare two warehouses."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        marts = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        out = {}
        for mart in marts:
            out[mart] = con.execute(
                f"SELECT count(*) || ':' || coalesce(sum(hash(t)), 0) FROM marts.{mart} t"
            ).fetchone()[0]
        return out
    finally:
        con.close()


# --- queries ----------------------------------------------------------------------------------


def query_times(db: Path, repeats: int = 5) -> dict[str, float]:
    """Median milliseconds of each query (after one warm-up), on a read-only connection."""
    con = duckdb.connect(str(db), read_only=True)
    out = {}
    try:
        for name, sql in QUERIES.items():
            con.execute(sql).fetchall()
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                con.execute(sql).fetchall()
                samples.append((time.perf_counter() - started) * 1000)
            out[name] = statistics.median(samples)
    finally:
        con.close()
    return out


# --- the run ----------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def measure_cold(raw: Path, work: Path, runs: int, samples: dict[str, list[float]]) -> tuple[list[int], int]:
    """Parse floor, full refresh, naive script and empty-inbox refresh, interleaved run by run (so that the
    machine's drift touches each alike). Returns the full refreshes' peak memory and the rows read."""
    empty_inbox = work / "empty-inbox"
    empty_inbox.mkdir(parents=True, exist_ok=True)
    peaks: list[int] = []
    input_rows = 0
    for i in range(runs):
        print(f"run {i + 1}/{runs}: parse floor …", flush=True)
        seconds, input_rows = parse_floor(raw)
        samples["parse_floor_s"].append(seconds)
        print(f"run {i + 1}/{runs}: full refresh …", flush=True)
        seconds, peak = timed_refresh(_site(work / "full", raw))
        samples["full_refresh_s"].append(seconds)
        peaks.append(peak)
        print(f"run {i + 1}/{runs}: full refresh, every file in the parse cache …", flush=True)
        env = _only_cache_kept(work / "full", raw)
        started = time.time()
        samples["full_refresh_cached_s"].append(timed_refresh(env)[0])
        nothing_read_since(Path(env["KC_WORK_DIR"]) / "cache", started)
        print(f"run {i + 1}/{runs}: naive script …", flush=True)
        samples["naive_s"].append(naive(raw, work / "naive"))
        print(f"run {i + 1}/{runs}: refresh of an empty inbox …", flush=True)
        samples["stack_floor_s"].append(timed_refresh(_site(work / "empty", empty_inbox))[0])
    return peaks, input_rows


def measure_warm(raw: Path, work: Path, runs: int, samples: dict[str, list[float]]) -> tuple[Path, bool]:
    """A warm site (one full refresh done), then a corrected register arrives, each run; then a corrected
    census file, each run; then refreshes with nothing changed. Returns the warm site's warehouse, and
    whether a full refresh of the same inbox (with all those corrections) gives the same marts."""
    print("incremental: preparing a warm warehouse …", flush=True)
    inbox_copy = work / "inbox"
    shutil.rmtree(inbox_copy, ignore_errors=True)
    shutil.copytree(raw, inbox_copy, copy_function=os.link)  # hard links: the cached inbox is never written
    env = _site(work / "incremental", inbox_copy)
    timed_refresh(env)
    for i in range(runs):
        corrected_register(raw, inbox_copy, i + 1)
        print(f"run {i + 1}/{runs}: incremental refresh …", flush=True)
        samples["incremental_s"].append(timed_refresh(env)[0])
    for i in range(runs):
        corrected_census(raw, inbox_copy, i + 1)
        print(f"run {i + 1}/{runs}: a corrected census file …", flush=True)
        samples["census_correction_s"].append(timed_refresh(env)[0])
    for i in range(runs):
        print(f"run {i + 1}/{runs}: refresh with nothing changed …", flush=True)
        samples["noop_refresh_s"].append(timed_refresh(env)[0])
    incremental_db = Path(env["KC_MARTS_DIR"]) / "warehouse.duckdb"
    print("checking: a full refresh of the same inbox gives the same marts …", flush=True)
    full_env = _site(work / "full-check", inbox_copy)
    timed_refresh(full_env)
    matches = _marts_digest(incremental_db) == _marts_digest(Path(full_env["KC_MARTS_DIR"]) / "warehouse.duckdb")
    return incremental_db, matches


def summarise(samples: dict[str, list[float]], peaks: list[int], queries: dict[str, float], extra: dict) -> dict:
    """results.json: medians, ratios, goals, every sample, the machine."""
    results = {k: _median(v) for k, v in samples.items()}
    results.update(
        {
            "peak_rss_mib": round(max(peaks) / (1 << 20)),
            "query_p50_ms": round(statistics.median(queries.values()), 2),
            **extra,
        }
    )
    results["ratios"] = {
        "full_over_parse_floor": round(results["full_refresh_s"] / results["parse_floor_s"], 2),
        "full_cached_over_parse_floor": round(results["full_refresh_cached_s"] / results["parse_floor_s"], 2),
        "naive_over_full": round(results["naive_s"] / results["full_refresh_s"], 2),
        "incremental_over_full": round(results["incremental_s"] / results["full_refresh_s"], 3),
        "census_correction_over_full": round(results["census_correction_s"] / results["full_refresh_s"], 3),
        "stack_floor_over_full": round(results["stack_floor_s"] / results["full_refresh_s"], 3),
        "noop_over_full": round(results["noop_refresh_s"] / results["full_refresh_s"], 3),
    }
    results["goals"] = {goal: bool(check(results)) for goal, check in GOALS.items()}
    results["samples"] = {k: [round(x, 2) for x in v] for k, v in samples.items()}
    results["peak_rss_mib_samples"] = [round(p / (1 << 20)) for p in peaks]
    results["queries_ms"] = {k: round(v, 2) for k, v in queries.items()}
    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "memory_gib": _memory_gib(),
    }
    results["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (median reported; ≥ 3)")
    args = parser.parse_args(argv)
    runs = max(3, args.runs)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    work = BENCH_DIR / "runs"
    raw = inbox(work)
    samples: dict[str, list[float]] = {
        k: []
        for k in (
            "full_refresh_s",
            "full_refresh_cached_s",
            "parse_floor_s",
            "naive_s",
            "incremental_s",
            "census_correction_s",
            "stack_floor_s",
            "noop_refresh_s",
        )
    }
    peaks, input_rows = measure_cold(raw, work, runs, samples)
    incremental_db, matches = measure_warm(raw, work, runs, samples)
    queries = query_times(incremental_db)
    con = duckdb.connect(str(incremental_db), read_only=True)
    # the national inbox's own files: not the corrections the incremental runs added to the site's inbox
    inbox_files = {Path(f).relative_to(raw).as_posix() for f in _input_files(raw)}
    rows_read = sum(
        rows or 0
        for path, rows in con.execute("SELECT path, rows_read FROM audit.ingest_files").fetchall()
        if path in inbox_files
    )
    con.close()
    # about 2 GB of measured sites; the incremental one stays, to be queried (see the README)
    for done in ("full", "full-check", "naive", "empty"):
        shutil.rmtree(work / done, ignore_errors=True)
    results = summarise(
        samples,
        peaks,
        queries,
        {
            "input_rows": int(rows_read),
            "input_rows_all_sheet_rows": input_rows,
            "input_files": len(_input_files(raw)),
            "incremental_equals_full": matches,
        },
    )
    results["runs"] = runs
    (BENCH_DIR / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    _print(results)
    return 0


def _memory_gib() -> float:
    with open("/proc/meminfo") as meminfo:
        return round(int(meminfo.readline().split()[1]) / (1 << 20), 1)


def _print(r: dict) -> None:
    print()
    print(
        f"National inbox: {r['input_files']:,} files, {r['input_rows']:,} data rows "
        f"({r['machine']['cpus']} CPUs, {r['machine']['memory_gib']} GiB); medians of {r['runs']} runs"
    )
    rows = [
        ("parse floor (calamine/pyarrow, all cores)", f"{r['parse_floor_s']:.2f} s", "1.00 × floor"),
        (
            "full refresh, empty warehouse",
            f"{r['full_refresh_s']:.2f} s",
            f"{r['ratios']['full_over_parse_floor']:.2f} × floor",
        ),
        (
            "full refresh, every file from the parse cache",
            f"{r['full_refresh_cached_s']:.2f} s",
            f"{r['ratios']['full_cached_over_parse_floor']:.2f} × floor",
        ),
        (
            "naive pandas + openpyxl script",
            f"{r['naive_s']:.2f} s",
            f"{r['ratios']['naive_over_full']:.2f} × full refresh",
        ),
        (
            "incremental refresh (one corrected register)",
            f"{r['incremental_s']:.2f} s",
            f"{r['ratios']['incremental_over_full']:.3f} × full refresh",
        ),
        (
            "a corrected census file",
            f"{r['census_correction_s']:.2f} s",
            f"{r['ratios']['census_correction_over_full']:.3f} × full refresh",
        ),
        (
            "refresh of an empty inbox (fixed cost)",
            f"{r['stack_floor_s']:.2f} s",
            f"{r['ratios']['stack_floor_over_full']:.3f} × full refresh",
        ),
        (
            "refresh with nothing changed",
            f"{r['noop_refresh_s']:.2f} s",
            f"{r['ratios']['noop_over_full']:.3f} × full refresh",
        ),
        ("peak memory of the full refresh", f"{r['peak_rss_mib']} MiB", ""),
        ("analyst query, median of ten", f"{r['query_p50_ms']:.1f} ms", ""),
    ]
    width = max(len(a) for a, _, _ in rows)
    for name, value, ratio in rows:
        print(f"  {name:<{width}}  {value:>10}  {ratio}")
    print()
    for goal, ok in r["goals"].items():
        print(f"  {'met    ' if ok else 'NOT MET'}  {goal}")
    print(f"\nwritten to {BENCH_DIR / 'results.json'}")
