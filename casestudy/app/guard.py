"""Trouble with the database shown to a visitor as one sentence, never as a traceback or a
server path (the details go to the server's log): a busy connection pool, a database that went
away, a store that cannot be opened."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from ..config import hosted
from ..render.escape import esc
from ..store import StoreError
from ..store.db import DatabaseBusy, engine_errors

log = logging.getLogger("casestudy.app")
UNAVAILABLE = "The database did not answer: try again in a moment."


def _sentence(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else UNAVAILABLE
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


@contextmanager
def database_trouble_told() -> Iterator[None]:
    """Run a page; a database error ends it with one sentence (``st.error``)."""
    try:
        yield
    except DatabaseBusy as exc:
        st.error(esc(_sentence(exc), 300))
    except StoreError as exc:  # for people, but it may name the store's path: not when hosted
        log.warning("store error: %s", exc)
        st.error(UNAVAILABLE if hosted() else esc(_sentence(exc), 300))
    except engine_errors():
        log.exception("database error while serving a page")
        st.error(UNAVAILABLE)
