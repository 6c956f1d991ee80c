"""What a rule looks at: :class:`Unit` (one segment, candidate or draft row) and what it returns: :class:`Hit`.

A unit is one translated segment of one language and SFIA version with the English it
translates (``source``), the translation (``target``), and what the alignment knows of it:
status, marker, the English drift, the SFIA 8 translation it may reuse (``previous``). English
units (``lang`` 'en') carry their own text as ``source``. MT candidates and draft rows become
units too (their scope-specific facts in ``extra``), so every finding goes through one runner,
one severity override and one suppressions file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline import output, schema

_int, _str = schema.opt_int, schema.opt_str


@dataclass(slots=True)  # a language has some 15,000 units (candidates included); slots halve them
class Unit:
    lang: str
    framework: int | None
    skill: str
    element: str
    level: int | None
    item: int | None
    source: str | None          # the English (for an English unit: its own text)
    target: str | None          # the translation (None for English units and missing ones)
    origin: str | None          # where the checked text was read ('path:line', for display)
    status: str | None = None   # ok / missing / extra (alignment), None when unknown
    path: str | None = None     # the file of the checked text, and its line
    line: int | None = None
    marker: str | None = None   # the SFIA 9 page's (modified)/(unchanged) label
    drift: str | None = None    # what happened to the English between SFIA 8 and 9
    previous: str | None = None  # for an SFIA 9 unit: the SFIA 8 translation of the same English pair
    codes: dict | None = None   # inline codes of a bilingual unit (schema.SEGMENT codes), if any
    provenance: dict | None = None  # where a TMS job says the text came from (schema.PROVENANCE)
    extra: dict = field(default_factory=dict)

    @property
    def where(self) -> dict:
        return dict(lang=self.lang, framework=self.framework, skill=self.skill, element=self.element,
                    level=self.level, item=self.item, origin=self.origin, path=self.path, line=self.line)

    @property
    def label(self) -> str:
        return schema.label(self.element, self.level, self.item)


@dataclass
class Hit:
    unit: Unit
    message: str
    evidence: list[dict] = field(default_factory=list)


def _codes(v) -> dict | None:
    return v if isinstance(v, dict) else None


def units_from_alignment(alignment: pd.DataFrame) -> list[Unit]:
    """One unit per (lang, key, framework) that has a translation file: SFIA 9 translations
    against the SFIA 9 English, SFIA 8 translations against the SFIA 8 English."""
    out = []
    for r in alignment.itertuples(index=False):
        for fw in (9, 8):
            status = _str(getattr(r, f"status_{fw}"))
            if status is None:
                continue
            item = _int(getattr(r, f"item_{fw}")) if r.element in ("guidance", "activity") else None
            if item is None and r.element in ("guidance", "activity"):
                item = _int(r.item)
            out.append(Unit(lang=r.lang, framework=fw, skill=r.skill, element=r.element, level=_int(r.level),
                            item=item, source=_str(getattr(r, f"en_{fw}")), target=_str(getattr(r, f"tgt_{fw}")),
                            origin=_str(getattr(r, f"origin_tgt_{fw}")), status=status,
                            path=_str(getattr(r, f"path_tgt_{fw}")), line=_int(getattr(r, f"line_tgt_{fw}")),
                            marker=_str(r.marker) if fw == 9 else None, drift=_str(r.drift),
                            previous=_str(r.tgt_8) if fw == 9 else None,
                            codes=_codes(getattr(r, f"codes_tgt_{fw}")),
                            provenance=_codes(getattr(r, f"provenance_tgt_{fw}")),
                            extra={"source_8": _str(r.en_8)} if fw == 9 else {}))
    return out


def units_from_segments(df: pd.DataFrame, english: bool) -> list[Unit]:
    """Units straight from a segment table: English ones (source checks) or translations
    without their English (only the checks that need no source run on them)."""
    out = []
    for r in df.itertuples(index=False):
        text = _str(r.text)
        out.append(Unit(lang="en" if english else r.lang, framework=_int(r.framework), skill=r.skill,
                        element=r.element, level=_int(r.level), item=_int(r.item), source=text if english else None,
                        target=None if english else text, origin=_str(r.origin), status=None,
                        path=_str(r.path), line=_int(r.line), marker=None if english else _str(r.marker),
                        codes=None if english else _codes(r.codes)))
    return out


def units_from_candidates(candidates: pd.DataFrame) -> list[Unit]:
    """One unit per scored MT candidate (schema.CANDIDATE) on a SFIA segment or a free id."""
    out = []
    for c in output.iter_records(candidates):  # a chunk of rows at a time, not every row as a dict
        out.append(Unit(lang=c["lang"], framework=_int(c["framework"]), skill=_str(c["skill"]) or "",
                        element=_str(c["element"]) or "", level=_int(c["level"]), item=_int(c["item"]),
                        source=_str(c["source"]), target=_str(c["text"]), origin=_str(c["origin"]),
                        path=_str(c.get("path")), line=_int(c.get("line")),
                        extra={"provider": c["provider"], "key": c["key"], "explain": c.get("explain") or {},
                               "hard": bool(schema.opt(c["hard"]))}))
    return out


def units_from_drafts(drafts: pd.DataFrame) -> list[Unit]:
    """One unit per segment of an assembled SFIA 9 draft (schema.DRAFT)."""
    return [Unit(lang=d["lang"], framework=9, skill=d["skill"], element=d["element"], level=_int(d["level"]),
                 item=_int(d["item"]), source=None, target=_str(d["text"]), origin=None, drift=_str(d["drift"]),
                 marker=d["marker"], extra={"key": d["key"], "taken_from": _str(d["taken_from"])})
            for d in schema.rows(drafts)]
