"""CLI commands beyond ``demo``/``info``: each registers its sub-parser and handler here."""

from __future__ import annotations


def register(sub, common, commands: dict) -> None:
    """Add the sub-commands implemented so far."""
