"""AI-assisted changes (issue 32): how much of the merged work they are, per period and with its
trend, and what they cost and deliver against the other PRs of the same repository, period and
size bin — cycle time and its stages, size, reverts and rework — each with its n and a test;
AI reviewers as their own series; the AI stance at HEAD (agent-instruction files) and whether
the AI-assisted share changed after the first one appeared.

Comparisons are stratified: a PR is compared only with PRs merged in the same period and of
the same size bin (the quartiles of the report period's sizes). Durations and sizes: each PR's
log value minus the median of the *other* PRs of its stratum, AI-assisted against the rest by
Mann–Whitney, and the ratio is the exponent of the AI-assisted PRs' median residual ("1.4× as
long as comparable PRs"). Shares (reverted, reworked): a Cochran–Mantel–Haenszel test over the
strata. Nothing is compared below the minimum n on either side. The population is the report's
(bots out by default) plus PRs opened by AI agent accounts, which are bots but AI work.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from .. import ai_rules, core, metrics
from ..document import (
    AIComparison,
    AIInstruction,
    AIPoint,
    AIRuleHits,
    AISection,
    Claim,
    Evidence,
)
from ..metrics import format_duration
from ..model import AIReview
from .frame import Frame
from .gate import words_in
from .rank_tests import kendall_tau
from .significance import cmh_p, mann_whitney_p, two_proportion_p

MIN_PERIODS = 6  # periods with merged PRs needed for a trend
MIN_MERGED = 5  # merged PRs a period needs to count in the trend
STANCE_DAYS = 180  # the AI share this long before and after the first instruction file
ALPHA = 0.05
LATEST = 5  # AI-assisted PRs cited by number (the latest merged)
DURATIONS = ("cycle_time", "coding", "first_response", "review", "merge")


def _day(t: int | None) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d") if t else ""


def section(frame: Frame, marks: dict[int, tuple[tuple[str, ...], str]], reverted: set[int],
            reworked: dict[int, bool], reviews: list[AIReview],
            commit_counts: dict[tuple[str, str], int], audit: dict | None) -> AISection | None:
    """The subject's AI section, or None when no rule found anything and no agent-instruction
    file exists (nothing to say)."""
    instructions = (audit or {}).get("ai_instructions") or []
    if not marks and not reviews and not instructions:
        return None
    a, cal, min_n = frame.arrays, frame.cal, frame.opts.min_n
    subj = a.repo_idx == 0
    numbers = a.number
    ai_numbers = np.array(sorted(marks), dtype=np.int64)
    agents = np.array(sorted(n for n, (r, _) in marks.items() if "agent-pr-author" in r),
                      dtype=np.int64)
    is_ai = subj & np.isin(numbers, ai_numbers)
    pop = subj & (frame.pop | np.isin(numbers, agents))
    period = cal.period_of(a.times["merged_at"])
    rows = np.flatnonzero(pop & (period >= frame.lo_p) & (period <= frame.hi_p))
    per, ai = period[rows], is_ai[rows]
    reviewed = {r.pr for r in reviews}
    rev_row = np.isin(numbers[rows], np.array(sorted(reviewed), dtype=np.int64))
    points = []
    for j in range(frame.lo_p, frame.hi_p + 1):
        sel = per == j
        points.append(AIPoint(cal.labels[j], int(sel.sum()), int((sel & ai).sum()),
                              int((sel & rev_row).sum())))
    trend, trend_p = _trend(points, {cal.labels[j] for j in frame.partial}, int(ai.sum()),
                            min_n)
    tools: dict[str, int] = {}
    for n in numbers[rows][ai]:
        t = marks[int(n)][1] or "unnamed"
        tools[t] = tools.get(t, 0) + 1
    sizes = (a.additions + a.deletions)[rows].astype(np.float64)
    size_bin = _bins(sizes)
    strata = (per - frame.lo_p).astype(np.int64) * 4 + size_bin
    comparisons = _durations(frame, rows, ai, strata, min_n)
    comparisons.append(_continuous("size", "PR size (lines changed)", "lines", sizes, ai,
                                   (per - frame.lo_p).astype(np.int64), min_n,
                                   known=sizes > 0))
    merged_nums = numbers[rows]
    comparisons = [c for c in comparisons if c.other_n or c.ai_n]
    comparisons.append(_share("reverted", "Reverted later (a change failure)", np.isin(
        merged_nums, np.array(sorted(reverted), dtype=np.int64)), ai, strata, min_n))
    caveats = []
    if reworked:
        known = np.array([int(n) in reworked for n in merged_nums], dtype=bool)
        hit = np.array([reworked.get(int(n), False) for n in merged_nums], dtype=bool)
        comparisons.append(_share("reworked", f"Reworked within {ai_rules.REWORK_DAYS} days",
                                  hit, ai, strata, min_n, known))
    else:
        caveats.append(f"Rework (a fix or revert touching the same files within "
                       f"{ai_rules.REWORK_DAYS} days) needs the files each PR changed, which "
                       "this source does not record (a git clone does).")
    by_tool: dict[str, int] = {}
    lo, hi = frame.report_bounds
    for r in reviews:
        if lo <= int(cal.local_seconds(np.array([r.submitted_at]))[0]) < hi:
            by_tool[r.tool or "unnamed"] = by_tool.get(r.tool or "unnamed", 0) + 1
    rule_rows = []
    for rule in ai_rules.RULES:
        if rule.marks_pr:
            prs = sum(1 for n in merged_nums[ai] if rule.name in marks[int(n)][0])
        else:
            prs = int(rev_row.sum())
        commits = sum(v for (r, _), v in commit_counts.items() if r == rule.name)
        if rule.name == "ai-reviewer":
            commits = 0
        rule_rows.append(AIRuleHits(rule.name, rule.description, prs, commits))
    stance, before, after, p_stance, listed = _stance(a, pop, is_ai, audit, min_n)
    s = AISection(
        repo=frame.subject, rules=rule_rows, tools=dict(sorted(tools.items(), key=lambda x:
                                                              -x[1])),
        merged=int(rows.size), ai_prs=int(ai.sum()), points=points, trend=trend,
        trend_p=trend_p, comparisons=comparisons,
        reviewers=dict(sorted(by_tool.items(), key=lambda x: -x[1])),
        reviewed_prs=int(rev_row.sum()), instructions=listed, stance=stance,
        stance_before=before, stance_after=after, stance_p=p_stance,
        rework_days=ai_rules.REWORK_DAYS, min_n=min_n, text="", caveats=caveats)
    order = np.argsort(a.times["merged_at"][rows][ai])[::-1][:LATEST]
    s.latest = [int(x) for x in numbers[rows][ai][order]]
    s.text = _text(s, frame)
    return s


def _bins(sizes: np.ndarray) -> np.ndarray:
    """Size quartile (0–3) of each PR; one bin when sizes are unknown."""
    known = sizes > 0
    if known.sum() < 8:
        return np.zeros(sizes.size, dtype=np.int64)
    edges = np.unique(np.percentile(sizes[known], [25, 50, 75]))
    return np.searchsorted(edges, sizes, "right").astype(np.int64)


def _trend(points: list[AIPoint], partial: set[str], ai_total: int, min_n: int
           ) -> tuple[str, float | None]:
    """Mann–Kendall on the AI-assisted share per period (full periods with enough merges)."""
    used = [(i, p.ai / p.merged) for i, p in enumerate(points)
            if p.merged >= MIN_MERGED and p.period not in partial]
    if len(used) < MIN_PERIODS or ai_total < min_n:
        return "insufficient", None
    t = np.array([u[0] for u in used], dtype=np.float64)
    y = np.array([u[1] for u in used], dtype=np.float64)
    if np.ptp(y) == 0:
        return "flat", None
    tau, p = kendall_tau(t, y)  # Mann–Kendall: Kendall's tau of the series vs time
    p = float(p)
    return ("flat" if p >= ALPHA else ("rising" if tau > 0 else "falling")), p


def _residual_test(values: np.ndarray, ai: np.ndarray, strata: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, float | None, float | None, np.ndarray]:
    """(AI residuals, other residuals, ratio, p, used) of log values against the median of the
    other PRs in the same stratum (strata with at least one of each and 3 others)."""
    logv = np.log1p(values)
    res = np.full(values.size, np.nan)
    for s in np.unique(strata):
        sel = strata == s
        others = sel & ~ai
        if others.sum() < 3 or not (sel & ai).any():
            continue
        res[sel] = logv[sel] - np.median(logv[others])
    used = ~np.isnan(res)
    x, y = res[used & ai], res[used & ~ai]
    p = mann_whitney_p(x, y) if x.size and y.size else None
    ratio = float(np.exp(np.median(x))) if x.size else None
    return x, y, ratio, p, used


def _continuous(key: str, name: str, kind: str, values: np.ndarray, ai: np.ndarray,
                strata: np.ndarray, min_n: int, known: np.ndarray | None = None
                ) -> AIComparison:
    keep = ~np.isnan(values) if known is None else known & ~np.isnan(values)
    v, a_, s = values[keep], ai[keep], strata[keep]
    x, y, ratio, p, used = _residual_test(v, a_, s)
    n1, n2 = int(x.size), int(y.size)
    test = "Mann–Whitney within " + ("period × size bin" if key != "size" else "period")
    if n1 < min_n or n2 < min_n:
        return AIComparison(key, name, kind, n1, n2, None, None, None, test, None,
                            f"too few to compare (n = {n1} AI-assisted, {n2} others; at least "
                            f"{min_n} each)")
    med1 = float(np.median(v[used & a_]))
    med2 = float(np.median(v[used & ~a_]))
    fmt = format_duration if kind == "duration" else (lambda z: f"{z:,.0f} lines")
    text = (f"{fmt(med1)} vs {fmt(med2)}; {ratio:.2f}× comparable PRs (p = {p:.2g})"
            if p is not None else f"{fmt(med1)} vs {fmt(med2)}")
    return AIComparison(key, name, kind, n1, n2, med1, med2, ratio, test, p, text)


def _durations(frame: Frame, rows: np.ndarray, ai: np.ndarray, strata: np.ndarray,
               min_n: int) -> list[AIComparison]:
    out = []
    sees = frame.sees
    for key in DURATIONS:
        m = metrics.get(key)
        if any(need not in sees for need in m.needs):
            continue
        d = core.duration_values(frame.arrays, m, rows, frame.cal, frame.opts.business_hours)
        if np.isnan(d).all():
            continue  # the source does not measure it (e.g. squash merges: no first commit)
        out.append(_continuous(key, m.name, "duration", d.astype(np.float64), ai, strata,
                               min_n))
    return out


def _share(key: str, name: str, hit: np.ndarray, ai: np.ndarray, strata: np.ndarray,
           min_n: int, known: np.ndarray | None = None) -> AIComparison:
    keep = np.ones(hit.size, dtype=bool) if known is None else known
    h, a_, s = hit[keep], ai[keep], strata[keep]
    both = np.zeros(h.size, dtype=bool)
    for st in np.unique(s):
        sel = s == st
        if (sel & a_).any() and (sel & ~a_).any():
            both |= sel
    n1, n2 = int((both & a_).sum()), int((both & ~a_).sum())
    test = "Cochran–Mantel–Haenszel over period × size bin"
    if n1 < min_n or n2 < min_n:
        return AIComparison(key, name, "share", n1, n2, None, None, None, test, None,
                            f"too few to compare (n = {n1} AI-assisted, {n2} others; at least "
                            f"{min_n} each)")
    p1, p2 = float(h[both & a_].mean()), float(h[both & ~a_].mean())
    if not h[both].any():
        return AIComparison(key, name, "share", n1, n2, 0.0, 0.0, None, test, None,
                            "none in either group")
    p = cmh_p(h[both], a_[both], s[both])
    text = f"{p1:.1%} vs {p2:.1%}" + (f" (p = {p:.2g})" if p is not None else "")
    return AIComparison(key, name, "share", n1, n2, p1, p2, None, test, p, text)


def _stance(a, pop: np.ndarray, is_ai: np.ndarray, audit: dict | None, min_n: int
            ) -> tuple[str, float | None, float | None, float | None, list[AIInstruction]]:
    """The AI stance at HEAD in words, the AI-assisted share of merged PRs in the
    ``STANCE_DAYS`` before and after the first agent-instruction file, and the test."""
    if audit is None:
        return "", None, None, None, []
    files = audit.get("ai_instructions") or []
    first = audit.get("ai_first_seen") or {}
    listed = [AIInstruction(f, _day(first.get(f))) for f in files]
    if not files:
        return ("No agent-instruction file (AGENTS.md, CLAUDE.md, .cursor/rules, "
                ".github/copilot-instructions.md, …) at HEAD."), None, None, None, listed
    seen = [int(t) for t in first.values() if t]
    names = ", ".join(files[:4]) + (f" and {len(files) - 4} more" if len(files) > 4 else "")
    if not seen:
        return f"Agent-instruction files at HEAD: {names}.", None, None, None, listed
    t0 = min(seen)
    merged = a.times["merged_at"]
    span = STANCE_DAYS * 86400
    pre = pop & (merged >= t0 - span) & (merged < t0)
    post = pop & (merged >= t0) & (merged < t0 + span)
    text = f"Agent-instruction files at HEAD: {names}; the first appeared on {_day(t0)}."
    if pre.sum() < min_n or post.sum() < min_n:
        return text + " Too few merged PRs on one side of that date to compare the " \
                      "AI-assisted share.", None, None, None, listed
    b, f = float(is_ai[pre].mean()), float(is_ai[post].mean())
    p = two_proportion_p(float(is_ai[pre].sum()), float(pre.sum()), float(is_ai[post].sum()),
                         float(post.sum()))
    change = "changed beyond the noise" if p is not None and p < ALPHA else \
        "did not change beyond the noise"
    text += (f" The AI-assisted share of merged PRs went from {b:.1%} in the {STANCE_DAYS} days "
             f"before to {f:.1%} in the {STANCE_DAYS} days after (n = {int(pre.sum()):,} and "
             f"{int(post.sum()):,}; p = {p:.2g}): it {change} (a before and after, not a "
             "cause).")
    return text, b, f, p, listed


def _text(s: AISection, frame: Frame) -> str:
    share = s.ai_prs / s.merged if s.merged else 0.0
    tools = ", ".join(f"{t} {n:,}" for t, n in list(s.tools.items())[:3])
    out = (f"{s.ai_prs:,} of {s.merged:,} merged PRs ({share:.1%}) carry an AI tool's mark"
           + (f" ({tools})" if tools else "") + ".")
    if s.trend in ("rising", "falling"):
        out += f" The share is {s.trend} beyond the noise (Mann–Kendall p = {s.trend_p:.2g})."
    elif s.trend == "flat":
        out += " The share shows no trend beyond the noise."
    if s.reviewed_prs:
        rv = ", ".join(f"{t}: {n:,} reviews or comments"
                       for t, n in list(s.reviewers.items())[:3])
        out += (f" AI reviewers commented on {s.reviewed_prs:,} merged PRs ({rv}), never as "
                "anyone's first response.")
    return out


def people_note(s: AISection | None) -> str:
    """The AI reviewers as their own series, for the people section ("" when there are none)."""
    if s is None or not s.reviewers:
        return ""
    who = ", ".join(f"{t} ({n:,} reviews or comments)" for t, n in s.reviewers.items())
    return f" AI reviewers are not people and are counted apart: {who}."


def claims(s: AISection | None, frame: Frame) -> list[Claim]:
    """The summary sentences about AI-assisted changes, as claims for the gate: the share (and
    its trend) and the clearest difference in cost, each with its evidence and n."""
    if s is None or not s.ai_prs:
        return []
    window = [frame.cal.labels[frame.lo_p], frame.cal.labels[frame.hi_p]]
    share = s.ai_prs / s.merged if s.merged else 0.0
    trend = "" if s.trend not in ("rising", "falling") else (
        f", a share {s.trend} beyond the noise (p = {s.trend_p:.2g})")
    text = (f"AI-assisted changes (an AI co-author, marker or agent) were {share:.1%} of merged "
            f"PRs (n = {s.ai_prs:,} of {s.merged:,}){trend}.")
    # the share rests on the AI-assisted PRs: too few of them, and nothing is said
    ev = Evidence("ai_share", s.repo, window, share, f"{share:.1%} of merged PRs", s.ai_prs,
                  s.min_n,
                  test="Mann–Kendall", p_value=s.trend_p, trend=s.trend,
                  too_few=s.ai_prs < s.min_n)
    out = [_claim(text, [ev], 0)]
    tested = [c for c in s.comparisons if c.p_value is not None and c.p_value < ALPHA
              and c.ai_value is not None]
    if tested:
        c = min(tested, key=lambda c: c.p_value)
        if c.kind == "share":
            how = "more often" if c.ai_value > c.other_value else "less often"
            said = (f"{c.name} happened {how} to AI-assisted PRs than to comparable ones "
                    f"({c.ai_value:.1%} vs {c.other_value:.1%}, n = {c.ai_n:,} vs "
                    f"{c.other_n:,}, p = {c.p_value:.2g}).")
            value = c.ai_value
        else:
            name = c.name if c.name.startswith("PR") else c.name[0].lower() + c.name[1:]
            alike = "period" if c.key == "size" else "period and size"
            said = (f"AI-assisted PRs' {name} was {c.ratio:.2f}× that of comparable PRs of the "
                    f"same {alike} (n = {c.ai_n:,} vs {c.other_n:,}, p = {c.p_value:.2g}).")
            value = c.ratio
        ev2 = Evidence(f"ai_{c.key}", s.repo, window, value, said, c.ai_n, s.min_n,
                       test=c.test, p_value=c.p_value)
        out.append(_claim(said, [ev2], 1))
    return out


def _claim(text: str, ev: list[Evidence], i: int) -> Claim:
    return Claim(metric=ev[0].metric, title=text, text=text, kind="summary",
                 polarity="neutral", words=words_in(text), evidence=ev,
                 key=f"summary:ai:{i}", section="ai")


def cmh_note() -> str:
    """The tests named in this section, for the terms list."""
    return ("Cochran–Mantel–Haenszel test: whether two groups' rates differ within matched "
            "strata (here period × size bin), pooled over the strata.")


__all__ = ["claims", "people_note", "section"]
