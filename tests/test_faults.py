"""Faults of the file system and of the parse cache (issue 14): each is that file's or folder's recorded
rejection with a plain reason, or heals; the rest of the inbox is read and nothing wrong is loaded."""

import os
from pathlib import Path

import duckdb

from pipelines.ingest import discover as discover_module
from pipelines.ingest.discover import FoundFile, discover
from pipelines.ingest.limits import Limits
from pipelines.ingest.parse import CHANGED_WHILE_READ, parse_file
from pipelines.ingest.run import ingest
from pipelines.settings import Paths
from tests import corpus


def _register(path, amount=120.5):
    rows = corpus.register_rows()
    rows[4][4] = amount
    return corpus.write_xlsx(path, rows)


def _files(paths) -> dict:
    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        return {r[0]: (r[1], r[2]) for r in con.execute("SELECT path, status, reason FROM audit.ingest_files").fetchall()}
    finally:
        con.close()


def _budgets(paths) -> list:
    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        return con.execute("SELECT source_file, local_budget_vnd FROM raw.projects ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_file_system_faults_are_recorded_rejections(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    _register(raw / "projects" / "hau-giang" / "2019.xlsx")
    _register(raw / "projects" / "locked" / "2019.xlsx")
    _register(raw / "projects" / "hidden-away" / "2019.xlsx")
    (raw / "projects" / "loop").mkdir(parents=True)
    os.symlink("b.xlsx", raw / "projects" / "loop" / "a.xlsx")
    os.symlink("a.xlsx", raw / "projects" / "loop" / "b.xlsx")
    with open(os.fsencode(raw / "projects") + b"/t\xean-h\xf4ng-h\xe3p-l\xe9.csv", "w") as handle:
        handle.write("x")
    locked, unlisted = raw / "projects" / "locked" / "2019.xlsx", raw / "projects" / "hidden-away"
    real_sha, real_walk = discover_module.sha256_of, os.walk

    def sha256_of(path):  # this machine's tests run as root, whom file modes do not stop: inject the error
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_sha(path)

    def walk(top, onerror=None, **kwargs):
        for folder, dirs, files in real_walk(top, onerror=onerror, **kwargs):
            if Path(folder) == unlisted:
                onerror(PermissionError(13, "Permission denied", folder))
                dirs[:] = []
                continue
            yield folder, dirs, files

    monkeypatch.setattr(discover_module, "sha256_of", sha256_of)
    monkeypatch.setattr(discover_module.os, "walk", walk)
    paths = Paths(raw, tmp_path / "marts", tmp_path / "work")
    ingest(paths)
    files = _files(paths)
    assert files["projects/hau-giang/2019.xlsx"][0] == "loaded"
    assert files["projects/locked/2019.xlsx"] == (
        "rejected", "the file cannot be opened (permission denied): give the refresh permission to read it")
    assert files["projects/hidden-away/"][0] == "rejected" and "folder that cannot be opened" in files["projects/hidden-away/"][1]
    assert files["projects/loop/a.xlsx"][1].startswith("symbolic link that leads nowhere")
    bad_name = [p for p in files if p.startswith("projects/t")]
    assert len(bad_name) == 1 and "not valid text" in files[bad_name[0]][1]


def test_a_file_gone_or_changed_while_being_read_is_refused_for_this_refresh_only(tmp_path):
    path = _register(tmp_path / "raw" / "projects" / "hau-giang" / "2019.xlsx")
    found = discover(tmp_path / "raw")[0]
    _register(path, amount=999)  # overwritten after discovery hashed it
    outcome = parse_file(found, limits=Limits())
    assert (outcome.status, outcome.reason, outcome.cacheable) == ("rejected", CHANGED_WHILE_READ, False)
    path.unlink()
    gone = parse_file(FoundFile(path, found.relative, "projects", 0, found.modified_at, found.sha256), limits=Limits())
    assert gone.status == "rejected" and "disappeared" in gone.reason and not gone.cacheable


def test_a_damaged_cache_entry_is_read_again_never_loaded(tmp_path):
    raw = tmp_path / "raw"
    _register(raw / "projects" / "hau-giang" / "2019.xlsx")
    paths = Paths(raw, tmp_path / "marts", tmp_path / "work")
    ingest(paths)
    expected = _budgets(paths)
    entry = next(p for p in paths.parse_cache.rglob("*.pickle"))
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0x10  # one flipped bit
    entry.write_bytes(bytes(data))
    summary = ingest(paths, incremental=False)
    assert (summary.files_read, summary.files_cached) == (1, 0)
    assert _budgets(paths) == expected
