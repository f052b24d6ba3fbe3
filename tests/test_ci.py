"""CI insight on planted data: the clusters found are exactly the planted ones, the reduced job
set meets its recall target, the flaky job is found and no other, job names are normalised by
the rule table; the recorded Actions jobs of panjf2000/ants parse and analyse when present; the
section reaches the Markdown, the PDF and the app page."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from casestudy.analysis.ci import analyse, normalise, reduced_set
from casestudy.model import CheckRun
from casestudy.sources.actions_jobs import jobs_to_check_runs
from tests.conftest import ROOT, shared_file

FAMILIES = {"alpha": ["alpha-1", "alpha-2", "alpha-3"], "beta": ["beta-1", "beta-2"],
            "gamma": ["gamma"], "delta": ["delta"]}


def planted(n_prs: int = 600, seed: int = 5) -> list[CheckRun]:
    """Families fail together (a family fails on a PR → all its jobs fail); 'gamma' is flaky
    (a failed first attempt, passed on re-run); 'quiet-*' jobs never fail."""
    rng = np.random.default_rng(seed)
    runs = []
    for pr in range(1, n_prs + 1):
        sha = f"{pr:040x}"
        fam_fail = {f for f, rate in (("alpha", 0.15), ("beta", 0.1), ("delta", 0.05))
                    if rng.random() < rate}
        jobs = [(j, f) for f, js in FAMILIES.items() for j in js] + [
            (f"quiet-{k}", "quiet") for k in range(6)]
        for j, f in jobs:
            t = 1_700_000_000 + pr * 3600
            dur = 600 if not j.startswith("alpha") else 1800
            runs.append(CheckRun("o/r", pr, sha, j, "failure" if f in fam_fail else "success",
                                 t, t + dur))
            if j == "gamma" and rng.random() < 0.1:
                runs[-1].conclusion = "failure"
                runs.append(CheckRun("o/r", pr, sha, j, "success", t + dur, t + 2 * dur,
                                     attempt=2))
    return runs


def test_planted_clusters_reduced_set_and_flaky_job():
    ci = analyse(planted())
    assert sorted(sorted(c) for c in ci.clusters) == [["alpha-1", "alpha-2", "alpha-3"],
                                                      ["beta-1", "beta-2"]]
    assert set(ci.flaky) == {"gamma"} and ci.failures["gamma"] == 0
    assert ci.recall >= 0.95
    # one job per failing family is enough, and cheaper members are preferred
    assert sorted(ci.kept) == ["beta-1", "delta"] or len(ci.kept) == 3
    assert {k[:4] for k in ci.kept} <= {"alph", "beta", "delt"}
    assert ci.minutes_saved > 0.5 * ci.minutes_all
    # phi of two members of a family is 1, across families about 0
    i, j, k = (ci.jobs.index(x) for x in ("alpha-1", "alpha-2", "beta-1"))
    assert ci.phi[i, j] == pytest.approx(1.0) and abs(ci.phi[i, k]) < 0.2
    assert ci.jaccard[i, j] == pytest.approx(1.0)


def test_reduced_set_recall_against_brute_force():
    rng = np.random.default_rng(3)
    failed = rng.random((300, 8)) < np.array([0.2, 0.18, 0.05, 0.05, 0.02, 0.01, 0.0, 0.0])
    cost = np.arange(8, dtype=float) + 1
    kept, recall = reduced_set(failed, cost, 0.9)
    caught = failed.any(axis=1)
    assert recall == pytest.approx(failed[:, kept].any(axis=1).sum() / caught.sum())
    assert recall >= 0.9 and not kept[6] and not kept[7]


def test_job_names_are_normalised_by_the_rule_table():
    assert normalise("test (ubuntu-latest, 3.11)") == "test"
    assert normalise("pytorch-linux-xenial-py3-build") == "pytorch-linux-xenial-py3"
    assert normalise("caffe2_py2_test") == "caffe2_py2"
    assert normalise("linux-test-shard-2-of-4") == "linux"
    assert normalise("cuda_multigpu") == "cuda"
    assert normalise("pytorch_NO_AVX_NO_AVX2") == "pytorch"
    assert normalise("lint") == "lint"


def test_recorded_actions_jobs_parse_and_analyse():
    folder = shared_file("github-api", "devlake_panjf2000-ants")
    jobs = [r["data"] for r in json.loads((folder / "actions_jobs.json").read_text())]
    runs_api = [r["data"] for r in json.loads((folder / "actions_runs.json").read_text())]
    runs = jobs_to_check_runs("panjf2000/ants", jobs, runs_api)
    assert len(runs) == len(jobs) and all(r.started_at and r.completed_at for r in runs)
    assert {r.attempt for r in runs} >= {1}
    ci = analyse(runs)
    assert ci.jobs and ci.n_prs >= 1
    assert all(v > 0 for v in ci.duration_p50.values())


def test_the_demo_story_reaches_markdown_pdf_and_app(demo_store, app_env, tmp_path):
    from casestudy.render import render
    from casestudy.report.build import Options, build_case_study

    cs = build_case_study(demo_store, Options("demo/atlas"))
    assert cs.ci is not None
    assert ["e2e-chrome", "e2e-firefox", "e2e-safari"] in cs.ci.clusters
    assert set(cs.ci.flaky) == {"integration"} and cs.ci.recall >= 0.95
    assert "benchmarks" in cs.ci.dropped  # the slow job that never fails
    rec = next(r for r in cs.recommendations if r.rule == "ci-deduplication")
    assert f"keeping {len(cs.ci.kept)} jobs still catches" in rec.evidence
    md = render(cs, "md")
    assert "## CI insight" in md and "Fail together: `e2e-chrome`" in md
    if shutil.which("pdftotext"):
        (tmp_path / "r.pdf").write_bytes(render(cs, "pdf"))
        text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "CI insight" in text and "Reduced job set for PRs" in text
    peer = build_case_study(demo_store, Options("demo/cirrus"))
    assert peer.ci is None and "no CI check runs" in peer.ci_unavailable
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("app_pages/ci.py").run()
    assert not at.exception
    assert at.title[0].value == "CI insight"
    assert any("Reduced job set" in s.value for s in at.subheader)


def test_time_to_green_against_hand_computed_values():
    from casestudy.sources.checks import time_to_green

    t = 1_700_000_000
    runs = [
        # PR 1: two checks, both green: first start t, last green t + 900
        CheckRun("o/r", 1, "a", "lint", "success", t, t + 300),
        CheckRun("o/r", 1, "a", "test", "success", t + 60, t + 900),
        # PR 2: test failed, re-run green: green when the re-run finished
        CheckRun("o/r", 2, "b", "lint", "success", t, t + 300),
        CheckRun("o/r", 2, "b", "test", "failure", t, t + 600),
        CheckRun("o/r", 2, "b", "test", "success", t + 700, t + 1500, attempt=2),
        # PR 3: still red
        CheckRun("o/r", 3, "c", "test", "failure", t, t + 600),
        # PR 4: an older commit was red, the head commit is green
        CheckRun("o/r", 4, "old", "test", "failure", t, t + 100),
        CheckRun("o/r", 4, "new", "test", "success", t + 200, t + 400),
    ]
    assert time_to_green(runs) == {1: (t, t + 900), 2: (t, t + 1500), 3: (t, None),
                                   4: (t + 200, t + 400)}


def test_time_to_green_is_a_registry_metric_on_the_demo(demo_store):
    from casestudy.report.build import Options, build_case_study

    cs = build_case_study(demo_store, Options("demo/atlas", ("demo/cirrus",)))
    f = cs.finding("time_to_green")
    assert f.visible and f.n > 100 and f.ci_low is not None and f.level > 0
    # against the store: the median of checks_green_at - checks_started_at of PRs green in the
    # window (bots excluded)
    lo_label, hi_label = cs.window[0], cs.window[-1]
    rows = [p for p in demo_store.pull_requests("demo/atlas")
            if p.checks_green_at and not p.author_is_bot
            and lo_label <= _month(p.checks_green_at) <= hi_label]
    assert f.n == len(rows)
    assert f.level == pytest.approx(float(np.median([p.checks_green_at - p.checks_started_at
                                                      for p in rows])))
    peer = cs.finding("time_to_green", "demo/cirrus")
    assert not peer.visible and "no CI check runs" in peer.sentence


def _month(ts: int) -> str:
    return str(np.datetime64(ts, "s").astype("datetime64[M]"))


def test_actions_jobs_synced_over_rest_with_reruns_and_a_cursor(tmp_path):
    from casestudy.sources.github import GitHubClient
    from casestudy.store import Store
    from tests.fakegithub.server import FakeGitHub, generate_repo

    with FakeGitHub(tokens={"t": set()}) as fake:
        repo = fake.add(generate_repo("acme", "ci", 10, seed=1))

        def job(i, run, name, concl, attempt, t):
            return {"id": i, "run_id": run, "run_attempt": attempt, "head_sha": f"sha{run}",
                    "name": name, "conclusion": concl, "started_at": iso(t),
                    "completed_at": iso(t + 300)}

        from tests.fakegithub.server import iso
        t0 = 1_700_000_000
        repo.pr_runs = [
            {"id": 11, "event": "pull_request", "head_sha": "sha11",
             "pull_requests": [{"number": 3}], "jobs": [
                 job(1, 11, "test (3.11)", "failure", 1, t0),
                 job(2, 11, "test (3.11)", "success", 2, t0 + 400),
                 job(3, 11, "lint", "success", 1, t0)]},
            {"id": 12, "event": "pull_request", "head_sha": "sha12",
             "pull_requests": [{"number": 4}], "jobs": [
                 job(4, 12, "test (3.11)", "failure", 1, t0 + 900),
                 job(5, 12, "lint", "failure", 1, t0 + 900)]},
            {"id": 13, "event": "push", "head_sha": "sha13", "pull_requests": [], "jobs": []},
        ]
        s = Store(tmp_path / "s.sqlite")
        client = GitHubClient("t", base_url=fake.base_url, min_interval=None)
        client.sync(s, "acme/ci", actions_jobs=True)
        runs = s.check_runs("acme/ci")
        assert sorted((r.pr, r.name, r.attempt, r.conclusion) for r in runs) == [
            (3, "lint", 1, "success"), (3, "test (3.11)", 1, "failure"),
            (3, "test (3.11)", 2, "success"), (4, "lint", 1, "failure"),
            (4, "test (3.11)", 1, "failure")]
        ci = analyse(runs)
        assert ci.flaky == {"test": 1} and ci.failures == {"lint": 1, "test": 1}
        pr3 = s.pull_requests("acme/ci", [3])[0]
        assert (pr3.checks_started_at, pr3.checks_green_at) == (t0, t0 + 700)
        # a second sync reads the runs list and no jobs again
        fake.log.clear()
        GitHubClient("t", base_url=fake.base_url, min_interval=None).sync(
            s, "acme/ci", actions_jobs=True)
        assert not any("/jobs" in p for p in fake.log)
