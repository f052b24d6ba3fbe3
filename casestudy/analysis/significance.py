"""Is a change larger than the noise? Two-sample tests used by the findings engine
(normal approximations; numpy only)."""

from __future__ import annotations

import math

import numpy as np


def _p_two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def mann_whitney_p(x: np.ndarray, y: np.ndarray) -> float | None:
    """Two-sided Mann–Whitney U test p-value (tie-corrected normal approximation)."""
    n1, n2 = x.size, y.size
    if n1 < 2 or n2 < 2:
        return None
    both = np.concatenate([x, y]).astype(np.float64)
    uniq, inv, counts = np.unique(both, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    avg_rank = ends - (counts - 1) / 2.0
    ranks = avg_rank[inv]
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2.0
    n = n1 + n2
    tie = (counts**3 - counts).sum()
    var = n1 * n2 / 12.0 * ((n + 1) - tie / (n * (n - 1)))
    if var <= 0:
        return 1.0
    z = (u - n1 * n2 / 2.0) / math.sqrt(var)
    return _p_two_sided(z)


def two_proportion_p(k1: float, n1: float, k2: float, n2: float) -> float | None:
    """Two-sided z-test for p1 = k1/n1 against p2 = k2/n2."""
    if n1 < 1 or n2 < 1:
        return None
    p = (k1 + k2) / (n1 + n2)
    var = p * (1 - p) * (1 / n1 + 1 / n2)
    if var <= 0:
        return 1.0
    return _p_two_sided((k1 / n1 - k2 / n2) / math.sqrt(var))


def poisson_rate_p(k1: float, t1: float, k2: float, t2: float) -> float | None:
    """Two-sided test that two event counts over exposures t1, t2 share one rate
    (conditional binomial, normal approximation)."""
    if k1 + k2 < 1 or t1 <= 0 or t2 <= 0:
        return None
    return _binom_p(k1, k1 + k2, t1 / (t1 + t2))


def _binom_p(k: float, n: float, p0: float) -> float:
    var = n * p0 * (1 - p0)
    if var <= 0:
        return 1.0
    return _p_two_sided((k - n * p0) / math.sqrt(var))


def cmh_p(hit: np.ndarray, group: np.ndarray, strata: np.ndarray) -> float | None:
    """Two-sided Cochran–Mantel–Haenszel test that a binary outcome (``hit``) has the same rate
    in ``group`` as outside it within each stratum (normal approximation, no continuity
    correction); strata holding only one group carry no information."""
    a_sum = e_sum = v_sum = 0.0
    for s in np.unique(strata):
        sel = strata == s
        n1 = float((sel & group).sum())
        n2 = float((sel & ~group).sum())
        n = n1 + n2
        m = float(hit[sel].sum())
        if n1 < 1 or n2 < 1 or n < 2:
            continue
        a_sum += float((hit & sel & group).sum())
        e_sum += n1 * m / n
        v_sum += n1 * n2 * m * (n - m) / (n * n * (n - 1))
    if v_sum <= 0:
        return None if e_sum == 0 and a_sum == 0 else 1.0
    return _p_two_sided((a_sum - e_sum) / math.sqrt(v_sum))
