"""Claims are data and pass a gate before they are said (issue #27): each gate rule on
constructed evidence, the demo report and a real git repository with no contradictions, no
advice to adopt what the audit finds, the sanity check before a PR is spotlighted, and the JSON
round trip of claims, evidence and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from casestudy.analysis import gate
from casestudy.document import CaseStudy, Claim, Evidence
from casestudy.model import PullRequest
from casestudy.render import render
from casestudy.report.build import Options, build_case_study
from casestudy.sources.git import sync_git
from casestudy.store import Store
from tests.test_git import git
from tests.test_git_dora import new_repo, tag
from tests.test_report_honesty import DAY, JAN24, _github_repo, _prs

# -- the gate on constructed evidence -----------------------------------------------------

def ev(metric: str = "deploy_frequency", **kw) -> Evidence:
    base = dict(repo="o/r", window=["2026-08", "2026-10"], value=1.0, value_text="1.0/week",
                n=40, min_n=10)
    return Evidence(metric, **{**base, **kw})


def claim(kind: str, polarity: str, e: Evidence, title: str = "A claim", text: str = "",
          words: tuple[str, ...] = ()) -> Claim:
    return Claim(metric=e.metric, title=title, text=text or title, kind=kind, polarity=polarity,
                 words=list(words), evidence=[e], key=f"{kind}:{e.metric}")


def test_a_strength_in_band_low_is_refused_whatever_else_it_has():
    c = claim("strength", "positive", ev(band="Low", rank=1, of=2, peers_with_data=["o/p"]),
              "Frequent deployments")
    assert "band Low" in gate.refusal(c)


def test_a_strength_needs_a_strong_band_a_favourable_trend_or_rank_one_against_peers():
    assert gate.refusal(claim("strength", "positive", ev(band="High"))) == ""
    assert gate.refusal(claim("strength", "positive", ev(
        trend="improving", favourable=True, p_value=0.001))) == ""
    assert gate.refusal(claim("strength", "positive", ev(
        rank=1, of=3, peers_with_data=["o/p", "o/q"]))) == ""
    # steady, no band, second of three: "excels" has nothing to rest on
    steady = ev("deploy", trend="steady", p_value=0.6, rank=2, of=3, peers_with_data=["o/p"])
    assert "no band Elite/High" in gate.refusal(claim("strength", "positive", steady))
    # rank 1 of 2 where the peer had no data is no comparison
    alone = ev(rank=1, of=2, peers_with_data=[])
    assert gate.refusal(claim("strength", "positive", alone)) != ""
    # an improving trend inside the noise is not a trend
    assert gate.refusal(claim("strength", "positive", ev(
        trend="improving", favourable=True, p_value=0.3))) != ""


def test_a_weakness_mirrors_a_strength():
    assert "band Elite" in gate.refusal(claim("weakness", "negative", ev(band="Elite")))
    first = ev("first_response", rank=1, of=2, peers_with_data=["o/p"], trend="worsening",
               favourable=False, p_value=0.01)
    assert "ranks 1 of 2" in gate.refusal(claim("weakness", "negative", first))
    assert gate.refusal(claim("weakness", "negative", ev(band="Low"))) == ""
    assert gate.refusal(claim("weakness", "negative", ev(
        "review", trend="worsening", favourable=False, p_value=0.01))) == ""
    assert gate.refusal(claim("weakness", "negative", ev(
        "review", rank=3, of=3, peers_with_data=["o/p", "o/q"]))) == ""
    assert gate.refusal(claim("weakness", "negative", ev(
        "bugfix_share", value=0.4, threshold=0.3))) == ""
    assert gate.refusal(claim("weakness", "negative", ev("review", trend="steady"))) != ""


def test_comparative_words_need_their_evidence():
    low = ev(band="Low")
    head = claim("headline", "neutral", low, "Frequent deployments")
    assert "'frequent'" in gate.refusal(head)
    assert gate.words_in("Frequent deployments, infrequent deployments") == [
        "frequent", "infrequent"]
    flat = ev("velocity", trend="flat", p_value=0.4, min_n=0)
    assert "rising trend" in gate.refusal(claim("summary", "neutral", flat,
                                                "Output per active author is rising."))
    assert gate.refusal(claim("summary", "neutral", flat,
                              "Output per active author holds steady.")) == ""
    noisy = ev("velocity", trend="falling", p_value=0.2, favourable=False, min_n=0)
    assert "falling trend" in gate.refusal(claim("summary", "neutral", noisy,
                                                 "Output per author fell (velocity decay)."))
    assert gate.refusal(claim("weakness", "negative", noisy, "Velocity decay")) != ""
    # "excels" in a verdict whose finding is steady, unbanded and not first
    steady = ev("deploy", trend="steady", p_value=0.7, rank=2, of=3, peers_with_data=["o/p"])
    v = claim("verdict", "neutral", steady, "Excels in deploy time",
              "o/r excels in deploy time: … within the noise, steady.", words=("excels",))
    assert "'excels'" in gate.refusal(v)


def test_nothing_rests_on_unavailable_data_or_too_small_n():
    assert "cannot show" in gate.refusal(claim("strength", "positive",
                                               ev(band="Elite", visible=False)))
    assert "below the minimum" in gate.refusal(claim("weakness", "negative",
                                                     ev(band="Low", n=4)))
    assert "below the minimum" in gate.refusal(claim("summary", "neutral",
                                                     ev(too_few=True), "A median."))


def test_no_two_claims_contradict():
    s = claim("strength", "positive", ev("first_response", band=None, trend="improving",
                                         favourable=True, p_value=0.01))
    w = claim("weakness", "negative", ev("first_response", rank=3, of=3,
                                         peers_with_data=["a", "b"]))
    assert "already a strength" in gate.conflict(w, [s])
    other = claim("summary", "neutral", ev("first_response", value=99.0, value_text="99 h",
                                           trend="improving", favourable=True,
                                           p_value=0.01), "It waited 99 h.")
    assert "quoted as 99 h" in gate.conflict(other, [s])
    assert [c.refused != "" for c in gate.judge([s, w])] == [False, True]


def rec(**kw):
    from casestudy.document import Recommendation

    base = dict(rule="r", title="Do a thing", evidence="Because.", action="Act.",
                effect="Better.", reference="Accelerate (Forsgren, Humble, Kim, 2018)",
                metric="bugfix_share", triggers=[ev("bugfix_share", value=0.3)],
                checked=["Practice audit at HEAD: 3 of 4 in place"])
    return Recommendation(**{**base, **kw})


def test_recommendations_are_gated_on_the_whole_report():
    ctx = gate.Context(practices={"tests", "ci"}, signals={"issue_template": [
        ".github/ISSUE_TEMPLATE/bug.md"]}, sees={"deployments"}, project="library", ml=False,
        strengths={"deploy"})
    assert gate.recommendation_refusal(rec(), ctx) == ""
    assert "no fact" in gate.recommendation_refusal(rec(triggers=[]), ctx)
    assert "counter-evidence" in gate.recommendation_refusal(rec(checked=[]), ctx)
    assert "strength" in gate.recommendation_refusal(rec(metric="deploy"), ctx)
    assert "finds at HEAD" in gate.recommendation_refusal(rec(needs_missing=["tests"]), ctx)
    assert "exists at HEAD" in gate.recommendation_refusal(
        rec(needs_missing=["issue_template"]), ctx)
    assert "no practice audit" in gate.recommendation_refusal(
        rec(needs_missing=["tests"]), gate.Context())
    assert "labels" in gate.recommendation_refusal(rec(needs_source=["labels"]), ctx)
    assert "not an ML project" in gate.recommendation_refusal(rec(ml_only=True), ctx)
    assert "service" in gate.recommendation_refusal(
        rec(action="Spread on-call duty across time zones."), ctx)
    assert "every merge" in gate.recommendation_refusal(
        rec(action="Cut releases on every merge."), ctx)
    assert "reviews" in gate.recommendation_refusal(
        rec(action="Compare PR size, review waits and CI time then and now."), ctx)
    assert "file path" in gate.recommendation_refusal(
        rec(reference="Case study (reference/pytorch-case-study.txt)"), ctx)
    service = gate.Context(sees={"reviews", "checks"}, project="service")
    assert gate.recommendation_refusal(
        rec(action="Spread on-call duty; compare review waits and CI time."), service) == ""


# -- the demo report ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_report(demo_store) -> CaseStudy:
    return build_case_study(demo_store, Options("demo/atlas",
                                                peers=("demo/borealis", "demo/cirrus")))


def test_the_demo_report_has_no_contradictions(demo_report):
    cs = demo_report
    assert gate.contradictions(cs) == []
    kinds = {c.kind for c in cs.claims}
    assert {"headline", "verdict", "strength", "weakness", "summary"} <= kinds
    for c in cs.passed("strength") + cs.passed("weakness"):
        assert c.evidence and c.evidence[0].metric == c.metric
    # what is shown is what passed, and the refused are listed as claims not made
    assert [s.title for s in cs.strengths] == [c.title for c in cs.passed("strength")]
    md = render(cs, "md")
    assert "## Claims not made" in md
    for c in cs.refused:
        assert f"**{c.title}.**" not in md
    for r in cs.recommendations:
        assert r.triggers and r.checked and not r.needs_missing  # no audit: nothing to adopt
        assert "/" not in r.reference and ".txt" not in r.reference
    assert {r.rule for r in cs.refused_recommendations} >= {"automated-tests"}


def test_claims_and_refusals_survive_json(demo_report):
    back = CaseStudy.from_json(demo_report.to_json())
    assert back.to_dict()["claims"] == demo_report.to_dict()["claims"]
    assert back.to_dict()["refused_claims"] == demo_report.to_dict()["refused_claims"]
    assert back.refused and all(c.refused for c in back.refused)
    assert not any(c.refused for c in back.claims)
    assert back.to_dict()["recommendations"] == demo_report.to_dict()["recommendations"]
    assert back.refused_recommendations[0].refused == \
        demo_report.refused_recommendations[0].refused
    assert isinstance(back.claims[0].evidence[0], Evidence)
    assert gate.contradictions(back) == []


# -- a real git repository: what the audit finds is never advised ---------------------------

def _write(r: Path, path: str, text: str) -> None:
    f = r / path
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(text)


def test_a_library_is_never_told_to_adopt_what_it_has(tmp_path):
    r = new_repo(tmp_path, "lib", JAN24)
    _write(r, "tests/test_core.py", "def test_ok():\n    assert True\n")
    _write(r, ".github/workflows/ci.yml", "on: [push]\n")
    _write(r, ".github/ISSUE_TEMPLATE/bug.md", "Steps to reproduce\n")
    _write(r, "requirements.txt", "requests==2.0\n")
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "Scaffolding", when=JAN24 + 3600)
    k = 0
    for month in range(8):
        for j in range(16):
            k += 1
            t = JAN24 + month * 30 * DAY + j * DAY + 7200
            _write(r, "lib.py", f"x = {k}\n")
            title = f"Fix crash in parser {k}" if j % 2 else f"Add feature {k}"
            git(r, "add", "-A")
            git(r, "commit", "-q", "-m", f"{title} (#{k})", when=t)
        tag(r, f"v1.{month}.0", JAN24 + month * 30 * DAY + 20 * DAY)
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    cs = build_case_study(s, Options("octo/lib"))
    assert cs.project["kind"] == "library" and cs.project["ml"] is False
    assert cs.practices.signals["issue_template"] == [".github/ISSUE_TEMPLATE/bug.md"]
    assert gate.contradictions(cs) == []
    said = {x.rule for x in cs.recommendations}
    assert not said & {"automated-tests", "bug-report-template", "set-up-ci",
                       "lock-environment", "ml-data-test-practices", "ml-practice-gaps"}
    refused = {x.rule: x.refused for x in cs.refused_recommendations}
    assert "finds at HEAD" in refused["automated-tests"]
    assert "bug-report-template" in refused
    for x in cs.recommendations:
        assert "every merge" not in x.action and "on-call" not in x.action
        assert any(line.startswith("Project: a library") for line in x.checked)
    md = render(cs, "md")
    assert "Adopt a bug-report template" not in md.split("## Claims not made")[0]


# -- sanity before spotlight ----------------------------------------------------------------

def test_a_reapplied_commit_is_not_spotlighted_as_slow(tmp_path):
    s = Store(tmp_path / "s.sqlite")
    prs = _prs("o/re", JAN24, 10, 20)
    last = prs[150]  # inside the latest window (the last month is partial)
    # re-landed in the latest window with a first author date five years before it was opened
    planted = PullRequest("o/re", 9999, title="Re-apply an old fix", author="lander",
                          created_at=last.created_at, ready_at=last.created_at,
                          first_commit_at=last.created_at - 5 * 365 * DAY,
                          first_response_at=last.created_at + 3600,
                          last_approval_at=last.created_at + 7200,
                          merged_at=last.created_at + 3 * 3600,
                          closed_at=last.created_at + 3 * 3600, deployed_at=last.deployed_at,
                          url="https://github.com/o/re/pull/9999")
    _github_repo(s, "o/re", [*prs, planted])
    cs = build_case_study(s, Options("o/re"))
    slow = [p.number for p in cs.notable_prs["Slowest merged"]]
    assert 9999 not in slow and slow
    left = cs.notable_prs["Left out of the slowest (re-applied commits)"]
    assert [p.number for p in left] == [9999] and "re-applied commit" in left[0].why
    assert left[0].author == "lander"  # credited to the PR's author
    # the figure itself is unchanged: the PR still counts in the cycle time
    f = cs.finding("cycle_time")
    assert f.n == sum(1 for p in [*prs, planted]
                      if cs.window[0] <= _month(p.merged_at) <= cs.window[-1])
    # examples are typical PRs near the median, labelled so
    for p in f.examples:
        assert p.number != 9999 and p.why.startswith("typical: near the median")
    assert all(9999 != p.number for p in cs.executive.prs)


def _month(t: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m")
