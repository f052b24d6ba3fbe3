"""Numba's CPU target, set up without SciPy's linear algebra. When numba first sets up its CPU
target it imports ``scipy.linalg`` (0.2–0.3 s on a fresh process) only to learn whether ``np.dot``
and ``np.linalg`` could be compiled; no kernel here uses them. So the target is set up once with
that import turned away, and ``scipy.linalg`` stays importable for what needs it (the CI job
clustering imports it when it runs).

What it costs: numba's own BLAS flag stays off for the process, so ``np.correlate`` and
``np.convolve`` inside a kernel would take numba's plain loop (``np.dot`` checks again when it
compiles) — no kernel here uses any of them. While the target is set up (once, when
``casestudy.core`` is first imported; the app's server does it before serving), an
``import scipy.linalg`` in another thread would fail."""

from __future__ import annotations

import sys

_BLOCKED = "scipy.linalg"


def set_up() -> None:
    """Set numba's CPU target up now (idempotent), without importing ``scipy.linalg``."""
    if "numba.np.arraymath" in sys.modules or _BLOCKED in sys.modules:
        return  # already set up, or SciPy's linear algebra is loaded anyway: nothing to save
    sys.modules[_BLOCKED] = None  # type: ignore[assignment]  # import of it fails at once
    try:
        from numba.core.registry import cpu_target

        cpu_target.target_context.refresh()
    finally:
        if sys.modules.get(_BLOCKED, False) is None:
            del sys.modules[_BLOCKED]
