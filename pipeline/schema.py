"""The tables every stage reads and writes: one module, one place to look.

A *segment* is one translatable unit of a SFIA skill. Its key is
``(skill, element, level, item)``; with ``framework`` (8 or 9) and ``lang`` a row is unique.

Elements
    ``name``         the skill name (level, item null)
    ``description``  the overall description (level, item null)
    ``guidance``     a guidance-notes paragraph (item = paragraph number, 1-based); the
                     "Activities may include..." lead-in is a paragraph of its own
    ``activity``     a bullet of the guidance notes (item = bullet number, 1-based, counted
                     across every list of the notes)
    ``level``        a level statement (level = 1..7, item null)

A level that a page declares "not defined / not usually practised" yields no segment.

Stages are plain functions ``DataFrame -> DataFrame``; each validates what it receives
and what it returns with :func:`validate` so that a broken table fails where it is made.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.errors import SchemaError

ELEMENTS = ("name", "description", "guidance", "activity", "level")
ELEMENT_ORDER = {e: i for i, e in enumerate(ELEMENTS)}
MARKERS = ("modified", "unchanged")
FRAMEWORKS = (8, 9)
SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}
DRIFT_STATUSES = ("unchanged", "cosmetic", "modified", "added", "removed")


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # pandas dtype name
    nullable: bool = True
    doc: str = ""
    public: bool = True  # written to the report files; False: provenance kept in memory only


def _cols(*cols: Column) -> tuple[Column, ...]:
    return cols


SEGMENT = _cols(
    Column("framework", "Int64", False, "SFIA version: 8 or 9"),
    Column("lang", "string", False, "BCP-47 language tag: en, en-US, ar, pl..."),
    Column("skill", "string", False, "skill code, e.g. CSMG"),
    Column("element", "string", False, "name, description, guidance, activity or level"),
    Column("level", "Int64", True, "1..7 for element 'level', else null"),
    Column("item", "Int64", True, "paragraph or bullet number (1-based) for guidance/activity, else null"),
    Column("text", "string", False, "the segment text, whitespace-trimmed"),
    Column("marker", "string", True, "'modified', 'unchanged' or null (SFIA 9 page markers)"),
    Column("origin", "string", False, "where it was read: 'path:line' or 'path:sheet!cell' (for display)"),
    # Provenance, as ingest knows it: later stages read these instead of parsing ``origin``.
    Column("path", "string", True, "the file it was read from", public=False),
    Column("line", "Int64", True, "1-based line in a text file (null for a spreadsheet cell)", public=False),
    Column("cell", "string", True, "'Sheet!B3' for a spreadsheet cell", public=False),
    Column("format", "string", True, "reader: sheet, page, jsonl, phrase, xliff, tmx", public=False),
    Column("keyed", "boolean", True, "units name their own item numbers (Phrase, XLIFF, TMX, JSONL)",
           public=False),
    Column("codes", "object", True, "inline codes of a bilingual unit (XLIFF, TMX): {'source': [...], "
           "'target': [...]}, each {'ph': '{1}', 'markup': original XML}; the text holds the 'ph' placeholders",
           public=False),
    # Translation provenance, from a Phrase TMS job (MXLIFF); null for other formats.
    Column("tm_score", "Float64", True, "TM match 0..101 when the text came from a translation memory", public=False),
    Column("trans_origin", "string", True, "tm, mt, human or none: where the job's text came from", public=False),
    Column("origin_detail", "string", True, "the MT engine or the TM, where the job says", public=False),
    Column("confirmed", "boolean", True, "a linguist confirmed the segment in the job", public=False),
    Column("locked", "boolean", True, "the segment is locked in the job", public=False),
    Column("job", "string", True, "the TMS job (task id)", public=False),
    Column("mxliff_id", "string", True, "the job's trans-unit id(s)", public=False),
    Column("source_text", "string", True, "the English the job translated", public=False),
    Column("suggestion", "string", True, "what the producing engine or memory suggested, when the job keeps it",
           public=False),
    Column("tms_text", "string", True, "the job's text, when another file (a page) gives the checked text",
           public=False),
)
PROVENANCE = ("tm_score", "trans_origin", "origin_detail", "confirmed", "locked", "job", "mxliff_id", "source_text",
              "suggestion", "tms_text")

# English SFIA 8 -> SFIA 9 alignment, one row per key. ``item`` is the SFIA 9 item when
# the segment exists in SFIA 9, else the SFIA 8 item; ``item_8``/``item_9`` keep both.
# The key of an aligned row: the segment key plus each version's own item number.
ALIGNED_KEY = _cols(
    Column("skill", "string", False),
    Column("element", "string", False),
    Column("level", "Int64"),
    Column("item", "Int64", True, "the SFIA 9 item when the segment is in SFIA 9, else the SFIA 8 item"),
    Column("item_8", "Int64", True, "item number in SFIA 8 (null when absent there)"),
    Column("item_9", "Int64", True, "item number in SFIA 9 (null when absent there)"),
)

ENGLISH_ALIGNMENT = _cols(
    *ALIGNED_KEY,
    Column("en_8", "string", True, "English SFIA 8 text"),
    Column("en_9", "string", True, "English SFIA 9 text"),
    Column("origin_8", "string", True),
    Column("origin_9", "string", True),
    Column("match", "string", False, "how the two were paired: same-key, content, moved, only-8, only-9"),
)

DRIFT = _cols(
    *ALIGNED_KEY,
    Column("status", "string", False, "unchanged, cosmetic, modified, added, removed"),
    Column("similarity", "Float64", True, "0..1 word-level similarity of SFIA 8 and 9 English"),
    Column("reason", "string", True, "for cosmetic: what differs (spelling, dash, quote, whitespace, serial-comma)"),
    Column("diff", "string", True, "word diff: [-old-]{+new+}"),
    Column("old", "string", True),
    Column("new", "string", True),
)

# One row per (lang, key) for every target language.
ALIGNMENT = _cols(
    Column("lang", "string", False),
    *ALIGNED_KEY,
    Column("en_8", "string"),
    Column("en_9", "string"),
    Column("tgt_8", "string", True, "the SFIA 8 translation"),
    Column("tgt_9", "string", True, "the SFIA 9 translation"),
    Column("marker", "string", True, "marker of the SFIA 9 translation"),
    Column("origin_tgt_8", "string"),
    Column("origin_tgt_9", "string"),
    Column("path_tgt_8", "string", True, "file of the SFIA 8 translation", public=False),
    Column("path_tgt_9", "string", True, "file of the SFIA 9 translation", public=False),
    Column("line_tgt_8", "Int64", True, public=False),
    Column("line_tgt_9", "Int64", True, public=False),
    Column("codes_tgt_8", "object", True, "inline codes of the SFIA 8 unit (see SEGMENT codes)", public=False),
    Column("codes_tgt_9", "object", True, "inline codes of the SFIA 9 unit", public=False),
    Column("provenance_tgt_8", "object", True, "TMS provenance of the SFIA 8 unit (SEGMENT PROVENANCE columns)",
           public=False),
    Column("provenance_tgt_9", "object", True, "TMS provenance of the SFIA 9 unit", public=False),
    Column("status_8", "string", True, "ok, missing (English has it, translation lacks it), extra, or null (no translation file)"),
    Column("status_9", "string", True, "same for the SFIA 9 translation"),
    Column("drift", "string", True, "drift status of the English for this key"),
)

FINDING = _cols(
    Column("code", "string", False, "stable check code, e.g. QA201"),
    Column("check", "string", False, "check name, e.g. list-capitalization"),
    Column("severity", "string", False, "error, warning or info"),
    Column("lang", "string", False),
    Column("framework", "Int64", True),
    Column("skill", "string", True),
    Column("element", "string", True),
    Column("level", "Int64", True),
    Column("item", "Int64", True),
    Column("message", "string", False, "one sentence a reviewer can act on"),
    Column("evidence", "object", True, "list of {field, start, end, text}: character spans to highlight"),
    Column("origin", "string", True, "'path:line' of the text the finding is about"),
    Column("path", "string", True, "file of the text the finding is about", public=False),
    Column("line", "Int64", True, "its line (null for a spreadsheet cell or a whole file)", public=False),
)

# What identifies an MT candidate: its language, the segment (when the file names a SFIA key; a
# free id otherwise) and the provider. Shared by the candidates as read and as scored.
_CANDIDATE_KEY = _cols(
    Column("lang", "string", False),
    Column("framework", "Int64", True),
    Column("skill", "string", True),
    Column("element", "string", True),
    Column("level", "Int64", True),
    Column("item", "Int64", True),
    Column("key", "string", False, "segment key (sfia9.CSMG.level.3) or the file's free id"),
    Column("provider", "string", False, "MT provider / system name"),
)

# MT candidates as ingest reads them (candidate files under translations/<lang>/sfia-<N>/candidates/).
CANDIDATE_INPUT = _cols(
    *_CANDIDATE_KEY,
    Column("text", "string", True, "candidate text (null when the provider gave none)"),
    Column("source", "string", True, "the English it translates, when the file gives it"),
    Column("reference", "string", True, "a reference translation, when the file gives it"),
    Column("origin", "string", False, "'path:line' of the candidate"),
    Column("path", "string", False, "the candidates file", public=False),
    Column("line", "Int64", True, public=False),
)

# The SFIA 9 draft the score stage assembles for a language with an SFIA 8 translation.
DRAFT = _cols(
    Column("lang", "string", False),
    Column("skill", "string", False),
    Column("element", "string", False),
    Column("level", "Int64", True),
    Column("item", "Int64", True),
    Column("key", "string", False),
    Column("drift", "string", True),
    Column("marker", "string", False, "'unchanged' (SFIA 8 text reused) or 'modified'"),
    Column("text", "string", True, "null: no usable candidate, translate by hand"),
    Column("taken_from", "string", True, "'sfia-8' or 'mt:<provider>'"),
)

# MT candidates for SFIA segments (the score stage's per-candidate table). ``key`` is the
# segment key string (pipeline.keys) or the free ``id`` of a candidates file.
CANDIDATE = _cols(
    *_CANDIDATE_KEY,
    Column("text", "string", True, "candidate text (null or empty when the provider gave none)"),
    # The English and the final text are the segment's, the same for its 7-odd candidates: they
    # stay out of candidates.csv (alignment.csv has them, on the same key) to keep it small.
    Column("source", "string", True, "the English it translates", public=False),
    Column("reference", "string", True, "final/reference translation when one exists", public=False),
    Column("chrf", "Float64", True, "sentence chrF against the reference (sacrebleu), when one exists"),
    Column("consensus", "Float64", True, "mean sentence chrF against the other candidates (MBR)"),
    Column("signals", "object", True, "list of quality signals, e.g. ['wrong-language', 'copy-of-source']"),
    Column("hard", "boolean", True, "a hard signal: never picked as best"),
    Column("rank", "Int64", True, "1 = best pick for the segment"),
    Column("best", "boolean", True),
    Column("origin", "string", True, "'path:line' of the candidate"),
    Column("explain", "object", True, "signal -> why ({'numbers': 'the candidate has 24...'})", public=False),
    Column("path", "string", True, public=False),
    Column("line", "Int64", True, public=False),
)



def columns(schema: tuple[Column, ...], public: bool = False) -> list[str]:
    """Column names in order; ``public=True``: only those the report files carry."""
    return [c.name for c in schema if c.public or not public]


def empty(schema: tuple[Column, ...]) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in schema})


def make(schema: tuple[Column, ...], records: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Build a table with exactly the schema's columns, in order, with its dtypes."""
    df = pd.DataFrame.from_records(records) if not isinstance(records, pd.DataFrame) else records.copy()
    if df.empty:
        base = empty(schema)
        for c in schema:
            if c.name in df.columns:
                base[c.name] = df[c.name].astype(c.dtype) if len(df) else base[c.name]
        return base
    out = {}
    for c in schema:
        if c.name in df.columns:
            col = df[c.name]
        else:
            col = pd.Series([None] * len(df), index=df.index)
        if c.dtype == "object":
            out[c.name] = col.astype("object")
        else:
            out[c.name] = col.astype(c.dtype)
    return pd.DataFrame(out).reset_index(drop=True)


def validate(df: pd.DataFrame, schema: tuple[Column, ...], name: str = "table") -> pd.DataFrame:
    """Check columns, dtypes, nulls and domain values; raise SchemaError on any breach."""
    want = columns(schema)
    missing = [c for c in want if c not in df.columns]
    if missing:
        raise SchemaError(f"{name}: missing columns {missing}")
    for c in schema:
        s = df[c.name]
        if c.dtype != "object" and str(s.dtype) != c.dtype:
            raise SchemaError(f"{name}: column {c.name} has dtype {s.dtype}, expected {c.dtype}")
        if not c.nullable and s.isna().any():
            raise SchemaError(f"{name}: column {c.name} has nulls")
    if "element" in df.columns:
        bad = set(df["element"].dropna()) - set(ELEMENTS)
        if bad:
            raise SchemaError(f"{name}: unknown elements {sorted(bad)}")
    if "marker" in df.columns:
        bad = set(df["marker"].dropna()) - set(MARKERS)
        if bad:
            raise SchemaError(f"{name}: unknown markers {sorted(bad)}")
    if "framework" in df.columns:
        bad = set(df["framework"].dropna().astype(int)) - set(FRAMEWORKS)
        if bad:
            raise SchemaError(f"{name}: unknown frameworks {sorted(bad)}")
    if "severity" in df.columns:
        bad = set(df["severity"].dropna()) - set(SEVERITIES)
        if bad:
            raise SchemaError(f"{name}: unknown severities {sorted(bad)}")
    if "level" in df.columns and len(df):
        lv = df["level"].dropna()
        if ((lv < 1) | (lv > 7)).any():
            raise SchemaError(f"{name}: level outside 1..7")
    if schema is SEGMENT and len(df):
        is_level = df["element"] == "level"
        if df.loc[is_level, "level"].isna().any() or df.loc[~is_level, "level"].notna().any():
            raise SchemaError(f"{name}: level must be set exactly on 'level' segments")
        itemised = df["element"].isin(["guidance", "activity"])
        if df.loc[itemised, "item"].isna().any() or df.loc[~itemised, "item"].notna().any():
            raise SchemaError(f"{name}: item must be set exactly on guidance/activity segments")
        dup = df.duplicated(["framework", "lang", "skill", "element", "level", "item"], keep=False)
        if dup.any():
            first = df[dup].iloc[0]
            raise SchemaError(
                f"{name}: duplicate segment key {first['skill']}/{first['element']}/"
                f"{first['level']}/{first['item']} ({first['origin']})")
    return df


def sort_key_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Sort rows in reading order: skill, element order, level, item."""
    if df.empty:
        return df.reset_index(drop=True)
    order = df["element"].map(ELEMENT_ORDER)
    extra = [c for c in ("framework", "lang") if c in df.columns]
    tmp = df.assign(_eo=order)
    by = extra + ["skill", "_eo", "level", "item"]
    return tmp.sort_values(by, kind="stable", na_position="first").drop(columns="_eo").reset_index(drop=True)


# --- small value helpers every stage uses ---------------------------------------------------


def rows(df: pd.DataFrame) -> list[dict]:
    """The table's rows as dicts, as ``df.to_dict("records")`` gives them (a typed column's
    missing value None, NaN of a float column NaN), made column by column instead of cell by
    cell: several times faster on the alignment and candidate tables."""
    cols = list(df.columns)
    data = []
    for c in cols:
        s = df[c]
        if isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
            missing = s.isna().to_numpy()
            data.append([None if m else v for v, m in zip(s.astype(object).tolist(), missing, strict=True)])
        else:
            data.append(s.tolist())
    return [dict(zip(cols, row, strict=True)) for row in zip(*data, strict=True)] if cols \
        else [{} for _ in range(len(df))]



def na(v) -> bool:
    """True for None, NaN and pandas' NA (a cell with no value)."""
    if v is None:
        return True
    if isinstance(v, (str, list, dict, tuple)):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def opt(v):
    """A cell's value, None when it has none."""
    return None if na(v) else v


def opt_int(v) -> int | None:
    return None if na(v) else int(v)


def opt_str(v) -> str | None:
    return None if na(v) else str(v)


def label(element: str, level=None, item=None) -> str:
    """How a segment is named in messages and reports: 'level 3', 'activity 2', 'description'."""
    if element == "level" and not na(level):
        return f"level {int(level)}"
    if element in ("guidance", "activity") and not na(item):
        return f"{element} {int(item)}"
    return element


def share_strings(df: pd.DataFrame, skip: tuple[str, ...] = (), pool: dict[str, str] | None = None) -> pd.DataFrame:
    """The same table with each distinct string stored once: a language, a skill code, a file
    path, the English every candidate of a segment repeats... were a separate object in every
    row. ``pool``: strings to share with (another table's, e.g. :func:`string_pool`), extended
    with this table's. Values, dtypes and order are unchanged; only memory is saved."""
    pool = {} if pool is None else pool
    for c in df.columns:
        if c in skip or df[c].dtype.kind != "O" and str(df[c].dtype) != "string":
            continue
        before = len(pool)
        values = df[c].tolist()
        shared = [pool.setdefault(v, v) if type(v) is str else v for v in values]
        if len(pool) - before < len(values):
            df[c] = pd.Series(shared, index=df.index, dtype=df[c].dtype)
    return df


def string_pool(*columns: pd.Series) -> dict[str, str]:
    """The strings of some columns, for :func:`share_strings` to share with."""
    pool: dict[str, str] = {}
    for col in columns:
        for v in col.tolist():
            if type(v) is str:
                pool.setdefault(v, v)
    return pool
