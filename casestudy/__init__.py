"""casestudy: turn a repository's pull-request history into a comparative engineering case study."""

from .config import ensure_numba_cache_dir

ensure_numba_cache_dir()

__version__ = "0.1.0"
