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
    for r in alignment.to_dict("records"):
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


def to_page(draft: pd.DataFrame, lang: str) -> str:
    """The draft as a skill page (one skill), readable by :func:`pipeline.ingest.read_file`."""
    data = load(lang)
    heading = data.section("draft").get("level_heading", "{name}: Level {level}")
    guidance_heading = next(iter(data.raw.get("page", {}).get("guidance_headings", [])), "Guidance notes")
    d = draft[draft["text"].notna()]
    skill = d["skill"].iloc[0]

    def marker(rows) -> str:
        return "(modified)" if (rows["marker"] == "modified").any() else "(unchanged)"

    def pick(el):
        return d[d["element"] == el]

    name = pick("name")["text"].iloc[0] if len(pick("name")) else skill
    lines = [f"{name} {skill}", marker(d[d["element"].isin(["name", "description"])])]
    lines += list(pick("description")["text"])
    notes = d[d["element"].isin(["guidance", "activity"])]
    if len(notes):
        lines += [guidance_heading, marker(notes)]
        lines += list(pick("guidance").sort_values("item")["text"])
        lines += [f"- {t}" for t in pick("activity").sort_values("item")["text"]]
    for r in pick("level").sort_values("level").to_dict("records"):
        lines += [heading.format(name=name, level=int(r["level"])), f"({r['marker']})", r["text"]]
    return "\n".join(lines) + "\n"
