"""One CSV or Parquet file read within bounds, before any record is built from it: at most
``config.max_import_rows()`` rows and ``config.max_import_bytes()`` decoded bytes (a Parquet
file's footer and dictionaries are measured before its values are expanded; a CSV is read one
row past the cap), UTF-8 text only, and flat columns. What a file breaks is told in one
sentence (``FileBoundsError``) that names the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import max_import_bytes, max_import_rows

# the times an import takes: 1970-01-01 up to (not including) 2100-01-01, UTC
FIRST_TIME, END_TIME = 0, 4_102_444_800
TIME_RANGE = "1970–2100"
LARGEST_INT = 2**53 - 1  # a whole number a float and every store column hold exactly


class FileBoundsError(ValueError):
    """A file refused before its values were read, described for a person."""


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def _refuse_rows(name: str, rows: int, counted: bool = True) -> None:
    """``counted``: ``rows`` is the file's row count (else: it was read up to the cap + 1)."""
    cap = max_import_rows()
    if rows > cap:
        held = f"{rows:,} rows" if counted else f"more than {cap:,} rows"
        raise FileBoundsError(f"{name} holds {held}; this instance imports at most {cap:,} "
                              "rows per file")


def _refuse_bytes(name: str, size: int) -> None:
    cap = max_import_bytes()
    if size > cap:
        raise FileBoundsError(f"{name} expands to {_mb(size)}; this instance imports at most "
                              f"{_mb(cap)} per file")


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV file as text columns ('' is missing); its size is its decoded size."""
    _refuse_bytes(path.name, path.stat().st_size)
    cap = max_import_rows()
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], nrows=cap + 1,
                         encoding="utf-8", encoding_errors="strict")
    except UnicodeDecodeError as exc:
        raise FileBoundsError(f"{path.name} is not UTF-8 text (byte {exc.start + 1:,} cannot "
                              "be read): save it as UTF-8 and import it again") from None
    except pd.errors.EmptyDataError:
        raise FileBoundsError(f"{path.name} is empty") from None
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise FileBoundsError(f"{path.name} is not a readable CSV file ({first})") from None
    _refuse_rows(path.name, len(df), counted=False)
    df.attrs["first_row"] = 2  # the header is line 1
    return df


def read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file of flat columns. Its row count comes from the footer; text columns are
    read dictionary-encoded and their expanded size summed from the dictionaries before any
    value is expanded."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise FileBoundsError(f"{path.name} is not a Parquet file ({_first_line(exc)})") from None
    meta = pf.metadata
    _refuse_rows(path.name, meta.num_rows)
    _refuse_bytes(path.name, sum(meta.row_group(i).total_byte_size
                                 for i in range(meta.num_row_groups)))
    schema = pf.schema_arrow
    nested = [f.name for f in schema if pa.types.is_nested(f.type)]
    if nested:
        raise FileBoundsError(f"{path.name}: column {nested[0]!r} is nested; write lists as "
                              "text (JSON or a|b|c)")
    texts = [f.name for f in schema if pa.types.is_string(f.type) or
             pa.types.is_large_string(f.type) or pa.types.is_binary(f.type) or
             pa.types.is_large_binary(f.type)]
    try:
        table = pq.ParquetFile(path, read_dictionary=texts).read()
    except (pa.ArrowException, OSError) as exc:
        raise FileBoundsError(f"{path.name} cannot be read ({_first_line(exc)})") from None
    size = 0
    for col in table.columns:
        for chunk in col.chunks:
            if pa.types.is_dictionary(chunk.type):
                lengths = pc.binary_length(chunk.dictionary)  # null indices take nothing
                size += pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0
                size += 8 * len(chunk)
            else:
                size += chunk.nbytes
    _refuse_bytes(path.name, size)
    plain = pa.schema([pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type)
                       else f for f in table.schema])
    df = table.cast(plain).to_pandas()
    df.attrs["first_row"] = 1
    return df


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def read_table(path: Path) -> pd.DataFrame:
    """``path`` (``.parquet``, else CSV) read within the bounds."""
    if not path.exists():
        raise FileBoundsError(f"{path} does not exist")
    return read_parquet(path) if path.suffix == ".parquet" else read_csv(path)


def row_numbers(bad: pd.Series, first_row: int = 2, at_most: int = 5) -> list[int]:
    """The first ``at_most`` rows where ``bad`` holds, numbered as the file shows them (the
    frame's ``attrs["first_row"]``: 2 in a CSV under its header, 1 in Parquet)."""
    return [int(i) + first_row for i in bad.index[bad.to_numpy(dtype=bool)][:at_most]]
