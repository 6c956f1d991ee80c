"""``sfia-qa review apply FILE [--config qa.toml] [--dry-run]``: reviewer decisions back into the project.

FILE is the ``review-decisions.json`` the HTML report exports, or a filled-in ``review.xlsx``.
False positives become ``qa-suppressions.toml`` entries, corrections are written into the
translation files they came from (see :mod:`pipeline.review.apply`). Exit 0 when every decision
was applied or recorded, 1 when some could not be (each printed with the reason), 2 for a bad
decisions file or configuration.
"""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("review", help="reviewer decisions: apply a decisions file or a filled-in review.xlsx")
    rv = p.add_subparsers(dest="review_command", metavar="ACTION", parser_class=type(p))
    rv.required = True
    a = rv.add_parser("apply", help="false positives -> qa-suppressions.toml, corrections -> translation files")
    a.add_argument("file", metavar="FILE", help="review-decisions.json (from the report) or a filled-in review.xlsx")
    a.add_argument("--config", default="qa.toml", help="configuration file (default: qa.toml)")
    a.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    a.set_defaults(func=cmd_apply)


def cmd_apply(args) -> int:
    from pipeline import config
    from pipeline.review.apply import apply
    from pipeline.review.decisions import load_decisions

    cfg = config.load(args.config)
    decisions = load_decisions(args.file)
    return apply(decisions, cfg, dry_run=args.dry_run)
