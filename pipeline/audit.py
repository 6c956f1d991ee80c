"""Marker audit: do the ``(modified)`` / ``(unchanged)`` labels of SFIA 9 translations tell the truth?

A marker labels a *section* of the page: the title marker labels the name and the
description, the guidance marker every guidance paragraph and activity, a level marker its
level statement. The audit therefore judges ``(modified)`` on the section (it is right
when anything in it changed) and ``(unchanged)`` on every segment it covers.
"""

from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.checks.registry import finding, register
from pipeline.text.normalize import ws

CHANGED = {"modified", "added"}
SAME = {"unchanged", "cosmetic"}

QA101 = "QA101"
register(QA101, "marker-unchanged-but-modified", "error",
         "Marked (unchanged) although the English changed in meaning.",
         rationale="The SFIA 8 translation was carried over although SFIA 9 says something else: "
                   "the costliest error a reviewer can miss.", group="markers")(None)
register("QA102", "marker-modified-but-unchanged", "warning",
         "Section marked (modified) although its English is unchanged or only cosmetically different.",
         rationale="Re-translating text whose meaning did not change costs money and risks new errors; "
                   "the SFIA 8 translation could have been reused.", group="markers")(None)
register("QA103", "marker-unchanged-but-differs", "warning",
         "Marked (unchanged) but the text differs from the SFIA 8 translation.",
         rationale="An (unchanged) segment should be the SFIA 8 translation as it was; an edit "
                   "under this marker escapes review.", group="markers")(None)
register("QA104", "stale-translation", "error",
         "Marked (modified) and the English changed, but the text is the SFIA 8 translation word for word.",
         rationale="The translation did not follow the change in the English.", group="markers")(None)
register("QA105", "marker-missing", "info",
         "A segment without marker on a page that uses markers.",
         rationale="Reviewers rely on markers to know what to re-read.", group="markers")(None)


def section_of(element: str, level) -> str:
    if element in ("name", "description"):
        return "header"
    if element in ("guidance", "activity"):
        return "guidance"
    return f"level {int(level)}"


def _label(r) -> str:
    return schema.label(r.element, r.level, r.item)


def audit_markers(alignment: pd.DataFrame) -> pd.DataFrame:
    """Alignment (schema.ALIGNMENT, with drift) -> marker findings (schema.FINDING)."""
    schema.validate(alignment, schema.ALIGNMENT, "alignment")
    rows = alignment[alignment["tgt_9"].notna() & alignment["drift"].notna()]
    out: list[dict] = []
    files_with_markers = {p for p, m in zip(alignment["path_tgt_9"], alignment["marker"], strict=True)
                          if isinstance(m, str)}
    sections: dict[tuple, list] = {}
    for r in rows.itertuples(index=False):
        key = dict(lang=r.lang, framework=9, skill=r.skill, element=r.element,
                   level=None if pd.isna(r.level) else int(r.level),
                   item=None if pd.isna(r.item) else int(r.item), origin=r.origin_tgt_9,
                   path=schema.opt(r.path_tgt_9), line=schema.opt_int(r.line_tgt_9))
        marker = r.marker if isinstance(r.marker, str) else None
        if marker is None:
            if schema.opt(r.path_tgt_9) in files_with_markers:
                out.append(finding("QA105", message=f"{_label(r)} has no (modified)/(unchanged) marker although "
                                                    "its page marks its sections.", **key))
            continue
        sections.setdefault((r.lang, r.skill, section_of(r.element, r.level), marker), []).append((r, key))
        if marker == "unchanged" and r.drift in CHANGED:
            out.append(finding(QA101, message=f"{_label(r)} is marked (unchanged) but its English was "
                                              f"{r.drift} between SFIA 8 and SFIA 9; translate the new text.",
                               evidence=[{"field": "target", "start": 0, "end": len(r.tgt_9), "text": r.tgt_9}],
                               **key))
        if marker == "unchanged" and isinstance(r.tgt_8, str) and ws(r.tgt_8) != ws(r.tgt_9):
            out.append(finding("QA103", message=f"{_label(r)} is marked (unchanged) but differs from the "
                                                "SFIA 8 translation.", **key))
        if marker == "modified" and r.drift in CHANGED and isinstance(r.tgt_8, str) and ws(r.tgt_8) == ws(r.tgt_9):
            out.append(finding("QA104", message=f"{_label(r)}: the English was {r.drift} but the translation is "
                                                "the SFIA 8 text unchanged (stale).", **key))
    for (_lang, _skill, section, marker), members in sections.items():
        if marker != "modified":
            continue
        if all(r.drift in SAME for r, _ in members):
            r, key = members[0]
            out.append(finding("QA102", message=f"The {section} section is marked (modified) but its English "
                                                "is unchanged or only cosmetically different "
                                                f"({', '.join(sorted({m.drift for m, _ in members}))}).", **key))
    df = schema.make(schema.FINDING, out)
    return schema.validate(df, schema.FINDING, "marker findings")
