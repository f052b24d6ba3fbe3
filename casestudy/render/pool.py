"""Heavy renders (PDF, HTML with charts) out of the page process: one small process pool per
server process (``spawn``, ``$CASESTUDY_RENDER_WORKERS`` workers, 2 by default), each job retried
once on a fresh pool when it fails or its worker dies, and one plain sentence for the visitor when
the retry fails too. A worker lays out one document at a time, so WeasyPrint never runs two
layouts side by side in one interpreter (its layout is not thread-safe: a ``ZeroDivisionError``
was seen under concurrent exports from page threads)."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from ..document import CaseStudy

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 2  # one person's own instance: a PDF laid out in two parts side by side
HOSTED_WORKERS = 1  # a hosted process: one render at a time leaves a core to the pages (the
# load test: an exporter cost others' page p95 +36-64% with 2 workers, at most +10% with 1)
DEFAULT_NICE = 10  # renders yield the CPU to page runs: an export must not slow other visitors
DEFAULT_TIMEOUT = 600.0  # seconds one attempt may take before the visitor is told
FAILED = {
    "pdf": "The PDF could not be made just now; please try again in a minute.",
    "html": "The HTML report could not be made just now; please try again in a minute.",
}


class RenderFailed(RuntimeError):
    """A render that failed twice; ``str(exc)`` is the one sentence a visitor is shown."""


def default_workers() -> int:
    from ..config import hosted

    return HOSTED_WORKERS if hosted() else DEFAULT_WORKERS


def workers() -> int:
    """How many render processes a server process runs (``$CASESTUDY_RENDER_WORKERS``, 1–16;
    by default 2, or 1 on a hosted instance)."""
    try:
        n = int(os.environ.get("CASESTUDY_RENDER_WORKERS", default_workers()))
    except ValueError:
        n = default_workers()
    return max(1, min(16, n))


def timeout() -> float:
    """Seconds one attempt may run (``$CASESTUDY_RENDER_TIMEOUT``)."""
    try:
        return max(1.0, float(os.environ.get("CASESTUDY_RENDER_TIMEOUT", DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


def _lower_priority() -> None:
    """Pool initializer: the worker runs at a lower CPU priority (``$CASESTUDY_RENDER_NICE``,
    0 = as the page process) so pages stay quick while a PDF is laid out, and leaves Ctrl-C to
    the process that started it (which stops the pool): no traceback from every worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        nice = int(os.environ.get("CASESTUDY_RENDER_NICE", DEFAULT_NICE))
    except ValueError:
        nice = DEFAULT_NICE
    if nice > 0 and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(min(nice, 19))


_lock = threading.Lock()
_submit_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    """The server process's pool, created on first use."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=workers(),
                                        mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_lower_priority)
        return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    """Drop ``pool`` (broken or stuck) so the next job starts a fresh one; a stuck worker is
    terminated (it holds no state worth keeping)."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        if proc.is_alive():
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stop the pool's workers (tests; a server process ends them on exit anyway)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def stop() -> None:
    """End the pool's workers at once, whatever they are doing (a command that has its result,
    or gives up): no waiting for them to finish a warm-up or to exit in turn."""
    with _lock:
        pool = _pool
    if pool is not None:
        _discard(pool)


@contextlib.contextmanager
def _plain_main():
    """While workers may start: an empty ``__main__``. A spawned worker runs the parent's
    ``__main__`` again, and inside Streamlit that is the page script (Streamlit sets it for every
    run): each worker would run the whole app (store, case study) in bare mode before its first
    job. Held under the lock, so this module's own submits do not interleave."""
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


def _submit(pool: ProcessPoolExecutor, job: Callable[..., Any], *args: Any) -> Future:
    """``pool.submit`` (which starts a worker when one is needed) with an empty ``__main__``."""
    with _submit_lock, _plain_main():
        return pool.submit(job, *args)


def _left(deadline: float | None) -> float:
    """Seconds one wait may take: ``timeout()``, or what is left of ``deadline``."""
    if deadline is None:
        return timeout()
    return max(0.0, deadline - time.monotonic())


def run(job: Callable[..., Any], *args: Any, message: str = FAILED["pdf"],
        deadline: float | None = None) -> Any:
    """``job(*args)`` in a pool worker, retried once; ``RenderFailed(message)`` if both attempts
    fail (an exception in the job, a worker that died, or a timeout) or ``deadline``
    (``time.monotonic()``) passes. ``job`` must be a module-level function and ``args``
    picklable. The last failure is the ``RenderFailed``'s ``__cause__``."""
    last: BaseException | None = None
    for attempt in (1, 2):
        if deadline is not None and _left(deadline) <= 0:
            break
        pool = _executor()
        try:
            fut = _submit(pool, job, *args)
            return fut.result(timeout=_left(deadline))
        except Exception as exc:  # noqa: BLE001 - any failure of a worker is retried once
            last = exc
            log.warning("render attempt %d failed: %s", attempt, type(exc).__name__)
            if isinstance(exc, FutureTimeout) or getattr(pool, "_broken", False):
                _discard(pool)
    raise RenderFailed(message) from last


def run_all(jobs: Sequence[tuple[Callable[..., Any], tuple]],
            message: str = FAILED["pdf"], deadline: float | None = None) -> list[Any]:
    """Every ``(job, args)`` in the pool at once (side by side when there are workers free),
    results in order; a job that fails is retried once (on a fresh pool if the pool broke),
    ``RenderFailed(message)`` when it fails again or ``deadline`` passes."""
    pool = _executor()
    try:
        futures: list[Future | None] = [_submit(pool, job, *args) for job, args in jobs]
    except Exception as exc:  # noqa: BLE001 - a pool broken before we came: start afresh
        log.warning("render pool unusable: %s", type(exc).__name__)
        _discard(pool)
        futures = [None] * len(jobs)
    results: list[Any] = []
    for fut, (job, args) in zip(futures, jobs, strict=True):
        if fut is not None:
            try:
                results.append(fut.result(timeout=_left(deadline)))
                continue
            except Exception as exc:  # noqa: BLE001 - any failure of a worker is retried once
                log.warning("render part failed: %s", type(exc).__name__)
                if isinstance(exc, FutureTimeout) or getattr(pool, "_broken", False):
                    _discard(pool)
        results.append(run(job, *args, message=message, deadline=deadline))
    return results


def prestart() -> None:
    """Start every worker now and have it import WeasyPrint and load fonts, without waiting: a
    command that will make a PDF calls this before building the case study, so both happen at
    once."""
    from .pdf_parts import warm

    pool = _executor()
    for _ in range(workers()):
        _submit(pool, warm)


def _render_job(cs_json: str, fmt: str, paper: str) -> str | bytes:
    """In a worker: the document back from JSON, rendered to ``fmt``."""
    from . import render

    return render(CaseStudy.from_json(cs_json), fmt, paper=paper)


def _pdf_html_job(cs_json: str, paper: str) -> str:
    """In a worker: the HTML the PDF is laid out from (charts drawn or read from the cache)."""
    from .html import pdf_html

    return pdf_html(CaseStudy.from_json(cs_json), paper)


def pdf_in_pool(cs: CaseStudy | None, paper: str = "A4", html: str | None = None) -> bytes:
    """The PDF, its parts laid out by the pool's workers side by side (``pdf_parts``) and
    joined here, all within one ``timeout()``. Raises ``RenderFailed`` (its ``__cause__`` the
    last failure)."""
    from .html import PAGE_MARGIN, PAPER
    from .pdf_parts import render as render_parts

    deadline = time.monotonic() + timeout()
    if html is None:
        html = run(_pdf_html_job, cs.to_json(indent=None), paper, deadline=deadline)

    def parts(jobs: Sequence[tuple[Callable[..., Any], tuple]]) -> list[Any]:
        return run_all(jobs, deadline=deadline)

    try:
        return render_parts(html, PAPER[paper], PAGE_MARGIN, parts=workers(), run=parts)
    except RenderFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - cutting or joining the parts failed
        log.warning("joining the PDF's parts failed: %s", type(exc).__name__)
        raise RenderFailed(FAILED["pdf"]) from exc


def render_pooled(cs: CaseStudy, fmt: str, paper: str = "A4") -> str | bytes:
    """``render(cs, fmt, paper)`` (``pdf`` or ``html``) in the pool. Raises ``RenderFailed``."""
    if fmt not in FAILED:
        raise ValueError(f"only pdf and html are rendered in the pool, not {fmt!r}")
    if fmt == "pdf":
        return pdf_in_pool(cs, paper)
    return run(_render_job, cs.to_json(indent=None), fmt, paper, message=FAILED[fmt])
