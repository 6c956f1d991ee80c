"""Language identification that is cheap where it can be and honest where it cannot.

Shared by the score stage (the ``wrong-language`` signal) and the QA checks. The decision
for a text expected in language ``L`` goes, cheapest first:

1. **No verdict** (``ok=None``) for a text with fewer than ``min_chars`` letters: digits,
   codes, names and a few words do not carry enough evidence to judge.
2. **Script.** Letters are counted per Unicode script (:func:`script_shares`). When the
   text is mostly written in a script that ``L`` does not use (``[language] scripts`` of
   ``pipeline/lang/<L>.toml``), it is not ``L``. When it is written in a script that only
   ``L`` uses among the languages the project knows (Arabic script, with ``ar`` the only
   Arabic-script language file), it is ``L``. Neither needs a statistical model.
3. **Marks.** Letters that only ``L`` writes among its likely confusions (``[langid] marks``
   of the language file, e.g. Czech ``ě ř ů``; ``min_marks`` of them, default 1), or letters
   ``L`` shares with close relatives but not with English (``letters``, ``min_letters`` of
   them, default 2) settle it. A close relative (Slovak for Czech) is not told apart: the
   signal is for untranslated or wrongly targeted output, not dialectology.
4. **langdetect**, seeded (``DetectorFactory.seed = 0``) and cached, for what is left.
   It is slow (milliseconds a call): :func:`identify_many` removes duplicates first and
   spreads a large batch over two processes.

A negative verdict from langdetect is given only when it is sure (the expected language is
not among its guesses and the top guess has probability >= ``SURE``); anything less is no
verdict, because a false "wrong language" makes reviewers stop reading the report.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from pipeline import langdata, parallel
from pipeline.errors import ConfigError

SURE = 0.90           # langdetect probability needed to call a text "wrong language"
DETECT_MIN = 40       # letters langdetect needs before its "wrong language" is believed
# Not language: URLs, e-mail addresses, @handles, #tags, [PLACEHOLDERS], {variables}. Every
# alternative starts at the beginning of a whitespace-separated token ((?<!\S)) or at its own
# opening bracket with a bounded length, so the scan is linear in the text's length: a lone
# 100,000-character token (no '@', no ']') cannot make the engine retry at every position.
_NOISE = re.compile(r"(?<!\S)(?:https?://|www\.)\S*|(?<!\S)[^\s@]*@\S*|[@#]\w+"
                    r"|\[[^\]\[\n]{0,200}\]|\{[^{}\n]{0,200}\}")
_NOISE_HINTS = ("://", "www.", "@", "#", "[", "{")
MAJORITY = 0.5        # share of letters a script needs to be the text's script
PARALLEL_MIN = 400    # unique texts for langdetect before a second process pays for itself
_SCRIPT_ALIASES = {"CJK": "Han", "FULLWIDTH": "Latin", "HALFWIDTH": "Katakana"}


@dataclass(frozen=True)
class Verdict:
    """``lang``: the language found (langdetect code or the expected one), None when unknown;
    ``ok``: True it is the expected language, False it is not, None no verdict;
    ``method``: how it was decided (too-short, script, marks, langdetect, langdetect-unsure,
    no-data); ``confidence``: 0..1 (script share, or langdetect probability)."""

    lang: str | None
    ok: bool | None
    method: str
    confidence: float


@cache
def script_of(ch: str) -> str | None:
    """The Unicode script of a letter ('Latin', 'Arabic', 'Cyrillic'...), None for a non-letter."""
    return _script_of(ch)


@cache
def _script_of(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    try:
        first = unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return None
    return _SCRIPT_ALIASES.get(first, first.title())


class _ScriptTags(dict):
    """A ``str.translate`` table: each letter -> one private-use character standing for its
    script (ASCII letters their own, :data:`_ASCII_TAG`), anything else -> None (dropped). It
    fills itself as characters come, so a text's scripts are counted in C."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}   # tag -> script
        self._tags: dict[str, str] = {}   # script -> tag

    def __missing__(self, cp: int) -> str | None:
        ch = chr(cp)
        if ch.isascii():
            tag = _ASCII_TAG if ch.isalpha() else None
        else:
            script = _script_of(ch)
            tag = None if script is None else self._tag(script)
        self[cp] = tag
        return tag

    def _tag(self, script: str) -> str:
        tag = self._tags.get(script)
        if tag is None:
            tag = self._tags[script] = chr(0xF0001 + len(self._tags))
            self.names[tag] = script
        return tag


_ASCII_TAG = chr(0xF0000)
_SCRIPT_TAGS = _ScriptTags()


def _script_counts(text: str) -> Counter:
    """Letters per script, the scripts in the order their first non-ASCII letter comes and the
    ASCII letters added to Latin last."""
    counts: Counter = Counter()
    ascii_letters = 0
    tags = left = text.translate(_SCRIPT_TAGS)
    while left:  # a text has one script or a few: count each (in C) in the order it first comes
        tag = left[0]
        n = tags.count(tag)
        if tag == _ASCII_TAG:
            ascii_letters = n
        else:
            counts[_SCRIPT_TAGS.names[tag]] += n
        left = left.replace(tag, "")
    if ascii_letters:
        counts["Latin"] += ascii_letters
    return counts


def script_shares(text: str) -> dict[str, float]:
    """Share of the text's letters in each Unicode script, e.g. {'Latin': 0.9, 'Arabic': 0.1}.

    Digits, punctuation and spaces do not count; a text without letters gives {}."""
    counts = _script_counts(text)
    total = sum(counts.values())
    if not total:
        return {}
    return {k: counts[k] / total for k in sorted(counts, key=lambda k: (-counts[k], k))}


@dataclass(frozen=True)
class _Profile:
    code: str
    detect_code: str
    scripts: frozenset[str]
    exclusive_scripts: frozenset[str]   # scripts no other known language uses
    confusable: frozenset[str]          # langdetect codes it mistakes this language for
    marks: frozenset[str]
    min_marks: int
    letters: frozenset[str]
    min_letters: int


@cache
def _profile(expected: str) -> _Profile | None:
    try:
        lang = langdata.load(expected)
    except ConfigError:
        return None
    others: set[str] = set()
    for code in langdata.available():
        if code != lang.code:
            others.update(langdata.load(code).scripts)
    opts = lang.section("langid")
    return _Profile(lang.code, lang.langdetect or lang.code, frozenset(lang.scripts),
                    frozenset(set(lang.scripts) - others), frozenset(opts.get("confusable", [])),
                    frozenset(opts.get("marks", [])), int(opts.get("min_marks", 1)),
                    frozenset(opts.get("letters", [])), int(opts.get("min_letters", 2)))


def _cheap(text: str, expected: str, min_chars: int) -> Verdict | None:
    """The verdict when no statistical model is needed; None when langdetect must decide."""
    counts = _script_counts(text)
    total = sum(counts.values())
    if total < max(min_chars, 1):
        return Verdict(None, None, "too-short", 0.0)
    prof = _profile(expected)
    if prof is None:
        return None
    in_expected = sum(v for k, v in counts.items() if k in prof.scripts) / total
    if in_expected < MAJORITY:
        return Verdict(None, False, "script", round(1.0 - in_expected, 4))
    top, n_top = counts.most_common(1)[0]
    if top in prof.exclusive_scripts and n_top / total >= MAJORITY:
        return Verdict(prof.code, True, "script", round(n_top / total, 4))
    if prof.marks or prof.letters:
        low = text.lower()
        if prof.marks and sum(low.count(m) for m in prof.marks) >= prof.min_marks:
            return Verdict(prof.code, True, "marks", 1.0)
        if prof.letters and sum(low.count(m) for m in prof.letters) >= prof.min_letters:
            return Verdict(prof.code, True, "marks", 1.0)
    return None


def warm() -> None:
    """Load langdetect's language profiles now (half a second): processes forked afterwards
    (one per language, :mod:`pipeline.parallel`) inherit them instead of each loading its own."""
    from langdetect.detector_factory import init_factory

    init_factory()


@lru_cache(maxsize=65536)
def _detect(text: str) -> tuple[tuple[str, float], ...]:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        return tuple((x.lang, float(x.prob)) for x in detect_langs(text))
    except LangDetectException:
        return ()


def _from_guesses(guesses: tuple[tuple[str, float], ...], expected: str, letters: int) -> Verdict:
    prof = _profile(expected)
    want = prof.detect_code if prof else langdata.base_tag(expected)
    if not guesses:
        return Verdict(None, None, "langdetect-unsure", 0.0)
    top, p = guesses[0]
    if top == want:
        return Verdict(prof.code if prof else want, True, "langdetect", round(p, 4))
    if (any(g == want for g, _ in guesses) or p < SURE or letters < DETECT_MIN
            or (prof is not None and top in prof.confusable)):
        return Verdict(top, None, "langdetect-unsure", round(p, 4))
    return Verdict(top, False, "langdetect", round(p, 4))


def _clean(text: str | None) -> str:
    text = text or ""
    if any(c in text for c in _NOISE_HINTS):  # each of _NOISE's alternatives needs one of these
        text = _NOISE.sub(" ", text)
    return " ".join(text.split())


def _n_letters(text: str) -> int:
    return sum(_script_counts(text).values())


def identify(text: str, expected: str, min_chars: int = 25) -> Verdict:
    """Is ``text`` written in ``expected`` (a BCP-47 tag)? See the module docstring."""
    text = _clean(text)
    v = _cheap(text, expected, min_chars)
    if v is not None:
        return v
    return _from_guesses(_detect(text), expected, _n_letters(text))


def _detect_chunk(texts: list[str]) -> list[tuple[tuple[str, float], ...]]:
    return [_detect(t) for t in texts]


def identify_many(texts: Sequence[str | None], expected: str, min_chars: int = 25,
                  workers: int | None = None) -> list[Verdict]:
    """:func:`identify` for many texts: duplicates are judged once, and the texts that need
    langdetect are spread over ``workers`` processes (default: 2 when the batch is large
    enough to repay starting them, else 1)."""
    norm = [_clean(t) for t in texts]
    verdicts: dict[str, Verdict] = {}
    pending: list[str] = []
    for t in dict.fromkeys(norm):
        v = _cheap(t, expected, min_chars)
        if v is None:
            pending.append(t)
        else:
            verdicts[t] = v
    if workers is None:
        workers = parallel.cpus() if len(pending) >= PARALLEL_MIN else 1
    if workers > 1 and len(pending) > 1:
        _detect("warm up the profiles once, before the fork")
        chunks = [pending[i::workers] for i in range(workers)]
        results = parallel.map_forked(_detect_chunk, chunks)
        for chunk, res in zip(chunks, results, strict=True):
            for t, g in zip(chunk, res, strict=True):
                verdicts[t] = _from_guesses(g, expected, _n_letters(t))
    else:
        for t in pending:
            verdicts[t] = _from_guesses(_detect(t), expected, _n_letters(t))
    return [verdicts[t] for t in norm]
