"""Hostile and broken files: each rejected with its reason, quickly, in bounded memory; the rest loads."""

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from bench.memory import PeakSampler
from pipelines.cli import main
from pipelines.ingest.discover import discover
from pipelines.ingest.limits import Limits
from pipelines.ingest.sandbox import parse_files, shut_down, warm_up
from tests import corpus

HOSTILE = {  # file → (writer, words the recorded reason must contain)
    "zip-bomb.xlsx": (corpus.zip_bomb_xlsx, "zip bomb"),
    "password.xlsx": (corpus.password_xlsx, "protected with a password"),
    "truncated.xlsx": (corpus.truncated_xlsx, "damaged or incomplete"),
    "photo.xlsx": (corpus.png_named_xlsx, "PNG image"),
    "corner-cell.xlsx": (corpus.huge_dimension_xlsx, "1,048,576 rows × 16,384 columns"),
    "password.ods": (corpus.encrypted_ods, "protected with a password"),
    "letter.xlsx": (corpus.docx_named_xlsx, "text document"),
    "empty.xlsx": (corpus.empty_workbook, "the workbook is empty"),
}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile") / "projects" / "hau-giang"
    for name, (write, _) in HOSTILE.items():
        write(folder / name)
    return folder


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_file_is_rejected_with_its_reason(hostile_dir, name):
    outcome = parse_files(discover(hostile_dir.parent.parent), limits=Limits())
    by_name = {o.found.relative.split("/")[-1]: o for o in outcome}
    assert by_name[name].status == "rejected"
    assert HOSTILE[name][1] in by_name[name].reason


def test_symlink_out_of_the_raw_root_is_not_followed(tmp_path):
    secret = corpus.write_xlsx(tmp_path / "outside" / "secret.xlsx", corpus.register_rows())
    link = tmp_path / "raw" / "projects" / "link.xlsx"
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    [outcome] = parse_files(discover(tmp_path / "raw"), limits=Limits())
    assert outcome.status == "rejected" and "outside the raw folder" in outcome.reason


def test_a_reader_that_runs_out_of_memory_is_stopped_and_the_others_go_on(tmp_path):
    """The sandbox, not the file checks: a legitimate but large file under a tiny memory limit."""
    rows = corpus.register_rows() + [[i, f"Đề án số {i} " + "x" * 200, "KCĐP", "Cơ sở", 1] for i in range(60_000)]
    corpus.write_csv(tmp_path / "raw" / "projects" / "hau-giang" / "big.csv", rows)
    corpus.write_xlsx(tmp_path / "raw" / "projects" / "hau-giang" / "small.xlsx", corpus.register_rows())
    outcomes = parse_files(discover(tmp_path / "raw"), limits=Limits(reader_memory_mib=40))
    by_name = {o.found.relative.split("/")[-1]: o for o in outcomes}
    assert by_name["big.csv"].status == "rejected"
    assert "more than 40 MiB of memory" in by_name["big.csv"].reason
    assert by_name["small.xlsx"].status == "loaded" and len(by_name["small.xlsx"].parsed.records) == 2


def test_a_reader_past_its_deadline_is_killed(tmp_path):
    rows = corpus.register_rows() + [[i, f"Đề án số {i}", "KCĐP", "Cơ sở", 1] for i in range(200_000)]
    corpus.write_csv(tmp_path / "raw" / "projects" / "slow.csv", rows)
    [outcome] = parse_files(discover(tmp_path / "raw"), limits=Limits(reader_timeout_seconds=0.3))
    assert outcome.status == "rejected" and "took longer than" in outcome.reason


def test_a_reader_killed_in_a_batch_costs_only_the_file_it_was_reading(tmp_path):
    """Files share a reader; when it is killed, the files it had not reached are read again, alone."""
    rows = corpus.register_rows() + [[i, f"Đề án số {i}", "KCĐP", "Cơ sở", 1] for i in range(200_000)]
    corpus.write_csv(tmp_path / "raw" / "projects" / "hau-giang" / "slow.csv", rows)
    for name in ("a.xlsx", "b.xlsx"):
        corpus.write_xlsx(tmp_path / "raw" / "projects" / "hau-giang" / name, corpus.register_rows())
    limits = Limits(reader_timeout_seconds=1.5, batch_mib=100, reader_processes=1)
    outcomes = parse_files(discover(tmp_path / "raw"), limits=limits)
    by_name = {o.found.relative.split("/")[-1]: o for o in outcomes}
    assert by_name["slow.csv"].status == "rejected" and "took longer than" in by_name["slow.csv"].reason
    for name in ("a.xlsx", "b.xlsx"):
        assert by_name[name].status == "loaded" and len(by_name[name].parsed.records) == 2


def test_the_fork_server_is_stopped_after_reading_and_started_again_for_the_next(tmp_path):
    """Stopped once every file is read (its memory goes to dbt), and not left behind as a zombie."""
    from multiprocessing import forkserver

    corpus.write_xlsx(tmp_path / "raw" / "projects" / "hau-giang" / "a.xlsx", corpus.register_rows())
    warm_up()
    [first] = parse_files(discover(tmp_path / "raw"), limits=Limits())
    pid = forkserver._forkserver._forkserver_pid
    assert pid is not None and first.status == "loaded"
    shut_down()
    assert forkserver._forkserver._forkserver_pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # gone and reaped
    [again] = parse_files(discover(tmp_path / "raw"), limits=Limits())
    assert again.status == "loaded" and forkserver._forkserver._forkserver_pid not in (None, pid)
    shut_down()


def test_a_reader_imports_nothing_the_fork_server_has_not(demo_inbox):
    """Each reader is forked warm: reading a project register, a census and a CSV imports no module the
    fork server did not import once for all (pandas, which pyarrow imports when it converts Python values,
    cost each of the national inbox's readers 0.3 s when the server no longer imported it)."""
    from pipelines.ingest import sandbox
    from tests.reader_probe import modules_imported_by_reading

    files = [f.relative for f in discover(demo_inbox) if f.dataset in ("projects", "census", "outcomes")]
    kinds = {Path(f).suffix for f in files} | {f.split("/")[0] for f in files}
    assert {".xlsx", ".csv", "projects", "census", "outcomes"} <= kinds
    warm_up()
    try:
        with sandbox._context().Pool(1) as pool:
            imported = pool.apply(modules_imported_by_reading, (files, str(demo_inbox)))
    finally:
        shut_down()
    assert [m for m in imported if not m.startswith("encodings.")] == []  # a codec for a zip's names: cheap


@pytest.mark.slow
def test_refresh_over_a_hostile_inbox_exits_0_loads_the_good_and_stays_under_2_gib(tmp_path, hostile_dir):
    raw = tmp_path / "raw"
    good = [
        corpus.write_xlsx(raw / "projects" / "hau-giang" / "2019.xlsx", corpus.register_rows()),
        corpus.write_xls(raw / "projects" / "hau-giang" / "2019-copy-in-xls.xls", corpus.register_rows()),
    ]
    os.utime(good[1], (1_600_000_000, 1_600_000_000))  # the older one: superseded by 2019.xlsx
    corpus.write_xlsx(
        raw / "projects" / "soc-trang" / "2020.xlsx",
        [["UBND TỈNH SÓC TRĂNG"], ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2020"]] + corpus.register_rows()[2:],
    )
    bad = {}
    for name in ("zip-bomb.xlsx", "password.xlsx", "truncated.xlsx", "photo.xlsx"):
        target = raw / "projects" / "hau-giang" / "bad" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((hostile_dir / name).read_bytes())
        bad[f"projects/hau-giang/bad/{name}"] = HOSTILE[name][1]
    args = ["--raw-dir", str(raw), "--marts-dir", str(tmp_path / "marts"), "--work-dir", str(tmp_path / "work")]
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster")}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "refresh", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with PeakSampler(process.pid) as sampler:
        output, _ = process.communicate(timeout=600)
    peak = sampler.peak
    assert process.returncode == 0, output
    assert peak < 2 * (1 << 30), f"peak resident memory of the refresh {peak / (1 << 20):.0f} MiB"
    con = duckdb.connect(str(tmp_path / "marts" / "warehouse.duckdb"), read_only=True)
    files = {p: (s, r) for p, s, r in con.execute("select path, status, reason from audit.ingest_files").fetchall()}
    projects = con.execute(
        "select province_code, project_name, local_budget_vnd, source_file from marts.projects order by 1, 3 desc"
    ).fetchall()
    con.close()
    for path, words in bad.items():
        assert files[path][0] == "rejected" and words in files[path][1], files[path]
    assert files["projects/hau-giang/2019.xlsx"][0] == "loaded"
    assert files["projects/hau-giang/2019-copy-in-xls.xls"][0] == "superseded"
    assert projects == [("93", n, v, "projects/hau-giang/2019.xlsx") for n, v, *_ in corpus.EXPECTED] + [
        ("94", n, v, "projects/soc-trang/2020.xlsx") for n, v, *_ in corpus.EXPECTED
    ]


def test_kc_validate_explains_each_hostile_file_and_exits_non_zero(hostile_dir, capsys):
    """In English with --lang en (the reason the refresh records), in Vietnamese by default: every reason
    translated, none left in English."""
    for name, (_, words) in HOSTILE.items():
        assert main(["validate", "--lang", "en", str(hostile_dir / name)]) == 1
        out = capsys.readouterr().out
        assert "REJECTED" in out and words in out, out
        [english] = [line.split(":", 1)[1] for line in out.splitlines() if line.strip().startswith("REJECTED:")]
        assert main(["validate", str(hostile_dir / name)]) == 1
        out = capsys.readouterr().out
        [line] = [line.split(":", 1)[1] for line in out.splitlines() if line.strip().startswith("TỪ CHỐI:")]
        sentence = re.sub(r"\([^)]*\)", "", line)  # a library's own words may stand in brackets
        assert line != english and not {"the", "is", "not", "file"} & set(sentence.split()), line


def test_kc_validate_shows_how_a_good_file_reads_and_writes_nothing(tmp_path, capsys):
    path = corpus.write_xlsx(tmp_path / "projects" / "hau-giang" / "legacy.xlsx", corpus.legacy_rows(corpus.to_tcvn3))
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(["validate", "--lang", "en", str(path)]) == 1  # one row is rejected: the province must hear of it
    out = capsys.readouterr().out
    for expected in (
        "Excel workbook (.xlsx)",
        "projects (from the folder 'projects/')",
        "93 Hậu Giang",
        "2019",
        "TCVN3 (ABC) legacy text",
        "E 'Kinh phí NSĐP (triệu đồng)' → local_budget [triệu đồng]",
        "2 accepted, 1 rejected",
        "row 7: Kinh phí NSĐP (triệu đồng):",
        "is not a number",
    ):
        assert expected in out, (expected, out)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    good = corpus.write_xlsx(tmp_path / "elsewhere" / "plain.xlsx", corpus.register_rows())
    assert main(["validate", "--lang", "en", str(good)]) == 0
    out = capsys.readouterr().out
    assert "guessed" in out and "projects" in out and "would load as it is" in out


def test_readers_start_from_a_script_read_from_stdin(tmp_path):
    """A notebook or `python -` has no importable __main__: the sandbox must not depend on one."""
    corpus.write_xlsx(tmp_path / "raw" / "projects" / "hau-giang" / "2019.xlsx", corpus.register_rows())
    script = (
        "from pathlib import Path; from pipelines.ingest.discover import discover; "
        "from pipelines.ingest.sandbox import parse_files; "
        f"print([o.status for o in parse_files(discover(Path({str(tmp_path / 'raw')!r})))])"
    )
    done = subprocess.run(
        [sys.executable, "-"],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.stdout.strip() == "['loaded']", done.stderr[-2000:]
