"""What a visitor feeds a hosted instance is bounded before it costs anything (issue #26):
imported times lie in 1970–2100, files are capped in rows and decoded bytes from their metadata
before any record is built, an import is one transaction (a bad file loads nothing, leaves no
repository behind), unreadable files and numbers are one sentence, and a clone folder cannot
reach a repository outside ``CASESTUDY_GIT_ROOT``. Real parts: SQLite and PostgreSQL stores,
real Parquet files (pyarrow), real git repositories, the app's own upload action."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from casestudy.app.actions import import_uploads, read_clone
from casestudy.config import SettingError, check_clone_path
from casestudy.model import PullRequest
from casestudy.sources.files import ImportError_, import_git_prs_csv, import_tables
from casestudy.sources.git import GitSourceError, sync_git
from casestudy.sources.sync import Visitor
from casestudy.store import RepoInfo, Store
from casestudy.store.db import engine_errors
from casestudy.store.keys import person_key
from casestudy.store.namespaces import shown
from tests.test_cli import run
from tests.test_git_dora import T0, new_repo

HEADER = "repo,number,title,created_at,merged_at"


def _tables(folder: Path, rows: list[str], name: str = "pull_requests.csv",
            header: str = HEADER) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


# -- finding 6: times outside 1970–2100 ------------------------------------------------------

def test_times_outside_1970_to_2100_are_refused_naming_file_row_and_column(store_location,
                                                                          tmp_path):
    store = Store(store_location)
    d = _tables(tmp_path / "in", ["o/early,1,a,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z",
                                  "o/early,2,b,0005-01-01T00:00:00Z,2024-01-02T00:00:00Z"])
    with pytest.raises(ImportError_) as err:
        import_tables(store, d)
    text = str(err.value)
    assert text.startswith("pull_requests.csv: column 'created_at'")
    assert "outside 1970–2100 on rows [3]" in text and "0005-01-01" in text
    # a number is seconds since 1970: year 128724 written as epoch seconds, in Parquet
    pq.write_table(pa.table({"repo": ["o/late", "o/late"], "number": [1, 2],
                             "merged_at": [1_700_000_000, 4_000_000_000_000]}),
                   tmp_path / "in" / "pull_requests.parquet")
    with pytest.raises(ImportError_, match=r"pull_requests\.parquet: column 'merged_at': "
                                           r"seconds since 1970 outside 1970–2100 on rows \[2\] "
                                           r"\(e\.g\. 4000000000000\)"):
        import_tables(store, d)
    assert store.repos() == [] and store.count_prs() == 0
    # the edges: 1970-01-01 is taken, 2100-01-01 is not
    (tmp_path / "in" / "pull_requests.parquet").unlink()
    _tables(d, ["o/edge,1,a,1970-01-01T00:00:00Z,2099-12-31T23:59:59Z"])
    assert import_tables(store, d) == {"pull_requests": 1}
    _tables(d, ["o/edge,2,a,2024-01-01T00:00:00Z,2100-01-01T00:00:00Z"])
    with pytest.raises(ImportError_, match="merged_at.*rows \\[2\\]"):
        import_tables(store, d)


def test_git_prs_times_and_tag_times_are_range_checked(tmp_path):
    path = tmp_path / "prs.csv"
    path.write_text("repo,pr_number,merged_at,first_commit_authored_at,is_bot,title,is_revert\n"
                    "x/y,1,2024-01-02T10:00:00Z,,False,ok,False\n"
                    "x/y,2,9892-01-02T10:00:00Z,,False,far,False\n")
    store = Store(tmp_path / "s.sqlite")
    with pytest.raises(ImportError_, match=r"prs\.csv: column 'merged_at': a time outside "
                                           r"1970–2100 on rows \[3\]"):
        import_git_prs_csv(store, path)
    path.write_text("repo,pr_number,merged_at,first_commit_authored_at,is_bot,title,is_revert\n"
                    "x/y,1,2024-01-02T10:00:00Z,,False,ok,False\n")
    (tmp_path / "prs.tags.csv").write_text("tag,tag_at\nv1,2024-01-05T00:00:00Z\n"
                                           "v2,0001-01-01T00:00:00Z\n")
    with pytest.raises(ImportError_, match=r"prs\.tags\.csv: column 'tag_at'.*rows \[3\]"):
        import_git_prs_csv(store, path)
    assert store.repos() == []


# -- finding 7: uploads bounded before records are built --------------------------------------

def _bomb(path: Path, rows: int) -> Path:
    """A tiny Parquet file of ``rows`` identical PRs (dictionary-encoded, compressed)."""
    table = pa.table({"repo": pa.array(["o/bomb"] * rows).dictionary_encode(),
                      "number": pa.array([1] * rows, pa.int64()),
                      "title": pa.array(["x"] * rows).dictionary_encode()})
    pq.write_table(table, path, compression="zstd")
    return path


def test_a_small_parquet_file_of_three_million_rows_is_refused_from_its_footer(tmp_path,
                                                                              monkeypatch):
    monkeypatch.setenv("CASESTUDY_HOSTED", "1")
    monkeypatch.delenv("CASESTUDY_MAX_IMPORT_ROWS", raising=False)
    path = _bomb(tmp_path / "pull_requests.parquet", 3_000_000)
    size = path.stat().st_size
    assert size < 200_000  # the upload is small…
    store = Store(tmp_path / "s.sqlite")
    t0 = time.perf_counter()
    with pytest.raises(ImportError_, match="pull_requests.parquet holds 3,000,000 rows; this "
                                           "instance imports at most 500,000 rows per file"):
        import_uploads(store, [(path.name, path.read_bytes())], "canonical tables")
    assert time.perf_counter() - t0 < 3  # …and refused before its rows are expanded
    assert store.repos() == []


def test_row_cap_is_configurable_and_applies_to_csv_and_parquet(tmp_path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_MAX_IMPORT_ROWS", "1000")
    store = Store(tmp_path / "s.sqlite")
    path = _bomb(tmp_path / "pull_requests.parquet", 5000)
    with pytest.raises(ImportError_, match="holds 5,000 rows; this instance imports at most "
                                           "1,000 rows per file"):
        import_uploads(store, [(path.name, path.read_bytes())], "canonical tables")
    rows = [f"o/r,{i},t,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z" for i in range(1, 1002)]
    csv = _tables(tmp_path / "csv", rows) / "pull_requests.csv"
    with pytest.raises(ImportError_, match="holds more than 1,000 rows"):
        import_uploads(store, [(csv.name, csv.read_bytes())], "canonical tables")
    assert store.repos() == []
    csv.write_text("\n".join([HEADER, *rows[:1000]]) + "\n")  # at the cap: imported
    assert "pull_requests 1,000" in import_uploads(
        store, [(csv.name, csv.read_bytes())], "canonical tables").messages[0][1]


def test_decoded_size_is_capped_before_values_are_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_MAX_IMPORT_MB", "20")
    path = tmp_path / "pull_requests.parquet"
    n, title = 2000, "W" * 50_000  # 2,000 × 50 KB titles: 95 MB once expanded
    pq.write_table(pa.table({"repo": ["o/wide"] * n, "number": list(range(1, n + 1)),
                             "title": pa.array([title] * n).dictionary_encode()}), path,
                   compression="zstd")
    assert path.stat().st_size < 500_000
    store = Store(tmp_path / "s.sqlite")
    with pytest.raises(ImportError_, match=r"pull_requests\.parquet expands to 95 MB; this "
                                           r"instance imports at most 20 MB per file"):
        import_tables(store, tmp_path)
    assert store.repos() == []


# -- finding 13 (imports): unreadable files and numbers are one sentence ----------------------

def test_latin1_csv_and_overflowing_numbers_are_one_sentence_and_load_nothing(store_location,
                                                                              tmp_path):
    store = Store(store_location)
    latin = "o/r,1,Café crème,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z"
    (tmp_path / "pull_requests.csv").write_bytes(f"{HEADER}\n{latin}\n".encode("latin-1"))
    for layout in ("canonical tables", "git-prs CSV"):
        with pytest.raises(ImportError_, match=r"^pull_requests\.csv is not UTF-8 text \(byte "
                                               r"\d+ cannot be read\): save it as UTF-8"):
            import_uploads(store, [("pull_requests.csv",
                                    (tmp_path / "pull_requests.csv").read_bytes())], layout)
    # a number past what a store column holds: refused up front, no empty repository left
    d = _tables(tmp_path / "big", ["o/r,1,ok,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z"],
                header=HEADER)
    (d / "commits.csv").write_text("repo,sha,authored_at,additions\n"
                                   "o/r,abc,2024-01-01T00:00:00Z,1e30\n")
    with pytest.raises(ImportError_, match=r"commits\.csv: column 'additions': not a whole "
                                           r"number from .* on rows \[2\] \(e\.g\. '1e30'\)"):
        import_tables(store, d)
    assert store.repos() == [] and store.count_prs() == 0
    r = run("import", str(d), "--db", store_location)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and "nothing was loaded" in r.stderr


# -- finding 14: one transaction per import ---------------------------------------------------

def _fail_writes_of(store: Store, repo: str) -> None:
    """Make the database refuse any PR of ``repo`` (a full disk, a lost connection: a write
    that fails half-way through an import), with a trigger on the real engine."""
    if store.db.kind == "sqlite":
        store.db.execute(f"CREATE TRIGGER boom BEFORE INSERT ON pull_requests WHEN "
                         f"NEW.repo = '{repo}' BEGIN SELECT RAISE(ABORT, 'no space left'); END")
        return
    store.db.execute(f"CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN IF NEW.repo = "
                     f"'{repo}' THEN RAISE EXCEPTION 'no space left'; END IF; RETURN NEW; "
                     "END $$ LANGUAGE plpgsql")
    store.db.execute("CREATE TRIGGER boom BEFORE INSERT ON pull_requests FOR EACH ROW "
                     "EXECUTE FUNCTION boom()")


def test_an_import_that_fails_while_writing_loads_nothing(store_location, tmp_path):
    """The second repository's write fails after the first one's was written: the first is
    undone too, so "Nothing was imported" is true and no repository is left behind."""
    store = Store(store_location)
    _fail_writes_of(store, "o/zz")
    d = _tables(tmp_path / "in", ["o/aa,1,a,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z",
                                  "o/zz,1,b,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z"])
    revision = store.revision
    with pytest.raises(engine_errors(), match="no space left"):
        import_tables(store, d)
    assert store.repos() == [] and store.count_prs() == 0
    assert store.deployments("o/aa") == [] and store.revision == revision


def test_a_multi_file_git_prs_upload_is_one_transaction(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    good = ("repo,pr_number,merged_at,first_commit_authored_at,is_bot,title,is_revert\n"
            "x/good,1,2024-01-02T10:00:00Z,,False,ok,False\n")
    bad = ("repo,pr_number,merged_at,first_commit_authored_at,is_bot,title,is_revert\n"
           "x/bad,1,2024-01-02T10:00:00Z,,False,ok,maybe\n")
    with pytest.raises(ImportError_, match=r"b\.csv: not a boolean"):
        import_uploads(store, [("a.csv", good.encode()), ("b.csv", bad.encode())],
                       "git-prs CSV")
    assert store.repos() == []
    # a tags file uploaded beside its CSV is read with it, not as a CSV of its own
    out = import_uploads(store, [("a.csv", good.encode()),
                                 ("a.tags.csv", b"tag,tag_at\nv1,2024-01-05T00:00:00Z\n")],
                         "git-prs CSV")
    assert out.messages == [("success", "Imported: x/good 1")]
    assert [d.id for d in store.deployments("x/good")] == ["v1"]


def test_nested_transactions_are_savepoints(store_location):
    store = Store(store_location)
    pr = PullRequest("o/r", 1, title="t", created_at=T0, merged_at=T0 + 60)
    with pytest.raises(RuntimeError), store.transaction():
        store.upsert_repo(RepoInfo("o/r", "import"))
        store.write_batch("o/r", [pr])  # its own transaction: a savepoint of the outer one
        raise RuntimeError("after the writes")
    assert store.repos() == [] and store.count_prs() == 0
    with store.transaction():
        store.upsert_repo(RepoInfo("o/r", "import"))
        try:
            with store.transaction():
                store.write_batch("o/r", [pr])
                raise RuntimeError("inner only")
        except RuntimeError:
            pass
        store.write_batch("o/r", [PullRequest("o/r", 2, title="u", created_at=T0)])
    assert store.repos() == ["o/r"]
    assert [p.number for p in store.pull_requests("o/r")] == [2]


# -- finding 8: CASESTUDY_GIT_ROOT cannot be escaped ------------------------------------------

def _git(path: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True)


def test_git_root_cannot_be_escaped_by_discovery_or_gitdir_files(tmp_path, monkeypatch):
    outer = new_repo(tmp_path, "outer")  # a repository around the allowed folder
    root = outer / "allowed"
    root.mkdir()
    elsewhere = new_repo(tmp_path, "elsewhere")
    monkeypatch.setenv("CASESTUDY_HOSTED", "1")
    monkeypatch.setenv("CASESTUDY_GIT_ROOT", str(root))
    store = Store(tmp_path / "s.sqlite")
    plain = root / "plain"  # no repository: git would find the outer one
    plain.mkdir()
    linked = root / "linked"  # a .git file pointing outside
    linked.mkdir()
    (linked / ".git").write_text(f"gitdir: {elsewhere / '.git'}\n")
    signed_in = Visitor((person_key("https://login.example.org", "someone"),), True)
    for folder in (plain, linked, root):  # even for someone allowed to add repositories
        with pytest.raises(SettingError, match="only repositories inside .* can be read here"):
            read_clone(store, str(folder), name="octo/escape", visitor=signed_in)
    borrowed = new_repo(root, "borrowed")  # objects from a store outside
    (borrowed / ".git" / "objects" / "info" / "alternates").write_text(
        str(elsewhere / ".git" / "objects") + "\n")
    with pytest.raises(SettingError):
        check_clone_path(str(borrowed))
    assert store.repos() == []
    # repositories that live inside the root are read: a clone and a bare mirror
    inside = new_repo(root, "inside", T0)
    assert check_clone_path(str(inside)) == inside.resolve()
    bare = root / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(inside), str(bare)], check=True)
    assert check_clone_path(str(bare)) == bare.resolve()
    assert read_clone(store, str(inside), name="octo/inside",
                      visitor=signed_in).messages[0][0] == "success"
    assert [shown(r) for r in store.repos()] == ["octo/inside"]  # filed under its owner's tag


# -- findings 13 and 17 (git): one sentence for a range, an empty repository, a missing branch -

def test_git_branch_ranges_empty_repositories_and_missing_branches_are_one_sentence(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    r = new_repo(tmp_path, "one")
    for bad in ("main..main", "main@{1}", "main.lock", "a/.b"):
        with pytest.raises(GitSourceError, match="not a branch name"):
            sync_git(store, r, branch=bad)
    with pytest.raises(GitSourceError, match="has no branch 'nope'"):
        sync_git(store, r, branch="nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    _git(empty, "init", "-q")
    with pytest.raises(GitSourceError, match="is an empty repository: it has no commits"):
        sync_git(store, empty)
    res = run("sync-git", str(empty), "--db", str(tmp_path / "c.sqlite"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.strip() == f"casestudy: error: {empty} is an empty repository: it has " \
                                 "no commits to read"
    assert store.repos() == []


# -- finding 13 (database): a busy pool is one sentence ---------------------------------------

def test_a_busy_postgres_pool_is_one_sentence(pg_server, monkeypatch):
    from casestudy.store.db import DatabaseBusy

    monkeypatch.setenv("CASESTUDY_PG_POOL", "1")
    monkeypatch.setenv("CASESTUDY_PG_TIMEOUT", "1")
    store = Store(pg_server.url(pg_server.new_database()))
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.transaction():
            held.set()
            release.wait(20)

    t = threading.Thread(target=hold)
    t.start()
    try:
        held.wait(10)
        with pytest.raises(DatabaseBusy) as err:
            store.repos()
    finally:
        release.set()
        t.join()
    assert str(err.value) == ("the database is busy (no connection came free within 1 s): try "
                              "again in a moment")
    assert store.repos() == []  # free again


def test_the_app_shows_a_busy_pool_as_one_sentence(pg_server, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from casestudy.app.data import get_store
    from tests.conftest import ROOT

    monkeypatch.setenv("CASESTUDY_PG_POOL", "1")
    monkeypatch.setenv("CASESTUDY_PG_TIMEOUT", "1")
    url = pg_server.url(pg_server.new_database())
    d = _tables(tmp_path / "in", [f"o/busy,{i},t,2024-01-0{i}T00:00:00Z,2024-01-0{i}T05:00:00Z"
                                  for i in range(1, 8)])
    import_tables(Store(url), d)
    monkeypatch.setenv("CASESTUDY_DB", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    assert not at.exception and at.title[0].value == "o/busy"
    store = get_store()  # the app's own store (cached per process), whose one connection…
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.transaction():  # …another visitor's long write holds
            held.set()
            release.wait(60)

    t = threading.Thread(target=hold)
    t.start()
    try:
        held.wait(10)
        at.run()
    finally:
        release.set()
        t.join()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The database is busy \\(no connection came free within 1 s\\): try again in a "
        "moment."]
