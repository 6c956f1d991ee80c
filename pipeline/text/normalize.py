"""Text normalisation shared by align, drift, audit and the reports.

Whitespace, punctuation style (quotes, dashes), word tokens, a spelling-neutral word-level
similarity and word diffs. Everything here is a pure function of its text arguments.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

from pipeline.text.spelling import spelling

QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
                        "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"'})
DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
_SPACED_DASH = re.compile(r"\s+-\s+|\s*--\s*")
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_WS = re.compile(r"\s+")


def ws(text: str) -> str:
    return _WS.sub(" ", text or "").strip()


def punct_norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).translate(QUOTES)
    t = DASHES.sub("-", t)
    t = _SPACED_DASH.sub(", ", t)  # parenthetical dashes read as commas
    return t


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


@lru_cache(maxsize=200_000)
def _canonical_word(word: str) -> str:
    w = spelling().canonical(word)
    # light plural folding, for similarity only: services ~ service, issues ~ issue
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


@lru_cache(maxsize=100_000)
def similarity_tokens(text: str) -> tuple[str, ...]:
    """Lower-cased, spelling-neutral words of a text (cached: texts recur across stages)."""
    return tuple(_canonical_word(t.lower()) for t in tokens(punct_norm(text)) if t[0].isalnum())


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


_DIGIT = re.compile(r"\d")


def ascii_digits(text: str) -> str:
    """Decimal digits of any script as ASCII digits: '٣٤' -> '34' (Unicode's own digit values)."""
    return _DIGIT.sub(lambda m: str(unicodedata.decimal(m.group(0), 0)), text) if not text.isascii() else text
