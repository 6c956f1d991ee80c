"""QA4xx: punctuation and typography of the translation."""

from __future__ import annotations

from pipeline.checks.common import (
    DOUBLE_SPACE,
    describe_ending,
    ending,
    ending_span,
    repeated_words,
    space_before_punct,
    unbalanced_brackets,
    unbalanced_quotes,
)
from pipeline.checks.registry import register
from pipeline.checks.text import span
from pipeline.checks.units import Hit

G = "punctuation"


@register("QA401", "final-punctuation", "warning",
          "The translation ends with different punctuation than the English (full stop, colon, none).",
          rationale="A level statement that loses its full stop, or a lead-in that loses its colon, reads as "
                    "cut off. Script variants count as equal (Arabic ؟ ؛ match ? ;).\n\nBad: English "
                    "'Activities may include:' → 'Działania mogą obejmować.' Good: '…obejmować:'",
          group=G)
def final_punctuation(u, env, opts):
    if not (u.source and u.target) or u.element == "name":
        return
    es, et = ending(u.source), ending(u.target)
    if es == et:
        return
    s, e = ending_span(u.target)
    s2, e2 = ending_span(u.source)
    yield Hit(u, f"The translation of {u.label} ends with {describe_ending(et)}, the English with "
                 f"{describe_ending(es)}.",
              [span("target", u.target, s, e), span("source", u.source, s2, e2)])


@register("QA402", "unbalanced-brackets", "warning",
          "An opening bracket without its closing one, or the reverse.",
          rationale="An unclosed parenthesis makes the rest of the sentence read as an aside.", group=G)
def brackets(u, env, opts):
    if not u.target:
        return
    bad = unbalanced_brackets(u.target)
    if bad:
        yield Hit(u, f"Unbalanced bracket(s) {' '.join(ch for _, ch in bad)} in {u.label}.",
                  [span("target", u.target, i, i + 1) for i, _ in bad])


@register("QA403", "unbalanced-quotes", "warning",
          "A quotation mark without its partner (the language's own pairs: „…” in Polish, «…» or “…”).",
          rationale="An unclosed quotation runs to the end of the text. The quote pairs each language uses "
                    "are `[punctuation] quote_pairs` in its data file.", group=G)
def quotes(u, env, opts):
    if not u.target:
        return
    pairs = env.lang(u.lang).section("punctuation").get("quote_pairs")
    bad = unbalanced_quotes(u.target, pairs)
    if bad:
        yield Hit(u, f"Unbalanced quotation mark(s) {' '.join(ch for _, ch in bad)} in {u.label}.",
                  [span("target", u.target, i, i + 1) for i, _ in bad])


@register("QA404", "double-space", "info",
          "Two or more spaces between words.",
          rationale="Doubled spaces are invisible in review but survive into the published page and break "
                    "search and translation-memory matches.", group=G)
def double_space(u, env, opts):
    if not u.target:
        return
    ms = list(DOUBLE_SPACE.finditer(u.target))
    if ms:
        yield Hit(u, f"{len(ms)} place(s) with doubled spaces in {u.label}.",
                  [span("target", u.target, m.start(), m.end()) for m in ms])


@register("QA405", "leading-trailing-space", "info",
          "The text starts or ends with spaces.",
          rationale="Leading or trailing whitespace is an editing leftover; it changes the text a "
                    "translation memory stores.", group=G)
def edge_space(u, env, opts):
    t = u.target
    if not t or not t.strip():
        return
    ev = []
    if t[0].isspace():
        ev.append(span("target", t, 0, len(t) - len(t.lstrip())))
    if t[-1].isspace():
        ev.append(span("target", t, len(t.rstrip()), len(t)))
    if ev:
        yield Hit(u, f"{u.label[0].upper() + u.label[1:]} has leading or trailing spaces.", ev)


@register("QA406", "space-before-punctuation", "warning",
          "A space before a comma, full stop, colon, semicolon, question or exclamation mark.",
          rationale="Neither Polish, English nor Arabic puts a space before these signs (French does before "
                    "; : ! ? — list such signs in `[punctuation] space_before` of the language).", group=G)
def space_before(u, env, opts):
    if not u.target:
        return
    allowed = "".join(env.lang(u.lang).section("punctuation").get("space_before", []))
    hits = space_before_punct(u.target, allowed)
    if hits:
        yield Hit(u, f"Space before punctuation in {u.label}: "
                     f"{', '.join(repr(u.target[s:e]) for s, e in hits)}.",
                  [span("target", u.target, s, e) for s, e in hits])


@register("QA407", "repeated-word", "warning",
          "The same word twice in a row ('the the', 'i i').",
          rationale="A doubled word is almost always an editing slip. Words a language legitimately "
                    "repeats go in `[checks] repeat_ok` of its data file.", group=G)
def repeated_word(u, env, opts):
    if not u.target:
        return
    ok = {w.casefold() for w in env.lang(u.lang).section("checks").get("repeat_ok", [])}
    for s, e, w in repeated_words(u.target, ok):
        yield Hit(u, f"The word {w!r} is repeated in {u.label}.", [span("target", u.target, s, e)])


