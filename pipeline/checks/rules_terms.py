"""QA5xx: terminology and consistency — skill name, glossary, same source / same target."""

from __future__ import annotations

from collections import defaultdict

from pipeline.checks.common import quote
from pipeline.checks.registry import register
from pipeline.checks.text import morph, span, split_sentences, words, ws
from pipeline.checks.units import Hit

G = "terminology"


@register("QA501", "skill-name", "warning",
          "The English uses the skill's name but the translation does not use the name its page title gives.",
          rationale="A skill has one name per language: the title of its page. When the guidance or a "
                    "level statement names the skill, the translation should name it the same way, in any "
                    "grammatical form (matching tolerates Polish and Arabic inflection).\n\nBad: title "
                    "'Dział obsługi klienta', guidance 'Wsparcie obsługi klienta może być…'.",
          group=G, scope="page")
def skill_name(units, env, opts):
    name = next((u for u in units if u.element == "name" and u.source and u.target), None)
    if name is None:
        return
    m_en, m_tgt = morph("en"), morph(name.lang)
    for u in units:
        if u is name or not (u.source and u.target):
            continue
        found = m_en.find(u.source, name.source)
        if not found or m_tgt.find(u.target, name.target):
            continue
        s, e = found[0]
        yield Hit(u, f"The English of {u.label} names the skill ({u.source[s:e]!r}) but the translation does "
                     f"not use the title's name {name.target!r}.",
                  [span("source", u.source, s, e)])


def _glossary_hits(u, env):
    """[(English term, accepted terms, English spans, target spans of the accepted terms)]"""
    g = env.glossary(u.lang)
    if g is None:
        return []
    m_en, m_tgt = morph("en"), morph(u.lang)
    stoks, ttoks = words(u.source), words(u.target)
    out = []
    for en, accepted in g.terms:
        es = m_en.find(u.source, en, stoks)
        ts = [sp for a in accepted for sp in m_tgt.find(u.target, a, ttoks)]
        out.append((en, accepted, es, ts))
    return out


@register("QA502", "glossary-term", "warning",
          "An English glossary term whose accepted translation does not appear in the translation.",
          rationale="The team's glossary (`glossary/<lang>.toml`: English term → accepted target terms) "
                    "fixes how SFIA's key terms are translated; matching tolerates inflection.",
          group=G)
def glossary_term(u, env, opts):
    if not (u.source and u.target):
        return
    for en, accepted, es, ts in _glossary_hits(u, env):
        if es and not ts:
            yield Hit(u, f"The English of {u.label} uses the glossary term {en!r}; the translation has none of "
                         f"its accepted translations ({', '.join(repr(a) for a in accepted)}).",
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
    lacking = [(en, es) for en, _, es, ts in hits if es and not ts]
    if not lacking:
        return
    for en, _accepted, es, ts in hits:
        if ts and not es:
            for s, e in ts:
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
