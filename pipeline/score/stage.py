"""The score stage of ``sfia-qa run``: MT candidates -> leaderboards, scored candidates, drafts.

Per language, ingest's candidates are scored (the language's SFIA 9 translation, when one was
ingested, is the final text: reference and post-edit target), each candidate gets its signals
(the check stage reports them as ``QA3xx``), and for every language with an SFIA 8 translation
an SFIA 9 draft is assembled. Nothing is read or written here: the report stage writes ``scores.json``,
``candidates.csv`` and ``drafts/``.

``qa.toml`` ``[score]``: ``bootstrap`` (1000), ``seed`` (12345), ``metrics``
(["bleu", "chrf", "chrf++", "ter"]), ``primary`` ("chrf"), ``min_chars`` (25),
``length_low`` (0.6), ``length_high`` (1.7), ``cache`` (the statistics cache folder, default
``.sfia-qa-cache`` beside the reports; ``false``: none; :mod:`pipeline.score.statcache`),
``cache_max_mb`` (512).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pandas as pd

from pipeline import cache, parallel, schema
from pipeline.errors import ConfigError
from pipeline.keys import DEFAULT_PATTERN, format_key
from pipeline.langdata import base_tag
from pipeline.results import Scored
from pipeline.score import draft as draft_mod
from pipeline.score import metrics as M
from pipeline.score import sacrebleu_api as api
from pipeline.score.inputs import corpus_from_table
from pipeline.score.leaderboard import Settings, score
from pipeline.score.signals import Options

CANDIDATE_COLUMNS = schema.columns(schema.CANDIDATE)


def settings_from(section: dict, where) -> Settings:
    """``[score]`` of qa.toml -> :class:`Settings`; ``where`` names the file in errors."""
    o = section
    try:
        metrics = tuple(o.get("metrics", ["bleu", "chrf", "chrf++", "ter"]))
        bad = [m for m in metrics if m not in M.METRIC_NAMES]
        if bad:
            raise ConfigError(where, f"[score] metrics: unknown {', '.join(bad)}; choose from "
                                     f"{', '.join(M.METRIC_NAMES)}")
        return Settings(metrics=metrics, bootstrap=int(o.get("bootstrap", 1000)),
                        seed=int(o["seed"]) if o.get("seed") is not None else 12345,
                        primary=str(o.get("primary", "chrf")),
                        signals=Options(min_chars=int(o.get("min_chars", 25)),
                                        length_low=float(o.get("length_low", 0.6)),
                                        length_high=float(o.get("length_high", 1.7))))
    except (TypeError, ValueError) as e:
        raise ConfigError(where, f"[score]: {e}") from None


def _same_language(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows of ``lang``: its exact tag when any row has it (``pl-PL`` and ``pl`` are two
    languages), else its base language (candidates under ``translations/pl/`` meet a Phrase pull
    tagged ``pl-PL``)."""
    exact = df[df["lang"] == lang]
    if len(exact):
        return exact
    return df[df["lang"].map(base_tag) == base_tag(lang)]


def _final_texts(translations: pd.DataFrame, lang: str, pattern: str) -> tuple[dict[str, str], list[str]]:
    if translations.empty:
        return {}, []
    t = _same_language(translations, lang)
    t = t[t["framework"] == 9]
    out = {format_key(skill, element, level, item, 9, pattern): text for skill, element, level, item, text
           in zip(*(t[c].tolist() for c in ("skill", "element", "level", "item", "text")), strict=True)}
    return out, sorted(set(t["path"]))


def _draft(alignment: pd.DataFrame, cols: dict[str, list], lang: str, pattern: str) -> pd.DataFrame:
    """The language's SFIA 9 draft, when it has an SFIA 8 translation (else an empty table);
    ``cols``: the scored candidates by column."""
    rows_l = _same_language(alignment, lang)
    if not len(rows_l) or not rows_l["tgt_8"].notna().any():
        return schema.empty(schema.DRAFT)
    best = {k: (p, t) for k, p, t, b in zip(cols["key"], cols["provider"], cols["text"], cols["best"], strict=True)
            if b}
    return draft_mod.assemble(rows_l, best, lang, pattern)


def _columns(records: list[dict]) -> dict[str, list]:
    return {c: [r[c] for r in records] for c in CANDIDATE_COLUMNS}


def _table(cols: dict[str, list]) -> pd.DataFrame:
    """The scored candidates (by column) as a table: built by column, not from a dict per row."""
    n = len(cols[CANDIDATE_COLUMNS[0]])
    return schema.make(schema.CANDIDATE, pd.DataFrame(cols, columns=CANDIDATE_COLUMNS)) if n \
        else schema.empty(schema.CANDIDATE)


def _pack(records: list[dict]) -> dict:
    """Candidate records as stored: by column, each distinct string once (a segment's English and
    final text repeat for each of its candidates), a column of strings (or nulls) as indexes."""
    strings: dict[str, int] = {}
    columns = {}
    for c in CANDIDATE_COLUMNS:
        values = [r[c] for r in records]
        if all(type(v) is str or v is None for v in values):
            columns[c] = ["s", [None if v is None else strings.setdefault(v, len(strings)) for v in values]]
        else:
            columns[c] = ["v", values]
    return {"n": len(records), "strings": list(strings), "columns": columns}


def _unpack(packed) -> dict[str, list] | None:
    """:func:`_pack`'s records again, by column, one object per distinct string (as scoring's own
    records have them: the table crosses to the parent pickled, and pickle writes a shared object
    once); None when anything about it is off."""
    try:
        n, strings, columns = packed["n"], packed["strings"], packed["columns"]
        if (type(n) is not int or not isinstance(strings, list) or not all(type(x) is str for x in strings)
                or not isinstance(columns, dict) or set(columns) != set(CANDIDATE_COLUMNS)):
            return None
        cols = {}
        for c, (kind, values) in columns.items():
            if not isinstance(values, list) or len(values) != n or kind not in ("s", "v"):
                return None
            if kind == "s":
                if not all(v is None or (type(v) is int and 0 <= v < len(strings)) for v in values):
                    return None
                values = [None if v is None else strings[v] for v in values]
            cols[c] = values
    except (KeyError, TypeError, ValueError):
        return None
    return {c: cols[c] for c in CANDIDATE_COLUMNS}


def _memo_key(st: Settings, lang: str, pattern: str, candidates: pd.DataFrame, final: dict[str, str],
              final_files: list[str]) -> str | None:
    """A digest of everything one language's scoring reads: the code and libraries, the settings
    that change numbers, the language, its candidates (every column) and its final texts."""
    settings = {f.name: getattr(st, f.name) for f in dataclasses.fields(st) if f.name not in ("cache", "workers")}
    try:
        # the candidates by column: name, dtype and every value, a value JSON has no word for
        # spelled with its type (so a missing value and the text "<NA>" differ)
        table = [json.dumps([c, str(candidates[c].dtype), candidates[c].tolist()], ensure_ascii=False,
                            allow_nan=True, default=_typed) for c in candidates.columns]
        return cache.key_of(cache.code_digest(), json.dumps(settings, sort_keys=True, default=_plain_setting),
                            lang, pattern, *table,
                            json.dumps(sorted(final.items()), ensure_ascii=False), json.dumps(final_files))
    except (TypeError, ValueError, OSError):
        return None


def _typed(o) -> list:
    return ["\0typed", type(o).__module__, type(o).__qualname__, repr(o)]


def _plain_setting(o):
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    raise TypeError(f"not a plain setting: {type(o).__name__}")


def _kept_result(kept: Any) -> tuple[dict, dict[str, list], list[str]] | None:
    """(leaderboard, candidate columns, problems) of a stored result, or None when it is not one."""
    if not (isinstance(kept, list) and len(kept) == 3 and isinstance(kept[0], dict)
            and isinstance(kept[2], list) and all(isinstance(p, str) for p in kept[2])):
        return None
    cols = _unpack(kept[1])  # exactly the candidate columns, each of the same length
    return (kept[0], cols, kept[2]) if cols is not None else None


def _cache_note(st: Settings, lang: str) -> list[str]:
    """What the statistics cache gave this language (for ``--verbose``); its counts restart."""
    c = st.cache
    if c is None or not (c.hits or c.misses):
        return []
    note = (f"score {lang}: statistics cache: {c.hits:,} of {c.hits + c.misses:,} pair statistics "
            f"reused, {c.misses:,} computed ({c.folder})")
    c.hits = c.misses = 0
    return [note]


_SHARED_COLUMNS = ("text", "origin", "key", "provider", "skill", "element", "lang")


def score_stage(candidates: pd.DataFrame, translations: pd.DataFrame, alignment: pd.DataFrame,
                st: Settings, pattern: str = DEFAULT_PATTERN) -> Scored:
    """Score every language's candidates (schema.CANDIDATE_INPUT); see the module docstring."""
    lines = [None if pd.isna(x) else int(x) for x in candidates["line"]]  # plain ints: kept as JSON
    origin_where = dict(zip(candidates["origin"], zip(candidates["path"], lines, strict=True), strict=True))
    by_lang = {lang: candidates[candidates["lang"] == lang] for lang in sorted(set(candidates["lang"]))}

    def one(lang: str) -> tuple[dict, pd.DataFrame, list[str], pd.DataFrame, str | None]:
        try:
            return scored_language(lang)
        finally:
            api.forget_texts()  # its texts were this language's

    def scored_language(lang: str) -> tuple[dict, pd.DataFrame, list[str], pd.DataFrame, str | None]:
        final, final_files = _final_texts(translations, lang, pattern)
        memo = _memo_key(st, lang, pattern, by_lang[lang], final, final_files)
        kept = _kept_result(cache.read_json(cache.result_kind("score", lang), memo, st.cache.folder)
                            if memo and st.cache else None)
        if kept is not None:  # its candidates, final texts and settings as in an earlier run
            board, cols, problems = kept
            note = f"score {lang}: candidates, final texts and settings as in an earlier run: its results reused"
            return board, _table(cols), problems + [note], _draft(alignment, cols, lang, pattern), memo
        corpus = corpus_from_table(by_lang[lang], lang=lang)
        refs = [final.get(k) for k in corpus.ids]
        is_final = any(r is not None for r in refs)
        if is_final:
            corpus.refs = [refs]
            corpus.reference_name = f"final translation: {', '.join(final_files)}"
        else:
            corpus.refs, corpus.reference_name = [], None
        board, records = score(corpus, Settings(**{**st.__dict__, "reference_is_final": is_final}))
        cached = _cache_note(st, lang)
        for rec in records:
            rec["lang"] = lang
            rec["path"], rec["line"] = origin_where.get(rec["origin"], (None, None))
        records = [{c: r.get(c) for c in CANDIDATE_COLUMNS} for r in records]
        cols = _columns(records)
        draft = _draft(alignment, cols, lang, pattern)
        problems = [f"score {lang}: {p}" for p in corpus.problems]
        if memo and st.cache:
            cache.write_json(cache.result_kind("score", lang), memo, [board, _pack(records), problems], st.cache.folder,
                             keep=cache.RESULT_KEEP)
        # a table, not dicts, comes back: the parent holds every language's candidates at once
        return board, _table(cols), problems + cached, draft, memo

    # The texts come back from the workers as copies: each language's are swapped for the
    # candidates' own as it arrives, so the copies of only one language are held at a time. The
    # pool is made at the first result, after the workers have forked: they need none of it.
    pool: dict[str, str] = {}

    def shared(result: tuple[dict, pd.DataFrame, list[str], pd.DataFrame, str | None]):
        board, part, problems, draft, memo = result
        if not pool:
            pool.update(schema.string_pool(*(candidates[c] for c in _SHARED_COLUMNS)))
        part, draft = (schema.share_strings(t, pool=pool) if len(t) else t for t in (part, draft))
        return board, part, problems, draft, memo

    # languages are independent: one per process (pipeline.parallel), results in language order
    boards: dict[str, dict] = {}
    tables: list[pd.DataFrame] = []
    drafts: list[pd.DataFrame] = []
    notes: list[str] = []
    digests: dict[str, str] = {}
    for lang, (board, part, problems, draft, memo) in zip(
            by_lang, parallel.map_forked(one, list(by_lang), cost=lambda x: len(by_lang[x]), then=shared), strict=True):
        boards[lang] = board
        if memo:
            digests[lang] = memo
        notes += problems
        if len(part):
            tables.append(part)
        if len(draft):
            drafts.append(draft)
    table = pd.concat(tables, ignore_index=True) if tables else schema.empty(schema.CANDIDATE)
    return Scored(boards=boards, candidates=schema.validate(table, schema.CANDIDATE, "candidates"),
                  drafts=pd.concat(drafts, ignore_index=True) if drafts else schema.empty(schema.DRAFT),
                  notes=tuple(notes), digests=digests)


__all__ = ["score_stage", "settings_from"]
