"""sacrebleu's private API, used through pipeline/score/sacrebleu_api.py only, still means what
sfia-qa relies on: these tests compare every wrapper with sacrebleu's public results, so an
upgrade that renames or changes one fails here, loudly, instead of as wrong numbers in a report."""

from __future__ import annotations

import numpy as np
import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from pipeline.score import sacrebleu_api as api

REFS = ["The cat sat on the mat.", "Service desks handle customer requests promptly.",
        "Plans and oversees the team's work."]
HYPS = ["The cat is on the mat.", "The service desk handles requests of customers quickly.",
        "Plans the work of the team and oversees it."]


@pytest.mark.parametrize("make", [BLEU, CHRF, lambda **k: CHRF(word_order=2, **k), TER])
def test_statistics_and_scores_equal_sacrebleus_public_results(make):
    metric = make(references=[REFS])
    assert api.has_references(metric) and not api.has_references(make())
    cache = api.ref_cache(metric)
    assert len(cache) == len(REFS)
    stats = [api.segment_statistics(metric, api.preprocess(metric, h), cache[i]) for i, h in enumerate(HYPS)]
    public = make().corpus_score(HYPS, [REFS])
    assert api.score_of_statistics(metric, stats).score == public.score
    for h, r, st in zip(HYPS, REFS, stats, strict=True):
        assert api.score_of_statistics(metric, [st]).score == make().sentence_score(h, [r]).score
    sums = [sum(col) for col in zip(*stats, strict=True)]
    assert api.score_of_sums(metric, sums).score == public.score


def test_chrf_f_score_is_the_sentence_score():
    metric = CHRF(references=[REFS])
    for i, h in enumerate(HYPS):
        st = api.segment_statistics(metric, api.preprocess(metric, h), api.ref_cache(metric)[i])
        assert api.chrf_f_score(metric, st) == CHRF().sentence_score(h, [REFS[i]]).score


def test_p_value_and_interval_are_sacrebleus_paired_bootstrap_arithmetic():
    rng = np.random.default_rng(0)
    diffs = rng.normal(0.0, 1.0, 1000)
    # the share of resampled (centred) differences larger than the observed one, +1 smoothing
    expected = (np.sum(diffs > 1.5) + 1) / (len(diffs) + 1)
    assert api.p_value(diffs, 1.5) == pytest.approx(expected)
    mean, half = api.estimate_ci(rng.normal(50.0, 2.0, 1000))
    assert 49.5 < mean < 50.5 and 3.0 < half < 5.0


def test_reference_info_words_and_match_statistics_rebuild_chrf_plus_plus():
    """chrF++'s statistics rebuilt from the wrappers (reference info, its words, per-order
    matching) are the ones sacrebleu caches and counts itself."""
    from collections import Counter

    metric = CHRF(word_order=2, references=[REFS])
    for i, h in enumerate(HYPS):
        assert api.reference_info(metric, [REFS[i]]) == api.ref_cache(metric)[i]
        hw, rw = api.chrf_words(metric, h), api.chrf_words(metric, REFS[i])
        assert rw[-1] == "." and "." not in rw[-2]  # punctuation split off the last word
        word_part = []
        for n in (1, 2):
            hc = Counter(" ".join(hw[j:j + n]) for j in range(len(hw) - n + 1))
            rc = Counter(" ".join(rw[j:j + n]) for j in range(len(rw) - n + 1))
            word_part += api.match_statistics(metric, hc, rc)
        full = api.segment_statistics(metric, h, api.ref_cache(metric)[i])
        assert full[-6:] == word_part


def test_forget_texts_empties_every_tokenizer_cache_a_score_filled():
    """The score stage empties sacrebleu's tokenizer caches after each language (a full cache is
    about 100 MB a tokenizer, useless to the next language). If sacrebleu moved its caches, the
    caches found here would not be emptied and this fails."""
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
    from sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer

    before = BLEU().corpus_score(HYPS, [REFS]).score, TER().corpus_score(HYPS, [REFS]).score
    filled = [Tokenizer13a.__call__, TercomTokenizer.__call__]
    assert all(c.cache_info().currsize > 0 for c in filled)
    api.forget_texts()
    assert all(c.cache_info().currsize == 0 for c in filled)
    # emptied, not broken: the same texts score the same after
    assert (BLEU().corpus_score(HYPS, [REFS]).score, TER().corpus_score(HYPS, [REFS]).score) == before
