"""Command-line interface: ``casestudy demo | info | report | import | export | sync | …``."""

from .main import main

__all__ = ["main"]
