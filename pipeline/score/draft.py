"""SFIA 9 draft assembly for a language that has an SFIA 8 translation.

Per segment: where the English did not change (drift ``unchanged`` or ``cosmetic``) the SFIA 8
translation is reused and marked ``(unchanged)``; where it did (``modified``, ``added``) the
segment's best MT candidate is taken and marked ``(modified)``. The draft is written as a
skill-page text file the page reader reads back (markers per section, as on the Polish beta
page: a section is ``(modified)`` when any of its segments is) and as CSV (per segment: the
text, its marker, and where it came from).
"""

from __future__ import annotations

import pandas as pd

from pipeline import output, schema
from pipeline.keys import format_key
from pipeline.langdata import load

REUSE = ("unchanged", "cosmetic")
DRAFT_COLUMNS = ["skill", "element", "level", "item", "key", "drift", "marker", "text", "taken_from"]


def assemble(alignment: pd.DataFrame, best: dict[str, tuple[str, str]], lang: str,
             key_pattern: str | None = None) -> pd.DataFrame:
    """``alignment``: the ALIGNMENT rows of one language; ``best``: key -> (provider, text)."""
    rows = []
    for r in schema.rows(alignment):
        if r["drift"] == "removed":
            continue
        kw = {"pattern": key_pattern} if key_pattern else {}
        key = format_key(r["skill"], r["element"], schema.opt(r["level"]), schema.opt(r["item"]), 9, **kw)
        tgt8 = schema.opt(r["tgt_8"])
        if r["drift"] in REUSE and tgt8:
            text, src, marker = tgt8, "sfia-8", "unchanged"
        elif key in best:
            (provider, text), marker = best[key], "modified"
            src = f"mt:{provider}"
        else:
            text, src, marker = None, None, "modified"
        rows.append({"lang": lang, "skill": r["skill"], "element": r["element"], "level": schema.opt(r["level"]),
                     "item": schema.opt(r["item"]), "key": key, "drift": r["drift"], "marker": marker,
                     "text": text, "taken_from": src})
    return schema.validate(schema.make(schema.DRAFT, rows), schema.DRAFT, "draft")


def to_csv(draft: pd.DataFrame) -> str:
    return output.to_csv(draft, DRAFT_COLUMNS)


def rows_to_csv(rows: list[dict]) -> str:
    """:func:`to_csv` of one skill's draft rows (:func:`pipeline.output.records`)."""
    return output.rows_to_csv(rows, DRAFT_COLUMNS)


def to_page(draft: pd.DataFrame, lang: str) -> str:
    """The draft as a skill page (one skill), readable by :func:`pipeline.ingest.read_file`."""
    return rows_to_page(output.records(draft), lang)


def rows_to_page(rows: list[dict], lang: str) -> str:
    """:func:`to_page` of one skill's draft rows (:func:`pipeline.output.records`)."""
    data = load(lang)
    heading = data.section("draft").get("level_heading", "{name}: Level {level}")
    guidance_heading = next(iter(data.raw.get("page", {}).get("guidance_headings", [])), "Guidance notes")
    d = [r for r in rows if r["text"] is not None]
    skill = rows[0]["skill"]  # (a skill the English lacks has rows but no text to draft from)

    def marker(some: list[dict]) -> str:
        return "(modified)" if any(r["marker"] == "modified" for r in some) else "(unchanged)"

    def pick(*elements: str, by: str | None = None) -> list[dict]:
        got = [r for r in d if r["element"] in elements]
        return sorted(got, key=lambda r: (r[by] is None, r[by] or 0)) if by else got

    names = pick("name")
    name = names[0]["text"] if names else skill
    lines = [f"{name} {skill}", marker(pick("name", "description"))]
    lines += [r["text"] for r in pick("description")]
    notes = pick("guidance", "activity")
    if notes:
        lines += [guidance_heading, marker(notes)]
        lines += [r["text"] for r in pick("guidance", by="item")]
        lines += [f"- {r['text']}" for r in pick("activity", by="item")]
    for r in pick("level", by="level"):
        lines += [heading.format(name=name, level=int(r["level"])), f"({r['marker']})", r["text"]]
    return "\n".join(lines) + "\n"
