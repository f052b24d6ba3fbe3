"""The numpy rank tests give scipy's answers (scipy stays installed for the CI clustering, so it
is the independent reference here), and a report no longer imports scipy.stats."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from casestudy.analysis import rank_tests


def _cases(seed: int, count: int):
    rng = np.random.default_rng(seed)
    for trial in range(count):
        n = int(rng.integers(3, 60))
        t = np.sort(rng.choice(200, n, replace=False)).astype(float)
        y = rng.normal(size=n) + rng.normal() * 0.05 * t
        if trial % 3 == 0:
            y = np.round(y)  # ties in the series
        if trial % 5 == 0:
            t = np.round(t / 7)  # ties in time
        yield t, y


def test_kendall_tau_matches_scipy_exact_and_asymptotic():
    exact = asymptotic = 0
    for t, y in _cases(1, 300):
        want = stats.kendalltau(t, y)
        tau, p = rank_tests.kendall_tau(t, y)
        if math.isnan(want.statistic):
            assert math.isnan(tau)
            continue
        assert tau == pytest.approx(want.statistic, abs=1e-12)
        assert p == pytest.approx(want.pvalue, abs=1e-12)
        ties = len(set(t)) < t.size or len(set(y)) < y.size
        exact += not ties and t.size <= 33
        asymptotic += ties or t.size > 33
    assert exact > 30 and asymptotic > 30  # both branches were exercised


def test_theil_sen_matches_scipy():
    for t, y in _cases(2, 300):
        if np.ptp(t) == 0:
            continue
        want = stats.theilslopes(y, t, alpha=0.95)
        got = rank_tests.theil_sen(y, t, 0.95)
        for w, g in zip(want, got, strict=True):
            assert g == pytest.approx(w, abs=1e-12)


def test_wilcoxon_matches_scipy_in_every_method():
    rng = np.random.default_rng(3)
    seen = set()
    for trial in range(400):
        m = int(rng.integers(1, 70))
        d = rng.normal(size=m)
        if trial % 2 == 0:
            d = np.round(d * 3) / 3  # ties and zeros
        if not np.any(d != 0):
            continue
        want = stats.wilcoxon(d, zero_method="wilcox").pvalue
        assert rank_tests.wilcoxon_p(d) == pytest.approx(want, abs=1e-12)
        ties = len(set(np.abs(d[d != 0]))) < np.count_nonzero(d) or np.any(d == 0)
        seen.add("exact" if m <= 50 and not ties else "flips" if m <= 13 else "normal")
    assert seen == {"exact", "flips", "normal"}


def test_a_report_build_does_not_import_scipy_stats():
    code = ("import sys; import casestudy.report.build, casestudy.cli.main; "
            "print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_numba_kernels_run_without_scipy_linalg_which_stays_importable():
    """numba's CPU target is set up with ``scipy.linalg`` turned away (core/numba_target.py):
    a kernel runs without it loaded, and it still imports afterwards for what needs it."""
    code = ("import sys, numpy as np; import casestudy.core as core; core.warm(); "
            "from casestudy.core.group_stats import grouped_duration_stats; "
            "before = 'scipy.linalg' in sys.modules; "
            "import scipy.linalg; from scipy.cluster import hierarchy; "
            "print(before, float(scipy.linalg.norm([3.0, 4.0])))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "5.0"]
