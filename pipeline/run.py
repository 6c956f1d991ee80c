"""``sfia-qa run``: every stage, in order, on the corpus that ``qa.toml`` names.

    ingest -> align -> drift -> marker audit -> score -> check -> report

Each stage is a plain function over DataFrames; this module only wires them, keeps their
results in a :class:`Context`, and decides the exit code.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import schema
from pipeline.config import Config
from pipeline.errors import ConfigError


@dataclass
class Context:
    config: Config
    out: Path
    english: dict[int, pd.DataFrame] = field(default_factory=dict)
    translations: pd.DataFrame | None = None
    english_alignment: pd.DataFrame | None = None
    drift: pd.DataFrame | None = None
    alignment: pd.DataFrame | None = None
    findings: list[pd.DataFrame] = field(default_factory=list)
    scores: dict = field(default_factory=dict)
    candidates: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)
    verbose: bool = False

    @property
    def segments(self) -> pd.DataFrame:
        frames = [df for df in (*self.english.values(), self.translations) if df is not None and len(df)]
        if not frames:
            return schema.empty(schema.SEGMENT)
        return schema.sort_key_frame(pd.concat(frames, ignore_index=True))

    def all_findings(self) -> pd.DataFrame:
        frames = [f for f in self.findings if f is not None and len(f)]
        if not frames:
            return schema.empty(schema.FINDING)
        df = pd.concat(frames, ignore_index=True)
        return schema.make(schema.FINDING, df)

    def log(self, msg: str) -> None:
        if self.verbose:
            print(f"sfia-qa: {msg}", file=sys.stderr)


class _Timer:
    def __init__(self, ctx: Context, name: str):
        self.ctx, self.name = ctx, name

    def __enter__(self):
        self.t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        dt = time.perf_counter() - self.t
        self.ctx.timings[self.name] = dt
        self.ctx.log(f"{self.name}: {dt:.2f}s")


def ingest_stage(ctx: Context) -> None:
    from pipeline.align import is_english
    from pipeline.ingest import read_paths

    cfg = ctx.config
    src8 = cfg.paths("sources", "sfia8")
    src9 = cfg.paths("sources", "sfia9")
    if not src8 and not src9:
        raise ConfigError(cfg.path, "[sources] names no sfia8 or sfia9 English sources")
    pattern = cfg.key_pattern
    for fw, paths in ((8, src8), (9, src9)):
        df = read_paths(paths, framework=fw, key_pattern=pattern) if paths else schema.empty(schema.SEGMENT)
        ctx.english[fw] = df[df["lang"].map(is_english)].reset_index(drop=True)
    tpaths = cfg.paths("translations", "paths")
    tr = read_paths(tpaths, key_pattern=pattern) if tpaths else schema.empty(schema.SEGMENT)
    langs = cfg.section("translations").get("languages")
    tr = tr[~tr["lang"].map(is_english)]
    if langs:
        from pipeline.langdata import base_tag
        tr = tr[tr["lang"].map(base_tag).isin({base_tag(x) for x in langs})]
    ctx.translations = tr.reset_index(drop=True)
    ctx.log(f"read {sum(len(d) for d in ctx.english.values())} English and {len(tr)} translated segments")


def align_drift_stage(ctx: Context) -> None:
    from pipeline.align import align_english, align_translations
    from pipeline.audit import audit_markers
    from pipeline.drift import classify

    opts = ctx.config.section("drift")
    ctx.english_alignment = align_english(ctx.english[8], ctx.english[9],
                                          threshold=float(opts.get("pair_threshold", 0.4)))
    ctx.drift = classify(ctx.english_alignment, case_is_cosmetic=bool(opts.get("case_is_cosmetic", True)))
    ctx.alignment = align_translations(ctx.english_alignment, ctx.english, ctx.translations, ctx.drift)
    ctx.findings.append(audit_markers(ctx.alignment))


def score_stage(ctx: Context) -> None:
    from pipeline.score.stage import score_stage as stage

    stage(ctx)


def check_stage(ctx: Context) -> None:
    from pipeline.checks.stage import check_stage as stage

    stage(ctx)


STAGES = [
    ("ingest", ingest_stage),
    ("align+drift", align_drift_stage),
    ("score", score_stage),
    ("check", check_stage),
]


def gate(findings: pd.DataFrame, fail_on: str) -> int:
    if fail_on == "never" or findings.empty:
        return 0
    threshold = schema.SEVERITY_RANK[fail_on]
    return 1 if (findings["severity"].map(schema.SEVERITY_RANK) >= threshold).any() else 0


def run(cfg: Config, out: str | None = None, fail_on: str | None = None, changed_since: str | None = None,
        annotations: str | None = None, verbose: bool = False) -> int:
    out_dir = Path(out) if out else cfg.resolve(cfg.section("report").get("out", "reports"))
    fail_on = fail_on or cfg.fail_on
    ctx = Context(config=cfg, out=out_dir, verbose=verbose)
    for name, fn in STAGES:
        with _Timer(ctx, name):
            fn(ctx)
    from pipeline.report import write_reports

    with _Timer(ctx, "report"):
        gating = write_reports(ctx, fail_on=fail_on, changed_since=changed_since, annotations=annotations)
    rc = gate(gating, fail_on)
    print(summary_line(ctx.all_findings(), fail_on, rc, changed_since), file=sys.stderr)
    return rc


def summary_line(findings: pd.DataFrame, fail_on: str, rc: int, changed_since: str | None) -> str:
    counts = findings["severity"].value_counts() if len(findings) else {}
    langs = sorted(set(findings["lang"])) if len(findings) else []
    by = ", ".join(f"{int(counts.get(s, 0))} {s}" for s in schema.SEVERITIES)
    scope = f" in segments changed since {changed_since}" if changed_since else ""
    verdict = "not gated" if fail_on == "never" else ("FAIL" if rc else "pass") + f" (--fail-on {fail_on}{scope})"
    return (f"sfia-qa: {len(findings)} finding(s) ({by})"
            + (f" in {', '.join(langs)}" if langs else "") + f"; gate: {verdict}")
