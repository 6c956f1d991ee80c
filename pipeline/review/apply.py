"""``sfia-qa review apply``: reviewer decisions back into the project.

* A **false positive** becomes a ``[[suppress]]`` entry of ``qa-suppressions.toml`` (check code,
  segment key, language, the reviewer's reason). An entry for the same check, key and language,
  or an existing pattern entry that already covers it, is not added again. The file is edited
  with tomlkit, so its comments, order and formatting stay as they were. Findings the
  suppressions file is not for (QA0xx, about the suppressions file itself) are recorded in the
  review log, which the report honours.
* A **correction** replaces the reviewed text in the file it was read from: a skill-page text
  export (the line), a CSV sheet (the cell: only that record is re-written), a JSONL segment
  file or Phrase pull (the ``text`` of that line). The text in the file must still be the
  text the reviewer saw; a file format that cannot take the change (a workbook, XLIFF/TMX, a
  line break inside a page line) or a file outside the project is reported, never dropped
  silently and never written.
* **accepted** (and a fix without a correction) is recorded in the review log.

Every write is atomic; nothing is written with ``--dry-run``. What was done is printed, one
line per decision, and appended to the review log so a decision is applied once.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.ioutil import write_text
from pipeline.review import ledger
from pipeline.review.decisions import Decision

# QA0xx are about the check machinery (a stale suppression): not findings a suppression holds
_NOT_SUPPRESSIBLE_PREFIXES = ("QA0",)
DEFAULT_SUPPRESSIONS = "qa-suppressions.toml"   # as [checks] suppressions defaults
_HEADER = ("# Findings the team has reviewed and decided to keep as they are. Every entry needs a reason.\n"
           "# `sfia-qa review apply` adds the reviewers' false positives here.\n")


@dataclass
class Outcome:
    decision: Decision
    action: str            # suppressed | corrected | recorded | skipped | refused
    detail: str
    file: str | None = None

    @property
    def ok(self) -> bool:
        return self.action != "refused"

    def line(self) -> str:
        d = self.decision
        what = f"{d.code or 'edit'} {d.key} ({d.lang})"
        return f"{self.action}: {what}: {self.detail}"


@dataclass
class Plan:
    outcomes: list[Outcome] = field(default_factory=list)
    files: dict[Path, str] = field(default_factory=dict)   # path -> new text


def _norm(s: str | None) -> str:
    """For finding a text: NFC, white space of any kind collapsed to one space."""
    return unicodedata.normalize("NFC", " ".join((s or "").split()))


def _exact(s: str | None) -> str:
    """For writing and comparing a correction: NFC and trimmed, every inner character kept
    (a no-break space a reviewer typed is the correction)."""
    return unicodedata.normalize("NFC", (s or "").strip())


def _inside(root: Path, rel: str) -> Path | None:
    p = Path(rel)
    full = (p if p.is_absolute() else root / p).resolve()
    try:
        full.relative_to(root.resolve())
    except ValueError:
        return None
    return full


def _read(path: Path, plan: Plan) -> str:
    if path in plan.files:
        return plan.files[path]
    return path.read_bytes().decode("utf-8")


# --- suppressions -------------------------------------------------------------------------------

def _suppressions(plan: Plan, path: Path, fps: list[Decision], root: Path) -> None:
    import tomlkit

    text = _read(path, plan) if path.is_file() else _HEADER
    try:
        doc = tomlkit.parse(text)
    except Exception as e:  # noqa: BLE001 - tomlkit's parse errors have several types
        raise ConfigError(path, f"invalid TOML: {e}") from None
    entries = doc.get("suppress")
    existing = [dict(e) for e in entries] if entries is not None else []
    added = 0
    rel = path.relative_to(root.resolve()).as_posix() if path.is_relative_to(root.resolve()) else str(path)
    for d in fps:
        names = {d.code, _check_name(d.code or "")}
        cover = next((e for e in existing if str(e.get("check")) in names
                      and (not e.get("lang") or str(e.get("lang")) == d.lang)
                      and fnmatch.fnmatchcase(d.key, str(e.get("key", "")))), None)
        if cover is not None:
            plan.outcomes.append(Outcome(d, "skipped", f"already suppressed in {rel} (key {cover.get('key')})", rel))
            continue
        t = tomlkit.table()
        t.add("check", d.code)
        t.add("key", d.key)
        t.add("lang", d.lang)
        t.add("reason", d.reason)
        if entries is None:
            entries = tomlkit.aot()
            doc.append("suppress", entries)
        entries.append(t)
        existing.append({"check": d.code, "key": d.key, "lang": d.lang})
        added += 1
        plan.outcomes.append(Outcome(d, "suppressed", f"added to {rel}", rel))
    if added:
        plan.files[path] = tomlkit.dumps(doc)


def _check_name(code: str) -> str:
    try:
        from pipeline.report.model import check_meta

        return check_meta(code)["name"] or code
    except Exception:  # noqa: BLE001 - the name only widens the duplicate test
        return code


# --- corrections --------------------------------------------------------------------------------

def translation_files(cfg) -> dict[Path, str | None]:
    """The files a correction may change: the project's translation files (``[translations]
    paths``, MT candidate files excepted), each with the language its path names (or None)."""
    from pipeline.ingest import infer_context, iter_files

    out: dict[Path, str | None] = {}
    for f in iter_files(cfg.paths("translations", "paths")):
        if "candidates" in f.parts:
            continue
        out[f.resolve()] = infer_context(f.resolve())[0]
    return out


def _correct(plan: Plan, d: Decision, root: Path, files: dict[Path, str | None]) -> None:
    from pipeline.langdata import normalize_tag
    from pipeline.report.changed import split_origin

    rel, line = split_origin(d.origin)
    if not rel:
        plan.outcomes.append(Outcome(d, "refused", "no file holds this text (a draft or a missing translation): "
                                                   "put the corrected text into the translation file by hand"))
        return
    path = _inside(root, rel)
    if path is None:
        plan.outcomes.append(Outcome(d, "refused", f"{rel} is outside the project: not written"))
        return
    if not path.is_file():
        plan.outcomes.append(Outcome(d, "refused", f"{rel} does not exist any more", rel))
        return
    if path not in files:
        plan.outcomes.append(Outcome(d, "refused", f"{rel} is not one of the project's translation files "
                                                   "([translations] paths): not written"))
        return
    if files[path] is not None and files[path] != normalize_tag(d.lang):
        plan.outcomes.append(Outcome(d, "refused", f"{rel} holds the {files[path]} translation, not "
                                                   f"{d.lang}: not written"))
        return
    if "\n" in (d.corrected or "").strip() or "\r" in (d.corrected or "").strip():
        if path.suffix.lower() in (".txt", ".md"):
            plan.outcomes.append(Outcome(d, "refused", f"{rel}: a page line cannot take a line break; "
                                                       "correct it by hand", rel))
            return
    suffix = path.suffix.lower()
    try:
        text = _read(path, plan)
    except UnicodeDecodeError:
        plan.outcomes.append(Outcome(d, "refused", f"{rel} is not UTF-8 text", rel))
        return
    if suffix in (".txt", ".md"):
        new, why = _page(text, line, d, path)
    elif suffix in (".csv", ".tsv"):
        new, why = _csv(text, line, d, "\t" if suffix == ".tsv" else None)
    elif suffix == ".jsonl":
        new, why = _jsonl(text, line, d)
    else:
        new, why = None, f"a {suffix or 'extensionless'} file cannot be corrected by sfia-qa; change it in its tool"
    if new is None:
        plan.outcomes.append(Outcome(d, "refused", f"{rel}{':' + str(line) if line else ''}: {why}", rel))
        return
    plan.files[path] = new
    note = " (a Phrase pull: send it with phrase push, or the next pull overwrites it)" if "/phrase/" in rel else ""
    plan.outcomes.append(Outcome(d, "corrected", f"{rel}{':' + str(line) if line else ''}{note}", rel))


def _split_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _segment_at(text: str, path: Path, line: int) -> str | None:
    """The text of the segment a skill page (as it is now, with this plan's earlier corrections)
    has on ``line``, read as the run reads it; None when the page cannot be read or has none."""
    from pipeline import langdata
    from pipeline.errors import UserError
    from pipeline.ingest import infer_context
    from pipeline.ingest import page as page_reader

    lang, framework = infer_context(path.resolve())
    if not lang or not framework:
        return None
    try:
        records = page_reader.parse_page(text, str(path), langdata.load(lang), framework, lang)
    except UserError:
        return None
    hits = [r["text"] for r in records if r.get("line") == line]
    return hits[0] if len(hits) == 1 else None


def _page(text: str, line: int | None, d: Decision, path: Path):
    lines = _split_lines(text)
    if not line or not 1 <= line <= len(lines):
        return None, "the line no longer exists"
    # the whole segment there must be what the reviewer saw: a line edited since, or a decision
    # naming a part of it, would otherwise have that part replaced inside text nobody reviewed
    if _norm(_segment_at(text, path, line)) != _norm(d.original):
        return None, "the text there is no longer the text the reviewer saw"
    raw = lines[line - 1]
    body = raw.rstrip("\r\n")
    end = raw[len(body):]
    orig = _norm(d.original)
    # the text in the line, its white space matched loosely; what precedes it (a bullet "- ", a
    # marker) and follows it stays byte for byte
    nbody = unicodedata.normalize("NFC", body)
    m = re.search(r"\s+".join(re.escape(w) for w in orig.split(" ")), nbody) if orig else None
    if m is None:
        return None, "the text there is no longer the text the reviewer saw"
    lines[line - 1] = nbody[:m.start()] + _exact(d.corrected) + nbody[m.end():] + end
    return "".join(lines), None


def _csv(text: str, line: int | None, d: Decision, delimiter: str | None):
    if not line:
        return None, "the cell's line is unknown"
    sample = text[:4096]
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    phys = _split_lines(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for row in reader:
        stop = reader.line_num
        if start <= line <= stop:
            orig = _norm(d.original)
            hits = [i for i, c in enumerate(row) if _norm(c) == orig]
            if len(hits) != 1:
                return None, ("the cell no longer holds the text the reviewer saw" if not hits
                              else "the text appears in more than one cell of the row")
            row[hits[0]] = _exact(d.corrected)
            out = io.StringIO()
            end = "\r\n" if phys[stop - 1].endswith("\r\n") else "\n"
            csv.writer(out, delimiter=delimiter, lineterminator=end).writerow(row)
            new = out.getvalue()
            if not phys[stop - 1].endswith(("\n", "\r")):
                new = new[: -len(end)]
            return "".join(phys[: start - 1]) + new + "".join(phys[stop:]), None
        start = stop + 1
    return None, "the line no longer exists"


def _jsonl(text: str, line: int | None, d: Decision):
    lines = _split_lines(text)
    if not line or not 1 <= line <= len(lines):
        return None, "the line no longer exists"
    raw = lines[line - 1]
    body = raw.rstrip("\r\n")
    try:
        obj = json.loads(body)
    except json.JSONDecodeError:
        return None, "the line is not JSON"
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or _norm(obj["text"]) != _norm(d.original):
        return None, "the text there is no longer the text the reviewer saw"
    obj["text"] = _exact(d.corrected)
    lines[line - 1] = json.dumps(obj, ensure_ascii=False) + raw[len(body):]
    return "".join(lines), None


# --- the command ----------------------------------------------------------------------------------

def plan(decisions: list[Decision], root: Path, suppressions: Path, log: list[dict],
         files: dict[Path, str | None]) -> Plan:
    """What applying ``decisions`` would do; corrections change only ``files``
    (:func:`translation_files`)."""
    done = ledger.fingerprints(log)
    p = Plan()
    fps = []
    for d in decisions:
        if d.fingerprint in done:
            p.outcomes.append(Outcome(d, "skipped", "applied before (in the review log)"))
            continue
        if d.decision == "false-positive":
            if (d.code or "").startswith(_NOT_SUPPRESSIBLE_PREFIXES):
                p.outcomes.append(Outcome(d, "recorded", "false positive kept in the review log (QA0xx findings "
                                                         "are about the suppressions file itself)"))
            else:
                fps.append(d)
            continue
        if d.corrected is not None:
            if _exact(d.corrected) == _exact(d.original):
                p.outcomes.append(Outcome(d, "recorded", f"{d.decision}: the corrected text equals the original"))
            else:
                _correct(p, d, root, files)
            continue
        p.outcomes.append(Outcome(d, "recorded", f"{d.decision} (recorded in the review log)"))
    if fps:
        _suppressions(p, suppressions, fps, root)
    return p


def apply(decisions: list[Decision], cfg, dry_run: bool = False, out=print) -> int:
    """Apply ``decisions`` to the project of ``cfg``; 0 when all were applied or recorded, 1 when
    some could not be (each is printed with the reason)."""
    root = Path(cfg.root)
    settings = ledger.settings(root, cfg.section("review"))
    sup = cfg.resolve(cfg.section("checks").get("suppressions", DEFAULT_SUPPRESSIONS))
    if _inside(root, str(sup)) is None:
        raise ConfigError(sup, "the suppressions file is outside the project: not written")
    log_path = settings["log"]
    entries = ledger.read(log_path)
    p = plan(decisions, root, Path(sup).resolve(), entries, translation_files(cfg))
    new_log = []
    for o in p.outcomes:
        out(("would be " if dry_run and o.action in ("suppressed", "corrected", "recorded") else "") + o.line())
        if o.action in ("suppressed", "corrected", "recorded"):
            new_log.append({**o.decision.to_json(), "fingerprint": o.decision.fingerprint, "applied": o.action,
                            "file": o.file})
    changed = sorted(p.files)
    if not dry_run:
        for path in changed:
            write_text(path, p.files[path])
        if new_log:
            old = log_path.read_text(encoding="utf-8") if log_path.is_file() else ""
            if old and not old.endswith("\n"):
                old += "\n"
            write_text(log_path, old + "".join(ledger.line(e) for e in new_log))
    counts = {a: sum(1 for o in p.outcomes if o.action == a)
              for a in ("suppressed", "corrected", "recorded", "skipped", "refused")}
    verb = "would change" if dry_run else "changed"
    files = ", ".join(_rel(root, f) for f in changed) or "no file"
    out(f"sfia-qa: review apply: {counts['suppressed']} suppressed, {counts['corrected']} corrected, "
        f"{counts['recorded']} recorded, {counts['skipped']} skipped, {counts['refused']} not applied; "
        f"{verb} {files}" + ("" if dry_run or not new_log else f"; logged in {_rel(root, log_path)}"))
    return 1 if counts["refused"] else 0


def _rel(root: Path, p: Path) -> str:
    try:
        return Path(p).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(p)
