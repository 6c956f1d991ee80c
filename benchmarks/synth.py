"""A SYNTHETIC full-framework translation corpus, generated from the official English.

    python benchmarks/synth.py --out DIR --langs N [--providers 7] [--skills K] [--seed S]
                               [--shared PATH] [--defect-rate R] [--bootstrap B]

The official English (SFIA 8 xlsx and SFIA 9 csv under ``<shared>/sfia/``) is read, never
copied: ``DIR/qa.toml`` points ``[sources]`` at those files. Every translated text is a
machine-made *pseudo-translation*: each English word is replaced by an invented word built
from the target language's alphabet (its distinctive letters come from ``[langid] marks`` of
``pipeline/lang/<code>.toml``, so language identification accepts it), with about the
language's ``typical_length_ratio``; numbers, skill codes, acronyms and punctuation are kept.
The same English word always becomes the same pseudo-word in one language, so consistency
checks behave as on a real translation. Per language ``DIR`` gets:

* ``translations/<lang>/sfia-8/sfia-8_<lang>.csv``: the SFIA 8 skills sheet, official headers
  and layout (guidance notes keep their line structure: lead-ins, blank lines, bullets);
* ``translations/<lang>/sfia-9/sfia-9_<lang>.jsonl``: the SFIA 9 translation as a segment
  file (the schema of ``sfia-qa segments --format jsonl``). A sheet has no place for the
  ``(unchanged)``/``(modified)`` markers and page exports need one file per skill plus the
  language's page furniture; segment objects carry ``marker`` and exact item numbers.
  Where the English did not change (drift ``unchanged``/``cosmetic``, computed with the
  pipeline's own alignment) the SFIA 8 pseudo-translation is reused; markers label sections
  as skill pages do (a section is ``(modified)`` when any of its segments changed);
* ``translations/<lang>/sfia-9/candidates/synthetic-mt.csv``: ``--providers`` MT providers'
  candidates for every SFIA 9 segment whose English changed (``modified``/``added``), each
  provider with its own word-level noise rate and occasional signals (empty, copy of the
  source, wrong script, a changed number, a dropped or doubled sentence);
* planted defects at a small deterministic rate (``--defect-rate``, per segment), listed in
  ``DIR/planted.csv`` with the finding codes they should raise.

Language tags: the languages with data files (``pl``, ``ar``, ``cs`` first), then the same
languages under region subtags (``pl-PL``, ``ar-EG``, ``cs-CZ``, ...): the pipeline reads a
tag's data file by its base language, and ingest, alignment, checks and reports keep region
tags apart (see benchmarks/README.md for where they are not).

The same arguments give byte-identical files. Nothing here is a real translation.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import re
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
try:
    import pipeline  # noqa: F401  (installed, or on PYTHONPATH)
except ImportError:  # run as a script from a checkout without the package installed
    sys.path.insert(0, str(ROOT))

from pipeline import langdata  # noqa: E402
from pipeline.align import align_english  # noqa: E402
from pipeline.drift import classify  # noqa: E402
from pipeline.ingest import read_paths  # noqa: E402
from pipeline.ingest.sheet import clean_cell, join_lines, split_guidance  # noqa: E402

SFIA8_FILE = "sfia-8_en_220221.xlsx"
SFIA9_FILE = "sfia-9_current-standard_en_US_250129.csv"
DEFAULT_SHARED = ROOT.parent / "shared"
PROVIDERS = ["SynthMT-Alpha", "SynthMT-Bravo", "SynthMT-Charlie", "SynthMT-Delta", "SynthMT-Echo",
             "SynthMT-Foxtrot", "SynthMT-Golf", "SynthMT-Hotel", "SynthMT-India", "SynthMT-Juliet"]
# Region subtags for the second and later rounds of each base language (real BCP-47 regions).
REGIONS = {"pl": ["PL", "GB", "DE", "US", "IE", "CA", "AU"],
           "ar": ["EG", "SA", "AE", "MA", "JO", "IQ", "QA"],
           "cs": ["CZ", "SK", "AT", "DE", "GB", "US", "CA"]}
FIRST = ["pl", "ar", "cs"]

# Letters the pseudo-words are built from, per script (generator data, not language knowledge
# of the pipeline). A language's own distinctive letters are added from its data file.
ALPHABETS = {
    "Latin": ("bcdfghjklmnprstvwz", "aeiouy"),
    "Arabic": ("بتثجحخدذرزسشصضطظعغفقكلمنهوي", "اوي"),
}
WRONG_SCRIPT = {  # a candidate "in the wrong script": Cyrillic for Latin-script targets, Latin for others
    "Latin": str.maketrans("abcdeghiklmnoprstuvyzł", "абцдегхиклмнопрстувызл"),
}

TOKEN = re.compile(r"[^\W\d_]+|\d+|\s+|.", re.UNICODE)
KEEP = re.compile(r"^[A-Z][A-Z0-9]+$")        # skill codes and acronyms stay as they are
NUMBER = re.compile(r"\d+")
# English endings (and what restores the stem) whose words share the stem's pseudo-word
SUFFIXES = (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"))

# Planted defect kinds -> the finding codes that should report them.
DEFECTS_8 = {
    "dropped-bullet": ("QA203", "QA204"),
    "number-changed": ("QA207",),
    "number-added": ("QA207",),
    "untranslated": ("QA205",),
    "capitalised-bullet": ("QA201",),
    "double-space": ("QA404",),
    "final-punctuation": ("QA401", "QA202"),
}
DEFECTS_9 = {**DEFECTS_8, "stale-translation": ("QA104",), "marker-modified-but-unchanged": ("QA102",),
             "marker-unchanged-but-modified": ("QA101", "QA103")}
SIGNALS = {"empty": "QA301", "copy-of-source": "QA302", "wrong-script": "QA303",
           "number-changed": "QA304", "length-outlier": "QA305"}


def _u(*parts) -> float:
    """A deterministic number in [0, 1) from the parts (stable across runs and machines)."""
    h = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2 ** 64


def _pick(seq, *parts):
    return seq[int(_u(*parts) * len(seq))]


def language_tags(n: int) -> list[str]:
    """N language tags: the languages with data files, then the same under region subtags."""
    have = [c for c in langdata.available() if c != "en"]
    bases = [c for c in FIRST if c in have] + [c for c in have if c not in FIRST]
    tags = list(bases)
    rnd = 0
    while len(tags) < n:
        for b in bases:
            regions = REGIONS.get(b, [])
            tags.append(f"{b}-{regions[rnd]}" if rnd < len(regions) else f"{b}-{rnd + 100:03d}")
            if len(tags) == n:
                break
        rnd += 1
    return tags[:n]


class Pseudo:
    """A deterministic pseudo-language: English word -> invented word, one-to-one."""

    def __init__(self, tag: str, seed: int, vocabulary: list[str]):
        data = langdata.load(tag)
        self.tag, self.seed = tag, seed
        self.script = data.scripts[0] if data.scripts else "Latin"
        cons, vows = ALPHABETS.get(self.script, ALPHABETS["Latin"])
        marks = list(data.section("langid").get("marks", []))
        letters = list(data.section("langid").get("letters", []))
        self.cased = self.script == "Latin"
        self.ratio = float(data.section("checks").get("typical_length_ratio", 1.0))
        self.latin_to_native = dict(data.section("punctuation").get("latin_to_native", {}))
        # syllables: consonant+vowel, some with the language's own letters
        sylls = [c + v for c in cons for v in vows]
        special = [m + v for m in marks for v in vows[:3]] + [c + m for c in cons[:6] for m in marks]
        special += [c + x for c in cons[:4] for x in letters]
        self.sylls = sylls
        self.special = special or sylls
        self.words: dict[str, str] = {}
        # Inflected forms share their stem's pseudo-word, as a real translation's inflections share
        # a stem (the checks' stemming, [morphology] of the language file, then matches them).
        vocab = set(vocabulary)
        self.inflected: dict[str, tuple[str, str]] = {}
        for w in sorted(vocab):
            for suffix, repl in SUFFIXES:
                stem = w[: -len(suffix)] + repl
                if w.endswith(suffix) and len(stem) >= 4 and stem in vocab:
                    self.inflected[w] = (stem, suffix)
                    break
        self.endings = {suf: _pick(sylls, tag, seed, "ending", suf) for suf, _ in SUFFIXES}
        used: set[str] = set()
        for w in sorted(vocab):
            n = 0
            while True:
                p = self._make(w, n)
                if p not in used:
                    break
                n += 1
            used.add(p)
            self.words[w] = p
        self.pool = sorted(self.words.values())  # "another word": an MT provider's wrong lexical choice
        self._cache: dict[str, str] = {}

    def _make(self, word: str, n: int) -> str:
        target = max(1, round(len(word) * self.ratio * (0.8 + 0.4 * _u(self.tag, self.seed, "len", word, n))))
        out, i = "", 0
        while len(out) < target:
            pool = self.special if i == 1 or (i > 1 and _u(self.tag, self.seed, "sp", word, n, i) < 0.2) else self.sylls
            if len(word) <= 3 and i == 0:
                pool = self.sylls
            out += _pick(pool, self.tag, self.seed, word, n, i)
            i += 1
        return out[:max(target, 2)]

    def word(self, w: str) -> str:
        if KEEP.match(w) and len(w) > 1:
            return w
        low = w.lower()
        p = self.words.get(low)
        if p is None:  # a word outside the vocabulary (noise): made on the fly, not registered
            p = self._make(low, 0)
        elif low in self.inflected:  # English plural/participle: the stem's pseudo-word + an ending
            stem, suffix = self.inflected[low]
            p = self.words[stem] + self.endings[suffix]
        if self.cased and w[:1].isupper():
            p = p[:1].upper() + p[1:]
        return p

    def translate(self, text: str) -> str:
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        out = []
        for t in TOKEN.findall(text):
            if t[0].isalpha():
                out.append(self.word(t))
            else:
                out.append(self.latin_to_native.get(t, t))
        res = "".join(out)
        self._cache[text] = res
        return res

    def wrong_script(self, text: str) -> str:
        table = WRONG_SCRIPT.get(self.script)
        if table is not None:
            return text.lower().translate(table)
        return "".join(_pick(ALPHABETS["Latin"][0] + "aeiou", self.tag, "ws", i, ch) if ch.isalpha() else ch
                       for i, ch in enumerate(text))


def vocabulary(*texts_lists) -> list[str]:
    return sorted({t.lower() for texts in texts_lists for text in texts
                   for t in TOKEN.findall(text) if t[0].isalpha()})


# --- the official sheets, raw (headers, cells) -----------------------------------------------

def raw_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the sheet with 'Code' and 'Skill' columns, cells as strings."""
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for ws in wb.worksheets:
                rows = [["" if c is None else str(c) for c in r] for r in ws.iter_rows(values_only=True)]
                for i, r in enumerate(rows[:10]):
                    if "Code" in r and "Skill" in r:
                        return r, rows[i + 1:]
        finally:
            wb.close()
        raise SystemExit(f"synth: {path}: no sheet with 'Code' and 'Skill' columns")
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def _levels_of(header: list[str]) -> dict[int, int]:
    out = {}
    for j, h in enumerate(header):
        m = re.match(r"^level\s*([1-7])\s*description$", " ".join(h.split()).lower())
        if m:
            out[int(m.group(1))] = j
    return out


# --- defects -----------------------------------------------------------------------------------

def _applicable(kind: str, element: str, text: str, pseudo: Pseudo) -> bool:
    if kind == "dropped-bullet" or kind == "capitalised-bullet":
        return element == "activity" and (kind == "dropped-bullet" or (pseudo.cased and text[:1].islower()))
    if kind == "number-changed":
        return bool(NUMBER.search(text))
    if kind == "number-added":
        return not NUMBER.search(text) and len(text.split()) >= 3
    if kind == "untranslated":
        return len(text.split()) >= 5
    if kind == "double-space":
        return " " in text.strip()
    if kind == "final-punctuation":  # not on a list's lead-in: without its colon the list is gone
        return element != "name" and bool(text) and not text.endswith(":")
    return False


def plant(kind: str, tgt: str, en: str) -> str | None:
    """The defective text (None: the segment is dropped)."""
    if kind == "dropped-bullet":
        return None
    if kind == "number-changed":
        m = NUMBER.search(tgt)
        return tgt[:m.start()] + str(int(m.group()) + 1) + tgt[m.end():]
    if kind == "number-added":
        words = tgt.split(" ")
        return " ".join(words[:2] + ["3"] + words[2:])
    if kind == "untranslated":
        return en
    if kind == "capitalised-bullet":
        return tgt[:1].upper() + tgt[1:]
    if kind == "double-space":
        i = tgt.strip().index(" ") + (len(tgt) - len(tgt.lstrip()))
        return tgt[:i] + "  " + tgt[i + 1:]
    if kind == "final-punctuation":
        return tgt[:-1] if tgt[-1:] in ".:;" else tgt + "."
    raise ValueError(kind)


def _defect(seed, tag, fw, key, element, text, pseudo, rate) -> str | None:
    if _u(seed, tag, fw, key, "defect?") >= rate:
        return None
    kinds = [k for k in DEFECTS_8 if _applicable(k, element, text, pseudo)]
    return _pick(kinds, seed, tag, fw, key, "kind") if kinds else None


def _int(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _key(skill, element, level=None, item=None) -> str:
    idx = level if element == "level" else item if element in ("guidance", "activity") else None
    return f"{skill}.{element}" + ("" if idx is None else f".{idx}")


# --- writers -------------------------------------------------------------------------------------

def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _csv_text(rows: list[list]) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerows(rows)
    return buf.getvalue()


def sheet_8(header, rows, skills, pseudo: Pseudo, seed, rate, planted: list, texts8: dict) -> str:
    """The translated SFIA 8 sheet; fills texts8[(skill, element, level, item)] with what SFIA 9
    reuses: the text as written (planted defects included; a dropped bullet's text as it was)."""
    tag = pseudo.tag
    col = {h: j for j, h in enumerate(header) if h}
    levels = _levels_of(header)
    out = [list(header)]
    for r in rows:
        r = r + [""] * (len(header) - len(r))
        code = r[col["Code"]].strip()
        if code not in skills:
            continue
        new = list(r)
        for name in ("Category", "Subcategory"):
            if name in col:
                new[col[name]] = pseudo.translate(join_lines(r[col[name]]))

        def seg(element, text, level=None, item=None, code=code):
            k = _key(code, element, level, item)
            tgt = pseudo.translate(text)
            texts8[(code, element, level, item)] = tgt
            kind = _defect(seed, tag, 8, k, element, tgt, pseudo, rate)
            if kind:
                planted.append((tag, 8, k, kind, DEFECTS_8[kind]))
                bad = plant(kind, tgt, text)
                if bad is not None:  # SFIA 9 reuses the text as it stands, defects included
                    texts8[(code, element, level, item)] = bad
                return bad
            return tgt

        for name, element in (("Skill", "name"), ("Overall description", "description")):
            text = join_lines(r[col[name]])
            new[col[name]] = seg(element, text) if text else ""
        g = clean_cell(r[col["Guidance notes"]])
        lines = g.split("\n")
        entries = {i: (kind, text) for kind, text, i in split_guidance(g)}
        counters = {"guidance": 0, "activity": 0}
        out_lines = []
        for i, raw in enumerate(lines):
            if i not in entries:
                out_lines.append(raw.strip())
                continue
            kind, text = entries[i]
            counters[kind] += 1
            prefix = raw.strip()[: len(raw.strip()) - len(raw.strip().lstrip("-•").lstrip())]
            t = seg(kind, text, item=counters[kind])
            if t is not None:
                out_lines.append(prefix + t)
        new[col["Guidance notes"]] = "\n".join(out_lines)
        for n, j in levels.items():
            text = join_lines(r[j])
            new[j] = seg("level", text, level=n) if text else ""
        if "URL" in col:
            new[col["URL"]] = ""
        out.append(new)
    return _csv_text(out)


def _section(element, level) -> str:
    return "header" if element in ("name", "description") else "guidance" if element in ("guidance", "activity") \
        else f"level {level}"


def segments_9(en9, drift, skills, pseudo: Pseudo, seed, rate, planted: list, texts8: dict) -> tuple[str, list]:
    """The SFIA 9 segment file (JSONL) and the changed segments [(key fields, English)]."""
    tag = pseudo.tag
    status = {}
    for d in drift.to_dict("records"):
        lv, i8, i9 = _int(d["level"]), _int(d["item_8"]), _int(d["item_9"])
        if d["element"] in ("guidance", "activity") and i9 is None:
            continue  # removed in SFIA 9
        status[(d["skill"], d["element"], lv, i9)] = (d["status"], i8)
    segs = []
    for s in en9.to_dict("records"):
        if s["skill"] not in skills:
            continue
        lv, it = _int(s["level"]), _int(s["item"])
        st, i8 = status.get((s["skill"], s["element"], lv, it), ("added", None))
        segs.append((s["skill"], s["element"], lv, it, s["text"], st, i8))
    # section markers: (modified) when any segment of the section changed
    changed_sections = {(sk, _section(el, lv)) for sk, el, lv, it, _t, st, _i in segs if st in ("modified", "added")}
    lines, changed = [], []
    for sk, el, lv, it, en, st, i8 in segs:
        k = _key(sk, el, lv, it)
        sec = (sk, _section(el, lv))
        marker = "modified" if sec in changed_sections else "unchanged"
        old = texts8.get((sk, el, lv, i8 if el in ("guidance", "activity") else None))
        if st in ("unchanged", "cosmetic") and old is not None:
            text = old
        else:
            text = pseudo.translate(en)
            kind = _defect(seed, tag, 9, k, el, text, pseudo, rate)
            if kind is None and st in ("modified", "added") and _u(seed, tag, 9, k, "marker?") < rate:
                # marker defects: the SFIA 8 text left in place, or the section mislabelled
                kind = "stale-translation" if old is not None and st == "modified" else None
            if kind == "dropped-bullet":
                planted.append((tag, 9, k, kind, DEFECTS_9[kind]))
                changed.append((sk, el, lv, it, en))
                continue
            if kind == "stale-translation":
                text = old
            elif kind:
                text = plant(kind, text, en)
            if kind:
                planted.append((tag, 9, k, kind, DEFECTS_9[kind]))
            if st in ("modified", "added"):
                changed.append((sk, el, lv, it, en))
        lines.append({"framework": 9, "lang": tag, "skill": sk, "element": el, "level": lv, "item": it,
                      "text": text, "marker": marker})
    # whole-section marker defects, on level sections (one segment each)
    for obj in lines:
        if obj["element"] != "level":
            continue
        k = _key(obj["skill"], "level", obj["level"])
        if _u(seed, tag, 9, k, "section-marker") >= rate / 2:
            continue
        kind = "marker-unchanged-but-modified" if obj["marker"] == "modified" else "marker-modified-but-unchanged"
        obj["marker"] = "unchanged" if obj["marker"] == "modified" else "modified"
        planted.append((tag, 9, k, kind, DEFECTS_9[kind]))
    text = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in lines)
    return text, changed


def candidates(changed, pseudo: Pseudo, providers: list[str], seed, planted: list) -> str:
    """MT candidates for the changed SFIA 9 segments, every provider with its own noise."""
    tag = pseudo.tag
    rows = [["provider", "text", "skill", "element", "level", "item", "source"]]
    noise = {p: 0.04 + 0.05 * i for i, p in enumerate(providers)}
    for sk, el, lv, it, en in changed:
        k = _key(sk, el, lv, it)
        base = pseudo.translate(en)
        toks = TOKEN.findall(base)
        for p in providers:
            u = _u(seed, tag, k, p, "signal")
            sig = None
            if u < 0.025:
                sig = _pick(list(SIGNALS), seed, tag, k, p, "which")
                if sig == "length-outlier" and len(en) < 40:
                    sig = None
            if sig == "empty":
                text = ""
            elif sig == "copy-of-source":
                text = en
            elif sig == "wrong-script":
                text = pseudo.wrong_script(base)
            else:
                rng = random.Random(int(u * 2 ** 53))
                r = noise[p]
                text = "".join(rng.choice(pseudo.pool) if t[0].isalpha() and rng.random() < r
                               and not KEEP.match(t) else t for t in toks)
                if sig == "number-changed":
                    text = plant("number-changed" if NUMBER.search(text) else "number-added", text, en)
                elif sig == "length-outlier":
                    text = text + " " + text if _u(seed, tag, k, p, "long") < 0.5 else text[: len(text) // 3]
            if sig:
                planted.append((tag, 9, k, f"mt-{sig}:{p}", (SIGNALS[sig],)))
            rows.append([p, text, sk, el, "" if lv is None else lv, "" if it is None else it, en])
    return _csv_text(rows)


def generate(out: Path, n_langs: int, providers: int = 7, skills: int | None = None, seed: int = 0,
             shared: Path = DEFAULT_SHARED, defect_rate: float = 0.02, bootstrap: int | None = None,
             verbose: bool = False) -> Path:
    """Write the synthetic corpus into ``out``; returns the path of its qa.toml."""
    out, shared = Path(out), Path(shared)
    src8, src9 = (shared / "sfia" / SFIA8_FILE).resolve(), (shared / "sfia" / SFIA9_FILE).resolve()
    for p in (src8, src9):
        if not p.is_file():
            raise FileNotFoundError(f"{p}: the official English is needed (see benchmarks/README.md)")
    if not 1 <= providers <= len(PROVIDERS):
        raise ValueError(f"providers must be 1..{len(PROVIDERS)}")
    t0 = time.perf_counter()
    en8 = read_paths([src8], framework=8)
    en9 = read_paths([src9], framework=9)
    drift = classify(align_english(en8, en9))
    h8, rows8 = raw_table(src8)
    all_skills = sorted(set(en9["skill"]) | set(en8["skill"]))
    if skills is not None:
        both = sorted(set(en9["skill"]) & set(en8["skill"]))
        chosen = set(both[:: max(1, len(both) // skills)][:skills])
    else:
        chosen = set(all_skills)
    vocab = vocabulary(en8["text"], en9["text"], [join_lines(c) for r in rows8 for c in r if c])
    names = PROVIDERS[:providers]
    tags = language_tags(n_langs)
    planted: list = []
    for tag in tags:
        pseudo = Pseudo(tag, seed, vocab)
        texts8: dict = {}
        base = out / "translations" / tag
        _write(base / "sfia-8" / f"sfia-8_{tag}.csv", sheet_8(h8, rows8, chosen, pseudo, seed, defect_rate,
                                                               planted, texts8))
        seg9, changed = segments_9(en9, drift, chosen, pseudo, seed, defect_rate, planted, texts8)
        _write(base / "sfia-9" / f"sfia-9_{tag}.jsonl", seg9)
        _write(base / "sfia-9" / "candidates" / "synthetic-mt.csv", candidates(changed, pseudo, names, seed, planted))
        if verbose:
            print(f"synth: {tag}: {len(changed)} changed segments, {time.perf_counter() - t0:.1f}s",
                  file=sys.stderr)
    _write(out / "planted.csv", _csv_text([["lang", "framework", "key", "kind", "codes"]]
                                          + [[t, fw, k, kind, " ".join(codes)] for t, fw, k, kind, codes in planted]))
    score = f"bootstrap = {bootstrap}\n" if bootstrap is not None else ""
    toml = (f"# SYNTHETIC corpus written by benchmarks/synth.py (seed {seed}): pseudo-translations, not SFIA.\n"
            f"[sources]\nsfia8 = [{json.dumps(str(src8))}]\nsfia9 = [{json.dumps(str(src9))}]\n\n"
            f"[translations]\npaths = [\"translations\"]\n\n[run]\nfail_on = \"never\"\n\n"
            f"[report]\nout = \"reports\"\n\n[score]\n{score}\n"
            "# The pseudo-translations are not words of any language: a spell-checker would report every\n"
            "# one of them (and spend its time on the slow path for unknown words). The English is real\n"
            "# and keeps its spelling check (QA712).\n"
            "[checks.QA409]\nenabled = false\n")
    _write(out / "qa.toml", toml)
    _write(out / "README.md", README.format(seed=seed, n=n_langs, tags=", ".join(tags), providers=", ".join(names),
                                            skills=len(chosen), rate=defect_rate))
    return out / "qa.toml"


README = """# SYNTHETIC corpus: machine-made pseudo-translations

Everything under `translations/` was generated by `benchmarks/synth.py` (seed {seed}) from the
official English SFIA 8 and SFIA 9 spreadsheets, which `qa.toml` points at and which are not
copied here. The "translations" are invented words in the target alphabet, not Polish, Arabic
or Czech, and the MT candidates come from no MT system. Use them to benchmark `sfia-qa run` and
to look at the reports at framework scale; never as translations.

* languages ({n}): {tags}
* skills: {skills}; providers: {providers}
* planted defects (rate {rate} per segment): `planted.csv`, with the finding codes each should raise
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--langs", required=True, type=int)
    ap.add_argument("--providers", type=int, default=7)
    ap.add_argument("--skills", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--defect-rate", type=float, default=0.02)
    ap.add_argument("--bootstrap", type=int, default=None)
    a = ap.parse_args(argv)
    t = time.perf_counter()
    try:
        cfg = generate(a.out, a.langs, a.providers, a.skills, a.seed, a.shared, a.defect_rate, a.bootstrap,
                       verbose=True)
    except (FileNotFoundError, ValueError) as e:
        print(f"synth: {e}", file=sys.stderr)
        return 2
    print(f"synth: wrote {cfg} ({time.perf_counter() - t:.1f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
