"""Times as the sources' APIs write them (ISO 8601) turned into the store's epoch seconds."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_time(value: str | None) -> int | None:
    """An ISO-8601 time (``…Z`` or with an offset, as git actor dates have) to epoch seconds."""
    if not value:
        return None
    t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return int((t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp())
