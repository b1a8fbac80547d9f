"""bench/ab.py (`make bench-ab`): a change is judged on pairs of runs of the same round, not on medians."""

import time

from bench.ab import summary


def test_the_pairwise_ratio_compares_runs_of_the_same_round():
    # the machine slows down halfway: the medians of each version hide it, the pairs do not
    samples = {
        "base": {"seconds": [10.0, 10.0, 20.0, 20.0, 20.0], "cpu": [16.0, 16.0, 30.0, 30.0, 30.0]},
        "head": {"seconds": [9.0, 9.0, 9.0, 18.0, 18.0], "cpu": [15.0, 15.0, 15.0, 27.0, 27.0]},
    }
    result = summary(samples)
    assert result["base_median_s"] == 20.0 and result["head_median_s"] == 9.0  # 0.45 ×, not the change
    assert result["pairwise_ratio"] == 0.9
    assert result["pairwise_cpu_ratio"] == 0.9
    assert result["head_faster_in"] == "5 of 5 pairs"


def test_both_sites_receive_the_same_corrected_register_at_one_moment(tmp_path, monkeypatch):
    """Its time is published (reporting_completeness) and its sha256 makes its rows' keys: two moments, or
    two savings of the workbook a second apart, would make the versions' marts differ."""
    import bench.ab as ab

    def register(raw, target_raw, n):
        target = target_raw / f"register-{n}.xlsx"
        target.write_bytes(f"saved at {time.monotonic_ns()}".encode())  # as openpyxl records its saving time
        time.sleep(0.02)  # writing a workbook takes time: the second site's copy is written later
        return target

    monkeypatch.setattr(ab, "corrected_register", register)
    sites = [tmp_path / "base", tmp_path / "head"]
    for site in sites:
        (site / "inbox").mkdir(parents=True)
    ab.prepare_round(tmp_path, sites, 3, full=False)
    times = {(site / "inbox" / "register-3.xlsx").stat().st_mtime_ns for site in sites}
    assert len(times) == 1
    assert len({(site / "inbox" / "register-3.xlsx").read_bytes() for site in sites}) == 1
    for site in sites:
        (site / "work").mkdir()
    ab.prepare_round(tmp_path, sites, 4, full=True)
    assert not any((site / "work").exists() for site in sites)


def test_each_round_of_the_facility_and_census_corrections_changes_the_inbox(tmp_path, monkeypatch):
    """facility: a corrected register, then its withdrawal, in turn; census: a new corrected census file,
    the same bytes and time at both sites."""
    import bench.ab as ab

    def register(raw, target_raw, n):
        target = target_raw / "projects" / "an-giang" / "2024" / f"danh-muc-de-an-2024-da-sua-{n}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"x")
        return target

    def census(raw, target_raw, n):
        target = target_raw / "census" / "lang-son" / "2018" / f"phieu-dieu-tra-co-so-cnnt-2018-da-sua-{n}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f"census {n}".encode())
        return target

    monkeypatch.setattr(ab, "corrected_register", register)
    monkeypatch.setattr(ab, "corrected_census", census)
    sites = [tmp_path / "base", tmp_path / "head"]
    for site in sites:
        (site / "inbox").mkdir(parents=True)

    def registers(site):
        return sorted(p.name for p in (site / "inbox" / "projects").rglob("*.xlsx"))

    ab.prepare_round(tmp_path, sites, 1, full=False, correction="facility")
    assert all(registers(site) == ["danh-muc-de-an-2024-da-sua-1.xlsx"] for site in sites)
    ab.prepare_round(tmp_path, sites, 2, full=False, correction="facility")
    assert all(registers(site) == [] for site in sites)  # withdrawn: the facility is linked again
    ab.prepare_round(tmp_path, sites, 3, full=False, correction="facility")
    assert all(registers(site) == ["danh-muc-de-an-2024-da-sua-3.xlsx"] for site in sites)

    ab.prepare_round(tmp_path, sites, 4, full=False, correction="census")
    copies = [next((site / "inbox" / "census").rglob("*-da-sua-4.xlsx")) for site in sites]
    assert {c.read_bytes() for c in copies} == {b"census 4"}
    assert len({c.stat().st_mtime_ns for c in copies}) == 1
