"""The report never says more than its data: unavailable is not zero, small samples are marked,
stale peers are not ranked, sections appear only when the source measures them, hours are the
authors' own where known — checked in the CaseStudy, the Markdown and the PDF text."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess

import pytest

from casestudy import metrics
from casestudy.analysis.facts import Facts
from casestudy.analysis.findings import finding_sentence
from casestudy.analysis.recommendations import recommend
from casestudy.document import Finding
from casestudy.model import PullRequest
from casestudy.render import render
from casestudy.report.build import Options, build_case_study
from casestudy.sources.git import sync_git
from casestudy.store import RepoInfo, Store
from tests.test_git import commit, git
from tests.test_git_dora import new_repo

DAY = 86400
JAN24 = 1_704_067_200  # 2024-01-01 00:00 UTC


def _prs(repo: str, start: int, months: int, per_month: int, **kw) -> list[PullRequest]:
    out, n = [], 1
    for m in range(months):
        for k in range(per_month):
            t = start + m * 30 * DAY + k * 3600 * 5
            out.append(PullRequest(repo, n, title=f"Change {n}", author=f"dev{n % 7}",
                                   created_at=t, ready_at=t, first_commit_at=t - 7200,
                                   first_response_at=t + 3600, last_approval_at=t + 7200,
                                   merged_at=t + 3 * 3600, closed_at=t + 3 * 3600,
                                   deployed_at=t + DAY, url=f"https://github.com/{repo}/pull/{n}",
                                   **kw))
            n += 1
    return out


def _github_repo(s: Store, repo: str, prs: list[PullRequest]) -> None:
    from casestudy.model import Deployment
    from casestudy.sources.incidents import rebuild_incidents

    s.upsert_repo(RepoInfo(repo, "github"))
    s.write_batch(repo, prs)
    deps = sorted({p.deployed_at for p in prs})
    s.replace_deployments(repo, [Deployment(repo, f"d{t}", t, source="deployments-api")
                                 for t in deps], "deployments")
    rebuild_incidents(s, repo)


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "s.sqlite")


def test_a_peer_that_stopped_a_year_early_is_named_not_ranked(store):
    _github_repo(store, "o/live", _prs("o/live", JAN24, 24, 20))
    _github_repo(store, "o/old", _prs("o/old", JAN24, 10, 20))  # stops in 2024-10
    cs = build_case_study(store, Options("o/live", peers=("o/old",)))
    for m in ("cycle_time", "throughput", "contributors"):
        old = cs.finding(m, "o/old")
        assert old.stale and old.rank is None and old.level is None
        assert "has no data in" in old.sentence and "to 2024-10)" in old.sentence
        live = cs.finding(m, "o/live")
        assert live.of == 1 and live.rank == 1
    md = render(cs, "md")
    assert "Merged PRs 0" not in md and "no data in the window" in md
    assert "20 PRs/month" in md or "PRs/month" in md
    assert "authors" in cs.finding("contributors").level_text


def test_squash_only_git_repo_says_what_is_unavailable_and_why(tmp_path):
    r = new_repo(tmp_path, "sq", JAN24)
    for k in range(1, 40):
        commit(r, f"Change {k} (#{k})", JAN24 + k * DAY, author="Rin <rin@example.jp>")
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    cs = build_case_study(s, Options("octo/sq"))
    for key in ("deploy_frequency", "change_failure_rate", "time_to_restore", "deploy"):
        f = cs.finding(key)
        assert not f.visible and f.rank is None
        assert "no release tags were found" in f.sentence
    assert "no deployments" not in cs.headline.lower() and "infrequent" not in cs.headline.lower()
    assert all(w.metric not in ("deploy_frequency", "change_failure_rate")
               for w in cs.weaknesses + cs.strengths)
    assert "Most discussed" not in cs.notable_prs  # a clone has no comments
    # lines changed come from the clone itself (numstat): "Largest" is real, one line each
    assert [p.value_text for p in cs.notable_prs["Largest"]] == ["1 line"] * 3
    md = render(cs, "md")
    assert "0 comments" not in md and "0 lines" not in md
    assert "(#" not in "".join(p.title for ps in cs.notable_prs.values() for p in ps)
    assert "@Rin" not in md  # a git author is a name, not a login
    # a table with nothing in it collapses to one sentence
    assert "No cycle time data in any period" in md
    assert md.count("| – |") < 10


def test_months_with_one_pr_are_marked_and_do_not_drive_trends(store):
    prs = _prs("o/thin", JAN24, 12, 1)  # one merged PR a month
    _github_repo(store, "o/thin", prs)
    cs = build_case_study(store, Options("o/thin"))
    pts = cs.series_for("cycle_time", "o/thin").points
    assert pts and all(p.small for p in pts if p.n == 1)
    f = cs.finding("cycle_time")
    assert f.too_few and f.trend_text == "too few PRs" and f.episode is None
    assert "cycle time" not in cs.headline.lower()
    assert all(s.metric != "cycle_time" for s in cs.strengths + cs.weaknesses)
    md = render(cs, "md")
    assert "(n=1)†" in md and "† fewer than 10 PRs" in md


def test_bots_only_repo_builds_and_says_bots_are_excluded(store):
    _github_repo(store, "o/bots", _prs("o/bots", JAN24, 6, 30, author_is_bot=True))
    cs = build_case_study(store, Options("o/bots"))
    assert "Bots are excluded" in cs.summary and "merged 0 PRs" in cs.summary
    assert cs.finding("cycle_time").n == 0 and cs.finding("cycle_time").too_few
    assert "cycle time" not in cs.headline.lower()
    incl = build_case_study(store, Options("o/bots", bots="include"))
    assert "Bots are included" in incl.summary


def test_author_offsets_put_the_peak_at_the_local_hour(tmp_path):
    r = new_repo(tmp_path, "tokyo", JAN24)
    for k in range(1, 80):  # merged at 01:00 UTC on weekdays = 10:00 in Tokyo (+09:00)
        t = JAN24 + k * DAY + 3600
        wd = (t // DAY + 3) % 7
        if wd >= 5:
            continue
        f = r / "file.txt"
        f.write_text(f.read_text() + f"{k}\n")
        git(r, "add", "file.txt")
        env_date = f"@{t} +0900"
        subprocess.run(["git", "-C", str(r), "commit", "-q", "-m", f"Change {k} (#{k})"],
                       env={"GIT_AUTHOR_DATE": env_date, "GIT_COMMITTER_DATE": env_date,
                            "GIT_AUTHOR_NAME": "Aki", "GIT_AUTHOR_EMAIL": "aki@x.jp",
                            "GIT_COMMITTER_NAME": "Aki", "GIT_COMMITTER_EMAIL": "aki@x.jp",
                            "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1",
                            "PATH": "/usr/bin:/bin"}, check=True)
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    assert {p.author_utc_offset for p in s.pull_requests("octo/tokyo")} == {9 * 3600}
    cs = build_case_study(s, Options("octo/tokyo", tz="UTC"))
    # one busiest-hour statement: the rhythm section's peak on the merger's own clock holds
    # 10:00 local; the work pattern names the busiest day and points there, not a second hour
    start = int(cs.rhythm.peaks["merges"][:2])
    assert start <= 10 < start + 4
    assert "busiest on" in cs.work_pattern.text and "peak hours: see Work rhythm" in \
        cs.work_pattern.text and ":00;" not in cs.work_pattern.text
    assert "over the report period (2024-01 to 2024-03)" in cs.work_pattern.text
    assert "each author's own" in cs.work_pattern.text
    # a GitHub-style repo (UTC times only) says which zone, and the off-hours rule stays quiet
    s2 = Store(tmp_path / "g.sqlite")
    night = [p for p in _prs("o/night", JAN24 + 22 * 3600, 6, 40)]
    _github_repo(s2, "o/night", night)
    cs2 = build_case_study(s2, Options("o/night"))
    assert "the report's time zone" in cs2.work_pattern.text
    assert cs2.options["facts"]["off_hours_share"] is None
    assert not any(x.rule == "off-hours-load" for x in cs2.recommendations)


BAD = [re.compile(p) for p in (
    r"\b1 (PRs|authors|comments|lines|reverts|failures|incidents|deployments)\b",
    r"\binclude;", r"\bnan\b", r"\bNone\b", r"\binf\b", r"\b0 comments\b", r"\b0 lines\b",
    r"\(n = 0\)", r"\.\.", r" ,", r"  ")]


def _check(text: str) -> None:
    for p in BAD:
        assert not p.search(text), (p.pattern, text)


def test_every_sentence_template_reads_right():
    """Render every finding and recommendation template over generated cases."""
    levels = {"duration": [None, 0.0, 60.0, 3 * 3600.0, 9 * DAY],
              "share": [None, 0.0, 0.01, 0.4, 1.0], "deploy": [None, 0.0, 0.5, 7.0],
              "count": [None, 0.0, 1.0, 2.0, 70.0]}
    n_seen = 0
    for m in metrics.METRICS:
        for level, n, change, trend, stale in itertools.product(
                levels[m.kind], (0, 1, 2, 10, 1234), (None, -0.5, 0.0, 0.3),
                ("improving", "worsening", "steady", "insufficient"), (False, True)):
            f = Finding(m.key, "o/r", ["2024-01", "2024-02"], n, level,
                        metrics.format_value(m, level), change=change, trend=trend,
                        p_value=0.01 if trend != "steady" else 0.4, previous=0.0 if
                        change is None else 1.0, too_few=n < 10, stale=stale,
                        ci_low=level, ci_high=level, rank=1 if n >= 10 else None, of=2,
                        sentence="o/r has no data in 2024-01 to 2024-02." if stale else "")
            text = finding_sentence(m, f)
            _check(text)
            n_seen += 1
    assert n_seen > 1000
    # recommendations over facts at their edges
    for k in (1, 2, 12):
        facts = {"waiting_over_week_share": 0.3, "waiting_over_week": k,
                 "top3_response_share": 0.8, "responses": k * 10, "responders": k + 3,
                 "size_cycle_ratio": 3.0, "large_pr_lines": 500.0, "small_pr_lines": 10.0,
                 "large_pr_cycle": 9 * DAY, "small_pr_cycle": DAY, "reverts": k,
                 "revert_share": 0.05, "quick_reverts": k + 2, "stale_prs": 10 + k,
                 "open_prs": 20 + k, "stale_share": 0.5, "off_hours_share": 0.5,
                 "peak_hour": 23, "bugfix_title_only_share": 0.7, "ml_title_share": 0.2,
                 "ci_jobs": 30, "ci_clusters": k, "ci_kept": k + 2, "ci_recall": 0.96,
                 "ci_minutes_saved": 900.0, "ci_saved_share": 0.4, "ci_failed_prs": k}
        fs = [Finding(m.key, "o/r", ["2024-01"], 500, 9 * DAY if m.kind == "duration" else 0.5,
                      "x", sentence=f"{m.name} sentence.", trend="worsening")
              for m in metrics.METRICS]
        recs = recommend(fs, "o/r", Facts("o/r", **facts))
        assert len(recs) >= 10
        for r in recs:
            _check(r.evidence)


def test_pdf_of_a_thin_git_repo_reads_back(tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext missing")
    r = new_repo(tmp_path, "thin", JAN24)
    for k in range(1, 15):
        commit(r, f"Change {k} (#{k})", JAN24 + k * 9 * DAY, author="Rin <rin@example.jp>")
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    pdf = render(build_case_study(s, Options("octo/thin")), "pdf")
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "no release tags were found" in text
    assert "0 comments" not in text and "@Rin" not in text
    assert "Infrequent deployments" not in text


def test_app_pages_on_a_thin_git_repo_and_a_stale_peer(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    r = new_repo(tmp_path, "sq2", JAN24)
    for k in range(1, 40):
        commit(r, f"Change {k} (#{k})", JAN24 + k * DAY, author="Rin <rin@example.jp>")
    db = tmp_path / "app.sqlite"
    s = Store(db)
    sync_git(s, r)
    _github_repo(s, "o/old", _prs("o/old", JAN24 - 400 * DAY, 6, 20))  # ends a year early
    monkeypatch.setenv("CASESTUDY_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["repo"] = "octo/sq2"
    at.query_params["peers"] = "o/old"
    at.run()
    assert not at.exception and at.title[0].value == "octo/sq2"
    shown = {t.label.split(" · ")[0] for t in at.metric}
    assert "Deployment frequency" not in shown and "First response time" not in shown
    for page in ("metrics", "compare", "pull_requests", "recommendations"):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
    at.switch_page("app_pages/compare.py").run()
    text = " ".join(str(x.value) for x in at.markdown) + " ".join(
        str(d.value) for d in at.dataframe)
    assert "no data in the window" in text
