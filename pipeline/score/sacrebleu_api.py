"""The one module that touches sacrebleu's private API.

sfia-qa computes each segment's sufficient statistics once and lets sacrebleu's own arithmetic
turn them into scores, bootstrap resamples and p-values, so its numbers are sacrebleu's bit for
bit. That needs a handful of sacrebleu 2.x methods and functions whose names start with ``_``;
they are wrapped here and nowhere else. ``tests/test_sacrebleu_api.py`` checks every wrapper
against sacrebleu's public results, so an upgrade that renames or changes one fails loudly there,
not as wrong numbers in a report.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sacrebleu.significance import _compute_p_value, estimate_ci

__all__ = ["ref_cache", "has_references", "reference_info", "preprocess", "segment_statistics",
           "score_of_statistics", "score_of_sums", "chrf_f_score", "chrf_words", "match_statistics", "p_value",
           "estimate_ci"]


def ref_cache(metric) -> list:
    """The metric's cached reference information, one entry per segment (``_ref_cache``)."""
    return metric._ref_cache


def has_references(metric) -> bool:
    """Whether the metric was built with references (its reference cache exists)."""
    return getattr(metric, "_ref_cache", None) is not None


def reference_info(metric, refs: Sequence[str]):
    """One segment's reference information as the metric caches it (``_extract_reference_info``),
    for references already passed through :func:`preprocess`."""
    return metric._extract_reference_info(refs)


def preprocess(metric, text: str) -> str:
    """A hypothesis as the metric prepares it before counting (``_preprocess_segment``)."""
    return metric._preprocess_segment(text)


def segment_statistics(metric, hypothesis: str, reference_info) -> list:
    """One segment's sufficient statistics (``_compute_segment_statistics``), for a hypothesis
    already passed through :func:`preprocess` and that segment's :func:`ref_cache` entry."""
    return metric._compute_segment_statistics(hypothesis, reference_info)


def score_of_statistics(metric, stats: Sequence):
    """The score (sacrebleu's score object) of per-segment statistics (``_aggregate_and_compute``):
    a corpus score for all segments, a sentence score for one."""
    return metric._aggregate_and_compute(stats)


def score_of_sums(metric, sums):
    """The score of already-summed statistics (``_compute_score_from_stats``), as the bootstrap uses it."""
    return metric._compute_score_from_stats(sums)


def chrf_f_score(metric, stats: Sequence) -> float:
    """chrF's F-score of one segment's statistics (``CHRF._compute_f_score``)."""
    return metric._compute_f_score(stats)


def chrf_words(metric, text: str) -> list[str]:
    """chrF++'s words of a text: split on whitespace, punctuation split off (``_remove_punctuation``)."""
    return metric._remove_punctuation(text)


def match_statistics(metric, hyp_ngrams, ref_ngrams) -> list[int]:
    """chrF's ``[hyp, ref, match]`` of two n-gram Counters of one order (``_get_match_statistics``)."""
    return metric._get_match_statistics(hyp_ngrams, ref_ngrams)


def p_value(sample_diffs: np.ndarray, actual_diff: float) -> float:
    """The paired-bootstrap p-value (``significance._compute_p_value``)."""
    return _compute_p_value(sample_diffs, actual_diff)


def forget_texts() -> None:
    """Empty sacrebleu's tokenizer caches. Each tokenizer keeps the last 65,536 texts it was given,
    with their tokens (``lru_cache`` on ``__call__``): about 100 MB once full, and of no use to the
    next language, whose texts are others."""
    import sys

    for name, module in list(sys.modules.items()):
        if not name.startswith("sacrebleu.tokenizers.") or module is None:
            continue
        for obj in vars(module).values():
            call = vars(obj).get("__call__") if isinstance(obj, type) else None
            if call is not None and hasattr(call, "cache_clear"):
                call.cache_clear()
