"""A two-state hidden Markov model with Gaussian emissions over many sequences (numba).

Used for coding sessions (``analysis.sessions``): the observations are log inter-commit gaps of
each author (one sequence per author), the hidden states are "coding" (short gaps) and "not
coding" (breaks). ``fit`` runs Baum–Welch (scaled forward–backward) over all sequences at once;
``decode`` gives each gap's Viterbi state.

Why numba and not hmmlearn: hmmlearn is in limited-maintenance mode and pulls in scikit-learn
for one model, and its multi-sequence fit loops over sequences in Python each iteration (a
repository has thousands of authors). Two states with one-dimensional emissions is a small,
fully tested kernel over the same concatenated arrays the rest of the core uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from .group_stats import chunk_count

MIN_VAR = 1e-2  # a state's variance never collapses onto one repeated gap
TINY = 1e-300


@dataclass
class HMM:
    """Fitted parameters; state 0 has the smaller mean (the "coding" state)."""

    start: np.ndarray  # (2,) initial state probabilities
    trans: np.ndarray  # (2, 2) transition probabilities, rows sum to 1
    mean: np.ndarray  # (2,) emission means
    var: np.ndarray  # (2,) emission variances
    loglik: float
    iterations: int
    converged: bool


@njit(cache=True)
def _density(x, mean, var):
    out = np.empty((x.size, 2))
    for k in range(2):
        norm = 1.0 / math.sqrt(2.0 * math.pi * var[k])
        for t in range(x.size):
            d = x[t] - mean[k]
            out[t, k] = max(norm * math.exp(-0.5 * d * d / var[k]), TINY)
    return out


@njit(cache=True)
def _sequence(x, b, lo, hi, start, trans, alpha, beta, scale, acc):
    """Forward–backward over ``x[lo:hi]``, adding to ``acc``: weight (0–1), Σγx (2–3),
    Σγx² (4–5), transition posteriors (6–9), first-state posteriors (10–11), log-likelihood
    (12)."""
    for k in range(2):
        alpha[lo, k] = start[k] * b[lo, k]
    c = alpha[lo, 0] + alpha[lo, 1]
    scale[lo] = c
    alpha[lo, 0] /= c
    alpha[lo, 1] /= c
    for t in range(lo + 1, hi):
        for k in range(2):
            alpha[t, k] = (alpha[t - 1, 0] * trans[0, k] + alpha[t - 1, 1] * trans[1, k]) \
                * b[t, k]
        c = alpha[t, 0] + alpha[t, 1]
        scale[t] = c
        alpha[t, 0] /= c
        alpha[t, 1] /= c
    beta[hi - 1, 0] = 1.0
    beta[hi - 1, 1] = 1.0
    for t in range(hi - 2, lo - 1, -1):
        for k in range(2):
            beta[t, k] = (trans[k, 0] * b[t + 1, 0] * beta[t + 1, 0]
                          + trans[k, 1] * b[t + 1, 1] * beta[t + 1, 1]) / scale[t + 1]
    for t in range(lo, hi):
        g0 = alpha[t, 0] * beta[t, 0]
        g1 = alpha[t, 1] * beta[t, 1]
        g = g0 + g1
        g0 /= g
        g1 /= g
        acc[0] += g0
        acc[1] += g1
        acc[2] += g0 * x[t]
        acc[3] += g1 * x[t]
        acc[4] += g0 * x[t] * x[t]
        acc[5] += g1 * x[t] * x[t]
        if t == lo:
            acc[10] += g0
            acc[11] += g1
        acc[12] += math.log(scale[t])
    for t in range(lo, hi - 1):
        for i in range(2):
            for j in range(2):
                acc[6 + 2 * i + j] += alpha[t, i] * trans[i, j] * b[t + 1, j] \
                    * beta[t + 1, j] / scale[t + 1]


@njit(cache=True, parallel=True)
def _expectations(x, bounds, start, trans, mean, var):
    """E-step over every sequence ``x[bounds[s]:bounds[s + 1]]``, with the M-step's sums
    gathered on the way (see ``_sequence``); sequences are split into chunks that run in
    parallel, each with its own sums."""
    b = _density(x, mean, var)
    n = x.size
    alpha = np.empty((n, 2))
    beta = np.empty((n, 2))
    scale = np.empty(n)
    n_seq = bounds.size - 1
    chunks = chunk_count(n)
    acc = np.zeros((chunks, 13))
    for c in prange(chunks):
        for s in range(c * n_seq // chunks, (c + 1) * n_seq // chunks):
            lo, hi = bounds[s], bounds[s + 1]
            if hi > lo:
                _sequence(x, b, lo, hi, start, trans, alpha, beta, scale, acc[c])
    tot = acc.sum(axis=0)
    return (tot[0:2].copy(), tot[2:4].copy(), tot[4:6].copy(), tot[6:10].copy().reshape(2, 2),
            tot[10:12].copy(), tot[12])


@njit(cache=True)
def _viterbi(x, bounds, start, trans, mean, var):
    b = _density(x, mean, var)
    n = x.size
    states = np.zeros(n, dtype=np.int8)
    score = np.empty((n, 2))
    back = np.zeros((n, 2), dtype=np.int8)
    lt = np.log(trans)
    for s in range(bounds.size - 1):
        lo, hi = bounds[s], bounds[s + 1]
        if hi <= lo:
            continue
        for k in range(2):
            score[lo, k] = math.log(max(start[k], TINY)) + math.log(b[lo, k])
        for t in range(lo + 1, hi):
            for k in range(2):
                a0 = score[t - 1, 0] + lt[0, k]
                a1 = score[t - 1, 1] + lt[1, k]
                if a0 >= a1:
                    score[t, k] = a0 + math.log(b[t, k])
                    back[t, k] = 0
                else:
                    score[t, k] = a1 + math.log(b[t, k])
                    back[t, k] = 1
        k = 0 if score[hi - 1, 0] >= score[hi - 1, 1] else 1
        for t in range(hi - 1, lo - 1, -1):
            states[t] = k
            k = back[t, k]
    return states


def fit(x: np.ndarray, bounds: np.ndarray, max_iter: int = 200, tol: float = 1e-6) -> HMM:
    """Baum–Welch over the sequences ``x[bounds[s]:bounds[s + 1]]`` (at least two values in
    all). Starts from the lower and upper quartiles of ``x``; stops when the log-likelihood
    gains less than ``tol`` per observation."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    bounds = np.ascontiguousarray(bounds, dtype=np.int64)
    q1, q3 = np.percentile(x, [25, 75])
    spread = max(float(np.var(x)) / 4, MIN_VAR)
    start = np.array([0.5, 0.5])
    trans = np.array([[0.8, 0.2], [0.3, 0.7]])
    mean = np.array([q1, q3], dtype=np.float64)
    var = np.array([spread, spread])
    prev = -np.inf
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        weight, sx, sxx, xi, first, loglik = _expectations(x, bounds, start, trans, mean, var)
        w = np.maximum(weight, TINY)
        mean = sx / w
        var = np.maximum(sxx / w - mean ** 2, MIN_VAR)
        trans = xi / np.maximum(xi.sum(axis=1, keepdims=True), TINY)
        start = first / max(first.sum(), TINY)
        if loglik - prev < tol * x.size:
            converged = True
            break
        prev = loglik
    if mean[0] > mean[1]:  # state 0 is the short-gap state
        order = np.array([1, 0])
        start, mean, var = start[order], mean[order], var[order]
        trans = trans[np.ix_(order, order)]
    return HMM(start, trans, mean, var, float(loglik), it, converged)


def decode(model: HMM, x: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The most likely state (0 = short-gap state) of each observation (Viterbi)."""
    return _viterbi(np.ascontiguousarray(x, dtype=np.float64),
                    np.ascontiguousarray(bounds, dtype=np.int64), model.start,
                    np.maximum(model.trans, TINY), model.mean, model.var)
