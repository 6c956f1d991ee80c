"""QA106-QA111: the ``(modified)``/``(unchanged)`` markers and the drift held against what a
Phrase TMS job says about each segment (MXLIFF provenance: TM match score, TM / MT / human
origin, the MT engine, confirmed and locked state, the engine's own suggestion).

Page markers say what the translator claims; the job says what happened. These rules run on
SFIA 9 units whose translation came with provenance (an MXLIFF job, alone or merged with the
published page of the same skill: then the page is the text checked and ``tms_text`` is the
job's).
"""

from __future__ import annotations

from pipeline.checks.registry import register
from pipeline.checks.units import Hit, Unit
from pipeline.text.normalize import ws

G = "markers"
CHANGED = {"modified", "added"}


def _prov(u: Unit) -> dict | None:
    return u.provenance if u.framework == 9 and u.target is not None and u.provenance else None


def _job_text(u: Unit, p: dict) -> str:
    return p.get("tms_text") or u.target or ""


def _origin(p: dict) -> str:
    if p.get("trans_origin") == "tm":
        score = p.get("tm_score")
        return f"a {score:g}% TM match" + (f" ({p['origin_detail']})" if p.get("origin_detail") else "") \
            if score is not None else "a TM match"
    if p.get("trans_origin") == "mt":
        return f"machine translation ({p.get('origin_detail') or 'engine not named'})"
    if p.get("trans_origin") == "human":
        return "a translator's own text"
    return "no recorded origin"


def _unedited(u: Unit, p: dict) -> bool:
    return p.get("suggestion") is not None and ws(p["suggestion"]) == ws(_job_text(u, p))


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _job(p: dict) -> str:
    return f"TMS job {p['job']}" if p.get("job") else "the TMS job"


@register("QA106", "unchanged-not-from-tm", "warning",
          "Marked (unchanged), but the TMS job says the text is not an unedited 100% match of the SFIA 8 translation.",
          rationale="(unchanged) tells reviewers to skip a segment because it is the SFIA 8 translation reused. "
                    "When the job says the text came from MT, a person or a fuzzy match, or that the 100% match was "
                    "edited afterwards, the segment was re-translated and nobody is told to review it.\n\n"
                    "Bad: a description marked (unchanged) whose job origin is 'mt (Lumen MT)'. Good: a 100% or "
                    "101% TM match, unedited.", group=G)
def unchanged_not_from_tm(u, env, opts):
    p = _prov(u)
    if p is None or u.marker != "unchanged":
        return
    full = p.get("trans_origin") == "tm" and (p.get("tm_score") or 0) >= 100
    if not full:
        yield Hit(u, f"{_cap(u.label)} is marked (unchanged), but {_job(p)} says its text is {_origin(p)}, not the "
                     "SFIA 8 translation reused: review it as new text or restore the SFIA 8 translation.")
    elif p.get("suggestion") is not None and not _unedited(u, p):
        yield Hit(u, f"{_cap(u.label)} is marked (unchanged) and came from {_origin(p)}, but was edited after the match: "
                     "review the edit, or mark the section (modified).")


@register("QA107", "stale-tm-reuse", "error",
          "The English changed between SFIA 8 and SFIA 9, but the job reused the SFIA 8 translation as an unedited "
          "100% TM match.",
          rationale="A 100% match means the English the memory knows matched when the job was pre-translated; "
                    "if the SFIA 9 English changed in meaning, the reused SFIA 8 text translates the old sentence.",
          group=G)
def stale_tm_reuse(u, env, opts):
    p = _prov(u)
    if p is None or u.drift not in CHANGED or p.get("trans_origin") != "tm" or (p.get("tm_score") or 0) < 100:
        return
    same = _unedited(u, p) if p.get("suggestion") is not None else (
        u.previous is not None and ws(u.previous) == ws(_job_text(u, p)))
    if same:
        yield Hit(u, f"The English of {u.label} was {u.drift} between SFIA 8 and SFIA 9, but {_job(p)} kept "
                     f"{_origin(p)} without an edit: translate the new English.")


@register("QA108", "unreviewed-mt", "info",
          "Machine translation confirmed with zero edits on a segment whose English changed.",
          rationale="Confirming an MT draft without touching it is sometimes right, but a reviewer should know "
                    "which segments nobody edited. Raise the severity (`[checks.QA108] severity = 'warning'`) "
                    "when a team's process requires post-editing every MT segment.", group=G)
def unreviewed_mt(u, env, opts):
    p = _prov(u)
    if p is None or u.drift not in CHANGED or p.get("trans_origin") != "mt" or not p.get("confirmed"):
        return
    if _unedited(u, p):
        yield Hit(u, f"{_cap(u.label)} is {_origin(p)}, confirmed in {_job(p)} without a single edit.")


@register("QA109", "locked-but-changed", "warning",
          "A segment locked in the TMS job although its English changed between SFIA 8 and SFIA 9.",
          rationale="A locked segment cannot be edited by the linguist; locking is for text known to be final, "
                    "which a segment whose English changed is not.", group=G)
def locked_but_changed(u, env, opts):
    p = _prov(u)
    if p is not None and p.get("locked") and u.drift in CHANGED:
        yield Hit(u, f"{_cap(u.label)} is locked in {_job(p)} ({_origin(p)}) although its English was {u.drift} "
                     "between SFIA 8 and SFIA 9: unlock it so the new English can be translated.")


@register("QA110", "unconfirmed-in-tms", "warning",
          "A segment the TMS job has not confirmed.",
          rationale="An unconfirmed segment is a draft: nobody has signed it off, whatever the page shows.", group=G)
def unconfirmed(u, env, opts):
    p = _prov(u)
    if p is not None and p.get("confirmed") is False:
        yield Hit(u, f"{_cap(u.label)} is not confirmed in {_job(p)} ({_origin(p)}): it is still a draft.")


@register("QA111", "page-differs-from-tms", "warning",
          "The published page's text differs from the TMS job's text for the same segment.",
          rationale="When the page and the job disagree, one of them was edited outside the other; the next "
                    "export from the job would silently undo the page's edit, or the page shows text nobody "
                    "confirmed in the job.", group=G)
def page_differs(u, env, opts):
    p = _prov(u)
    if p is not None and p.get("tms_text") and ws(p["tms_text"]) != ws(u.target):
        yield Hit(u, f"The page text of {u.label} differs from {_job(p)}'s text; keep one of them.",
                  [{"field": "target", "start": 0, "end": len(u.target), "text": u.target}])
