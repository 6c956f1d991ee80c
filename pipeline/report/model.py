"""What the reports show, as plain Python data (dicts and lists), built once per run.

Every list here is sorted, so every output built from it is the same byte for byte for
the same inputs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from pipeline import output, schema
from pipeline.checks.registry import REGISTRY
from pipeline.ingest import is_english
from pipeline.langdata import load
from pipeline.results import Aligned, RunResult

SEVERITY_ORDER = {s: i for i, s in enumerate(schema.SEVERITIES)}  # error first


def _n(v):
    return None if v is None or (not isinstance(v, (list, dict, str)) and pd.isna(v)) else v


def _int(v):
    v = _n(v)
    return None if v is None else int(v)


def key_label(element: str, level=None, item=None) -> str:
    if element == "level" and level is not None:
        return f"level {level}"
    if element in ("guidance", "activity") and item is not None:
        return f"{element} {item}"
    return element


def finding_sort_key(f: dict) -> tuple:
    return (f["lang"] or "", f["skill"] or "", schema.ELEMENT_ORDER.get(f["element"] or "", -1),
            f["level"] or 0, f["item"] or 0, f["framework"] or 0, f["code"], f["message"], f["origin"] or "")


def finding_records(findings: pd.DataFrame) -> list[dict]:
    """Findings as plain dicts in a stable order (language, reading order, code, message)."""
    recs = output.records(findings, schema.columns(schema.FINDING)) if len(findings) else []
    for r in recs:
        r["level"], r["item"], r["framework"] = _int(r["level"]), _int(r["item"]), _int(r["framework"])
        ev = r.get("evidence")
        r["evidence"] = [dict(e) for e in ev] if isinstance(ev, list) else []
    recs.sort(key=finding_sort_key)
    return recs


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings table in the same stable order as :func:`finding_records`."""
    if findings.empty:
        return findings.reset_index(drop=True)
    recs = output.records(findings, schema.columns(schema.FINDING))
    for r in recs:
        r["level"], r["item"], r["framework"] = _int(r["level"]), _int(r["item"]), _int(r["framework"])
    order = sorted(range(len(recs)), key=lambda i: finding_sort_key(recs[i]))
    return findings.iloc[order].reset_index(drop=True)


def check_meta(code: str, fallback_name: str = "", fallback_severity: str = "") -> dict:
    c = REGISTRY.get(code)
    if c is None:
        return {"code": code, "name": fallback_name, "severity": fallback_severity, "summary": "",
                "rationale": "", "group": ""}
    return {"code": c.code, "name": c.name, "severity": c.severity, "summary": c.summary,
            "rationale": c.rationale, "group": c.group}


@dataclass
class LangView:
    lang: str
    name: str
    english_name: str
    direction: str
    rows: list[dict] = field(default_factory=list)
    loose_findings: list[dict] = field(default_factory=list)  # findings that match no row
    findings: list[dict] = field(default_factory=list)
    scores: dict = field(default_factory=dict)
    chart: str = ""  # inline SVG of the provider leaderboard
    source: bool = False  # the English sources themselves (findings about the source text)

    @property
    def page(self) -> str:
        return lang_page(self.lang)

    def severity_counts(self, only=None) -> dict:
        fs = self.findings if only is None else [f for f in self.findings if only(f)]
        c = Counter(f["severity"] for f in fs)
        return {s: c.get(s, 0) for s in schema.SEVERITIES}

    def drift_counts(self) -> dict:
        c = Counter(r["drift"] for r in self.rows if r["drift"])
        return {s: c.get(s, 0) for s in schema.DRIFT_STATUSES}

    def check_counts(self) -> list[dict]:
        c = Counter((f["code"], f["check"], f["severity"]) for f in self.findings)
        return [{"code": k[0], "check": k[1], "severity": k[2], "count": n}
                for k, n in sorted(c.items(), key=lambda kv: (SEVERITY_ORDER.get(kv[0][2], 9), kv[0][0], kv[0][2]))]

    def marker_counts(self) -> dict:
        c = Counter(r["marker"] or "none" for r in self.rows if r["tgt_9"] is not None)
        return {k: c.get(k, 0) for k in ("modified", "unchanged", "none")}

    def marker_findings(self) -> list[dict]:
        return [r for r in self.check_counts() if check_meta(r["code"])["group"] == "markers"
                or r["code"].startswith("QA1")]

    def segment_counts(self) -> dict:
        return {"rows": len(self.rows),
                "sfia8": sum(1 for r in self.rows if r["tgt_8"] is not None),
                "sfia9": sum(1 for r in self.rows if r["tgt_9"] is not None),
                "missing9": sum(1 for r in self.rows if r["status_9"] == "missing")}


def lang_page(lang: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in lang)
    return f"lang-{safe}.html"


def _candidates_by_key(candidates: pd.DataFrame | None) -> dict[tuple, list[dict]]:
    if candidates is None or candidates.empty:
        return {}
    out: dict[tuple, list[dict]] = {}
    for c in output.records(candidates, schema.columns(schema.CANDIDATE)):
        if c["skill"] is None or c["element"] is None:
            continue
        if c["framework"] not in (None, 9):
            continue
        k = (c["lang"], c["skill"], c["element"], _int(c["level"]), _int(c["item"]))
        c["signals"] = list(c["signals"]) if isinstance(c["signals"], (list, tuple)) else []
        out.setdefault(k, []).append(c)
    for v in out.values():
        v.sort(key=lambda c: (c["rank"] if c["rank"] is not None else 10**9, -(c["chrf"] or c["consensus"] or 0),
                              c["provider"]))
    return out


def _english_rows(aligned: Aligned) -> pd.DataFrame:
    """English SFIA 8 -> 9 rows in the ALIGNMENT layout (no target text), with their drift."""
    ea = aligned.english_alignment
    if ea is None or ea.empty:
        return schema.empty(schema.ALIGNMENT)
    df = ea.copy()
    df["lang"] = "en"
    if len(aligned.drift) == len(ea):
        df["drift"] = aligned.drift["status"].to_numpy()  # classify() keeps the alignment's row order
    return schema.sort_key_frame(schema.make(schema.ALIGNMENT, df))


def build(result: RunResult, findings: pd.DataFrame) -> list[LangView]:
    """One LangView per target language, rows in reading order, findings attached to rows."""
    alignment = result.aligned.alignment
    boards = dict(result.scored.boards)
    recs = finding_records(findings)
    langs = sorted(set(alignment["lang"].dropna()) | {f["lang"] for f in recs} | set(boards))
    cands = _candidates_by_key(result.scored.candidates)
    views: list[LangView] = []
    for lang in langs:
        try:
            ld = load(lang)
            name, en_name, direction = ld.name, ld.english_name, ld.direction
        except Exception:  # a language without data file still gets a (left-to-right) page
            name, en_name, direction = lang, lang, "ltr"
        v = LangView(lang, name, en_name, direction, scores=boards.get(lang) or {})
        v.source = is_english(lang)
        sub = _english_rows(result.aligned) if v.source else schema.sort_key_frame(alignment[alignment["lang"] == lang])
        by_key: dict[tuple, dict] = {}
        by_key8: dict[tuple, dict] = {}
        for r in output.records(sub, schema.columns(schema.ALIGNMENT)):
            for k in ("level", "item", "item_8", "item_9"):
                r[k] = _int(r[k])
            r["label"] = key_label(r["element"], r["level"], r["item"])
            r["findings"] = []
            r["candidates"] = cands.get((lang, r["skill"], r["element"], r["level"], r["item"]), [])
            r["id"] = "s-" + "-".join(str(x) for x in (r["skill"], r["element"], r["level"] or 0, r["item"] or 0))
            v.rows.append(r)
            by_key[(r["skill"], r["element"], r["level"], r["item"])] = r
            by_key8[(r["skill"], r["element"], r["level"], r["item_8"])] = r
        v.findings = [f for f in recs if f["lang"] == lang]
        for f in v.findings:
            k = (f["skill"], f["element"], f["level"], f["item"])
            row = (by_key8.get(k) if f["framework"] == 8 else None) or by_key.get(k)
            if row is None:
                v.loose_findings.append(f)
            else:
                row["findings"].append(f)
        for r in v.rows:
            r["severities"] = sorted({f["severity"] for f in r["findings"]}, key=SEVERITY_ORDER.get)
            r["codes"] = sorted({f["code"] for f in r["findings"]})
        views.append(v)
    return views
