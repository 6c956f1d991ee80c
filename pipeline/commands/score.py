"""``sfia-qa score``: score MT systems (WMT layout) or a candidates file.

    sfia-qa score --ref REF [--ref REF2] --hyp NAME=FILE... [--src SRC] [--lang LANG]
                  [--bootstrap N] [--metrics bleu,chrf,chrf++,ter] [--format json|table]
    sfia-qa score --candidates FILE... [--lang LANG] [...]
"""

from __future__ import annotations

import json
import os
import sys

from pipeline.errors import ConfigError


def register(sub) -> None:
    p = sub.add_parser("score", help="score MT candidates: sacrebleu metrics with CIs, consensus, signals")
    p.add_argument("--ref", action="append", default=[], metavar="FILE", help="reference file (repeatable)")
    p.add_argument("--hyp", action="append", default=[], metavar="NAME=FILE", help="a system's output (repeatable)")
    p.add_argument("--src", metavar="FILE", help="source file (copy, number and language signals)")
    p.add_argument("--candidates", action="append", default=[], metavar="FILE",
                   help="candidates file (.csv/.jsonl: id or skill/element/level/item, provider, text)")
    p.add_argument("--lang", help="target language (BCP-47), for the wrong-language signal")
    p.add_argument("--bootstrap", type=_whole(0, 1_000_000), default=1000, metavar="N", help="bootstrap resamples (default 1000; 0 = none)")
    p.add_argument("--seed", type=_whole(0, 2**32 - 1), default=12345, help="bootstrap seed (sacrebleu's default: 12345)")
    p.add_argument("--metrics", default="bleu,chrf,chrf++,ter", help="comma-separated: bleu, chrf, chrf++, ter")
    p.add_argument("--min-chars", type=_whole(0, 1_000_000), default=25, help="letters a text needs before its language is judged")
    p.add_argument("--format", choices=["json", "table"], default="json")
    p.add_argument("--stats-cache", metavar="DIR",
                   help="keep per-segment metric statistics in DIR, so a re-run computes only new pairs "
                        "(default: none; SFIA_QA_CACHE=off turns it off)")
    p.set_defaults(func=cmd_score)


def _whole(lo: int, hi: int):
    """An argparse type: a whole number from lo to hi (argparse's error, exit 2, otherwise)."""
    import argparse

    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            n = lo - 1
        if not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"a whole number from {lo} to {hi}, not {value!r}")
        return n
    return parse


def _metrics(value: str) -> tuple[str, ...]:
    from pipeline.score import metrics as M

    names = tuple(dict.fromkeys(x.strip().lower() for x in value.split(",") if x.strip()))
    bad = [x for x in names if x not in M.METRIC_NAMES]
    if bad or not names:
        raise ConfigError("--metrics", f"unknown metric(s) {', '.join(bad) or '(none)'}; "
                                       f"choose from {', '.join(M.METRIC_NAMES)}")
    return names


def cmd_score(args) -> int:
    from pipeline.ingest.candidates import read_candidate_records
    from pipeline.score.inputs import corpus_from_records, read_wmt
    from pipeline.score.leaderboard import Settings, score
    from pipeline.score.signals import Options

    metrics = _metrics(args.metrics)
    if args.bootstrap < 0:
        raise ConfigError("--bootstrap", "must be 0 or more")
    if args.candidates:
        if args.hyp or args.ref:
            raise ConfigError("--candidates", "give either --candidates or --ref/--hyp, not both")
        rows = [r for f in args.candidates for r in read_candidate_records(f, lang=args.lang)]
        corpus = corpus_from_records(rows, lang=args.lang)
    else:
        if not args.hyp:
            raise ConfigError("--hyp", "give at least one --hyp NAME=FILE (or --candidates FILE)")
        hyps = []
        for h in args.hyp:
            name, sep, path = h.partition("=")
            if not sep or not name or not path:
                raise ConfigError("--hyp", f"expected NAME=FILE, got {h!r}")
            hyps.append((name, path))
        corpus = read_wmt(args.ref, hyps, args.src, args.lang)
    for p in corpus.problems:
        print(f"sfia-qa: warning: {p}", file=sys.stderr)
    cache = None
    if args.stats_cache and os.environ.get("SFIA_QA_CACHE", "").strip().lower() != "off":
        from pipeline.score.statcache import StatsCache
        cache = StatsCache(args.stats_cache)
    st = Settings(metrics=metrics, bootstrap=args.bootstrap, seed=args.seed,
                  signals=Options(min_chars=args.min_chars), cache=cache)
    board, _ = score(corpus, st)
    if args.format == "json":
        sys.stdout.write(json.dumps(board, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(render_table(board, metrics))
    return 0


def render_table(board: dict, metrics: tuple[str, ...]) -> str:
    def f(x, w=6):
        return "-".rjust(w) if x is None else f"{x:{w}.2f}"

    head = ["system".ljust(24)] + [m.rjust(20) for m in metrics] + ["consensus".rjust(9), "best".rjust(5)]
    lines = [" ".join(head)]
    for s in board["systems"]:
        cells = [s["name"][:24].ljust(24)]
        for m in metrics:
            ci = s.get(f"{m}_ci")
            p = (s.get("p_values") or {}).get(m)
            txt = f(s.get(m)) + (f" [{ci[0]:.1f},{ci[1]:.1f}]" if ci else "") + ("*" if p is not None and p < 0.05 else "")
            cells.append(txt.rjust(20))
        cells += [f(s.get("consensus"), 9), str(s["best_picks"]).rjust(5)]
        lines.append(" ".join(cells))
    lines.append("")
    for m, sig in board["signatures"].items():
        lines.append(f"{m}: {sig}")
    if board["baseline"]:
        lines.append(f"* p < 0.05 against {board['baseline']} (paired bootstrap)")
    return "\n".join(lines) + "\n"
