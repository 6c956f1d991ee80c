"""QA211: list parallelism — every bullet of an activity list starts with the same grammatical form.

The form of a bullet's first word is decided by the language's ``[lists] forms`` (pipeline/lang/
<code>.toml): an ordered list of named forms, each with regular expressions over the lower-cased
word (after removing ``strip_prefixes``, such as a conjunction glued to the word). A word that no
pattern matches is not judged, so an unusual word never makes a finding on its own.
"""

from __future__ import annotations

import re
from functools import cache

from pipeline.checks.common import minority
from pipeline.checks.registry import register
from pipeline.checks.text import span, strip_marks, words
from pipeline.checks.units import Hit

G = "structure"


@cache
def _forms(lang: str) -> tuple[tuple[str, tuple[re.Pattern, ...]], ...]:
    from pipeline import langdata

    sec = langdata.load(lang).section("lists")
    return tuple((f["name"], tuple(re.compile(p) for p in f["patterns"])) for f in sec.get("forms", []))


@cache
def _strip(lang: str) -> tuple[str, ...]:
    from pipeline import langdata

    return tuple(sorted(langdata.load(lang).section("lists").get("strip_prefixes", []), key=len, reverse=True))


def form_of(lang: str, word: str) -> str | None:
    """The name of the grammatical form of ``word`` by the language's [lists] patterns, or None."""
    w = strip_marks(word.casefold())
    for p in _strip(lang):
        if w.startswith(p) and len(w) - len(p) >= 3:
            w = w[len(p):]
            break
    for name, patterns in _forms(lang):
        if any(p.search(w) for p in patterns):
            return name
    return None


@register("QA211", "list-form", "warning",
          "An activity bullet starts with a different grammatical form (verbal noun, infinitive, finite verb) "
          "than the rest of its list.",
          rationale="SFIA's activity lists are parallel: every bullet continues 'Activities may include' "
                    "the same way. A translation that starts most bullets with a verbal noun and one with a "
                    "finite verb reads as a slip. The forms are language data ([lists] forms: Polish "
                    "-anie/-enie/-cie, -ć, -uje; Arabic maṣdar patterns and the imperfect prefixes ي/ت).\n\n"
                    "Bad: 'إدارة الوظائف' among 'يعمل…', 'يستجيب…', 'يتولى…'. Good: every bullet a maṣdar "
                    "('إدارة…', 'العمل…', 'الاستجابة…') or every bullet a verb.",
          group=G, scope="page", settings={"min_items": 3}, requires=("lists.forms",))
def list_form(units, env, opts):
    acts = [u for u in units if u.element == "activity" and u.target and u.target.strip()]
    firsts = []
    for u in acts:
        ws_ = words(u.target)
        firsts.append((ws_[0], form_of(u.lang, ws_[0][0])) if ws_ else (None, None))
    res = minority([f for _, f in firsts], min_items=opts["min_items"])
    if res is None:
        return
    top, odd = res
    n = sum(1 for _, f in firsts if f == top)
    for i in odd:
        u, (tok, form) = acts[i], firsts[i]
        assert tok is not None
        w, s, e = tok
        yield Hit(u, f"Activity {u.item} starts with a {form} ({w!r}) while {n} of the {len(acts)} bullets of this "
                     f"list start with a {top}.", [span("target", u.target, s, e)])
