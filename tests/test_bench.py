"""bench/__init__.py (`make bench`): what each measurement leaves in place for the next."""

import os
import time

import pytest

from bench import _only_cache_kept, _site, nothing_read_since


def test_a_full_refresh_from_the_parse_cache_keeps_only_the_cache(tmp_path):
    """full_refresh_cached_s must read no file (the cache is kept) and build and publish everything (no
    build, dbt state or publication is left): else it measures an incremental refresh, or a cold one."""
    raw = tmp_path / "inbox"
    raw.mkdir()
    env = _site(tmp_path / "full", raw)
    work, marts = tmp_path / "full" / "work", tmp_path / "full" / "marts"
    for kept in ("cache/parsed/ab/entry.pickle", "cache/parsed/ab/entry.arrow"):
        (work / kept).parent.mkdir(parents=True, exist_ok=True)
        (work / kept).write_text("x")
    for gone in ("build/warehouse.duckdb", "build/state.json", "dbt/partial_parse.msgpack", "refresh.lock"):
        (work / gone).parent.mkdir(parents=True, exist_ok=True)
        (work / gone).write_text("x")
    (marts / "publications").mkdir(parents=True)
    again = _only_cache_kept(tmp_path / "full", raw)
    assert again["KC_WORK_DIR"] == env["KC_WORK_DIR"] and again["KC_RAW_DIR"] == str(raw)
    assert sorted(p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()) == [
        "cache/parsed/ab/entry.arrow",
        "cache/parsed/ab/entry.pickle",
    ]
    assert not marts.exists()


def test_a_cached_full_refresh_that_read_a_file_is_refused(tmp_path):
    entry = tmp_path / "cache" / "parsed" / "ab" / "entry.pickle"
    entry.parent.mkdir(parents=True)
    entry.write_text("x")
    started = time.time()
    os.utime(entry, (started - 60, started - 60))
    nothing_read_since(tmp_path / "cache", started)  # written before: the cache answered
    entry.write_text("read again")
    with pytest.raises(SystemExit, match="did not answer for every file"):
        nothing_read_since(tmp_path / "cache", started)
