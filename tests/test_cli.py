"""The command line: demo, info and error paths, run as real subprocesses."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "casestudy", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def test_info_lists_demo_repos(demo_db):
    r = run("info", "--db", str(demo_db))
    assert r.returncode == 0, r.stderr
    assert "demo/atlas (synthetic)" in r.stdout
    assert "demo/cirrus" in r.stdout and " 2023-01-0" in r.stdout


def test_info_on_empty_store(tmp_path):
    r = run("info", "--db", str(tmp_path / "empty.sqlite"))
    assert r.returncode == 0
    assert "the store is empty" in r.stdout


def test_demo_if_missing_does_nothing_on_filled_store(demo_db_copy):
    r = run("demo", "--if-missing", "--db", str(demo_db_copy))
    assert r.returncode == 0 and "nothing to do" in r.stdout


def test_errors_are_one_clear_line(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database at all" * 50)
    r = run("info", "--db", str(bad))
    assert r.returncode == 1
    assert r.stderr.startswith("casestudy: error:") and "not a casestudy store" in r.stderr
    assert "Traceback" not in r.stderr
    r = run("info", "--db", str(tmp_path))  # a directory
    assert r.returncode == 1 and "cannot open the store" in r.stderr or "not a" in r.stderr
    r = run("no-such-command")
    assert r.returncode == 2 and "invalid choice" in r.stderr
