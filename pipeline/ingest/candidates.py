"""MT candidate files: ``translations/<lang>/sfia-<N>/candidates/*.csv|*.tsv|*.jsonl``, and the
plain-text WMT layout (one segment a line) that ``sfia-qa score`` reads.

Candidates file columns (CSV header or JSONL keys)::

    provider, text                        required
    id | key | skill,element,level,item   the segment (a free id, a key like
                                          sfia9.CSMG.level.3, or the four key columns)
    framework, lang, source, reference    optional
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pipeline import langdata, schema
from pipeline.encoding import decode
from pipeline.errors import InputError
from pipeline.ingest.sheet import csv_problem
from pipeline.ioutil import iter_jsonl, read_regular
from pipeline.keys import DEFAULT_PATTERN, SKILL_CODE_RE, format_key, parse_key
from pipeline.schema import ELEMENTS

CANDIDATE_SUFFIXES = (".csv", ".tsv", ".jsonl")
CANDIDATE_DIR = "candidates"


def read_lines(path: str | os.PathLike) -> list[str]:
    """A plain-text file's lines (WMT layout: one segment a line)."""
    return _lines(Path(path))


def _lines(path: Path) -> list[str]:
    data = read_regular(path)
    text, _ = decode(data, str(path))
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln.rstrip("\r") for ln in lines]


# what a candidate's numbers may be: anything else is refused naming the line (a 20-digit level
# overflowed the table's integer column; level 0 broke its schema; Infinity crashed int())
_RANGES = {"framework": (8, 9), "level": (1, 7), "item": (1, 9999)}


def _int(v, where: str, col: str):
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    lo, hi = _RANGES.get(col, (None, None))
    what = f"{col} must be a whole number" + (f" from {lo} to {hi}" if lo is not None else "")
    if isinstance(v, bool) or (isinstance(v, float) and not v.is_integer()):
        raise InputError(where, f"{what}, not {_show(v)}")
    try:
        n = int(str(v).strip()) if isinstance(v, str) else int(v)
    except (TypeError, ValueError, OverflowError):
        raise InputError(where, f"{what}, not {_show(v)}") from None
    if lo is not None and (n < lo or (hi is not None and n > hi)):
        raise InputError(where, f"{what}, not {_show(v)}")
    return n


def _show(v) -> str:
    s = repr(v)
    return s if len(s) <= 40 else s[:37] + "..."


def _records(path: Path, name: str, lang: str | None = None) -> list[tuple[int, dict]]:
    """(line, object) for each candidate of a file."""
    if path.is_dir():
        raise InputError(name, "is a folder: give the candidates files in it (.csv, .tsv or .jsonl)")
    if path.suffix.lower() not in CANDIDATE_SUFFIXES:
        raise InputError(name, "candidates must be .csv, .tsv or .jsonl")
    try:
        data = read_regular(path)
    except InputError as e:
        raise InputError(name, e.what) from None
    text, _ = decode(data, name, *langdata.legacy_encodings(lang))
    out: list[tuple[int, dict]] = []
    if path.suffix.lower() == ".jsonl":
        out.extend(iter_jsonl(text, name))
        return out
    # newline="": the csv module itself handles \n, \r\n and old Mac \r line ends
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if path.suffix.lower() == ".tsv" else ",",
                            strict=True)  # an unclosed quote is an error, not the rest of the file in one cell
    last = 1  # the line the last good record ended on (the header's, at first)
    try:
        for row in reader:
            if None in row:
                raise InputError(f"{name}:{reader.line_num}", "more cells than header columns")
            out.append((reader.line_num, row))
            last = reader.line_num
    except csv.Error as e:
        raise InputError(f"{name}:{last + 1}", csv_problem(e)) from None
    return out


def read_candidate_records(path: str | Path, lang: str | None = None, framework: int | None = None,
                           key_pattern: str = DEFAULT_PATTERN, where: str | None = None) -> list[dict]:
    """One dict per candidate: key, provider, text, meta, source, reference, origin.
    ``where``: how to name the file in origins and errors (default: as given)."""
    path = Path(path)
    name = where or str(path)
    rows = []
    jsonl, good_tags = path.suffix.lower() == ".jsonl", set()
    for line, obj in _records(path, name, lang):
        where = f"{name}:{line}"
        if "provider" not in obj or "text" not in obj:
            raise InputError(where, "a candidate needs 'provider' and 'text' (and 'id', 'key' or "
                                    "'skill'+'element')")
        provider = str(obj.get("provider") or "").strip()
        if not provider:
            raise InputError(where, "empty provider")
        fw = _int(obj.get("framework"), where, "framework") or framework
        meta: dict = {}
        if obj.get("skill") not in (None, ""):
            el = str(obj.get("element") or "").strip()
            if el not in ELEMENTS:
                raise InputError(where, f"element must be one of {', '.join(ELEMENTS)}, not {el!r}")
            if not SKILL_CODE_RE.match(str(obj["skill"]).strip()):
                raise InputError(where, f"not a SFIA skill code: {obj['skill']!r:.40}")
            meta = {"framework": fw, "skill": str(obj["skill"]).strip(), "element": el,
                    "level": _int(obj.get("level"), where, "level"), "item": _int(obj.get("item"), where, "item")}
            if el == "level" and meta["level"] is None:
                raise InputError(where, "a 'level' segment needs its level")
            if el in ("guidance", "activity") and meta["item"] is None:
                raise InputError(where, f"a '{el}' segment needs its item")
            key = format_key(meta["skill"], el, meta["level"], meta["item"], fw or 9, key_pattern)
        elif obj.get("key") not in (None, ""):
            key = str(obj["key"]).strip()
            k = parse_key(key, key_pattern)
            if k:
                meta = {**k, "framework": _int(k["framework"], where, "framework") or fw}
        elif obj.get("id") not in (None, ""):
            key = str(obj["id"]).strip()
        else:
            raise InputError(where, "no segment: give 'id', 'key' or 'skill'+'element'")
        text = obj.get("text")
        if jsonl and isinstance(text, str):  # (only a JSON escape makes half a UTF-16 pair)
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as e:
                raise InputError(where, f"the text holds {text[e.start]!r}, half of a UTF-16 pair (a broken "
                                        "\\u escape?), not a character") from None
        cand_lang = obj.get("lang") or lang
        if cand_lang is not None and cand_lang not in good_tags:
            if not isinstance(cand_lang, str) or not langdata.TAG_RE.match(langdata.normalize_tag(cand_lang)):
                raise InputError(where, f"not a language tag: {cand_lang!r:.40} (like pl, ar or pt-BR)")
            good_tags.add(cand_lang)
        rows.append({"key": key, "provider": provider, "text": None if text is None else str(text),
                     "meta": meta, "source": obj.get("source") or None,
                     "reference": obj.get("reference") or None, "origin": where,
                     "path": name, "line": line, "lang": cand_lang})
    if not rows:
        raise InputError(name, "no candidates in the file")
    return rows


def find_candidate_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Every candidates file under the given folders (in ``candidates/`` folders), sorted."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if not p.is_dir():
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            if Path(root).name != CANDIDATE_DIR:
                continue
            out.extend(Path(root) / f for f in sorted(files)
                       if not f.startswith(".") and Path(f).suffix.lower() in CANDIDATE_SUFFIXES)
    return out


def candidates_table(records: list[dict], pattern: str = DEFAULT_PATTERN) -> pd.DataFrame:
    """Candidate records (:func:`read_candidate_records`) -> the CANDIDATE_INPUT table. The same
    text from the same provider for the same segment in two files (a candidates file and the
    suggestions a TMS job keeps) is one candidate."""
    rows = []
    seen: set[tuple] = set()
    for r in records:
        ident = (r["lang"], r["key"], r["provider"], r["text"])
        if ident in seen:
            continue
        seen.add(ident)
        meta = r["meta"] or {}
        rows.append({"lang": r["lang"], "framework": meta.get("framework"), "skill": meta.get("skill"),
                     "element": meta.get("element"), "level": meta.get("level"), "item": meta.get("item"),
                     "key": r["key"], "provider": r["provider"], "text": r["text"], "source": r["source"],
                     "reference": r["reference"], "origin": r["origin"], "path": r["path"],
                     "line": r["line"]})
    table = schema.share_strings(schema.make(schema.CANDIDATE_INPUT, rows), skip=("origin",))
    return schema.validate(table, schema.CANDIDATE_INPUT, "candidates")
