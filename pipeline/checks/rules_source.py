"""QA7xx: checks of the English source itself, reported against the English (lang 'en').

They run on the English SFIA 8 and SFIA 9 segments so that a defect of the source is
fixed (or reported to the SFIA Foundation) once, instead of being blamed on every translator.
"""

from __future__ import annotations

from collections import Counter

from pipeline.checks.common import (
    DOUBLE_SPACE,
    describe_ending,
    ending,
    ending_span,
    first_letter_case,
    minority,
    repeated_words,
    space_before_punct,
    unbalanced_brackets,
    unbalanced_quotes,
)
from pipeline.checks.registry import register
from pipeline.checks.rules_locale import SOURCE_GROUP_SCOPE, grouped, places
from pipeline.checks.text import sentence_starts, span, word_re
from pipeline.checks.units import Hit

G = "source"


def _lowercase_starts(u, abbr):
    t = u.source or ""
    starts = sentence_starts(t, abbr)
    if u.element == "activity":
        starts = starts[1:]
    for i in starts:
        m = word_re().match(t, i)
        if m and m.group(0)[0].islower():
            yield m


def _conversion_slip(word: str) -> bool:
    """An American spelling with a British counterpart ('analyzes' / 'analyses'): a sentence that
    starts with one lower-case was most likely lower-cased by a GB -> US spelling conversion."""
    from pipeline.checks.rules_locale import _counterpart

    return word.islower() and _counterpart(word, british=False) is not None


@register("QA701", "source-lowercase-sentence", "warning",
          "In the English, a sentence starts with a lower-case letter (those sharing one cause as one finding).",
          rationale="'…procedures. analyzes service data…' is a typo of the source; translators copy the "
                    "slip or silently fix it, and either way the languages diverge. Abbreviations "
                    "(`[checks] abbreviations` of en.toml, e.g. 'e.g.', 'etc.') do not end a sentence. "
                    "Activity bullets continue a lead-in, so their first word may be lower-case. Sentences "
                    "that start with a lower-case American spelling of a word with a British form ('analyzes', "
                    "'organizes') share one cause, a spelling conversion that lower-cased them, and are "
                    "reported as one finding with the count and places; the others one by one.",
          group=G, scope=SOURCE_GROUP_SCOPE)
def lowercase_sentence(units, env, opts):
    abbr = tuple(env.lang("en").section("checks").get("abbreviations", []))
    slips, words_ = [], Counter()
    for u in units:
        for m in _lowercase_starts(u, abbr):
            if _conversion_slip(m.group(0)):
                slips.append((u, m.start(), m.end()))
                words_[m.group(0)] += 1
            else:
                yield Hit(u, f"In the English of {u.label}, a sentence starts lower-case: {m.group(0)!r}.",
                          [span("source", u.source, m.start(), m.end())])
    if len(slips) == 1:
        u, s, e = slips[0]
        yield Hit(u, f"In the English of {u.label}, a sentence starts lower-case: {u.source[s:e]!r} (an American "
                     "spelling: likely lower-cased by a spelling conversion).", [span("source", u.source, s, e)])
        return

    def msg(n, us_):
        listing = ", ".join(f"{w} ×{c}" for w, c in sorted(words_.items(), key=lambda x: (-x[1], x[0])))
        return (f"{n} sentences start with a lower-case American spelling ({listing}): one cause, most likely a "
                f"GB -> US spelling conversion that lower-cased them; capitalise them. In {places(us_)}.")

    h = grouped(slips, "source", msg)
    if h:
        yield h


@register("QA702", "source-spacing", "info",
          "In the English: doubled spaces, spaces at the start or end, or a space before punctuation.",
          rationale="Spacing slips in the source propagate into every translation memory match.",
          group=G, scope="source")
def source_spacing(u, env, opts):
    t = u.source
    if not t or not t.strip():
        return
    ev = [span("source", t, m.start(), m.end()) for m in DOUBLE_SPACE.finditer(t)]
    what = ["doubled spaces"] if ev else []
    sb = space_before_punct(t)
    if sb:
        what.append("a space before punctuation")
        ev += [span("source", t, s, e) for s, e in sb]
    if t != t.strip():
        what.append("leading or trailing spaces")
        if t[0].isspace():
            ev.append(span("source", t, 0, len(t) - len(t.lstrip())))
        if t[-1].isspace():
            ev.append(span("source", t, len(t.rstrip()), len(t)))
    if ev:
        yield Hit(u, f"The English of {u.label} has {' and '.join(what)}.", sorted(ev, key=lambda e: e["start"]))


@register("QA703", "source-unbalanced", "warning",
          "In the English: a bracket or quotation mark without its partner.",
          rationale="An unclosed bracket or quote in the source leaves translators guessing where the aside "
                    "or quotation ends.", group=G, scope="source")
def source_unbalanced(u, env, opts):
    t = u.source
    if not t:
        return
    pairs = env.lang("en").section("punctuation").get("quote_pairs")
    bad = sorted(unbalanced_brackets(t) + unbalanced_quotes(t, pairs))
    if bad:
        yield Hit(u, f"The English of {u.label} has unbalanced {' '.join(ch for _, ch in bad)}.",
                  [span("source", t, i, i + 1) for i, _ in bad])


def _acts(units):
    return [u for u in units if u.element == "activity" and u.source and u.source.strip()]


@register("QA704", "source-list-capitalization", "info",
          "In the English, an activity bullet starts with a different letter case than the rest of its list.",
          rationale="Same rule as QA201, on the source: fix it once in the English.",
          group=G, scope="source-page", settings={"min_items": 3})
def source_list_case(units, env, opts):
    acts = _acts(units)
    cases = [first_letter_case(u.source) for u in acts]
    res = minority([c for c, _, _ in cases], min_items=opts["min_items"])
    if res is None:
        return
    top, odd = res
    for i in odd:
        u, (case, s, e) = acts[i], cases[i]
        yield Hit(u, f"In the English list, activity {u.item} starts {case}-case ({u.source[s:e]!r}) while the "
                     f"other bullets start {top}-case.", [span("source", u.source, s, e)])


@register("QA705", "source-list-final-punctuation", "info",
          "In the English, an activity bullet ends differently (full stop or none) from the rest of its list.",
          rationale="Same rule as QA202, on the source. Reported against the English so that translators "
                    "who copied the slip are not blamed for it alone.",
          group=G, scope="source-page", settings={"min_items": 3, "closing_full_stop_ok": True})
def source_list_end(units, env, opts):
    acts = _acts(units)
    ends = [ending(u.source) for u in acts]
    res = minority(ends, min_items=opts["min_items"])
    if res is None:
        return
    top, odd = res
    if opts["closing_full_stop_ok"] and top == "":
        # House style: the last bullet of a list closes the lead-in sentence with a full stop. The
        # segment table does not record where one list of a skill ends and the next begins (SFIA 9
        # has skills with two or three lists), so any full stop among unpunctuated bullets is taken
        # as such a close; only other endings (';', ',', ...) are reported.
        odd = [i for i in odd if ends[i] != "."]
    for i in odd:
        u = acts[i]
        s, e = ending_span(u.source)
        yield Hit(u, f"In the English list, activity {u.item} ends with {describe_ending(ends[i])} while the "
                     f"other bullets have {describe_ending(top)}.", [span("source", u.source, s, e)])


@register("QA706", "source-repeated-word", "warning",
          "In the English, the same word twice in a row.",
          rationale="A doubled word in the source is an editing slip that translators must work around.",
          group=G, scope="source")
def source_repeated(u, env, opts):
    t = u.source
    if not t:
        return
    ok = {w.casefold() for w in env.lang("en").section("checks").get("repeat_ok", [])}
    for s, e, w in repeated_words(t, ok):
        yield Hit(u, f"The English of {u.label} repeats the word {w!r}.", [span("source", t, s, e)])
