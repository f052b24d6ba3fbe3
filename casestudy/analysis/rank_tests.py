"""Rank tests the report runs on every build: Mann–Kendall (Kendall's τ-b of a series against
time), the Theil–Sen slope with its confidence interval, and the Wilcoxon signed-rank test of
paired differences — in numpy, with the same methods and p-values as scipy's defaults (tested
against scipy to 1e-9), so a report does not import ``scipy.stats`` (0.5 s of a 1.6 s
command)."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np


def _p_normal(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def _tie_sizes(a: np.ndarray) -> np.ndarray:
    _, counts = np.unique(a, return_counts=True)
    return counts[counts > 1].astype(np.float64)


def _inversion_counts(n: int, upto: int) -> list[int]:
    """How many permutations of n items have k inversions, k = 0..upto (Mahonian numbers)."""
    row = [1] + [0] * upto
    for j in range(2, n + 1):  # adding item j adds 0..j-1 inversions
        run, nxt = 0, []
        for k in range(upto + 1):
            run += row[k]
            if k - j >= 0:
                run -= row[k - j]
            nxt.append(run)
        row = nxt
    return row


def kendall_tau(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Kendall's τ-b and its two-sided p-value: exact when there are no ties and n ≤ 33 (or
    at most one discordant or concordant pair), else the tie-corrected normal approximation."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    n = x.size
    i, j = np.triu_indices(n, 1)
    sx, sy = np.sign(x[j] - x[i]), np.sign(y[j] - y[i])
    s = float(np.sum(sx * sy))  # concordant minus discordant pairs
    tot = n * (n - 1) // 2
    tx, ty = _tie_sizes(x), _tie_sizes(y)
    xtie, ytie = float(np.sum(tx * (tx - 1) / 2)), float(np.sum(ty * (ty - 1) / 2))
    if xtie == tot or ytie == tot:
        return math.nan, math.nan
    tau = s / math.sqrt(tot - xtie) / math.sqrt(tot - ytie)
    dis = int(np.sum(sx * sy < 0))
    if xtie == 0 and ytie == 0 and (n <= 33 or min(dis, tot - dis) <= 1):
        c = min(dis, tot - dis)
        if 4 * c == n * (n - 1):
            return tau, 1.0
        counts = _inversion_counts(n, c)
        p = 2.0 * sum(counts) / math.factorial(n)
        return tau, min(1.0, p)
    m = n * (n - 1)
    var = ((m * (2 * n + 5) - np.sum(tx * (tx - 1) * (2 * tx + 5))
            - np.sum(ty * (ty - 1) * (2 * ty + 5))) / 18
           + 2 * xtie * ytie / m
           + np.sum(tx * (tx - 1) * (tx - 2)) * np.sum(ty * (ty - 1) * (ty - 2))
           / (9 * m * (n - 2)))
    return tau, min(1.0, _p_normal(s / math.sqrt(float(var))))


def theil_sen(y: np.ndarray, x: np.ndarray, confidence: float = 0.95
              ) -> tuple[float, float, float, float]:
    """Theil–Sen slope (median of the pairwise slopes), intercept (median y − slope × median
    x) and the slope's confidence interval from Sen's rank bounds (ties corrected)."""
    y, x = np.asarray(y, np.float64), np.asarray(x, np.float64)
    dx = x[:, None] - x
    dy = y[:, None] - y
    slopes = np.sort(dy[dx > 0] / dx[dx > 0])
    slope = float(np.median(slopes))
    intercept = float(np.median(y) - slope * np.median(x))
    alpha = min(confidence, 1 - confidence)
    z = NormalDist().inv_cdf(alpha / 2)
    n, nt = y.size, slopes.size
    tx, ty = _tie_sizes(x), _tie_sizes(y)
    var = (n * (n - 1) * (2 * n + 5) - np.sum(tx * (tx - 1) * (2 * tx + 5))
           - np.sum(ty * (ty - 1) * (2 * ty + 5))) / 18
    sigma = math.sqrt(var) if var >= 0 else math.nan
    if not nt or math.isnan(sigma):
        return slope, intercept, math.nan, math.nan
    upper = min(int(np.round((nt - z * sigma) / 2)), nt - 1)
    lower = max(int(np.round((nt + z * sigma) / 2)) - 1, 0)
    return slope, intercept, float(slopes[lower]), float(slopes[upper])


def _ranks(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks (1-based) and the size of each tie group."""
    uniq, inv, counts = np.unique(a, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return (ends - (counts - 1) / 2.0)[inv], counts.astype(np.float64)


def wilcoxon_p(d: np.ndarray) -> float:
    """Two-sided p-value of the Wilcoxon signed-rank test of paired differences ``d``, zeros
    dropped (Wilcoxon's rule): exact when there are no ties or zeros and at most 50 values;
    every sign flip enumerated when there are ties or zeros and at most 13 values; else the
    tie-corrected normal approximation without continuity correction."""
    d = np.asarray(d, np.float64)
    size = d.size
    nz = d[d != 0]
    count = nz.size
    if count == 0:
        return math.nan
    r, ties = _ranks(np.abs(nz))
    r_plus = float(np.sum(r[nz > 0]))
    zeros = size - count
    if size <= 50 and zeros == 0 and not np.any(ties > 1):
        # exact: W+ is a sum of a random subset of 1..n
        top = count * (count + 1) // 2
        ways = np.zeros(top + 1)
        ways[0] = 1.0
        for k in range(1, count + 1):
            ways[k:] = ways[k:] + ways[:-k].copy()
        pmf = ways / 2.0 ** count
        w = int(round(r_plus))
        return float(min(1.0, 2 * min(pmf[w:].sum(), pmf[:w + 1].sum())))
    if size <= 13:
        # every sign flip of the non-zero differences (zeros stay zero and out)
        signs = ((np.arange(2 ** count)[:, None] >> np.arange(count)) & 1).astype(bool)
        null = np.where(signs, r, 0.0).sum(axis=1)
        gamma = abs(np.finfo(np.float64).eps * 100 * r_plus)
        less = np.count_nonzero(null <= r_plus + gamma) / null.size
        greater = np.count_nonzero(null >= r_plus - gamma) / null.size
        return float(min(1.0, 2 * min(less, greater)))
    mean = count * (count + 1) / 4
    se = math.sqrt((count * (count + 1) * (2 * count + 1) - np.sum(ties ** 3 - ties) / 2) / 24)
    return _p_normal((r_plus - mean) / se)
