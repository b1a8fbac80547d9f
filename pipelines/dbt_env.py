"""How dbt is started: its executable, its environment, and the parsed project (manifest).

The one place that knows dbt's settings. dbt reads the build database's path from `KC_BUILD_DB`
(dbt_project/profiles.yml); every dbt process gets it here, right around the call, so that the
partial parse made by `make setup` is the one every refresh reuses (same path, same settings).
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
import subprocess
import sys
from pathlib import Path

from .settings import DBT_PROJECT_DIR, PROJECT_ROOT

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
# The path dbt is always given (Paths.dbt_build_db under the default work area); see settings.Paths.
DEFAULT_DBT_BUILD_DB = PROJECT_ROOT / "data" / "work" / "build" / "warehouse.duckdb"


def dbt_executable() -> Path:
    """The dbt of this environment, beside the running interpreter: no PATH needed (a fresh clone's
    `make dagster` does not have .venv/bin on PATH)."""
    return Path(sys.executable).with_name("dbt")


def dbt_environment(dbt_build_db: Path) -> dict[str, str]:
    return {**os.environ, "KC_BUILD_DB": str(dbt_build_db)}


def _sources_newer_than(manifest: Path) -> bool:
    built = manifest.stat().st_mtime
    watched = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        watched += [p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in watched)


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than its sources (as `make setup`
    does), with this environment's dbt; the code location reads the manifest when it loads."""
    if MANIFEST.exists() and not _sources_newer_than(MANIFEST):
        return MANIFEST
    result = subprocess.run([str(dbt_executable()), "parse", "--profiles-dir", ".", "--quiet"],
                            cwd=DBT_PROJECT_DIR, env=dbt_environment(DEFAULT_DBT_BUILD_DB),
                            capture_output=True, text=True)
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


@contextmanager
def dbt_settings(dbt_build_db: Path):
    """dbt's environment for one call, set right around it and restored after: the build database
    (read by profiles.yml)."""
    saved = os.environ.get("KC_BUILD_DB")
    os.environ["KC_BUILD_DB"] = str(dbt_build_db)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("KC_BUILD_DB", None)
        else:
            os.environ["KC_BUILD_DB"] = saved
