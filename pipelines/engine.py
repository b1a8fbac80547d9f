"""What the persistent build holds, what changed since, and what a refresh must therefore do.

The build database (`Paths.build_db`) persists between refreshes. Beside it, `state.json` records,
as plain values:

- `fingerprint`: of everything that decides how files are read and modelled (ingestion code and
  configuration, the dbt project, library versions). A different fingerprint means a full build.
- `files`: per file under the raw root, its stat stamp (size, mtime, inode), sha256, and its load
  signature (status and the province-years whose rows are in the raw tables); `read_again` when it
  was refused for a reason of that moment (the next refresh reads it again, stamp or not).
- `pending`: the dbt sources changed by an ingestion whose dbt build has not yet succeeded
  (`["*"]`: everything). A refresh killed after ingestion rebuilds them next time.
- `ingested` / `built` / `published`: digests of the file set that the raw tables, the dbt models
  and the published warehouse hold; `published_run` and `published_to` say by which run and where.

Every step writes the state only after its own work is committed, and every write of the raw tables
is idempotent (a file's rows are deleted by path, then inserted), so a refresh killed at any point
leaves a state that the next refresh completes correctly: at worst it redoes the step.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from .ingest.discover import file_stamp
from .settings import DBT_PROJECT_DIR, Paths

ALL = "*"
_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb", "dagster-dbt")
BUILD_MODULES = ("engine.py", "assets.py", "publish.py", "reference.py", "dbt_env.py")


@dataclass
class BuildState:
    fingerprint: str | None = None
    files: dict[str, dict] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)
    ingested: str | None = None
    built: str | None = None
    published: str | None = None
    published_run: str | None = None
    published_to: str | None = None
    served: str | None = None  # the publication last loaded into PostgreSQL (pipelines/postgres.py)
    served_to: str | None = None  # that server, without its password

    @classmethod
    def load(cls, paths: Paths) -> BuildState:
        """The recorded state; an empty one when there is none or it cannot be read (a full build)."""
        try:
            data = json.loads(paths.build_state.read_text(encoding="utf-8"))
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except (OSError, ValueError, TypeError):
            return cls()

    def save(self, paths: Paths) -> None:
        """Written whole or not at all (temporary file, fsync, rename)."""
        paths.build_state.parent.mkdir(parents=True, exist_ok=True)
        temp = paths.build_state.with_name(f".state.json.{os.getpid()}")
        with temp.open("w", encoding="utf-8") as handle:
            json.dump(self.__dict__, handle, ensure_ascii=False, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, paths.build_state)


def project_fingerprint(config_dir: Path, limits) -> str:
    """The ingestion fingerprint (code, configuration, limits, readers) plus the dbt project and the
    versions of dbt and DuckDB: anything that can change a mart without a file changing."""
    from .ingest.cache import fingerprint

    digest = hashlib.sha256(fingerprint(config_dir, limits).encode())
    watched = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        watched += sorted(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    for path in watched:
        digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    for name in BUILD_MODULES:  # the engine, the assets that call it, publication, the reference data
        path = Path(__file__).parent / name
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    for package in _PACKAGES:
        digest.update(f"{package}=={version(package)}".encode())
    return digest.hexdigest()[:16]


def stamp(st: os.stat_result) -> list[int]:
    return list(file_stamp(st))


def files_digest(fingerprint: str, signatures: dict[str, str]) -> str:
    digest = hashlib.sha256(fingerprint.encode())
    for relative in sorted(signatures):
        digest.update(f"{relative}\0{signatures[relative]}\0".encode())
    return digest.hexdigest()[:16]


def inbox_stamps(raw_dir: Path) -> dict[str, list[int]] | None:
    """Stat stamps of every file under the raw root, as the refresh would see them; None when something
    cannot be listed or looked at (then the quick answer is "look properly")."""
    from .ingest.discover import entries, relative_name

    paths, unreadable = entries(raw_dir)
    if unreadable:
        return None
    stamps = {}
    try:
        for path in paths:
            stamps[relative_name(path, raw_dir)] = stamp(path.lstat())
    except OSError:
        return None
    return stamps


def nothing_changed(paths: Paths, config_dir: Path, limits, served_to: str | None = None) -> BuildState | None:
    """The recorded state when the inbox, the code and the configuration are exactly as at the last
    publication to this marts folder (and that publication is there, and is what PostgreSQL serves when
    `served_to` names a server): the refresh has nothing to do.

    Decided from file stat stamps (size, modification time to the nanosecond, inode), as the inbox
    sensor does, without reading or hashing any file; anything else means "refresh"."""
    state = BuildState.load(paths)
    if (
        state.published is None
        or state.pending
        or not (state.ingested == state.built == state.published)
        or state.published_to != str(paths.marts_dir)
        or not paths.published_db.exists()
    ):
        return None
    if needs_serving(state, served_to):
        return None  # PostgreSQL does not serve this publication yet (its last load failed, or a new server)
    stamps = inbox_stamps(paths.raw_dir)
    if stamps is None or stamps.keys() != state.files.keys():
        return None
    if any(stamps[k] != state.files[k].get("stamp") or state.files[k].get("read_again") for k in stamps):
        return None  # a file changed, or was refused last time for a reason of that moment
    if state.fingerprint != project_fingerprint(config_dir, limits):
        return None
    return state


def planned_sources(paths: Paths, config_dir: Path, limits) -> list[str] | None:
    """The dbt sources this refresh can change, worked out from stat stamps before Dagster starts, so that
    the run holds only the assets downstream of them (every event of an asset in the run costs about 10 ms
    in Dagster's event log). None when it may be everything: no build yet, a full build pending, or the
    code or configuration changed.

    Ingestion decides for itself, from the files' contents; the dbt step builds what ingestion found
    changed even beyond this plan (data first), and says so."""
    from .datasets import NAMES
    from .ingest.run import AUDIT_TABLES

    state = BuildState.load(paths)
    if state.fingerprint is None or ALL in state.pending or not paths.build_db.exists():
        return None
    stamps = inbox_stamps(paths.raw_dir)
    if stamps is None or state.fingerprint != project_fingerprint(config_dir, limits):
        return None
    changed = {
        rel
        for rel in stamps.keys() | state.files.keys()
        if stamps.get(rel) != state.files.get(rel, {}).get("stamp") or state.files.get(rel, {}).get("read_again")
    }
    datasets = {Path(rel).parts[0] for rel in changed}
    datasets |= {state.files[rel].get("dataset") for rel in changed & state.files.keys()}
    if not changed:
        return None  # the refresh runs for another reason (a publication or a load to finish): the whole job
    return sorted(set(state.pending) | {f"raw.{d}" for d in datasets if d in NAMES} | set(AUDIT_TABLES))


def needs_publication(paths: Paths, state: BuildState) -> bool:
    """The built models are not what is published in this marts folder (or nothing is there)."""
    return (
        state.built != state.published or state.published_to != str(paths.marts_dir) or not paths.published_db.exists()
    )


def needs_serving(state: BuildState, served_to: str | None) -> bool:
    """PostgreSQL (when `served_to` names one) does not serve the last publication: its load failed, or
    the server is new."""
    return served_to is not None and (state.served != state.published or state.served_to != served_to)
