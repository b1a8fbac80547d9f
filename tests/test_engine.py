"""The persistent, incremental build: nothing changed → nothing rebuilt; a changed, an added and a removed
file each give the marts a full refresh gives; a code or configuration change forces a full build."""

import hashlib
import shutil
from dataclasses import replace

import pytest

from pipelines import engine
from pipelines.ingest.config import CONFIG_DIR
from pipelines.ingest.limits import load_limits
from pipelines.ingest.run import ingest
from pipelines.settings import Paths
from tests import corpus
from tests.conftest import kc, published_marts, site_env

# runs kc refresh, a server or a daemon: left out of `make test-fast`
pytestmark = pytest.mark.slow


def _register(path, title, amount, year=2019, when=1_580_000_000):
    return corpus.local_register(path, title, amount, year=year, when=when)


def _inbox(raw):
    _register(raw / "projects" / "hau-giang" / "2019.xlsx", "TỈNH HẬU GIANG", 250)
    _register(raw / "projects" / "soc-trang" / "2019.xlsx", "TỈNH SÓC TRĂNG", 300)
    corpus.write_csv(
        raw / "plans" / "bac-ninh" / "2019.csv",
        [
            ["Tỉnh", "Năm", "Cấp", "Số đề án kế hoạch", "Kinh phí kế hoạch (triệu đồng)"],
            ["Bắc Ninh", "2019", "KCĐP", "3", "900"],
        ],
    )
    return raw


def _refresh(root, site, raw) -> str:
    result = kc(site_env(raw, root / site), "refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _rebuilt_in_last_run(root) -> dict[str, bool]:
    """Per dbt asset materialised by the last run of the "live" site: True when dbt rebuilt it, False when
    it was reported unchanged (not rebuilt because nothing it depends on changed). `kc refresh` runs only
    the assets downstream of the changed files: the others are not in the run at all."""
    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.from_config(str(root / "live" / "dagster")) as instance:
        run = instance.get_runs(limit=1)[0]
        out = {}
        for record in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
            materialization = record.dagster_event.event_specific_data.materialization
            rebuilt = materialization.metadata.get("rebuilt")
            out[materialization.asset_key.to_user_string()] = rebuilt is None or rebuilt.value
        return out


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("engine")
    raw = _inbox(root / "raw")
    _refresh(root, "live", raw)
    return root, raw


def test_a_refresh_with_nothing_changed_rebuilds_and_publishes_nothing(site):
    root, raw = site
    published = root / "live" / "marts" / "warehouse.duckdb"
    build = root / "live" / "work" / "build" / "warehouse.duckdb"
    before = (_digest(published), published.stat().st_mtime_ns, build.stat().st_mtime_ns)
    output = _refresh(root, "live", raw)
    assert output.startswith("nothing changed since run ")
    assert (_digest(published), published.stat().st_mtime_ns, build.stat().st_mtime_ns) == before


@pytest.mark.parametrize("change", ["changed", "added", "removed"])
def test_an_incremental_refresh_publishes_what_a_full_refresh_publishes(site, change):
    root, raw = site
    if change == "changed":  # Sóc Trăng corrects its register in place
        _register(raw / "projects" / "soc-trang" / "2019.xlsx", "TỈNH SÓC TRĂNG", 301, when=1_590_000_000)
    elif change == "added":  # Hậu Giang sends 2020
        _register(raw / "projects" / "hau-giang" / "2020.xlsx", "TỈNH HẬU GIANG", 80, year=2020)
    else:
        (raw / "projects" / "hau-giang" / "2019.xlsx").unlink()
    output = _refresh(root, "live", raw)
    assert "refresh finished" in output
    rebuilt = _rebuilt_in_last_run(root)
    assert rebuilt["marts/projects"] and rebuilt["staging/stg_projects"]  # they depend on the changed register
    # made of census rows only: not rebuilt
    assert not rebuilt.get("marts/facility_census_by_province"), (rebuilt, output)
    assert not rebuilt.get("marts/dim_province") and not rebuilt.get("reference/published_figures")
    assert "marts/dim_province" not in rebuilt  # not even in the run
    _refresh(root, f"full-{change}", raw)
    live, full = (
        published_marts(root / "live" / "marts" / "warehouse.duckdb"),
        published_marts(root / f"full-{change}" / "marts" / "warehouse.duckdb"),
    )
    assert len(live) >= 14 and live == full


def test_a_code_or_configuration_change_forces_a_full_build(tmp_path, monkeypatch):
    raw = _inbox(tmp_path / "raw")
    paths = Paths(raw, tmp_path / "marts", tmp_path / "work")
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    assert ingest(paths, config_dir=config).full
    again = ingest(paths, config_dir=config)
    assert (again.full, again.files_changed, again.pending) == (False, 0, ["*"])  # dbt has not run yet
    vocabulary = config / "vocabulary.yaml"
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8") + "\n# a new synonym\n", encoding="utf-8")
    assert ingest(paths, config_dir=config).full
    limits = load_limits(config)
    base = engine.project_fingerprint(config, limits)
    assert engine.project_fingerprint(config, replace(limits, max_sheet_cells=10)) != base
    dbt_copy = tmp_path / "dbt_project"
    shutil.copytree(engine.DBT_PROJECT_DIR, dbt_copy, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setattr(engine, "DBT_PROJECT_DIR", dbt_copy)
    assert engine.project_fingerprint(config, limits) == base
    model = dbt_copy / "models" / "marts" / "projects.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n-- a change\n", encoding="utf-8")
    assert engine.project_fingerprint(config, limits) != base


def test_a_file_refused_for_a_reason_of_the_moment_is_read_again_by_the_next_refresh(tmp_path, monkeypatch):
    """A reader that crashed (killed for memory, say) refuses its file for this refresh only: the next
    refresh must not take the unchanged stamps for "nothing changed", and reads the file again."""
    from pipelines.ingest import run
    from pipelines.ingest.parse import FileOutcome

    raw = _inbox(tmp_path / "raw")
    paths = Paths(raw, tmp_path / "marts", tmp_path / "work")
    real = run.parse_files

    def crash_on_soc_trang(found, *args, **kwargs):
        outcomes = real(found, *args, **kwargs)
        for i, o in enumerate(outcomes):
            if "soc-trang" in o.found.relative:
                outcomes[i] = FileOutcome(o.found).reject("internal error: the reader process stopped")
                outcomes[i].cacheable = False
        return outcomes

    monkeypatch.setattr(run, "parse_files", crash_on_soc_trang)
    ingest(paths)
    state = engine.BuildState.load(paths)
    crashed = "projects/soc-trang/2019.xlsx"
    assert state.files[crashed].get("read_again") and not state.files["projects/hau-giang/2019.xlsx"].get("read_again")
    # as if published: only the file to read again stands between this state and "nothing changed"
    state.pending, state.built, state.published, state.published_to = (
        [],
        state.ingested,
        state.ingested,
        str(paths.marts_dir),
    )
    state.save(paths)
    paths.published_db.parent.mkdir(parents=True)
    paths.published_db.write_bytes(b"")
    limits = load_limits(CONFIG_DIR)
    assert engine.nothing_changed(paths, CONFIG_DIR, limits) is None
    monkeypatch.setattr(run, "parse_files", real)
    again = ingest(paths)
    assert again.files_changed == 1 and again.files["loaded"] == 3
    assert not engine.BuildState.load(paths).files[crashed].get("read_again")


def test_a_refresh_runs_only_the_assets_downstream_of_the_files_that_changed(tmp_path):
    from dagster import AssetKey

    from pipelines.assets import refresh_selection

    raw = _inbox(tmp_path / "raw")
    paths = Paths(raw, tmp_path / "marts", tmp_path / "work")
    limits = load_limits(CONFIG_DIR)
    assert engine.planned_sources(paths, CONFIG_DIR, limits) is None  # no build yet: the whole job
    ingest(paths)
    assert engine.planned_sources(paths, CONFIG_DIR, limits) is None  # a full dbt build is pending
    state = engine.BuildState.load(paths)
    state.pending, state.built = [], state.ingested  # as if dbt had built it
    state.save(paths)
    assert engine.planned_sources(paths, CONFIG_DIR, limits) is None  # no file changed: the whole job
    _register(raw / "projects" / "soc-trang" / "2019.xlsx", "TỈNH SÓC TRĂNG", 301, when=1_590_000_000)
    planned = engine.planned_sources(paths, CONFIG_DIR, limits)
    audit = ["audit.file_totals", "audit.ingest_files", "audit.rejected_rows", "audit.row_warnings"]
    assert planned == [*audit, "raw.projects"]
    keys = refresh_selection(planned)
    assert {AssetKey(["marts", "projects"]), AssetKey(["raw", "plans"]), AssetKey(["published", "warehouse"])} <= set(
        keys
    )  # ingestion is one step, always whole
    assert AssetKey(["marts", "facility_census_by_province"]) not in keys  # census rows only
    (raw / "plans" / "bac-ninh" / "2019.csv").unlink()
    assert engine.planned_sources(paths, CONFIG_DIR, limits) == [*audit, "raw.plans", "raw.projects"]
    state.pending = ["raw.census"]  # a build left unfinished: it is part of the plan
    state.save(paths)
    assert "raw.census" in engine.planned_sources(paths, CONFIG_DIR, limits)
