"""``sfia-qa run``: every stage, in order, on the corpus that ``qa.toml`` names.

    ingest -> align -> drift -> score -> check -> report

(the marker audit is a group of checks: QA1xx)

Each stage is a function from earlier stages' results to a frozen result
(:mod:`pipeline.results`); this module is the only place that knows their order. Only ingest
reads files and only report writes them (the score stage also keeps per-segment statistics in
its cache, :mod:`pipeline.score.statcache`, which changes how fast it is, never what it gives).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from pipeline import langid, parallel, schema
from pipeline.align import align_english, align_translations
from pipeline.checks.settings import settings_from as check_settings
from pipeline.checks.stage import check_stage
from pipeline.config import Config
from pipeline.drift import classify, with_drift
from pipeline.errors import ConfigError
from pipeline.ingest import ingest
from pipeline.ioutil import OutputDir
from pipeline.report import write_reports
from pipeline.report.ci import gate
from pipeline.results import Aligned, RunResult
from pipeline.score.stage import score_stage
from pipeline.score.stage import settings_from as score_settings
from pipeline.score.statcache import DEFAULT_MAX_MB, StatsCache, from_env_or


class Timings(dict):
    """Seconds per stage; with ``verbose`` each is printed as ``sfia-qa: <stage>: 1.23s``."""

    def __init__(self, verbose: bool = False):
        super().__init__()
        self.verbose = verbose

    @contextmanager
    def stage(self, name: str):
        t = time.perf_counter()
        yield
        self[name] = dt = time.perf_counter() - t
        self.log(f"{name}: {dt:.2f}s")
        self.log(f"peak memory after {name}: {_peak_mib()} MiB")

    def log(self, msg: str) -> None:
        if self.verbose:
            print(f"sfia-qa: {msg}", file=sys.stderr)


def _peak_mib() -> int:
    """This process's peak resident memory so far (the per-language workers' is their own)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def analyse(english: Mapping[int, pd.DataFrame], translations: pd.DataFrame, pair_threshold: float = 0.4,
            case_is_cosmetic: bool = True) -> Aligned:
    """align and drift: English SFIA 8 <-> 9, its drift, and every translation on its English key.

    Shared by ``sfia-qa run`` and ``sfia-qa check --source``."""
    english_alignment = align_english(english[8], english[9], threshold=pair_threshold)
    drift = classify(english_alignment, case_is_cosmetic=case_is_cosmetic)
    alignment = with_drift(align_translations(english_alignment, english, translations), drift)
    return Aligned(english_alignment, drift, alignment)


def run(cfg: Config, out: str | None = None, fail_on: str | None = None, changed_since: str | None = None,
        annotations: str | None = None, verbose: bool = False) -> int:
    """The whole pipeline; reports go to ``out`` (default ``[report] out``) as one set. Files are
    named relative to the configuration's folder in every report, whatever the working folder."""
    out_dir = Path(out) if out else cfg.resolve(cfg.section("report").get("out", "reports"))
    with OutputDir(out_dir) as stage:  # locks the folder: a second run into it exits 2 at once
        try:
            rc, summary = _run(cfg, stage, out_dir, fail_on or cfg.fail_on, changed_since, annotations, verbose)
        except OSError as e:
            if e.errno is None:  # not the file system (a missing template is a bug: exit 3)
                raise
            raise ConfigError(out_dir, f"cannot write the reports: {e.strerror or e}") from None
    print(summary, file=sys.stderr)  # once the reports it speaks of are in place
    return rc


def _run(cfg: Config, stage: Path, out_dir: Path, fail_on: str, changed_since: str | None,
         annotations: str | None, verbose: bool) -> tuple[int, str]:
    src8, src9 = cfg.paths("sources", "sfia8"), cfg.paths("sources", "sfia9")
    if not src8 and not src9:
        raise ConfigError(cfg.path, "[sources] names no sfia8 or sfia9 English sources")
    drift_opts = cfg.section("drift")
    scoring = score_settings(cfg.section("score"), cfg.path)
    checking = check_settings(cfg.section("checks"), cfg.path or "qa.toml", resolve=cfg.resolve,
                              key_pattern=cfg.key_pattern, root=cfg.root)
    scoring = dataclasses.replace(scoring, cache=stats_cache(cfg.section("score"), cfg, out_dir))
    if scoring.cache is not None:
        scoring.cache.ensure()  # made (and marked as a cache) before the workers write into it
    t = Timings(verbose)

    with t.stage("ingest"):
        ingested = ingest(src8, src9, cfg.paths("translations", "paths"),
                          cfg.section("translations").get("languages"), cfg.key_pattern, root=cfg.root,
                        cache_dir=scoring.cache.folder if scoring.cache is not None else None)
    t.log(f"read {sum(len(d) for d in ingested.english.values())} English and "
          f"{len(ingested.translations)} translated segments, {len(ingested.candidates)} MT candidates")
    with t.stage("align+drift"):
        aligned = analyse(ingested.english, ingested.translations,
                          float(drift_opts.get("pair_threshold", 0.4)), bool(drift_opts.get("case_is_cosmetic", True)))
    if parallel.cpus() > 1 and len(set(ingested.translations["lang"])) > 1:
        langid.warm()  # the score and check stages' per-language workers all identify languages
    with t.stage("score"):
        scored = score_stage(ingested.candidates, ingested.translations, aligned.alignment, scoring,
                             cfg.key_pattern)
    for note in scored.notes:
        t.log(note)
    with t.stage("check"):
        checked = check_stage(aligned.alignment, ingested.english, checking, scored,
                              memo=scoring.cache.folder if scoring.cache is not None else None)
    t.log(f"checks: {len(checked.findings)} findings")

    result = RunResult(ingested, aligned, scored, checked.findings, t)
    with t.stage("report"):
        gating = write_reports(result, stage, fail_on=fail_on, changed_since=changed_since,
                               annotations=annotations, verbose=verbose, root=cfg.root,
                               review=cfg.section("review"), key_pattern=cfg.key_pattern,
                               cache=scoring.cache.folder if scoring.cache is not None else None)
    if scoring.cache is not None:
        scoring.cache.bound()  # the pages just stored count towards cache_max_mb
    rc = gate(gating, fail_on)
    return rc, summary_line(result.findings, fail_on, rc, changed_since)


def stats_cache(section: dict, cfg: Config, out_dir: Path) -> StatsCache | None:
    """The per-segment statistics cache of ``[score] cache``: by default ``.sfia-qa-cache`` beside
    the reports folder (``SFIA_QA_CACHE`` overrides; ``off`` / ``cache = false``: none)."""
    setting = section.get("cache")
    default = None if setting is False else cfg.resolve(setting) if setting else out_dir.parent / ".sfia-qa-cache"
    folder = from_env_or(default)
    return StatsCache(folder, float(section.get("cache_max_mb", DEFAULT_MAX_MB))) if folder is not None else None


def summary_line(findings: pd.DataFrame, fail_on: str, rc: int, changed_since: str | None) -> str:
    counts = findings["severity"].value_counts() if len(findings) else {}
    langs = sorted(set(findings["lang"])) if len(findings) else []
    by = ", ".join(f"{int(counts.get(s, 0))} {s}" for s in schema.SEVERITIES)
    scope = f" in segments changed since {changed_since}" if changed_since else ""
    verdict = "not gated" if fail_on == "never" else ("FAIL" if rc else "pass") + f" (--fail-on {fail_on}{scope})"
    return (f"sfia-qa: {len(findings)} finding(s) ({by})"
            + (f" in {', '.join(langs)}" if langs else "") + f"; gate: {verdict}")
