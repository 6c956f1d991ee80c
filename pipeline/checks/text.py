"""Text helpers for the checks: words with spans, inflection-tolerant matching, sentences.

Every helper returns character offsets into the text it was given, so a finding can point
a reviewer at the exact words (``evidence`` spans). Language knowledge (prefixes that
Arabic glues to words, how long a word's stem must be) comes from the ``[morphology]``
section of ``pipeline/lang/<code>.toml``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from pipeline import langdata

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def span(field: str, text: str, start: int, end: int) -> dict:
    """One evidence record: which text (target/source), where, and what it says there."""
    return {"field": field, "start": int(start), "end": int(end), "text": text[start:end]}


def ws(text: str) -> str:
    return " ".join(text.split())


def words(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) of each word; cached, since most rules ask for the same texts' words."""
    return list(_words(text))


@lru_cache(maxsize=16384)  # a language's texts (target, source, SFIA 8) as rule after rule reads them
def _words(text: str) -> tuple[tuple[str, int, int], ...]:
    return tuple((m.group(0), m.start(), m.end()) for m in word_re().finditer(text))


@cache
def _mark_class() -> str:
    """Every combining mark (Unicode categories Mn, Mc, Me) of the first two planes, as
    regex-class ranges: vowel signs are part of the word they sit on, in any script."""
    ranges: list[list[int]] = []
    for cp in range(0x20000):
        if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])

    def esc(cp: int) -> str:
        return f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"

    return "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges)


@cache
def word_re() -> re.Pattern:
    """A word: letters and digits of any script with their combining marks, inner hyphens and
    apostrophes kept ("self-service", "don't"). One character class, not an alternation, so the
    scan of a long text stays fast; the underscore (a \\w character) counts as a letter."""
    ch = rf"[\w{_mark_class()}]"
    return re.compile(rf"{ch}+(?:[-'’]{ch}+)*")


def strip_marks(text: str) -> str:
    """The text without combining marks (Arabic short vowels, Hebrew points...)."""
    return re.sub(f"[{_mark_class()}]", "", text)


@dataclass(frozen=True)
class Morph:
    """Inflection-tolerant word comparison for one language.

    Two words match when, after removing a known prefix (Arabic ال, و, ب, ...), they share a
    prefix of at least ``max(min_stem, longer length - max_suffix)`` letters: Polish
    "klienta" / "klientów", Arabic "العملاء" / "للعملاء" match; "dział" / "działania" do not.
    """

    prefixes: tuple[str, ...] = ()
    min_stem: int = 4
    max_suffix: int = 3
    ignorable: str = ""   # characters that are not spelling ([script] stretching: tatweel)
    # When given, a language that inflects by a few known endings (English -s, -es, -ed, -ing):
    # two words match only when removing at most one ending of each leaves the same stem, so
    # "continual" and "continuous" (different words with a shared stem) do not match.
    suffixes: tuple[str, ...] = ()
    # Coordination inside a term ("standardów i procedur obsługi", "قنوات ومستويات ومعايير الخدمة"):
    # words that join conjuncts, and prefixes that glue a conjunction to the next word.
    coordinators: tuple[str, ...] = ()
    coordination_prefixes: tuple[str, ...] = ()

    def forms(self, word: str) -> tuple[str, ...]:
        return _forms(self, word)

    def _forms(self, word: str) -> tuple[str, ...]:
        w = strip_marks(word.casefold())
        if self.ignorable:
            w = w.translate({ord(c): None for c in self.ignorable})
        out = [w]
        for p in self.prefixes:
            if w.startswith(p) and len(w) - len(p) >= max(self.min_stem - 1, 2):
                out.append(w[len(p):])
        return tuple(dict.fromkeys(out))

    def _stems(self, w: str) -> set[str]:
        out = {w}
        for suf in self.suffixes:
            if w.endswith(suf) and len(w) - len(suf) >= 3:
                out.add(w[: -len(suf)])
        return out

    def _match1(self, a: str, b: str) -> bool:
        if a == b:
            return True
        if self.suffixes:
            return bool(self._stems(a) & self._stems(b))
        n = 0
        for x, y in zip(a, b, strict=False):
            if x != y:
                break
            n += 1
        return n >= max(self.min_stem, max(len(a), len(b)) - self.max_suffix)

    def match(self, a: str, b: str) -> bool:
        return _match(self, a, b)

    def find(self, text: str, phrase: str, tokens: list[tuple[str, int, int]] | None = None) -> list[tuple[int, int]]:
        """Spans of ``text`` where the words of ``phrase`` occur in order, each inflection-tolerant."""
        want = [w for w, _, _ in words(phrase)]
        if not want:
            return []
        toks = tokens if tokens is not None else words(text)
        out = []
        for i in range(len(toks) - len(want) + 1):
            if not self.match(toks[i][0], want[0]):
                continue
            if all(self.match(toks[i + k][0], want[k]) for k in range(1, len(want))):
                out.append((toks[i][1], toks[i + len(want) - 1][2]))
            elif len(want) > 1 and (self.coordinators or self.coordination_prefixes):
                j = self._after_conjuncts(toks, i + 1, want[1])
                if j is not None and j + len(want) - 1 <= len(toks) and \
                        all(self.match(toks[j + k - 1][0], want[k]) for k in range(1, len(want))):
                    out.append((toks[i][1], toks[j + len(want) - 2][2]))
        return out

    def _is_conjunct(self, word: str) -> bool:
        w = strip_marks(word.casefold())
        return any(w.startswith(p) and len(w) - len(p) >= 2 for p in self.coordination_prefixes)

    def _after_conjuncts(self, toks, j: int, nxt: str, limit: int = 4) -> int | None:
        """Where the rest of a term resumes after the conjuncts that follow its head word, when
        the head is coordinated with others that share its dependent ("X i Y obsługi", "X وY
        الخدمة"); None when no conjunct follows."""
        steps = 0
        while j < len(toks) and steps < limit:
            w = strip_marks(toks[j][0].casefold())
            if w in self.coordinators and j + 1 < len(toks):
                j += 2
            elif self._is_conjunct(toks[j][0]) and not self.match(toks[j][0], nxt):
                j += 1
            else:
                break
            steps += 1
        return j if steps else None


@lru_cache(maxsize=65536)
def _forms(m: Morph, word: str) -> tuple[str, ...]:
    return m._forms(word)


@lru_cache(maxsize=1 << 18)  # the same words meet the same glossary and title words page after page
def _match(m: Morph, a: str, b: str) -> bool:
    return any(m._match1(x, y) for x in m.forms(a) for y in m.forms(b))


@cache
def morph(lang: str) -> Morph:
    data = langdata.load(lang)
    m = data.section("morphology")
    return Morph(tuple(sorted(m.get("prefixes", []), key=len, reverse=True)),
                 int(m.get("min_stem", 4)), int(m.get("max_suffix", 3)),
                 "".join(data.section("script").get("stretching", [])),
                 tuple(sorted(m.get("suffixes", []), key=len, reverse=True)),
                 tuple(w.casefold() for w in m.get("coordinators", [])),
                 tuple(m.get("coordination_prefixes", [])))


def final_punct(text: str) -> str:
    """The closing punctuation of a text ('' when none), ignoring closing quotes/brackets."""
    t = text.rstrip().rstrip("\"'”’»)]")
    if not t:
        return ""
    m = re.search(r"[.!?:;…؟؛،,]+$", t)
    return m.group(0) if m else ""


@cache
def _punct_class() -> dict[str, str]:
    """Native punctuation -> its Latin counterpart, from every language's ``[punctuation]
    latin_to_native`` (Arabic ، ؛ ؟ -> , ; ?), plus the ellipsis and the ideographic full stop."""
    out = {"…": "...", "。": "."}
    for code in langdata.available():
        for latin, native in langdata.load(code).section("punctuation").get("latin_to_native", {}).items():
            out.setdefault(native, latin)
    return out


def punct_class(p: str) -> str:
    """'؟' -> '?', '...' -> '...', '.' -> '.': punctuation compared across scripts."""
    if not p:
        return ""
    table = _punct_class()
    p = "".join(table.get(c, c) for c in p)
    if set(p) == {"."} and len(p) >= 3:
        return "..."
    return p[-1]


def sentence_starts(text: str, abbreviations: tuple[str, ...] = ()) -> list[int]:
    """Offsets where a sentence starts: the text's first word and every word after
    sentence-final punctuation and a space, unless the punctuation closes an abbreviation."""
    starts = []
    m = re.search(r"\S", text)
    if m:
        starts.append(m.start())
    low_abbr = tuple(a.casefold() for a in abbreviations)
    for m in re.finditer(r"[.!?؟]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?\w)", text):
        before = text[: m.start() + 1].casefold()
        if any(before.endswith(a) and (len(before) == len(a) or not before[-len(a) - 1].isalnum())
               for a in low_abbr):
            continue
        starts.append(m.end())
    return starts


def split_sentences(text: str, abbreviations: tuple[str, ...] = ()) -> list[str]:
    starts = sentence_starts(text, abbreviations)
    if not starts:
        return []
    bounds = starts + [len(text)]
    return [text[bounds[i]:bounds[i + 1]].strip() for i in range(len(starts))]
