"""The organisation load from PostgreSQL (``store/bulk_load.py``) on a real PostgreSQL server:
the cold path (nothing kept: parallel binary COPYs, authors by hash) gives exactly the arrays of
the row-by-row load, whatever the number of parts, on rows stored out of order with missing
values, empty and missing authors, times past 2038, negative offsets and derived deployments."""

from __future__ import annotations

import random

import numpy as np
import pytest

from casestudy.model import TIME_FIELDS, Deployment, Incident, PullRequest
from casestudy.store import RepoInfo, Store

ASKED = ["org/b", "org/a", "org/empty", "org/c"]  # not sorted: the index order is this one


def _fill(store: Store) -> None:
    """Four repositories (one without PRs) and one not asked for, their PRs written in
    shuffled batches across repositories (so the table's pages interleave them)."""
    rng = random.Random(7)

    def maybe(v: int) -> int | None:
        return None if rng.random() < 0.2 else v

    names = ["alice", "bob", "", "Zoë", "dependabot[bot]", "x" * 39, "carol"]
    prs = []
    for repo in ["org/a", "org/b", "org/c", "other/x"]:
        store.upsert_repo(RepoInfo(repo, "github"))
        for n in rng.sample(range(1, 400), 90):
            t = rng.choice([1_500_000_000, 2_200_000_000])  # 2_200_000_000: after 2038
            prs.append(PullRequest(
                repo=repo, number=n, title=rng.choice(["Fix crash", "Add x", "Revert y"]),
                author=rng.choice(names), author_is_bot=rng.random() < 0.1, created_at=t,
                ready_at=maybe(t + 5), first_commit_at=maybe(t - 100),
                first_response_at=maybe(t + 50), first_approval_at=maybe(t + 60),
                last_approval_at=maybe(t + 70), merged_at=maybe(t + 1000 + n),
                closed_at=maybe(t + 1000 + n), deployed_at=None if n % 3 else t + 5000,
                additions=rng.choice([0, 7, 4_000_000_000]), deletions=rng.randrange(50),
                n_comments=rng.randrange(9), is_draft=rng.random() < 0.2,
                is_revert=rng.random() < 0.1,
                author_utc_offset=rng.choice([None, -18_000, 19_800, 0]),
                checks_started_at=maybe(t + 10), checks_green_at=maybe(t + 20)))
    rng.shuffle(prs)
    for k in range(0, len(prs), 37):
        batch = prs[k:k + 37]
        for repo in {p.repo for p in batch}:
            store.write_batch(repo, [p for p in batch if p.repo == repo])
    for repo in ["org/a", "org/b"]:
        store.write_batch(repo, deployments=[
            Deployment(repo, f"d{d}", 1_500_000_000 + d * 700, source="releases")
            for d in range(0, 9, 2)] + [Deployment(repo, "late", 2_200_003_000)],
            incidents=[Incident(repo, "i1", 1_500_000_900, None, failed_at=None, rule=""),
                       Incident(repo, "i2", 1_500_001_000, 1_500_002_000,
                                failed_at=1_500_000_700, rule="latest deployment before it")])
    store.upsert_repo(RepoInfo("org/empty", "github"))
    # what the writers never send, but a database may hold: no author, no additions, rules
    store.db.execute("UPDATE pull_requests SET author = NULL WHERE number % 11 = 0")
    store.db.execute("UPDATE pull_requests SET additions = NULL WHERE number % 13 = 0")
    store.db.execute("UPDATE pull_requests SET bugfix_rule = number % 4 WHERE number % 5 = 0")


@pytest.fixture(scope="module")
def org_store(pg_server) -> Store:
    store = Store(pg_server.url(pg_server.new_database()))
    _fill(store)
    return store


def _identical(fast, slow) -> None:
    assert fast.repos == slow.repos
    assert fast.n == slow.n == 270
    for f in ("repo_idx", "number", "additions", "deletions", "n_comments", "is_bot",
              "is_draft", "is_revert", "is_bugfix", "bugfix_rule", "author_idx", "utc_offset"):
        a, b = getattr(fast, f), getattr(slow, f)
        assert a.dtype == b.dtype and np.array_equal(a, b), f
    for f in TIME_FIELDS:
        assert fast.times[f].dtype == slow.times[f].dtype
        assert np.array_equal(fast.times[f], slow.times[f]), f
    for r in slow.repos:
        assert np.array_equal(fast.deploy_times[r], slow.deploy_times[r])
        for k in slow.incidents[r]:
            assert np.array_equal(fast.incidents[r][k], slow.incidents[r][k]), (r, k)


@pytest.mark.parametrize("parts", ["1", "2", "3"])
def test_the_cold_load_equals_the_row_by_row_load(org_store, monkeypatch, parts):
    from casestudy.store.bulk_load import _kept, load_arrays_postgres

    monkeypatch.setenv("CASESTUDY_LOAD_PARTS", parts)
    assert _kept(org_store, ASKED) == {}  # nothing kept: the COPY path
    slow = org_store._load_arrays_rows(ASKED)
    # the data has every case the comparison should see
    assert (slow.author_idx == -1).any() and slow.author_idx.max() >= 5
    assert (slow.times["merged_at"] > 2**31).any() and (slow.times["merged_at"] == -1).any()
    assert (slow.utc_offset < 0).any() and {0, 1, 2, 3} <= set(slow.bugfix_rule.tolist())
    assert np.isin([1_500_001_400, 2_200_003_000], slow.times["deployed_at"]).all()  # derived
    assert slow.additions.max() == 4_000_000_000 and not np.array_equal(
        slow.number, np.sort(slow.number))
    _identical(load_arrays_postgres(org_store, ASKED), slow)


def test_a_busy_pool_gives_fewer_parts_not_a_wait(org_store, monkeypatch):
    """Every connection but one held by others (other visitors' page runs): the load reads in
    as many parts as it finds free connections, at once, and gives the same arrays."""
    from casestudy.store.bulk_load import load_arrays_postgres

    monkeypatch.setenv("CASESTUDY_LOAD_PARTS", "3")
    slow = org_store._load_arrays_rows(ASKED)
    pool = org_store.db.pool
    held = [pool.getconn() for _ in range(pool.max_size - 1)]
    try:
        _identical(load_arrays_postgres(org_store, ASKED), slow)
    finally:
        for c in held:
            pool.putconn(c)


def test_the_cold_load_of_one_repository_and_of_none(org_store):
    from casestudy.store.bulk_load import load_arrays_postgres

    one = load_arrays_postgres(org_store, ["org/c"])
    slow = org_store._load_arrays_rows(["org/c"])
    assert one.n == slow.n == 90 and np.array_equal(one.author_idx, slow.author_idx)
    assert np.array_equal(one.number, slow.number)
    none = load_arrays_postgres(org_store, ["org/empty"])
    assert none.n == 0 and none.deploy_times["org/empty"].size == 0


def test_authors_sharing_the_first_64_bits_of_their_hash_stay_apart():
    from casestudy.store.bulk_load import _hashed_ids

    empty = (123, 456)  # the empty name's hashes
    first = np.array([5, 5, 7, 5, 0, 123, 7], dtype=np.int64)
    second = np.array([1, 2, 3, 1, 0, 456, 3], dtype=np.int64)
    assert _hashed_ids(first, second, empty).tolist() == [0, 1, 2, 0, -1, -1, 2]
    # no clash: numbered by first appearance on the first 64 bits alone
    assert _hashed_ids(np.array([9, 4, 9]), np.array([1, 1, 1]), empty).tolist() == [0, 1, 0]


def test_repositories_whose_names_share_a_hash_or_hold_dots_and_dashes(pg_server):
    """Two names with one ``hashtext`` (the join is used then), and names with every character
    a repository name may have: the cold load still equals the row-by-row load."""
    from casestudy.store.bulk_load import _by_hash, load_arrays_postgres

    store = Store(pg_server.url(pg_server.new_database()))
    clash, odd = ["o/r20558", "o/r163629"], ["o-1/a.b_c-d", "O/UPPER.x"]
    for k, repo in enumerate(clash + odd):
        store.upsert_repo(RepoInfo(repo, "github"))
        store.write_batch(repo, [PullRequest(repo=repo, number=n, author=f"a{n % 3}",
                                             created_at=1_600_000_000 + n, merged_at=None
                                             if n % 2 else 1_600_000_100 + k)
                                 for n in (5, 2, 9)])
    for repos in (clash, odd, odd + clash):
        with store.db._connection() as conn:
            wanted, hashes = _by_hash(conn, repos)
        assert (wanted is None) == (repos != odd)  # the clash falls back to the join
        fast, slow = load_arrays_postgres(store, repos), store._load_arrays_rows(repos)
        assert fast.n == slow.n == 3 * len(repos)
        for f in ("repo_idx", "number", "author_idx"):
            assert np.array_equal(getattr(fast, f), getattr(slow, f)), f
        for f in TIME_FIELDS:
            assert np.array_equal(fast.times[f], slow.times[f]), f
