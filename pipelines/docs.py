"""`make docs`: the dbt documentation site (descriptions, column docs, lineage) for analysts.

dbt documents the build database, which holds every model (the published warehouse holds only the
marts and the audit): the catalog (column types, row counts) is read from a private copy of it, taken
while no refresh can write it, so neither a refresh nor an analyst is ever in the way. The site is dbt's
single-file static page, written to `<marts>/docs/index.html` under a temporary name and renamed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .settings import DBT_PROJECT_DIR, current_paths


def build_docs() -> Path:
    paths = current_paths()
    if not paths.build_db.exists():
        raise SystemExit(f"no build database at {paths.build_db}: run a refresh first (make run)")
    target = paths.marts_dir / "docs" / "index.html"
    with tempfile.TemporaryDirectory(prefix="kc-docs-") as work:
        copy = Path(work) / "warehouse.duckdb"
        # The build database, which holds every model (the published one holds only marts and audit),
        # copied while no refresh can write it: dbt documents from the copy.
        with paths.lock_file.open("a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_SH)
            shutil.copyfile(paths.build_db, copy)
        dbt = Path(sys.executable).with_name("dbt")
        result = subprocess.run(
            [
                str(dbt if dbt.exists() else "dbt"),
                "docs",
                "generate",
                "--static",
                "--profiles-dir",
                ".",
                "--target-path",
                str(Path(work) / "target"),
                "--quiet",
            ],
            cwd=DBT_PROJECT_DIR,
            env={**os.environ, "KC_BUILD_DB": str(copy)},
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"dbt docs generate failed:\n{result.stdout}{result.stderr}")
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        shutil.copyfile(Path(work) / "target" / "static_index.html", temp)
        os.replace(temp, target)
    return target


def main() -> int:
    target = build_docs()
    print(f"wrote {target} ({target.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
