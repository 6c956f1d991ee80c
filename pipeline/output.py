"""Tables to text: JSON Lines, CSV and a plain table for terminals; deterministic."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from typing import IO

import pandas as pd


def plain(value):
    """A JSON-safe Python value: NA/NaN -> None, numpy scalars -> Python scalars."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def plain_column(s: pd.Series) -> list:
    """A column as JSON-safe Python values, converted column-wise (not cell by cell)."""
    if s.dtype == object:
        return [plain(v) for v in s.tolist()]
    na = s.isna().to_numpy()
    values = s.astype(object).tolist() if str(s.dtype) in ("string", "boolean") else s.to_numpy(
        dtype=object, na_value=None).tolist()
    out = [None if m else (v.item() if hasattr(v, "item") else v) for v, m in zip(values, na, strict=True)]
    if s.dtype.kind == "f" or str(s.dtype) == "Float64":
        out = [None if isinstance(v, float) and not math.isfinite(v) else v for v in out]
    return out


def records(df: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    return list(iter_records(df, columns))


CHUNK = 20_000  # rows made plain at a time by iter_records


def iter_records(df: pd.DataFrame, columns: list[str] | None = None) -> Iterator[dict]:
    """:func:`records` one at a time, made plain a chunk of rows at a time: a large table is
    written without all its rows (or all its columns) as Python objects at once."""
    cols = columns or list(df.columns)
    if not cols:
        yield from ({} for _ in range(len(df)))
        return
    for start in range(0, len(df), CHUNK):
        sub = df.iloc[start:start + CHUNK]
        data = [plain_column(sub[c]) for c in cols]
        for row in zip(*data, strict=True):
            yield dict(zip(cols, row, strict=True))


def to_jsonl(df: pd.DataFrame, columns: list[str] | None = None) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in iter_records(df, columns))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula (OWASP: prefix ``'`` to a cell that
    starts with = + - @, a tab or a carriage return). Numbers are written as numbers, untouched."""
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(df: pd.DataFrame, columns: list[str] | None = None) -> str:
    """CSV for people and spreadsheets: text cells are guarded against formula injection."""
    cols = columns or list(df.columns)
    return rows_to_csv(iter_records(df, cols), cols)


def rows_to_csv(rows: Iterable[dict], columns: list[str]) -> str:
    """:func:`to_csv` of rows already made plain (:func:`records`): the ``columns`` of each."""
    buf = io.StringIO()
    write_csv_rows(buf, rows, columns)
    return buf.getvalue()


def write_csv(fh: IO[str], df: pd.DataFrame, columns: list[str] | None = None, header: bool = True) -> None:
    """:func:`to_csv` straight into an open text file, row by row (a large table never becomes
    one string). ``header=False``: the rows only (a part of a table written in parts)."""
    cols = columns or list(df.columns)
    write_csv_rows(fh, iter_records(df, cols), cols, header)


def write_csv_rows(fh: IO[str], rows: Iterable[dict], columns: list[str], header: bool = True) -> None:
    w = csv.writer(fh, lineterminator="\n")
    if header:
        w.writerow([csv_safe(c) for c in columns])
    for r in rows:
        w.writerow(["" if v is None else csv_safe(json.dumps(v, ensure_ascii=False)) if isinstance(v, (list, dict))
                    else f"{v:.4f}" if isinstance(v, float) else csv_safe(v) if isinstance(v, str) else v
                    for v in (r[c] for c in columns)])


def to_table(df: pd.DataFrame, columns: list[str] | None = None, width: int = 60) -> str:
    cols = columns or list(df.columns)
    rows = [[_cell(v, width) for v in r.values()] for r in records(df, cols)]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(cols)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    out = [line(cols), line(["-" * w for w in widths])] + [line(r) for r in rows]
    return "\n".join(out) + "\n"


def _cell(v, width: int) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3f}"
    s = " ".join(str(v).split())
    return s if len(s) <= width else s[: width - 1] + "…"


def render(df: pd.DataFrame, fmt: str, columns: list[str] | None = None) -> str:
    if fmt == "jsonl":
        return to_jsonl(df, columns)
    if fmt == "csv":
        return to_csv(df, columns)
    return to_table(df, columns)
