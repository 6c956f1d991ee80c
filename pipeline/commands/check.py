"""``sfia-qa check``: run the QA checks on files directly, without a qa.toml corpus.

    sfia-qa check PATH... [--lang LANG] [--source PATH...] [--format table|jsonl]
                  [--fail-on error|warning|info|never] [--config qa.toml] [--select CODE,...]

English files (``--lang en``, or English by their path) get the source checks (QA7xx).
Translations are checked against ``--source`` English files when given (aligned segment by
segment, SFIA 8 translations against SFIA 8 English, SFIA 9 against SFIA 9); without
``--source`` only the checks that need no English run.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.errors import ConfigError

COLUMNS = ["code", "check", "severity", "lang", "framework", "skill", "element", "level", "item", "message"]


def register(sub) -> None:
    p = sub.add_parser("check", help="run the QA checks on translation or English files")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to check")
    p.add_argument("--lang", help="language of the files (default: from the path); 'en' runs the source checks")
    p.add_argument("--framework", type=int, choices=[8, 9], help="SFIA version (default: from the path)")
    p.add_argument("--source", nargs="+", metavar="PATH", default=[],
                   help="English SFIA 8/9 files the translations are checked against")
    p.add_argument("--format", choices=["table", "jsonl"], default="table")
    p.add_argument("--fail-on", choices=["error", "warning", "info", "never"], default="error",
                   help="exit 1 when a finding at or above this severity exists (default: error)")
    p.add_argument("--config", default=None,
                   help="qa.toml whose [checks] settings and suppressions apply (default: ./qa.toml if present)")
    p.add_argument("--select", default=None, metavar="CODES",
                   help="comma-separated check codes or names to run (default: all)")
    p.set_defaults(func=cmd_check)


def _settings(args):
    from pipeline import config as config_mod
    from pipeline.checks.settings import settings_from

    path = args.config or ("qa.toml" if Path("qa.toml").is_file() else None)
    cfg = config_mod.load(path)
    return settings_from(cfg.section("checks"), cfg.path or "qa.toml", resolve=cfg.resolve,
                         key_pattern=cfg.key_pattern), path


def cmd_check(args) -> int:
    from pipeline import output, schema
    from pipeline.checks.registry import get as get_check
    from pipeline.checks.runner import run_checks
    from pipeline.checks.units import units_from_alignment, units_from_segments
    from pipeline.ingest import is_english, read_paths
    from pipeline.report.ci import gate
    from pipeline.run import analyse

    settings, _ = _settings(args)
    only = None
    if args.select:
        only = [x.strip() for x in args.select.split(",") if x.strip()]
        for x in only:
            try:
                get_check(x)
            except KeyError:
                raise ConfigError("--select", f"unknown check {x!r}") from None
    segs = read_paths(args.paths, lang=args.lang, framework=args.framework, key_pattern=settings.key_pattern,
                      require=True)
    en_mask = segs["lang"].map(is_english)
    english_units = units_from_segments(segs[en_mask], english=True)
    targets = segs[~en_mask].reset_index(drop=True)
    units = []
    if len(targets):
        if args.source:
            src = read_paths(args.source, key_pattern=settings.key_pattern, require=True)
            src = src[src["lang"].map(is_english)]
            if src.empty:
                raise ConfigError("--source", "the files given hold no English segments")
            eng = {fw: src[src["framework"] == fw].reset_index(drop=True) for fw in (8, 9)}
            for fw in sorted(set(targets["framework"].astype(int))):
                if eng[fw].empty:
                    raise ConfigError("--source", f"no English SFIA {fw} source given for the SFIA {fw} translations")
            units = units_from_alignment(analyse(eng, targets).alignment)
        else:
            units = units_from_segments(targets, english=False)
    langs = set(targets["lang"]) | ({"en"} if english_units else set())
    skills = set(segs["skill"])

    def in_scope(s) -> bool:
        from pipeline.langdata import base_tag
        lang_ok = s.lang is None or base_tag(s.lang) in {base_tag(x) for x in langs}
        return lang_ok and any(f".{sk}." in f".{s.key}." for sk in skills)

    findings = run_checks(units, settings, english_units, only=only, report_unused=in_scope)
    if args.format == "jsonl":
        sys.stdout.write(output.to_jsonl(findings, schema.columns(schema.FINDING, public=True)))
    else:
        sys.stdout.write(output.to_table(findings, COLUMNS, width=400) if len(findings) else "no findings\n")
    return gate(findings, args.fail_on)
