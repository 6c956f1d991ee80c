"""sacrebleu's TER, compiled: the same per-segment statistics, bit for bit, many times faster.

sacrebleu's TER (``sacrebleu/metrics/lib_ter.py``) spends nearly all of ``sfia-qa score``'s CPU
in pure Python: a beam-limited edit distance evaluated for every candidate shift. This module
keeps everything that decides *what* is compared in sacrebleu's hands — the metric's own
preprocessing and Tercom tokenizer, whatever its settings (``normalized``, ``no_punct``,
``asian_support``, ``case_sensitive``), and its cached reference words — maps the words to
integer ids and runs the same algorithm in compiled code:

* the edit distance over a beam around the length-ratio diagonal (25 cells each side, wider
  for extreme length ratios), operations preferred in lib_ter's order (match/substitution,
  then deletion, then insertion; ties keep the earlier one), the trace read back from the
  last cell, flipped, and turned into an alignment;
* shift candidates enumerated in lib_ter's order (hypothesis start, reference start, growing
  length up to 10, start distance at most 50), filtered by its three rules, tried at each
  distinct target position, ranked by (gain, length, earliest start, earliest target);
* greedy shifting until no candidate gains, with the global limit of 1,000 evaluated
  candidates (a search that reaches it keeps the words from before its last round);
* several references: the fewest edits over the references, and their average length.

lib_ter's row cache is an optimisation whose results equal a fresh computation (every
hypothesis within one call has the same length, so a row depends only on the words before
it); here a shifted candidate likewise reuses the rows of the unchanged prefix.

Why numba rather than Cython or Rust: numba ships as binary wheels on PyPI for every
supported CPython and platform, so ``pip install`` works on a translator's or CI machine
without a C compiler or Rust toolchain; a Cython or Rust/PyO3 extension would need a
compiler on every user's machine or wheels of our own built and published per platform.
The kernels are compiled on first use and cached on disk (``cache=True``, next to this
module, or numba's user cache directory when that is read-only), so only the first run on a
machine pays the compilation (about 10 s of CPU); later runs load them in under a second of CPU.

When numba cannot be imported or compiling fails, :func:`segment_statistics` falls back to
sacrebleu's own TER and says so once per process on stderr; the numbers are the same.
"""

from __future__ import annotations

import math
import sys
import types
from collections.abc import Callable, Sequence

import numpy as np

# lib_ter's constants. :func:`supported` checks sacrebleu still uses these.
COST = 1
MAX_SHIFT_SIZE = 10
MAX_SHIFT_DIST = 50
BEAM_WIDTH = 25
MAX_SHIFT_CANDIDATES = 1000
INF = 10 ** 16

# Edit operations, as lib_ter's trace characters: ' ' 's' 'i' 'd' 'x'.
_NOP, _SUB, _INS, _DEL, _UNDEF = 0, 1, 2, 3, 4

_NOTICE = ("sfia-qa: notice: compiled TER unavailable ({why}); using sacrebleu's TER "
           "(same numbers, slower)")
_state: dict = {"kernel": None, "single": None, "failed": None, "noticed": False}


def sacrebleu_ter(metric) -> tuple[Callable[[str], list[str]], Callable[[int], list[list[str]]],
                                   Callable[[str, int], list]]:
    """The one place that uses sacrebleu's private TER API (``sacrebleu.metrics.TER``, 2.x).

    Returns ``(hyp_words, ref_words, reference_stats)``: the hypothesis words exactly as
    ``_extract_corpus_statistics`` produces them (``_preprocess_segment``: rstrip, Tercom
    tokenizer with the metric's settings, then ``split()``), segment ``k``'s cached reference
    word lists, and sacrebleu's own statistics for a hypothesis and segment (the fallback)."""
    from pipeline.score import sacrebleu_api as api

    cache = api.ref_cache(metric)

    def hyp_words(text: str) -> list[str]:
        return api.preprocess(metric, text).split()

    def ref_words(k: int) -> list[list[str]]:
        return cache[k]["ref_words"]

    def reference_stats(text: str, k: int) -> list:
        return api.segment_statistics(metric, api.preprocess(metric, text), cache[k])

    return hyp_words, ref_words, reference_stats


def supported(metric) -> bool:
    """True when ``metric`` is sacrebleu's TER, with references cached, computed by the lib_ter
    algorithm this module reproduces (same constants, statistics method not overridden). All
    four tokenizer settings are supported: tokenising stays sacrebleu's."""
    try:
        from sacrebleu.metrics import TER
        from sacrebleu.metrics import lib_ter as L
        from sacrebleu.metrics import ter as T
    except ImportError:  # pragma: no cover - sacrebleu is a dependency
        return False
    from pipeline.score import sacrebleu_api as api

    return (type(metric) is TER and api.has_references(metric)
            and T.translation_edit_rate is L.translation_edit_rate
            and (L._COST_INS, L._COST_DEL, L._COST_SUB) == (COST, COST, COST)
            and (L._MAX_SHIFT_SIZE, L._MAX_SHIFT_DIST, L._BEAM_WIDTH, L._MAX_SHIFT_CANDIDATES)
            == (MAX_SHIFT_SIZE, MAX_SHIFT_DIST, BEAM_WIDTH, MAX_SHIFT_CANDIDATES)
            and L._INT_INFINITY == INF)


# ---------------------------------------------------------------------------------------------
# The kernels, as plain Python (numba compiles them; without numba they are never called).

def _fill_rows(words, ref, first, last_row, V, OP, ratio, beam, want_ops):
    """Rows ``first..last_row`` of lib_ter's beam edit-distance matrix for ``words`` against
    ``ref`` (row ``first - 1`` must hold the values of the common prefix)."""
    n_ref = ref.shape[0]
    for i in range(first, last_row + 1):
        pseudo_diag = math.floor(i * ratio)
        min_j = max(0, pseudo_diag - beam)
        max_j = min(n_ref + 1, pseudo_diag + beam)
        if i == last_row:
            max_j = n_ref + 1
        for j in range(n_ref + 1):
            V[i, j] = INF
        if want_ops:
            for j in range(n_ref + 1):
                OP[i, j] = _UNDEF
        w = words[i - 1]
        for j in range(min_j, max_j):
            if j == 0:
                V[i, 0] = V[i - 1, 0] + COST
                if want_ops:
                    OP[i, 0] = _DEL
                continue
            if w == ref[j - 1]:
                c_sub = 0
                o_sub = _NOP
            else:
                c_sub = COST
                o_sub = _SUB
            best = V[i, j]
            op = _UNDEF
            c = V[i - 1, j - 1] + c_sub
            if best > c:
                best = c
                op = o_sub
            c = V[i - 1, j] + COST
            if best > c:
                best = c
                op = _DEL
            c = V[i, j - 1] + COST
            if best > c:
                best = c
                op = _INS
            V[i, j] = best
            if want_ops:
                OP[i, j] = op


def _shift_into(words, start, length, target, out):
    """lib_ter's ``_perform_shift`` (Python slice semantics included) into ``out``."""
    n = words.shape[0]
    k = 0
    if target < start:
        parts = ((0, target), (start, start + length), (target, start), (start + length, n))
    elif target > start + length:
        parts = ((0, start), (start + length, target), (start, start + length), (target, n))
    else:
        mid = min(length + target, n)
        parts = ((0, start), (start + length, mid), (start, start + length), (mid, n))
    for a, b in parts:
        for t in range(a, b):
            out[k] = words[t]
            k += 1


def _align(OP, n, m, trace, hcum, rcum, align):
    """lib_ter's trace (read back from the last cell), flipped and turned into an alignment:
    ``align[r]`` the hypothesis position of reference word r, and prefix sums of the error
    flags of hypothesis (``hcum``) and reference (``rcum``) words. False where the trace meets
    an undefined cell (lib_ter raises there)."""
    i = n
    j = m
    t = 0
    while i > 0 or j > 0:
        op = OP[i, j]
        trace[t] = op
        t += 1
        if op == _SUB or op == _NOP:
            i -= 1
            j -= 1
        elif op == _INS:
            j -= 1
        elif op == _DEL:
            i -= 1
        else:
            return False
    ph = -1
    pr = -1
    for q in range(t - 1, -1, -1):
        op = trace[q]
        if op == _NOP or op == _SUB:
            ph += 1
            pr += 1
            align[pr] = ph
            e = 1 if op == _SUB else 0
            hcum[ph + 1] = hcum[ph] + e
            rcum[pr + 1] = rcum[pr] + e
        elif op == _DEL:  # flipped: an insertion into the hypothesis
            ph += 1
            hcum[ph + 1] = hcum[ph] + 1
        else:  # _INS, flipped: a deletion from the reference
            pr += 1
            align[pr] = ph
            rcum[pr + 1] = rcum[pr] + 1
    return True


def _worth_trying(sh, sr, length, hcum, rcum, align):
    """lib_ter's filters: the hypothesis block has an error, the reference block has an
    error, and the block is not aligned inside itself."""
    return (hcum[sh + length] - hcum[sh] != 0 and rcum[sr + length] - rcum[sr] != 0
            and not (sh <= align[sr] < sh + length))


def _better(gain, length, start, idx, best):
    """lib_ter's ranking: (gain, length, -start, -target) larger; ``best`` = [found, gain,
    length, start, target]."""
    if best[0] == 0:
        return True
    if gain != best[1]:
        return gain > best[1]
    if length != best[2]:
        return length > best[2]
    if start != best[3]:
        return start < best[3]
    return idx < best[4]


def _try_targets(cur, ref, sh, sr, length, V, S, OP, ratio, beam, pre, align, buf, best):
    """Every distinct target position of one matching block, scored as lib_ter scores it
    (the rows of the unchanged prefix are reused); returns the candidates checked."""
    n = cur.shape[0]
    m = ref.shape[0]
    checked = 0
    prev_idx = -1
    for off in range(-1, length):
        if sr + off == -1:
            idx = 0
        elif sr + off < m:
            idx = align[sr + off] + 1
        else:
            break
        if idx == prev_idx:
            continue
        prev_idx = idx
        _shift_into(cur, sh, length, idx, buf)
        p = min(sh, idx)
        S[p, :] = V[p, :]
        _fill_rows(buf, ref, p + 1, n, S, OP, ratio, beam, False)
        gain = pre - S[n, m]
        checked += 1
        if _better(gain, length, sh, idx, best):
            best[0] = 1
            best[1] = gain
            best[2] = length
            best[3] = sh
            best[4] = idx
    return checked


def _best_shift(cur, ref, V, S, OP, ratio, beam, pre, hcum, rcum, align, buf, checked, best):
    """lib_ter's ``_shift``: blocks in its order (hypothesis start, reference start, growing
    length), filtered, tried; stops once ``checked`` reaches the candidate limit. Returns the
    updated ``checked``; the best shift is in ``best``."""
    n = cur.shape[0]
    m = ref.shape[0]
    best[0] = 0
    for sh in range(n):
        for sr in range(m):
            if abs(sr - sh) > MAX_SHIFT_DIST:
                continue
            length = 0
            while cur[sh + length] == ref[sr + length] and length < MAX_SHIFT_SIZE:
                length += 1
                if _worth_trying(sh, sr, length, hcum, rcum, align):
                    checked += _try_targets(cur, ref, sh, sr, length, V, S, OP, ratio, beam, pre, align, buf, best)
                    if checked >= MAX_SHIFT_CANDIDATES:
                        return checked
                if n == sh + length or m == sr + length:
                    break
    return checked


def _ter_edits(hyp, ref, final, info):
    """Number of edits (shifts + edit distance) of ``hyp`` against one reference, as lib_ter's
    ``translation_edit_rate``; -1 when lib_ter would fail (its trace hits an undefined cell).
    ``final`` receives the hypothesis after its shifts, ``info`` [shifts, candidates checked]."""
    n = hyp.shape[0]
    m = ref.shape[0]
    final[:] = hyp
    info[0] = 0
    info[1] = 0
    if m == 0:
        return n
    ratio = m / n if n > 0 else 1.0
    beam = BEAM_WIDTH
    if BEAM_WIDTH < ratio / 2:
        beam = math.ceil(ratio / 2 + BEAM_WIDTH)

    V = np.empty((n + 1, m + 1), np.int64)
    OP = np.empty((n + 1, m + 1), np.uint8)
    S = np.empty((n + 1, m + 1), np.int64)
    for j in range(m + 1):
        V[0, j] = j * COST
        OP[0, j] = _INS
    cur = hyp.copy()
    buf = np.empty(n, hyp.dtype)
    trace = np.empty(n + m, np.uint8)
    hcum = np.zeros(n + 1, np.int64)
    rcum = np.zeros(m + 1, np.int64)
    align = np.empty(m, np.int64)
    best = np.zeros(5, np.int64)

    shifts = 0
    checked = 0
    valid = 0  # rows of V/OP that hold ``cur``'s values
    while True:
        _fill_rows(cur, ref, valid + 1, n, V, OP, ratio, beam, True)
        valid = n
        pre = V[n, m]
        if not _align(OP, n, m, trace, hcum, rcum, align):
            return -1
        checked = _best_shift(cur, ref, V, S, OP, ratio, beam, pre, hcum, rcum, align, buf, checked, best)
        # lib_ter: at the candidate limit, its last round's shift is not applied
        if checked >= MAX_SHIFT_CANDIDATES or best[0] == 0 or best[1] <= 0:
            break
        shifts += 1
        _shift_into(cur, best[3], best[2], best[4], buf)
        valid = min(best[3], best[4])
        cur[:] = buf
    final[:] = cur
    info[0] = shifts
    info[1] = checked
    return shifts + pre


def _ter_batch(hyp_ids, hyp_off, ref_ids, ref_off, out):
    """``out[k]`` = edits of task ``k``: hypothesis ``hyp_ids[hyp_off[k]:hyp_off[k+1]]``
    against reference ``ref_ids[ref_off[k]:ref_off[k+1]]``."""
    info = np.empty(2, np.int64)
    for k in range(out.shape[0]):
        hyp = hyp_ids[hyp_off[k]:hyp_off[k + 1]]
        out[k] = _ter_edits(hyp, ref_ids[ref_off[k]:ref_off[k + 1]], np.empty_like(hyp), info)


_KERNELS = (_fill_rows, _shift_into, _align, _worth_trying, _better, _try_targets, _best_shift,
            _ter_edits, _ter_batch)


def _compile():
    """numba-compiled kernels (cached on disk), or raise. Each is compiled from the Python
    function above, with the names it calls bound to their compiled versions."""
    from numba import njit

    g = dict(globals())
    for f in _KERNELS:
        g[f.__name__] = njit(cache=True, nogil=True)(types.FunctionType(f.__code__, g, f.__name__))
    batch = g["_ter_batch"]
    # compile now (one small call), so a failure shows here and not mid-run
    one = np.array([0, 1], np.int32)
    res = np.empty(1, np.int64)
    batch(one, np.array([0, 2], np.int64), one[::-1].copy(), np.array([0, 2], np.int64), res)
    _state["single"] = g["_ter_edits"]
    return batch


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def kernel():
    """The compiled batch kernel, or None (numba missing or compiling failed: noticed once)."""
    if _state["kernel"] is None and _state["failed"] is None:
        try:
            _state["kernel"] = _compile()
        except ImportError as e:
            _state["failed"] = f"numba cannot be imported: {_first_line(e)}"
        except Exception as e:  # any numba typing/lowering/caching error
            _state["failed"] = f"compiling failed: {type(e).__name__}: {_first_line(e)}"
    if _state["kernel"] is None and not _state["noticed"]:
        _state["noticed"] = True
        print(_NOTICE.format(why=_state["failed"]), file=sys.stderr, flush=True)
    return _state["kernel"]


def shift_search(words_hyp: Sequence[str], words_ref: Sequence[str]) -> tuple[int, int, list[str], int]:
    """The compiled kernel alone, without falling back, for tests and diagnostics:
    ``(edits, shifts, hypothesis words after the shifts, shift candidates checked)``; edits is
    lib_ter's ``translation_edit_rate(words_hyp, words_ref)[0]``, or -1 where lib_ter fails
    (an unreachable last cell). Raises RuntimeError when there is no kernel."""
    if kernel() is None:
        raise RuntimeError(f"no compiled TER: {_state['failed']}")
    vocab: dict[str, int] = {}
    h = np.array([vocab.setdefault(w, len(vocab)) for w in words_hyp], np.int32)
    r = np.array([vocab.setdefault(w, len(vocab)) for w in words_ref], np.int32)
    final = np.empty_like(h)
    info = np.zeros(2, np.int64)
    e = _state["single"](h, r, final, info)
    words = list(vocab)
    return int(e), int(info[0]), [words[i] for i in final], int(info[1])


def segment_statistics(metric, pairs: Sequence[tuple[int, str]]) -> list[list]:
    """``[num_edits, ref_length]`` per (segment index, hypothesis) pair, exactly what
    ``metric._compute_segment_statistics(metric._preprocess_segment(hyp), ref_cache[k])``
    returns (an int and a float); compiled when possible, sacrebleu's otherwise."""
    hyp_words, ref_words, reference_stats = sacrebleu_ter(metric)
    run = kernel() if supported(metric) else None
    if run is None:
        return [reference_stats(h, k) for k, h in pairs]

    vocab: dict[str, int] = {}
    ref_cache: dict[int, list[np.ndarray]] = {}

    def ids(words: list[str]) -> np.ndarray:
        get = vocab.setdefault
        return np.array([get(w, len(vocab)) for w in words], np.int32)

    hyp_parts: list[np.ndarray] = []
    ref_parts: list[np.ndarray] = []
    n_refs: list[int] = []
    for k, h in pairs:
        refs = ref_cache.get(k)
        if refs is None:
            refs = ref_cache[k] = [ids(r) for r in ref_words(k)]
        hid = ids(hyp_words(h))
        n_refs.append(len(refs))
        for r in refs:
            hyp_parts.append(hid)
            ref_parts.append(r)
    out = np.empty(len(hyp_parts), np.int64)
    if hyp_parts:
        def flat(parts):
            off = np.zeros(len(parts) + 1, np.int64)
            np.cumsum([len(p) for p in parts], out=off[1:])
            return np.concatenate(parts).astype(np.int32, copy=False), off

        h_flat, h_off = flat(hyp_parts)
        r_flat, r_off = flat(ref_parts)
        run(h_flat, h_off, r_flat, r_off, out)

    stats: list[list] = []
    t = 0
    for (k, h), nr in zip(pairs, n_refs, strict=True):
        edits = out[t:t + nr]
        refs = ref_cache[k]
        t += nr
        if nr == 0 or (edits < 0).any():
            stats.append(reference_stats(h, k))  # sacrebleu's behaviour, errors included
            continue
        stats.append([int(edits.min()), sum(len(r) for r in refs) / nr])
    return stats
