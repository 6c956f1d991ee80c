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
from pipeline.keys import DEFAULT_PATTERN, format_key
from pipeline.langdata import load
from pipeline.results import Aligned, RunResult
from pipeline.review import lqa
from pipeline.review.decisions import finding_id, report_id

SEVERITY_ORDER = {s: i for i, s in enumerate(schema.SEVERITIES)}  # error first
# MT-candidate signals: about the candidates a draft is built from, not defects of the translation.
# They get their own folded lane in the pages and stay out of the top findings and the score.
MT_SIGNALS = frozenset({"QA301", "QA302", "QA303", "QA304", "QA305"})


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


def by_severity(f: dict) -> tuple:
    """Worst first: severity, then translation defects before MT signals, then code."""
    return (SEVERITY_ORDER.get(f["severity"], 9), f["code"] in MT_SIGNALS, f["code"], f["message"])


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
    skills: list = field(default_factory=list)  # SkillView, in skill-code order
    report_id: str = ""
    key_pattern: str = DEFAULT_PATTERN
    columns: tuple = ()  # the text columns shown for this language (empty ones are left out)
    lqa: dict = field(default_factory=dict)
    resolved: list = field(default_factory=list)  # review-log entries and whether they are resolved

    @property
    def page(self) -> str:
        return lang_page(self.lang)

    @property
    def folder(self) -> str:
        return self.page[: -len(".html")]

    @property
    def search_page(self) -> str:
        """The page that searches every segment of the language (skill codes are upper case)."""
        return f"{self.folder}/search.html"

    def skill_page(self, skill: str) -> str:
        """A skill's page, relative to the report folder."""
        return f"{self.folder}/{_safe(skill)}.html"

    @property
    def first_page(self) -> str | None:
        """The first skill page (in code order) with a finding left to decide: where review starts."""
        for s in self.skills:
            if any(f["code"] not in MT_SIGNALS and not f["review"] for f in s.findings):
                return s.page
        return None

    @property
    def defects(self) -> list[dict]:
        return [f for f in self.findings if f["code"] not in MT_SIGNALS]

    @property
    def signals(self) -> list[dict]:
        return [f for f in self.findings if f["code"] in MT_SIGNALS]

    def severity_counts(self, only=None) -> dict:
        """Counts of translation findings by severity (MT-candidate signals apart: mt_signals)."""
        fs = self.defects if only is None else [f for f in self.defects if only(f)]
        c = Counter(f["severity"] for f in fs)
        return {s: c.get(s, 0) for s in schema.SEVERITIES}

    def mt_signal_count(self) -> int:
        return len(self.signals)

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


@dataclass
class SkillView:
    """One skill of one language: its rows (reading order) and what they hold."""

    skill: str
    name: str
    page: str
    rows: list[dict] = field(default_factory=list)
    lqa: dict = field(default_factory=dict)
    prev_page: str | None = None   # the previous / next skill page with findings (the "next error" path)
    next_page: str | None = None

    @property
    def findings(self) -> list[dict]:
        return [f for r in self.rows for f in r["findings"]]

    def counts(self) -> dict:
        c = Counter(f["severity"] for f in self.findings if f["code"] not in MT_SIGNALS and not f.get("review"))
        d = Counter(r["drift"] for r in self.rows if r["drift"])
        return {**{s: c.get(s, 0) for s in schema.SEVERITIES},
                "mt": sum(1 for f in self.findings if f["code"] in MT_SIGNALS),
                "drift": {s: d.get(s, 0) for s in schema.DRIFT_STATUSES},
                "findings": sum(1 for f in self.findings if f["code"] not in MT_SIGNALS)}

    @property
    def rank(self) -> tuple:
        c = self.counts()
        return (-c["error"], -c["warning"], -c["info"], self.skill)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(name))


def lang_page(lang: str) -> str:
    return f"lang-{_safe(lang)}.html"


def _candidate_key(lang, skill, element, level, item) -> tuple:
    return (lang, skill, element, _int(level), _int(item))


def _candidate_keys(candidates: pd.DataFrame | None) -> set[tuple]:
    """The keys that have SFIA 9 candidates (what :func:`_candidates_by_key` would hold), cheaply."""
    if candidates is None or candidates.empty:
        return set()
    cols = [candidates[c].tolist() for c in ("lang", "skill", "element", "level", "item", "framework")]
    return {_candidate_key(*k[:5]) for k in zip(*cols, strict=True)
            if _n(k[1]) is not None and _n(k[2]) is not None and _int(k[5]) in (None, 9)}


def attach_candidates(v: LangView, candidates: pd.DataFrame | None) -> None:
    """Fill the rows' ``candidates`` (merged, best first) from the language's candidate table.
    Done where the language's skill pages are rendered, so the process that holds every
    language's views never holds every candidate as a dict; :func:`detach_candidates` undoes it."""
    if candidates is None or candidates.empty:
        return
    cands = _candidates_by_key(candidates[candidates["lang"] == v.lang])
    for r in v.rows:
        if r["has_candidates"]:
            r["candidates"] = cands.get((v.lang, r["skill"], r["element"], r["level"], r["item"]), [])


def detach_candidates(v: LangView) -> None:
    for r in v.rows:
        r["candidates"] = []


def _candidates_by_key(candidates: pd.DataFrame | None) -> dict[tuple, list[dict]]:
    if candidates is None or candidates.empty:
        return {}
    out: dict[tuple, list[dict]] = {}
    for c in output.records(candidates, schema.columns(schema.CANDIDATE)):
        if c["skill"] is None or c["element"] is None:
            continue
        if c["framework"] not in (None, 9):
            continue
        k = _candidate_key(c["lang"], c["skill"], c["element"], c["level"], c["item"])
        c["signals"] = list(c["signals"]) if isinstance(c["signals"], (list, tuple)) else []
        out.setdefault(k, []).append(c)
    for k, v in out.items():
        v.sort(key=lambda c: (c["rank"] if c["rank"] is not None else 10**9, -(c["chrf"] or c["consensus"] or 0),
                              c["provider"]))
        out[k] = merge_candidates(v)
    return out


def merge_candidates(cands: list[dict]) -> list[dict]:
    """Identical texts once, with every provider that gave it (best rank first)."""
    merged: dict[str, dict] = {}
    for c in cands:
        text = " ".join(str(c.get("text") or "").split())
        m = merged.get(text)
        if m is None:
            merged[text] = {**c, "providers": [c["provider"]], "signals": list(c["signals"])}
        else:
            m["providers"].append(c["provider"])
            m["best"] = bool(m.get("best") or c.get("best"))
            m["signals"] = sorted(set(m["signals"]) | set(c["signals"]))
    return list(merged.values())


def _drafts_by_key(drafts: pd.DataFrame | None) -> dict[tuple, dict]:
    if drafts is None or drafts.empty:
        return {}
    out = {}
    for d in output.records(drafts, schema.columns(schema.DRAFT)):
        out[(d["lang"], d["skill"], d["element"], _int(d["level"]), _int(d["item"]))] = d
    return out


def provenance_badge(prov: dict | None) -> str:
    """What a TMS job says of a segment, in a few words: 'TM 101% · confirmed', 'MT: Lumen MT ·
    unedited', 'MT: Verbix · edited · not confirmed', 'translator · locked'."""
    if not prov:
        return ""
    origin = prov.get("trans_origin")
    score = prov.get("tm_score")
    if origin == "tm":
        parts = [f"TM {score:g}%" if score is not None else "TM"]
    elif origin == "mt":
        parts = [f"MT: {prov.get('origin_detail') or 'engine not named'}"]
    elif origin == "human":
        parts = ["translator"]
    else:
        parts = ["origin unknown"]
    suggestion, text = prov.get("suggestion"), prov.get("tms_text")
    if origin in ("tm", "mt") and suggestion is not None:
        from pipeline.text.normalize import ws

        job_text = text if text is not None else prov.get("_text")
        if job_text is not None:
            parts.append("unedited" if ws(suggestion) == ws(job_text) else "edited")
    parts.append("confirmed" if prov.get("confirmed") else "not confirmed")
    if prov.get("locked"):
        parts.append("locked")
    return " · ".join(parts)


def draft_source(taken_from: str | None) -> str:
    """'sfia-8' -> 'SFIA 8 translation reused'; 'mt:Kestrel' -> 'MT: Kestrel'."""
    if not taken_from:
        return "no usable candidate"
    if taken_from == "sfia-8":
        return "SFIA 8 translation reused"
    if taken_from.startswith("mt:"):
        return "MT: " + taken_from[3:]
    return taken_from


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


def build(result: RunResult, findings: pd.DataFrame, settings: dict | None = None) -> list[LangView]:
    """One LangView per target language, rows in reading order, findings attached to rows
    (worst first), its skills with their pages, the quality score and the review log's state.

    ``settings``: ``key_pattern``, ``lqa_threshold``, ``log`` (review-log entries), ``project``."""
    settings = settings or {}
    pattern = settings.get("key_pattern") or DEFAULT_PATTERN
    threshold = float(settings.get("lqa_threshold", 99.0))
    log = settings.get("log") or []
    alignment = result.aligned.alignment
    boards = dict(result.scored.boards)
    recs = finding_records(findings)
    langs = sorted(set(alignment["lang"].dropna()) | {f["lang"] for f in recs} | set(boards))
    rid = report_id(langs, pattern, settings.get("project", ""))
    cand_keys = _candidate_keys(result.scored.candidates)  # the candidates themselves: attach_candidates
    drafts = _drafts_by_key(result.scored.drafts)
    for f in recs:
        f["id"] = finding_id(f)
        f["key"] = format_key(f["skill"], f["element"], f["level"], f["item"], f["framework"] or 9, pattern) \
            if f["skill"] and f["element"] else ""
        f["lane"] = "mt" if f["code"] in MT_SIGNALS else "defect"
        f["review"] = None
    views: list[LangView] = []
    for lang in langs:
        try:
            ld = load(lang)
            name, en_name, direction = ld.name, ld.english_name, ld.direction
        except Exception:  # a language without data file still gets a (left-to-right) page
            name, en_name, direction = lang, lang, "ltr"
        v = LangView(lang, name, en_name, direction, scores=boards.get(lang) or {}, report_id=rid,
                     key_pattern=pattern)
        v.source = is_english(lang)
        sub = _english_rows(result.aligned) if v.source else schema.sort_key_frame(alignment[alignment["lang"] == lang])
        by_key: dict[tuple, dict] = {}
        by_key8: dict[tuple, dict] = {}
        for r in output.records(sub, schema.columns(schema.ALIGNMENT)):
            for k in ("level", "item", "item_8", "item_9"):
                r[k] = _int(r[k])
            r["label"] = key_label(r["element"], r["level"], r["item"])
            r["findings"] = []
            # SFIA 9 things (candidates, the draft, the SFIA 9 key) belong to rows with an SFIA 9 side: a
            # bullet removed in SFIA 9 shares its item number with an unrelated new one
            nine = r["en_9"] is not None or r["tgt_9"] is not None
            r["has_candidates"] = nine and (lang, r["skill"], r["element"], r["level"], r["item"]) in cand_keys
            r["candidates"] = []
            r["draft"] = None if r["tgt_9"] is not None or not nine else drafts.get(
                (lang, r["skill"], r["element"], r["level"], r["item"]))
            r["id"] = "s-" + "-".join(str(x) for x in (r["skill"], r["element"], r["level"] or 0, r["item"] or 0))
            if not nine and r["element"] in ("guidance", "activity"):
                r["id"] += "-sfia8"  # unique beside the SFIA 9 row of the same number
            r["key_8"] = format_key(r["skill"], r["element"], r["level"], r["item_8"], 8, pattern) \
                if r["item_8"] is not None or r["element"] in ("name", "description", "level") else None
            r["key_9"] = format_key(r["skill"], r["element"], r["level"], r["item"], 9, pattern) if nine else None
            prov = r.get("provenance_tgt_9")
            r["provenance"] = provenance_badge({**prov, "_text": r["tgt_9"]}) if isinstance(prov, dict) else ""
            r["resolved"] = []
            v.rows.append(r)
            by_key[(r["skill"], r["element"], r["level"], r["item"])] = r
            by_key8[(r["skill"], r["element"], r["level"], r["item_8"])] = r
        v.findings = [f for f in recs if f["lang"] == lang]
        _review_state(v, log, by_key, by_key8)
        for f in v.findings:
            fk = (f["skill"], f["element"], f["level"], f["item"])
            row = (by_key8.get(fk) if f["framework"] == 8 else None) or by_key.get(fk)
            if row is None:
                v.loose_findings.append(f)
            else:
                row["findings"].append(f)
        for r in v.rows:
            r["findings"].sort(key=by_severity)
            live = [f for f in r["findings"] if not f["review"]]
            r["severities"] = sorted({f["severity"] for f in live if f["code"] not in MT_SIGNALS},
                                     key=lambda s: SEVERITY_ORDER.get(s, 9))
            r["codes"] = sorted({f["code"] for f in r["findings"]})
            r["defects"] = [f for f in r["findings"] if f["code"] not in MT_SIGNALS]
            r["signals"] = [f for f in r["findings"] if f["code"] in MT_SIGNALS]
        v.loose_findings.sort(key=by_severity)
        v.columns = _columns(v)
        _skills(v, threshold)
        v.lqa = lqa.score(v.findings, sum(_words(r) for r in v.rows), threshold, dismissed=lambda f: bool(f["review"]))
        views.append(v)
    return views


def _words(r: dict) -> int:
    return lqa.words(r["tgt_9"] if r["tgt_9"] is not None else r["tgt_8"])


def _columns(v: LangView) -> tuple:
    """The text columns worth showing for this language: one that is empty everywhere goes."""
    if v.source:
        return tuple(c for c in ("en_8", "en_9") if any(r[c] for r in v.rows)) or ("en_9",)
    cols = []
    for c in ("en_8", "en_9"):
        if any(r[c] for r in v.rows):
            cols.append(c)
    if any(r["tgt_8"] is not None or r["status_8"] == "missing" for r in v.rows):
        cols.append("tgt_8")
    if any(r["tgt_9"] is not None or r["status_9"] == "missing" or r["draft"] or r["has_candidates"] for r in v.rows):
        cols.append("tgt_9")
    return tuple(cols)


def _skills(v: LangView, threshold: float) -> None:
    groups: dict[str, list[dict]] = {}
    for r in v.rows:
        groups.setdefault(r["skill"], []).append(r)
    for skill in sorted(groups):
        rows = groups[skill]
        name_row = next((r for r in rows if r["element"] == "name"), None)
        name = (name_row["en_9"] or name_row["en_8"] or "") if name_row else ""
        sv = SkillView(skill, name, v.skill_page(skill), rows)
        sv.lqa = lqa.score(sv.findings, sum(_words(r) for r in rows), threshold,
                           dismissed=lambda f: bool(f["review"]))
        v.skills.append(sv)
    with_f = [s for s in v.skills if any(f["code"] not in MT_SIGNALS and not f["review"] for f in s.findings)]
    for s in v.skills:
        before = [x for x in with_f if x.skill < s.skill]
        after = [x for x in with_f if x.skill > s.skill]
        s.prev_page = before[-1].page if before else None
        s.next_page = after[0].page if after else None


def _review_state(v: LangView, log: list[dict], by_key: dict, by_key8: dict) -> None:
    """Mark findings a reviewer dismissed (false positive or accepted, from the review log) and
    list every logged decision of this language with whether it is resolved now."""
    from pipeline.keys import parse_key

    mine = [e for e in log if e.get("lang") == v.lang]
    if not mine:
        return
    ids = {f["id"]: f for f in v.findings}
    for e in mine:
        f = ids.get(e.get("finding") or "")
        if f is not None and e.get("decision") in ("false-positive", "accepted"):
            f["review"] = e["decision"]
        k = parse_key(str(e.get("key", "")), v.key_pattern)
        row = None
        if k is not None:
            look = by_key8 if k["framework"] == 8 else by_key
            row = look.get((k["skill"], k["element"], k["level"], k["item"]))
        if e.get("applied") == "corrected":
            text = (row or {}).get("tgt_8" if (k or {}).get("framework") == 8 else "tgt_9")
            done = text is not None and " ".join(text.split()) == " ".join(str(e.get("corrected") or "").split())
            state = "resolved" if done and f is None else "still reported" if f is not None else \
                "resolved" if done else "text differs"
        elif e.get("decision") in ("false-positive", "accepted"):
            state = "resolved" if f is None or f["review"] else "still reported"
        else:
            state = "resolved" if e.get("finding") and f is None else "open"
        entry = {"finding": e.get("finding"), "key": e.get("key"), "code": e.get("code"),
                 "decision": e.get("decision"), "applied": e.get("applied"), "reason": e.get("reason") or "",
                 "corrected": e.get("corrected"), "state": state, "row": row["id"] if row else None,
                 "page": v.skill_page(row["skill"]) if row else None}
        v.resolved.append(entry)
        if row is not None:
            row["resolved"].append(entry)
