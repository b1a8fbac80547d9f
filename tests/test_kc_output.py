"""What `kc` shows people (issue 17): quiet refreshes with no escape codes in a pipe, a status that tells
the truth, `kc validate` in Vietnamese for provincial officers, exports an analyst opens in Excel."""

import csv
import fcntl
import os
import shutil
import subprocess
import sys

import duckdb
import pyarrow.parquet as pq
import pytest

from tests import corpus
from tests.conftest import kc, site_env
from tests.test_fault_isolation import _inbox

# runs kc refresh, a server or a daemon: left out of `make test-fast`
pytestmark = pytest.mark.slow


def test_kc_validate_speaks_vietnamese_lists_the_files_to_correct_and_hints_the_dataset(tmp_path):
    raw = _inbox(tmp_path)
    census = corpus.write_xlsx(
        raw / "projects" / "soc-trang" / "dieu-tra-2018.xlsx",
        [
            ["UBND TỈNH SÓC TRĂNG"],
            ["KẾT QUẢ ĐIỀU TRA CƠ SỞ CÔNG NGHIỆP NÔNG THÔN NĂM 2018"],
            ["STT", "Mã cơ sở", "Tên cơ sở", "Loại hình", "Xã/Phường/Thị trấn", "Số lao động"],
            [1, "CS-1", "Cơ sở Bánh pía Út Hoa", "Cơ sở", "Xã Đại Tâm", 5],
        ],
    )
    result = kc(dict(os.environ), "validate", str(raw / "projects"), timeout=180)
    out = result.stdout
    assert result.returncode == 1
    for expected in (
        "dòng 5: tổng kinh phí (150,000,000 đồng) khác tổng NSTW + NSĐP + đối ứng",
        "dòng 6: Kinh phí NSĐP (triệu đồng): '-250' là số âm: số tiền không thể nhỏ hơn 0",
        "dòng 7: Kinh phí NSĐP (triệu đồng): '1.234.5' không phải một số viết đúng",
        "dòng 8: Tình trạng: 'Chờ quyết toán' không phải giá trị đã biết",
        "kết luận:  sẽ nạp được nhưng 3 dòng bị từ chối",
        "gợi ý:     trông giống phiếu điều tra cơ sở: dùng --dataset census",
        "Cần sửa trước khi gửi:",
        f"  {raw / 'projects' / 'hau-giang' / '2019.xlsx'}: 3 dòng bị từ chối",
        f"  {census}: ",
    ):
        assert expected in out, (expected, out)
    assert "would load" not in out and "rejected" not in out
    english = kc(dict(os.environ), "validate", "--lang", "en", str(raw / "projects"), timeout=180)
    assert "To correct before sending:" in english.stdout and "this looks like a census file" in english.stdout


def test_kc_sql_exports_csv_with_bom_xlsx_and_parquet_and_ends_quietly_in_a_pipe(tmp_path, demo_inbox):
    raw = tmp_path / "raw"
    shutil.copytree(demo_inbox, raw)
    env = site_env(raw, tmp_path)
    assert kc(env, "refresh").returncode == 0
    query = "select province_code, province_name, state_support_vnd from marts.province_year_summary order by all"
    out = tmp_path / "export.csv"
    assert kc(env, "sql", query, "--format", "csv", "--output", str(out)).returncode == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the diacritics right
    con = duckdb.connect(str(tmp_path / "marts" / "warehouse.duckdb"), read_only=True)
    expected = con.execute(query).fetchall()
    con.close()
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["province_code", "province_name", "state_support_vnd"]
    assert [(a, b, int(c) if c else None) for a, b, c in rows[1:]] == expected  # names and whole đồng round-trip
    assert any("Sóc Trăng" == r[1] for r in rows[1:])
    xlsx, parquet = tmp_path / "export.xlsx", tmp_path / "export.parquet"
    assert kc(env, "sql", query, "--format", "xlsx", "-o", str(xlsx)).returncode == 0
    import openpyxl

    sheet = openpyxl.load_workbook(xlsx).active
    assert [c.value for c in sheet[2]] == list(expected[0])
    assert kc(env, "sql", query, "--format", "parquet", "-o", str(parquet)).returncode == 0
    assert pq.read_table(parquet).num_rows == len(expected)
    # `kc sql … | head -1`: no BrokenPipe traceback
    pipe = _kc_in_a_pipe(env, 'sql "select * from range(100000)" --format csv', "head -1")
    assert pipe.stdout == "range\n" and "Traceback" not in pipe.stderr and "BrokenPipe" not in pipe.stderr, pipe.stderr
    # sums print as plain integers, not int128
    shown = kc(env, "sql", "select sum(state_support_vnd) as total from marts.projects")
    assert "int128" not in shown.stdout and "int64" in shown.stdout


def _kc_in_a_pipe(env: dict, args: str, reader: str) -> subprocess.CompletedProcess:
    """`kc <args> | <reader>` in a shell, as a user types it; kc's stderr is captured."""
    return subprocess.run(
        f"'{sys.executable}' -m pipelines.cli {args} | {reader}",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_refresh_in_a_pipe_is_short_and_plain_and_status_tells_the_truth_after_a_refused_refresh(
    tmp_path, demo_inbox
):
    raw = tmp_path / "raw"
    shutil.copytree(demo_inbox, raw)
    env = site_env(raw, tmp_path)
    first = kc(env, "refresh")
    assert first.returncode == 0, first.stderr
    output = first.stdout + first.stderr
    assert "\x1b" not in output and len(output.splitlines()) < 30, output
    # a second refresh while one holds the lock: refused in one line, and status still shows the publication
    lock = tmp_path / "work" / "refresh.lock"
    with lock.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started 2026-11-26 10:00")
        handle.flush()
        refused = kc(env, "refresh", "--full")
    assert refused.returncode == 1 and "another refresh is running (pid" in refused.stderr
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) <= 2, refused.stderr
    status = kc(env, "status")
    run_id = first.stdout.split("(run ")[1].split(")")[0]
    assert f"by run {run_id[:8]}" in status.stdout and "last run for this warehouse: refresh success" in status.stdout
    assert "last failure" not in status.stdout, status.stdout
    # another marts folder has its own history: nothing published there, nothing claimed
    other = kc({**env, "KC_MARTS_DIR": str(tmp_path / "other-marts")}, "status")
    assert "published: nothing yet" in other.stdout and "last run for this warehouse: none" in other.stdout
    # a reader that stops reading before the summary (`kc refresh | true`): no traceback, no dump of
    # objects left at exit, and the refresh still published
    piped = _kc_in_a_pipe(env, "refresh --full", "true")
    assert piped.stderr.strip() == "", piped.stderr
    assert run_id[:8] not in kc(env, "status").stdout


def test_a_refresh_at_a_terminal_shows_its_stages_and_a_bar_while_reading(tmp_path):
    """stderr a terminal (a pseudo-terminal here): stages and the reading bar; the summary as in a pipe."""
    import pty

    raw = tmp_path / "raw"
    corpus.local_register(raw / "projects" / "soc-trang" / "2019.xlsx", "TỈNH SÓC TRĂNG", 100)
    corpus.local_register(raw / "projects" / "hau-giang" / "2019.xlsx", "TỈNH HẬU GIANG", 80)
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "refresh"],
        env=site_env(raw, tmp_path),
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
    )
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=300)
    os.close(master)
    text = shown.decode(errors="replace")
    assert process.returncode == 0, text
    for expected in ("· checking the inbox", "· reading", "2/2", "· building and checking", "· publishing to"):
        assert expected in text, (expected, text)
    assert "refresh finished" in process.stdout.read()
