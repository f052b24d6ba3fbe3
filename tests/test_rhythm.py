"""Work rhythm (issue 18): commits as records from git, coding sessions by the gap rule (hand
counted) and by the hidden Markov model (planted sessions), peak hours on the authors' own
clocks, review timing, and the velocity trend tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from casestudy.analysis import peak_hours, sessions, velocity
from casestudy.core import hmm
from casestudy.core.periods import make_calendar
from casestudy.document import VelocityPoint
from casestudy.model import Commit, PullRequest
from casestudy.sources.files import export_tables, import_tables
from casestudy.sources.git import sync_git
from casestudy.store import RepoInfo, Store

T0 = 1_698_796_800  # 2023-11-01 00:00 UTC
H, DAY = 3600, 86400


def planted(seed: int, authors: int = 60, sessions_each: int = 30):
    """Commit streams with planted sessions: gaps of minutes inside a session, 45 min to 2 days
    (log-uniform) between sessions — so a fixed 2 h rule misses the short breaks. Returns
    (times per author, the true "break" flag of every gap)."""
    rng = np.random.default_rng(seed)
    streams, truth = [], []
    for _ in range(authors):
        t, times = T0 + int(rng.integers(0, DAY)), []
        for _ in range(sessions_each):
            for _ in range(int(rng.integers(2, 9))):
                times.append(t)
                truth.append(False)
                t += int(rng.lognormal(np.log(15 * 60), 0.6))
            truth[-1] = True  # the session's last commit is followed by a break
            t += int(np.exp(rng.uniform(np.log(45 * 60), np.log(2 * DAY))))
        truth.pop()  # an author's last commit ends no gap
        streams.append(np.array(times, dtype=np.int64))
    return streams, np.array(truth)


def arrays(store: Store, repo: str, streams: list[np.ndarray], offset: int = 0) -> None:
    store.upsert_repo(RepoInfo(repo, "import"))
    store.write_batch(repo, commits=[
        Commit(repo, f"{a:04d}{i:08d}", int(t), None, f"dev{a}", False, offset)
        for a, times in enumerate(streams) for i, t in enumerate(times)])


def test_hmm_decodes_planted_sessions():
    streams, truth = planted(7)
    times = np.concatenate(streams)
    bounds = np.concatenate([[0], np.cumsum([s.size for s in streams])]).astype(np.int64)
    gaps, gap_bounds, _ = sessions.gaps_of(times, bounds)
    model, states = sessions.decode_breaks(gaps, gap_bounds)
    assert model.converged
    assert np.exp(model.mean[0]) < 3600 < np.exp(model.mean[1])
    agreement = float(((states == 1) == truth).mean())
    assert agreement >= 0.9, agreement
    # the model finds the short breaks a fixed two-hour rule misses
    assert agreement > float(((gaps > 2 * H) == truth).mean())
    # and on the same gaps without the long-gap cut, Baum–Welch alone still separates them
    x = np.log(gaps + sessions.GAP_FLOOR)
    whole = hmm.decode(hmm.fit(x, gap_bounds), x, gap_bounds)
    assert float(((whole == 1) == truth).mean()) >= 0.9
    # the same through the analysis: its session count is the planted one, within 10%
    s = Store(":memory:")
    arrays(s, "o/planted", streams)
    c = s.commit_arrays("o/planted")
    cal = make_calendar(T0, int(times.max()))
    res = sessions.analyse(c, cal, 0, cal.n - 1)
    planted_sessions = int(truth.sum()) + len(streams)
    found = sum(p.sessions_hmm for p in res.periods)
    assert abs(found - planted_sessions) <= 0.1 * planted_sessions
    assert res.agreement is not None and res.n_commits == times.size


def test_gap_rule_sessions_against_a_hand_count():
    m = 60
    ann = [T0 + 9 * H, T0 + 9 * H + 20 * m, T0 + 9 * H + 50 * m,  # one session, 50 min
           T0 + 13 * H, T0 + 13 * H + 10 * m]  # 3 h 10 min later: a second one, 10 min
    bob = [T0 + 10 * H]  # a single commit: a session of the allowance only
    s = Store(":memory:")
    arrays(s, "o/hand", [np.array(ann), np.array(bob)])
    s.write_batch("o/hand", commits=[Commit("o/hand", "bot1", T0 + 11 * H, None,
                                            "dependabot[bot]", True, 0)])
    c = s.commit_arrays("o/hand")
    cal = make_calendar(T0, T0 + 20 * DAY)
    nov = cal.index("2023-11")
    res = sessions.analyse(c, cal, nov, nov, gap_minutes=120, allowance_minutes=30)
    p = res.periods[0]
    assert (p.period, p.active_authors, p.commits, p.sessions_gap) == ("2023-11", 2, 6, 3)
    # (50 + 30) + (10 + 30) + 30 minutes = 2.5 h over 2 authors and 30/7 weeks
    assert p.hours_gap == pytest.approx(2.5 / 2 / (30 / 7))
    # a longer gap setting joins Ann's two sessions: 4 h 10 min + 30 min, and Bob's 30 min
    wide = sessions.analyse(c, cal, nov, nov, gap_minutes=240, allowance_minutes=30).periods[0]
    assert wide.sessions_gap == 2 and wide.hours_gap == pytest.approx((4 + 40 / 60 + 0.5)
                                                                     / 2 / (30 / 7))
    assert res.model is None and p.hours_hmm is None  # six commits: no model is fitted


def test_plus_nine_offsets_put_the_peak_at_the_local_hour():
    rng = np.random.default_rng(3)
    days = rng.integers(0, 28, 400)
    local_hour = rng.integers(10, 14, 400)  # 10:00–13:59 on a +09:00 clock = 01:00–04:59 UTC
    times = T0 + days * DAY + (local_hour - 9) * H + rng.integers(0, H, 400)
    s = Store(":memory:")
    streams = [np.sort(times[k::4]) for k in range(4)]
    arrays(s, "o/tokyo", streams, offset=9 * H)
    c = s.commit_arrays("o/tokyo")
    # 40 merges at 01:xx UTC by a +09:00 committer (their clock: 10:xx) of PRs whose authors
    # have no commits: merges go on the merger's clock
    s.write_batch("o/tokyo", [PullRequest("o/tokyo", n, author="visitor", created_at=T0,
                                          merged_at=T0 + (n % 28) * DAY + H + 60 * n,
                                          merged_by="dev0")
                              for n in range(1, 41)])
    a = s.load_arrays(["o/tokyo"])
    cal = make_calendar(T0, T0 + 40 * DAY)
    out = peak_hours.analyse(c, a, s.pr_people("o/tokyo"), 0, T0, T0 + 40 * DAY, cal,
                             np.ones(a.n, bool))
    counts = np.array(out.counts["commits"])
    assert counts[10:14].sum() == 400 and counts[1:5].sum() == 0
    assert out.peaks["commits"][:2] == (10, 400)
    assert "Commits peak at 10:00–14:00 local time (100% of 400)" in out.text
    merges = np.array(out.counts["merges"])
    assert merges[10] == 40 and out.merger_clock == 40
    assert "Merges are on the merger's clock." in out.text


def review_store(inside_wait: int, outside_wait: int, seed: int = 5) -> Store:
    """A repo whose reviewer (in +02:00) has commits, and PRs ready at varied hours that get a
    first response ``inside_wait`` or ``outside_wait`` seconds later, depending on whether they
    became ready inside 09:00–13:00 on a weekday of the reviewer's clock."""
    rng = np.random.default_rng(seed)
    s = Store(":memory:")
    repo = "o/review"
    s.upsert_repo(RepoInfo(repo, "github"))
    off = 2 * H
    commits = [Commit(repo, f"r{i}", T0 + i * DAY + 7 * H + int(rng.integers(0, 4 * H)), None,
                      "rev", False, off) for i in range(60)]
    prs = []
    for n in range(1, 241):
        ready = T0 + int(rng.integers(0, 55 * DAY))
        local = ready + off
        inside = ((local // DAY + 3) % 7 < 5) and 9 <= (local % DAY) // H < 13
        wait = (inside_wait if inside else outside_wait) + int(rng.integers(0, 600))
        prs.append(PullRequest(repo, n, author="dev", created_at=ready, ready_at=ready,
                               first_response_at=ready + wait, first_responder="rev",
                               merged_at=ready + wait + H))
    # responses cluster at 09–13 local, so that is the reviewers' peak
    s.write_batch(repo, prs, commits=commits)
    return s


@pytest.mark.parametrize("outside_wait,significant", [(20 * H, True), (30 * 60, False)])
def test_review_timing_is_a_finding_only_beyond_the_noise(outside_wait, significant):
    s = review_store(30 * 60, outside_wait)
    a = s.load_arrays(["o/review"])
    c = s.commit_arrays("o/review")
    cal = make_calendar(T0, T0 + 70 * DAY)
    pop = np.ones(a.n, bool)
    # the window the analysis uses is the responders' own peak; check the timing against it
    out = peak_hours.analyse(c, a, s.pr_people("o/review"), 0, T0, T0 + 70 * DAY, cal, pop)
    r = out.review
    assert r is not None and r.n_inside + r.n_outside == 240
    assert r.significant is significant
    if significant:
        assert r.median_outside > r.median_inside and "beyond the noise" in r.text
    else:
        assert "within the noise" in r.text


def points(values: list[float]) -> list[VelocityPoint]:
    return [VelocityPoint(f"2024-{i + 1:02d}" if i < 12 else f"2025-{i - 11:02d}", int(v * 10),
                          10, v, None, None, True) for i, v in enumerate(values)]


def test_planted_decline_is_found_and_a_flat_series_is_not():
    rng = np.random.default_rng(11)
    decline = list(5.0 - 0.08 * np.arange(24) + rng.normal(0, 0.25, 24))
    flat = list(4.0 + rng.normal(0, 0.25, 24))
    d_pts, f_pts = points(decline), points(flat)
    d_tr, f_tr = velocity.trends(d_pts), velocity.trends(f_pts)
    per = next(t for t in d_tr if t.measure == "per_author")
    assert per.direction == "falling" and per.p_value < 0.01
    assert per.slope_low <= -0.08 <= per.slope_high
    finding = velocity.decay_finding(d_tr, d_pts)
    assert finding and finding.startswith("Velocity decay") and "Theil–Sen" in finding
    assert next(t for t in f_tr if t.measure == "per_author").direction == "flat"
    assert velocity.decay_finding(f_tr, f_pts) is None
    short = velocity.trends(points(decline[:4]))
    assert short[0].direction == "insufficient"
    assert "too few" in velocity.trend_sentence(short[0])


def _git(repo: Path, *args: str, when: str | None = None, who: str = "Ann <ann@x.org>") -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent)}
    name, email = who.split(" <")
    env.update(GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email.rstrip(">"),
               GIT_COMMITTER_NAME="GitHub", GIT_COMMITTER_EMAIL="noreply@github.com")
    if when:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when
    return subprocess.run(["git", "-C", str(repo), *args], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def _commit(repo: Path, msg: str, when: str, who: str = "Ann <ann@x.org>") -> None:
    name = "".join(ch for ch in msg if ch.isalnum()) + ".txt"  # one file each: no conflicts
    (repo / name).write_text(msg + "\n")
    _git(repo, "add", name)
    _git(repo, "commit", "-q", "-m", msg, when=when, who=who)


def test_git_commits_are_records_with_their_own_clock(tmp_path):
    r = tmp_path / "proj"
    r.mkdir()
    _git(r, "init", "-q", "-b", "main")
    _git(r, "remote", "add", "origin", "https://github.com/octo/proj.git")
    _commit(r, "Initial commit", f"@{T0} +0000")
    _git(r, "checkout", "-q", "-b", "feature")
    _commit(r, "Work one", f"@{T0 + H} +0900", "Bob <bob@x.org>")
    _commit(r, "Work two", f"@{T0 + 2 * H} +0900", "Bob <bob@x.org>")
    _git(r, "checkout", "-q", "main")
    _commit(r, "Direct push", f"@{T0 + 3 * H} -0500")
    _git(r, "merge", "-q", "--no-ff", "feature", "-m", "Merge pull request #7 from bob/feature",
         when=f"@{T0 + 4 * H} +0000")
    _commit(r, "Squashed change (#8)", f"@{T0 + 5 * H} +0100", "Cy <cy@x.org>")
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    got = {c.sha: c for c in s.commits("octo/proj")}
    # independently: every non-merge commit, with git's own author date and offset
    log = _git(r, "log", "--no-merges", "--format=%H|%at|%ai|%an", "main").splitlines()
    assert set(got) == {line.split("|")[0] for line in log} and len(got) == 5
    for line in log:
        sha, at, ai, name = line.split("|")
        z = ai.rsplit(" ", 1)[1]
        offset = (1 if z[0] == "+" else -1) * (int(z[1:3]) * H + int(z[3:5]) * 60)
        c = got[sha]
        assert (c.authored_at, c.author_utc_offset, c.author) == (int(at), offset, name)
    by_msg = {c.author + str(c.authored_at): c for c in got.values()}
    assert by_msg[f"Bob{T0 + H}"].pr == 7 and by_msg[f"Bob{T0 + 2 * H}"].pr == 7
    assert by_msg[f"Cy{T0 + 5 * H}"].pr == 8 and by_msg[f"Ann{T0 + 3 * H}"].pr is None
    assert by_msg[f"Cy{T0 + 5 * H}"].additions == 1  # first-parent commits carry lines
    assert by_msg[f"Bob{T0 + H}"].additions is None  # branch commits are not measured
    prs = {p.number: p for p in s.pull_requests("octo/proj")}
    assert prs[7].merged_by == "Ann" and prs[8].merged_by == ""  # the merge commit's author
    # a re-sync adds nothing; export → import round-trips every field
    sync_git(s, r)
    assert s.count_commits("octo/proj") == 5
    export_tables(s, "octo/proj", tmp_path / "out", "csv")
    s2 = Store(tmp_path / "s2.sqlite")
    import_tables(s2, tmp_path / "out")
    assert sorted(map(vars, s2.commits("octo/proj")), key=lambda d: d["sha"]) == \
        sorted(map(vars, s.commits("octo/proj")), key=lambda d: d["sha"])


def test_clocks_take_the_nearest_commit_even_beside_an_absurd_date():
    """``peak_hours.Clocks``: each person's offset at a time is their nearest commit's; one
    commit dated a thousand years ago (a broken clock) changes nobody else's answer."""
    import numpy as np

    from casestudy.analysis.peak_hours import Clocks
    from casestudy.model import NO_OFFSET, CommitArrays

    day = 86_400
    t0 = 1_700_000_000
    rows = [("a", -31_000_000_000, 3600), ("a", t0, 3600), ("b", t0 - 5 * day, 19_800),
            ("b", t0 + 5 * day, -18_000), ("c", t0, NO_OFFSET)]
    rows.sort(key=lambda r: (r[0], r[1]))
    authors = ["a", "b", "c"]
    c = CommitArrays("o/r", authors, np.array([authors.index(r[0]) for r in rows], np.int32),
                     np.array([r[1] for r in rows], np.int64),
                     np.array([r[2] for r in rows], np.int32), np.full(len(rows), -1),
                     np.zeros(len(rows), np.int64), np.zeros(len(rows), bool))
    clocks = Clocks(c)
    got = clocks.at(["b", "b", "b", "a", "c", "nobody"],
                    np.array([t0 - day, t0 + day, t0, t0 + 9 * day, t0, t0]))
    # b: nearer the first commit, nearer the second, a tie (the earlier one); c has no offset
    assert got.tolist() == [19_800, -18_000, 19_800, 3600, NO_OFFSET, NO_OFFSET]
