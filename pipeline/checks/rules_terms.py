"""QA5xx: terminology and consistency — skill name, glossary, same source / same target."""

from __future__ import annotations

import re
from collections import defaultdict

from pipeline.checks.common import quote
from pipeline.checks.registry import register
from pipeline.checks.text import morph, span, split_sentences, words, ws
from pipeline.checks.units import Hit

G = "terminology"


def _forms(rendering: str) -> tuple[str, ...]:
    """A glossary rendering may list forms of one choice separated by '|' ("مشكلة|مشكلات"): a
    singular and a broken plural that no stem matching relates."""
    return tuple(f.strip() for f in rendering.split("|") if f.strip())


def _show(rendering: str) -> str:
    return _forms(rendering)[0] if _forms(rendering) else rendering


def _find_any(m, text: str, rendering: str, toks) -> list[tuple[int, int]]:
    return sorted({sp for f in _forms(rendering) for sp in m.find(text, f, toks)})


def _name_in_glossary(g, name) -> tuple[str, ...]:
    if g is None:
        return ()
    key = ws(name.source).casefold()
    return next((acc for en, acc in g.terms if en.casefold() == key), ())


@register("QA501", "skill-name", "warning",
          "The English uses the skill's name but the translation does not use the name its page title gives.",
          rationale="A skill has one name per language: the title of its page. When the guidance or a "
                    "level statement names the skill, the translation should name it the same way, in any "
                    "grammatical form (matching tolerates Polish and Arabic inflection). When the glossary "
                    "gives the skill's name and the other segments use it but the title does not, the title "
                    "is the one reported: it is the mistranslation.\n\nBad: title "
                    "'Dział obsługi klienta', guidance 'Wsparcie obsługi klienta może być…' (the glossary: "
                    "'wsparcie obsługi klienta'; 'dział' is a department): the title is reported.",
          group=G, scope="page")
def skill_name(units, env, opts):
    name = next((u for u in units if u.element == "name" and u.source and u.target), None)
    if name is None:
        return
    m_en, m_tgt = morph("en"), morph(name.lang)
    accepted = _name_in_glossary(env.glossary(name.lang), name)
    title_ok = not accepted or any(_find_any(m_tgt, name.target, a, None) for a in accepted)
    blamed_title = False
    for u in units:
        if u is name or not (u.source and u.target):
            continue
        found = m_en.find(u.source, name.source)
        if not found or m_tgt.find(u.target, name.target):
            continue
        here = [sp for a in accepted for sp in _find_any(m_tgt, u.target, a, None)]
        if not title_ok and here:
            if not blamed_title:
                blamed_title = True
                s, e = here[0]
                yield Hit(name, f"The title {name.target!r} does not give the skill's glossary name "
                                f"{_show(accepted[0])!r}, which {u.label} uses ({u.target[s:e]!r}): the title "
                                "is the likely mistranslation.",
                          [span("target", name.target, 0, len(name.target))])
            continue
        s, e = found[0]
        yield Hit(u, f"The English of {u.label} names the skill ({u.source[s:e]!r}) but the translation does "
                     f"not use the title's name {name.target!r}.",
                  [span("source", u.source, s, e)])


def _glossary_hits(u, env):
    """[(English term, accepted renderings, English spans, target spans of the accepted ones,
    target spans of the forbidden ones)]"""
    g = env.glossary(u.lang)
    if g is None:
        return []
    m_en, m_tgt = morph("en"), morph(u.lang)
    stoks, ttoks = words(u.source), words(u.target)
    bad = dict(g.forbidden)
    out = []
    for en, accepted in g.terms:
        es = m_en.find(u.source, en, stoks)
        ts = [sp for a in accepted for sp in _find_any(m_tgt, u.target, a, ttoks)]
        fs = [sp for b in bad.get(en, ()) for sp in _find_any(m_tgt, u.target, b, ttoks)] if es else []
        out.append((en, accepted, es, ts, fs))
    return out


@register("QA502", "glossary-term", "warning",
          "An English glossary term whose accepted translation does not appear in the translation.",
          rationale="The team's glossary (`glossary/<lang>.toml`: English term → accepted target terms) "
                    "fixes how SFIA's key terms are translated; matching tolerates inflection, per word of a "
                    "multi-word term, and coordination ('standardów i procedur obsługi', 'قنوات ومستويات "
                    "ومعايير الخدمة' keep the term's head and dependent). A forbidden rendering is reported by "
                    "QA507 instead, the skill's name in the title by QA501.",
          group=G)
def glossary_term(u, env, opts):
    if not (u.source and u.target):
        return
    for en, accepted, es, ts, fs in _glossary_hits(u, env):
        if u.element == "name" and ws(u.source).casefold() == en.casefold():
            continue
        if es and not ts and not fs:
            yield Hit(u, f"The English of {u.label} uses the glossary term {en!r}; the translation has none of "
                         f"its accepted translations ({', '.join(repr(_show(a)) for a in accepted)}).",
                      [span("source", u.source, s, e) for s, e in es])


@register("QA503", "glossary-term-misused", "warning",
          "A target term the glossary reserves for one English term stands where the English has another.",
          rationale="When 'service desk' is translated with the term reserved for 'customer service', two "
                    "SFIA concepts merge in the translation. Reported only when the English term the "
                    "translation should have rendered is itself missing.", group=G)
def glossary_misused(u, env, opts):
    if not (u.source and u.target):
        return
    hits = _glossary_hits(u, env)
    lacking = [(en, es) for en, _, es, ts, _f in hits if es and not ts]
    if not lacking:
        return
    used = [sp for _en, _a, es, ts, _f in hits if es for sp in ts]   # renderings of terms the English has
    for en, _accepted, es, ts, _f in hits:
        if ts and not es:
            for s, e in ts:
                if any(s < e2 and s2 < e for s2, e2 in used):
                    continue
                others = ", ".join(repr(x) for x, _ in lacking)
                yield Hit(u, f"{u.target[s:e]!r} is the glossary translation of {en!r}, which the English of "
                             f"{u.label} does not use; the English has {others} here.",
                          [span("target", u.target, s, e)])


def _norm(text: str) -> str:
    return ws(text).casefold().rstrip(" .:;")


def _key(u) -> str:
    return f"{u.skill} {u.label}"


@register("QA504", "inconsistent-translation", "warning",
          "The same English segment or sentence is translated differently in two places.",
          rationale="SFIA repeats sentences across skills and levels on purpose; readers compare them, so "
                    "one English sentence should have one translation. Sentences are compared when a "
                    "segment and its translation have the same number of sentences.",
          group=G, scope="corpus", settings={"min_words": 4})
def inconsistent(units, env, opts):
    ok = [u for u in units if u.source and u.target and u.status in (None, "ok")]
    abbr = tuple(env.lang("en").section("checks").get("abbreviations", []))
    seen: dict[str, list] = defaultdict(list)   # normalised English -> [(unit, target text, start)]
    for u in ok:
        seen[_norm(u.source)].append((u, u.target, 0, len(u.target), u.source))
        ss = split_sentences(u.source, abbr)
        ts = split_sentences(u.target, tuple(env.lang(u.lang).section("checks").get("abbreviations", [])))
        if len(ss) > 1 and len(ss) == len(ts):
            pos = 0
            for s_en, s_t in zip(ss, ts, strict=True):
                i = u.target.find(s_t, pos)
                pos = i + len(s_t)
                if len(words(s_en)) >= opts["min_words"]:
                    seen[_norm(s_en)].append((u, s_t, i, i + len(s_t), s_en))
    for _src, occ in sorted(seen.items()):
        by_tgt: dict[str, list] = defaultdict(list)
        for o in occ:
            by_tgt[_norm(o[1])].append(o)
        if len(by_tgt) < 2:
            continue
        groups = sorted(by_tgt.values(), key=lambda g: -len(g))
        ref = groups[0][0]
        for g in groups[1:]:
            for u, t, s, e, s_en in g:
                yield Hit(u, f"The English {quote(s_en)} is translated here as {quote(t)} but as {quote(ref[1])} "
                             f"in {_key(ref[0])}.", [span("target", u.target, s, e)])


@register("QA505", "same-translation-different-source", "info",
          "Two different English segments are given the same translation.",
          rationale="When two English texts that differ in meaning get one translation, one of them is "
                    "probably a copy-paste of the other. Differences of case and final punctuation alone "
                    "do not count.", group=G, scope="corpus", settings={"min_words": 3})
def same_translation(units, env, opts):
    by_tgt: dict[str, list] = defaultdict(list)
    for u in units:
        if u.source and u.target and u.status in (None, "ok") and len(words(u.target)) >= opts["min_words"]:
            by_tgt[_norm(u.target)].append(u)
    for _t, us in sorted(by_tgt.items()):
        srcs = {}
        for u in us:
            srcs.setdefault(_norm(u.source), u)
        if len(srcs) < 2:
            continue
        first = us[0]
        for u in us[1:]:
            if _norm(u.source) == _norm(first.source):
                continue
            yield Hit(u, f"{u.label[0].upper() + u.label[1:]} has the same translation as {_key(first)} although "
                         f"the English differs: {quote(u.source)} vs {quote(first.source)}.",
                      [span("target", u.target, 0, len(u.target))])


def _renderings(u, g, m_en, m_tgt):
    """{English term: [(rendering index, target span)]} for the terms the unit's English uses."""
    stoks, ttoks = words(u.source), words(u.target)
    out: dict[str, list[tuple[int, tuple[int, int]]]] = {}
    for en, accepted in g.terms:
        if not m_en.find(u.source, en, stoks):
            continue
        occ: list[tuple[int, tuple[int, int]]] = []
        for i, a in enumerate(accepted):   # preferred first: a span two renderings match is the first's
            for sp in _find_any(m_tgt, u.target, a, ttoks):
                if not any(sp[0] < e and s < sp[1] for _, (s, e) in occ):
                    occ.append((i, sp))
        if occ:
            out[en] = sorted(occ, key=lambda o: o[1])
    return out


def _where(u, ref) -> str:
    return ref.label if (u.skill, u.framework) == (ref.skill, ref.framework) else f"{ref.skill} {ref.label}"


@register("QA506", "term-inconsistent", "warning",
          "One English glossary term is rendered in more than one accepted way (on a page or across the "
          "framework).",
          rationale="A reader of a translated SFIA page takes two renderings for two concepts. When the "
                    "glossary accepts several renderings of a term, the translation still uses one: the "
                    "preferred one (listed first) when the text uses it anywhere, otherwise the one used most. "
                    "Occurrences of the others are reported, with where the chosen one stands.\n\nBad: "
                    "'utrzymanie zadowolenia klientów' in the activities, 'wskaźników satysfakcji klienta' at "
                    "level 2 (both for 'customer satisfaction'). Good: 'zadowolenie klienta' throughout.",
          group=G, scope="corpus")
def term_inconsistent(units, env, opts):
    m_en = morph("en")
    occ: dict[str, list] = defaultdict(list)   # English term -> [(unit, rendering index, span)]
    glossary = None
    for u in units:
        if not (u.source and u.target and u.status in (None, "ok")):
            continue
        glossary = glossary or env.glossary(u.lang)
        if glossary is None:
            return
        for en, found in _renderings(u, glossary, m_en, morph(u.lang)).items():
            occ[en] += [(u, i, sp) for i, sp in found]
    if glossary is None:
        return
    accepted = dict(glossary.terms)
    for en in sorted(occ):
        used = defaultdict(list)
        for o in occ[en]:
            used[o[1]].append(o)
        if len(used) < 2:
            continue
        chosen = 0 if 0 in used else min(used, key=lambda i: (-len(used[i]), i))
        ref_units = list({id(o[0]): o[0] for o in used[chosen]}.values())
        example = used[chosen][0]
        shown = example[0].target[example[2][0]:example[2][1]]
        by_unit: dict[int, list] = defaultdict(list)
        for i in sorted(used):
            if i != chosen:
                for o in used[i]:
                    by_unit[id(o[0])].append(o)
        pref = "the glossary's preferred rendering" if chosen == 0 else "the rendering used most"
        for group in by_unit.values():
            u = group[0][0]
            others = [r for r in ref_units if r is not u]
            where = ", ".join(_where(u, r) for r in others[:3]) + (" …" if len(others) > 3 else "")
            where = f"in {where}" + (" and in this segment" if len(others) < len(ref_units) else "") if others \
                else "in this segment"
            texts = ", ".join(repr(u.target[s:e]) for _, _, (s, e) in group)
            yield Hit(u, f"{en!r} is rendered here as {texts} but as {shown!r} {where} ({pref}: "
                         f"{_show(accepted[en][chosen])!r}); one term, one rendering.",
                      [span("target", u.target, s, e) for _, _, (s, e) in group])


@register("QA507", "term-forbidden", "warning",
          "A translation uses a rendering the glossary forbids for the English term (a calque, a false friend).",
          rationale="Glossary entries may list `forbidden` renderings: the calque a reviewer strikes out at "
                    "once, with the standard term to use and its source.\n\nBad: 'Ponosi odpowiedzialność za "
                    "ciągłość biznesową' for 'business continuity' (the Polish standard PN-EN ISO 22301 says "
                    "'ciągłość działania').", group=G)
def term_forbidden(u, env, opts):
    if not (u.source and u.target):
        return
    g = env.glossary(u.lang)
    for en, accepted, _es, _ts, fs in _glossary_hits(u, env):
        for s, e in fs:
            src = g.source_of(en) if g is not None else ""
            yield Hit(u, f"{u.target[s:e]!r} renders {en!r} with a form the glossary forbids; use "
                         f"{_show(accepted[0])!r}{' (' + src + ')' if src else ''}.",
                      [span("target", u.target, s, e)])


_CLAUSE_BREAK = re.compile(r"[,;:.!?،؛؟()\[\]]")


def calque_spans(m, text: str, phrase: str, within: int, toks=None) -> list[tuple[int, int]]:
    """Where the words of a calque phrase stand in ``text``, each inflection-tolerant: in order and
    adjacent when ``within`` is 0, otherwise in any order with up to ``within`` other words between
    them, inside one clause (no comma, colon or full stop in between)."""
    toks = toks if toks is not None else words(text)
    want = [w for w, _, _ in words(phrase)]
    if not want:
        return []
    if within == 0:
        return m.find(text, phrase, toks)
    out: list[tuple[int, int]] = []
    for i, (w, s, _e) in enumerate(toks):
        if out and s < out[-1][1]:
            continue
        if not any(m.match(w, x) for x in want):
            continue
        left = list(want)
        last = None
        for j in range(i, min(len(toks), i + len(want) + within)):
            if j > i and _CLAUSE_BREAK.search(text, toks[j - 1][2], toks[j][1]):
                break
            k = next((k for k, x in enumerate(left) if m.match(toks[j][0], x)), None)
            if k is not None:
                left.pop(k)
                last = j
                if not left:
                    break
        if not left and last is not None:
            out.append((s, toks[last][2]))
    return out


@register("QA508", "calque", "warning",
          "A calque or false friend from the language's list (glossary/<lang>.toml [[calque]]), with the "
          "usual wording and the source of the judgement.",
          rationale="Machine translation and hurried drafts copy English collocations word for word: Polish "
                    "'zapewnia wskazówki' (provides guidance) where Polish says 'udziela wskazówek', "
                    "'wstępne dochodzenie' (a criminal-law inquiry) for an initial investigation, Arabic "
                    "'يؤثر على' where the standard says 'يؤثر في'. The lists are data, each entry with a source; "
                    "an entry may require an English word ('assign') so that a legitimate use elsewhere is "
                    "not reported.\n\nBad: 'Zapewnia wskazówki techniczne członkom zespołu.' Good: 'Udziela "
                    "członkom zespołu wskazówek technicznych.'", group=G)
def calque(u, env, opts):
    if not u.target:
        return
    g = env.glossary(u.lang)
    if g is None or not g.calques:
        return
    m_tgt, m_en = morph(u.lang), morph("en")
    toks = words(u.target)
    for c in g.calques:
        if c.english and not (u.source and any(m_en.find(u.source, w) for w in c.english)):
            continue
        found = sorted({sp for phrase in c.wrong for sp in calque_spans(m_tgt, u.target, phrase, c.within, toks)},
                       key=lambda sp: (sp[0], sp[1] - sp[0]))
        spans: list[tuple[int, int]] = []
        for sp in found:   # of overlapping matches, the first and shortest
            if not any(sp[0] < e and s < sp[1] for s, e in spans):
                spans.append(sp)
        for s, e in sorted(spans):
            note = f" {c.note}" if c.note else ""
            yield Hit(u, f"{u.target[s:e]!r} is a calque: write {c.right!r} ({c.source}).{note}",
                      [span("target", u.target, s, e)])
