"""QA6xx: script and right-to-left text (Arabic)."""

from __future__ import annotations

import re
import unicodedata

from pipeline.checks.engine import Hit
from pipeline.checks.registry import register
from pipeline.checks.text import BIDI_CONTROLS, span

G = "script"
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


@register("QA601", "latin-punctuation-in-arabic", "warning",
          "Latin , ; ? in Arabic text where the Arabic signs ، ؛ ؟ belong.",
          rationale="Arabic writes its own comma, semicolon and question mark; the Latin ones look wrong "
                    "and mirror badly in right-to-left text. Latin fragments (names, numbers like 1,000) "
                    "keep theirs. The mapping is `[punctuation] latin_to_native` of the language's data file, "
                    "so Persian or Urdu need only data.", group=G)
def latin_punct(u, env, opts):
    t = u.target
    if not t:
        return
    table = env.lang(u.lang).section("punctuation").get("latin_to_native", {})
    if not table:
        return
    ev = []
    for m in re.finditer("[" + re.escape("".join(sorted(table))) + "]", t):
        i, ch = m.start(), m.group(0)
        before = t[:i].rstrip()
        if not before or not ARABIC_LETTER.match(before[-1]):
            continue  # after a Latin word, a digit or a bracket: not Arabic text
        after = t[i + 1:].lstrip()
        if ch == "," and after[:1].isdigit() and before[-1:].isdigit():
            continue
        ev.append(span("target", t, i, i + 1))
    if ev:
        signs = sorted({e["text"] for e in ev})
        yield Hit(u, f"Latin punctuation {' '.join(signs)} in the Arabic of {u.label}; use "
                     f"{' '.join(table[s] for s in signs)}.", ev)


@register("QA602", "bidi-control", "warning",
          "Invisible bidirectional control characters (LRM, RLM, embeddings, isolates) in the text.",
          rationale="Bidi controls are invisible in review, survive copy-paste from editors, break search "
                    "and translation-memory matches, and can reorder the displayed text.", group=G)
def bidi(u, env, opts):
    t = u.target
    if not t:
        return
    ev = [span("target", t, m.start(), m.end()) for m in _BIDI.finditer(t)]
    if ev:
        names = sorted({unicodedata.name(e["text"], f"U+{ord(e['text']):04X}") for e in ev})
        yield Hit(u, f"{len(ev)} invisible bidi control character(s) in {u.label}: {', '.join(names)}.", ev)


WESTERN = re.compile(r"[0-9]+")
INDIC = re.compile(r"[٠-٩۰-۹]+")


@register("QA603", "mixed-digits", "warning",
          "Arabic-Indic (٠١٢) and Western (012) digits mixed in one text.",
          rationale="A text uses one digit style; mixing them (often from pasting MT output) looks careless "
                    "and confuses number checks.", group=G, languages=("ar",))
def mixed_digits(u, env, opts):
    t = u.target
    if not t:
        return
    w, a = list(WESTERN.finditer(t)), list(INDIC.finditer(t))
    if w and a:
        yield Hit(u, f"{u.label[0].upper() + u.label[1:]} mixes Western digits "
                     f"({', '.join(m.group(0) for m in w)}) and Arabic-Indic digits "
                     f"({', '.join(m.group(0) for m in a)}).",
                  [span("target", t, m.start(), m.end()) for m in sorted(w + a, key=lambda m: m.start())])


@register("QA604", "tatweel", "info",
          "Tatweel (ـ, U+0640), the Arabic stretching character, inside words.",
          rationale="Tatweel is justification, not spelling: it breaks search, spell-checking and "
                    "translation-memory matches.", group=G, languages=("ar",))
def tatweel(u, env, opts):
    t = u.target
    if not t or "\u0640" not in t:
        return
    ev = [span("target", t, m.start(), m.end()) for m in re.finditer("\u0640+", t)]
    yield Hit(u, f"Tatweel (ـ) {len(ev)} time(s) in {u.label}.", ev)
