"""Report stage: write every output file of a run into the report folder.

This first version writes the tables (CSV/JSONL) and a plain index page listing what was
read; the reviewer pages, JUnit, Markdown and annotations build on it.
"""

from __future__ import annotations

import html

import pandas as pd

from pipeline import output, schema
from pipeline.ioutil import write_text


def write_tables(ctx) -> pd.DataFrame:
    out = ctx.out
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "segments.csv", output.to_csv(ctx.segments, schema.columns(schema.SEGMENT)))
    if ctx.alignment is not None:
        write_text(out / "alignment.csv", output.to_csv(ctx.alignment, schema.columns(schema.ALIGNMENT)))
    if ctx.drift is not None:
        write_text(out / "drift.csv", output.to_csv(ctx.drift, schema.columns(schema.DRIFT)))
    findings = ctx.all_findings()
    findings = findings.sort_values(["lang", "skill", "code"], kind="stable", na_position="first").reset_index(drop=True)
    write_text(out / "findings.jsonl", output.to_jsonl(findings, schema.columns(schema.FINDING)))
    return findings


def write_reports(ctx, fail_on: str = "error", changed_since=None, annotations=None) -> pd.DataFrame:
    findings = write_tables(ctx)
    seg = ctx.segments
    rows = "".join(
        f"<tr><td>{html.escape(str(k[0]))}</td><td>{html.escape(str(k[1]))}</td><td>{html.escape(str(k[2]))}</td>"
        f"<td>{n}</td></tr>"
        for k, n in seg.groupby(["framework", "lang", "skill"]).size().items())
    page = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>SFIA QA report</title></head>"
            "<body><h1>SFIA translation QA</h1><table><tr><th>SFIA</th><th>lang</th><th>skill</th>"
            f"<th>segments</th></tr>{rows}</table><p>{len(findings)} findings.</p></body></html>\n")
    write_text(ctx.out / "index.html", page)
    return findings
