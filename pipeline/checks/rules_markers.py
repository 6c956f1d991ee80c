"""QA1xx: do the ``(modified)`` / ``(unchanged)`` labels of SFIA 9 translations tell the truth?

A marker labels a *section* of the page: the title marker labels the name and the
description, the guidance marker every guidance paragraph and activity, a level marker its
level statement. ``(modified)`` is therefore judged on the section (it is right when anything
in it changed) and ``(unchanged)`` on every segment it covers, against the drift of the English
between SFIA 8 and SFIA 9 (:mod:`pipeline.drift`). A wrong marker is one mistake, whatever the
number of paragraphs and bullets under it: QA101 and QA103 report it once per section and list
the segments concerned.

Marker texts are language data (``[page] markers`` of ``pipeline/lang/<code>.toml``: the English
ones every page may use and each language's own, ``(niezmienione)`` = unchanged); a marker-like
text the reader did not recognise ends up inside a segment, where QA210 reports it.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from pipeline.checks.registry import register
from pipeline.checks.units import Hit, Unit
from pipeline.text.normalize import ws

G = "markers"
CHANGED = {"modified", "added"}
SAME = {"unchanged", "cosmetic"}
SECTION_NAMES = {"header": "title and description", "guidance": "guidance notes"}


def section_of(element: str, level) -> str:
    if element in ("name", "description"):
        return "header"
    if element in ("guidance", "activity"):
        return "guidance"
    return f"level {int(level)}"


def section_name(section: str) -> str:
    return SECTION_NAMES.get(section, section)


def _runs(numbers: list[int]) -> str:
    """[2, 3, 4, 6] -> '2-4, 6'."""
    out: list[str] = []
    nums = sorted(set(numbers))
    start = prev = nums[0]
    for n in nums[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)


def segment_list(units: Iterable[Unit]) -> str:
    """The segments of one section in reading order: 'paragraph 1, activities 2-6', 'name, description'."""
    by: dict[str, list[int]] = defaultdict(list)
    plain: list[str] = []
    for u in units:
        if u.element in ("guidance", "activity") and u.item is not None:
            by[u.element].append(u.item)
        elif u.element == "level":
            plain.append("the level statement")
        elif u.element not in plain:
            plain.append(u.element)
    parts = list(dict.fromkeys(plain))
    for element, one, many in (("guidance", "paragraph", "paragraphs"), ("activity", "activity", "activities")):
        if by[element]:
            parts.append(f"{one if len(set(by[element])) == 1 else many} {_runs(by[element])}")
    return ", ".join(parts)


def _audited(u: Unit) -> bool:
    """An SFIA 9 translation whose English pair has a drift status."""
    return u.framework == 9 and u.target is not None and u.drift is not None


def _sections(units: Iterable[Unit], marker: str) -> dict[str, list[Unit]]:
    """The audited units of one page under a given marker, by section, in reading order."""
    out: dict[str, list[Unit]] = defaultdict(list)
    for u in units:
        if _audited(u) and u.marker == marker:
            out[section_of(u.element, u.level)].append(u)
    return out


def _same_as_previous(u: Unit) -> bool:
    return u.previous is not None and u.target is not None and ws(u.previous) == ws(u.target)


def _whole(u: Unit) -> list[dict]:
    return [{"field": "target", "start": 0, "end": len(u.target or ""), "text": u.target or ""}]


def _verb(units: list[Unit], one: str, many: str) -> str:
    return one if len(units) == 1 else many


@register("QA101", "marker-unchanged-but-modified", "error",
          "Marked (unchanged) although the English changed in meaning.",
          rationale="The SFIA 8 translation was carried over although SFIA 9 says something else: "
                    "the costliest error a reviewer can miss. The marker labels a whole section, so a "
                    "wrong one is reported once, with every paragraph, bullet or statement whose English "
                    "changed, and whether each is still the SFIA 8 translation.", group=G, scope="page")
def unchanged_but_modified(units, env, opts):
    for section, members in _sections(units, "unchanged").items():
        changed = [u for u in members if u.drift in CHANGED]
        if not changed:
            continue
        kept = [u for u in changed if _same_as_previous(u)]
        redone = [u for u in changed if u.previous is not None and not _same_as_previous(u)]
        msg = (f"The {section_name(section)} section is marked (unchanged) but its English changed between "
               f"SFIA 8 and SFIA 9 in {segment_list(changed)}.")
        if kept:
            msg += (f" {_cap(segment_list(kept))} {_verb(kept, 'is', 'are')} still the SFIA 8 translation: "
                    "translate the new English"
                    + (" and mark the section (modified)." if not redone else "."))
        if redone:
            msg += (f" {_cap(segment_list(redone))} "
                    f"{_verb(redone, 'was', 'were')} translated anew: mark the section (modified) so the "
                    "new text is reviewed.")
        if not kept and not redone:  # no SFIA 8 translation to compare with
            msg += " Check that the translation follows the new English and mark the section (modified)."
        yield Hit(changed[0], msg, _whole(changed[0]))


@register("QA102", "marker-modified-but-unchanged", "warning",
          "Section marked (modified) although its English is unchanged or only cosmetically different.",
          rationale="Re-translating text whose meaning did not change costs money and risks new errors; "
                    "the SFIA 8 translation could have been reused.", group=G, scope="page")
def modified_but_unchanged(units, env, opts):
    for section, members in _sections(units, "modified").items():
        if all(m.drift in SAME for m in members):
            yield Hit(members[0], f"The {section_name(section)} section is marked (modified) but its English is "
                                  f"unchanged or only cosmetically different "
                                  f"({', '.join(sorted({str(m.drift) for m in members}))}).")


@register("QA103", "marker-unchanged-but-differs", "warning",
          "Marked (unchanged) but the text differs from the SFIA 8 translation.",
          rationale="An (unchanged) segment should be the SFIA 8 translation as it was; an edit "
                    "under this marker escapes review. Reported once per section, listing the segments; "
                    "segments whose English changed are QA101's.",
          group=G, scope="page")
def unchanged_but_differs(units, env, opts):
    for section, members in _sections(units, "unchanged").items():
        differ = [u for u in members if u.drift in SAME and u.previous is not None and not _same_as_previous(u)]
        if differ:
            yield Hit(differ[0], f"The {section_name(section)} section is marked (unchanged) but "
                                 f"{segment_list(differ)} {_verb(differ, 'differs', 'differ')} from the SFIA 8 "
                                 "translation although the English did not change in meaning: restore the SFIA 8 "
                                 "text, or mark the section (modified) so the edit is reviewed.",
                      _whole(differ[0]))


def char_ratio(a: str, b: str) -> float:
    """Character-level similarity (difflib ratio) of two texts after whitespace normalisation."""
    a, b = ws(a), ws(b)
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@lru_cache(maxsize=65536)
def english_ratio(en8: str, en9: str) -> float:
    """:func:`char_ratio` of a segment's SFIA 8 and SFIA 9 English: the same for every language."""
    return char_ratio(en8, en9)


@register("QA104", "stale-translation", "error",
          "Marked (modified) and the English changed, but the text is the SFIA 8 translation or a near copy of it.",
          rationale="The translation did not follow the change in the English. A word-for-word copy is "
                    "always reported. A near copy (one word touched) is as stale: `near_copy` is the "
                    "character-level similarity to the SFIA 8 translation (0..1) from which a translation "
                    "counts as a copy, and it is reported when the translation moved less than half as far "
                    "from the SFIA 8 translation as the English moved from the SFIA 8 English (so a small edit "
                    "that follows a small English change passes). That comparison needs the SFIA 8 English "
                    "of the unit; without it only word-for-word copies are reported.",
          group=G, settings={"near_copy": 0.9})
def stale(u, env, opts):
    if not (_audited(u) and u.marker == "modified" and u.drift == "modified" and u.previous is not None):
        return
    if _same_as_previous(u):
        yield Hit(u, f"{_cap(u.label)}: the English was modified but the translation is the SFIA 8 text unchanged "
                     "(stale).", _whole(u))
        return
    en8 = u.extra.get("source_8") if u.extra else None
    if not (en8 and u.source):
        return
    near = float(opts["near_copy"])
    e = english_ratio(en8, u.source)
    sm = difflib.SequenceMatcher(None, ws(u.previous), ws(u.target or ""), autojunk=False)
    # difflib's cheap upper bounds of t first: most modified translations are far from a copy
    for bound in (sm.real_quick_ratio, sm.quick_ratio, sm.ratio):
        t = bound()
        if t < near or (1.0 - t) >= (1.0 - e) / 2:
            return
    ops = sm.get_opcodes()
    changed_chars = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")
    yield Hit(u, f"{_cap(u.label)}: the English was modified (its SFIA 8 and SFIA 9 texts are {e:.0%} alike) but "
                 f"the translation is {t:.0%} the SFIA 8 translation (about {changed_chars} character(s) edited): "
                 "it is a near copy that probably does not follow the new English.", _whole(u))


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


@register("QA105", "marker-missing", "info",
          "A segment without marker on a page that uses markers.",
          rationale="Reviewers rely on markers to know what to re-read.", group=G, scope="corpus")
def marker_missing(units, env, opts):
    with_markers = {u.path for u in units if u.framework == 9 and u.marker is not None}
    for u in units:
        if _audited(u) and u.marker is None and u.path in with_markers:
            yield Hit(u, f"{_cap(u.label)} has no (modified)/(unchanged) marker although its page marks its sections.")
