"""Drift: what happened to each English segment between SFIA 8 and SFIA 9.

Statuses
    ``unchanged``  identical after whitespace normalisation
    ``cosmetic``   differs only in whitespace/line breaks, dash or quote style, a serial
                   comma, letter case, or British vs American spelling (pairs and suffix
                   rules in ``pipeline/data/spelling-en.toml``)
    ``modified``   anything else
    ``added`` / ``removed``  the segment exists in one version only

Each row also carries a similarity (0..1, word level, after cosmetic normalisation), the
cosmetic ``reason`` (``spelling+serial-comma``...), and a word diff ``[-old-]{+new+}``.
"""

from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.text.normalize import DASHES, punct_norm, similarity, tokens, word_diff, ws
from pipeline.text.spelling import spelling

DRIFT_CLI_COLUMNS = ["skill", "element", "level", "item", "status", "similarity"]

def _drop_serial_commas(toks: list[str]) -> list[str]:
    out = []
    for i, t in enumerate(toks):
        if t == "," and i + 1 < len(toks) and toks[i + 1].lower() in ("and", "or"):
            continue
        out.append(t)
    return out


def _dedupe_commas(toks: list[str]) -> list[str]:
    out: list[str] = []
    for t in toks:
        if t == "," and out and out[-1] in (",", ":", ";", "."):
            continue
        out.append(t)
    return out


def _compare(a: list[str], b: list[str], fold_case: bool = True) -> tuple[bool, bool, bool]:
    """(same words, needed spelling variants, needed case folding) for two token lists.

    Letter case counts as cosmetic by default: the SFIA 9 US edition lower-cased many
    sentence-initial verbs it respelt ("Analyses" -> "analyzes"). ``[drift]
    case_is_cosmetic = false`` makes a case change a real one.
    """
    if len(a) != len(b):
        return False, False, False
    sp = spelling()
    case = spell = False
    for x, y in zip(a, b, strict=True):
        if x == y:
            continue
        lx, ly = x.lower(), y.lower()
        if lx == ly:
            case = True
        elif sp.same(lx, ly) and (x[:1].isupper() == y[:1].isupper() or fold_case):
            spell = True
            case = case or x[:1].isupper() != y[:1].isupper()
        else:
            return False, False, False
    if case and not fold_case:
        return False, False, False
    return True, spell, case


def cosmetic_reasons(old: str, new: str, fold_case: bool = True) -> list[str] | None:
    """The kinds of cosmetic difference between old and new; None if the change is real."""
    if ws(old) == ws(new):
        return []
    reasons = []
    quotes = "'\"‘’‚‛′`“”„‟″«»"
    if [c for c in old if c in quotes] != [c for c in new if c in quotes]:
        reasons.append("quotes")
    if [c for c in old if c == "-" or DASHES.match(c)] != [c for c in new if c == "-" or DASHES.match(c)]:
        reasons.append("dashes")
    to = _dedupe_commas(tokens(punct_norm(old)))
    tn = _dedupe_commas(tokens(punct_norm(new)))
    same, spell, case = _compare(to, tn, fold_case)
    if not same:
        same, spell, case = _compare(_drop_serial_commas(to), _drop_serial_commas(tn), fold_case)
        if not same:
            return None
        reasons.append("serial-comma")
    if spell:
        reasons.append("spelling")
    if case:
        reasons.append("case")
    if not reasons:
        reasons.append("whitespace" if tokens(old) == tokens(new) else "punctuation")
    return reasons


def classify_pair(old: str | None, new: str | None,
                  fold_case: bool = True) -> tuple[str, float | None, str | None, str | None]:
    """(status, similarity, reason, diff) for one English pair."""
    if old is None and new is None:
        raise ValueError("nothing to classify")
    if old is None:
        return "added", None, None, None
    if new is None:
        return "removed", None, None, None
    if ws(old) == ws(new):
        return "unchanged", 1.0, None, None
    reasons = cosmetic_reasons(old, new, fold_case)
    diff = word_diff(old, new)
    if reasons is not None:
        return "cosmetic", 1.0, "+".join(reasons), diff
    return "modified", round(similarity(old, new), 4), None, diff


def classify(english_alignment: pd.DataFrame, case_is_cosmetic: bool = True) -> pd.DataFrame:
    """English alignment (schema.ENGLISH_ALIGNMENT) -> drift table (schema.DRIFT)."""
    schema.validate(english_alignment, schema.ENGLISH_ALIGNMENT, "english alignment")
    rows = []
    for r in english_alignment.itertuples(index=False):
        old, new = schema.opt_str(r.en_8), schema.opt_str(r.en_9)
        status, sim, reason, diff = classify_pair(old, new, case_is_cosmetic)
        rows.append({"skill": r.skill, "element": r.element, "level": r.level, "item": r.item,
                     "item_8": r.item_8, "item_9": r.item_9, "status": status, "similarity": sim,
                     "reason": reason, "diff": diff, "old": old, "new": new})
    return schema.validate(schema.make(schema.DRIFT, rows), schema.DRIFT, "drift")


def skill_changes(drift: pd.DataFrame) -> pd.DataFrame:
    """Per skill: added (only in SFIA 9), removed (only in SFIA 8) or present in both, with counts."""
    if drift.empty:
        return pd.DataFrame(columns=["skill", "change", *schema.DRIFT_STATUSES])
    counts = drift.pivot_table(index="skill", columns="status", values="element", aggfunc="count", fill_value=0)
    for s in schema.DRIFT_STATUSES:
        if s not in counts:
            counts[s] = 0
    counts = counts[list(schema.DRIFT_STATUSES)].reset_index()
    total = counts[list(schema.DRIFT_STATUSES)].sum(axis=1)
    counts["change"] = "kept"
    counts.loc[counts["added"] == total, "change"] = "added"
    counts.loc[counts["removed"] == total, "change"] = "removed"
    return counts[["skill", "change", *schema.DRIFT_STATUSES]]


def with_drift(alignment: pd.DataFrame, drift: pd.DataFrame) -> pd.DataFrame:
    """The translation alignment with each row's English drift status in its ``drift`` column.

    A row takes the status of the English pair it belongs to: same skill, element and level, and
    the same SFIA 8 and SFIA 9 item numbers (so a moved bullet keeps its pair's status). A
    translated segment with no English counterpart (``extra``) has none."""
    schema.validate(alignment, schema.ALIGNMENT, "alignment")
    status = {(r.skill, r.element, schema.opt_int(r.level), schema.opt_int(r.item_8), schema.opt_int(r.item_9)):
              r.status for r in drift.itertuples(index=False)}
    out = alignment.copy()
    out["drift"] = pd.array([None if "extra" in (schema.opt(r.status_8), schema.opt(r.status_9)) else  # no English: no drift
                             status.get((r.skill, r.element, schema.opt_int(r.level), schema.opt_int(r.item_8),
                                         schema.opt_int(r.item_9)))
                             for r in alignment.itertuples(index=False)], dtype="string")
    return schema.validate(out, schema.ALIGNMENT, "alignment")
