"""People: contributor cohorts (first-time contributors, returning contributors, maintainers)
and the review load (who gives the first responses, how concentrated, how fast each is).

Cohorts. A PR is a maintainer's when GitHub's ``authorAssociation`` says OWNER, MEMBER or
COLLABORATOR, or when its author merged another author's PR (GitHub ``mergedBy``; git: the
author of a merge commit); without either kind of data, when its author gave the first response
on at least ``MIN_MAINTAINER_RESPONSES`` PRs of others. Among the rest, a PR is a first-time
contribution when GitHub says FIRST_TIME_CONTRIBUTOR or FIRST_TIMER, or when it is its author's
first PR in the repository's data (opened first, or landed first where the source has no opening
times) — GitHub evaluates the association when asked, so a first PR merged long ago reads
CONTRIBUTOR and the data decides; else it is a returning contribution. First response per
cohort is the Kaplan–Meier median over every PR that started waiting (``waits``); the newcomer
finding tests first-time against returning waits (Mann–Whitney over the responded PRs,
p < 0.05).

Review load counts every review each reviewer submitted in the latest window where the source
has them (GitHub), beside the first responses each gave and their median wait; a source that
records only who responded first is measured by first responses.
"""

from __future__ import annotations

import numpy as np

from .. import metrics
from ..core.periods import Calendar
from ..document import Cohort, PeopleSection, Reviewer
from ..metrics import format_duration
from ..model import PRArrays
from . import survival, waits
from .frame import Frame
from .significance import mann_whitney_p
from .window import duration_sample

MIN_MAINTAINER_RESPONSES = 10
MAINTAINER_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
FIRST_ASSOCIATIONS = frozenset({"FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER"})
MIN_COHORT = 10
ALPHA = 0.05
COHORTS = ("first-time contributors", "returning contributors", "maintainers")


def maintainers(people: dict[int, tuple[str, str, str]], associations: dict[int, str]
                ) -> tuple[set[str], str]:
    merged = {m for a, _, m in people.values() if m and m != a}
    if associations:
        return merged, ("maintainers are owners, members or collaborators by GitHub's author "
                        "association, or merged another author's PR; first-time contributors "
                        "are GitHub's first-timers or opened their first PR in this "
                        "repository's data")
    if merged:
        return merged, ("maintainers merged another author's PR; first-time contributors "
                        "opened their first PR in this repository's data")
    counts: dict[str, int] = {}
    for a, r, _ in people.values():
        if r and r != a:
            counts[r] = counts.get(r, 0) + 1
    frequent = {r for r, n in counts.items() if n >= MIN_MAINTAINER_RESPONSES}
    return frequent, (f"maintainers gave the first response on {MIN_MAINTAINER_RESPONSES} or "
                      "more PRs of others (the source does not say who merged); first-time "
                      "contributors opened their first PR in this repository's data")


def cohort_of(a: PRArrays, people: dict[int, tuple[str, str, str]], keepers: set[str],
              associations: dict[int, str] | None = None) -> np.ndarray:
    """Cohort index (into COHORTS) of every PR of repo 0; -1 for others and unknown authors."""
    out = np.full(a.n, -1, dtype=np.int8)
    rows = np.flatnonzero(a.repo_idx == 0)
    start = np.where(a.times["created_at"][rows] >= 0, a.times["created_at"][rows],
                     a.times["merged_at"][rows])
    authors = np.array([people.get(int(n), ("", "", ""))[0] for n in a.number[rows]], dtype=str)
    names, who = np.unique(authors, return_inverse=True)
    known = authors != ""
    # each author's first PR: earliest start, then earliest row
    cand = np.flatnonzero(known & (start >= 0))
    cand = cand[np.lexsort((cand, start[cand], who[cand]))]
    first = np.zeros(rows.size, dtype=bool)
    first[cand[np.r_[True, who[cand][1:] != who[cand][:-1]]] if cand.size else cand] = True
    assoc = associations or {}
    kind = np.array([assoc.get(int(n), "") for n in a.number[rows]] if assoc else
                    [""] * rows.size, dtype=str)
    keeper = np.isin(names, sorted(keepers))[who] | np.isin(kind, sorted(MAINTAINER_ASSOCIATIONS))
    newcomer = first | np.isin(kind, sorted(FIRST_ASSOCIATIONS))
    out[rows] = np.where(~known, -1, np.where(keeper, 2, np.where(newcomer, 0, 1)))
    return out


def section(frame: Frame, people: dict[int, tuple[str, str, str]],
            review_counts: dict[str, int] | None = None,
            associations: dict[int, str] | None = None) -> PeopleSection:
    """Cohorts and review load of the subject over the latest window."""
    a, cal, lo, hi, pop = frame.arrays, frame.cal, frame.lo, frame.hi, frame.pop
    data_end, visible = frame.data_end, frame.sees
    keepers, rule = maintainers(people, associations or {})
    cohort = cohort_of(a, people, keepers, associations)
    mine = pop & (a.repo_idx == 0)
    start = np.where(a.times["ready_at"] >= 0, a.times["ready_at"], a.times["created_at"])
    local = cal.local_seconds(start)
    opened = mine & (start >= 0) & (local >= lo) & (local < hi)
    cyc = metrics.get("cycle_time")
    out, responded = [], {}
    author_names = {n: people.get(int(n), ("", "", ""))[0] for n in a.number[mine]}
    for c, name in enumerate(COHORTS):
        rows = np.flatnonzero(opened & (cohort == c))
        fr = fr_naive = None
        fr_n = 0
        if "reviews" in visible and rows.size:
            _, d, obs = waits.sample(a, "first_response", rows, data_end)
            fr_n = int(d.size)
            if d.size:
                fr = survival.quantile(survival.kaplan_meier(d, obs), 0.5)[0]
                fr_naive = survival.naive_median(d, obs)
                responded[c] = d[obs]
        merged = a.times["merged_at"][rows] >= 0
        closed = (a.times["closed_at"][rows] >= 0) | merged
        rate = float(merged.sum() / closed.sum()) if closed.sum() and \
            (a.times["created_at"][rows] >= 0).any() else None
        d, _ = duration_sample(a, cyc, 0, lo, hi, cal, mine & (cohort == c))
        landed = np.flatnonzero(mine & (cohort == c) & (a.times["merged_at"] >= 0) & (
            cal.local_seconds(a.times["merged_at"]) >= lo) & (
            cal.local_seconds(a.times["merged_at"]) < hi))
        authors = {author_names.get(int(n), "") for n in a.number[rows]} | {
            author_names.get(int(n), "") for n in a.number[landed]}
        out.append(Cohort(name, int(max(rows.size, landed.size)), len(authors - {""}), fr,
                          fr_naive, fr_n, rate, int(closed.sum()),
                          float(np.median(d)) if d.size else None, int(d.size)))
    finding = ""
    if 0 in responded and 1 in responded and min(responded[0].size, responded[1].size) >= \
            MIN_COHORT:
        p = mann_whitney_p(responded[0], responded[1])
        new, old = np.median(responded[0]), np.median(responded[1])
        if p is not None and p < ALPHA and new > old:
            p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
            finding = (f"First-time contributors wait longer: a median "
                       f"{format_duration(new)} for a first response (n = "
                       f"{responded[0].size:,}) against {format_duration(old)} for returning "
                       f"contributors (n = {responded[1].size:,}; Mann–Whitney {p_text}).")
    reviewers, total, top3, load = _load(a, people, cal, lo, hi, mine, review_counts or {})
    text = " ".join(x for x in (_cohort_text(out, "reviews" in visible), finding, load) if x)
    return PeopleSection(a.repos[0], rule, out, finding, reviewers, total, top3, load, text,
                         sum((review_counts or {}).values()))


def _load(a: PRArrays, people: dict[int, tuple[str, str, str]], cal: Calendar, lo: int,
          hi: int, mine: np.ndarray, review_counts: dict[str, int]
          ) -> tuple[list[Reviewer], int, float | None, str]:
    fr = a.times["first_response_at"]
    local = cal.local_seconds(fr)
    rows = np.flatnonzero(mine & (fr >= 0) & (local >= lo) & (local < hi))
    waits_by: dict[str, list[float]] = {}
    for r in rows:
        who = people.get(int(a.number[r]), ("", "", ""))[1]
        start = a.times["ready_at"][r] if a.times["ready_at"][r] >= 0 else \
            a.times["created_at"][r]
        if who:
            waits_by.setdefault(who, []).append(float(fr[r] - start) if start >= 0
                                                else float("nan"))
    total = sum(len(v) for v in waits_by.values())
    if not total and not review_counts:
        return [], 0, None, ""
    # rank by reviews where the source has them, else by first responses
    weight = review_counts or {who: len(ws) for who, ws in waits_by.items()}
    all_weight = sum(weight.values())
    ranked = sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))
    reviewers = []
    for who, k in ranked[:10]:
        ws = waits_by.get(who, [])
        w = np.array([x for x in ws if x == x and x >= 0])
        reviewers.append(Reviewer(who, len(ws), k / all_weight,
                                  float(np.median(w)) if w.size else None,
                                  review_counts.get(who) if review_counts else None))
    top3 = sum(k for _, k in ranked[:3]) / all_weight
    load = ""
    if all_weight >= MIN_COHORT and len(ranked) > 3 and top3 > 0.5:
        what = "reviews" if review_counts else "first responses"
        names = ", ".join(
            f"{r.name} ({(r.reviews if review_counts else r.responses):,} {what}, median "
            f"first-response wait {_dur(r.median_wait)})" for r in reviewers[:3])
        load = (f"A few people carry the reviews: three of {len(ranked):,} reviewers gave "
                f"{top3:.0%} of the {all_weight:,} {what} — {names}.")
    return reviewers, total, top3, load


def _dur(v: float | None) -> str:
    return "n/a" if v is None else format_duration(v)


def _cohort_text(cohorts: list[Cohort], reviews: bool) -> str:
    parts = []
    for c in cohorts:
        if not c.prs:
            continue
        s = f"{c.name[0].upper() + c.name[1:]}: {c.prs:,} PRs by {c.authors:,} people"
        if reviews and c.first_response is not None:
            s += (f", first response {format_duration(c.first_response)} "
                  f"(n = {c.first_response_n:,})")
        if c.merge_rate is not None:
            s += f", {c.merge_rate:.0%} merged of {c.merge_n:,} closed"
        if c.cycle is not None:
            s += f", cycle time {format_duration(c.cycle)} (n = {c.cycle_n:,})"
        parts.append(s + ".")
    return " ".join(parts)
