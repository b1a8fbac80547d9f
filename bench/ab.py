"""`make bench-ab BASE=<commit>` (`python -m bench.ab <commit>`): one corrected register, the code at
<commit> against this checkout as it is (uncommitted changes included), run in turn. `make bench-ab
BASE=<commit> FULL=1` (`--full`): full refreshes of the national inbox instead, each from an empty work
area, as `make bench` times them. `CORRECTION=facility` (`--correction facility`): each round, a correction
that changes one row of the facilities mart; `CORRECTION=census`: each round, a corrected census file.

This machine's speed drifts from minute to minute (README, "Performance"): two medians measured a
quarter of an hour apart differ by more than most changes do. A change is measured here by running the two
versions alternately, each round in the other order, on two national sites cloned from one warm site,
and comparing each pair of runs of the same round: the median of those ratios is the change's effect.

- `data/bench/ab/base`: a git worktree of <commit> (its own dbt parse, its modules compiled, as `make
  setup` would); this checkout runs as it is;
- one warm site (the national inbox, hard-linked; one full refresh with the base code), copied twice;
- a first round that is not counted: a version whose code differs from the site's builds in full;
- then `--pairs` rounds: the same correction (bench.corrected_register, by default) arrives at both sites,
  and each version's `kc refresh` is timed (wall clock, and the CPU of its whole process tree).

With `--full`, each round refreshes both sites from nothing (no build, no cache, nothing published; the
Dagster history stays) and every round counts.

Writes data/bench/ab.json (every sample) and prints the medians and the pairwise ratio; it also says
whether both versions published the same marts. About 8 minutes for 8 pairs on 2 cores (the warm site's
full refresh included).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from pipelines.settings import PROJECT_ROOT

from . import BENCH_DIR, _marts_digest, corrected_census, corrected_register, inbox, withdraw_corrections

AB_DIR = BENCH_DIR / "ab"


def _git(*args: str, cwd: Path = PROJECT_ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def checkout(commit: str, folder: Path) -> Path:
    """A worktree of `commit` at `folder`, runnable with this environment's interpreter: its modules
    compiled and its dbt project parsed, as `make setup` does."""
    if folder.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=PROJECT_ROOT, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
    _git("worktree", "prune")
    _git("worktree", "add", "--detach", "--force", str(folder), commit)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "pipelines"], cwd=folder, check=True)
    dbt = Path(sys.executable).with_name("dbt")
    environment = {k: v for k, v in os.environ.items() if k != "KC_BUILD_DB"}
    subprocess.run(
        [str(dbt), "parse", "--profiles-dir", ".", "--quiet"], cwd=folder / "dbt_project", env=environment, check=True
    )
    return folder


def _environment(code: Path, site: Path) -> dict:
    """`kc refresh` of the code in `code` on `site`: its modules first on the path (the dbt worker it
    starts imports the same ones)."""
    return {
        **os.environ,
        "PYTHONPATH": str(code),
        "KC_RAW_DIR": str(site / "inbox"),
        "KC_MARTS_DIR": str(site / "marts"),
        "KC_WORK_DIR": str(site / "work"),
        "DAGSTER_HOME": str(site / "dagster"),
    }


def refresh(code: Path, site: Path) -> tuple[float, float]:
    """(seconds, CPU seconds of the whole process tree) of one `kc refresh` of `code` on `site`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "refresh"],
        cwd=code,
        env=_environment(code, site),
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"kc refresh of {code} on {site} failed:\n{result.stdout}{result.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, cpu


def warm_site(raw: Path, code: Path, site: Path) -> None:
    """A site holding the national inbox (hard links: the generated inbox is never written), refreshed
    once in full."""
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    shutil.copytree(raw, site / "inbox", copy_function=os.link)
    refresh(code, site)


def clone_site(site: Path, copy: Path) -> None:
    """`site` as it is (build, cache, publications, Dagster history), the inbox hard-linked again."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site / "inbox", copy / "inbox", copy_function=os.link)
    for part in ("work", "marts", "dagster"):
        if (site / part).exists():
            shutil.copytree(site / part, copy / part, symlinks=True)


#: what each round of `--correction` brings to both sites (besides `--full`)
CORRECTIONS = {
    "register": "the n-th corrected project register (the first, not counted, un-links a facility)",
    "facility": "a corrected register that un-links a facility, then its withdrawal, in turn",
    "census": "Lạng Sơn's 2018 census sent again with one facility's name re-typed",
}


def prepare_round(raw: Path, sites: list[Path], n: int, full: bool, correction: str = "register") -> None:
    """What both sites receive before a round: with `full`, nothing built, cached or published (the refresh
    reads and builds everything); else the n-th correction (CORRECTIONS), received at the same moment at
    both (its time is published, in reporting_completeness: the marts of the two versions must be equal)."""
    when = time.time()
    if full:
        for site in sites:
            for part in ("work", "marts"):
                shutil.rmtree(site / part, ignore_errors=True)
        return
    if correction == "facility" and n % 2 == 0:
        for site in sites:
            withdraw_corrections(site / "inbox")
        return
    # written once and copied: a workbook saved twice may differ in its saving time, and so in its
    # sha256, which the rows' keys are made from (the two versions' marts would differ)
    make = corrected_census if correction == "census" else corrected_register
    written = make(raw, sites[0] / "inbox", n)
    for site in sites:
        target = site / "inbox" / written.relative_to(sites[0] / "inbox")
        if target != written:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(written, target)
        os.utime(target, (when, when))


def summary(samples: dict[str, dict[str, list[float]]]) -> dict:
    """Medians of each version, and the median of the pairwise ratios (head ÷ base) of the counted
    rounds: below 1, the checkout is faster."""
    pairs = [h / b for b, h in zip(samples["base"]["seconds"], samples["head"]["seconds"], strict=True)]
    cpu_pairs = [h / b for b, h in zip(samples["base"]["cpu"], samples["head"]["cpu"], strict=True)]
    return {
        "base_median_s": round(statistics.median(samples["base"]["seconds"]), 2),
        "head_median_s": round(statistics.median(samples["head"]["seconds"]), 2),
        "base_median_cpu_s": round(statistics.median(samples["base"]["cpu"]), 2),
        "head_median_cpu_s": round(statistics.median(samples["head"]["cpu"]), 2),
        "pairwise_ratio": round(statistics.median(pairs), 3),
        "pairwise_cpu_ratio": round(statistics.median(cpu_pairs), 3),
        "head_faster_in": f"{sum(r < 1 for r in pairs)} of {len(pairs)} pairs",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench-ab", description=__doc__.split("\n")[0])
    parser.add_argument("base", help="the commit to compare this checkout with (a hash, a tag, HEAD~3)")
    parser.add_argument("--pairs", type=int, default=8, help="counted rounds (each: one run of each version)")
    parser.add_argument("--full", action="store_true", help="full refreshes from an empty work area")
    parser.add_argument(
        "--correction",
        choices=list(CORRECTIONS),
        default="register",
        help="what each round brings: " + "; ".join(f"{k}: {v}" for k, v in CORRECTIONS.items()),
    )
    args = parser.parse_args(argv)
    base_commit = _git("rev-parse", "--short", args.base)
    head = PROJECT_ROOT
    head_label = _git("rev-parse", "--short", "HEAD") + ("+changes" if _git("status", "--porcelain", "--", ".") else "")
    raw = inbox(BENCH_DIR / "runs")
    AB_DIR.mkdir(parents=True, exist_ok=True)
    # as `make setup` does: a module edited since is not compiled again at every start of the checkout's runs
    subprocess.run([sys.executable, "-m", "compileall", "-q", "pipelines"], cwd=head, check=True)
    print(f"preparing the code at {base_commit} …", flush=True)
    base = checkout(base_commit, AB_DIR / "base")
    sites = {"base": AB_DIR / "site-base", "head": AB_DIR / "site-head"}
    if args.full:
        for site in sites.values():
            shutil.rmtree(site, ignore_errors=True)
            shutil.copytree(raw, site / "inbox", copy_function=os.link)
    else:
        print("preparing a warm national site (one full refresh) …", flush=True)
        warm_site(raw, base, AB_DIR / "site")
        for site in sites.values():
            clone_site(AB_DIR / "site", site)
        shutil.rmtree(AB_DIR / "site")
    codes = {"base": base, "head": head}
    samples: dict[str, dict[str, list[float]]] = {v: {"seconds": [], "cpu": []} for v in codes}
    for round_ in range(1 if args.full else 0, args.pairs + 1):
        prepare_round(raw, list(sites.values()), round_ + 1, full=args.full, correction=args.correction)
        order = ["base", "head"] if round_ % 2 else ["head", "base"]
        timed = {version: refresh(codes[version], sites[version]) for version in order}
        label = "not counted (a first build)" if round_ == 0 else f"{round_}/{args.pairs}"
        print(
            f"round {label}: " + ", ".join(f"{v} {timed[v][0]:.2f} s (CPU {timed[v][1]:.1f} s)" for v in order),
            flush=True,
        )
        if round_:
            for version, (seconds, cpu) in timed.items():
                samples[version]["seconds"].append(seconds)
                samples[version]["cpu"].append(cpu)
    same = _marts_digest(sites["base"] / "marts" / "warehouse.duckdb") == _marts_digest(
        sites["head"] / "marts" / "warehouse.duckdb"
    )
    results = {
        "measured": "full refresh" if args.full else f"one correction ({CORRECTIONS[args.correction]})",
        "base": base_commit,
        "head": head_label,
        **summary(samples),
        "same_marts": same,
        "samples": {v: {k: [round(x, 2) for x in xs] for k, xs in s.items()} for v, s in samples.items()},
        "cpus": os.cpu_count(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (BENCH_DIR / "ab.json").write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"{results['measured']}, {base_commit} → {head_label}: median {results['base_median_s']} → "
        f"{results['head_median_s']} s; pairwise ratio {results['pairwise_ratio']} "
        f"(CPU {results['pairwise_cpu_ratio']}; the checkout faster in {results['head_faster_in']}); "
        f"same marts: {'yes' if same else 'NO'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
