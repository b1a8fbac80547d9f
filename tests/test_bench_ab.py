"""bench/ab.py (`make bench-ab`): a change is judged on pairs of runs of the same round, not on medians."""

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
