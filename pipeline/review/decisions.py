"""The decisions model: finding ids, and reading a decisions file or a filled-in review.xlsx.

A decisions file is hostile input (it comes from a browser or a spreadsheet someone edited):
every field is type-checked and bounded, and any problem is one :class:`InputError` line
naming the file and the entry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.errors import InputError

FORMAT = "sfia-qa-review-decisions"
VERSION = 1
DECISIONS = ("fix", "false-positive", "accepted")
# what a reviewer may type in the review.xlsx "decision" column -> the decision
_ALIASES = {"fix": "fix", "fixed": "fix", "false positive": "false-positive", "false-positive": "false-positive",
            "fp": "false-positive", "accepted": "accepted", "accept": "accepted", "accepted as is": "accepted",
            "ok": "accepted"}
MAX_TEXT = 20_000
MAX_DECISIONS = 200_000
MAX_BYTES = 64 * 1024 * 1024


# The review workbook (review.xlsx, written by pipeline/report/xlsx.py): one row per finding, worst
# first; the first seven columns (severity, code and the segment key, with the Phrase key) stay
# frozen while scrolling; every column has a filter. Read back by load_decisions.
HEADERS = ["severity", "code", "skill", "element", "level", "item", "Phrase key", "check", "message",
           "English", "translation", "decision", "comment / reason", "corrected translation", "language",
           "SFIA", "lane", "origin", "finding id", "text is"]
COL = {"severity": "severity", "code": "code", "key": "Phrase key", "message": "message", "english": "English",
       "translation": "translation", "decision": "decision", "comment": "comment / reason",
       "corrected": "corrected translation", "lang": "language", "framework": "SFIA", "origin": "origin",
       "finding": "finding id"}
DECISION_CHOICES = ("fix", "false positive", "accepted")


def finding_id(f: dict) -> str:
    """A finding's stable id: the same finding in two runs has the same id (12 hex digits)."""
    parts = [f.get("code"), f.get("lang"), f.get("framework"), f.get("skill"), f.get("element"),
             f.get("level"), f.get("item"), f.get("message")]
    raw = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12]


def report_id(langs, key_pattern: str = "", project: str = "") -> str:
    """The report's id: stable across runs of the same project (decisions in the browser survive
    a re-run), different between projects. No path, no date."""
    raw = "\x1f".join(["sfia-qa", project, key_pattern, *sorted(langs)])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Decision:
    finding: str | None
    lang: str
    framework: int
    key: str
    code: str | None
    decision: str
    reason: str = ""
    comment: str = ""
    original: str | None = None
    corrected: str | None = None
    origin: str | None = None

    def to_json(self) -> dict:
        return asdict(self)

    @property
    def fingerprint(self) -> str:
        """What makes two decisions the same (to tell applied ones from new ones)."""
        raw = "\x1f".join(str(x) for x in (self.finding, self.lang, self.key, self.code, self.decision,
                                            self.reason, self.corrected, self.original, self.origin))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def _text(v, where: str, name: str, required: bool = False) -> str | None:
    if v is None or v == "":
        if required:
            raise InputError(where, f"{name} is required")
        return None if v is None else ""
    if not isinstance(v, str):
        raise InputError(where, f"{name} must be text")
    if len(v) > MAX_TEXT:
        raise InputError(where, f"{name} is longer than {MAX_TEXT} characters")
    if "\x00" in v:
        raise InputError(where, f"{name} holds a NUL character")
    return v


def parse_decision(obj, where: str) -> Decision:
    if not isinstance(obj, dict):
        raise InputError(where, "each decision must be an object")
    decision = obj.get("decision")
    if isinstance(decision, str):
        decision = _ALIASES.get(decision.strip().lower(), decision)
    if decision not in DECISIONS:
        raise InputError(where, f"decision must be one of {', '.join(DECISIONS)}, not {str(decision)[:40]!r}")
    fw = obj.get("framework", 9)
    if isinstance(fw, str) and fw.isdigit():
        fw = int(fw)
    if fw not in (8, 9):
        raise InputError(where, "framework must be 8 or 9")
    key = (_text(obj.get("key"), where, "key", required=True) or "").strip()
    if len(key) > 200 or not key.isprintable() or any(ch in key for ch in "*?[]"):
        raise InputError(where, f"key {key[:60]!r} is not a segment key such as sfia9.CSMG.activity.3")
    lang = (_text(obj.get("lang"), where, "lang", required=True) or "").strip()
    if not lang.replace("-", "").replace("_", "").isalnum() or len(lang) > 35:
        raise InputError(where, f"lang {lang[:40]!r} is not a language tag")
    fid = _text(obj.get("finding"), where, "finding")
    if fid and (len(fid) > 64 or not fid.isalnum()):
        raise InputError(where, "finding must be a finding id")
    code = _text(obj.get("code"), where, "code")
    if code and (len(code) > 20 or not code.replace("-", "").isalnum()):
        raise InputError(where, f"code {code[:30]!r} is not a check code")
    reason = (_text(obj.get("reason"), where, "reason") or "").strip()
    d = Decision(finding=fid or None, lang=lang, framework=int(fw), key=key, code=code or None,
                 decision=decision, reason=" ".join(reason.split()),
                 comment=(_text(obj.get("comment"), where, "comment") or "").strip(),
                 original=_text(obj.get("original"), where, "original"),
                 corrected=_text(obj.get("corrected"), where, "corrected"),
                 origin=_text(obj.get("origin"), where, "origin"))
    if d.decision == "false-positive" and not d.reason:
        raise InputError(where, "a false positive needs a reason")
    if d.decision == "false-positive" and not d.code:
        raise InputError(where, "a false positive must name the check code")
    if d.corrected is not None and not d.corrected.strip():
        d = Decision(**{**asdict(d), "corrected": None})
    return d


def load_decisions(path: str | Path) -> list[Decision]:
    """Decisions from ``review-decisions.json`` or a filled-in ``review.xlsx``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    if path.stat().st_size > MAX_BYTES:
        raise InputError(path, f"larger than {MAX_BYTES // (1024 * 1024)} MiB: not a decisions file")
    if path.suffix.lower() == ".xlsx":
        return from_workbook(path)
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise InputError(path, f"invalid JSON at line {e.lineno}: {e.msg}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(path, f"not a decisions file (\"format\" must be {FORMAT!r})")
    if data.get("version") != VERSION:
        raise InputError(path, f"decisions file version {data.get('version')!r} is not supported (expected {VERSION})")
    items = data.get("decisions")
    if not isinstance(items, list):
        raise InputError(path, "\"decisions\" must be a list")
    if len(items) > MAX_DECISIONS:
        raise InputError(path, f"more than {MAX_DECISIONS} decisions")
    return dedupe([parse_decision(o, f"{path} decision {i + 1}") for i, o in enumerate(items)])


def dedupe(ds: list[Decision]) -> list[Decision]:
    """Identical decisions once, in a stable order (language, key, code)."""
    seen, out = set(), []
    for d in ds:
        if d.fingerprint not in seen:
            seen.add(d.fingerprint)
            out.append(d)
    return sorted(out, key=lambda d: (d.lang, d.key, d.code or "", d.decision, d.finding or ""))


def from_workbook(path: Path) -> list[Decision]:
    """The rows of a review.xlsx (one row per finding) that carry a decision or a correction."""

    try:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=False)  # a formula as a formula, not its last value
    except Exception as e:  # noqa: BLE001 - a damaged workbook is bad input, whatever openpyxl raises
        raise InputError(path, f"cannot read the workbook: {type(e).__name__}") from None
    out = []
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows()
            head = next(rows, None)
            if not head or [str(h.value or "") for h in head[: len(HEADERS)]] != HEADERS:
                continue  # not a review sheet (a reviewer's own notes)
            for n, cells in enumerate(rows, start=2):
                formula = next((h for h, c in zip(HEADERS, cells, strict=False)  # a short row: its cells
                                if getattr(c, "data_type", None) == "f"), None)
                if formula is not None:
                    raise InputError(f"{path}:{ws.title}!row {n}", f"the {formula!r} cell holds a formula: the "
                                     "spreadsheet made one of text that starts with =, +, - or @; type an "
                                     "apostrophe (') before the text and save again")
                row = [c.value for c in cells] + [None] * (len(HEADERS) - len(cells))
                cell = {h: row[i] for i, h in enumerate(HEADERS)}
                decision = cell[COL["decision"]]
                corrected = cell[COL["corrected"]]
                if decision in (None, "") and corrected in (None, ""):
                    continue
                where = f"{path}:{ws.title}!row {n}"
                obj = {"finding": cell[COL["finding"]], "lang": cell[COL["lang"]],
                       "framework": cell[COL["framework"]], "key": cell[COL["key"]], "code": cell[COL["code"]],
                       "decision": decision if decision not in (None, "") else "fix",
                       "reason": _str(cell[COL["comment"]]) if decision and "false" in str(decision).lower() else "",
                       "comment": _str(cell[COL["comment"]]), "original": _str(cell[COL["translation"]]),
                       "corrected": _str(corrected), "origin": _str(cell[COL["origin"]])}
                out.append(parse_decision(obj, where))
    finally:
        wb.close()
    return dedupe(out)


def _str(v) -> str | None:
    return None if v is None else str(v)


def to_json(decisions: list[Decision], report: str = "") -> str:
    return json.dumps({"format": FORMAT, "version": VERSION, "report": report,
                       "decisions": [d.to_json() for d in decisions]}, ensure_ascii=False, indent=1) + "\n"
