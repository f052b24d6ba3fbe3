"""Jobs for the render-pool tests, importable by a spawned worker: a real PDF render, one that
kills its worker the first time it runs, and one that always fails as WeasyPrint's concurrent
layout once did."""

from __future__ import annotations

import os
from pathlib import Path

from casestudy.render.pool import _render_job


def crash_once(marker: str, cs_json: str, paper: str) -> bytes:
    """The first call (no ``marker`` file yet) kills its worker process outright; the retry
    renders the PDF for real."""
    path = Path(marker)
    if not path.exists():
        path.write_text(str(os.getpid()))
        os._exit(3)  # a dead worker: the pool breaks, as after a segfault or the OOM killer
    return _render_job(cs_json, "pdf", paper)


def always_fail(counter: str, cs_json: str, paper: str) -> bytes:
    """Count the attempt in ``counter`` (one line per attempt), then fail."""
    with open(counter, "a") as f:
        f.write(f"{os.getpid()}\n")
    raise ZeroDivisionError("float division by zero")


def main_module() -> tuple[str | None, bool]:
    """What a worker was started with: its ``__main__`` file, and whether the marker script (a
    stand-in for the page script Streamlit makes ``__main__``) ran in it."""
    import sys

    main = sys.modules["__main__"]
    return getattr(main, "__file__", None), "casestudy_marker_ran" in os.environ


def part_crash_once(marker: str, html: str):
    """A PDF part whose first attempt kills its worker; the retry lays it out for real."""
    from casestudy.render.pdf_parts import render_part

    path = Path(marker)
    if not path.exists():
        path.write_text(str(os.getpid()))
        os._exit(3)
    return render_part(html)


def die() -> None:
    """Kill the worker that runs this (a pool broken before the next export comes)."""
    os._exit(4)
