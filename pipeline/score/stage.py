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
``cache_max_mb`` (256).
"""

from __future__ import annotations

import pandas as pd

from pipeline import parallel, schema
from pipeline.errors import ConfigError
from pipeline.keys import DEFAULT_PATTERN, format_key
from pipeline.langdata import base_tag
from pipeline.results import Scored
from pipeline.score import draft as draft_mod
from pipeline.score import metrics as M
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
    out = {format_key(r["skill"], r["element"], r["level"], r["item"], 9, pattern): r["text"]
           for r in t.to_dict("records")}
    return out, sorted(set(t["path"]))


def _draft(alignment: pd.DataFrame, records: list[dict], lang: str, pattern: str) -> pd.DataFrame:
    """The language's SFIA 9 draft, when it has an SFIA 8 translation (else an empty table)."""
    rows_l = _same_language(alignment, lang)
    if not len(rows_l) or not rows_l["tgt_8"].notna().any():
        return schema.empty(schema.DRAFT)
    best = {r["key"]: (r["provider"], r["text"]) for r in records if r["best"]}
    return draft_mod.assemble(rows_l, best, lang, pattern)


def _cache_note(st: Settings, lang: str) -> list[str]:
    """What the statistics cache gave this language (for ``--verbose``); its counts restart."""
    c = st.cache
    if c is None or not (c.hits or c.misses):
        return []
    note = (f"score {lang}: statistics cache: {c.hits:,} of {c.hits + c.misses:,} pair statistics "
            f"reused, {c.misses:,} computed ({c.folder})")
    c.hits = c.misses = 0
    return [note]


def score_stage(candidates: pd.DataFrame, translations: pd.DataFrame, alignment: pd.DataFrame,
                st: Settings, pattern: str = DEFAULT_PATTERN) -> Scored:
    """Score every language's candidates (schema.CANDIDATE_INPUT); see the module docstring."""
    origin_where = dict(zip(candidates["origin"], zip(candidates["path"], candidates["line"], strict=True),
                            strict=True))
    by_lang = {lang: candidates[candidates["lang"] == lang] for lang in sorted(set(candidates["lang"]))}

    def one(lang: str) -> tuple[dict, pd.DataFrame, list[str], pd.DataFrame]:
        corpus = corpus_from_table(by_lang[lang], lang=lang)
        final, final_files = _final_texts(translations, lang, pattern)
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
        draft = _draft(alignment, records, lang, pattern)
        # a table, not dicts, comes back: the parent holds every language's candidates at once
        table = schema.make(schema.CANDIDATE, records) if records else schema.empty(schema.CANDIDATE)
        return board, table, [f"score {lang}: {p}" for p in corpus.problems] + cached, draft

    # languages are independent: one per process (pipeline.parallel), results in language order
    boards: dict[str, dict] = {}
    tables: list[pd.DataFrame] = []
    drafts: list[pd.DataFrame] = []
    notes: list[str] = []
    for lang, (board, part, problems, draft) in zip(
            by_lang, parallel.map_forked(one, list(by_lang), cost=lambda x: len(by_lang[x])), strict=True):
        boards[lang] = board
        notes += problems
        if len(part):
            tables.append(part)
        if len(draft):
            drafts.append(draft)
    table = pd.concat(tables, ignore_index=True) if tables else schema.empty(schema.CANDIDATE)
    if len(table):  # the texts came back from the workers as copies: share the candidates' own
        table = schema.share_strings(table, pool=schema.string_pool(
            *(candidates[c] for c in ("text", "origin", "key", "provider", "skill", "element", "lang"))))
    return Scored(boards=boards, candidates=schema.validate(table, schema.CANDIDATE, "candidates"),
                  drafts=pd.concat(drafts, ignore_index=True) if drafts else schema.empty(schema.DRAFT),
                  notes=tuple(notes))


__all__ = ["score_stage", "settings_from"]
