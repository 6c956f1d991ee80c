"""QA2xx: structure and content of a translation against its English."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from pipeline.checks.common import describe_ending, ending, ending_span, first_letter_case, minority, quote
from pipeline.checks.registry import register
from pipeline.checks.text import span, words, ws
from pipeline.checks.units import Hit
from pipeline.errors import ConfigError
from pipeline.text.normalize import ascii_digits

G = "structure"


def _activities(units):
    return [u for u in units if u.element == "activity" and u.target and u.target.strip()]


@register("QA201", "list-capitalization", "warning",
          "An activity bullet starts with a different letter case than the rest of its list.",
          rationale="The bullets of one list continue the same lead-in ('Activities may include:'), so they "
                    "start the same way; one capitalised bullet among lower-case ones (or the reverse) is a "
                    "slip a reader notices at once.\n\nBad: 'zarządzanie…', 'Odpowiadanie…', 'obsługa…'. "
                    "Good: 'zarządzanie…', 'odpowiadanie…', 'obsługa…'.",
          group=G, scope="page", settings={"min_items": 3})
def list_capitalization(units, env, opts):
    acts = _activities(units)
    cases = []
    for u in acts:
        case, s, e = first_letter_case(u.target)
        src_case = first_letter_case(u.source)[0] if u.source else None
        if src_case == "upper" and case == "upper":
            case = None  # a proper noun in the English too: not a style choice
        cases.append((case, s, e))
    res = minority([c for c, _, _ in cases], min_items=opts["min_items"])
    if res is None:
        return
    top, odd = res
    n_top = sum(1 for c, _, _ in cases if c == top)
    for i in odd:
        u, (case, s, e) = acts[i], cases[i]
        yield Hit(u, f"Activity {u.item} starts with {'an upper' if case == 'upper' else 'a lower'}-case letter "
                     f"({u.target[s:e]!r}) while {n_top} of the {len(acts)} bullets of this list start "
                     f"{'upper' if top == 'upper' else 'lower'}-case.",
                  [span("target", u.target, s, e)])


@register("QA202", "list-final-punctuation", "warning",
          "An activity bullet ends differently (full stop or none) from the rest of its list.",
          rationale="Bullets of one list end the same way: all without punctuation or all with it. A full "
                    "stop on the last bullet only is a common leftover of editing.\n\nBad: '…obsługa klienta', "
                    "'…zadowolenia klientów.' Good: no full stop on either. A team whose house style closes "
                    "the lead-in sentence with a full stop on the last bullet sets `closing_full_stop_ok = true`.",
          group=G, scope="page", settings={"min_items": 3, "closing_full_stop_ok": False})
def list_final_punctuation(units, env, opts):
    acts = _activities(units)
    ends = [ending(u.target) for u in acts]
    res = minority(ends, min_items=opts["min_items"])
    if res is None:
        return
    top, odd = res
    if opts["closing_full_stop_ok"] and top == "" and odd == [len(acts) - 1] and ends[-1] == ".":
        return  # the house style: the last bullet closes the lead-in sentence
    n_top = sum(1 for e in ends if e == top)
    for i in odd:
        u = acts[i]
        s, e = ending_span(u.target)
        if u.source is not None and ending(u.source) == ends[i]:
            continue  # the translation follows its English; the source check reports the English
        yield Hit(u, f"Activity {u.item} ends with {describe_ending(ends[i])} while {n_top} of the {len(acts)} "
                     f"bullets of this list have {describe_ending(top)}, and its English bullet does not.",
                  [span("target", u.target, s, e)])


@register("QA203", "missing-translation", "error",
          "An English segment has no translation, or an empty one.",
          rationale="A segment the English has and the translation lacks leaves a hole in the published "
                    "page: a missing bullet, level statement or paragraph.", group=G)
def missing_translation(u, env, opts):
    if u.status == "missing":
        yield Hit(u, f"The English {u.label} has no translation: {quote(u.source or '')}.",
                  [span("source", u.source, 0, len(u.source))] if u.source else [])
    elif u.source and u.target is not None and not u.target.strip():
        yield Hit(u, f"The translation of {u.label} is empty.", [])


@register("QA204", "extra-segment", "warning",
          "A translated segment that no English segment corresponds to.",
          rationale="Text without English counterpart is either left over from an older version, page "
                    "furniture read as content, or a split segment; each needs a decision.", group=G)
def extra_segment(u, env, opts):
    if u.status == "extra" and u.target:
        yield Hit(u, f"{u.label[0].upper() + u.label[1:]} has no English counterpart in SFIA {u.framework}: "
                     f"{quote(u.target)}.", [span("target", u.target, 0, len(u.target))])


_NOT_LETTER = re.compile(r"[\W\d_]+")


def _letters_words(text: str) -> list[tuple[str, int, int]]:
    return [(w, s, e) for w, s, e in words(text) if len(w) >= 3 and len(_NOT_LETTER.sub("", w)) >= 3]


@register("QA205", "untranslated", "error",
          "The translation equals the English or mostly copies it.",
          rationale="A copied source passes every length and alignment test but leaves the reader with "
                    "English. Proper names and acronyms are expected to stay; whole sentences are not.",
          group=G, settings={"copy_share": 0.7, "min_words": 4})
def untranslated(u, env, opts):
    if not (u.source and u.target):
        return
    if ws(u.source).casefold() == ws(u.target).casefold():
        if len(_letters_words(u.target)) >= 1:
            yield Hit(u, f"The translation of {u.label} is the English text unchanged.",
                      [span("target", u.target, 0, len(u.target))])
        return
    tw = _letters_words(u.target)
    if len(tw) < opts["min_words"]:
        return
    src = {w.casefold() for w, _, _ in words(u.source)}
    copied = [(w, s, e) for w, s, e in tw if w.casefold() in src]
    share = len(copied) / len(tw)
    if share >= opts["copy_share"]:
        yield Hit(u, f"{len(copied)} of the {len(tw)} words of {u.label} are copied from the English "
                     f"({share:.0%}): it looks untranslated.",
                  [span("target", u.target, s, e) for _, s, e in copied])


@register("QA206", "wrong-language", "error",
          "The translation is written in another language than expected.",
          rationale="An MT draft pasted into the wrong locale, or English left in place, shows up only to a "
                    "reader of the language. The script decides first (Arabic letters in a Polish file), "
                    "then distinctive letters, then langdetect (seeded, cached); texts shorter than "
                    "`min_chars` letters get no verdict, and langdetect is believed only when it is sure.",
          group=G, scope="corpus", settings={"min_chars": 25})
def wrong_language(units, env, opts):
    from pipeline.langid import identify_many

    todo = [u for u in units if u.target and u.target.strip() and u.status != "missing"]
    if not todo:
        return
    verdicts = identify_many([u.target for u in todo], todo[0].lang, min_chars=opts["min_chars"])
    for u, v in zip(todo, verdicts, strict=True):
        if v.ok is False:
            found = f"written in {v.lang!r}" if v.lang else "not in the expected script"
            yield Hit(u, f"{u.label[0].upper() + u.label[1:]} is expected in {u.lang!r} but is {found} "
                         f"(decided by {v.method}, confidence {v.confidence:.2f}).",
                      [span("target", u.target, 0, len(u.target))])


NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")   # \d: the digits of any script


def numbers(text: str) -> list[tuple[str, int, int]]:
    out = []
    for m in NUMBER.finditer(text):
        v = ascii_digits(m.group(0)).replace(",", "").replace(".", "")
        out.append((v.lstrip("0") or "0", m.start(), m.end()))
    return out


@register("QA207", "numbers-differ", "error",
          "A number (a level number, a count) of the English is missing from the translation, or added.",
          rationale="Numbers carry meaning that no reviewer can infer: 'level 5' translated as 'poziom 6' "
                    "changes the framework. Digits of any script count as the same number (Arabic-Indic ٥ = 5).",
          group=G)
def numbers_differ(u, env, opts):
    if not (u.source and u.target):
        return
    from pipeline.checks.rules_codes import mask_codes

    # inline-code placeholders ({1}, {/1}) are not numbers; blanking them keeps offsets
    src, tgt = numbers(u.source), numbers(mask_codes(u.target, u.codes) or "")
    cs, ct = Counter(v for v, _, _ in src), Counter(v for v, _, _ in tgt)
    if cs == ct:
        return
    missing, extra = cs - ct, ct - cs
    ev = [span("source", u.source, s, e) for v, s, e in src if v in missing]
    ev += [span("target", u.target, s, e) for v, s, e in tgt if v in extra]
    parts = []
    if missing:
        parts.append(f"missing {', '.join(sorted(missing.elements()))}")
    if extra:
        parts.append(f"not in the English {', '.join(sorted(extra.elements()))}")
    yield Hit(u, f"Numbers of {u.label} differ from the English: {'; '.join(parts)}.", ev)


CODE = re.compile(r"\b[A-Z][A-Z0-9]{3}\b")


@register("QA208", "skill-code", "error",
          "A SFIA skill code of the English (e.g. CSMG) is missing from the translation.",
          rationale="Skill codes are identifiers, never translated; a lost or altered code breaks the "
                    "cross-reference to the other skill.", group=G)
def skill_code(u, env, opts):
    if not (u.source and u.target):
        return
    for m in CODE.finditer(u.source):
        code = m.group(0)
        if (code in env.skills or code == u.skill) and not re.search(rf"\b{code}\b", u.target):
            yield Hit(u, f"The skill code {code} of the English is missing from the translation of {u.label}.",
                      [span("source", u.source, m.start(), m.end())])


@register("QA209", "length-ratio", "info",
          "The translation is far shorter or longer than the language's typical length ratio predicts.",
          rationale="A translation half as long as expected usually drops a clause; twice as long, it "
                    "usually repeats or merges one. The typical ratio (characters of translation per "
                    "character of English) is `[checks] typical_length_ratio` in the language's data file.",
          group=G, settings={"factor": 2.0, "min_chars": 40})
def length_ratio(u, env, opts):
    if not (u.source and u.target) or len(u.source) < opts["min_chars"]:
        return
    typical = float(env.lang(u.lang).section("checks").get("typical_length_ratio", 1.0))
    r = len(u.target) / len(u.source)
    f = float(opts["factor"])
    if r > typical * f or r < typical / f:
        word = "longer" if r > typical else "shorter"
        yield Hit(u, f"The translation of {u.label} is {r:.2f}× the English length; {u.lang} is typically "
                     f"{typical:.2f}×: it is much {word} than expected — check for a dropped or repeated clause.",
                  [span("target", u.target, 0, len(u.target))])


@register("QA210", "boilerplate-leak", "error",
          "Page furniture (markers, headings, banners, 'Show/hide' links) inside a segment's text.",
          rationale="When an export glues a heading, a (modified) marker or a banner line to a segment, the "
                    "text a reader sees contains words that are not the translation. A marker the page reader "
                    "did not take as one (another language's, or one the language data does not list: "
                    "`[page] markers` and `[page] marker_like` of the language file) is reported here too.",
          group=G)
def boilerplate_leak(u, env, opts):
    if not u.target:
        return
    lang = env.lang(u.lang)
    en = env.lang("en")
    low = u.target.casefold()
    seen: set[int] = set()
    label = u.label[0].upper() + u.label[1:]
    for token, where, marker in _markers_longest_first():
        start = low.find(token)
        while start >= 0:  # each occurrence, not overlapping (as a regular expression finds them)
            end = start + len(token)
            if start not in seen:
                seen.add(start)
                what = (f"the ({marker}) marker {u.target[start:end]!r}" if token in lang.page.markers else
                        f"{u.target[start:end]!r}, the {where} ({marker}) marker, which the "
                        f"{lang.english_name} language data does not list")
                yield Hit(u, f"{label} contains {what}: a marker belongs on its own line or after the heading, "
                             "not in the text.", [span("target", u.target, start, end)])
            start = low.find(token, end)
    for p2 in _page_phrases(lang, en):
        i = low.find(p2)
        if i >= 0 and i not in seen:
            seen.add(i)
            yield Hit(u, f"{label} contains page text {u.target[i:i + len(p2)]!r}, not part of the translation.",
                      [span("target", u.target, i, i + len(p2))])
    for pat in lang.raw.get("page", {}).get("marker_like", []):
        for m in re.finditer(pat, u.target, re.IGNORECASE):
            if m.start() not in seen:
                seen.add(m.start())
                yield Hit(u, f"{label} contains {m.group(0)!r}, which looks like a (modified)/(unchanged) marker "
                             "that the language data does not know: remove it from the text, or add it to [page] "
                             f"markers of pipeline/lang/{lang.code}.toml if pages use it as a marker.",
                          [span("target", u.target, m.start(), m.end())])
    for pat in lang.section("checks").get("leak_patterns", []):
        for m in re.finditer(pat, u.target):
            if m.start() not in seen:
                seen.add(m.start())
                yield Hit(u, f"{label} contains page text {m.group(0)!r}, not part of the translation.",
                          [span("target", u.target, m.start(), m.end())])


@cache
def _markers_longest_first() -> tuple[tuple[str, str, str], ...]:
    """(token, language, marker) of :func:`_known_markers`, the longest token first (a longer
    marker claims its text before one it contains)."""
    return tuple((t, w, m) for t, (w, m) in sorted(_known_markers().items(), key=lambda x: (-len(x[0]), x[0])) if t)


_PHRASES: dict[tuple[int, int], tuple] = {}


def _page_phrases(lang, en) -> tuple[str, ...]:
    """The page lines (``[page] boilerplate_lines``) of ``lang`` and of English that a segment must
    not contain, as compared (spaces collapsed, casefolded, no final period; 8 characters or
    more), the longest first. Worked out once per pair of language data objects (kept with the
    result, so an id is never reused for another)."""
    got = _PHRASES.get((id(lang), id(en)))
    if got is not None and got[0] is lang and got[1] is en:
        return got[2]
    lines = set(lang.raw.get("page", {}).get("boilerplate_lines", [])) | set(
        en.raw.get("page", {}).get("boilerplate_lines", []))
    out = []
    for p in sorted(lines, key=lambda x: (-len(x), x)):
        p2 = " ".join(p.split()).rstrip(".").casefold()
        if len(p2) >= 8:
            out.append(p2)
    _PHRASES[(id(lang), id(en))] = (lang, en, tuple(out))
    return tuple(out)


@cache
def _known_markers() -> dict[str, tuple[str, str]]:
    """Every marker text some language's data lists (casefolded) -> (the language's English name, marker).
    The markers every page may use (``_common.toml``) are English."""
    from pipeline import langdata

    out: dict[str, tuple[str, str]] = {}
    codes = ["en"] + [c for c in langdata.available() if c != "en"]
    for code in codes:
        try:
            data = langdata.load(code)
        except ConfigError:
            continue  # a broken language file is reported where that language is used
        for token, marker in data.page.markers.items():
            out.setdefault(token, (data.english_name, marker))
    return out
