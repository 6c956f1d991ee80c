"""Quality signals per candidate. Hard signals keep a candidate from being picked as best.

=================  ====  ==========================================================
signal             hard  when
=================  ====  ==========================================================
empty              yes   no text, or only whitespace
copy-of-source     yes   the text is the source (case, spacing and final stop aside)
wrong-language     yes   :mod:`pipeline.langid` is sure it is not the target language
numbers            no    the numbers differ from the source's (1999 vs 1998, a lost 7)
length-outlier     no    length far from the segment's median candidate (a dropped
                         sentence, an added paragraph); needs 3 candidates
=================  ====  ==========================================================
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from pipeline import langid
from pipeline.text.normalize import ascii_digits

HARD = ("empty", "copy-of-source", "wrong-language")
SOFT = ("numbers", "length-outlier")
_NUM = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Options:
    min_chars: int = 25          # letters a text needs before its language is judged
    length_low: float = 0.6      # ratio to the segment's median candidate length
    length_high: float = 1.7
    langid_workers: int | None = None


def _norm(s: str) -> str:
    return " ".join(s.split()).casefold().rstrip(".。!?؟ ")


def numbers(text: str) -> Counter:
    """The numbers of a text, digits of any script normalised (Arabic-Indic -> ASCII, 1,000 == 1000)."""
    return Counter(re.sub(r"[.,](?=\d{3}\b)", "", m) for m in _NUM.findall(ascii_digits(text)))


def detect(segments: Sequence[Sequence[str | None]], sources: Sequence[str | None] | None, lang: str | None,
           opts: Options = Options()) -> list[list[dict]]:
    """For each segment, for each candidate: {signal: explanation}."""
    out: list[list[dict]] = []
    to_judge: list[tuple[int, int, str]] = []
    for k, seg in enumerate(segments):
        src = sources[k] if sources else None
        lengths = [len(t.strip()) for t in seg if t and t.strip()]
        med = median(lengths) if len(lengths) >= 3 else None
        row = []
        for i, t in enumerate(seg):
            sig: dict = {}
            if t is None or not t.strip():
                sig["empty"] = "no text"
                row.append(sig)
                continue
            if src and _norm(t) == _norm(src):
                sig["copy-of-source"] = "identical to the source text"
            elif lang:
                to_judge.append((k, i, t))
            if src is not None:
                ns, nt = numbers(src), numbers(t)
                if ns != nt:
                    lost = sorted((ns - nt).elements())
                    extra = sorted((nt - ns).elements())
                    parts = ([f"the English has {', '.join(lost)}, the candidate does not"] if lost else []) + \
                            ([f"the candidate has {', '.join(extra)}, the English does not"] if extra else [])
                    sig["numbers"] = "; ".join(parts)
            if med:
                r = len(t.strip()) / med
                if r < opts.length_low or r > opts.length_high:
                    sig["length-outlier"] = f"{r:.2f}x the median candidate length"
            row.append(sig)
        out.append(row)
    if to_judge and lang:
        verdicts = langid.identify_many([t for _, _, t in to_judge], lang, opts.min_chars, opts.langid_workers)
        for (k, i, _), v in zip(to_judge, verdicts, strict=True):
            if v.ok is False:
                found = f"reads as {v.lang}" if v.lang else "written in another script"
                out[k][i]["wrong-language"] = f"not {lang}: {found} (by {v.method}, confidence {v.confidence:.2f})"
    return out


def is_hard(sig: dict) -> bool:
    return any(s in sig for s in HARD)
