#!/usr/bin/env python3
"""Writes Tests/Fixtures/experiments/student_t.json: Student's t CDF values and 0.975 quantiles
from scipy.stats.t, and 95 % confidence intervals of paired differences from
scipy.stats.t.interval, for Sources/Experiments/PairedStatistics.swift's tests.
Needs scipy (pip install scipy).  Run from the repository root."""
import json, statistics
import scipy
from scipy import stats

cdf = [{"t": t, "dof": d, "p": float(stats.t.cdf(t, d))}
       for d in (1, 2, 3, 5, 10, 30, 100) for t in (-3.0, -1.0, -0.25, 0.0, 0.5, 2.0, 4.5)]
quantiles = [{"dof": d, "q975": float(stats.t.ppf(0.975, d))} for d in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 100)]
cases = []
for diffs in ([0.01, 0.03, 0.02], [0.004, -0.002, 0.003], [-0.012, -0.020, -0.004, -0.010], [0.05, 0.051]):
    n = len(diffs); m = statistics.mean(diffs); se = statistics.stdev(diffs) / n ** 0.5
    lo, hi = stats.t.interval(0.95, n - 1, loc=m, scale=se)
    cases.append({"diffs": diffs, "mean": m, "low": float(lo), "high": float(hi)})
out = {"generator": f"scipy {scipy.__version__} (Tests/Fixtures/scripts/make_experiment_fixtures.py)",
       "cdf": cdf, "quantiles": quantiles, "intervals": cases}
json.dump(out, open("Tests/Fixtures/experiments/student_t.json", "w"), indent=1)
print("wrote Tests/Fixtures/experiments/student_t.json")
