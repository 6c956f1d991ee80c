"""QA6xx: script and right-to-left text.

Which languages a rule runs for is data: each rule ``requires`` a key of the language's data
file (``[punctuation] latin_to_native``, ``[script] digits``, ``[script] stretching``), so Persian
or Urdu need a data file, not code.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.checks.registry import register
from pipeline.checks.text import BIDI_CONTROLS, span
from pipeline.checks.units import Hit
from pipeline.langid import script_of

G = "script"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


@register("QA601", "latin-punctuation-in-arabic", "warning",
          "Latin , ; ? in Arabic text where the Arabic signs ، ؛ ؟ belong.",
          rationale="Arabic writes its own comma, semicolon and question mark; the Latin ones look wrong "
                    "and mirror badly in right-to-left text. Latin fragments (names, numbers like 1,000) "
                    "keep theirs. The mapping is `[punctuation] latin_to_native` of the language's data file, "
                    "so Persian or Urdu need only data.", group=G, requires=("punctuation.latin_to_native",))
def latin_punct(u, env, opts):
    t = u.target
    if not t:
        return
    lang = env.lang(u.lang)
    table = lang.section("punctuation").get("latin_to_native", {})
    native = set(lang.scripts) - {"Latin"}
    if not table or not native:
        return
    ev = []
    for m in re.finditer("[" + re.escape("".join(sorted(table))) + "]", t):
        i, ch = m.start(), m.group(0)
        before = t[:i].rstrip()
        if not before or script_of(before[-1]) not in native:
            continue  # after a Latin word, a digit or a bracket: not text in the language's own script
        after = t[i + 1:].lstrip()
        if ch == "," and after[:1].isdigit() and before[-1:].isdigit():
            continue
        ev.append(span("target", t, i, i + 1))
    if ev:
        signs = sorted({e["text"] for e in ev})
        yield Hit(u, f"Latin punctuation {' '.join(signs)} in the {lang.english_name} of {u.label}; use "
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


@register("QA603", "mixed-digits", "warning",
          "The language's own digits (e.g. Arabic-Indic ٠١٢) and Western digits (012) mixed in one text.",
          rationale="A text uses one digit style; mixing them (often from pasting MT output) looks careless "
                    "and confuses number checks. The language's own digits are `[script] digits` of its "
                    "data file.", group=G, requires=("script.digits",))
def mixed_digits(u, env, opts):
    t = u.target
    if not t:
        return
    digits = env.lang(u.lang).section("script").get("digits", "")
    own = re.compile("[" + re.escape(digits) + "]+")
    w, a = list(WESTERN.finditer(t)), list(own.finditer(t))
    if w and a:
        yield Hit(u, f"{u.label[0].upper() + u.label[1:]} mixes Western digits "
                     f"({', '.join(m.group(0) for m in w)}) and Arabic-Indic digits "
                     f"({', '.join(m.group(0) for m in a)}).",
                  [span("target", t, m.start(), m.end()) for m in sorted(w + a, key=lambda m: m.start())])


@register("QA604", "tatweel", "info",
          "Tatweel (ـ, U+0640), the Arabic stretching character, inside words.",
          rationale="Tatweel is justification, not spelling: it breaks search, spell-checking and "
                    "translation-memory matches. The stretching characters are `[script] stretching` "
                    "of the language's data file.", group=G, requires=("script.stretching",))
def tatweel(u, env, opts):
    t = u.target
    signs = "".join(env.lang(u.lang).section("script").get("stretching", []))
    if not t or not signs or not any(ch in t for ch in signs):
        return
    ev = [span("target", t, m.start(), m.end()) for m in re.finditer("[" + re.escape(signs) + "]+", t)]
    yield Hit(u, f"Tatweel (ـ) {len(ev)} time(s) in {u.label}.", ev)
