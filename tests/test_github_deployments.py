"""Deployments from GitHub: what counts (state, environment, event), re-reading recent ones,
and the recorded real payloads of facebook/OpenBIC (Deployments API) and panjf2000/ants
(Actions runs)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from casestudy.store import Store
from tests.conftest import shared_file
from tests.fakegithub.server import FakeGitHub, generate_repo
from tests.test_github import TOKEN, client

DAY = 86400


@pytest.fixture
def fake():
    with FakeGitHub(tokens={TOKEN: set()}) as f:
        yield f


def _iso_ts(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _dep(k: int, t: int, state: str = "ACTIVE", env: str = "production") -> dict:
    return {"id": f"D_{k}", "createdAt": t, "environment": env, "state": state,
            "commit": {"oid": f"{k:040x}"}}


def test_only_successful_production_deployments_count(fake, tmp_path):
    repo = fake.add(generate_repo("acme", "app", 40, seed=5, with_deployments=False))
    t0 = 1_750_000_000
    repo.deployments = [
        _dep(1, t0, "INACTIVE"), _dep(2, t0 + DAY, "FAILURE"), _dep(3, t0 + 2 * DAY, "ERROR"),
        _dep(4, t0 + 3 * DAY, "INACTIVE", "github-pages"), _dep(5, t0 + 4 * DAY, "ACTIVE", "pr-17"),
        _dep(6, t0 + 5 * DAY, "ABANDONED"), _dep(7, t0 + 6 * DAY, "INACTIVE", "staging"),
        _dep(8, t0 + 7 * DAY, "ACTIVE", "Production"), _dep(9, t0 + 7 * DAY + 600, "PENDING"),
    ]
    s = Store(tmp_path / "s.sqlite")
    r = client(fake).sync(s, "acme/app")
    assert r.deploy_source == "deployments"
    assert [d.id for d in s.deployments("acme/app")] == ["D_1", "D_8"]
    # the pending one succeeds later and a new one arrives: both are picked up on the next sync
    repo.deployments[-1]["state"] = "ACTIVE"
    repo.deployments.append(_dep(10, t0 + 9 * DAY))
    client(fake).sync(s, "acme/app")
    assert [d.id for d in s.deployments("acme/app")] == ["D_1", "D_8", "D_9", "D_10"]
    # a chosen environment is taken as it is, preview or not
    s2 = Store(tmp_path / "s2.sqlite")
    client(fake).sync(s2, "acme/app", deployments="deployments", environment="staging")
    assert [d.id for d in s2.deployments("acme/app")] == ["D_7"]


def _run(k: int, t: int, event: str = "push", conclusion: str = "success",
         branch: str = "main") -> dict:
    return {"id": k, "created_at": datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "head_sha": f"{k:040x}", "head_branch": branch, "event": event,
            "conclusion": conclusion}


def test_workflow_runs_skip_pull_request_runs_failures_and_other_branches(fake, tmp_path):
    repo = fake.add(generate_repo("acme", "svc", 30, seed=6, with_deployments=False))
    t0 = 1_750_000_000
    runs = [_run(k, t0 + k * 3600) for k in range(1, 151)]  # two pages of 100
    runs += [_run(1001, t0, "pull_request"), _run(1002, t0, "pull_request_target"),
             _run(1003, t0, conclusion="failure"), _run(1004, t0, branch="feature"),
             _run(1005, t0, "workflow_dispatch"), _run(1006, t0, "schedule")]
    repo.runs["deploy.yml"] = sorted(runs, key=lambda r: r["created_at"], reverse=True)
    s = Store(tmp_path / "s.sqlite")
    r = client(fake).sync(s, "acme/svc", deployments="workflow", workflow="deploy.yml")
    ids = {d.id for d in s.deployments("acme/svc")}
    assert r.deploy_source == "workflow"
    assert ids == {f"run-{k}" for k in [*range(1, 151), 1005, 1006]}


def test_recorded_openbic_deployments(fake, tmp_path):
    """Seven real Deployments API nodes of facebook/OpenBIC: all to github-pages (its docs), so
    they are not production deployments unless that environment is asked for."""
    rows = json.loads(shared_file("github-api", "devlake_facebook-OpenBIC",
                                  "deployments_graphql.json").read_text())
    nodes = [r["data"] for r in rows]
    repo = fake.add(generate_repo("facebook", "OpenBIC", 20, seed=8, with_deployments=False))
    repo.deployments = [{"id": n["Id"], "createdAt": _iso_ts(n["CreatedAt"]),
                         "environment": n["Environment"], "state": n["State"],
                         "commit": {"oid": n["Commit"]["Oid"]}} for n in nodes]
    s = Store(tmp_path / "s.sqlite")
    r = client(fake).sync(s, "facebook/OpenBIC")
    assert r.deploy_source != "deployments"
    s2 = Store(tmp_path / "s2.sqlite")
    client(fake).sync(s2, "facebook/OpenBIC", deployments="deployments",
                      environment="github-pages")
    got = {d.id: (d.created_at, d.sha, d.environment) for d in s2.deployments("facebook/OpenBIC")}
    assert got == {n["Id"]: (_iso_ts(n["CreatedAt"]), n["Commit"]["Oid"], "github-pages")
                   for n in nodes}
    assert len(got) == 7  # ACTIVE and INACTIVE (superseded) deployments both happened


def test_recorded_ants_workflow_runs(fake, tmp_path):
    """Real Actions runs of panjf2000/ants (2022): the CodeQL workflow's successful runs on
    master are 10 scheduled and 1 push; its pull-request runs on master are not deployments."""
    rows = json.loads(shared_file("github-api", "devlake_panjf2000-ants",
                                  "actions_runs.json").read_text())
    runs = [r["data"] for r in rows if r.get("data")]
    repo = fake.add(generate_repo("panjf2000", "ants", 20, seed=9, with_deployments=False))
    repo.default_branch = "master"
    for run in runs:
        repo.runs.setdefault(run["path"].rsplit("/", 1)[-1], []).append(run)
    s = Store(tmp_path / "s.sqlite")
    client(fake).sync(s, "panjf2000/ants", deployments="workflow", workflow="codeql.yml")
    deps = s.deployments("panjf2000/ants")
    assert len(deps) == 11
    by_id = {f"run-{r['id']}": r for r in runs}
    for d in deps:
        run = by_id[d.id]
        assert (run["event"], run["conclusion"], run["head_branch"]) in (
            ("schedule", "success", "master"), ("push", "success", "master"))
        assert d.sha == run["head_sha"] and d.created_at == _iso_ts(run["created_at"])


def test_tags_time_annotated_by_tagger_lightweight_by_commit(fake, tmp_path):
    repo = fake.add(generate_repo("acme", "lib", 20, seed=9, with_deployments=False))
    t0 = 1_750_000_000
    repo.tags = [
        {"name": "v1.0.0", "oid": "a" * 40, "date": t0},  # lightweight
        {"name": "v1.1.0", "oid": "b" * 40, "date": t0 + DAY, "tagged": t0 + 3 * DAY},
        {"name": "v1.2.0rc1", "oid": "c" * 40, "date": t0 + 4 * DAY, "tagged": t0 + 4 * DAY},
    ]
    s = Store(tmp_path / "s.sqlite")
    r = client(fake).sync(s, "acme/lib", deployments="tags")
    assert r.deploy_source == "tags"
    assert [(d.id, d.created_at) for d in s.deployments("acme/lib")] == [
        ("v1.0.0", t0), ("v1.1.0", t0 + 3 * DAY)]  # the tagger date, offset and all
    # a later sync from another source replaces the tags instead of adding to them
    repo.deployments = [_dep(1, t0 + 5 * DAY)]
    client(fake).sync(s, "acme/lib", deployments="deployments")
    assert [d.id for d in s.deployments("acme/lib")] == ["D_1"]
    assert s.repo_info("acme/lib").deploy_source == "deployments"
