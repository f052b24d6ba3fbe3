"""Text cells made inert for spreadsheets: a cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is a formula to Excel, LibreOffice and Google Sheets
(``=HYPERLINK("https://…?leak="&A1, …)``, ``=cmd|…``), so every CSV this project writes — the
drill-down's "Download as CSV" and ``casestudy export --format csv`` — starts such a cell with an
apostrophe, which spreadsheets show as text. The file import takes the apostrophe off again."""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: Any) -> Any:
    """``value`` with an apostrophe in front when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restored_cell(value: Any) -> Any:
    """The text ``inert_cell`` was given (an apostrophe before a formula start taken off)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _is_text(col: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)


def inert_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells are inert (numbers, times and flags are left alone)."""
    out = df.copy()
    for name in out.columns:
        if _is_text(out[name]):
            out[name] = out[name].map(inert_cell)
    return out


def restored_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` read from a CSV this project wrote, with its text cells as they were."""
    for name in df.columns:
        if _is_text(df[name]):
            df[name] = df[name].map(restored_cell)
    return df
