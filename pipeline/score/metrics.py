"""Reference-based metrics, computed by sacrebleu and nothing else.

sacrebleu's metrics split into "sufficient statistics per segment" and "score from summed
statistics" (``_compute_segment_statistics`` / ``_compute_score_from_stats``). This module
extracts each segment's statistics once per distinct (text, references) pair — identical
outputs of several systems, or a repeated line with the same reference, are scored once, and
the work is spread over two processes — and then lets sacrebleu's own methods compute every
corpus score, every bootstrap resample and every paired-bootstrap p-value, exactly as
``sacrebleu.significance`` does. The numbers are therefore sacrebleu's numbers, bit for bit.

TER's statistics come from :mod:`pipeline.score.ter` (sacrebleu's algorithm compiled, the
same numbers; sacrebleu's own TER when numba is missing); the others from sacrebleu itself.
"""

from __future__ import annotations

import multiprocessing as mp
import weakref
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from sacrebleu.metrics import BLEU, CHRF, TER

from pipeline import parallel
from pipeline.score import pairchrf, statcache, ter
from pipeline.score import sacrebleu_api as api
from pipeline.score.sacrebleu_api import estimate_ci

METRIC_NAMES = ("bleu", "chrf", "chrf++", "ter")
LOWER_IS_BETTER = {"ter"}
PARALLEL_MIN_PAIRS = 2000   # distinct (text, references) pairs before a second process pays off
TER_COMPILED_MIN_PAIRS = 500  # ... before loading the compiled TER pays off (sacrebleu's below)
SPLIT_MIN_SEGMENTS = 500      # chrF statistics: segments before a forked helper pays off
SPLIT_MIN_RESAMPLED = 5000    # bootstrap: systems x resamples before a forked helper pays off


# Per metric made by make_metric: segment -> the first segment with the very same references.
_REF_GROUPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def make_metric(name: str, references: Sequence[Sequence[str | None]], cache: bool = True):
    """A sacrebleu metric with the references cached (its default settings, as WMT uses).

    ``cache=False``: the metric is built on one segment per distinct reference count only, so
    its signature (``nrefs``) is what the whole set gives, without extracting every reference's
    n-grams; for :func:`chrf_family_stats`, which needs no cache."""
    cls = {"bleu": lambda **k: BLEU(**k), "chrf": lambda **k: CHRF(**k),
           "chrf++": lambda **k: CHRF(word_order=2, **k), "ter": lambda **k: TER(**k)}[name]
    refs = [list(r) for r in references]
    if cache:
        metric = cls(references=refs)
    else:
        by_count: dict[int, int] = {}
        for k, seg in enumerate(zip(*refs, strict=False)):
            by_count.setdefault(sum(r is not None for r in seg), k)
        metric = cls(references=[[r[k] for k in by_count.values()] for r in refs])
    first: dict[tuple, int] = {}
    _REF_GROUPS[metric] = [first.setdefault(seg, k) for k, seg in enumerate(zip(*refs, strict=False))]
    return metric


def _ref_groups(metrics: dict) -> list[int] | None:
    """Segment -> representative segment with identical references, when every metric was
    made by :func:`make_metric` from the same references; else None (segments kept apart)."""
    groups = [_REF_GROUPS.get(m) for m in metrics.values()]
    if not groups or any(g is None for g in groups) or any(g != groups[0] for g in groups[1:]):
        return None
    return groups[0]


# The metrics live in a module global while a pool runs: forked workers inherit them
# (reference n-grams included) instead of receiving them pickled.
_JOB: dict = {}


def _stats_chunk(args: tuple[list[str], list[tuple[int, str]], bool]) -> dict[str, list]:
    names, pairs, compiled_ter = args
    out = {}
    for name in names:
        m = _JOB[name]
        if compiled_ter and ter.supported(m):
            out[name] = ter.segment_statistics(m, pairs)  # compiled (or sacrebleu's, noticed)
            continue
        cache = api.ref_cache(m)
        out[name] = [api.segment_statistics(m, api.preprocess(m, h), cache[i]) for i, h in pairs]
    return out


class Extraction:
    """Statistics being extracted (in worker processes when it pays); :meth:`result` waits.

    The caller can do other work (consensus, signals) while the workers run. TER (when
    :func:`ter.supported`) goes to the compiled kernel as one task, taken by one worker:
    numba (about 100 MB and a few tenths of a second to load, a compilation on a machine's
    first run) then lives in that worker only, never in this process, whose memory is the
    run's peak; the other metrics' pairs go out in many small interleaved chunks that the
    pool balances. Below ``TER_COMPILED_MIN_PAIRS`` distinct pairs sacrebleu's own TER is
    cheaper than loading the kernel and is used (same numbers either way)."""

    def __init__(self, metrics: dict, systems: dict[str, Sequence[str]], workers: int | None = None,
                 cache: statcache.Scope | None = None, refs: Sequence[Sequence[str | None]] | None = None):
        # one job per distinct (text, references): keyed by the first segment with those references
        groups = _ref_groups(metrics)
        self.group = groups if groups is not None else range(len(next(iter(systems.values()), [])))
        self.index: dict[tuple[int, str], int] = {}
        for hyps in systems.values():
            for i, h in enumerate(hyps):
                self.index.setdefault((self.group[i], h), len(self.index))
        self.pairs = list(self.index)
        self.names = list(metrics)
        self.systems = systems
        # the persistent cache (``refs``: the reference streams): what it holds is not computed
        self.cache = cache if refs is not None else None
        self.known: dict[str, dict[int, list]] = {n: {} for n in self.names}
        self.keys: dict[str, list[bytes]] = {n: [] for n in self.names}
        if self.cache is not None:
            assert refs is not None
            refs_of = [tuple(seg) for seg in zip(*refs, strict=True)]
            for n in self.names:
                self.known[n], self.keys[n] = statcache.cached_statistics(self.cache, metrics[n], refs_of, self.pairs)
        ter_names = [n for n in self.names if ter.supported(metrics[n])]
        other_names = [n for n in self.names if n not in ter_names]
        self.todo_ter = self._todo(ter_names)
        self.todo_other = self._todo(other_names)
        # compiled TER only for enough pairs to compute (loading it costs more than a few pairs)
        compiled = len(self.todo_ter) >= TER_COMPILED_MIN_PAIRS
        self.ter_names = ter_names if compiled else []
        self.other_names = [n for n in self.names if n not in self.ter_names]
        if not compiled:
            self.todo_ter, self.todo_other = [], self._todo(self.other_names)
        todo = max(len(self.todo_other), len(self.todo_ter))
        # workers: processes for the statistics; 1 = this process. Automatic: on a machine with
        # c CPUs, min(2, c - 1) worker processes, leaving a CPU to the caller's concurrent work
        # (consensus, signals: the longer path); this process alone for small inputs.
        pool_size = workers if workers is not None and workers > 1 else 0
        if workers is None and todo >= PARALLEL_MIN_PAIRS:
            pool_size = min(2, parallel.cpus() - 1)
        if not self.names or not todo:
            pool_size = 0
        self.workers = max(1, pool_size)
        self._pool = None
        self._futures: list = []
        _JOB.clear()
        _JOB.update(metrics)
        if pool_size:
            self._pool = ProcessPoolExecutor(pool_size, mp_context=mp.get_context("fork"))
            if self.ter_names and self.todo_ter:
                self._ter_future = self._pool.submit(_stats_chunk, (self.ter_names, self._at(self.todo_ter), True))
            self.n_chunks = max(1, min(len(self.todo_other), pool_size * 16))
            if self.other_names and self.todo_other:
                self._futures = [self._pool.submit(_stats_chunk, (self.other_names, self._at(self.todo_other[k::self.n_chunks]), False))
                                 for k in range(self.n_chunks)]

    def _todo(self, names: list[str]) -> list[int]:
        """Positions of the pairs some of ``names`` still need computed (all, without a cache)."""
        if not names:
            return []
        if self.cache is None:
            return list(range(len(self.pairs)))
        return [j for j in range(len(self.pairs)) if any(j not in self.known[n] for n in names)]

    def _at(self, positions: list[int]) -> list[tuple[int, str]]:
        return [self.pairs[j] for j in positions]

    @property
    def parallel(self) -> bool:
        return self._pool is not None

    def result(self) -> dict[str, dict[str, list]]:
        try:
            computed: dict[str, list] = {}
            if self._pool is not None:
                computed = {n: [None] * len(self.todo_other) for n in self.other_names}
                for k, f in enumerate(self._futures):
                    part = f.result()
                    for n in self.other_names:
                        computed[n][k::self.n_chunks] = part[n]
                if self.ter_names and self.todo_ter:
                    computed.update(self._ter_future.result())
            else:
                if self.todo_other:
                    computed = _stats_chunk((self.other_names, self._at(self.todo_other), False))
                if self.todo_ter:  # (none to compute: the compiled kernel is never loaded)
                    computed.update(_stats_chunk((self.ter_names, self._at(self.todo_ter), True)))
        finally:
            if self._pool is not None:
                self._pool.shutdown()
            _JOB.clear()
        flat: dict[str, list] = {}
        for n in self.names:
            todo = self.todo_ter if n in self.ter_names else self.todo_other
            values = dict(self.known[n])
            fresh = {j: v for j, v in zip(todo, computed.get(n, []), strict=True)}
            values.update(fresh)
            flat[n] = [values[j] for j in range(len(self.pairs))]
            if self.cache is not None and self.keys[n]:
                self.cache.put_many((self.keys[n][j], v) for j, v in fresh.items() if j not in self.known[n])
        g = self.group
        return {n: {s: [flat[n][self.index[(g[i], h)]] for i, h in enumerate(hyps)]
                    for s, hyps in self.systems.items()} for n in self.names}


def extract(metrics: dict, systems: dict[str, Sequence[str]], workers: int | None = None) -> dict[str, dict[str, list]]:
    """Per metric, per system: the list of per-segment statistics sacrebleu's
    ``_extract_corpus_statistics`` would return, computed once per distinct (text, references)."""
    return Extraction(metrics, systems, workers).result()


def chrf_fast_ok(metric) -> bool:
    """True for sacrebleu's chrF with 6 character orders, case kept and whitespace removed, with
    or without word n-grams (chrF, chrF++): :func:`chrf_family_stats` then gives its statistics
    exactly."""
    return (isinstance(metric, CHRF) and metric.char_order == pairchrf.CHAR_ORDER
            and not metric.lowercase and not metric.whitespace)


def chrf_stats(metric, systems: dict[str, Sequence[str]], refs: Sequence[Sequence[str]]) -> dict[str, list]:
    """The per-segment statistics sacrebleu's ``CHRF._extract_corpus_statistics`` returns for
    every system (one metric; see :func:`chrf_family_stats`)."""
    return chrf_family_stats({"m": metric}, systems, refs)["m"]


def _word_ngrams(words: list[str], order: int) -> list[Counter]:
    return [Counter([" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]) for n in range(1, order + 1)]


def chrf_family_stats(metrics: dict, systems: dict[str, Sequence[str]], refs: Sequence[Sequence[str]],
                      counted: pairchrf.SegmentTexts | None = None,
                      at: Sequence[int] | None = None) -> dict[str, dict[str, list]]:
    """Per metric (each :func:`chrf_fast_ok`), per system: the per-segment statistics sacrebleu's
    ``CHRF._extract_corpus_statistics`` returns, from one counting of character n-grams shared by
    all the metrics (chrF and chrF++ have the same character part; :mod:`pipeline.score.pairchrf`
    counts each distinct text's n-grams once per segment) and, for chrF++, word n-grams counted
    with sacrebleu's own word splitting and matching. Multiple references: per metric the one with
    the best F over all its orders, as sacrebleu picks it. Large inputs: the second half of the
    segments in a forked process. Metrics need no reference cache (:func:`make_metric` with
    ``cache=False``): a segment whose alphabet is too large to pack goes to sacrebleu with that
    segment's reference information computed on the spot. ``counted``: the texts already counted
    (:class:`~pipeline.score.pairchrf.SegmentTexts`), segment ``k`` here being its segment ``at[k]``."""
    names = list(systems)
    n = len(systems[names[0]]) if names else 0
    mnames = list(metrics)
    max_words = max((metrics[m].word_order for m in mnames), default=0)
    word_metric = next((metrics[m] for m in mnames if metrics[m].word_order), None)

    def segment(k: int) -> dict[str, list]:
        by_text: dict[str, list[int]] = {}
        for i, s in enumerate(names):
            by_text.setdefault(systems[s][k], []).append(i)
        seg_refs = [r[k] for r in refs]
        arr = (pairchrf.hyp_ref_stats(list(by_text), seg_refs) if counted is None
               else counted.hyp_ref_stats(at[k] if at is not None else k, list(by_text), seg_refs))
        ref_words = ([_word_ngrams(api.chrf_words(word_metric, r), max_words) for r in seg_refs]
                     if word_metric is not None and arr is not None else [])
        rows: dict[str, list] = {m: [None] * len(names) for m in mnames}
        for t_i, (text, who) in enumerate(by_text.items()):
            hyp_words = (_word_ngrams(api.chrf_words(word_metric, text), max_words)
                         if word_metric is not None and arr is not None else [])
            for m in mnames:
                metric = metrics[m]
                if arr is None:
                    stats = api.segment_statistics(metric, text, api.reference_info(metric, seg_refs))
                else:
                    stats = _best_reference(metric, arr[t_i], hyp_words, ref_words)
                for i in who:
                    rows[m][i] = stats
        return rows

    segs = _in_two_processes(lambda ks: [segment(k) for k in ks], list(range(n)), SPLIT_MIN_SEGMENTS)
    return {m: {s: [seg[m][i] for seg in segs] for i, s in enumerate(names)} for m in mnames}


def chrf_family_cached(metrics: dict, systems: dict[str, Sequence[str]], refs: Sequence[Sequence[str]],
                       counted: pairchrf.SegmentTexts | None, at: Sequence[int] | None,
                       cache: statcache.Scope | None) -> dict[str, dict[str, list]]:
    """:func:`chrf_family_stats` with the persistent cache: only the segments with a pair the cache
    does not hold (for some metric) are counted; what is counted is stored."""
    if cache is None:
        return chrf_family_stats(metrics, systems, refs, counted, at)
    names, mnames = list(systems), list(metrics)
    n = len(systems[names[0]]) if names else 0
    pairs = list(dict.fromkeys((k, systems[s][k]) for k in range(n) for s in names))
    refs_of = [tuple(seg) for seg in zip(*refs, strict=True)]
    known, keys = {}, {}
    for m in mnames:
        found, keys[m] = statcache.cached_statistics(cache, metrics[m], refs_of, pairs)
        known[m] = {pairs[j]: v for j, v in found.items()}
    todo = sorted({k for k, h in pairs if any((k, h) not in known[m] for m in mnames)})
    if todo:
        fresh = chrf_family_stats(metrics, {s: [systems[s][k] for k in todo] for s in names},
                                  [[r[k] for k in todo] for r in refs], counted,
                                  [at[k] if at is not None else k for k in todo])
        position = {pair: j for j, pair in enumerate(pairs)}
        for m in mnames:
            new: dict[tuple[int, str], list] = {}
            for s in names:
                for k, v in zip(todo, fresh[m][s], strict=True):
                    new.setdefault((k, systems[s][k]), v)
            cache.put_many((keys[m][position[pair]], v) for pair, v in new.items() if pair not in known[m])
            known[m].update(new)
    return {m: {s: [known[m][(k, systems[s][k])] for k in range(n)] for s in names} for m in mnames}


def _best_reference(metric, char_stats: np.ndarray, hyp_words: list[Counter], ref_words: list[list[Counter]]) -> list:
    """One text's statistics against a segment's references (``char_stats``: (refs, 18)): character
    orders from pairchrf, then the metric's word orders; the reference with the best F wins, the
    first on a tie (sacrebleu's ``>``)."""
    best: list | None = None
    best_f = -1.0
    for r_i in range(char_stats.shape[0]):
        cand = char_stats[r_i].tolist()
        for order in range(metric.word_order):
            cand += api.match_statistics(metric, hyp_words[order], ref_words[r_i][order])
        if char_stats.shape[0] == 1:
            return cand
        f = api.chrf_f_score(metric, cand)
        if f > best_f:
            best, best_f = cand, f
    return best if best is not None else []


def count_texts(segments: Sequence[Sequence[str]]) -> pairchrf.SegmentTexts:
    """:class:`~pipeline.score.pairchrf.SegmentTexts` of the segments, the second half counted in
    a forked process when there are enough segments and two CPUs."""
    return pairchrf.SegmentTexts(segments, count=lambda texts: _in_two_processes(
        lambda part: [pairchrf.segment_stats(t) for t in part], texts, SPLIT_MIN_SEGMENTS))


def _in_two_processes(fn, items: list, min_items: int) -> list:
    """``fn(items)`` (a list in, a list of the same length out), its two halves in two processes
    (:func:`pipeline.parallel.map_forked`) when there are ``min_items`` or more."""
    if len(items) < min_items or parallel.cpus() < 2:
        return fn(items)
    half = len(items) // 2
    first, second = parallel.map_forked(fn, [items[:half], items[half:]])
    return first + second


def bootstrap_indices(n_segments: int, n_samples: int, seed: int | None) -> np.ndarray:
    """The resampling indices sacrebleu draws (``significance.py``): one RNG, one call."""
    rng = np.random.default_rng(seed)
    return rng.choice(n_segments, size=(n_samples, n_segments), replace=True)


_RESAMPLING: dict = {}


def _resampling(n_segments: int, n_samples: int, seed: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Indices and count matrix, drawn once for all metrics of a run (same seed, same draw)."""
    key = (n_segments, n_samples, seed)
    if seed is None or key not in _RESAMPLING:
        idxs = bootstrap_indices(n_segments, n_samples, seed)
        if n_segments < 2 ** 31:
            idxs = idxs.astype(np.int32)  # half the memory; indexes the same rows
        counts = count_matrix(idxs, n_segments)
        idxs.flags.writeable = counts.flags.writeable = False
        if seed is None:
            return idxs, counts
        _RESAMPLING.clear()  # keep the latest only
        _RESAMPLING[key] = (idxs, counts)
    return _RESAMPLING[key]


def _resampled_sums(stats: np.ndarray, idxs: np.ndarray, counts: np.ndarray | None) -> np.ndarray:
    """``[stats[i].sum(0) for i in idxs]`` as float32, like sacrebleu. When every statistic
    is a non-negative integer and no sum can reach 2**24, float32 sums are exact in any
    order, so a count-matrix product gives the same bits much faster."""
    n = len(stats)
    if (counts is not None and np.all(stats >= 0) and np.all(stats == np.round(stats))
            and float(stats.max(initial=0)) * n < 2 ** 24):
        return (counts @ stats.astype(np.float64)).astype(np.float32)
    return np.stack([stats[i].sum(0) for i in idxs]) if len(idxs) else np.zeros((0, stats.shape[1]), np.float32)


def count_matrix(idxs: np.ndarray, n_segments: int) -> np.ndarray:
    """How often each segment is drawn in each resample (row by row: no temporary the size
    of the whole matrix)."""
    counts = np.empty((idxs.shape[0], n_segments), np.float64)
    for r, row in enumerate(idxs):
        counts[r] = np.bincount(row, minlength=n_segments)
    return counts


@dataclass
class SystemScore:
    score: float
    mean: float | None = None       # bootstrap mean (sacrebleu's mu)
    ci: float | None = None         # half width of the 95% interval (sacrebleu's +-)
    lo: float | None = None
    hi: float | None = None
    p_value: float | None = None


def corpus_scores(metric, stats_by_system: dict[str, list], n_bootstrap: int, seed: int | None,
                  baseline: str | None) -> dict[str, SystemScore]:
    """Corpus score, bootstrap CI and paired-bootstrap p-value against ``baseline`` for
    every system, with sacrebleu's arithmetic (``significance._paired_bs_test``)."""
    out: dict[str, SystemScore] = {}
    actual = {s: api.score_of_statistics(metric, st).score for s, st in stats_by_system.items()}
    if n_bootstrap <= 1:
        return {s: SystemScore(v) for s, v in actual.items()}
    n = len(next(iter(stats_by_system.values())))
    idxs, counts = _resampling(n, n_bootstrap, seed)

    def scores_of(names: list[str]) -> list[np.ndarray]:
        out = []
        for s in names:
            sums = _resampled_sums(np.array(stats_by_system[s], dtype="float32"), idxs, counts)
            fast = chrf_of_sums(metric, sums)
            out.append(fast if fast is not None else np.array([api.score_of_sums(metric, row).score for row in sums]))
        return out

    names = list(stats_by_system)
    # sacrebleu's score arithmetic on every resample is the cost: half the systems in a fork
    min_systems = 2 if n_bootstrap * len(names) >= SPLIT_MIN_RESAMPLED else len(names) + 1
    resampled = dict(zip(names, _in_two_processes(scores_of, names, min_systems), strict=True))
    lower = n_bootstrap // 40
    for s, scores in resampled.items():
        mean, ci = estimate_ci(scores)
        srt = np.sort(scores)
        p = None
        if baseline is not None and s != baseline:
            diff = abs(actual[baseline] - actual[s])
            sample_diffs = np.abs(scores - resampled[baseline])
            p = api.p_value(sample_diffs - sample_diffs.mean(), diff)
        out[s] = SystemScore(actual[s], float(mean), float(ci), float(srt[lower]),
                             float(srt[n_bootstrap - lower - 1]), p)
    return out


def chrf_of_sums(metric, sums: np.ndarray) -> np.ndarray | None:
    """``np.array([metric._compute_score_from_stats(row).score for row in sums])`` for chrF and
    chrF++ (no eps smoothing) over float32 resampled sums, computed for all rows at once: the
    operations of sacrebleu's ``CHRF._compute_f_score``, in its order, on the scalar types it
    gets (a float32 precision added to the float ``0.0``: float32 under numpy 2's rules, float64
    under numpy 1's), and an array of the dtype that list would make (float64 as soon as one
    row scores the plain ``0.0``; the arithmetic is :func:`pairchrf.f_score_parts`'s). None for
    any other metric or input: the caller then calls sacrebleu row by row.
    ``tests/test_score.py`` compares the bits with sacrebleu's."""
    if (not isinstance(metric, CHRF) or metric.eps_smoothing or sums.dtype != np.float32 or sums.ndim != 2
            or sums.shape[1] != 3 * metric.order):
        return None
    acc = type(0.0 + np.float32(0.0))  # what `avg_prec += prec` makes of a float32 precision
    if acc not in (np.float32, np.float64):
        return None
    st = sums.reshape(len(sums), metric.order, 3)
    score, zero = pairchrf.f_score_parts(st[..., 0], st[..., 1], st[..., 2], metric.beta, acc)
    if zero.any():
        score = score.astype(np.float64)
        score[zero] = 0.0
    return score


def signature(metric, n_bootstrap: int, seed: int | None) -> str:
    """sacrebleu's signature, with the bootstrap settings added as its paired test does."""
    sig = metric.get_signature()
    if n_bootstrap > 1:
        sig.update("seed", str(seed).lower())
        sig.update("bs", n_bootstrap)
    return sig.format()


def sentence_scores(metric, stats: list) -> list[float]:
    """Sentence-level scores from per-segment statistics: what ``sentence_score`` returns."""
    return [api.score_of_statistics(metric, [row]).score for row in stats]
