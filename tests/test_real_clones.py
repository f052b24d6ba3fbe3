"""Real history, end to end (``make validate``, not the default suite): ``casestudy sync-git``
and ``casestudy report`` over real clones, and the DORA figures checked for sense.

Clones come from ``$CASESTUDY_CLONES`` (``owner/name=PATH`` separated by spaces) or, when unset,
the snapshots the ``fetch`` tool leaves in ``/work/.mirror/<owner>+<name>/repo``; each missing
one is skipped. A snapshot is a bare repository: the git source reads it as it is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from casestudy.sources.releases import is_prerelease

pytestmark = pytest.mark.real
WANTED = ("psf/requests", "pytorch/tnt", "Homebrew/brew", "numpy/numpy", "denoland/deno")
YEARS_3 = 3 * 365 * 86400


def _clones() -> dict[str, Path]:
    env = os.environ.get("CASESTUDY_CLONES", "")
    if env:
        pairs = (x.split("=", 1) for x in env.split() if "=" in x)
        return {name: Path(p) for name, p in pairs}
    mirror = Path("/work/.mirror")
    return {name: mirror / name.replace("/", "+") / "repo" for name in WANTED}


CLONES = _clones()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "casestudy", *args], capture_output=True,
                          text=True, timeout=1200)


@pytest.mark.parametrize("name", sorted(CLONES))
def test_real_clone_report_makes_sense(name, tmp_path):
    path = CLONES[name]
    if not (path / "HEAD").exists() and not (path / ".git").exists():
        pytest.skip(f"no clone of {name} at {path}")
    db = str(tmp_path / "s.sqlite")
    r = cli("sync-git", str(path), "--repo", name, "--db", db)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    out = tmp_path / "r.json"
    r = cli("report", name, "--db", db, "--format", "json", "--out", str(out))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    cs = json.loads(out.read_text())
    r = cli("report", name, "--db", db, "--format", "md")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr

    series = {(s["metric"], s["repo"]): s["points"] for s in cs["series"]}
    for key in ("cycle_time", "lead_time", "coding", "deploy", "time_to_restore"):
        for p in series[(key, name)]:
            assert p["value"] is None or 0 <= p["value"] < YEARS_3, (key, p)
    for p in series[("change_failure_rate", name)]:
        assert p["value"] is None or 0.0 <= p["value"] <= 1.0, p
    # every month with a release tag has deployments > 0
    tags = subprocess.run(["git", "-C", str(path), "for-each-ref", "refs/tags",
                           "--format=%(refname:short)|%(creatordate:format-local:%Y-%m)"],
                          capture_output=True, text=True, env={**os.environ, "TZ": "UTC"},
                          check=True).stdout.split()
    months = {t.split("|")[1] for t in tags if "|" in t and not is_prerelease(t.split("|")[0])}
    freq = {p["period"]: p for p in series[("deploy_frequency", name)]}
    for month in months & set(freq):
        assert freq[month]["n"] > 0 and (freq[month]["value"] or 0) > 0, month
    for f in cs["findings"]:
        assert "nan" not in f["sentence"] and "inf" not in f["sentence"].split(), f["sentence"]
    # commits as records: every non-merge commit of the branch (independently: git rev-list)
    from casestudy.store import Store

    store = Store(db)
    branch = store.repo_info(name).default_branch
    count = subprocess.run(["git", "-C", str(path), "rev-list", "--no-merges", "--count",
                            branch, "--"], capture_output=True, text=True, check=True).stdout
    assert store.count_commits(name) == int(count)
    rhythm = cs["rhythm"]
    assert rhythm["text"] and "nan" not in rhythm["text"]
    for s in rhythm["sessions"]:
        for h in (s["hours_gap"], s["hours_hmm"]):
            assert h is None or 0 <= h < 80, s  # hours per active author per week
    for t in rhythm["trends"]:
        assert t["direction"] in ("falling", "rising", "flat", "insufficient") and t["text"]
    # the practice audit: every one of these projects has tests and CI at HEAD
    practices = cs["practices"]
    status = {r["key"]: r["status"] for r in practices["rows"]}
    assert status["tests"] == "present" and status["ci"] == "present", status
    assert practices["ml"] == (name == "pytorch/tnt"), practices["frameworks"]
    if name == "psf/requests":  # PRs changing code and tests, counted with plain git
        assert practices["tests_with_code"] == _requests_test_shares(path, practices)


def _requests_test_shares(path: Path, practices: dict) -> list[dict]:
    """Per month of the report: merged PRs (``Merge pull request #N`` or ``(#N)`` landings on
    the first-parent line, bots aside) changing ``.py`` files outside tests/ and docs/, and
    those also changing ``tests/``, from PRs merged since tests/ first appeared."""
    import re
    from datetime import UTC, datetime

    out = subprocess.run(["git", "-C", str(path), "log", "--first-parent",
                          "--diff-merges=first-parent", "--no-renames", "--name-only",
                          "--format=\x1e%ct %an|%s", "main", "--"],
                         capture_output=True, text=True, check=True).stdout
    since = next(r for r in practices["rows"] if r["key"] == "tests")["first_seen"][:10]
    counts: dict[str, list[int]] = {}
    for rec in out.split("\x1e")[1:]:
        head, *files = rec.strip("\n").splitlines()
        when, rest = head.split(" ", 1)
        author, subject = rest.split("|", 1)
        if not (re.match(r"Merge pull request #\d+ ", subject) or
                re.search(r"\(#\d+\)\s*$", subject)) or author.endswith("[bot]"):
            continue
        day = datetime.fromtimestamp(int(when), UTC)
        if day.strftime("%Y-%m-%d") < since:
            continue
        code = any(f.endswith(".py") and not f.startswith(("tests/", "docs/")) and "/test"
                   not in f and not f.split("/")[-1].startswith("test_") for f in files if f)
        tests = any(f.startswith("tests/") for f in files)
        c = counts.setdefault(day.strftime("%Y-%m"), [0, 0])
        c[0] += code
        c[1] += code and tests
    return [{"period": s["period"], "code_prs": counts.get(s["period"], [0, 0])[0],
             "with_tests": counts.get(s["period"], [0, 0])[1],
             "share": (counts[s["period"]][1] / counts[s["period"]][0])
             if counts.get(s["period"], [0, 0])[0] else None}
            for s in practices["tests_with_code"]]
