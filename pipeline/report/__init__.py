"""Report stage: every output file of a run, for reviewers and for CI.

``reports/`` gets

* ``index.html`` (dashboard) and ``lang-<tag>.html`` (one per language): static pages that
  open from disk, with filters and keyboard navigation, no request to any server;
* ``findings.jsonl``, ``findings.csv``, ``review.xlsx`` (one sheet per language),
  ``junit.xml`` (a test case per check and language), ``summary.md`` (a pull-request
  comment), and the tables ``segments.csv``, ``alignment.csv``, ``drift.csv`` and
  ``drift-skills.csv`` (each skill: kept, added or removed between SFIA 8 and 9);
* the score stage's ``scores.json``, ``candidates.csv`` and ``drafts/<lang>/sfia-9/<SKILL>.txt|.csv``.

Every file is written atomically and is the same byte for byte for the same inputs.
With ``--changed-since REF`` the files still report every finding, but only findings on
lines changed since ``REF`` gate (fail junit test cases, get annotations, set the exit code).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from pipeline import output, schema
from pipeline.drift import skill_changes
from pipeline.ioutil import write_bytes, write_text
from pipeline.report import ci, html, model
from pipeline.report.changed import gating
from pipeline.report.chart import leaderboard_svg
from pipeline.report.progress import progress
from pipeline.report.xlsx import review_workbook
from pipeline.results import RunResult, Scored
from pipeline.score import draft as draft_mod


def write_tables(result: RunResult, out: Path, findings: pd.DataFrame) -> None:
    out.mkdir(parents=True, exist_ok=True)
    aligned = result.aligned
    write_text(out / "segments.csv", output.to_csv(result.ingested.segments, schema.columns(schema.SEGMENT, True)))
    write_text(out / "alignment.csv", output.to_csv(aligned.alignment, schema.columns(schema.ALIGNMENT, True)))
    write_text(out / "drift.csv", output.to_csv(aligned.drift, schema.columns(schema.DRIFT, True)))
    # skills added or removed between SFIA 8 and SFIA 9, and per-skill status counts
    write_text(out / "drift-skills.csv", output.to_csv(skill_changes(aligned.drift)))
    cols = schema.columns(schema.FINDING, True)
    write_text(out / "findings.jsonl", output.to_jsonl(findings, cols))
    write_text(out / "findings.csv", output.to_csv(findings, cols))


def write_scores(scored: Scored, out: Path) -> None:
    """``scores.json``, ``candidates.csv`` and the SFIA 9 drafts of the score stage."""
    if scored.boards or len(scored.candidates):
        write_text(out / "scores.json", json.dumps(dict(scored.boards), ensure_ascii=False, indent=1,
                                                   sort_keys=True) + "\n")
        write_text(out / "candidates.csv", output.to_csv(scored.candidates, schema.columns(schema.CANDIDATE, True)))
    for (lang, skill), d in scored.drafts.groupby(["lang", "skill"], sort=True):
        base = out / "drafts" / str(lang) / "sfia-9" / str(skill)
        write_text(base.with_suffix(".csv"), draft_mod.to_csv(d))
        write_text(base.with_suffix(".txt"), draft_mod.to_page(d, str(lang)))


def _gate_key(f: dict) -> tuple:
    return (f["code"], f["lang"], f["framework"], f["skill"], f["element"], f["level"], f["item"],
            f["message"], f["origin"])


def write_reports(result: RunResult, out: Path, fail_on: str = "error", changed_since=None, annotations=None,
                  verbose: bool = False, root: Path | None = None) -> pd.DataFrame:
    """Write every report file into ``out``; return the findings that gate the run. ``root``: the
    folder file paths in findings are relative to (the configuration's; default: the working folder)."""
    out = Path(out)
    findings = model.sort_findings(result.findings)
    mask = gating(findings, changed_since, root)
    gate_keys = {_gate_key(f) for f in model.finding_records(findings[mask])}

    def gates(f: dict) -> bool:
        return _gate_key(f) in gate_keys

    write_tables(result, out, findings)
    write_scores(result.scored, out)
    views = model.build(result, findings)
    for v in views:
        systems = (v.scores or {}).get("systems") or []
        v.chart = leaderboard_svg(ci.leaderboard(systems)) if systems else ""
    info = {"fail_on": fail_on, "changed_since": changed_since, "gates": gates,
            "leaderboard": ci.leaderboard}
    env = html.environment()
    write_text(out / "index.html", html.render_index(env, views, info))
    for v in progress(views, "report pages", verbose=verbose):
        write_text(out / v.page, html.render_lang(env, v, views, info))
    write_bytes(out / "review.xlsx", review_workbook(views))
    write_text(out / "junit.xml", ci.junit_xml(views, fail_on, gates))
    write_text(out / "summary.md", ci.summary_md(views, fail_on, gates, changed_since))
    if annotations == "github":
        recs = [f for v in views for f in v.findings]
        for line in ci.github_annotations(recs, fail_on, gates, root):
            print(line, file=sys.stdout)
    return findings[mask].reset_index(drop=True)
