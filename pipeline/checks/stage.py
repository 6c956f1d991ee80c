"""The check stage of ``sfia-qa run``: every QA check over the aligned corpus.

Reads ``ctx.alignment`` (SFIA 9 translations against the SFIA 9 English, SFIA 8 against
SFIA 8) and ``ctx.english`` (source checks), appends the findings to ``ctx.findings``.
Settings come from ``[checks]`` of qa.toml; suppressions from the committed file it names
(default ``qa-suppressions.toml`` beside qa.toml).
"""

from __future__ import annotations

from pipeline import schema
from pipeline.checks.engine import run_checks, settings_from, units_from_alignment, units_from_segments


def load_settings(cfg):
    return settings_from(cfg.section("checks"), cfg.path or "qa.toml", resolve=cfg.resolve,
                         key_pattern=cfg.key_pattern)


def check_stage(ctx) -> None:
    settings = load_settings(ctx.config)
    alignment = ctx.alignment if ctx.alignment is not None else schema.empty(schema.ALIGNMENT)
    units = units_from_alignment(alignment)
    english = []
    for fw in sorted(ctx.english):
        df = ctx.english[fw]
        if df is not None and len(df):
            english += units_from_segments(df, english=True)
    findings = run_checks(units, settings, english)
    ctx.log(f"checks: {len(findings)} findings on {len(units)} translated and {len(english)} English segments")
    ctx.findings.append(findings)
