"""Reference-free consensus (minimum-Bayes-risk selection).

A candidate's consensus is its mean sentence chrF against every other non-empty candidate
of the same segment: the candidate the others agree with most is the safest to start from.
The pairwise chrF comes from :mod:`pipeline.score.pairchrf`, which extracts each text's
n-grams once per segment instead of once per pair (four times less CPU than
``fastchrf.pairwise_chrf`` on WMT23 en-cs) and returns sacrebleu's sentence chrF (chrF2, char
order 6, whitespace removed) to the last bit; fastchrf, equally exact, takes the rare segment
whose alphabet is too large to pack. Tests check both against sacrebleu.
"""

from __future__ import annotations

from collections.abc import Sequence

import fastchrf

from pipeline.score.pairchrf import SegmentTexts, f_scores, pairwise_chrf


def consensus(segments: Sequence[Sequence[str | None]], counted: SegmentTexts | None = None) -> list[list[float | None]]:
    """For each segment (a list of candidate texts, None/blank = none), each candidate's
    mean chrF against the others; None for an empty candidate or a lone one. ``counted``: the
    segments' texts already counted (:class:`~pipeline.score.pairchrf.SegmentTexts`, holding
    at least these texts per segment)."""
    live = [[i for i, t in enumerate(seg) if t is not None and t.strip()] for seg in segments]
    out: list[list[float | None]] = [[None] * len(seg) for seg in segments]
    todo = [k for k, idx in enumerate(live) if len(idx) >= 2]
    if not todo:
        return out
    # Identical candidates are scored once: chrF of a text against itself is 100.
    uniq: list[list[str]] = [list(dict.fromkeys(str(segments[k][i]) for i in live[k])) for k in todo]
    if counted is None:
        matrices: list = list(pairwise_chrf(uniq))
    else:
        matrices = []
        for k, u in zip(todo, uniq, strict=True):
            st = counted.pair_stats(k, u, u)
            matrices.append(None if st is None else f_scores(st))
    fallback = [a for a, m in enumerate(matrices) if m is None]
    if fallback:
        for a, m in zip(fallback, fastchrf.pairwise_chrf([uniq[a] for a in fallback],
                                                         [uniq[a] for a in fallback]), strict=True):
            matrices[a] = m
    for k, u, m in zip(todo, uniq, matrices, strict=True):
        pos = {t: a for a, t in enumerate(u)}
        idx = [pos[str(segments[k][i])] for i in live[k]]
        n = len(idx)
        for a, i in enumerate(live[k]):
            ia = idx[a]
            out[k][i] = float(sum(m[ia][idx[b]] for b in range(n) if b != a) / (n - 1))
    return out


def signature() -> str:
    """sacrebleu's chrF signature for the pairwise sentence chrF, marked as a mean over the
    segment's other candidates (each taken in turn as the single reference)."""
    from sacrebleu.metrics import CHRF

    chrf = CHRF()
    chrf.sentence_score("a", ["a"])  # sacrebleu only signs a metric that has seen references
    return chrf.get_signature().format() + "|consensus:mean-over-other-candidates"
