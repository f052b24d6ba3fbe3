"""Contributor cohorts and review load (issue 20) against hand counts."""

from __future__ import annotations

from casestudy.model import PullRequest
from casestudy.report.build import Options, build_case_study
from casestudy.store import RepoInfo, Store

H, DAY = 3600, 86400
SEP, NOV = 1_693_526_400, 1_698_796_800  # 2023-09-01, 2023-11-01 (UTC)


def make(number: int, author: str, opened: int, wait: float, responder: str) -> PullRequest:
    return PullRequest("o/p", number, author=author, created_at=opened, ready_at=opened,
                       first_commit_at=opened - H, first_response_at=opened + int(wait * H),
                       first_responder=responder, merged_at=opened + int(wait * H) + H,
                       closed_at=opened + int(wait * H) + H, merged_by="mo")


def test_cohorts_and_review_load_by_hand():
    prs, n = [], 0
    for k in range(4):  # four regulars: a first PR in September, five more in November
        n += 1
        prs.append(make(n, f"ret{k}", SEP + k * DAY, 2, "mo"))
        for j in range(5):
            n += 1
            prs.append(make(n, f"ret{k}", NOV + (k * 5 + j) * DAY // 2, 2 + 0.1 * j,
                            "mo" if j < 4 else f"r{k}"))
    for k in range(12):  # twelve newcomers, answered slowly
        n += 1
        prs.append(make(n, f"new{k}", NOV + k * DAY, 30 + k, "mo" if k < 9 else "r0"))
    for j in range(5):  # the maintainer's own PRs, answered by others
        n += 1
        prs.append(make(n, "mo", NOV + j * DAY, 1, f"r{j % 4}"))
    prs.append(make(n + 1, "late", NOV + 35 * DAY, 1, "mo"))  # December: November is whole
    s = Store(":memory:")
    s.upsert_repo(RepoInfo("o/p", "github"))
    s.write_batch("o/p", prs)
    cs = build_case_study(s, Options("o/p", window=1, period_to="2023-11"))
    p = cs.people
    by = {c.name: c for c in p.cohorts}
    assert "merged another author's PR" in p.cohort_rule
    assert (by["first-time contributors"].prs, by["first-time contributors"].authors) == (12, 12)
    assert (by["returning contributors"].prs, by["returning contributors"].authors) == (20, 4)
    assert (by["maintainers"].prs, by["maintainers"].authors) == (5, 1)
    assert by["first-time contributors"].first_response_naive == 35.5 * H  # median of 30..41 h
    assert by["returning contributors"].merge_rate == 1.0
    assert p.newcomer_finding.startswith("First-time contributors wait longer")
    assert any(r.rule == "welcome-newcomers" for r in cs.recommendations)
    # first responses in November: mo 16 + 9 = 25; r0 1 + 3 + 2 (mo's PRs 0 and 4) = 6;
    # r1, r2, r3 two each (a regular's fifth PR and one of mo's) — 37 in all
    assert p.responses == 37 and p.reviewers[0].name == "mo" and p.reviewers[0].responses == 25
    assert p.reviewers[1].name == "r0" and p.reviewers[1].responses == 6
    assert [r.responses for r in p.reviewers[2:]] == [2, 2, 2]
    assert abs(p.top3_share - (25 + 6 + 2) / 37) < 1e-9
    assert p.load_finding.startswith("A few people carry the reviews")


def test_review_load_counts_every_review_where_the_source_has_them():
    from casestudy.model import Review

    s = Store(":memory:")
    s.upsert_repo(RepoInfo("o/p", "github"))
    prs = [make(n, f"a{n % 5}", NOV + n * DAY // 2, 1 + n % 3, "mo" if n % 2 else "r1")
           for n in range(1, 41)]
    prs.append(make(99, "late", NOV + 35 * DAY, 1, "mo"))
    # every PR gets 3 reviews by "mo" and one by a rotating other reviewer
    reviews = [Review("o/p", p.number, "mo", p.first_response_at + k * 60, "COMMENTED")
               for p in prs[:40] for k in range(3)]
    reviews += [Review("o/p", p.number, f"r{p.number % 4}", p.first_response_at + 600,
                       "APPROVED") for p in prs[:40]]
    s.write_batch("o/p", prs, reviews=reviews)
    cs = build_case_study(s, Options("o/p", window=1, period_to="2023-11"))
    p = cs.people
    assert p.reviews == 160
    assert [(r.name, r.reviews) for r in p.reviewers] == [
        ("mo", 120), ("r0", 10), ("r1", 10), ("r2", 10), ("r3", 10)]
    assert p.reviewers[0].responses == 20 and abs(p.top3_share - 140 / 160) < 1e-9
    assert "of the 160 reviews" in p.load_finding
