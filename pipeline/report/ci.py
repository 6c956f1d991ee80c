"""Outputs for machines: JUnit XML, a Markdown summary and GitHub annotations."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from pipeline import schema
from pipeline.checks.registry import REGISTRY
from pipeline.report.model import MT_SIGNALS, SEVERITY_ORDER, LangView, key_label


def at_or_above(severity: str, fail_on: str) -> bool:
    return fail_on != "never" and schema.SEVERITY_RANK[severity] >= schema.SEVERITY_RANK[fail_on]


def gate(findings, fail_on: str) -> int:
    """The exit code a set of findings (schema.FINDING) gives: 1 when one is at or above ``fail_on``."""
    if fail_on == "never" or findings.empty:
        return 0
    return 1 if any(at_or_above(s, fail_on) for s in findings["severity"]) else 0


def where(f: dict) -> str:
    if not f["skill"]:
        return f["lang"]
    label = key_label(f["element"], f["level"], f["item"]) if f["element"] else ""
    fw = f"SFIA {f['framework']} " if f["framework"] else ""
    return f"{fw}{f['skill']} {label}".strip()


def _checks_for(lang: str, findings: list[dict]) -> list[tuple[str, str, str]]:
    """(code, name, severity) of every check that applies to `lang`, plus any that reported."""
    seen = {c.code: (c.code, c.name, c.severity) for c in REGISTRY.values() if c.applies_to(lang)}
    for f in findings:
        seen.setdefault(f["code"], (f["code"], f["check"], f["severity"]))
    return [seen[k] for k in sorted(seen)]


def junit_xml(views: list[LangView], fail_on: str, gates) -> str:
    """One <testsuite> per language, one <testcase> per check; a <failure> when the check has
    findings at or above `fail_on` that gate (all of them without --changed-since)."""
    root = ET.Element("testsuites", name="sfia-qa")
    total = {"tests": 0, "failures": 0}
    for v in views:
        suite = ET.SubElement(root, "testsuite", name=f"sfia-qa.{v.lang}")
        n_tests = n_fail = 0
        for code, name, _sev in _checks_for(v.lang, v.findings):
            mine = [f for f in v.findings if f["code"] == code]
            failing = [f for f in mine if at_or_above(f["severity"], fail_on) and gates(f)]
            case = ET.SubElement(suite, "testcase", name=f"{code} {name}", classname=f"sfia-qa.{v.lang}.{code}")
            n_tests += 1
            if failing:
                n_fail += 1
                worst = min((f["severity"] for f in failing), key=lambda s: SEVERITY_ORDER.get(s, 9))
                fail = ET.SubElement(case, "failure", type=worst,
                                     message=f"{len(failing)} finding(s) at or above {fail_on}")
                fail.text = "\n".join(f"{f['origin'] or where(f)}: {f['severity']}: {f['message']}"
                                      for f in failing) + "\n"
            rest = [f for f in mine if f not in failing]
            if rest:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(f"{f['origin'] or where(f)}: {f['severity']}: {f['message']}"
                                     for f in rest) + "\n"
        suite.set("tests", str(n_tests))
        suite.set("failures", str(n_fail))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total["tests"] += n_tests
        total["failures"] += n_fail
    root.set("tests", str(total["tests"]))
    root.set("failures", str(total["failures"]))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~:@-])")


def _md(text) -> str:
    """Data as literal Markdown text in a table cell: no pipes, newlines or HTML, and no link,
    image, autolink, @mention or emphasis built from the data (every Markdown punctuation sign
    is backslash-escaped; ``https://`` becomes ``https\\://``, which GitHub does not link)."""
    s = " ".join(str(text).split())
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("<", "&lt;").replace(">", "&gt;")


def _code(text, in_table: bool = False) -> str:
    """Data as a Markdown code span: shown literally (nothing inside is a link or markup). The
    fence is longer than any run of backticks in the data; in a table cell a pipe is escaped,
    which GitHub's table parser removes again."""
    s = " ".join(str(text).split())
    if in_table:
        s = s.replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def summary_md(views: list[LangView], fail_on: str, gates, changed_since: str | None,
               top: int = 15, limit: int = 60000) -> str:
    allf = [f for v in views for f in v.findings]
    gating = [f for f in allf if at_or_above(f["severity"], fail_on) and gates(f)]
    verdict = "fails" if gating else "passes"
    lines = ["## SFIA translation QA", ""]
    scope = f" in segments changed since {_code(changed_since)}" if changed_since else ""
    if fail_on == "never":
        lines.append(f"**The gate is off** (`--fail-on never`): {len(allf)} finding(s) in all.")
    else:
        lines.append(f"**The gate {verdict}**: {len(gating)} finding(s) at or above `{fail_on}`{scope}; "
                     f"{len(allf)} finding(s) in all.")
    lines += language_table(views)
    defects = [f for f in allf if f["code"] not in MT_SIGNALS]
    if defects:
        ranked = sorted(defects, key=lambda f: (SEVERITY_ORDER[f["severity"]], 0 if f in gating else 1))
        lines += ["", f"### Top findings ({min(top, len(ranked))} of {len(ranked)}, worst first; "
                      "MT-candidate signals not included)", "",
                  "| severity | code | language | where | message |", "| --- | --- | --- | --- | --- |"]
        for f in ranked[:top]:
            lines.append(f"| {f['severity']} | {f['code']} {_md(f['check'])} | {_md(f['lang'])} | "
                         f"{_code(f['origin'] or where(f), True)} | {_md(f['message'])} |")
    for v in views:
        lines += provenance_md(v)
    for v in views:
        systems = (v.scores or {}).get("systems") or []
        if not systems:
            continue
        lines += ["", f"### MT providers, {_md(v.english_name)}", "",
                  "| provider | BLEU | chrF | TER | best picks |", "| --- | ---: | ---: | ---: | ---: |"]
        from pipeline.report.html import ci, fmt
        for s in leaderboard(systems):
            lines.append(f"| {_md(s['name'])} | {fmt(s.get('bleu'))} {ci(s.get('bleu_ci'))} | "
                         f"{fmt(s.get('chrf'))} {ci(s.get('chrf_ci'))} | {fmt(s.get('ter'))} | "
                         f"{s.get('best_picks') if s.get('best_picks') is not None else '—'} |")
        sigs = (v.scores or {}).get("signatures") or {}
        for k in sorted(sigs):
            lines.append(f"\n{_code(k)}: {_code(sigs[k])}")
    lines += ["", "Full report: `reports/index.html` (artifact); machine-readable: `findings.jsonl`, "
                  "`findings.csv`, `junit.xml`, `review.xlsx`.", ""]
    text = "\n".join(lines)
    if len(text) > limit:  # a pull-request comment holds 65536 characters
        text = text[:limit].rsplit("\n", 1)[0] + "\n\n*(summary cut; see the full report)*\n"
    return text


def language_table(views: list[LangView]) -> list[str]:
    """Per language: segments split by the drift of their English (the columns add up to the
    segments), translation findings by severity, MT-candidate signals apart, and the quality score."""
    others = any(v.segment_counts()["rows"] - sum(v.drift_counts().values()) for v in views)
    head = ["language", "segments", *schema.DRIFT_STATUSES, *(["no drift"] if others else []),
            "error", "warning", "info", "MT signals", "quality (LQA)"]
    out = ["", "| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for v in views:
        sc, dc, seg = v.severity_counts(), v.drift_counts(), v.segment_counts()
        rest = [str(seg["rows"] - sum(dc.values()))] if others else []
        q = v.lqa or {}
        lqa = "—" if v.source or q.get("score") is None else \
            f"{q['score']:.1f} {'pass' if q['passed'] else 'fail'} (≥ {q['threshold']:g})"
        out.append(f"| {_md(v.english_name)} ({_code(v.lang, True)}) | {seg['rows']} | "
                   + " | ".join(str(dc[s]) for s in schema.DRIFT_STATUSES) + (" | " + rest[0] if rest else "")
                   + f" | {sc['error']} | {sc['warning']} | {sc['info']} | {v.mt_signal_count()} | {lqa} |")
    out += ["", "Segments = " + " + ".join(schema.DRIFT_STATUSES) + (" + no drift" if others else "")
            + " (drift of the English, SFIA 8 → 9). The quality score counts translation findings by MQM "
              "weight per word (`pipeline/data/lqa.toml`); false positives and accepted findings do not count."]
    return out


def provenance_md(v: LangView) -> list[str]:
    """Where a language's SFIA 9 segments came from, as its Phrase TMS job says (nothing without one)."""
    badges = [str(r["provenance"]) for r in v.rows if r.get("provenance")]
    if not badges:
        return []
    counts = Counter(" · ".join(p for p in b.split(" · ") if p not in ("confirmed",)) for b in badges)
    out = ["", f"### Provenance from the Phrase TMS job, {_md(v.english_name)}", "",
           "| the job says | segments |", "| --- | ---: |"]
    out += [f"| {_md(k)} | {n} |" for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return out


def leaderboard(systems: list[dict]) -> list[dict]:
    """Systems best first: by chrF, else by consensus; ties by name."""
    def score(s):
        for k in ("chrf", "consensus", "bleu"):
            if s.get(k) is not None:
                return -float(s[k])
        return 0.0
    return sorted(systems, key=lambda s: (score(s), str(s.get("name"))))


def _prop(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(":", "%3A").replace(",", "%2C")


def _data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _repo_top(cwd: Path) -> Path | None:
    import subprocess

    try:
        r = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True,
                           check=False)
    except OSError:
        return None
    return Path(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip() else None


def github_annotations(findings: list[dict], fail_on: str, gates, cwd: Path | None = None) -> list[str]:
    """`::error file=...,line=...,title=...::message` for each finding that gates. File paths are
    made relative to the git repository's top (GitHub's convention); ``cwd`` is the folder the
    findings' paths are relative to."""
    from pipeline.report.changed import split_origin

    level = {"error": "error", "warning": "warning", "info": "notice"}
    cwd = Path(cwd or os.getcwd()).resolve()
    top = _repo_top(cwd)
    out = []
    for f in findings:
        if not (at_or_above(f["severity"], fail_on) and gates(f)):
            continue
        path, line = (f.get("path"), f.get("line")) if f.get("path") else split_origin(f["origin"])
        props = []
        if path:
            p = Path(path)
            full = p if p.is_absolute() else cwd / p
            for base in (top, cwd):
                if base is not None:
                    try:
                        p = full.relative_to(base)
                        break
                    except ValueError:
                        continue
            props.append(f"file={_prop(p.as_posix())}")
            if line:
                props.append(f"line={line}")
        props.append(f"title={_prop(f['code'] + ' ' + f['check'])}")
        out.append(f"::{level[f['severity']]} {','.join(props)}::{_data(where(f) + ': ' + f['message'])}")
    return out

