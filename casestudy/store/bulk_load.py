"""Loading many repositories' PRs from PostgreSQL into the core's arrays in one pass.

Row by row, a million PRs cost seconds in Python tuples alone. Here PostgreSQL does the work:
one ``COPY … TO STDOUT (FORMAT BINARY)`` of integer columns only — the repository as its index
in the list asked for, the author as an id given in the same query (a hash join on the distinct
names), flags packed into one column, times shifted into 32 bits — so every row has the same
width and numpy reads the whole stream as one structured array, without a Python object per
row. Times are stored as ``t - 2**31 + 1`` (1970 to 2106 fit; the smallest int4 is "missing"),
two int4 values per int8 field; the repositories are read in parts by parallel COPYs.

Deployments and incidents come in one query each for every repository; derived
``deployed_at`` is filled per repository on sorted slices.
"""

from __future__ import annotations

import numpy as np

from ..core.deployments import deployed_at_is_exact, first_deployment_after
from ..model import INCIDENT_FIELDS, INCIDENT_RULES, MISSING, NO_OFFSET, TIME_FIELDS, PRArrays

_BIAS = 2**31 - 1  # time t is sent as t - _BIAS (int4); -2**31 = missing
_SMALL = ("number", "additions", "deletions", "n_comments", "flags", "offset", "author",
          "repo_i")
_VALUES = (*TIME_FIELDS, *_SMALL, *(("pad",) if (len(TIME_FIELDS) + len(_SMALL)) % 2 else ()))


def _row_dtype() -> np.dtype:
    """Two int4 values travel as one int8 field (fewer fields: a faster COPY); a big-endian
    int8 made of (a << 32 | b) is the bytes of a then b, so numpy reads them as two int4."""
    cols = [("nfields", ">i2")]
    for k in range(0, len(_VALUES), 2):
        cols += [(f"len{k}", ">i4"), (_VALUES[k], ">i4"), (_VALUES[k + 1], ">i4")]
    return np.dtype(cols)


def _expressions() -> list[str]:
    times = [f"coalesce(p.{c} - {_BIAS}, -2147483648)" for c in TIME_FIELDS]
    small = ["p.number", "coalesce(p.additions, -1)", "coalesce(p.deletions, -1)",
             "coalesce(p.n_comments, -1)",
             "(coalesce(p.author_is_bot, 0) + 2 * coalesce(p.is_draft, 0) + "
             "4 * coalesce(p.is_revert, 0) + 8 * coalesce(p.bugfix_rule, 0))",
             f"coalesce(p.author_utc_offset, {NO_OFFSET})", "coalesce(a.id, -1)", "w.i"]
    return times + small + ["0"] * (len(_VALUES) - len(times) - len(small))


def _copy_sql() -> str:
    """The COPY of the wanted repositories' PRs, after ``_prepare`` made the session's
    ``casestudy_want`` and ``casestudy_names`` tables."""
    e = _expressions()
    pairs = ", ".join(f"(({e[k]})::int8 << 32) | (({e[k + 1]})::int8 & 4294967295)"
                      for k in range(0, len(e), 2))
    return (f"COPY (SELECT {pairs} FROM pull_requests p JOIN casestudy_want w ON w.repo = "
            "p.repo LEFT JOIN casestudy_names a ON a.author = p.author) "
            "TO STDOUT (FORMAT BINARY)")


def _prepare(conn, part: list[tuple[str, int]]) -> list[str]:
    """This part's repositories (with their index in the whole list) and its authors' ids, as
    temporary tables of the session, analysed so the planner hashes the small sides; returns
    the authors in id order."""
    conn.execute("SET jit = off")
    conn.execute("SET work_mem = '64MB'")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS casestudy_want (repo text PRIMARY KEY, "
                 "i int4)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS casestudy_names (author text PRIMARY KEY, "
                 "id int4)")
    conn.execute("TRUNCATE casestudy_want, casestudy_names")
    with conn.cursor() as cur, cur.copy("COPY casestudy_want (repo, i) FROM STDIN") as copy:
        for row in part:
            copy.write_row(row)
    conn.execute("ANALYZE casestudy_want")
    conn.execute("INSERT INTO casestudy_names SELECT author, (row_number() OVER ()) - 1 FROM "
                 "(SELECT DISTINCT p.author FROM pull_requests p JOIN casestudy_want w ON "
                 "w.repo = p.repo WHERE coalesce(p.author, '') != '') d")
    conn.execute("ANALYZE casestudy_names")
    return [r[0] for r in conn.execute("SELECT author FROM casestudy_names ORDER BY id")]


def _read_part(pool, part: list[tuple[str, int]], out: list, k: int) -> None:
    """One part's (rows, authors) (runs in a thread: its own connection); an error is kept
    in its place."""
    try:
        with pool.connection() as conn:
            names = _prepare(conn, part)
            buf = bytearray()  # one growing buffer: each chunk is copied once
            with conn.cursor() as cur, cur.copy(_copy_sql()) as copy:
                for data in copy:
                    buf += data
            conn.execute("DROP TABLE casestudy_want, casestudy_names")
        # header: 11-byte signature, flags, extension length + extension; trailer: -1 (2 bytes)
        ext = int.from_bytes(buf[15:19], "big")
        out[k] = (np.frombuffer(memoryview(buf)[19 + ext: len(buf) - 2], dtype=_row_dtype()),
                  names)
    except Exception as exc:  # noqa: BLE001 - raised again by the caller's thread
        out[k] = exc


def _read_rows(store, repos: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every wanted PR and its author id (one id per distinct author across every part),
    read by ``$CASESTUDY_LOAD_PARTS`` (default 2) COPYs at once, each over its share of the
    repositories."""
    import os
    import threading

    parts = max(1, min(len(repos), int(os.environ.get("CASESTUDY_LOAD_PARTS") or 2)))
    shares = [[(r, i) for i, r in enumerate(repos) if i % parts == k] for k in range(parts)]
    out: list = [None] * parts
    threads = [threading.Thread(target=_read_part, args=(store.db.pool, shares[k], out, k))
               for k in range(parts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for o in out:
        if isinstance(o, Exception):
            raise o
    # the parts' author ids made one: ids of the sorted union of their names
    everyone = np.unique(np.concatenate([np.array(names, dtype=object) for _r, names in out]
                                        + [np.zeros(0, dtype=object)]))
    authors = []
    for rows, names in out:
        local = rows["author"].astype(np.int64)
        table = np.searchsorted(everyone, np.array(names, dtype=object)).astype(np.int32) \
            if names else np.zeros(0, np.int32)
        ids = np.full(local.shape, -1, dtype=np.int32)
        known = local >= 0
        ids[known] = table[local[known]]
        authors.append(ids)
    rows = np.concatenate([r for r, _n in out]) if parts > 1 else out[0][0]
    return rows, np.concatenate(authors) if parts > 1 else authors[0], everyone


def load_arrays_postgres(store, repos: list[str]) -> PRArrays:
    """``Store._load_arrays_sql`` for a PostgreSQL store: each repository's arrays as kept in
    the store (``repo_arrays``, by ``keep_arrays``) while its ``arrays_version`` is unchanged,
    the others by the binary COPY. Rows come sorted by (repository as listed, number)."""
    kept = _kept(store, repos)
    missing = [r for r in repos if r not in kept]
    if missing:
        fresh = _pieces(*_copy_load(store, missing))
        kept.update({r: p for r, (_v, p) in fresh.items()})
    return _assemble(repos, kept)


def keep_arrays(store, repos: list[str]) -> int:
    """Read ``repos``' arrays by COPY and keep them in the store for the next organisation
    load (a worker does it after each sync); returns the PRs kept."""
    a, everyone, versions = _copy_load(store, repos)
    _keep(store, _pieces(a, everyone, versions))
    return a.n


def _copy_load(store, repos: list[str]) -> tuple[PRArrays, np.ndarray, dict[str, int]]:
    """The arrays of ``repos`` by COPY, the author names their ids index, and each
    repository's ``arrays_version`` read before the COPY began."""
    with store.db._connection() as conn:
        versions = dict(conn.execute("SELECT repo, arrays_version FROM repos WHERE "
                                     "repo = ANY(%s)", (repos,)).fetchall())
    rows, author, everyone = _read_rows(store, repos)
    with store.db._connection() as conn:
        deploy_rows = conn.execute(
            "SELECT repo, created_at FROM deployments WHERE repo = ANY(%s) "
            "ORDER BY repo, created_at", (repos,)).fetchall()
        incident_rows = conn.execute(
            f"SELECT repo, opened_at, coalesce(failed_at, {MISSING}), "
            f"coalesce(resolved_at, {MISSING}), rule FROM incidents WHERE repo = ANY(%s) "
            "ORDER BY repo, opened_at, id", (repos,)).fetchall()
        infos = dict((r, (s, d)) for r, s, d in conn.execute(
            "SELECT repo, source, deploy_source FROM repos WHERE repo = ANY(%s)", (repos,)))

    repo_i = rows["repo_i"].astype(np.int32)
    number = rows["number"].astype(np.int64)
    order = np.lexsort((number, repo_i))
    if not np.array_equal(order, np.arange(order.size)):
        rows, repo_i, number, author = rows[order], repo_i[order], number[order], author[order]

    def col(name: str) -> np.ndarray:
        return rows[name].astype(np.int64)

    times = {}
    for c in TIME_FIELDS:
        raw = col(c)
        times[c] = np.where(raw == -2**31, MISSING, raw + _BIAS)
    flags = col("flags")
    rule = flags >> 3
    offset = rows["offset"].astype(np.int32)
    rule_index = {r: i for i, r in enumerate(INCIDENT_RULES)}
    deploys: dict[str, list[int]] = {r: [] for r in repos}
    for r, t in deploy_rows:
        deploys[r].append(t)
    deploy_times = {r: np.array(v, dtype=np.int64) for r, v in deploys.items()}
    inc: dict[str, list[tuple]] = {r: [] for r in repos}
    for r, o, f, s, rl in incident_rows:
        inc[r].append((o, f, s, rule_index.get(rl, MISSING)))
    incidents = {}
    for r, v in inc.items():
        arr = np.array(v, dtype=np.int64).reshape(len(v), 4)
        incidents[r] = {k: arr[:, j].copy() for j, k in enumerate(INCIDENT_FIELDS)}
    # deployed_at: the source's exact value, else the first deployment after the merge
    bounds = np.searchsorted(repo_i, np.arange(len(repos) + 1))
    for i, r in enumerate(repos):
        source, deploy_source = infos.get(r, ("", ""))
        if deployed_at_is_exact(source, deploy_source):
            continue
        lo, hi = bounds[i], bounds[i + 1]
        part = times["deployed_at"][lo:hi]
        sel = part < 0
        if sel.any():
            part[sel] = first_deployment_after(times["merged_at"][lo:hi][sel], deploy_times[r])
    return PRArrays(
        repos=repos, repo_idx=repo_i, number=number, times=times,
        additions=np.maximum(col("additions"), 0), deletions=np.maximum(col("deletions"), 0),
        n_comments=np.maximum(col("n_comments"), 0),
        is_bot=(flags & 1) == 1, is_draft=(flags & 2) == 2, is_revert=(flags & 4) == 4,
        is_bugfix=rule > 0, bugfix_rule=rule.astype(np.int8), deploy_times=deploy_times,
        incidents=incidents, author_idx=author,
        utc_offset=offset if (offset != NO_OFFSET).any() else None), everyone, versions


# -- each repository's arrays kept in the store ----------------------------------------------
# A piece: "cols" (n x 18 int64: the times, number, additions, deletions, n_comments, flags,
# offset, the author's id in "names"), "names", "deploys", "incidents" (k x 4).
_PIECE_COLS = (*TIME_FIELDS, "number", "additions", "deletions", "n_comments", "flags",
               "offset", "author")


def _pieces(a: PRArrays, everyone: np.ndarray, versions: dict[str, int]
            ) -> dict[str, tuple[int, dict[str, np.ndarray]]]:
    """``a`` cut into one piece per repository, with the version it was read at."""
    flags = (a.is_bot.astype(np.int64) | a.is_draft.astype(np.int64) << 1 |
             a.is_revert.astype(np.int64) << 2 | a.bugfix_rule.astype(np.int64) << 3)
    offset = a.utc_offset.astype(np.int64) if a.utc_offset is not None else \
        np.full(a.n, NO_OFFSET, np.int64)
    cols = np.column_stack([*(a.times[c] for c in TIME_FIELDS), a.number, a.additions,
                            a.deletions, a.n_comments, flags, offset,
                            a.author_idx.astype(np.int64)]) if a.n else \
        np.zeros((0, len(_PIECE_COLS)), np.int64)
    bounds = np.searchsorted(a.repo_idx, np.arange(len(a.repos) + 1))
    out = {}
    for i, r in enumerate(a.repos):
        block = cols[bounds[i]:bounds[i + 1]].copy()
        ids = block[:, -1]
        mine = np.unique(ids[ids >= 0])
        ids[ids >= 0] = np.searchsorted(mine, ids[ids >= 0])
        inc = np.column_stack([a.incidents[r][k] for k in INCIDENT_FIELDS]) \
            if len(a.incidents[r][INCIDENT_FIELDS[0]]) else np.zeros((0, 4), np.int64)
        out[r] = (versions.get(r, 0), {"cols": block, "names": everyone[mine],
                                       "deploys": a.deploy_times[r], "incidents": inc})
    return out


def _pack(piece: dict[str, np.ndarray]) -> bytes:
    """A piece as bytes: four int64 sizes (rows, deployments, incidents, bytes of names), the
    int64 blocks, then the names joined by NUL (a character no text in PostgreSQL holds)."""
    names = "\0".join(piece["names"].tolist()).encode()
    head = np.array([len(piece["cols"]), len(piece["deploys"]), len(piece["incidents"]),
                     len(names)], dtype="<i8")
    return b"".join([head.tobytes(), piece["cols"].astype("<i8").tobytes(),
                     piece["deploys"].astype("<i8").tobytes(),
                     piece["incidents"].astype("<i8").tobytes(), names])


def _unpack(data: bytes) -> dict[str, np.ndarray]:
    """``_pack`` undone, the blocks as views of ``data`` (no copy)."""
    n, d, k, m = (int(x) for x in np.frombuffer(data, "<i8", 4))
    at = 32
    cols = np.frombuffer(data, "<i8", n * len(_PIECE_COLS), at).reshape(n, len(_PIECE_COLS))
    at += cols.nbytes
    deploys = np.frombuffer(data, "<i8", d, at)
    at += deploys.nbytes
    incidents = np.frombuffer(data, "<i8", k * 4, at).reshape(k, 4)
    at += incidents.nbytes
    text = bytes(data[at:at + m]).decode()
    return {"cols": cols, "deploys": deploys, "incidents": incidents,
            "names": np.array(text.split("\0") if m else [], dtype=object)}


def _keep(store, pieces: dict[str, tuple[int, dict[str, np.ndarray]]]) -> None:
    """Keep each piece in ``repo_arrays`` with the version it was read at (a write since has
    bumped the version: the piece is then never used)."""
    rows = [(r, version, _pack(piece)) for r, (version, piece) in pieces.items()]
    with store.db._connection() as conn, conn.cursor() as cur:
        # kept whole, uncompressed: reading them back is then a plain copy of bytes
        cur.execute("SELECT attstorage FROM pg_attribute WHERE attrelid = 'repo_arrays'::regclass "
                    "AND attname = 'data'")
        if cur.fetchone()[0] != "e":
            cur.execute("ALTER TABLE repo_arrays ALTER COLUMN data SET STORAGE EXTERNAL")
        cur.executemany("INSERT INTO repo_arrays (repo, version, data) VALUES (%s, %s, %s) "
                        "ON CONFLICT (repo) DO UPDATE SET version = excluded.version, "
                        "data = excluded.data", rows)


def _kept(store, repos: list[str]) -> dict[str, dict[str, np.ndarray]]:
    """The pieces kept for ``repos`` whose version is current (fetched as binary)."""
    out = {}
    with store.db._connection() as conn, conn.cursor(binary=True) as cur:
        cur.execute("SELECT k.repo, k.data FROM repo_arrays k JOIN repos r ON r.repo = k.repo "
                    "AND r.arrays_version = k.version WHERE k.repo = ANY(%s)", (repos,))
        for r, data in cur:
            out[r] = _unpack(data)
    return out


def _assemble(repos: list[str], pieces: dict[str, dict[str, np.ndarray]]) -> PRArrays:
    """One PRArrays of ``repos`` from their pieces (authors made one across repositories: one
    hash pass over every piece's names)."""
    import pandas as pd

    names = [np.asarray(pieces[r]["names"], dtype=object) for r in repos]
    codes, _uniques = pd.factorize(np.concatenate(names + [np.zeros(0, dtype=object)]))
    starts = np.cumsum([0] + [len(x) for x in names])
    blocks, idx, authors = [], [], []
    for i, r in enumerate(repos):
        block = pieces[r]["cols"]
        blocks.append(block)
        idx.append(np.full(len(block), i, dtype=np.int32))
        table = codes[starts[i]:starts[i + 1]].astype(np.int32)
        local = block[:, -1]
        ids = np.full(len(block), -1, dtype=np.int32)
        ids[local >= 0] = table[local[local >= 0]]
        authors.append(ids)
    cols = np.concatenate(blocks) if blocks else np.zeros((0, len(_PIECE_COLS)), np.int64)
    col = {c: cols[:, j] for j, c in enumerate(_PIECE_COLS)}
    flags, offset = col["flags"], col["offset"].astype(np.int32)
    rule = flags >> 3
    return PRArrays(
        repos=repos, repo_idx=np.concatenate(idx) if idx else np.zeros(0, np.int32),
        number=col["number"].copy(), times={c: col[c].copy() for c in TIME_FIELDS},
        additions=col["additions"].copy(), deletions=col["deletions"].copy(),
        n_comments=col["n_comments"].copy(), is_bot=(flags & 1) == 1,
        is_draft=(flags & 2) == 2, is_revert=(flags & 4) == 4, is_bugfix=rule > 0,
        bugfix_rule=rule.astype(np.int8),
        deploy_times={r: pieces[r]["deploys"] for r in repos},
        incidents={r: {k: pieces[r]["incidents"][:, j].copy()
                       for j, k in enumerate(INCIDENT_FIELDS)} for r in repos},
        author_idx=np.concatenate(authors) if authors else np.zeros(0, np.int32),
        utc_offset=offset if (offset != NO_OFFSET).any() else None)
