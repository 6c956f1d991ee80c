"""Ingest: every supported input file -> the segment table (:mod:`pipeline.schema`).

Formats, chosen by extension and checked by content:

* ``.xlsx`` / ``.csv`` / ``.tsv``: official SFIA skills spreadsheets (:mod:`.sheet`)
* ``.txt``: skill pages exported as text (:mod:`.page`)
* ``.jsonl``: segment tables written by ``sfia-qa segments --format jsonl`` and Phrase pulls
  (``translations/<lang>/phrase/sfia-9.jsonl``: one object with ``key`` and ``text``)
* ``.xlf`` / ``.xliff`` / ``.tmx``: translation units keyed by segment key (:mod:`.xmlfiles`)
* ``candidates/*.csv|*.tsv|*.jsonl``: MT candidates (:mod:`.candidates`), into their own table

The language and SFIA version of a file come from its path — ``translations/<lang>/sfia-<N>/``,
``sources/sfia-<N>/<lang>/``, or tokens of the file name (``sfia-9_..._en_US_...``) — unless
given explicitly. Folders are read recursively; ``README*`` files, hidden files and
``candidates/`` folders (MT candidates) are read into the candidates table instead.

Every segment carries its provenance as columns (``path``, ``line`` or ``cell``, ``format``,
``keyed``) so later stages never parse ``origin``, which is for display. :func:`ingest` is the
pipeline's ingest stage: the only place that reads the corpus.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pipeline import cache, langdata, output, parallel, schema
from pipeline.encoding import decode
from pipeline.errors import InputError, SchemaError
from pipeline.ingest import candidates as candidates_reader
from pipeline.ingest import mxliff as mxliff_reader
from pipeline.ingest import page as page_reader
from pipeline.ingest import sheet as sheet_reader
from pipeline.ingest import xmlfiles
from pipeline.ioutil import MANIFEST, is_regular, iter_jsonl
from pipeline.keys import DEFAULT_PATTERN, SKILL_CODE_RE, parse_key
from pipeline.results import Ingested

SUPPORTED = {".xlsx", ".csv", ".tsv", ".txt", ".jsonl", ".xlf", ".xliff", ".tmx", ".mxliff"}
SKIP_DIRS = {"candidates", "__pycache__"}
FRAMEWORK_RE = re.compile(r"^sfia[-_ ]?(\d+)(?:\b|_|$)", re.IGNORECASE)


def infer_context(path: Path) -> tuple[str | None, int | None]:
    """(lang, framework) from a path; either may be None when the path does not tell."""
    known = set(langdata.available())
    lang = framework = None
    parts = list(path.parts)
    for part in reversed(parts[:-1]):
        if framework is None:
            m = FRAMEWORK_RE.match(part)
            if m:
                framework = int(m.group(1))
        if lang is None and langdata.base_tag(part) in known and re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?", part):
            lang = langdata.normalize_tag(part)
    stem_tokens = re.split(r"[-_. ]", path.stem)
    if framework is None:
        m = FRAMEWORK_RE.match(path.stem)
        if m:
            framework = int(m.group(1))
    if lang is None:
        for i, tok in enumerate(stem_tokens):
            if tok.lower() in known:
                nxt = stem_tokens[i + 1] if i + 1 < len(stem_tokens) else ""
                lang = langdata.normalize_tag(f"{tok}-{nxt}" if re.fullmatch(r"[A-Z]{2}", nxt) else tok)
                break
    return lang, framework


def iter_files(paths: Iterable[str | os.PathLike], require: bool = False) -> list[Path]:
    """The readable files under ``paths``; with ``require``, a folder holding none is an error."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            before = len(out)
            for root, dirs, files in os.walk(p):
                # a report folder written into the corpus (it has a run's manifest) is not input
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS
                                 and not os.path.exists(os.path.join(root, d, MANIFEST)))
                for f in sorted(files):
                    fp = Path(root) / f
                    if f.startswith(".") or f.upper().startswith("README"):
                        continue
                    if fp.suffix.lower() in SUPPORTED and is_regular(fp):
                        out.append(fp)
            if require and len(out) == before:
                raise InputError(p, f"no SFIA files in this folder (looked for {', '.join(sorted(SUPPORTED))})")
        elif p.exists():
            if not is_regular(p):
                raise InputError(p, "not a regular file (a pipe or a device): give the file itself")
            out.append(p)
        else:
            raise InputError(p, "no such file or folder")
    return out


def _read_jsonl(data: bytes, where: str, lang: str | None, framework: int | None, pattern: str) -> list[dict]:
    text, _ = decode(data, where)
    segs = []
    for n, obj in iter_jsonl(text, where):
        if "key" in obj and "skill" not in obj:  # a Phrase pull
            k = parse_key(str(obj["key"]), pattern)
            if k is None:
                continue  # not a SFIA key: Phrase projects hold other strings too
            if k["framework"] is not None and k["framework"] not in schema.FRAMEWORKS:
                raise InputError(f"{where}:{n}", f"SFIA {k['framework']} is not supported (only 8 and 9)")
            text_ = obj.get("text")
            if text_ is None or not str(text_).strip():
                continue  # untranslated in Phrase: the missing-translation check reports it
            seg_lang = obj.get("locale") or obj.get("lang") or lang
            if not seg_lang:
                raise InputError(f"{where}:{n}", "no locale: put the file under translations/<lang>/")
            if not isinstance(seg_lang, str):
                raise InputError(f"{where}:{n}", f"locale must be a language tag, not {seg_lang!r:.40}")
            segs.append({"framework": k["framework"] or framework, "lang": langdata.normalize_tag(seg_lang),
                         "skill": k["skill"], "element": k["element"], "level": k["level"], "item": k["item"],
                         "text": " ".join(str(text_).split()), "marker": obj.get("marker"),
                         "origin": f"{where}:{n}", "line": n, "format": "phrase"})
            continue
        missing = [c for c in ("skill", "element", "text") if c not in obj]
        if missing:
            raise InputError(f"{where}:{n}", f"segment object lacks {', '.join(missing)}")
        seg = {c: obj.get(c) for c in schema.columns(schema.SEGMENT, public=True)}
        seg["framework"] = seg["framework"] or framework
        seg["lang"] = seg["lang"] or lang
        seg["origin"] = seg["origin"] or f"{where}:{n}"
        seg["line"] = n
        if seg["framework"] is None or seg["lang"] is None:
            raise InputError(f"{where}:{n}", "segment has no framework/lang and the path does not tell")
        problem = _segment_problem(seg)
        if problem:
            raise InputError(f"{where}:{n}", problem)
        seg["lang"] = langdata.normalize_tag(seg["lang"])  # 'PL', 'pl_PL' as every other reader gives them
        segs.append(seg)
    return segs


def record_problem(r: dict, text_from_json: bool = True) -> str | None:
    """What makes a segment read from any format unusable, or None. The skill code and the
    language name files in the reports (``drafts/<lang>/sfia-9/<SKILL>.csv``), so they must be
    what SFIA and BCP 47 allow, whatever the file says; the text must be text (no lone surrogate
    from a JSON escape); a marker is one of the two SFIA markers."""
    skill, lang, marker, text = r.get("skill"), r.get("lang"), r.get("marker"), r.get("text")
    if not isinstance(skill, str) or not SKILL_CODE_RE.match(skill):  # (a compiled match: ~1 µs a segment)
        return f"not a SFIA skill code: {skill!r:.40} (codes are 3-6 capital letters or digits, like PROG)"
    if not isinstance(lang, str) or not langdata.TAG_RE.match(lang):
        return f"not a language tag: {lang!r:.40} (like pl, ar or pt-BR)"
    if marker is not None and marker not in schema.MARKERS:
        return f"marker must be one of {', '.join(schema.MARKERS)} or none, not {marker!r:.40}"
    if text_from_json and isinstance(text, str):  # (decoded bytes hold no half UTF-16 pair; a JSON escape can)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            return f"the text holds {text[e.start]!r}, half of a UTF-16 pair (a broken \\u escape?), not a character"
    return None


def _whole(v, lo: int, hi: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def _segment_problem(seg: dict) -> str | None:
    """Why a segment object of a JSONL file cannot be a segment (one phrase), or None."""
    for c in ("skill", "element", "text", "lang", "origin"):
        if not isinstance(seg[c], str) or (c != "text" and not seg[c].strip()):
            return f"{c} must be a non-empty string, not {seg[c]!r:.40}"
    if seg["element"] not in schema.ELEMENTS:
        return f"element must be one of {', '.join(schema.ELEMENTS)}, not {seg['element']!r:.40}"
    if not _whole(seg["framework"], 8, 9):
        return f"framework must be 8 or 9, not {seg['framework']!r:.40}"
    if seg["marker"] is not None and seg["marker"] not in schema.MARKERS:
        return f"marker must be one of {', '.join(schema.MARKERS)} or null, not {seg['marker']!r:.40}"
    level_needed, item_needed = seg["element"] == "level", seg["element"] in ("guidance", "activity")
    for c, needed, hi in (("level", level_needed, 7), ("item", item_needed, 10_000)):
        v = seg[c]
        if needed and not _whole(v, 1, hi):
            return f"a {seg['element']} segment needs {c} 1-{hi}, not {v!r:.40}"
        if not needed and v is not None:
            return f"a {seg['element']} segment has no {c} (found {v!r:.40})"
    return None


def display_path(path: str | os.PathLike, root: str | os.PathLike | None = None) -> str:
    """How a file is named in origins and reports: relative to ``root`` (the configuration's
    folder) when it lies below it, whatever the working folder; as given when no root."""
    path = Path(path)
    if root is None:
        return str(path)
    full = path if path.is_absolute() else Path.cwd() / path
    try:
        return full.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(full.resolve())


def read_file(path: str | os.PathLike, lang: str | None = None, framework: int | None = None,
              key_pattern: str = DEFAULT_PATTERN, root: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read one file into a validated segment table (origins relative to ``root`` when given)."""
    path = Path(path)
    where = display_path(path, root)
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        raise InputError(where, f"unknown format {ext or '(no extension)'}: expected one of "
                                f"{', '.join(sorted(SUPPORTED))}")
    p_lang, p_fw = infer_context(path.resolve()) if not (lang and framework) else (None, None)
    lang = langdata.normalize_tag(lang) if lang else p_lang
    framework = framework or p_fw
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(where, f"cannot read file: {e.strerror or e}") from None
    if not data.strip():
        raise InputError(where, "file is empty")

    keyed = True
    if ext in (".xlsx",):
        rows, fw_sheet = sheet_reader.read_xlsx_rows(path, where)
        records = sheet_reader.rows_to_segments(rows, _need_fw(framework or fw_sheet, where), lang or "en")
        fmt, keyed = "sheet", False
    elif ext in (".csv", ".tsv") or (ext == ".txt" and _looks_like_sheet(data, where, lang)):
        # (a .txt sheet: Excel's "Unicode Text" export, a UTF-16, tab-separated skills sheet)
        rows, fw_sheet = sheet_reader.read_csv_rows(data, where, *langdata.legacy_encodings(lang))
        records = sheet_reader.rows_to_segments(rows, _need_fw(framework or fw_sheet, where), lang or "en")
        fmt, keyed = "sheet", False
    elif ext == ".txt":
        text, _ = decode(data, where, *langdata.legacy_encodings(lang))
        if not lang:
            raise InputError(where, "cannot tell the page's language: put it under translations/<lang>/ "
                                    "or pass --lang")
        records = page_reader.parse_page(text, where, langdata.load(lang), _need_fw(framework, where), lang)
        fmt, keyed = "page", False
    elif ext == ".jsonl":
        records, fmt = _read_jsonl(data, where, lang, framework, key_pattern), "jsonl"
    elif ext in (".xlf", ".xliff"):
        records, fmt = xmlfiles.read_xliff(data, where, key_pattern, framework), "xliff"
    elif ext == ".mxliff":
        from pipeline.ingest.mxliff import read_mxliff

        records, fmt = read_mxliff(data, where, key_pattern, framework), "mxliff"
    else:
        records, fmt = xmlfiles.read_tmx(data, where, key_pattern, framework), "tmx"
    if not records:
        raise InputError(where, "no SFIA segments found in the file")
    for r in records:
        problem = record_problem(r, text_from_json=ext == ".jsonl")
        if problem:
            raise InputError(r.get("origin") or where, problem)
        r["path"] = where
        r.setdefault("format", fmt)
        r["keyed"] = keyed
    df = schema.make(schema.SEGMENT, records)
    _check_duplicates(df)
    return schema.validate(df, schema.SEGMENT, where)


def _looks_like_sheet(data: bytes, where: str, lang: str | None = None) -> bool:
    first = decode(data, where, *langdata.legacy_encodings(lang))[0].split("\n", 1)[0].casefold()
    cells = [c.strip() for c in first.split("\t")]
    return len(cells) >= 3 and "code" in cells and "skill" in cells


def _need_fw(fw: int | None, where: str) -> int:
    if fw is None:
        raise InputError(where, "cannot tell the SFIA version: put the file under a sfia-8/ or sfia-9/ folder "
                                "or pass --framework")
    if fw not in schema.FRAMEWORKS:
        raise InputError(where, f"SFIA {fw} is not supported (only 8 and 9)")
    return fw


def _check_duplicates(df: pd.DataFrame) -> None:
    keys = ["framework", "lang", "skill", "element", "level", "item"]
    dup = df[df.duplicated(keys, keep=False)]
    if len(dup):
        a, b = dup.iloc[0], dup.iloc[1]
        raise InputError(b["origin"], f"segment {a['skill']} {a['element']} {_idx(a)} appears twice "
                                      f"(also at {a['origin']})")


def _idx(row) -> str:
    v = row["level"] if row["element"] == "level" else row["item"]
    return "" if pd.isna(v) else str(int(v))


def _size(f: Path) -> int:
    try:
        return f.stat().st_size
    except OSError:
        return 0


def read_paths(paths: Iterable[str | os.PathLike], lang: str | None = None, framework: int | None = None,
               key_pattern: str = DEFAULT_PATTERN, root: str | os.PathLike | None = None,
               require: bool = False, cache_dir: Path | None = None) -> pd.DataFrame:
    """Read files and folders into one segment table, sorted in reading order. ``require``: a
    folder without any SFIA file is an error (the user named it to be read). ``cache_dir``: the
    run cache, where each file's table is kept while the file is unchanged (:func:`_cached`)."""
    files = list(iter_files(paths, require))
    # files are independent: read in two processes (pipeline.parallel), in order
    frames = parallel.map_forked(
        lambda f: _cached(cache_dir, f, root, ("segments file", lang, framework, key_pattern),
                          lambda g: read_file(g, lang, framework, key_pattern, root), schema.SEGMENT),
        files, cost=_size)
    if not frames:
        return schema.empty(schema.SEGMENT)
    df = merge_provenance(pd.concat(frames, ignore_index=True))
    _check_duplicates(df)
    return schema.sort_key_frame(schema.validate(schema.share_strings(df, skip=("origin",)), schema.SEGMENT, "segments"))


KEY_COLUMNS = ["framework", "lang", "skill", "element", "level", "item"]


def merge_provenance(df: pd.DataFrame) -> pd.DataFrame:
    """A TMS job (MXLIFF) and another file (the published page, a sheet) giving the same segment:
    the other file's text is the one checked, and the job's provenance is attached to it (with
    the job's own text in ``tms_text``, so a difference can be reported). Other duplicates stay
    for :func:`_check_duplicates` to refuse."""
    if df.empty or "mxliff" not in set(df["format"].dropna()):
        return df
    is_job = df["format"] == "mxliff"
    keys = pd.Series([tuple(schema.opt(v) for v in row) for row in df[KEY_COLUMNS].itertuples(index=False)],
                     index=df.index)
    others = dict(zip(keys[~is_job], df.index[~is_job], strict=True))
    drop = []
    out = df.copy()
    for i in df.index[is_job]:
        j = others.get(keys[i])
        if j is None:
            continue
        for c in schema.PROVENANCE:
            if c != "tms_text":
                out.at[j, c] = df.at[i, c]
        out.at[j, "tms_text"] = df.at[i, "text"]
        drop.append(i)
    return out.drop(index=drop).reset_index(drop=True)


def is_english(tag: str) -> bool:
    return langdata.base_tag(tag) == "en"


def read_candidates(paths: Iterable[str | os.PathLike], key_pattern: str = DEFAULT_PATTERN,
                    root: str | os.PathLike | None = None, cache_dir: Path | None = None) -> pd.DataFrame:
    """Every MT candidate under ``paths`` -> one table: the candidates files
    (``<lang>/sfia-<N>/candidates/``) and the MT/TM suggestions a TMS job (MXLIFF) keeps.
    ``cache_dir``: the run cache, where each file's table is kept while the file is unchanged
    (:func:`_cached`)."""
    def table(f: Path) -> pd.DataFrame:
        return _cached(cache_dir, f, root, ("candidates file", key_pattern), parse, schema.CANDIDATE_INPUT)

    def parse(f: Path) -> pd.DataFrame:  # a table per file: never every candidate as a dict at once
        where = display_path(f, root)
        if f.suffix.lower() == ".mxliff":
            lang, framework = infer_context(f.resolve())
            return candidates_reader.candidates_table(
                mxliff_reader.read_mxliff_candidates(f.read_bytes(), where, key_pattern, framework, lang), key_pattern)
        lang, _ = infer_context(f.resolve())
        if lang is None:
            raise InputError(where, "cannot tell the candidates' language: put them under translations/<lang>/")
        return candidates_reader.candidates_table(candidates_reader.read_candidate_records(
            f, lang=lang, framework=9, key_pattern=key_pattern, where=where), key_pattern)

    files = [f for f in iter_files(paths) if f.suffix.lower() == ".mxliff"]
    files += list(candidates_reader.find_candidate_files(paths))
    tables = parallel.map_forked(table, files, cost=_size)  # two processes, in order
    if len(tables) < 2:
        return tables[0] if tables else candidates_reader.candidates_table([], key_pattern)
    # the same candidate in two files (a candidates file and a TMS job's suggestions) is one
    df = pd.concat(tables, ignore_index=True).drop_duplicates(["lang", "key", "provider", "text"])
    return schema.validate(schema.share_strings(df.reset_index(drop=True), skip=("origin",)),
                           schema.CANDIDATE_INPUT, "candidates")


def _cached(cache_dir: Path | None, f: Path, root, parts: tuple, parse, table_schema) -> pd.DataFrame:
    """``parse(f)``, or the table it gave for the very same file in an earlier run: kept in the run
    cache (``cache_dir``) under a digest of the file's bytes, its path, ``parts`` (what else the
    reading depends on) and the code, as JSON by column (a table whose values JSON would not give
    back exactly is not kept). A stored table is rebuilt with the schema's types and checked."""
    if cache_dir is None:
        return parse(f)
    where = display_path(f, root)
    kind, key = cache.result_kind("ingest", where), None
    with contextlib.suppress(OSError):  # an unreadable file is parse()'s to report
        key = cache.key_of(cache.code_digest(), where, str(f.resolve()), repr(parts), f.read_bytes())
    if key:
        kept = cache.read_json(kind, key, cache_dir)
        want = schema.columns(table_schema)
        if isinstance(kept, dict) and list(kept) == want and all(isinstance(v, list) for v in kept.values()) \
                and len({len(v) for v in kept.values()}) == 1:
            with contextlib.suppress(SchemaError, TypeError, ValueError):
                df = schema.make(table_schema, pd.DataFrame(kept, columns=want))
                return schema.validate(schema.share_strings(df, skip=("origin",)), table_schema, where)
    df = parse(f)
    if key:
        value = {c: output.plain_column(df[c]) for c in df.columns}
        # a typed column's values are text, whole numbers, numbers, booleans or nulls: JSON gives
        # them back as they are; an object column (inline codes) is checked
        if all(cache.json_exact(value[c]) for c in df.columns if df[c].dtype == object):
            cache.write_json(kind, key, value, cache_dir, keep=cache.RESULT_KEEP, checked=True)
    return df


def ingest(sources8: list, sources9: list, translation_paths: list, languages=None,
           key_pattern: str = DEFAULT_PATTERN, root: str | os.PathLike | None = None,
           cache_dir: Path | None = None) -> Ingested:
    """The ingest stage: English SFIA 8 and 9, the translations (of ``languages`` when given,
    else all), and every MT candidate under the translation folders. Files are named relative
    to ``root`` (the configuration's folder) in every origin. ``cache_dir``: the run cache
    (files read back from it while unchanged, :func:`_cached`)."""
    english = {}
    for fw, paths in ((8, sources8), (9, sources9)):
        df = (read_paths(paths, framework=fw, key_pattern=key_pattern, root=root, cache_dir=cache_dir) if paths
              else schema.empty(schema.SEGMENT))
        english[fw] = df[df["lang"].map(is_english).astype(bool)].reset_index(drop=True)
    tr = (read_paths(translation_paths, key_pattern=key_pattern, root=root, cache_dir=cache_dir)
          if translation_paths else schema.empty(schema.SEGMENT))
    tr = tr[~tr["lang"].map(is_english).astype(bool)]
    cands = read_candidates(translation_paths, key_pattern, root, cache_dir)
    if languages:
        wanted = {langdata.base_tag(x) for x in languages}
        tr = tr[tr["lang"].map(langdata.base_tag).isin(wanted).astype(bool)]
        cands = cands[cands["lang"].map(langdata.base_tag).isin(wanted).astype(bool)]
    return Ingested(english=english, translations=tr.reset_index(drop=True),
                    candidates=cands.reset_index(drop=True))
