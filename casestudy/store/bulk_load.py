"""Loading many repositories' PRs from PostgreSQL into the core's arrays in one pass.

Row by row, a million PRs cost seconds in Python tuples alone. Here PostgreSQL does the work:
one ``COPY … TO STDOUT (FORMAT BINARY)`` of integer columns only — the repository as its index
in the list asked for, flags packed into one column, two 32-bit values per int8 field — so
every row has the same width and numpy reads the whole stream without a Python object per row.
Times, counts and numbers travel unsigned, so each must lie in [0, 2**32 - 1) (times: 1970 to
2106; 2**32 - 1 is "missing"). The table is read in parts by parallel COPYs over disjoint
ranges of its pages (``ctid``), every part in one snapshot (``pg_export_snapshot``), each
drained straight from libpq (``_copy_out``) into one buffer; whole rows are then moved into
(repository, number) order and cut into columns a cache-sized block at a time.

The author travels as a number. A cold load of every repository (nothing kept) sends a 96-bit
hash of the name (``hashtextextended`` with two seeds) and numbers the authors by first
appearance after the sort, as the row-by-row load does — no second pass over the table for the
distinct names, no join on them; two names would have to agree on all 96 bits to be taken for
one (≈ n²/2⁹⁷: 10⁻¹⁷ for a million authors; no author and the empty name have hashes of their
own), and a clash of the first 64 bits alone is seen and resolved on all 96. Loads that merge
with arrays kept in the store need the names themselves (a kept piece carries its authors'
names): those send an id from a join on the distinct names.

Deployments and incidents come in one query each for every repository; derived
``deployed_at`` is filled per repository on sorted slices.
"""

from __future__ import annotations

import threading

import numpy as np

from ..core.deployments import deployed_at_is_exact, first_deployment_after
from ..model import INCIDENT_FIELDS, INCIDENT_RULES, MISSING, NO_OFFSET, TIME_FIELDS, PRArrays

_NONE = 2**32 - 1  # "missing" in an unsigned 32-bit value
# the 32-bit values, two per int8 field (high, low); a low one is never negative, so the
# field is (high << 32) | low with no masking; the author's hash or id follows as one int8
_VALUES = (*TIME_FIELDS, "additions", "deletions", "n_comments", "offset_flags", "author2",
           "repo_i", "number")  # (repo_i, number): one int8, the sort's key
_SIGNED = ("offset_flags",)  # read as int32; the others as uint32
# offset_flags: the UTC offset (seconds, ±14 h; _NO_OFFSET_SENT when none) times _FLAG_SPAN
# plus the flags: bot 1, draft 2, revert 4, the bugfix rule from 8 up
_RULE_SHIFT, _FLAG_SPAN, _NO_OFFSET_SENT = 3, 4096, -65536
_WIDTH = 2 + (len(_VALUES) // 2 + 1) * 12  # field count, then per field: length, 8 bytes


def _expressions(hashed: bool, part: tuple[int, int] = (0, 1), by_hash: bool = False
                 ) -> tuple[list[str], str]:
    """The 32-bit values in ``_VALUES`` order, and the int8 author: hashed, the first 64 bits
    of the name's hash (32 more in ``author2``; both 0 for none); else its id in this part's
    ``casestudy_names`` times the number of parts plus the part's (``part``: k, parts). The
    repository is its index in ``casestudy_want``, or ``by_hash`` its name's ``hashtext``."""
    value = {c: f"coalesce(p.{c}, {_NONE})" for c in
             (*TIME_FIELDS, "additions", "deletions", "n_comments")}
    value.update({
        "offset_flags": f"coalesce(p.author_utc_offset, {_NO_OFFSET_SENT}) * {_FLAG_SPAN} + "
                        "coalesce(p.author_is_bot, 0) + 2 * coalesce(p.is_draft, 0) + "
                        f"4 * coalesce(p.is_revert, 0) + {2**_RULE_SHIFT} * p.bugfix_rule",
        "number": "p.number",
        "author2": f"coalesce(hashtextextended(p.author, 1) & {_NONE}, 0)" if hashed else "0",
        "repo_i": "hashtext(p.repo)::int8" if by_hash else "w.i"})
    author = "coalesce(hashtextextended(p.author, 0), 0)" if hashed else \
        f"coalesce(a.id::int8 * {part[1]} + {part[0]}, -1)"
    assert len(_VALUES) % 2 == 0 and _VALUES.index("offset_flags") % 2 == 0  # signed: high
    assert _VALUES.index("repo_i") % 2 == 0 and _VALUES.index("number") == _VALUES.index(
        "repo_i") + 1
    return [value[c] for c in _VALUES], author


def _copy_sql(hashed: bool, pages: tuple[int | None, int | None],
              part: tuple[int, int] = (0, 1), wanted: str | None = None) -> str:
    """The COPY of the wanted repositories' PRs on the table's pages ``pages`` (from, to;
    None: open), after ``_prepare`` made the session's ``casestudy_want`` table (and, unless
    ``hashed``, ``casestudy_names``); given ``wanted`` (the repositories as an SQL array), the
    repository goes as its name's hash and the rows are kept by ``= ANY`` (no join: a sixth
    less server time)."""
    e, author = _expressions(hashed, part, wanted is not None)
    fields = [f"(({hi}) << 32) | ({lo})" for hi, lo in zip(e[::2], e[1::2], strict=True)]
    names = "" if hashed else " LEFT JOIN casestudy_names a ON a.author = p.author"
    want = "" if wanted is not None else " JOIN casestudy_want w ON w.repo = p.repo"
    conds = (f"p.repo = ANY({wanted}::text[])",) if wanted is not None else ()
    return (f"COPY (SELECT {', '.join(fields)}, {author} FROM pull_requests p{want}{names}"
            f"{_on_pages(pages, conds)}) TO STDOUT (FORMAT BINARY)")


def _on_pages(pages: tuple[int | None, int | None], conds: tuple[str, ...] = ()) -> str:
    """The WHERE clause keeping the rows on pages [from, to) (a TID range scan) and ``conds``."""
    lo, hi = pages
    every = [*conds, *([f"p.ctid >= '({lo},0)'::tid"] if lo is not None else []),
             *([f"p.ctid < '({hi},0)'::tid"] if hi is not None else [])]
    return (" WHERE " + " AND ".join(every)) if every else ""


def _prepare(conn, repos: list[str], hashed: bool,
             pages: tuple[int | None, int | None]) -> list[str]:
    """The wanted repositories (with their index in the list) and, unless ``hashed``, the ids
    of the authors on ``pages``, as temporary tables of the session, analysed so the planner
    hashes the small sides; returns the authors in id order (none when ``hashed``)."""
    # JIT-compiled expressions and row deforming (not inlined): a fifth less server time on a
    # large table; small ones stay under jit_above_cost and are not compiled
    conn.execute("SET LOCAL jit = on")
    conn.execute("SET LOCAL jit_inline_above_cost = -1")
    conn.execute("SET LOCAL work_mem = '64MB'")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS casestudy_want (repo text PRIMARY KEY, "
                 "i int8) ON COMMIT DROP")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS casestudy_names (author text PRIMARY KEY, "
                 "id int4) ON COMMIT DROP")
    with conn.cursor() as cur, cur.copy("COPY casestudy_want (repo, i) FROM STDIN") as copy:
        for row in enumerate(repos):
            copy.write_row(row[::-1])
    conn.execute("ANALYZE casestudy_want")
    if hashed:
        return []
    conn.execute("INSERT INTO casestudy_names SELECT author, (row_number() OVER ()) - 1 FROM "
                 "(SELECT DISTINCT p.author FROM pull_requests p JOIN casestudy_want w ON "
                 f"w.repo = p.repo{_on_pages(pages)}) d WHERE coalesce(author, '') != ''")
    conn.execute("ANALYZE casestudy_names")
    return [r[0] for r in conn.execute("SELECT author FROM casestudy_names ORDER BY id")]


def _copy_out(conn, sql: str, buf: bytearray) -> None:
    """Every row a ``COPY … TO STDOUT (FORMAT BINARY)`` sends appended to ``buf`` (which the
    parts share: a row goes in whole, under the GIL), read straight from libpq: psycopg's
    ``Copy`` costs ≈ 2 µs of Python per row (10 s for 5M PRs), this loop a fifth of that. It
    waits on the socket in ``select`` (the GIL released), so the parts' reads overlap. Every
    row has ``_WIDTH`` bytes; the stream's header (before the first row, in its message) and
    trailer (a message of its own) are left out."""
    import select

    import psycopg
    from psycopg import pq

    pg = conn.pgconn
    pg.send_query(sql.encode())
    res = pg.get_result()
    if res is None or res.status != pq.ExecStatus.COPY_OUT:
        while pg.get_result() is not None:
            pass
        raise psycopg.DatabaseError((res.error_message if res is not None else b"")
                                    .decode(errors="replace") or "COPY did not start")
    get, consume, fd, width = pg.get_copy_data, pg.consume_input, pg.socket, _WIDTH
    while True:
        n, data = get(1)
        if n == width:
            buf += data
        elif n > 0:
            data = bytes(data)
            if data.startswith(b"PGCOPY\n\xff\r\n\0"):  # 11-byte signature, flags, extension
                data = data[19 + int.from_bytes(data[15:19], "big"):]
                if len(data) == width:
                    buf += data
                    continue
            if data not in (b"", b"\xff\xff"):  # the trailer: -1 as int16
                raise psycopg.DatabaseError(f"the bulk load read a row of {len(data)} bytes")
        elif n == 0:
            select.select([fd], [], [])
            consume()
        else:
            break
    failed = None
    while (res := pg.get_result()) is not None:
        if res.status != pq.ExecStatus.COMMAND_OK:
            failed = res.error_message.decode(errors="replace")
    if failed:
        raise psycopg.DatabaseError(failed)


_NAMES = list(_VALUES)  # the columns
_COUNTED = (*TIME_FIELDS, "additions", "deletions", "n_comments")  # _NONE is MISSING there


def _word(name: str) -> int:
    """Where a 32-bit value sits among a row's words after its field count: per int8 field
    [length, high, low]; the author's field last."""
    if name in ("author_hi", "author_lo"):
        return (_WIDTH - 2) // 4 - (2 if name == "author_hi" else 1)
    k = _VALUES.index(name)
    return 3 * (k // 2) + 1 + k % 2


def _sorted_columns(raw: np.ndarray, nrepos: int, hashes: np.ndarray | None = None
                    ) -> dict[str, np.ndarray]:
    """The COPY's rows (``raw``: a row of ``_WIDTH`` bytes each) sorted by (repository as
    listed, number) and cut into int64 columns (times and counts missing as ``MISSING``, the
    offset signed, ``author`` whole). Rows are moved whole (one memory access per row, where
    moving a column at a time makes one per value: five times slower), a block at a time into
    the cache, where its bytes past each row's field count are copied once into an aligned
    block of big-endian words and its columns taken out (a field at a time over the whole
    stream walks every row once per field, on unaligned words: ten times slower). Given
    ``hashes`` (each repository's ``hashtext``, in the list's order), the rows carry those in
    place of the repository's index."""
    n = len(raw)

    def column(name: str, dtype: str = ">u4") -> np.ndarray:
        if not n:
            return np.zeros(0, dtype[1:])
        offset = 2 + 4 * _word(name) if name != "nfields" else 0
        return np.ndarray((n,), dtype, raw, offset, (_WIDTH,)).astype(dtype[1:])

    if n and not bool((column("nfields", ">u2") == (_WIDTH - 2) // 12).all()):
        raise RuntimeError("the bulk load read rows of another shape")
    # by repository in one radix pass, then by (repository, number) if the numbers are not in
    # order yet: the int8 field holding both is the key
    key = np.ndarray((n,), ">i8", raw, 2 + 4 * _word("repo_i"), (_WIDTH,)).astype(
        np.int64) if n else np.zeros(0, np.int64)
    if hashes is not None:  # each repository's hash made its index
        sorter = np.argsort(hashes)
        index = sorter[np.searchsorted(hashes[sorter], (key >> 32).astype(np.int32))]
        key = index.astype(np.int64) << 32 | key & 0xFFFFFFFF
    order = None
    if n and not bool((key[1:] > key[:-1]).all()):
        repo_i = (key >> 32).astype(np.uint16 if nrepos <= 1 << 16 else np.int64)
        if not bool((repo_i[1:] >= repo_i[:-1]).all()):
            order = np.argsort(repo_i, kind="stable")
            key = key[order]
    if not bool((key[1:] > key[:-1]).all()):
        again = np.argsort(key)
        key = key[again]
        if (np.diff(key) == 0).any():  # one snapshot: a PR is never read twice
            raise RuntimeError("the bulk load read a pull request twice")
        order = again if order is None else order[again]
    table = np.empty((len(_NAMES), n), np.int64)
    author = np.empty(n, np.int64)
    # two threads, each on every other stretch of rows (numpy lets go of the GIL as it copies)
    stretch = max(1 << 14, -(-n // 8))
    failed: list[BaseException] = []
    threads = [threading.Thread(target=_finish, args=(
        raw, order, range(k * stretch, n, 2 * stretch), stretch, table, author, failed))
        for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        raise failed[0]
    out = {v: table[j] for j, v in enumerate(_NAMES)}
    out["author"] = author
    out["repo_i"] = key >> 32
    return out


def _finish(raw: np.ndarray, order: np.ndarray | None, starts: range, stretch: int,
            table: np.ndarray, author: np.ndarray, failed: list[BaseException]) -> None:
    """``_sorted_columns``' output rows [start, start + stretch) for each start, a block at a
    time: the block's rows gathered (in order) into the cache, then cut into the columns (an
    error goes in ``failed``, for the caller's thread)."""
    try:
        _finish_rows(raw, order, starts, stretch, table, author)
    except BaseException as exc:  # noqa: BLE001 - raised again by the caller's thread
        failed.append(exc)


def _finish_rows(raw: np.ndarray, order: np.ndarray | None, starts: range, stretch: int,
                 table: np.ndarray, author: np.ndarray) -> None:
    whole = raw.view(np.dtype((np.void, _WIDTH))).reshape(-1)  # a row as one item
    take = np.array([_word(v) for v in _NAMES])
    counted = len(_COUNTED)
    signed = [(_NAMES.index(v), _word(v)) for v in _SIGNED]
    hi_word, lo_word = _word("author_hi"), _word("author_lo")
    step = 1 << 14
    for start in starts:
        for lo in range(start, min(start + stretch, len(raw)), step):
            hi = min(lo + step, start + stretch)
            block = raw[lo:hi] if order is None else \
                np.take(whole, order[lo:hi]).view(np.uint8).reshape(-1, _WIDTH)
            words = block[:, 2:].copy().view(">u4")
            part = table[:, lo:hi]
            part[...] = words[:, take].T
            some = part[:counted]
            some[some == _NONE] = MISSING
            for j, w in signed:
                part[j] = words[:, w].astype(np.uint32).view(np.int32)
            author[lo:hi] = (words[:, hi_word].astype(np.int64) << 32) | \
                words[:, lo_word].astype(np.int64)


def _read_part(conn, repos: list[str], hashed: bool, pages: tuple[int | None, int | None],
               part: tuple[int, int], wanted: str | None, buf: bytearray, out: list) -> None:
    """One part's rows appended to ``buf`` (shared) on ``conn`` (in a transaction on the
    shared snapshot); its author names (none when ``hashed``) or its error put in
    ``out[k]``."""
    k = part[0]
    try:
        names = _prepare(conn, repos, hashed, pages)
        _copy_out(conn, _copy_sql(hashed, pages, part, wanted), buf)
        out[k] = names
    except Exception as exc:  # noqa: BLE001 - raised again by the caller's thread
        out[k] = exc


def _read_rows(store, repos: list[str], hashed: bool
               ) -> tuple[dict[str, np.ndarray], np.ndarray | None, tuple]:
    """Every wanted PR, read by ``$CASESTUDY_LOAD_PARTS`` (default 2) COPYs at once over
    disjoint ranges of the table's pages, in one snapshot: the columns sorted by (repository
    as listed, number) (``_sorted_columns``; unless ``hashed``, ``author`` is an id in the
    names returned next); and ``_rest`` in that snapshot."""
    import os
    from contextlib import ExitStack

    from psycopg_pool import PoolTimeout

    wanted_parts = max(1, int(os.environ.get("CASESTUDY_LOAD_PARTS") or 2))
    buf = bytearray()  # every part's rows, as they come
    with ExitStack() as stack:
        # one connection waited for; the others only if free now — a pool shared with other
        # visitors (or of size 1) must not make a load wait on itself: fewer parts instead
        conns = [stack.enter_context(store.db.pool.connection())]
        for _ in range(wanted_parts - 1):
            try:
                conns.append(stack.enter_context(store.db.pool.connection(timeout=0.05)))
            except PoolTimeout:
                break
        parts = len(conns)
        out: list = [None] * parts
        first = conns[0]
        first.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        try:
            snap = first.execute("SELECT pg_export_snapshot()").fetchone()[0]
            for c in conns[1:]:
                c.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                c.execute(f"SET TRANSACTION SNAPSHOT '{snap}'")
            pages = first.execute("SELECT pg_relation_size('pull_requests') / "
                                  "current_setting('block_size')::int8").fetchone()[0]
            cuts = [None, *(pages * k // parts for k in range(1, parts)), None]
            wanted, hashes = _by_hash(first, repos) if hashed else (None, None)
            threads = [threading.Thread(target=_read_part, args=(
                conns[k], repos, hashed, (cuts[k], cuts[k + 1]), (k, parts), wanted, buf, out))
                for k in range(parts)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for o in out:
                if isinstance(o, Exception):
                    raise o
            rest = _rest(first, repos)
        finally:
            for c in conns:
                try:
                    c.execute("ROLLBACK")  # read only; drops the session's temporary tables
                except Exception:  # noqa: BLE001, S110 - a broken connection: the pool drops it
                    pass
    raw = np.frombuffer(buf, np.uint8).reshape(-1, _WIDTH)
    cols = _sorted_columns(raw, len(repos), hashes)
    del raw, buf  # the stream goes
    if hashed:
        return cols, None, rest
    # the parts' author ids made one: ids of the sorted union of their names
    everyone = np.unique(np.concatenate([np.array(names, dtype=object) for names in out]
                                        + [np.zeros(0, dtype=object)]))
    tables = [np.searchsorted(everyone, np.array(names, dtype=object)) if names else
              np.zeros(0, np.int64) for names in out]
    starts = np.cumsum([0, *(len(t) for t in tables)])
    glued = np.concatenate([*tables, np.zeros(0, np.int64)])
    code = cols["author"]  # local id * parts + part, or -1
    known = code >= 0
    ids = np.full(len(code), -1, dtype=np.int64)
    ids[known] = glued[starts[code[known] % parts] + code[known] // parts]
    cols["author"] = ids
    return cols, everyone, rest


def _by_hash(conn, repos: list[str]) -> tuple[str | None, np.ndarray | None]:
    """The repositories as an SQL array and their names' ``hashtext`` when those differ (they
    then stand for the repositories in the COPY), else (None, None): the join then."""
    from psycopg import sql

    hashes = np.array([h for (h,) in conn.execute(
        "SELECT hashtext(r) FROM unnest(%s::text[]) WITH ORDINALITY t(r, i) ORDER BY i",
        (repos,))], dtype=np.int32)
    if not repos or len(np.unique(hashes)) < len(repos):
        return None, None
    return sql.Literal(repos).as_string(conn), hashes


def _rest(conn, repos: list[str]) -> tuple[dict[str, int], list, list, dict, tuple[int, int]]:
    """In the load's snapshot: each repository's ``arrays_version``, deployments and
    incidents (sorted per repository), (source, deploy source); and the empty name's hashes
    (as the COPY sends them)."""
    versions = dict(conn.execute("SELECT repo, arrays_version FROM repos WHERE repo = ANY(%s)",
                                 (repos,)).fetchall())
    deploy_rows = conn.execute(
        "SELECT repo, created_at FROM deployments WHERE repo = ANY(%s) "
        "ORDER BY repo, created_at", (repos,)).fetchall()
    incident_rows = conn.execute(
        f"SELECT repo, opened_at, coalesce(failed_at, {MISSING}), "
        f"coalesce(resolved_at, {MISSING}), rule FROM incidents WHERE repo = ANY(%s) "
        "ORDER BY repo, opened_at, id", (repos,)).fetchall()
    infos = dict((r, (s, d)) for r, s, d in conn.execute(
        "SELECT repo, source, deploy_source FROM repos WHERE repo = ANY(%s)", (repos,)))
    empty = conn.execute(f"SELECT hashtextextended('', 0), hashtextextended('', 1) & {_NONE}"
                         ).fetchone()
    return versions, deploy_rows, incident_rows, infos, tuple(empty)


def _hashed_ids(first: np.ndarray, second: np.ndarray, empty: tuple[int, int]) -> np.ndarray:
    """Authors numbered 0, 1, … by first appearance from their names' hashes: the first 64
    bits, or all 96 where two names share those; -1 for none (no name: both hashes 0; or the
    empty name, whose hashes are ``empty``)."""
    import pandas as pd

    named = ~(((first == 0) & (second == 0)) | ((first == empty[0]) & (second == empty[1])))
    ids = np.full(first.shape, -1, dtype=np.int32)
    codes, uniques = pd.factorize(first[named])
    seen = np.zeros(len(uniques), dtype=second.dtype)
    seen[codes] = second[named]
    if not np.array_equal(seen[codes], second[named]):  # a clash on 64 bits: use all 96
        codes, _u = pd.factorize(pd.MultiIndex.from_arrays([first[named], second[named]]))
    ids[named] = codes
    return ids


def load_arrays_postgres(store, repos: list[str]) -> PRArrays:
    """``Store._load_arrays_sql`` for a PostgreSQL store: each repository's arrays as kept in
    the store (``repo_arrays``, by ``keep_arrays``) while its ``arrays_version`` is unchanged,
    the others by the binary COPY. Rows come sorted by (repository as listed, number)."""
    kept = _kept(store, repos)
    if not kept:  # nothing kept: the COPY's arrays as they are, authors by their names' hash
        return _copy_load(store, repos, hashed=True)[0]
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


def _copy_load(store, repos: list[str], hashed: bool = False
               ) -> tuple[PRArrays, np.ndarray | None, dict[str, int]]:
    """The arrays of ``repos`` by COPY, the author names their ids index (none when
    ``hashed``: ids by first appearance), and each repository's ``arrays_version`` in the
    snapshot the COPY read."""
    cols, everyone, (versions, deploy_rows, incident_rows, infos, empty) = \
        _read_rows(store, repos, hashed)

    repo_i, number = cols["repo_i"].astype(np.int32), cols["number"]
    times = {c: cols[c] for c in TIME_FIELDS}
    flags = cols["offset_flags"] & (_FLAG_SPAN - 1)
    rule = flags >> _RULE_SHIFT
    author = _hashed_ids(cols["author"], cols["author2"], empty) \
        if hashed else cols["author"].astype(np.int32)
    offset = (cols["offset_flags"] >> (_FLAG_SPAN.bit_length() - 1)).astype(np.int32)
    offset[offset == _NO_OFFSET_SENT] = NO_OFFSET
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
        additions=np.maximum(cols["additions"], 0), deletions=np.maximum(cols["deletions"], 0),
        n_comments=np.maximum(cols["n_comments"], 0),
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
