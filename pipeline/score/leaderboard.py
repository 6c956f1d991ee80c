"""Score a :class:`~pipeline.score.inputs.Corpus`: the leaderboard JSON and the candidate table.

Per provider: corpus BLEU / chrF / chrF++ / TER (when a reference exists) with 95% bootstrap
intervals and paired-bootstrap p-values against the best provider (by ``primary`` metric),
mean consensus, how often its candidate is the segment's best pick, and signal counts.
Per candidate: sentence chrF against the reference, consensus, signals, rank, best.

Best pick per segment: no hard signal, then fewest soft signals, then highest consensus
(reference-free on purpose: the reference is what the team does not have yet), then name.
Providers that gave the very text picked share the pick (rank 1, counted in best_picks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.score import consensus as consensus_mod
from pipeline.score import metrics as M
from pipeline.score import sacrebleu_api as api
from pipeline.score import signals as S
from pipeline.score import statcache
from pipeline.score.inputs import Corpus


@dataclass(frozen=True)
class Settings:
    metrics: tuple[str, ...] = ("bleu", "chrf", "chrf++", "ter")
    bootstrap: int = 1000
    seed: int | None = 12345
    primary: str = "chrf"
    workers: int | None = None
    signals: S.Options = field(default_factory=S.Options)
    reference_is_final: bool = False
    cache: statcache.StatsCache | None = None  # per-segment statistics kept between runs


def _r(x):
    return None if x is None else float(x)


@dataclass
class _Measured:
    """What the scorer measured: per metric the systems' scores, sentence chrF, consensus, signals."""

    results: dict[str, dict[str, M.SystemScore]]
    sigs: dict[str, str]
    sent_chrf: dict[str, dict[int, float]]
    baseline: str | None
    cons: list[list[float | None]]
    sig: list[list[dict]]


def _measure(corpus: Corpus, st: Settings, names: list[str], texts: list, scored: list[int]) -> _Measured:
    """Reference metrics on the ``scored`` segments (statistics in worker processes while this
    process counts chrF, consensus and signals); consensus and signals alone without a reference."""
    if not scored:
        return _Measured({}, {}, {s: {} for s in names}, None, consensus_mod.consensus(texts),
                         S.detect(texts, corpus.sources, corpus.lang, st.signals))
    refs: list[Sequence[str]] = [[r[k] or "" for k in scored] for r in corpus.refs]
    hyps: dict[str, Sequence[str]] = {s: [corpus.systems[s][k] or "" for k in scored] for s in names}
    wanted = list(dict.fromkeys([*st.metrics, "chrf"]))  # sentence chrF needs chrF stats
    # chrF and chrF++ are counted here, exactly, from one counting of character n-grams (no
    # reference cache needed); the other metrics' statistics in worker processes, while this
    # process also does consensus and signals.
    family = [m for m in wanted if m in ("chrf", "chrf++")]
    metric_objs = {m: M.make_metric(m, refs, cache=m not in family) for m in wanted}
    cache = st.cache.scope(corpus.lang or "") if st.cache is not None else None  # one language's entries
    job = M.Extraction({m: o for m, o in metric_objs.items() if m not in family}, hyps, st.workers,
                       cache=cache, refs=refs)
    free_key = _free_key(corpus, st, texts)
    kept = _kept_free(st, corpus, free_key, texts)
    if kept is None:
        # each segment's candidates and reference counted once, for consensus and chrF alike
        pos = {k: j for j, k in enumerate(scored)}
        counted = M.count_texts([[*(t for t in seg if t is not None),
                                  *((h[pos[k]] for h in hyps.values()) if k in pos else ()),
                                  *((r[pos[k]] for r in refs) if k in pos else ())] for k, seg in enumerate(texts)])
        cons = consensus_mod.consensus(texts, counted)
        family_stats = M.chrf_family_cached({m: metric_objs[m] for m in family}, hyps, refs, counted, scored, cache)
        sig_opts = st.signals if not job.parallel else S.Options(**{**st.signals.__dict__, "langid_workers": 1})
        sig = S.detect(texts, corpus.sources, corpus.lang, sig_opts)
        _keep_free(st, corpus, free_key, cons, sig)
    else:
        # the candidates and the English are as before (the reference changed): consensus and
        # signals as measured then; chrF counts only the segments whose statistics are not cached
        cons, sig = kept
        family_stats = M.chrf_family_cached({m: metric_objs[m] for m in family}, hyps, refs, None, None, cache)
    stats = job.result()
    stats.update(family_stats)
    if cache is not None:
        cache.flush()
    primary = st.primary if st.primary in metric_objs else wanted[0]
    actual = {s: api.score_of_statistics(metric_objs[primary], stats[primary][s]).score for s in names}
    sign = -1 if primary in M.LOWER_IS_BETTER else 1
    baseline = sorted(names, key=lambda s: (-sign * actual[s], s))[0]
    results, sigs = {}, {}
    for m in st.metrics:
        results[m] = M.corpus_scores(metric_objs[m], stats[m], st.bootstrap, st.seed, baseline)
        sigs[m] = M.signature(metric_objs[m], st.bootstrap, st.seed)
    sent_chrf: dict[str, dict[int, float]] = {s: {} for s in names}
    for s in names:
        for k, v in zip(scored, M.sentence_scores(metric_objs["chrf"], stats["chrf"][s]), strict=True):
            sent_chrf[s][k] = v
    return _Measured(results, sigs, sent_chrf, baseline, cons, sig)


def _free_key(corpus: Corpus, st: Settings, texts: list) -> str | None:
    """The key of a language's reference-free measures (consensus and signals): what they are
    computed from, the candidates, the English, the language and the signal settings (not how many
    processes identify languages), with the code. None without a cache."""
    from pipeline import cache as run_cache

    if st.cache is None:
        return None
    opts = sorted({**st.signals.__dict__, "langid_workers": None}.items())
    sources = list(corpus.sources) if corpus.sources is not None else None
    return run_cache.key_of(run_cache.code_digest(), "consensus and signals", corpus.lang or "",
                            repr(texts), repr(sources), repr(opts))


def _kept_free(st: Settings, corpus: Corpus, key: str | None, texts: list) -> tuple[list, list] | None:
    """Consensus and signals an earlier run measured from the very same inputs, or None. Checked
    to have the shape of the segments before it is believed."""
    from pipeline import cache as run_cache

    if key is None or st.cache is None:
        return None
    got = run_cache.read_json(run_cache.result_kind("free", corpus.lang or ""), key, st.cache.folder)
    if not (isinstance(got, dict) and isinstance(got.get("cons"), list) and isinstance(got.get("sig"), list)):
        return None
    cons, sig = got["cons"], got["sig"]
    if len(cons) != len(texts) or len(sig) != len(texts):
        return None
    for seg, c, g in zip(texts, cons, sig, strict=True):
        if not (isinstance(c, list) and isinstance(g, list) and len(c) == len(seg) == len(g)):
            return None
        if not all(x is None or isinstance(x, float) for x in c):
            return None
        if not all(isinstance(d, dict) and all(isinstance(v, str) for v in d.values()) for d in g):
            return None
    return cons, sig


def _keep_free(st: Settings, corpus: Corpus, key: str | None, cons: list, sig: list) -> None:
    from pipeline import cache as run_cache

    value = {"cons": cons, "sig": sig}
    if key is not None and st.cache is not None and run_cache.json_exact(value):
        st.cache.ensure()  # the folder made (and marked as a cache) as the statistics' writes make it
        run_cache.write_json(run_cache.result_kind("free", corpus.lang or ""), key, value, st.cache.folder,
                             keep=run_cache.RESULT_KEEP, checked=True)


def _ranks(names: list[str], texts: list, sig: list[dict], cons: list) -> tuple[dict[int, int], set[int]]:
    """One segment: each candidate's rank, and the candidates that are the best pick (no hard
    signal, fewest soft ones, highest consensus; providers with the very same text share it)."""
    order = sorted(range(len(names)), key=lambda i: (
        S.is_hard(sig[i]), sum(1 for x in sig[i] if x in S.SOFT),
        -(cons[i] if cons[i] is not None else -1.0), names[i]))
    rank = {i: r + 1 for r, i in enumerate(order)}
    if not order or S.is_hard(sig[order[0]]):
        return rank, set()
    top = " ".join(texts[order[0]].split())
    same = {i for i in range(len(names)) if texts[i] is not None and " ".join(texts[i].split()) == top}
    for i in same:
        rank[i] = 1
    return rank, same


def _records(corpus: Corpus, names: list[str], texts: list, me: _Measured) -> tuple[list[dict], list[set[str]]]:
    records: list[dict] = []
    best_of: list[set[str]] = []
    n = corpus.n
    for k in range(n):
        rank, same = _ranks(names, texts[k], me.sig[k], me.cons[k])
        best_of.append({names[i] for i in same})
        for i, s in enumerate(names):
            origin = corpus.origins.get(s, [None] * n)[k]
            if origin is None and corpus.systems[s][k] is None:
                continue  # the provider has no line for this segment: reported, no row
            records.append({
                "key": corpus.ids[k], "provider": s, "text": corpus.systems[s][k],
                "source": corpus.sources[k] if corpus.sources else None,
                "reference": corpus.refs[0][k] if corpus.refs else None,
                "chrf": me.sent_chrf[s].get(k), "consensus": me.cons[k][i],
                "signals": sorted(me.sig[k][i]), "explain": me.sig[k][i], "hard": S.is_hard(me.sig[k][i]),
                "rank": rank[i], "best": i in same, "origin": origin,
                **{c: corpus.meta[k].get(c) if corpus.meta else None
                   for c in ("framework", "skill", "element", "level", "item")},
            })
    return records, best_of


def _system_row(corpus: Corpus, st: Settings, me: _Measured, i: int, s: str, best_of: list[set[str]]) -> dict:
    n = corpus.n
    row: dict = {"name": s}
    for m in st.metrics:
        r = me.results.get(m, {}).get(s)
        row[m] = _r(r.score) if r else None
        row[f"{m}_ci"] = [r.lo, r.hi] if r and r.lo is not None else None
        row[f"{m}_bootstrap"] = ({"mean": r.mean, "half_width": r.ci} if r and r.mean is not None else None)
    # paired bootstrap against the baseline: per metric, and for the primary metric alone
    row["p_values"] = ({m: me.results[m][s].p_value for m in st.metrics}
                       if me.results and s != me.baseline else None)
    row["p_value"] = (row["p_values"] or {}).get(st.primary)
    vals = [c for c in (me.cons[k][i] for k in range(n)) if c is not None]
    row["consensus"] = sum(vals) / len(vals) if vals else None
    row["best_picks"] = sum(1 for b in best_of if s in b)
    if st.reference_is_final and "ter" in me.results:
        row["post_edit_ter"] = me.results["ter"][s].score
    counts: dict[str, int] = {}
    for k in range(n):
        for x in me.sig[k][i]:
            counts[x] = counts.get(x, 0) + 1
    row["signals"] = dict(sorted(counts.items()))
    row["missing"] = sum(1 for k in range(n) if corpus.systems[s][k] is None)
    return row


def score(corpus: Corpus, st: Settings = Settings()) -> tuple[dict, list[dict]]:
    """(leaderboard dict, candidate records). See the module docstring."""
    names = list(corpus.systems)
    texts = [[corpus.systems[s][k] for s in names] for k in range(corpus.n)]
    # Reference-based metrics on the segments that have a reference.
    scored = [k for k in range(corpus.n) if corpus.refs and all(r[k] is not None for r in corpus.refs)]
    me = _measure(corpus, st, names, texts, scored)
    records, best_of = _records(corpus, names, texts, me)
    systems = [_system_row(corpus, st, me, i, s, best_of) for i, s in enumerate(names)]
    key_metric = st.primary if me.results else None
    if key_metric and key_metric in st.metrics:
        sign = -1 if key_metric in M.LOWER_IS_BETTER else 1
        systems.sort(key=lambda r: (-sign * r[key_metric], r["name"]))
    else:
        systems.sort(key=lambda r: (-(r["consensus"] or 0.0), r["name"]))
    sigs = dict(me.sigs)
    if any(c is not None for seg in me.cons for c in seg):
        sigs["consensus"] = consensus_mod.signature()
    board = {"signatures": sigs, "segments": corpus.n, "scored_segments": len(scored),
             "reference": corpus.reference_name if scored else None, "baseline": me.baseline,
             "problems": list(corpus.problems), "systems": systems}
    return board, records
