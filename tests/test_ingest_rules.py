"""Duplicates, supersession, unreadable files and the untouched inbox."""

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.ingest.run import ingest
from pipelines.settings import Paths
from tests.conftest import write_xlsx


def _register(path, amount):
    rows = [
        ["UBND TỈNH HẬU GIANG"],
        ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2019"],
        ["STT", "Tên đề án", "Cấp", "Kinh phí NSĐP (triệu đồng)"],
        [1, "Hỗ trợ máy móc thiết bị", "KCĐP", amount],
        [2, "Tham gia hội chợ", "KCĐP", 10],
    ]
    return write_xlsx(path, rows)


def _stamp(path, seconds):
    os.utime(path, (seconds, seconds))


def _run(tmp_path):
    raw = tmp_path / "raw"
    paths = Paths(raw, tmp_path / "marts", tmp_path / "work")
    summary = ingest(paths)
    con = duckdb.connect(str(paths.build_db), read_only=True)
    files = {r[0]: r[1:] for r in con.execute("select path, status, reason from audit.ingest_files").fetchall()}
    projects = con.execute("select source_file, local_budget_vnd from raw.projects order by 1, 2").fetchall()
    con.close()
    return summary, files, projects


def test_duplicate_counts_once_and_later_file_supersedes(tmp_path):
    raw = tmp_path / "raw" / "projects" / "hau-giang"
    _stamp(_register(raw / "v1.xlsx", 999), 1_600_000_000)
    shutil.copyfile(raw / "v1.xlsx", raw / "v1 (copy).xlsx")
    _stamp(raw / "v1 (copy).xlsx", 1_600_000_100)
    _stamp(_register(raw / "v2-corrected.xlsx", 99.9), 1_600_000_500)
    summary, files, projects = _run(tmp_path)
    assert files["projects/hau-giang/v1 (copy).xlsx"][0] == "duplicate"
    assert files["projects/hau-giang/v1.xlsx"][0] == "superseded"
    assert "v2-corrected.xlsx" in files["projects/hau-giang/v1.xlsx"][1]
    assert files["projects/hau-giang/v2-corrected.xlsx"][0] == "loaded"
    assert projects == [
        ("projects/hau-giang/v2-corrected.xlsx", 10_000_000),
        ("projects/hau-giang/v2-corrected.xlsx", 99_900_000),
    ]
    assert summary.files == {"loaded": 1, "duplicate": 1, "superseded": 1}


def test_bad_files_are_rejected_with_reasons_and_the_rest_loads(tmp_path):
    raw = tmp_path / "raw"
    _register(raw / "projects" / "hau-giang" / "good.xlsx", 5)
    (raw / "projects" / "fake.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    (raw / "projects" / "notes.docx").write_text("hello")
    (raw / "loose.xlsx").write_bytes(b"")
    write_xlsx(raw / "projects" / "empty.xlsx", [])
    before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    _, files, projects = _run(tmp_path)
    assert files["projects/hau-giang/good.xlsx"][0] == "loaded" and len(projects) == 2
    assert files["projects/fake.xlsx"][0] == "rejected" and "the file is a PNG image" in files["projects/fake.xlsx"][1]
    assert "unsupported file type '.docx'" in files["projects/notes.docx"][1]
    assert "not inside a dataset folder" in files["loose.xlsx"][1]
    assert "empty sheet" in files["projects/empty.xlsx"][1]
    assert {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()} == before  # the inbox is never written


def test_a_file_split_evenly_between_two_provinces_is_of_its_first_rows_province():
    """A file's province-years come in the order its records first show them: a file with as many rows of
    each of two provinces is attributed to the one its rows start with, every time. (Arrow's grouping gave
    the groups of a table read in several batches in an order that changed from run to run.)"""
    import pyarrow as pa

    from pipelines.ingest.discover import FoundFile
    from pipelines.ingest.parse import FileOutcome
    from pipelines.ingest.results import ArrowRecords, ParsedFile
    from pipelines.ingest.run import _supersede

    def outcome(name, batches):
        schema = pa.schema({"province_code": pa.string(), "province_code_2025": pa.string(), "year": pa.int64()})
        table = pa.concat_tables(
            pa.table([codes, [None] * len(codes), [2019] * len(codes)], schema=schema) for codes in batches
        )
        found = FoundFile(Path(name), name, "projects", 1, datetime(2020, 1, 1, tzinfo=UTC), name)
        return FileOutcome(found, parsed=ParsedFile(records=ArrowRecords(table)))

    for _ in range(30):
        first = outcome("a.xlsx", [["94"]] + [["93"]] * 8 + [["94"]] * 7)
        second = outcome("b.xlsx", [["93", "93"], ["94"], [None], ["94"], ["30"], ["30"]])
        assert [(k.province_code, k.rows) for k in first.parsed.records.keys()] == [("94", 8), ("93", 8)]
        assert [(k.province_code, k.rows) for k in second.parsed.records.keys()] == [
            ("93", 2),
            ("94", 2),
            ("", 1),
            ("30", 2),
        ]
        _supersede([first, second])  # b.xlsx (the later path) takes every province-year: a.xlsx is superseded
        assert (first.province_code, second.province_code) == ("94", "93")
