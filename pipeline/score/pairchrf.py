"""Pairwise sentence chrF within each segment, equal to sacrebleu's to the last bit.

Consensus needs chrF between every two candidates of a segment. Scoring pair by pair
(``fastchrf.pairwise_chrf``, or sacrebleu itself) extracts each text's character n-grams
once per *pair*; here they are extracted once per *text*:

1. the segment's texts, whitespace removed as sacrebleu does, become small integer codes
   (the rank of each character in the segment's alphabet);
2. each n-gram (n = 1..6) packs exactly into one 64-bit integer (6 x 10 bits at most; a
   segment with a larger alphabet falls back to fastchrf);
3. a count matrix (texts x distinct n-grams) per order gives every pair's matches at once:
   ``sum(min(count_a, count_b))``, the clipped counts sacrebleu's ``Counter &`` computes;
4. the integer statistics ``[hyp, ref, match]`` per order go through the arithmetic of
   ``CHRF._compute_f_score`` (chrF2, no eps smoothing), operation for operation in float64,
   so the floats are the same bits. ``tests/test_score.py`` checks this against sacrebleu.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CHAR_ORDER = 6
BETA = 2
MAX_BITS = 10  # 6 orders x 10 bits = 60 bits: exact in uint64


def _codes(texts: Sequence[str]) -> tuple[list[np.ndarray], int] | None:
    stripped = ["".join(t.split()) for t in texts]
    cps = [np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32) for s in stripped]
    allc = np.concatenate(cps) if cps else np.zeros(0, np.uint32)
    alphabet, inv = np.unique(allc, return_inverse=True)
    bits = max(1, int(len(alphabet)).bit_length())
    if bits > MAX_BITS:
        return None
    out, pos = [], 0
    for c in cps:
        out.append(inv[pos:pos + len(c)].astype(np.uint64))
        pos += len(c)
    return out, bits


def segment_stats(texts: Sequence[str]) -> np.ndarray | None:
    """int64 array (k, k, order, 3): [hyp, ref, match] counts of text a scored against text b."""
    coded = _codes(texts)
    if coded is None:
        return None
    codes, bits = coded
    k = len(texts)
    stats = np.zeros((k, k, CHAR_ORDER, 3), dtype=np.int64)
    grams = list(codes)
    tid_base = [np.full(len(c), i, dtype=np.int64) for i, c in enumerate(codes)]
    for n in range(1, CHAR_ORDER + 1):
        if n > 1:
            shift = np.uint64(bits * (n - 1))
            grams = [g[:-1] | (c[n - 1:] << shift) if len(c) >= n else c[:0]
                     for g, c in zip(grams, codes, strict=True)]
        lens = np.array([len(g) for g in grams], dtype=np.int64)
        if lens.sum() == 0:
            stats[:, :, n - 1, 0] = lens[:, None]
            stats[:, :, n - 1, 1] = lens[None, :]
            continue
        allg = np.concatenate(grams)
        tid = np.concatenate([t[:len(g)] for t, g in zip(tid_base, grams, strict=True)])
        uniq, inv = np.unique(allg, return_inverse=True)
        v = len(uniq)
        counts = np.bincount(tid * v + inv, minlength=k * v).reshape(k, v)
        match = np.minimum(counts[:, None, :], counts[None, :, :]).sum(-1)
        stats[:, :, n - 1, 0] = lens[:, None]
        stats[:, :, n - 1, 1] = lens[None, :]
        stats[:, :, n - 1, 2] = match
    return stats


def f_scores(stats: np.ndarray) -> np.ndarray:
    """sacrebleu's ``CHRF._compute_f_score`` over the last two axes (order, [hyp, ref, match])."""
    score, zero = f_score_parts(stats[..., 0], stats[..., 1], stats[..., 2])
    return np.where(zero, 0.0, score)


def f_score_parts(hyp: np.ndarray, ref: np.ndarray, match: np.ndarray, beta: float = BETA,
                  acc: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """sacrebleu's ``CHRF._compute_f_score`` (no eps smoothing) over arrays whose last axis is
    the order: (the F-scores, where sacrebleu returns the plain ``0.0`` instead). The operations
    are sacrebleu's, in its order: each precision and recall is divided in the counts' own float
    type (float64 for integer counts, as Python's ``int / int``) and summed, averaged and combined
    in ``acc``, the type sacrebleu's accumulators take for such counts."""
    div = hyp.dtype if hyp.dtype.kind == "f" else np.dtype(np.float64)
    factor = beta ** 2
    shape = hyp.shape[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = (match.astype(div) / hyp.astype(div)).astype(acc)
        rec = (match.astype(div) / ref.astype(div)).astype(acc)
        avg_prec: np.ndarray = np.zeros(shape, acc)
        avg_rec: np.ndarray = np.zeros(shape, acc)
        eff = np.zeros(shape, np.int64)
        for i in range(hyp.shape[-1]):
            ok = (hyp[..., i] > 0) & (ref[..., i] > 0)
            avg_prec = np.where(ok, avg_prec + prec[..., i], avg_prec)
            avg_rec = np.where(ok, avg_rec + rec[..., i], avg_rec)
            eff += ok
        avg_prec = avg_prec / eff.astype(acc)
        avg_rec = avg_rec / eff.astype(acc)
        score = acc(1 + factor) * avg_prec * avg_rec
        score = score / (acc(factor) * avg_prec + avg_rec)
        score = acc(100) * score
    return score, (eff == 0) | ~(avg_prec + avg_rec != 0)


def pairwise_chrf(segments: Sequence[Sequence[str]]) -> list[np.ndarray | None]:
    """Per segment, the (k, k) matrix chrF(text a as hypothesis, text b as reference);
    None where the segment's alphabet is too large to pack (the caller falls back)."""
    out: list[np.ndarray | None] = []
    for texts in segments:
        st = segment_stats(texts)
        out.append(None if st is None else f_scores(st))
    return out


def hyp_ref_stats(hyps: Sequence[str], refs: Sequence[str]) -> np.ndarray | None:
    """int64 (len(hyps), len(refs), 18): sacrebleu chrF's segment statistics of each
    hypothesis against each reference — ``[hyp, ref, match]`` per order, with the hypothesis
    count zeroed for an order the reference has no n-gram of (``_get_match_statistics``)."""
    st = segment_stats(list(hyps) + list(refs))
    return None if st is None else _as_hyp_ref(st[: len(hyps), len(hyps):])


def _as_hyp_ref(pairs: np.ndarray) -> np.ndarray:
    """(hyps, refs, order, 3) pair counts -> chrF's segment statistics (hyps, refs, 18): the
    hypothesis count zeroed for an order the reference has no n-gram of."""
    sub = pairs.copy()
    sub[..., 0] = np.where(sub[..., 1] > 0, sub[..., 0], 0)
    return sub.reshape(sub.shape[0], sub.shape[1], CHAR_ORDER * 3)


class SegmentTexts:
    """Every text of each segment counted once (:func:`segment_stats`): the candidates and the
    reference together, so consensus (candidate against candidate) and chrF (candidate against
    reference) read their statistics from one counting instead of two. ``count`` maps the
    list of segments' texts to their stats (default :func:`segment_stats` one by one; the caller
    may spread it over processes)."""

    def __init__(self, segments: Sequence[Sequence[str]], count=None):
        self.texts = [list(dict.fromkeys(seg)) for seg in segments]
        self.index = [{t: i for i, t in enumerate(ts)} for ts in self.texts]
        self.stats: list[np.ndarray | None] = (
            count(self.texts) if count is not None else [segment_stats(ts) for ts in self.texts])

    def pair_stats(self, k: int, hyps: Sequence[str], refs: Sequence[str]) -> np.ndarray | None:
        """int64 (len(hyps), len(refs), order, 3) of segment ``k``, as :func:`segment_stats` of
        exactly these texts would give (each pair's counts depend on that pair only); None
        where the segment's alphabet is too large to pack."""
        st = self.stats[k]
        if st is None:
            return None
        ix = self.index[k]
        return st[np.ix_([ix[h] for h in hyps], [ix[r] for r in refs])]

    def hyp_ref_stats(self, k: int, hyps: Sequence[str], refs: Sequence[str]) -> np.ndarray | None:
        """:func:`hyp_ref_stats` of segment ``k``'s texts."""
        sub = self.pair_stats(k, hyps, refs)
        return None if sub is None else _as_hyp_ref(sub)
