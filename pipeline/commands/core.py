"""Core subcommands: ``segments``, ``drift`` and ``run``."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("segments", help="print the segments read from files or folders")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=["table", "jsonl", "csv"], default="table")
    p.add_argument("--lang", help="language of the files (default: from the path)")
    p.add_argument("--framework", type=int, choices=[8, 9], help="SFIA version (default: from the path)")
    p.set_defaults(func=cmd_segments)

    p = sub.add_parser("drift", help="classify SFIA 8 -> SFIA 9 changes of the English")
    p.add_argument("--old", nargs="+", required=True, metavar="PATH", help="English SFIA 8 files or folders")
    p.add_argument("--new", nargs="+", required=True, metavar="PATH", help="English SFIA 9 files or folders")
    p.add_argument("--format", choices=["table", "jsonl", "csv"], default="table")
    p.set_defaults(func=cmd_drift)

    p = sub.add_parser("run", help="run every stage on the configured corpus and write reports")
    p.add_argument("--config", default="qa.toml", help="configuration file (default: qa.toml)")
    p.add_argument("--out", default=None, help="report folder (default: [report] out, or reports/)")
    p.add_argument("--fail-on", choices=["error", "warning", "info", "never"], default=None,
                   help="exit 1 when a finding at or above this severity exists (default: [run] fail_on)")
    p.add_argument("--changed-since", metavar="REF", default=None,
                   help="gate only on findings in segments changed since git REF (all are still reported)")
    p.add_argument("--annotations", choices=["github"], default=None,
                   help="also print CI annotations for findings at or above --fail-on")
    p.add_argument("--verbose", "-v", action="store_true", help="progress and stage timings on stderr")
    p.set_defaults(func=cmd_run)


def cmd_segments(args) -> int:
    from pipeline import output, schema
    from pipeline.ingest import read_paths

    df = read_paths(args.paths, lang=args.lang, framework=args.framework, require=True)
    provenance = [c for c in schema.PROVENANCE if df[c].notna().any()]  # a TMS job's, when there is one
    sys.stdout.write(output.render(df, args.format, schema.columns(schema.SEGMENT, public=True) + provenance))
    return 0


def cmd_drift(args) -> int:
    from pipeline import output
    from pipeline.align import align_english
    from pipeline.drift import DRIFT_CLI_COLUMNS, classify, skill_changes
    from pipeline.ingest import read_paths

    old = read_paths(args.old, framework=8, require=True)
    new = read_paths(args.new, framework=9, require=True)
    drift = classify(align_english(old, new))
    cols = DRIFT_CLI_COLUMNS + (["old", "new"] if args.format == "jsonl" else [])
    sys.stdout.write(output.render(drift, args.format, cols))
    changes = skill_changes(drift)
    for change in ("added", "removed"):
        skills = changes.loc[changes["change"] == change, "skill"].tolist()
        print(f"sfia-qa: {len(skills)} skill(s) {change} in SFIA 9"
              + (f": {', '.join(skills)}" if skills else ""), file=sys.stderr)
    return 0


def cmd_run(args) -> int:
    from pipeline import config as config_mod
    from pipeline.run import run

    cfg = config_mod.load(args.config)
    return run(cfg, out=args.out, fail_on=args.fail_on, changed_since=args.changed_since,
               annotations=args.annotations, verbose=args.verbose)
