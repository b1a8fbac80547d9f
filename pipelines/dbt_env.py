"""How dbt is started: its executable, its environment, and the parsed project (manifest).

The one place that knows dbt's settings (dbt_project/profiles.yml): a refresh runs dbt inside the build
folder, where the profile's relative path names the build database, so that the partial parse made by
`make setup` is the one every refresh reuses, whatever its work area (same settings, no re-parse).
"""

from __future__ import annotations

import importlib.abc
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from .settings import DBT_PROJECT_DIR

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def dbt_executable() -> Path:
    """The dbt of this environment, beside the running interpreter: no PATH needed (a fresh clone's
    `make dagster` does not have .venv/bin on PATH)."""
    return Path(sys.executable).with_name("dbt")


def dbt_environment() -> dict[str, str]:
    """The environment of a dbt subprocess that parses the project as a refresh would (KC_BUILD_DB unset)."""
    return {k: v for k, v in os.environ.items() if k != "KC_BUILD_DB"}


def _sources_newer_than(manifest: Path) -> bool:
    built = manifest.stat().st_mtime
    watched = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        watched += [p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in watched)


def _current(manifest: Path) -> bool:
    """The manifest is there, newer than every dbt source, and whole (a manifest cut short by a crash, or
    written by two parses at once, is parsed again rather than read)."""
    import json

    if not manifest.exists() or _sources_newer_than(manifest):
        return False
    try:
        json.loads(manifest.read_bytes())
    except ValueError:
        return False
    return True


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than its sources (as `make setup`
    does), with this environment's dbt; the code location reads the manifest when it loads.

    Several processes load the code location at once (`kc serve`: the webserver's and the daemon's code
    servers): one parses while the others wait on a lock, so that none reads a manifest half written."""
    import fcntl

    if _current(MANIFEST):
        return MANIFEST
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    with (MANIFEST.parent / ".parse.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _current(MANIFEST):
            return MANIFEST  # parsed by the process that held the lock
        result = subprocess.run(
            [str(dbt_executable()), "parse", "--profiles-dir", ".", "--quiet"],
            cwd=DBT_PROJECT_DIR,
            env=dbt_environment(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0 or not MANIFEST.exists():
            raise RuntimeError(f"dbt parse failed in {DBT_PROJECT_DIR}:\n{result.stdout}{result.stderr}")
    return MANIFEST


def dbt_target(paths) -> Path:
    """dbt's target directory for refreshes of this work area: one per work area, reused (not one new
    directory per run under dbt_project/target, which grew by about 8.5 MB a refresh). dbt keeps its
    partial parse there, so from the second refresh on it does not parse the project again; the first
    starts from the parse `make setup` made, which holds when the work area is the default one."""
    target = paths.work_dir / "dbt"
    seed = MANIFEST.with_name("partial_parse.msgpack")
    if not (target / seed.name).exists() and seed.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(seed, target / seed.name)
    return target


@cache
def dbt_project():
    """The dbt project as dagster-dbt sees it, its manifest parsed if it is missing or stale: prepared when
    the code location's assets are defined, not when a module is imported (the CLI and the resources
    never parse dbt). Not DbtProject.prepare_if_dev(): it runs the `dbt` found on PATH, which `dagster
    dev` started from a fresh clone does not have (.venv/bin is not on PATH)."""
    from dagster_dbt import DbtProject

    ensure_manifest()
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class _NoDbtCore(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "dbt" or name.startswith("dbt."):
            raise ModuleNotFoundError(f"dbt-core is left to the dbt worker: {name}", name=name)
        return None


@contextmanager
def dbt_core_left_to_the_worker() -> Iterator[None]:
    """Import the code location without dbt-core: `kc refresh` runs dbt in its worker process
    (dbt_worker.py) and never calls dbt itself, but dagster-dbt imports dbt-core when it is installed
    (1.3–1.5 s of the refresh's start, on its critical path). Without it, dagster-dbt uses its own
    definitions of dbt's node types, as it does for dbt Fusion: the assets, checks and lineage it
    builds from the manifest are the same (compared key by key, metadata included). Imports after the
    block are not affected."""
    if "dagster_dbt" in sys.modules:  # already imported, with or without dbt-core: nothing to decide
        yield
        return
    finder = _NoDbtCore()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
