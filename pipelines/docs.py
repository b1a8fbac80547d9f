"""`make docs`: the dbt documentation site (descriptions, column docs, lineage) for analysts.

dbt documents the published warehouse: the catalog (column types, row counts) is read from a private
copy of it, so an analyst holding the published file open is never in the way. The site is dbt's
single-file static page, written to `<marts>/docs/index.html` under a temporary name and renamed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .settings import DBT_PROJECT_DIR, current_paths


def build_docs() -> Path:
    paths = current_paths()
    if not paths.published_db.exists():
        raise SystemExit(f"no published warehouse at {paths.published_db}: run a refresh first (make run)")
    target = paths.marts_dir / "docs" / "index.html"
    with tempfile.TemporaryDirectory(prefix="kc-docs-") as work:
        copy = Path(work) / "warehouse.duckdb"
        shutil.copyfile(paths.published_db, copy)
        dbt = Path(sys.executable).with_name("dbt")
        result = subprocess.run(
            [str(dbt if dbt.exists() else "dbt"), "docs", "generate", "--static", "--profiles-dir", ".",
             "--target-path", str(Path(work) / "target"), "--quiet"],
            cwd=DBT_PROJECT_DIR, env={**os.environ, "KC_BUILD_DB": str(copy)}, capture_output=True, text=True)
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
