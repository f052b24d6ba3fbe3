"""Case studies kept on disk between commands: a report asked again of the same data and options
is read back (JSON, tens of milliseconds) instead of being built again (about a second for the
demo's three repositories in a fresh process, most of it imports and analysis).

A kept case study is found by everything its build reads: the store (its location, instance,
data version and change stamp, which every write and every sync run changes), the options, and
the code (every source file of the package and the versions of the numeric libraries). Files are
JSON only (nothing executable is read back), written atomically in the private cache folder
(``config.cache_dir("case-studies")``) and pruned to the newest ``KEEP``. ``generated_at`` is
set afresh on a read, so a report says when it was made."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

from ..document import CaseStudy
from ..options import Options

KEEP = 64  # case studies kept; the least recently used go first
FOLDER = "case-studies"


@functools.cache
def code_key() -> str:
    """The code a case study is built by: every source file of the package (its name and its
    bytes: a module moved or renamed is other code), the versions of the numeric libraries,
    Python's version."""
    import sys

    from ..config import code_fingerprint

    package = Path(__file__).resolve().parent.parent
    files = sorted(package.rglob("*.py"))
    names = "\n".join(str(f.relative_to(package)) for f in files)
    return code_fingerprint(files, ("numpy", "numba", "scipy"), seed=f"{sys.version}\n{names}")


def key(store, opts: Options) -> str:
    """The name a case study of ``opts`` on ``store`` as it is now is kept under: the store's
    location, instance, data version and change stamp (copies of one database that changed
    apart differ in it), the options and the code."""
    text = f"{code_key()}\n{store.ident}\n{store.data_version()!r}\n{store.stamp}\n{opts!r}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _path(name: str) -> Path:
    from ..config import cache_dir

    return cache_dir(FOLDER) / f"{name}.json"


def load(name: str) -> CaseStudy | None:
    """The case study kept under ``name``, or None (not kept, unreadable, or from a document
    shape this code no longer reads)."""
    path = _path(name)
    try:
        text = path.read_text(encoding="utf-8")
        cs = CaseStudy.from_json(text)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # not there, torn, or not a case study: built again
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: the last to be pruned
    return dataclasses.replace(cs, generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))


def save(name: str, cs: CaseStudy) -> None:
    """Keep ``cs`` under ``name`` (atomically; a read-only or full cache is no reason to fail a
    report), then prune the folder to the newest ``KEEP``."""
    from ..config import write_atomically

    if write_atomically(_path(name), cs.to_json(indent=None)):
        prune()


def prune(keep: int = KEEP) -> int:
    """Delete all but the ``keep`` most recently used case studies; returns how many went."""
    from ..config import cache_dir

    files = []
    for p in cache_dir(FOLDER).glob("*.json"):
        with contextlib.suppress(OSError):
            files.append((p.stat().st_mtime, str(p), p))
    gone = 0
    for _, _, p in sorted(files, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            p.unlink()
            gone += 1
    return gone


def case_study(store, opts: Options, rebuild: bool = False) -> CaseStudy:
    """The case study of ``opts`` on ``store``: the kept one when the data, options and code
    are those it was built from (unless ``rebuild``), else built and kept."""
    name = key(store, opts)
    if not rebuild:
        cs = load(name)
        if cs is not None:
            return cs
    from .build import build_case_study

    cs = build_case_study(store, opts)
    save(name, cs)
    return cs
