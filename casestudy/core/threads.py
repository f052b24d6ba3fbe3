"""How many threads the parallel kernels use for an input of a given size.

The kernels are compiled ``parallel=True`` for the 10M-PR case, where two or more cores pay
off. A repository's case study is far smaller (Homebrew/brew: 15k PRs), and there the threads
only cost: on this 2-core machine with one other busy process, the same case study took 0.65 s
with two threads and 0.19 s with one, because every parallel region waits for a thread the busy
core cannot give. Below ``PARALLEL_MIN_ROWS`` rows (``$CASESTUDY_PARALLEL_MIN_ROWS``) the
kernels run on the calling thread only (numba's thread count is per calling thread, so one
Streamlit session does not change another's).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numba

PARALLEL_MIN_ROWS = int(os.environ.get("CASESTUDY_PARALLEL_MIN_ROWS", "250000"))


@contextmanager
def threads_for(rows: int) -> Iterator[int]:
    """Run the enclosed kernels on one thread when ``rows`` is below the threshold, else on
    every thread numba has; yields the thread count used."""
    if rows >= PARALLEL_MIN_ROWS:
        yield numba.get_num_threads()
        return
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield 1
    finally:
        numba.set_num_threads(before)
