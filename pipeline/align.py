"""Align: English SFIA 8 <-> SFIA 9, and every translation to its own version's English.

Names, descriptions and level statements pair by key (a level number means the same in
both versions). Guidance paragraphs and activity bullets pair **by content**: lists are
edited between versions, so position alone would shift everything after an inserted or
deleted bullet.

* English 8 -> English 9 (:func:`pair_by_content`): an assignment over the whole list, most
  similar pair first, each pair needing at least ``threshold`` word similarity (``[drift]
  pair_threshold``). Bullets that moved pair out of order (``match = moved``); items without a
  partner above the floor are ``only-8`` (removed) / ``only-9`` (added), never paired by
  position.
* Translation -> its English (same version): units read with segment keys (Phrase pulls,
  XLIFF, TMX) pair by the item their key names; page and sheet lists of equal length pair by position;
  lists of different length are aligned by a length-based dynamic programme (after
  Gale & Church: the length ratio of a pair should be close to the language's typical
  ratio, learnt from the key-aligned segments of the same file), with shared numbers
  and Latin-script tokens as extra evidence, so a missing or extra bullet is reported
  as ``missing`` / ``extra`` instead of shifting the rest.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from pipeline import parallel, schema
from pipeline.schema import na as _na
from pipeline.schema import opt_int as _k
from pipeline.text.normalize import similarity

SEQUENCE_ELEMENTS = ("guidance", "activity")
# The least word similarity (0..1) at which an SFIA 8 and an SFIA 9 paragraph or bullet are the
# same item edited; below it they are one removed and one added item.
PAIR_FLOOR = 0.4
NUM_OR_LATIN = re.compile(r"\d+|[A-Za-z][A-Za-z0-9+#.-]*[A-Za-z0-9]")


def align_sequences(a: Sequence, b: Sequence, score: Callable[[int, int], float], threshold: float,
                    gap: float = 0.0, pair_gaps: bool = True) -> list[tuple[int | None, int | None, str]]:
    """Monotonic alignment of a and b maximising the summed score of the pairs (translations to
    their English, :func:`align_translation_list`).

    Returns (i, j, how) in order; i or j is None for an unpaired item; how is 'content',
    'position' (gap filled by position), 'only-a' or 'only-b'. Unpaired runs between two
    anchors of equal length pair by position (``pair_gaps``).
    """
    n, m = len(a), len(b)
    s = [[score(i, j) for j in range(m)] for i in range(n)]
    neg = -1e9
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[""] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            cands = []
            if i > 0 and j > 0 and s[i - 1][j - 1] >= threshold:
                cands.append((best[i - 1][j - 1] + s[i - 1][j - 1], "d"))
            if i > 0:
                cands.append((best[i - 1][j] - gap, "u"))
            if j > 0:
                cands.append((best[i][j - 1] - gap, "l"))
            best[i][j], move[i][j] = max(cands, key=lambda c: (c[0], c[1] == "d")) if cands else (neg, "")
    pairs: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i > 0 or j > 0:
        mv = move[i][j]
        if mv == "d":
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif mv == "u":
            pairs.append((i - 1, None))
            i -= 1
        else:
            pairs.append((None, j - 1))
            j -= 1
    pairs.reverse()

    out: list[tuple[int | None, int | None, str]] = []
    run_a: list[int] = []
    run_b: list[int] = []

    def flush():
        if pair_gaps and run_a and len(run_a) == len(run_b):
            out.extend((x, y, "position") for x, y in zip(run_a, run_b, strict=True))
        else:
            # keep reading order: removed items before the added ones of the same gap
            out.extend((x, None, "only-a") for x in run_a)
            out.extend((None, y, "only-b") for y in run_b)
        run_a.clear()
        run_b.clear()

    for x, y in pairs:
        if x is not None and y is not None:
            flush()
            out.append((x, y, "content"))
        elif x is not None:
            run_a.append(x)
        elif y is not None:
            run_b.append(y)
    flush()
    return out


def _index(df: pd.DataFrame) -> dict[str, dict[str, list[dict]]]:
    """skill -> element -> segment records sorted by level/item (plain dicts: fast to walk)."""
    out: dict[str, dict[str, list[dict]]] = {}
    for rec in schema.rows(df):
        out.setdefault(rec["skill"], {}).setdefault(rec["element"], []).append(rec)
    for elements in out.values():
        for recs in elements.values():
            recs.sort(key=lambda r: (_k(r["level"]) or 0, _k(r["item"]) or 0))
    return out


def pair_by_content(n: int, m: int, score: Callable[[int, int], float],
                    floor: float) -> list[tuple[int | None, int | None, str]]:
    """Pair two lists by content, in any order: a greedy best-first assignment over the score matrix.

    The most similar pair is taken first, then the most similar among the items left, and so on,
    down to ``floor``: items without a partner at or above it are unpaired (``only-a`` /
    ``only-b``), never paired by position. Ties prefer the pair closer in position. A pair that
    crosses the others (not on the longest run of pairs in the same order in both lists) is
    ``moved``; the rest are ``content``. Rows come in the reading order of the second list, an
    unpaired item of the first list right after the pair that preceded it there.
    """
    cands = sorted(((score(i, j), i, j) for i in range(n) for j in range(m)),
                   key=lambda c: (-c[0], abs(c[1] / max(n, 1) - c[2] / max(m, 1)), c[1], c[2]))
    a_to_b: dict[int, int] = {}
    taken_b: set[int] = set()
    for sc, i, j in cands:
        if sc < floor:
            break
        if i not in a_to_b and j not in taken_b:
            a_to_b[i] = j
            taken_b.add(j)
    in_order = _longest_in_order(sorted(a_to_b.items()))
    b_to_a = {j: i for i, j in a_to_b.items()}
    keyed: list[tuple[float, int, tuple[int | None, int | None, str]]] = []
    for j in range(m):
        partner = b_to_a.get(j)
        keyed.append((j, 0, (None, j, "only-b") if partner is None else
                      (partner, j, "content" if (partner, j) in in_order else "moved")))
    last_j = -1.0
    for i in range(n):
        if i in a_to_b:
            last_j = a_to_b[i]
        else:
            keyed.append((last_j + 0.5, i, (i, None, "only-a")))
    return [row for _, _, row in sorted(keyed, key=lambda k: (k[0], k[1]))]


def _longest_in_order(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The largest subset of (i, j) pairs (sorted by i) whose j increase too (a longest increasing
    subsequence); among equally long ones, the one whose pairs moved least (sum of |i - j|)."""
    if not pairs:
        return set()
    best = [(1, -abs(i - j)) for i, j in pairs]
    prev = [-1] * len(pairs)
    for k, (i, j) in enumerate(pairs):
        for q in range(k):
            cand = (best[q][0] + 1, best[q][1] - abs(i - j))
            if pairs[q][1] < j and cand > best[k]:
                best[k], prev[k] = cand, q
    k = max(range(len(pairs)), key=lambda x: (best[x], -x))
    out = set()
    while k >= 0:
        out.add(pairs[k])
        k = prev[k]
    return out


def align_english(seg8: pd.DataFrame, seg9: pd.DataFrame, threshold: float = PAIR_FLOOR) -> pd.DataFrame:
    """English SFIA 8 and SFIA 9 segments -> one row per key (schema.ENGLISH_ALIGNMENT).

    Guidance paragraphs and activity bullets pair by content (:func:`pair_by_content`, word
    similarity at least ``threshold``, ``[drift] pair_threshold`` in qa.toml), wherever they
    moved; the rest pair by level."""
    for df, name in ((seg8, "SFIA 8 English"), (seg9, "SFIA 9 English")):
        schema.validate(df, schema.SEGMENT, name)
    s8, s9 = _index(seg8), _index(seg9)
    rows: list[dict] = []
    how_name = {"content": "content", "moved": "moved", "only-a": "only-8", "only-b": "only-9"}
    for skill in sorted(set(s8) | set(s9)):
        g8, g9 = s8.get(skill, {}), s9.get(skill, {})
        for element in schema.ELEMENTS:
            e8, e9 = g8.get(element, []), g9.get(element, [])
            if not e8 and not e9:
                continue
            if element in SEQUENCE_ELEMENTS:
                t8, t9 = [r["text"] for r in e8], [r["text"] for r in e9]
                pairs: list[tuple[int | None, int | None, str]]
                if t8 == t9:
                    pairs = [(i, i, "content") for i in range(len(t8))]
                else:
                    def sim(i: int, j: int, t8: list[str] = t8, t9: list[str] = t9) -> float:
                        return similarity(t8[i], t9[j])

                    pairs = pair_by_content(len(t8), len(t9), sim, threshold)
                for i, j, how in pairs:
                    rows.append(_english_row(skill, element, e8[i] if i is not None else None,
                                             e9[j] if j is not None else None, how_name[how]))
            else:
                m8 = {_k(r["level"]): r for r in e8}
                m9 = {_k(r["level"]): r for r in e9}
                for k in sorted(set(m8) | set(m9), key=lambda v: -1 if v is None else v):
                    r8, r9 = m8.get(k), m9.get(k)
                    how = "same-key" if r8 is not None and r9 is not None else "only-8" if r9 is None else "only-9"
                    rows.append(_english_row(skill, element, r8, r9, how))
    out = schema.make(schema.ENGLISH_ALIGNMENT, rows)
    return schema.validate(out, schema.ENGLISH_ALIGNMENT, "english alignment")


def _english_row(skill, element, r8, r9, how) -> dict:
    item8 = None if r8 is None or _na(r8["item"]) else int(r8["item"])
    item9 = None if r9 is None or _na(r9["item"]) else int(r9["item"])
    ref = r9 if r9 is not None else r8
    return {"skill": skill, "element": element, "level": None if _na(ref["level"]) else int(ref["level"]),
            "item": item9 if item9 is not None else item8, "item_8": item8, "item_9": item9,
            "en_8": None if r8 is None else r8["text"], "en_9": None if r9 is None else r9["text"],
            "origin_8": None if r8 is None else r8["origin"], "origin_9": None if r9 is None else r9["origin"],
            "match": how}


# --- translations -------------------------------------------------------------------------


def _typical_ratio(pairs: list[tuple[str, str]]) -> float:
    ratios = sorted(len(t) / len(e) for e, t in pairs if e and t)
    if not ratios:
        return 1.0
    return ratios[len(ratios) // 2]


def _tokens_shared(a: str, b: str) -> float:
    ta, tb = set(NUM_OR_LATIN.findall(a)), set(NUM_OR_LATIN.findall(b))
    if not ta and not tb:
        return 0.0
    return len(ta & tb) / max(len(ta | tb), 1)


def align_translation_list(en: list[str], tgt: list[str], ratio: float) -> list[tuple[int | None, int | None]]:
    """Pair a translated list with its English: by position when the lengths agree, else by length DP."""
    if len(en) == len(tgt):
        return [(i, i) for i in range(len(en))]

    def score(i, j):
        le, lt = max(len(en[i]), 1), max(len(tgt[j]), 1)
        dev = abs(math.log(lt / le) - math.log(ratio))
        return math.exp(-2.0 * dev) + 0.5 * _tokens_shared(en[i], tgt[j])

    pairs = align_sequences(en, tgt, score, threshold=0.05, gap=0.35, pair_gaps=True)
    return [(i, j) for i, j, _ in pairs]


def _pair_element(element: str, te: list[dict], ee: list[dict], ratio: float) -> tuple[dict, list[dict]]:
    """One element of one skill: {(level, English item): translated record} and the extras."""
    paired: dict[tuple, dict] = {}
    extras: list[dict] = []
    if element not in SEQUENCE_ELEMENTS:
        levels = {_k(e["level"]) for e in ee}
        for r in te:
            if _k(r["level"]) in levels:
                paired[(_k(r["level"]), None)] = r
            else:
                extras.append(r)
        return paired, extras
    pairs: list[tuple[int | None, int | None]]
    if te and all(t["keyed"] is True for t in te):
        # keyed units (Phrase, XLIFF, TMX) name their English item: trust it
        by_item = {_k(e["item"]): i for i, e in enumerate(ee)}
        pairs = [(by_item.get(_k(t["item"])), j) for j, t in enumerate(te)]
    else:
        pairs = align_translation_list([e["text"] for e in ee], [t["text"] for t in te], ratio)
    for i, j in pairs:
        if j is None:
            continue
        if i is None:
            extras.append(te[j])
        else:
            paired[(None, _k(ee[i]["item"]))] = te[j]
    return paired, extras


def _pair_version(tv: pd.DataFrame, ev: pd.DataFrame | None, eidx: dict) -> tuple[dict[tuple, dict], list[dict]]:
    """One language and SFIA version: {(skill, element, level, English item): record} and extras."""
    ratio = _typical_ratio(_keyed_pairs(ev if ev is not None else schema.empty(schema.SEGMENT), tv))
    tgt_map: dict[tuple, dict] = {}
    extras: list[dict] = []
    for skill, by_element in _index(tv).items():
        eg = eidx.get(skill, {})
        for element in schema.ELEMENTS:
            paired, extra = _pair_element(element, by_element.get(element, []), eg.get(element, []), ratio)
            tgt_map.update({(skill, element, lv, it): r for (lv, it), r in paired.items()})
            extras += extra
    return tgt_map, extras


def _key_row(lang: str, r, t8: dict | None, t9: dict | None, present: dict[int, set[str]]) -> dict:
    return {
        "lang": lang, "skill": r.skill, "element": r.element, "level": r.level, "item": r.item,
        "item_8": r.item_8, "item_9": r.item_9, "en_8": r.en_8, "en_9": r.en_9,
        "tgt_8": None if t8 is None else t8["text"], "tgt_9": None if t9 is None else t9["text"],
        "marker": None if t9 is None else t9["marker"],
        **_provenance(8, t8), **_provenance(9, t9),
        "status_8": _status(r.skill in present[8], r.en_8, t8),
        "status_9": _status(r.skill in present[9], r.en_9, t9),
    }


def _extra_row(lang: str, fw: int, t: dict) -> dict:
    return {"lang": lang, "skill": t["skill"], "element": t["element"], "level": t["level"], "item": t["item"],
            f"tgt_{fw}": t["text"], **_provenance(fw, t), f"status_{fw}": "extra",
            "marker": t["marker"] if fw == 9 else None}


def align_translations(english: pd.DataFrame, english_segments: Mapping[int, pd.DataFrame],
                       targets: pd.DataFrame) -> pd.DataFrame:
    """Every target-language segment -> the English key rows (schema.ALIGNMENT), one row per (lang, key).

    ``english`` is the English alignment; ``english_segments`` maps framework -> English
    segments of that version; ``targets`` holds the translations of any languages/versions.
    """
    schema.validate(english, schema.ENGLISH_ALIGNMENT, "english alignment")
    schema.validate(targets, schema.SEGMENT, "translations")
    eidx = {fw: _index(df) for fw, df in english_segments.items() if df is not None}
    by_lang = {lang: targets[targets["lang"] == lang] for lang in sorted(set(targets["lang"]))}

    def one(lang: str) -> list[dict]:
        rows: list[dict] = []
        tl = by_lang[lang]
        tgt_map: dict[int, dict[tuple, dict]] = {8: {}, 9: {}}
        extras: list[tuple[int, dict]] = []
        present: dict[int, set[str]] = {8: set(), 9: set()}
        for fw in (8, 9):
            tv = tl[tl["framework"] == fw]
            if tv.empty:
                continue
            present[fw] = set(tv["skill"])
            tgt_map[fw], extra = _pair_version(tv, english_segments.get(fw), eidx.get(fw, {}))
            extras += [(fw, t) for t in extra]
        for r in english.itertuples(index=False):
            if r.skill not in present[8] and r.skill not in present[9]:
                continue
            level = _k(r.level) if r.element == "level" else None
            rows.append(_key_row(lang, r, tgt_map[8].get((r.skill, r.element, level, _k(r.item_8))),
                                 tgt_map[9].get((r.skill, r.element, level, _k(r.item_9))), present))
        rows += [_extra_row(lang, fw, t) for fw, t in extras]
        return rows

    # languages are independent: two processes (pipeline.parallel), rows in language order
    rows = [r for part in parallel.map_forked(one, list(by_lang), cost=lambda x: len(by_lang[x])) for r in part]
    # the texts came back as copies: keep one object per text with the segments' own
    pool = schema.string_pool(targets["text"], *(df["text"] for df in english_segments.values() if df is not None))
    out = schema.share_strings(schema.make(schema.ALIGNMENT, rows), pool=pool)
    if len(out):
        out = schema.sort_key_frame(out)
    return schema.validate(out, schema.ALIGNMENT, "alignment")


def _keyed_pairs(en: pd.DataFrame, tgt: pd.DataFrame) -> list[tuple[str, str]]:
    keys = ["skill", "element", "level"]
    a = en[en["element"].isin(["name", "description", "level"])]
    b = tgt[tgt["element"].isin(["name", "description", "level"])]
    if a.empty or b.empty:
        return []
    m = a.merge(b, on=keys, suffixes=("_en", "_tgt"))
    return list(zip(m["text_en"], m["text_tgt"], strict=True))


def _provenance(fw: int, seg: dict | None) -> dict:
    if seg is None:
        return {}
    prov = {c: schema.opt(seg.get(c)) for c in schema.PROVENANCE}
    return {f"origin_tgt_{fw}": seg["origin"], f"path_tgt_{fw}": seg["path"], f"line_tgt_{fw}": seg["line"],
            f"codes_tgt_{fw}": seg.get("codes"),
            f"provenance_tgt_{fw}": prov if prov["trans_origin"] is not None else None}


def _status(has_file: bool, en, tgt) -> str | None:
    if not has_file:
        return None
    if _na(en):
        return None if tgt is None else "extra"
    return "ok" if tgt is not None else "missing"
