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

import difflib
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import pandas as pd

from pipeline import schema

DRIFT_CLI_COLUMNS = ["skill", "element", "level", "item", "status", "similarity"]

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
                         "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"'})
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
_SPACED_DASH = re.compile(r"\s+-\s+|\s*--\s*")
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Spelling:
    pairs: dict[str, str]          # british -> american, both lower case
    rules: tuple[tuple[str, str], ...]
    exceptions: frozenset[tuple[str, str]]

    def same(self, a: str, b: str) -> bool:
        """True when lower-cased words a and b are spelling variants of each other."""
        if a == b:
            return True
        if self.pairs.get(a) == b or self.pairs.get(b) == a:
            return True
        if (a, b) in self.exceptions or (b, a) in self.exceptions:
            return False
        for br, am in self.rules:
            for x, y in ((a, b), (b, a)):
                if x.endswith(br) and y.endswith(am) and len(x) - len(br) >= 3 and x[: -len(br)] == y[: -len(am)]:
                    return True
        return False

    def canonical(self, word: str) -> str:
        """A spelling-neutral form, for similarity only (not for deciding cosmetic)."""
        w = self.pairs.get(word, word)
        for br, am in self.rules:
            if w.endswith(br) and len(w) - len(br) >= 3:
                return w[: -len(br)] + am
        return w


@cache
def spelling() -> Spelling:
    path = resources.files("pipeline") / "data" / "spelling-en.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    pairs = {}
    for br, am in data.get("pairs", []):
        pairs[br.lower()] = am.lower()
    return Spelling(pairs=pairs, rules=tuple((b, a) for b, a in data.get("suffix_rules", [])),
                    exceptions=frozenset((a, b) for a, b in data.get("not_variants", [])))


def ws(text: str) -> str:
    return _WS.sub(" ", text or "").strip()


def _punct_norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    t = _DASHES.sub("-", t)
    t = _SPACED_DASH.sub(", ", t)  # parenthetical dashes read as commas
    return t


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


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
    if [c for c in old if c == "-" or _DASHES.match(c)] != [c for c in new if c == "-" or _DASHES.match(c)]:
        reasons.append("dashes")
    to = _dedupe_commas(tokens(_punct_norm(old)))
    tn = _dedupe_commas(tokens(_punct_norm(new)))
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


@lru_cache(maxsize=200_000)
def _canonical_word(word: str) -> str:
    w = spelling().canonical(word)
    # light plural folding, for similarity only: services ~ service, issues ~ issue
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


@lru_cache(maxsize=100_000)
def similarity_tokens(text: str) -> tuple[str, ...]:
    """Lower-cased, spelling-neutral words of a text (cached: texts recur across stages)."""
    return tuple(_canonical_word(t.lower()) for t in tokens(_punct_norm(text)) if t[0].isalnum())


def similarity(old: str, new: str) -> float:
    """Word-level similarity (difflib ratio) after cosmetic normalisation; 1.0 = same words."""
    a, b = similarity_tokens(old), similarity_tokens(new)
    if not a and not b:
        return 1.0
    if a == b:
        return 1.0
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sm.ratio()


def word_diff_ops(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in '=', '-', '+': a word diff keeping the original spacing."""
    a = re.findall(r"\s*\S+", old or "")
    b = re.findall(r"\s*\S+", new or "")
    ka = [w.strip() for w in a]
    kb = [w.strip() for w in b]
    ops: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append(("=", "".join(b[j1:j2])))
        else:
            if i2 > i1:
                ops.append(("-", "".join(a[i1:i2])))
            if j2 > j1:
                ops.append(("+", "".join(b[j1:j2])))
    return ops


def word_diff(old: str, new: str) -> str:
    out = []
    for op, text in word_diff_ops(old, new):
        lead = text[: len(text) - len(text.lstrip())]
        body = text.strip()
        out.append(text if op == "=" else f"{lead}[-{body}-]" if op == "-" else f"{lead}{{+{body}+}}")
    return "".join(out).strip()


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


def _none(v):
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


def classify(english_alignment: pd.DataFrame, case_is_cosmetic: bool = True) -> pd.DataFrame:
    """English alignment (schema.ENGLISH_ALIGNMENT) -> drift table (schema.DRIFT)."""
    schema.validate(english_alignment, schema.ENGLISH_ALIGNMENT, "english alignment")
    rows = []
    for r in english_alignment.itertuples(index=False):
        old, new = _none(r.en_8), _none(r.en_9)
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
