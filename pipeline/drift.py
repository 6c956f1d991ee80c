"""Drift: what happened to each English segment between SFIA 8 and SFIA 9.

Statuses
    ``unchanged``  identical after whitespace normalisation
    ``cosmetic``   the same words (letter case and British/American spelling folded, pairs and
                   suffix rules in ``pipeline/data/spelling-en.toml``), with only punctuation
                   differences that the rules of ``pipeline/data/cosmetic-en.toml`` explain: quote,
                   apostrophe and dash style, a list-final full stop, a comma, a colon, a dash
                   turned into a colon, comma or parentheses, hyphenation, and compounds written
                   open or closed ("life cycle" / "lifecycle")
    ``modified``   anything else
    ``added`` / ``removed``  the segment exists in one version only (or its nearest
                   counterpart is below the pairing floor, :mod:`pipeline.align`)

Each row also carries a similarity (0..1, word level, after cosmetic normalisation), the
cosmetic ``reason`` (the names of the rules needed, ``final-full-stop+spelling``...), and a
word diff ``[-old-]{+new+}``.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from pipeline import schema
from pipeline.text.normalize import similarity, word_diff, ws
from pipeline.text.spelling import cosmetic, spelling

# `sfia-qa drift`: item_8/item_9 show a bullet that moved, reason why a row is cosmetic.
DRIFT_CLI_COLUMNS = ["skill", "element", "level", "item", "item_8", "item_9", "status", "similarity", "reason"]

_WORD = re.compile(r"\w+")
_SPACED_DASH = re.compile(r"\s+-+\s*|\s*-+\s+|--+")
_SPACE = re.compile(r"\s+")


@dataclass
class _Text:
    words: list[str]      # the words, compounds of cosmetic-en.toml closed ("lifecycle")
    forms: list[str]      # how each word was written, lower case ("life cycle", "life-cycle", "lifecycle")
    gaps: list[str]       # the punctuation before each word and after the last one, spaces removed
    spaced: list[bool]    # per gap: a spaced hyphen or '--' was read as a dash there


def _split(text: str) -> _Text:
    """Words and the punctuation between them; a spaced hyphen or '--' between words is a dash."""
    t = unicodedata.normalize("NFKC", text)
    words, raw, pos = [], [], 0
    for m in _WORD.finditer(t):
        raw.append(t[pos:m.start()])
        words.append(m.group(0))
        pos = m.end()
    raw.append(t[pos:])
    gaps = [_SPACE.sub("", _SPACED_DASH.sub("—", g)) for g in raw]
    spaced = [bool(_SPACED_DASH.search(g)) for g in raw]
    cos = cosmetic()
    out = _Text([], [], [gaps[0]], [spaced[0]])
    i = 0
    while i < len(words):
        step = 1
        if i + 1 < len(words) and gaps[i + 1] in ("", "-"):
            closed = cos.closed(words[i].lower(), words[i + 1].lower())
            if closed is not None:
                out.words.append(words[i][:1] + closed[1:])
                out.forms.append(f"{words[i]}{gaps[i + 1] or ' '}{words[i + 1]}".lower())
                step = 2
        if step == 1:
            out.words.append(words[i])
            out.forms.append(words[i].lower())
        out.gaps.append(gaps[i + step])
        out.spaced.append(spaced[i + step])
        i += step
    return out


def _same_words(a: _Text, b: _Text, fold_case: bool) -> list[str] | None:
    """The word-level reasons (compounding, spelling, case) when a and b have the same words; else None.

    Letter case counts as cosmetic by default: the SFIA 9 US edition lower-cased many
    sentence-initial verbs it respelt ("Analyses" -> "analyzes"). ``[drift]
    case_is_cosmetic = false`` makes a case change a real one.
    """
    if len(a.words) != len(b.words):
        return None
    sp = spelling()
    found: set[str] = set()
    for x, y, fx, fy in zip(a.words, b.words, a.forms, b.forms, strict=True):
        if fx != fy and fx.replace(" ", "").replace("-", "") == fy.replace(" ", "").replace("-", ""):
            found.add("compounding")
        if x == y:
            continue
        lx, ly = x.lower(), y.lower()
        if lx != ly:
            if not sp.same(lx, ly):
                return None
            found.add("spelling")
        if lx == ly or x[:1].isupper() != y[:1].isupper():
            if not fold_case:
                return None
            found.add("case")
    return [r for r in ("compounding", "spelling", "case") if r in found]


def _style_reasons(k: int, a: _Text, b: _Text, styles) -> tuple[str, str, list[str]]:
    """Gap k of both texts in their compared forms, and the styles (quotes, dashes) they differed in."""
    ga, gb = a.gaps[k], b.gaps[k]
    reasons = []
    for name, table, spaced_hyphen in styles:
        chars = set(table) | set(table.values())
        pa, pb = [c for c in ga if c in chars], [c for c in gb if c in chars]
        ga = "".join(table.get(c, c) for c in ga)
        gb = "".join(table.get(c, c) for c in gb)
        # a style difference: the marks differ as written but are the same once mapped
        if pa != pb and [table.get(c, c) for c in pa] == [table.get(c, c) for c in pb] or (
                spaced_hyphen and a.spaced[k] != b.spaced[k] and "—" in ga and "—" in gb):
            reasons.append(name)
    return ga, gb, reasons


def _rule_applies(rule, k: int, a: _Text, b: _Text, counts: dict[str, tuple[int, int]]) -> bool:
    n = len(a.words)
    if rule.where == "end" and k != n or rule.where == "inner" and not 0 < k < n:
        return False
    if rule.before and (k >= n or a.words[k].lower() not in rule.before):
        return False
    if rule.needs and all(counts[m][0] == counts[m][1] for m in rule.needs):
        return False
    if rule.after:
        # the side that has the mark must have one of `after` earlier in the same sentence
        for t in (a, b):
            if not rule.marks & set(t.gaps[k]):
                continue
            earlier = []
            for g in reversed(t.gaps[1:k]):
                if "." in g or "?" in g or "!" in g:
                    break
                earlier.append(g)
            if not any(set(g) & rule.after for g in earlier):
                return False
    return True


def _explain_gap(k: int, ga: str, gb: str, a: _Text, b: _Text, counts) -> list[str] | None:
    """The fewest drop rules that make the two gaps equal once their marks are removed; None if none do."""
    rules = [r for r in cosmetic().drops if _rule_applies(r, k, a, b, counts)]
    for size in (1, 2, 3):
        for combo in itertools.combinations(rules, size):
            marks = set().union(*(r.marks for r in combo))
            if "".join(c for c in ga if c not in marks) == "".join(c for c in gb if c not in marks):
                return [r.name for r in combo]
    return None


def cosmetic_reasons(old: str, new: str, fold_case: bool = True) -> list[str] | None:
    """The kinds of cosmetic difference between old and new (rule names of cosmetic-en.toml,
    'compounding', 'spelling', 'case', 'whitespace'); None if the change is real."""
    if ws(old) == ws(new):
        return []
    a, b = _split(old), _split(new)
    word_reasons = _same_words(a, b, fold_case)
    if word_reasons is None:
        return None
    cos = cosmetic()
    styled = []
    found: set[str] = set(word_reasons)
    for k in range(len(a.gaps)):
        ga, gb, style = _style_reasons(k, a, b, cos.styles)
        found.update(style)
        styled.append((ga, gb))
    marks = {m for r in cos.drops for m in r.needs}
    counts = {m: (sum(g.count(m) for g, _ in styled), sum(g.count(m) for _, g in styled)) for m in marks}
    for k, (ga, gb) in enumerate(styled):
        if ga == gb:
            continue
        rules = _explain_gap(k, ga, gb, a, b, counts)
        if rules is None:
            return None
        found.update(rules)
    order = [name for name, _, _ in cos.styles] + [r.name for r in cos.drops] + ["compounding", "spelling", "case"]
    reasons = [r for r in dict.fromkeys(order) if r in found]
    return reasons or ["whitespace"]


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
    sim = similarity(old, new)
    if sim >= 1.0:
        # the similarity folds plurals and spellings ("recommend" ~ "recommends"); a real change
        # that only such folding hides is measured on the words as written
        a, b = ([w.lower() for w in _WORD.findall(t)] for t in (old, new))
        sim = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    return "modified", round(sim, 4), None, diff


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
