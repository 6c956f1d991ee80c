"""``sfia-qa tms``: files for a translation management system (Phrase TMS).

    sfia-qa tms export --sources PATH... [--framework 9] [--skills CSMG,...] [--per-skill] --out DIR

writes the SFIA English as XLIFF 1.2 (:mod:`pipeline.export`): one ``sfia-<N>.xlf`` for the
framework, or one ``<SKILL>.xlf`` per skill with ``--per-skill``. Import them into the TMS
project; the bilingual MXLIFF files its jobs give back are read by ``sfia-qa segments`` and the
run (``.mxliff``, :mod:`pipeline.ingest.mxliff`) and name every segment by its key.
"""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("tms", help="translation management system files (Phrase TMS): export the English")
    tms = p.add_subparsers(dest="tms_command", metavar="ACTION", parser_class=type(p))
    tms.required = True
    e = tms.add_parser("export", help="write the SFIA English as XLIFF 1.2 for a TMS project to import")
    e.add_argument("--sources", nargs="+", required=True, metavar="PATH",
                   help="English SFIA files or folders (spreadsheets, CSV, pages)")
    e.add_argument("--framework", type=int, choices=[8, 9], default=9, help="SFIA version (default: 9)")
    e.add_argument("--skills", type=_skills, default=None, metavar="CODE,...",
                   help="only these skills (comma-separated codes, e.g. CSMG,ITMG)")
    e.add_argument("--per-skill", action="store_true", help="one file per skill instead of one for the framework")
    e.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created if missing)")
    e.add_argument("--key-pattern", default=None, metavar="PATTERN",
                   help="segment key pattern (default: sfia{framework}.{skill}.{element}.{index})")
    e.set_defaults(func=cmd_export)


def _skills(value: str) -> list[str]:
    codes = list(dict.fromkeys(x.strip().upper() for x in value.split(",") if x.strip()))
    if not codes:
        raise argparse.ArgumentTypeError("give at least one skill code")
    return codes


def cmd_export(args) -> int:
    from pipeline import export
    from pipeline.errors import ConfigError
    from pipeline.ingest import is_english, read_paths
    from pipeline.keys import DEFAULT_PATTERN, format_key

    pattern = args.key_pattern or DEFAULT_PATTERN
    try:
        format_key("CSMG", "level", 1, None, args.framework, pattern)
    except (ValueError, KeyError, IndexError) as e:
        raise ConfigError("--key-pattern", f"unusable pattern {pattern!r}: {e}") from None
    df = read_paths(args.sources, framework=args.framework, key_pattern=pattern)
    english = df[df["lang"].map(is_english)]
    files = export.plan_export(english, args.framework, args.skills, args.per_skill, pattern)
    for path in export.write_export(files, args.out):
        units = files[path.name].count("<trans-unit ")
        print(f"sfia-qa: wrote {path} ({units} unit(s))")
    return 0
