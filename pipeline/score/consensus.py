"""Reference-free consensus (minimum-Bayes-risk selection).

A candidate's consensus is its mean sentence chrF against every other non-empty candidate
of the same segment: the candidate the others agree with most is the safest to start from.
The pairwise chrF comes from ``fastchrf.pairwise_chrf``, which returns sacrebleu's sentence
chrF (chrF2, char order 6, whitespace removed) to the last bit; a test checks this.
"""

from __future__ import annotations

from collections.abc import Sequence

import fastchrf


def consensus(segments: Sequence[Sequence[str | None]]) -> list[list[float | None]]:
    """For each segment (a list of candidate texts, None/blank = none), each candidate's
    mean chrF against the others; None for an empty candidate or a lone one."""
    live = [[i for i, t in enumerate(seg) if t is not None and t.strip()] for seg in segments]
    batch = [[segments[k][i] for i in idx] for k, idx in enumerate(live)]
    out: list[list[float | None]] = [[None] * len(seg) for seg in segments]
    todo = [k for k, idx in enumerate(live) if len(idx) >= 2]
    if not todo:
        return out
    matrices = fastchrf.pairwise_chrf([batch[k] for k in todo], [batch[k] for k in todo])
    for k, m in zip(todo, matrices, strict=True):
        n = len(live[k])
        for a, i in enumerate(live[k]):
            out[k][i] = sum(m[a][b] for b in range(n) if b != a) / (n - 1)
    return out
