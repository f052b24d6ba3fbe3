"""Case studies kept on disk between commands (``report/saved.py``) and the PDF's page-number
pages kept beside them: read back only while the store, the options and the code are those they
were made from — a real store, real builds, real files."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from casestudy.model import Deployment, PullRequest
from casestudy.options import Options
from casestudy.report import saved
from casestudy.report.build import build_case_study
from casestudy.store import RepoInfo, Store

REPO = "acme/app"
DAY = 86_400


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CASESTUDY_CACHE", str(folder))
    return folder / saved.FOLDER


def _prs(first: int, n: int, title: str = "Add a feature") -> list[PullRequest]:
    out = []
    for i in range(first, first + n):
        t = 1_700_000_000 + i * DAY // 2
        out.append(PullRequest(REPO, i, title=f"{title} {i}", author=f"dev{i % 5}",
                               created_at=t, ready_at=t, first_commit_at=t - 3600,
                               first_response_at=t + 1800, last_approval_at=t + 7200,
                               merged_at=t + 9000, additions=10 + i, deletions=i % 7))
    return out


def _store(path) -> Store:
    s = Store(path)
    s.upsert_repo(RepoInfo(REPO, "import"))
    s.write_batch(REPO, _prs(1, 120), deployments=[
        Deployment(REPO, f"v{k}", 1_700_000_000 + k * 5 * DAY, source="tags") for k in range(14)])
    return s


def _text(cs) -> str:
    return dataclasses.replace(cs, generated_at="").to_json()


def _kept(cache) -> list:
    return sorted(cache.glob("*.json")) if cache.exists() else []


def test_a_case_study_asked_again_is_read_back_and_rebuild_builds_it(tmp_path, cache):
    store = _store(tmp_path / "s.sqlite")
    opts = Options(subject=REPO)
    first = saved.case_study(store, opts)
    (kept,) = _kept(cache)
    assert _text(first) == _text(build_case_study(store, opts))
    # what is read back is the file: a marker put into it comes out of the next report
    kept.write_text(kept.read_text().replace(first.headline, "MARKER-FROM-THE-FILE", 1))
    again = saved.case_study(store, opts)
    assert again.headline == "MARKER-FROM-THE-FILE"
    assert again.generated_at  # said afresh
    rebuilt = saved.case_study(store, opts, rebuild=True)
    assert _text(rebuilt) == _text(first)
    assert "MARKER-FROM-THE-FILE" not in kept.read_text()
    # other options are another case study
    saved.case_study(store, Options(subject=REPO, tz="Europe/Berlin"))
    assert len(_kept(cache)) == 2


def test_every_change_to_the_store_is_seen(tmp_path, cache):
    store = _store(tmp_path / "s.sqlite")
    opts = Options(subject=REPO)
    before = saved.case_study(store, opts)
    store.write_batch(REPO, _prs(121, 40, "Fix a crash"))
    after = saved.case_study(store, opts)
    assert _text(after) != _text(before)
    assert _text(after) == _text(build_case_study(store, opts))


def test_copies_of_one_database_that_changed_apart_are_told_apart(tmp_path, cache):
    """The hard case: two copies of one database (same instance), each changed once (same
    revision), one after the other at the same path."""
    base = tmp_path / "base.sqlite"
    _store(base).conn.execute("PRAGMA wal_checkpoint(FULL)")
    a, b, live = tmp_path / "a.sqlite", tmp_path / "b.sqlite", tmp_path / "live.sqlite"
    shutil.copy(base, a)
    shutil.copy(base, b)
    sa, sb = Store(a), Store(b)
    sa.write_batch(REPO, _prs(121, 30, "Fix a crash"))
    sb.write_batch(REPO, _prs(121, 60, "Add another feature"))
    assert (sa.instance, sa.revision) == (sb.instance, sb.revision)
    for s in (sa, sb):
        s.close()  # the last connection folds the write-ahead log into the file
    opts = Options(subject=REPO)
    shutil.copy(a, live)
    first = Store(live)
    from_a = saved.case_study(first, opts)
    first.close()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"live.sqlite{suffix}").unlink(missing_ok=True)
    shutil.copy(b, live)
    from_b = saved.case_study(Store(live), opts)
    assert _text(from_b) != _text(from_a)
    assert _text(from_b) == _text(build_case_study(Store(b), opts))


def test_an_unreadable_kept_case_study_is_built_again(tmp_path, cache):
    store = _store(tmp_path / "s.sqlite")
    opts = Options(subject=REPO)
    first = saved.case_study(store, opts)
    (kept,) = _kept(cache)
    for junk in ("", '{"subject": 1', "[]", '{"not": "a case study"}'):
        kept.write_text(junk)
        assert _text(saved.case_study(store, opts)) == _text(first)
        assert _text(saved.load(kept.stem)) == _text(first)  # and kept again, whole


def test_the_folder_keeps_the_most_recently_used(tmp_path, cache):
    import os

    store = _store(tmp_path / "s.sqlite")
    for k in range(4):
        saved.case_study(store, Options(subject=REPO, window=3 + k))
    files = _kept(cache)
    assert len(files) == 4
    for age, f in enumerate(files):
        os.utime(f, (1_000_000 + age, 1_000_000 + age))
    assert saved.prune(keep=2) == 2
    assert _kept(cache) == files[2:]


def test_the_cli_reads_back_and_rebuilds_on_request(demo_db, tmp_path):
    import json
    import os

    from tests.test_cli import run

    env = dict(os.environ, CASESTUDY_CACHE=str(tmp_path / "cli-cache"))
    args = ("report", "demo/cirrus", "--db", str(demo_db), "--from", "2025-01", "--to",
            "2025-06", "--format", "json")
    outs = []
    for extra in ((), (), ("--rebuild",)):
        r = run(*args, *extra, env=env)
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        doc.pop("generated_at")
        outs.append(doc)
    assert outs[0] == outs[1] == outs[2]
    assert len(list((tmp_path / "cli-cache" / saved.FOLDER).glob("*.json"))) == 1


def test_page_number_pages_are_kept_and_a_bad_file_is_not_used(tmp_path, monkeypatch):
    from casestudy.render import pdf_parts
    from casestudy.render.html import PAGE_MARGIN, PAPER

    monkeypatch.setenv("CASESTUDY_CACHE", str(tmp_path / "cache"))
    paper = PAPER["A4"]
    assert pdf_parts.numbers_kept(paper, PAGE_MARGIN, 7) is None
    made = pdf_parts.page_numbers(paper, PAGE_MARGIN, 7)
    assert pdf_parts.numbers_kept(paper, PAGE_MARGIN, 7) == made
    assert pdf_parts.numbers_kept(paper, PAGE_MARGIN, 8) is None
    assert pdf_parts.numbers_kept(PAPER["Letter"], PAGE_MARGIN, 7) is None
    (kept,) = (tmp_path / "cache" / "pdf").glob("numbers-*.pdf")
    kept.write_bytes(made[: len(made) // 2])  # cut short: not a whole PDF
    assert pdf_parts.numbers_kept(paper, PAGE_MARGIN, 7) is None
