"""The compiled TER (pipeline.score.ter) gives sacrebleu's TER statistics bit for bit."""

from __future__ import annotations

import json
import multiprocessing as mp
import sys
from concurrent.futures import ProcessPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sacrebleu.metrics import TER, lib_ter
from sacrebleu.significance import PairedTest

from pipeline.cli import main
from pipeline.score import metrics as M
from pipeline.score import ter

VARIANTS = {
    "default": {},
    "normalized": {"normalized": True},
    "no_punct": {"no_punct": True},
    "asian_support": {"normalized": True, "no_punct": True, "asian_support": True},
    "case_sensitive": {"case_sensitive": True},
}


def sacrebleu_stats(metric: TER, pairs) -> list[list]:
    """What sacrebleu's ``_extract_corpus_statistics`` computes for each (segment, hyp)."""
    return [metric._compute_segment_statistics(metric._preprocess_segment(h), metric._ref_cache[k])
            for k, h in pairs]


def assert_same(got: list[list], want: list[list], pairs) -> None:
    assert len(got) == len(want)
    for (k, h), g, w in zip(pairs, got, want, strict=True):
        # same values and same types: [int edits, float average reference length]
        assert (g, [type(x) for x in g]) == (w, [type(x) for x in w]), (k, h)


def test_numba_kernel_is_available():
    """numba is a runtime dependency: the compiled path is what the other tests exercise."""
    assert ter.kernel() is not None


# -- (a) every WMT23 en-cs (hypothesis, reference) pair --------------------------------------

def _read_wmt(shared):
    d = shared / "wmt23" / "en-cs"
    ref_file = d / "generaltest2023.en-cs.ref.refA.cs"
    hyps = sorted(d.glob("generaltest2023.en-cs.hyp.*.cs"))
    if not ref_file.is_file() or len(hyps) != 15:
        pytest.skip(f"WMT23 en-cs files missing in {d}")
    ref = ref_file.read_text(encoding="utf-8").split("\n")[:-1]
    systems = {p.name: p.read_text(encoding="utf-8").split("\n")[:-1] for p in hyps}
    assert all(len(v) == len(ref) for v in systems.values())
    return ref, systems


_POOL_METRIC: dict = {}


def _sacrebleu_chunk(pairs):
    return sacrebleu_stats(_POOL_METRIC["m"], pairs)


@pytest.mark.shared
def test_every_wmt23_en_cs_pair_equals_sacrebleu(shared):
    """All 15 x 2,074 = 31,110 pairs, compiled, against sacrebleu's own TER. sacrebleu runs once
    per distinct (segment, hypothesis) (23,563; it is deterministic), about 20 s of CPU split
    over two processes: the slowest test here (20-45 s of wall time, by the machine's load)."""
    ref, systems = _read_wmt(shared)
    metric = TER(references=[ref])
    pairs = [(k, h) for hyps in systems.values() for k, h in enumerate(hyps)]
    assert len(pairs) == 31110
    got = ter.segment_statistics(metric, pairs)

    distinct = list(dict.fromkeys(pairs))
    _POOL_METRIC["m"] = metric
    try:
        with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as pool:
            parts = list(pool.map(_sacrebleu_chunk, [distinct[i::8] for i in range(8)]))
    finally:
        _POOL_METRIC.clear()
    want_of = {}
    for i, part in enumerate(parts):
        want_of.update(zip(distinct[i::8], part, strict=True))
    assert_same(got, [want_of[p] for p in pairs], pairs)
    # shifts really happen in this data (the test would be weak if edits were plain Levenshtein)
    assert sum(g[0] for g in got) > 0


@pytest.mark.shared
def test_wmt23_sample_in_every_variant_equals_sacrebleu(shared):
    ref, systems = _read_wmt(shared)
    pairs = [(k, h) for hyps in systems.values() for k, h in enumerate(hyps)][::97]
    for name, kw in VARIANTS.items():
        metric = TER(references=[ref], **kw)
        assert_same(ter.segment_statistics(metric, pairs), sacrebleu_stats(metric, pairs), [(name, p) for p in pairs])


# -- (b) properties over random token sequences ------------------------------------------------

# A small vocabulary so that words repeat and shifts pay; mixed case, punctuation, XML
# escapes, a possessive, CJK and full-width punctuation for the tokenizer variants.
WORDS = ["a", "b", "c", "A", "B", "the", "The", "cat", ".", ",", "a.", "b,", "x's", "&amp;",
         "3.5", "1-2", "(c)", "猫", "的", "。", "，", "！", "カタ"]
word_lists = st.lists(st.sampled_from(WORDS), max_size=40)
tiny_lists = st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=30)
texts = st.one_of(word_lists.map(" ".join), tiny_lists.map(" ".join),
                  st.just(""), st.just("   "), st.just("a\nb -\nc"))


def lib_ter_search(words_hyp: list[str], words_ref: list[str]) -> tuple[int, int, list[str], int]:
    """lib_ter's ``translation_edit_rate`` step by step, with its own ``_shift`` and
    ``BeamEditDistance``, to see what it does not return: how many shifts, the words they
    produce and the candidates checked. A different tie-break shows here even when the
    number of edits happens to agree. (edits -1: lib_ter fails.)"""
    if not words_ref:
        return len(words_hyp), 0, list(words_hyp), 0
    try:  # the body of translation_edit_rate
        ed = lib_ter.BeamEditDistance(words_ref)
        words, shifts, checked = words_hyp, 0, 0
        while True:
            delta, shifted, checked = lib_ter._shift(words, words_ref, ed, checked)
            if checked >= lib_ter._MAX_SHIFT_CANDIDATES or delta <= 0:
                break
            shifts += 1
            words = shifted
        total = shifts + ed(words)[0]
    except Exception:
        return -1, *ter.shift_search(words_hyp, words_ref)[1:]   # only the edits are compared then
    return total, shifts, list(words), checked


def test_step_by_step_search_is_lib_ters_function():
    """lib_ter_search (above) is translation_edit_rate, on cases with and without shifts."""
    cases = [("d c b a", "a b c d"), ("a b c d e f g", "e f g a b c d"), ("", "a b"), ("a", ""),
             ("b a b a b a b a", "a b a b a b a b"), ("x y z", "a b c")]
    for h, r in cases:
        assert lib_ter_search(h.split(), r.split())[0] == lib_ter.translation_edit_rate(h.split(), r.split())[0]


def check_pairs(kw: dict, refs_per_segment: list[list[str]], hyps: list[str]) -> None:
    """The kernel alone equals lib_ter on every (hypothesis, reference) word pair (no fallback
    hides a difference), and the statistics equal sacrebleu's, several references included."""
    n_refs = len(refs_per_segment[0])
    references = [[seg[r] for seg in refs_per_segment] for r in range(n_refs)]
    metric = TER(references=references, **kw)
    pairs = [(k % len(refs_per_segment), h) for k, h in enumerate(hyps)]
    for k, h in pairs:
        words_h = metric._preprocess_segment(h).split()
        for words_r in metric._ref_cache[k]["ref_words"]:
            assert ter.shift_search(words_h, words_r) == lib_ter_search(words_h, words_r), (words_h, words_r)
    assert_same(ter.segment_statistics(metric, pairs), sacrebleu_stats(metric, pairs), pairs)


@pytest.mark.parametrize("variant", VARIANTS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_sequences_equal_sacrebleu(variant, data):
    n_refs = data.draw(st.integers(1, 3), label="references per segment")
    segs = data.draw(st.lists(st.lists(texts, min_size=n_refs, max_size=n_refs), min_size=1, max_size=3))
    hyps = data.draw(st.lists(texts, min_size=1, max_size=4))
    check_pairs(VARIANTS[variant], segs, hyps)


@pytest.mark.parametrize("n_hyp", [1, 2, 3, 5])
@pytest.mark.parametrize("n_ref", [49, 101, 160, 260])
def test_extreme_length_ratios_widen_the_beam_as_sacrebleu(n_hyp, n_ref):
    """Length ratios above 50 widen lib_ter's beam (without it the last cell is unreachable);
    both directions."""
    words = ["a", "b", "c", "a", "d"]
    h = " ".join(words[i % 5] for i in range(n_hyp))
    r = " ".join(words[(i * 7) % 5] for i in range(n_ref))
    check_pairs({}, [[r], [h]], [h, r])


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hyp=st.lists(st.sampled_from("ab"), min_size=45, max_size=60),
       ref=st.lists(st.sampled_from("ab"), min_size=45, max_size=60))
def test_long_repetitive_sequences_hit_the_candidate_limit_as_sacrebleu(hyp, ref):
    """Two-word vocabularies over long sequences make lib_ter stop at 1,000 candidates."""
    check_pairs({}, [[" ".join(ref)]], [" ".join(hyp)])


phrase = st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]), min_size=1, max_size=14)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks=st.lists(phrase, min_size=2, max_size=4), data=st.data())
def test_moved_blocks_equal_sacrebleu(blocks, data):
    """Whole phrases (up to 14 words: longer than lib_ter's 10-word shift limit) moved about,
    with a few words changed: the shifts TER exists for."""
    ref = [w for b in blocks for w in b]
    order = data.draw(st.permutations(range(len(blocks))), label="order")
    hyp = [w for i in order for w in blocks[i]]
    for pos, w in data.draw(st.lists(st.tuples(st.integers(0, len(hyp) - 1), st.sampled_from("xyz")),
                                     max_size=3), label="edits"):
        hyp[pos] = w
    check_pairs({}, [[" ".join(ref)]], [" ".join(hyp)])


def test_shifts_counted_like_sacrebleu():
    metric = TER(references=[["the cat sat on the mat today .", "a b c d e f", "", "x y"]])
    pairs = [(0, "today the cat sat on mat ."), (1, "f e d c b a"), (2, "some words"), (3, ""),
             (0, "")]
    got = ter.segment_statistics(metric, pairs)
    assert_same(got, sacrebleu_stats(metric, pairs), pairs)
    assert got[0] == [2, 8.0]      # one shift ("today") and one deletion ("the")
    assert got[2] == [2, 0.0]      # empty reference: every hypothesis word is an edit


# -- (c) without numba: sacrebleu's TER, one notice ---------------------------------------------

@pytest.fixture
def fresh_state(monkeypatch):
    monkeypatch.setattr(ter, "_state", {"kernel": None, "single": None, "failed": None, "noticed": False})


def test_fallback_without_numba_gives_the_same_numbers_and_one_notice(fresh_state, monkeypatch, capsys):
    metric = TER(references=[["a b c d", "the cat sat"]])
    pairs = [(0, "d c b a"), (1, "sat the cat"), (0, "")]
    compiled = ter.segment_statistics(metric, pairs)
    capsys.readouterr()

    monkeypatch.setattr(ter, "_state", {"kernel": None, "single": None, "failed": None, "noticed": False})
    monkeypatch.setitem(sys.modules, "numba", None)   # "import numba" now raises ImportError
    assert ter.segment_statistics(metric, pairs) == compiled
    assert ter.segment_statistics(metric, pairs) == compiled
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("sfia-qa: notice: compiled TER unavailable (numba cannot be imported")
    assert "sacrebleu's TER" in err[0]


def test_fallback_when_compiling_fails(fresh_state, monkeypatch, capsys):
    def broken():
        raise RuntimeError("lowering failed\nwith details")

    monkeypatch.setattr(ter, "_compile", broken)
    metric = TER(references=[["a b c d"]])
    assert ter.segment_statistics(metric, [(0, "d c b a")]) == sacrebleu_stats(metric, [(0, "d c b a")])
    err = capsys.readouterr().err.splitlines()
    assert err == ["sfia-qa: notice: compiled TER unavailable (compiling failed: RuntimeError: lowering "
                   "failed); using sacrebleu's TER (same numbers, slower)"]


def test_unsupported_metric_uses_sacrebleu(monkeypatch):
    """A TER subclass (its statistics may differ) is left to sacrebleu, without a notice."""
    class Odd(TER):
        def _compute_segment_statistics(self, hypothesis, ref_kwargs):
            return [42, 1.0]

    metric = Odd(references=[["a b"]])
    assert not ter.supported(metric) and ter.supported(TER(references=[["a b"]]))
    assert ter.segment_statistics(metric, [(0, "b a")]) == [[42, 1.0]]


# -- (d) sfia-qa score's corpus TER is sacrebleu's ----------------------------------------------

@pytest.mark.shared
def test_sfia_qa_score_corpus_ter_equals_sacrebleu(shared, tmp_path, capsys):
    ref, systems = _read_wmt(shared)
    n = 300
    ref_file = tmp_path / "ref.cs"
    ref_file.write_text("\n".join(ref[:n]) + "\n", encoding="utf-8")
    names = sorted(systems)[:4]
    args = ["score", "--ref", str(ref_file), "--metrics", "ter,chrf", "--bootstrap", "100"]
    for i, name in enumerate(names):
        f = tmp_path / f"sys{i}.cs"
        f.write_text("\n".join(systems[name][:n]) + "\n", encoding="utf-8")
        args += ["--hyp", f"sys{i}={f}"]
    assert main(args) == 0
    board = json.loads(capsys.readouterr().out)
    rows = {s["name"]: s for s in board["systems"]}
    for i, name in enumerate(names):
        assert rows[f"sys{i}"]["ter"] == TER().corpus_score(systems[name][:n], [ref[:n]]).score

    # the bootstrap over those statistics is sacrebleu's paired test, baseline first
    base = board["baseline"]
    order = [base] + [f"sys{i}" for i in range(len(names)) if f"sys{i}" != base]
    hyps = {f"sys{i}": systems[name][:n] for i, name in enumerate(names)}
    _, res = PairedTest([(s, hyps[s]) for s in order], {"TER": TER(references=[ref[:n]])}, None,
                        test_type="bs", n_samples=100)()
    for s, r in zip(order, res["TER"], strict=True):
        assert rows[s]["ter_bootstrap"] == {"mean": r.mean, "half_width": r.ci}
        if s != base:
            assert rows[s]["p_values"]["ter"] == r.p_value


def test_extraction_dedupes_identical_text_and_references(monkeypatch):
    """Repeated (text, references) pairs are computed once, and the statistics still land on
    every segment of every system."""
    refs = [["a b c", "x y", "a b c", "x y"]]
    systems = {"s1": ["c b a", "y x", "c b a", "x y"], "s2": ["c b a", "y x", "a b c", "x y"]}
    metrics = {"ter": M.make_metric("ter", refs), "bleu": M.make_metric("bleu", refs)}
    job = M.Extraction(metrics, systems, workers=1)
    assert len(job.pairs) == 4        # (c b a|abc), (y x|xy), (x y|xy), (a b c|abc)
    got = job.result()
    for name, m in metrics.items():
        for s, hyps in systems.items():
            assert got[name][s] == m._extract_corpus_statistics(hyps, None)


@pytest.mark.parametrize("workers", [1, 2])
def test_extraction_compiled_ter_in_a_worker_equals_sacrebleu(monkeypatch, workers):
    """The compiled TER as the pool's (or this process's) task: sacrebleu's statistics."""
    monkeypatch.setattr(M, "TER_COMPILED_MIN_PAIRS", 1)
    refs = [["the cat sat on the mat .", "a b c d e f", "x y z", "the cat sat on the mat ."]]
    systems = {"s1": ["on the mat the cat sat .", "f e d c b a", "", "the cat sat on the mat ."],
               "s2": ["the mat sat on the cat .", "a b c d e", "z y x", "cat the sat on mat the ."]}
    metrics = {"ter": M.make_metric("ter", refs), "bleu": M.make_metric("bleu", refs)}
    job = M.Extraction(metrics, systems, workers=workers)
    assert job.ter_names == ["ter"] and job.parallel == (workers > 1)
    got = job.result()
    for name, m in metrics.items():
        for s, hyps in systems.items():
            assert got[name][s] == m._extract_corpus_statistics(hyps, None)


def test_forked_halves_give_the_same_chrf_statistics_and_bootstrap(monkeypatch):
    refs = [[f"Segment {k}: the service desk logs {k % 7} incidents and reports them." for k in range(40)]]
    systems = {"a": [r.replace("logs", "records") for r in refs[0]],
               "b": [r.replace("reports them", "reports") for r in refs[0]],
               "c": [r.upper() if k % 3 else r for k, r in enumerate(refs[0])]}
    chrf = M.make_metric("chrf", refs)
    monkeypatch.setattr(M, "SPLIT_MIN_SEGMENTS", 10 ** 9)
    monkeypatch.setattr(M, "SPLIT_MIN_RESAMPLED", 10 ** 9)
    whole = M.chrf_stats(chrf, systems, refs)
    assert whole == {s: chrf._extract_corpus_statistics(h, None) for s, h in systems.items()}
    scores = M.corpus_scores(chrf, whole, 200, 12345, "a")
    monkeypatch.setattr(M, "SPLIT_MIN_SEGMENTS", 2)
    monkeypatch.setattr(M, "SPLIT_MIN_RESAMPLED", 1)
    assert M.chrf_stats(chrf, systems, refs) == whole
    assert M.corpus_scores(chrf, whole, 200, 12345, "a") == scores
