"""QA1xx: do the ``(modified)`` / ``(unchanged)`` labels of SFIA 9 translations tell the truth?

A marker labels a *section* of the page: the title marker labels the name and the
description, the guidance marker every guidance paragraph and activity, a level marker its
level statement. ``(modified)`` is therefore judged on the section (it is right when anything
in it changed) and ``(unchanged)`` on every segment it covers, against the drift of the English
between SFIA 8 and SFIA 9 (:mod:`pipeline.drift`).
"""

from __future__ import annotations

from collections import defaultdict

from pipeline.checks.registry import register
from pipeline.checks.units import Hit, Unit
from pipeline.text.normalize import ws

G = "markers"
CHANGED = {"modified", "added"}
SAME = {"unchanged", "cosmetic"}


def section_of(element: str, level) -> str:
    if element in ("name", "description"):
        return "header"
    if element in ("guidance", "activity"):
        return "guidance"
    return f"level {int(level)}"


def _audited(u: Unit) -> bool:
    """An SFIA 9 translation whose English pair has a drift status."""
    return u.framework == 9 and u.target is not None and u.drift is not None


@register("QA101", "marker-unchanged-but-modified", "error",
          "Marked (unchanged) although the English changed in meaning.",
          rationale="The SFIA 8 translation was carried over although SFIA 9 says something else: "
                    "the costliest error a reviewer can miss.", group=G)
def unchanged_but_modified(u, env, opts):
    if _audited(u) and u.marker == "unchanged" and u.drift in CHANGED:
        yield Hit(u, f"{u.label} is marked (unchanged) but its English was {u.drift} between SFIA 8 and SFIA 9; "
                     "translate the new text.",
                  [{"field": "target", "start": 0, "end": len(u.target), "text": u.target}])


@register("QA102", "marker-modified-but-unchanged", "warning",
          "Section marked (modified) although its English is unchanged or only cosmetically different.",
          rationale="Re-translating text whose meaning did not change costs money and risks new errors; "
                    "the SFIA 8 translation could have been reused.", group=G, scope="corpus")
def modified_but_unchanged(units, env, opts):
    sections: dict[tuple, list[Unit]] = defaultdict(list)
    for u in units:
        if _audited(u) and u.marker == "modified":
            sections[(u.lang, u.skill, section_of(u.element, u.level))].append(u)
    for (_lang, _skill, section), members in sections.items():
        if all(m.drift in SAME for m in members):
            yield Hit(members[0], f"The {section} section is marked (modified) but its English is unchanged or only "
                                  f"cosmetically different ({', '.join(sorted({m.drift for m in members}))}).")


@register("QA103", "marker-unchanged-but-differs", "warning",
          "Marked (unchanged) but the text differs from the SFIA 8 translation.",
          rationale="An (unchanged) segment should be the SFIA 8 translation as it was; an edit "
                    "under this marker escapes review.", group=G)
def unchanged_but_differs(u, env, opts):
    if _audited(u) and u.marker == "unchanged" and u.previous is not None and ws(u.previous) != ws(u.target):
        yield Hit(u, f"{u.label} is marked (unchanged) but differs from the SFIA 8 translation.")


@register("QA104", "stale-translation", "error",
          "Marked (modified) and the English changed, but the text is the SFIA 8 translation word for word.",
          rationale="The translation did not follow the change in the English.", group=G)
def stale(u, env, opts):
    if (_audited(u) and u.marker == "modified" and u.drift in CHANGED and u.previous is not None
            and ws(u.previous) == ws(u.target)):
        yield Hit(u, f"{u.label}: the English was {u.drift} but the translation is the SFIA 8 text unchanged (stale).")


@register("QA105", "marker-missing", "info",
          "A segment without marker on a page that uses markers.",
          rationale="Reviewers rely on markers to know what to re-read.", group=G, scope="corpus")
def marker_missing(units, env, opts):
    with_markers = {u.path for u in units if u.framework == 9 and u.marker is not None}
    for u in units:
        if _audited(u) and u.marker is None and u.path in with_markers:
            yield Hit(u, f"{u.label} has no (modified)/(unchanged) marker although its page marks its sections.")
