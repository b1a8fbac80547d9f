"""No province can block another: a row that breaks a row rule is rejected (or loaded with a warning)
during ingestion, with its reason, and the rest of the refresh publishes. `kc validate` applies the
same rules to the same file."""

import json
import os

import duckdb
import pytest

from tests import corpus
from tests.conftest import kc, site_env

# runs kc refresh, a server or a daemon: left out of `make test-fast`
pytestmark = pytest.mark.slow

HEADER = [
    "STT",
    "Tên đề án",
    "Cấp",
    "Đơn vị thụ hưởng",
    "Tình trạng",
    "Kinh phí NSTW (triệu đồng)",
    "Kinh phí NSĐP (triệu đồng)",
    "Vốn đối ứng (triệu đồng)",
    "Tổng kinh phí (triệu đồng)",
]


def _inbox(root):
    raw = root / "raw"
    corpus.write_xlsx(
        raw / "projects" / "hau-giang" / "2019.xlsx",
        [
            ["UBND TỈNH HẬU GIANG"],
            ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2019"],
            HEADER,
            [1, "Hỗ trợ máy sấy nông sản", "KCĐP", "Hợp tác xã Thạnh Hòa", "Hoàn thành", 0, 120.5, 200, 320.5],
            [2, "Tham gia hội chợ", "KCĐP", "Cơ sở Đường Thủy", "Hoàn thành", 0, 10, 5, 150],  # total mistyped
            [3, "Thiết kế bao bì", "KCĐP", "Cơ sở Bao Bì", "Hoàn thành", 0, "-250", 10, None],  # negative
            [4, "Chuyển giao công nghệ", "KCĐP", "Cơ sở Cơ Khí", "Hoàn thành", 0, "1.234.5", 10, None],  # malformed
            [5, "Tập huấn khởi sự", "KCĐP", "Cơ sở Mới", "Chờ quyết toán", 0, 30, 0, 30],  # unknown status: warning
        ],
    )
    corpus.write_xlsx(
        raw / "projects" / "soc-trang" / "2019.xlsx",
        [
            ["UBND TỈNH SÓC TRĂNG"],
            ["DANH MỤC ĐỀ ÁN KHUYẾN CÔNG NĂM 2019"],
            HEADER,
            [1, "Hỗ trợ máy móc chế biến gạo", "KCQG", "Cơ sở Tân Hưng", "Hoàn thành", 300, 0, 100, 400],
        ],
    )
    return raw


def test_a_bad_row_is_recorded_and_every_province_is_published(tmp_path):
    raw = _inbox(tmp_path)
    env = site_env(raw, tmp_path)
    result = kc(env, "refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    con = duckdb.connect(str(tmp_path / "marts" / "warehouse.duckdb"), read_only=True)
    try:
        marts = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
            ).fetchall()
        }
        assert len(marts) >= 14
        projects = con.execute(
            "SELECT province_code, project_name, status, state_support_vnd FROM marts.projects ORDER BY 1, 2"
        ).fetchall()
        assert projects == [
            ("93", "Hỗ trợ máy sấy nông sản", "completed", 120_500_000),
            ("93", "Tập huấn khởi sự", "unknown", 30_000_000),
            ("94", "Hỗ trợ máy móc chế biến gạo", "completed", 300_000_000),
        ]
        rejected = dict(
            con.execute(
                "SELECT row_number, reason FROM audit.rejected_rows WHERE path = 'projects/hau-giang/2019.xlsx'"
            ).fetchall()
        )
        assert set(rejected) == {5, 6, 7}
        assert (
            "the total (150,000,000 đồng) differs from central + local + contribution (15,000,000 đồng)" in rejected[5]
        )
        assert "'-250' is negative" in rejected[6]
        assert "'1.234.5' is not a well-formed number" in rejected[7]
        warnings = con.execute(
            "SELECT province_code, year, row_number, rule, message FROM audit.row_warnings"
        ).fetchall()
        assert warnings == [
            ("93", 2019, 8, "unknown_code", "Tình trạng: 'Chờ quyết toán' is not a known value: loaded as 'unknown'")
        ]
    finally:
        con.close()
    status = kc(env, "status", timeout=120)
    assert status.returncode == 0 and "unknown_code" in status.stdout


def test_kc_validate_names_the_row_the_refresh_rejects(tmp_path):
    raw = _inbox(tmp_path)
    result = kc(
        dict(os.environ), "validate", "--lang", "en", str(raw / "projects" / "hau-giang" / "2019.xlsx"), timeout=120
    )
    assert result.returncode == 1
    assert "row 5: the total (150,000,000 đồng) differs" in result.stdout
    assert "row 6: Kinh phí NSĐP (triệu đồng): '-250' is negative" in result.stdout
    assert "row 8: Tình trạng: 'Chờ quyết toán' is not a known value" in result.stdout


def test_a_failing_warehouse_check_names_the_source_rows_and_publishes_nothing(tmp_path):
    """A check of the warehouse's own invariants that fails (here a programme level broken inside the
    private build, as a bug would) stops publication, and the message names the source file and row."""
    raw = _inbox(tmp_path)
    env = site_env(raw, tmp_path)
    assert kc(env, "refresh").returncode == 0
    published = (tmp_path / "marts" / "warehouse.duckdb").read_bytes()
    build = tmp_path / "work" / "build"
    con = duckdb.connect(str(build / "warehouse.duckdb"))
    con.execute(
        "UPDATE raw.projects SET program_level = 'galactic' "
        "WHERE source_file = 'projects/soc-trang/2019.xlsx' AND source_row = 4"
    )
    con.close()
    state = json.loads((build / "state.json").read_text(encoding="utf-8"))
    state["pending"] = ["raw.projects"]  # as if ingestion had just written it
    (build / "state.json").write_text(json.dumps(state), encoding="utf-8")
    result = kc(env, "refresh")
    assert result.returncode == 1
    assert "accepted_values(program_level) at projects/soc-trang/2019.xlsx row 4" in result.stderr, result.stderr
    assert "Failure in test stg_projects_rules" in result.stderr  # and dbt's own report of it
    assert (tmp_path / "marts" / "warehouse.duckdb").read_bytes() == published
