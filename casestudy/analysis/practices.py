"""The engineering-practice scorecard: the stored audit of the repository at HEAD
(``sources.practices``) scored against the rules of ``practice_rules`` — which practices apply
(the ML ones only to a project whose dependency files name an ML framework), which are present
with the paths that prove them and when they first appeared — and a measured figure per period:
of the merged PRs that changed code, the share that also changed tests (from the time tests first
appeared)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from .. import practice_rules as rules
from ..core.periods import Calendar
from ..document import PracticeRow, PracticeSection, TestShare
from ..model import PRArrays
from ..source_kinds import kind_of
from .frame import Frame

SHOW = 3
MIN_SHARE_N = 10


def _day(t: int | None) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d") if t else ""


def rows(audit: dict) -> tuple[list[PracticeRow], bool]:
    ml = bool(audit.get("ml_frameworks"))
    out = []
    first = audit.get("first_seen", {})
    partial = audit.get("history") == "partial"
    for p in rules.PRACTICES:
        paths = audit["matches"].get(p.key, [])
        files = audit.get("content", {}).get(p.key, [])
        count = audit["match_counts"].get(p.key, 0)
        evidence = (files + paths)[:SHOW]
        more = max(0, count + len(files) - len(evidence))
        applies = p.applies == rules.APPLIES_ALL or ml
        # an ML practice in a project that is not one is not scored (its paths still shown)
        status = "not applicable" if not applies else ("present" if count or files
                                                       else "missing")
        seen = first.get(p.key)
        when = ""
        if seen and status == "present":
            when = f"{_day(seen['at'])} ({seen['path']})"
            if partial and seen["at"] == audit.get("history_from"):
                when = f"by {when}: the history read stops there"
        out.append(PracticeRow(p.key, p.name, p.applies, status, evidence, more, when, p.why))
    return out, ml


def test_shares(a: PRArrays, changes: dict[int, tuple[bool, bool]], cal: Calendar,
                lo_p: int, hi_p: int, pop: np.ndarray, since: int | None
                ) -> list[TestShare]:
    """Per period: merged PRs of the subject (repo 0) that changed code, and those of them that
    also changed tests (PRs merged before tests first appeared are left out)."""
    rows_ = np.flatnonzero(pop & (a.repo_idx == 0) & (a.times["merged_at"] >= 0))
    if since:
        rows_ = rows_[a.times["merged_at"][rows_] >= since]
    period = cal.period_of(a.times["merged_at"][rows_])
    code = np.array([changes.get(int(n), (False, False))[0] for n in a.number[rows_]], bool)
    tests = np.array([changes.get(int(n), (False, False))[1] for n in a.number[rows_]], bool)
    out = []
    for j in range(lo_p, hi_p + 1):
        sel = (period == j) & code
        n, k = int(sel.sum()), int((sel & tests).sum())
        out.append(TestShare(cal.labels[j], n, k, k / n if n else None))
    return out


def section(frame: Frame, audit: dict, changes: dict[int, tuple[bool, bool]]
            ) -> PracticeSection:
    """The subject's practice scorecard: the audit at HEAD and tests changed with code."""
    a, cal, lo_p, hi_p, pop = frame.arrays, frame.cal, frame.lo_p, frame.hi_p, frame.pop
    window = frame.window.periods
    table, ml = rows(audit)
    applicable = [r for r in table if r.status != "not applicable"]
    present = [r for r in applicable if r.status == "present"]
    nb, code = audit.get("notebooks", 0), audit.get("code_files", 0)
    tests_at = (audit.get("first_seen", {}).get("tests") or {}).get("at")
    shares = test_shares(a, changes, cal, lo_p, hi_p, pop, tests_at) if changes else []
    in_window = [s for s in shares if cal.labels.index(s.period) in window]
    n = sum(s.code_prs for s in in_window)
    k = sum(s.with_tests for s in in_window)
    share = k / n if n else None
    frameworks = audit.get("ml_frameworks", {})
    parts = []
    if ml:
        named = ", ".join(f"{f} ({src})" for f, src in list(frameworks.items())[:4])
        parts.append(f"An ML project: its dependency files name {named}; the ML practices "
                     "apply.")
    else:
        parts.append("Not an ML project (no ML framework in its dependency files): the ML "
                     "practices do not apply.")
    parts.append(f"{len(present)} of {len(applicable)} applicable practices are in place at "
                 f"HEAD ({audit.get('head', '')[:12]}).")
    missing = [r.name.lower() for r in applicable if r.status == "missing"]
    if missing:
        parts.append("Missing: " + ", ".join(missing) + ".")
    if nb:
        parts.append(f"{nb:,} notebook{'s' if nb != 1 else ''} beside {code:,} code files "
                     f"({nb / (nb + code):.0%} of them).")
    if share is not None and n >= MIN_SHARE_N:
        parts.append(f"In the latest window {share:.0%} of the {n:,} merged PRs that changed "
                     f"code also changed tests ({k:,}).")
    elif changes:
        parts.append(f"Too few merged PRs that changed code in the latest window ({n}; "
                     f"{MIN_SHARE_N} needed) for a test-change share.")
    kind = kind_of(audit.get("source", ""))
    note = ""
    if not kind.history:
        note = kind.missing.history
    elif audit.get("history") == "partial":
        note = (f"The clone lacks some objects: history was read back to "
                f"{_day(audit.get('history_from'))} only.")
    return PracticeSection(
        repo=a.repos[0], source=audit.get("source", ""), head=audit.get("head", ""), ml=ml,
        frameworks=frameworks, rows=table, present=len(present), applicable=len(applicable),
        files=audit.get("files", 0), notebooks=nb,
        notebook_share=nb / (nb + code) if nb + code else None, tests_with_code=shares,
        window_share=share if n >= MIN_SHARE_N else None, window_n=n, text=" ".join(parts),
        history_note=note, signals=dict(audit.get("signals", {})))


def facts(s: PracticeSection | None) -> dict:
    """The scorecard numbers the recommendations quote."""
    if s is None:
        return {}
    by = {r.key: r for r in s.rows}

    def proof(key: str) -> str:
        r = by[key]
        return ", ".join(r.evidence[:3]) + (f" and {r.more + len(r.evidence) - 3:,} more"
                                            if r.more + len(r.evidence) > 3 else "")

    out = {"practices_ml": s.ml, "practices_present": s.present,
           "practices_applicable": s.applicable,
           "practices_missing": [r.name.lower() for r in s.rows if r.status == "missing"],
           "ml_frameworks": ", ".join(f"{f} ({src})" for f, src in s.frameworks.items()),
           "tests_with_code_share": s.window_share, "tests_with_code_n": s.window_n,
           "tests_present": by["tests"].status == "present",
           "tests_evidence": proof("tests") if by["tests"].status == "present" else "",
           "ci_present": by["ci"].status == "present",
           "ci_evidence": proof("ci") if by["ci"].status == "present" else "",
           "locked_env_present": by["locked_env"].status == "present"}
    return out
