"""The score stage of ``sfia-qa run``.

Finds ``translations/<lang>/sfia-<N>/candidates/*.csv|*.jsonl`` under each configured
translations path, scores them per language (the language's SFIA 9 translation, when one
was ingested, is the final text: reference and post-edit target), records signal findings
(``QA3xx``), writes ``scores.json`` and ``candidates.csv``, and assembles an SFIA 9 draft
for every language with an SFIA 8 translation (``drafts/<lang>/sfia-9/<SKILL>.txt|.csv``).

``qa.toml`` ``[score]``: ``bootstrap`` (1000), ``seed`` (12345), ``metrics``
(["bleu", "chrf", "chrf++", "ter"]), ``primary`` ("chrf"), ``min_chars`` (25),
``length_low`` (0.6), ``length_high`` (1.7).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline import output, schema
from pipeline.checks.registry import finding, register
from pipeline.errors import ConfigError
from pipeline.ingest import infer_context
from pipeline.ioutil import write_text
from pipeline.keys import format_key
from pipeline.langdata import base_tag
from pipeline.score import draft as draft_mod
from pipeline.score import metrics as M
from pipeline.score.inputs import corpus_from_records, read_candidate_records
from pipeline.score.leaderboard import Settings, score
from pipeline.score.signals import Options

_RATIONALE = ("MT candidates are where SFIA 9 drafts start. A candidate with a hard signal "
              "is never picked as a segment's best; the finding says why, so a reviewer "
              "can judge the provider, not only the segment.")
register("QA301", "mt-empty-candidate", "info", "An MT provider returned no text for a segment.",
         rationale=_RATIONALE, group="score")(None)
register("QA302", "mt-copy-of-source", "info", "An MT candidate is the English source, untranslated.",
         rationale=_RATIONALE, group="score")(None)
register("QA303", "mt-wrong-language", "info", "An MT candidate is not in the target language.",
         rationale=_RATIONALE, group="score")(None)
register("QA304", "mt-number-mismatch", "info", "An MT candidate's numbers differ from the source's.",
         rationale=_RATIONALE, group="score")(None)
register("QA305", "mt-length-outlier", "info",
         "An MT candidate is much shorter or longer than the others (a dropped or added sentence).",
         rationale=_RATIONALE, group="score")(None)
register("QA306", "mt-no-usable-candidate", "warning",
         "A changed segment has no usable MT candidate, so the SFIA 9 draft lacks it.",
         rationale="Every candidate had a hard signal (or none existed): the segment must be translated by hand.",
         group="score")(None)

SIGNAL_CODE = {"empty": "QA301", "copy-of-source": "QA302", "wrong-language": "QA303",
               "numbers": "QA304", "length-outlier": "QA305"}
CANDIDATE_COLUMNS = schema.columns(schema.CANDIDATE)


def settings_from(cfg) -> Settings:
    o = cfg.section("score")
    try:
        metrics = tuple(o.get("metrics", ["bleu", "chrf", "chrf++", "ter"]))
        bad = [m for m in metrics if m not in M.METRIC_NAMES]
        if bad:
            raise ConfigError(cfg.path, f"[score] metrics: unknown {', '.join(bad)}; choose from "
                                        f"{', '.join(M.METRIC_NAMES)}")
        return Settings(metrics=metrics, bootstrap=int(o.get("bootstrap", 1000)),
                        seed=int(o["seed"]) if o.get("seed") is not None else 12345,
                        primary=str(o.get("primary", "chrf")),
                        signals=Options(min_chars=int(o.get("min_chars", 25)),
                                        length_low=float(o.get("length_low", 0.6)),
                                        length_high=float(o.get("length_high", 1.7))))
    except (TypeError, ValueError) as e:
        raise ConfigError(cfg.path, f"[score]: {e}") from None


def find_candidate_files(paths: list[Path]) -> dict[str, list[Path]]:
    by_lang: dict[str, list[Path]] = {}
    for p in paths:
        if not p.is_dir():
            continue
        for f in sorted(p.rglob("*")):
            if f.parent.name != "candidates" or f.suffix.lower() not in (".csv", ".jsonl"):
                continue
            lang, _ = infer_context(f.resolve())
            if lang is None:
                raise ConfigError(f, "cannot tell the candidates' language: put them under translations/<lang>/")
            by_lang.setdefault(lang, []).append(f)
    return by_lang


def _final_texts(ctx, lang: str, pattern: str) -> tuple[dict[str, str], list[str]]:
    tr = ctx.translations
    if tr is None or tr.empty:
        return {}, []
    t = tr[(tr["lang"].map(base_tag) == base_tag(lang)) & (tr["framework"] == 9)]
    out = {format_key(r["skill"], r["element"], r["level"], r["item"], 9, pattern): r["text"]
           for r in t.to_dict("records")}
    files = sorted({str(o).rsplit(":", 1)[0] for o in t["origin"]})
    return out, files


def _loc(rec: dict) -> str:
    el, lv, it = rec.get("element"), rec.get("level"), rec.get("item")
    if el == "level" and lv is not None:
        return f"level {lv}"
    if el in ("guidance", "activity") and it is not None:
        return f"{el} {it}"
    return el or rec["key"]


def score_stage(ctx) -> None:
    cfg = ctx.config
    st = settings_from(cfg)
    pattern = cfg.key_pattern
    files = find_candidate_files(cfg.paths("translations", "paths"))
    all_records: list[dict] = []
    findings: list[dict] = []
    for lang in sorted(files):
        rows = [r for f in files[lang] for r in read_candidate_records(f, lang=lang, framework=9, key_pattern=pattern)]
        corpus = corpus_from_records(rows, lang=lang)
        final, final_files = _final_texts(ctx, lang, pattern)
        refs = [final.get(k) for k in corpus.ids]
        is_final = any(r is not None for r in refs)
        if is_final:
            corpus.refs = [refs]
            corpus.reference_name = f"final translation: {', '.join(final_files)}"
        else:
            corpus.refs, corpus.reference_name = [], None
        board, records = score(corpus, Settings(**{**st.__dict__, "reference_is_final": is_final}))
        ctx.scores[lang] = board
        for p in corpus.problems:
            ctx.log(f"score {lang}: {p}")
        for rec in records:
            rec["lang"] = lang
            for sig, why in rec["explain"].items():
                findings.append(finding(SIGNAL_CODE[sig], lang=lang, framework=rec.get("framework"),
                                        skill=rec.get("skill"), element=rec.get("element"),
                                        level=rec.get("level"), item=rec.get("item"), origin=rec["origin"],
                                        message=f"{rec['provider']}'s candidate for {_loc(rec)}: {sig} ({why})"
                                                + ("; never picked as best" if rec["hard"] else "")))
        all_records += records
        al = ctx.alignment
        if al is not None and len(al):
            mine = al[(al["lang"].map(base_tag) == base_tag(lang)) & al["tgt_8"].notna()]
            if len(mine):
                rows_l = al[al["lang"].map(base_tag) == base_tag(lang)]
                best = {r["key"]: (r["provider"], r["text"]) for r in records if r["best"]}
                draft = draft_mod.assemble(rows_l, best, lang, pattern)
                for r in draft[draft["text"].isna()].to_dict("records"):
                    findings.append(finding("QA306", lang=lang, framework=9, skill=r["skill"], element=r["element"],
                                            level=r["level"], item=r["item"],
                                            message=f"{_loc(r)} changed in SFIA 9 and no MT candidate is usable: "
                                                    "translate it by hand"))
                for skill, d in draft.groupby("skill", sort=True):
                    base = ctx.out / "drafts" / lang / "sfia-9" / str(skill)
                    write_text(base.with_suffix(".csv"), draft_mod.to_csv(d))
                    write_text(base.with_suffix(".txt"), draft_mod.to_page(d, lang))
    table = schema.make(schema.CANDIDATE, [{c: r.get(c) for c in CANDIDATE_COLUMNS} for r in all_records]) \
        if all_records else schema.empty(schema.CANDIDATE)
    ctx.candidates = schema.validate(table, schema.CANDIDATE, "candidates")
    if findings:
        ctx.findings.append(schema.make(schema.FINDING, findings))
    ctx.out.mkdir(parents=True, exist_ok=True)
    write_text(ctx.out / "scores.json", json.dumps(ctx.scores, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    write_text(ctx.out / "candidates.csv", output.to_csv(ctx.candidates, CANDIDATE_COLUMNS))


__all__ = ["score_stage", "settings_from", "find_candidate_files"]
