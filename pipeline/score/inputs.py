"""Candidate inputs: the candidates file (CSV/JSONL keyed by segment) and the WMT layout.

Both become a :class:`Corpus`: segment ids, optional sources and reference streams, and per
system one text per segment (None where the system gave no line). Lines a system lacks or
has in excess are reported in :attr:`Corpus.problems`, never fatal.

Candidates file columns (CSV header or JSONL keys)::

    provider, text                        required
    id | key | skill,element,level,item   the segment (a free id, a key like
                                          sfia9.CSMG.level.3, or the four key columns)
    framework, lang, source, reference    optional
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.encoding import decode
from pipeline.errors import InputError
from pipeline.ioutil import iter_jsonl
from pipeline.keys import DEFAULT_PATTERN, format_key, parse_key
from pipeline.schema import ELEMENTS


@dataclass
class Corpus:
    ids: list[str]
    systems: dict[str, list[str | None]]
    sources: list[str | None] | None = None
    refs: list[list[str | None]] = field(default_factory=list)   # reference streams
    origins: dict[str, list[str | None]] = field(default_factory=dict)
    meta: list[dict] = field(default_factory=list)                # per segment: framework, skill...
    problems: list[str] = field(default_factory=list)
    lang: str | None = None
    reference_name: str | None = None

    @property
    def n(self) -> int:
        return len(self.ids)


def _lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(path, f"cannot read file: {e.strerror or e}") from None
    text, _ = decode(data, str(path))
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln.rstrip("\r") for ln in lines]


def read_wmt(refs: list[str | Path], hyps: list[tuple[str, str | Path]], src: str | Path | None = None,
             lang: str | None = None) -> Corpus:
    """Plain-text files, one segment a line, aligned with the (first) reference or the source."""
    if not refs and src is None:
        raise InputError("--ref", "give at least one --ref file (or --src for consensus only)")
    ref_lines = [_lines(Path(r)) for r in refs]
    src_lines = _lines(Path(src)) if src is not None else None
    n = len(ref_lines[0]) if ref_lines else len(src_lines)
    problems = []
    base = str(refs[0]) if refs else str(src)
    for path, lines in [*zip(refs, ref_lines, strict=True), *([(src, src_lines)] if src_lines else [])]:
        if len(lines) != n:
            raise InputError(path, f"has {len(lines)} lines but {base} has {n}: references and source "
                                   "must be line-aligned")
    systems, origins = {}, {}
    seen = set()
    for name, path in hyps:
        if name in seen:
            raise InputError("--hyp", f"system name {name!r} given twice")
        seen.add(name)
        lines = _lines(Path(path))
        if len(lines) < n:
            problems.append(f"{path}: {n - len(lines)} line(s) missing ({len(lines)} of {n}); "
                            "scored as empty")
        elif len(lines) > n:
            problems.append(f"{path}: {len(lines) - n} extra line(s) after line {n}; ignored")
        texts: list[str | None] = list(lines[:n]) + [None] * max(0, n - len(lines))
        systems[name] = texts
        origins[name] = [f"{path}:{i + 1}" if i < len(lines) else None for i in range(n)]
    return Corpus(ids=[str(i + 1) for i in range(n)], systems=systems, sources=src_lines,
                  refs=ref_lines, origins=origins, meta=[{} for _ in range(n)], problems=problems,
                  lang=lang, reference_name=", ".join(str(r) for r in refs) or None)


def _int(v, where: str, col: str):
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        raise InputError(where, f"{col} must be a whole number, not {v!r}") from None


def _records(path: Path) -> list[tuple[str, dict]]:
    data = path.read_bytes() if path.exists() else None
    if data is None:
        raise InputError(path, "no such file")
    text, _ = decode(data, str(path))
    out = []
    if path.suffix.lower() == ".jsonl":
        out.extend((f"{path}:{n}", obj) for n, obj in iter_jsonl(text, str(path)))
    elif path.suffix.lower() in (".csv", ".tsv"):
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        for row in reader:
            if None in row:
                raise InputError(f"{path}:{reader.line_num}", "more cells than header columns")
            out.append((f"{path}:{reader.line_num}", row))
    else:
        raise InputError(path, "candidates must be .csv, .tsv or .jsonl")
    return out


def read_candidate_records(path: str | Path, lang: str | None = None, framework: int | None = None,
                           key_pattern: str = DEFAULT_PATTERN) -> list[dict]:
    """One dict per candidate: key, provider, text, meta, source, reference, origin."""
    path = Path(path)
    rows = []
    for where, obj in _records(path):
        if "provider" not in obj or "text" not in obj:
            raise InputError(where, "a candidate needs 'provider' and 'text' (and 'id', 'key' or "
                                    "'skill'+'element')")
        provider = str(obj.get("provider") or "").strip()
        if not provider:
            raise InputError(where, "empty provider")
        fw = _int(obj.get("framework"), where, "framework") or framework
        meta: dict = {}
        if obj.get("skill") not in (None, ""):
            el = str(obj.get("element") or "").strip()
            if el not in ELEMENTS:
                raise InputError(where, f"element must be one of {', '.join(ELEMENTS)}, not {el!r}")
            meta = {"framework": fw, "skill": str(obj["skill"]).strip(), "element": el,
                    "level": _int(obj.get("level"), where, "level"), "item": _int(obj.get("item"), where, "item")}
            if el == "level" and meta["level"] is None:
                raise InputError(where, "a 'level' segment needs its level")
            if el in ("guidance", "activity") and meta["item"] is None:
                raise InputError(where, f"a '{el}' segment needs its item")
            key = format_key(meta["skill"], el, meta["level"], meta["item"], fw or 9, key_pattern)
        elif obj.get("key") not in (None, ""):
            key = str(obj["key"]).strip()
            k = parse_key(key, key_pattern)
            if k:
                meta = {**k, "framework": k["framework"] or fw}
        elif obj.get("id") not in (None, ""):
            key = str(obj["id"]).strip()
        else:
            raise InputError(where, "no segment: give 'id', 'key' or 'skill'+'element'")
        text = obj.get("text")
        rows.append({"key": key, "provider": provider, "text": None if text is None else str(text),
                     "meta": meta, "source": obj.get("source") or None,
                     "reference": obj.get("reference") or None, "origin": where,
                     "lang": obj.get("lang") or lang})
    if not rows:
        raise InputError(path, "no candidates in the file")
    return rows


def corpus_from_records(rows: list[dict], lang: str | None = None) -> Corpus:
    """Group candidate records by segment; a provider lacking a segment is reported."""
    ids: list[str] = []
    seen: dict[str, int] = {}
    meta, sources, references = [], [], []
    for r in rows:
        if r["key"] not in seen:
            seen[r["key"]] = len(ids)
            ids.append(r["key"])
            meta.append(r["meta"])
            sources.append(r["source"])
            references.append(r["reference"])
        else:
            i = seen[r["key"]]
            sources[i] = sources[i] or r["source"]
            references[i] = references[i] or r["reference"]
    providers = list(dict.fromkeys(r["provider"] for r in rows))
    systems = {p: [None] * len(ids) for p in providers}
    origins = {p: [None] * len(ids) for p in providers}
    problems = []
    for r in rows:
        i = seen[r["key"]]
        if origins[r["provider"]][i] is not None:
            raise InputError(r["origin"], f"{r['provider']} has a second candidate for {r['key']} "
                                          f"(first at {origins[r['provider']][i]})")
        systems[r["provider"]][i] = r["text"]
        origins[r["provider"]][i] = r["origin"]
    for p in providers:
        missing = [ids[i] for i, o in enumerate(origins[p]) if o is None]
        if missing:
            problems.append(f"{p}: no candidate for {len(missing)} segment(s): {', '.join(missing[:5])}"
                            + (" ..." if len(missing) > 5 else ""))
    has_ref = any(references)
    return Corpus(ids=ids, systems=systems, sources=sources if any(sources) else None,
                  refs=[references] if has_ref else [], origins=origins, meta=meta, problems=problems,
                  lang=lang or next((r["lang"] for r in rows if r.get("lang")), None),
                  reference_name="reference column" if has_ref else None)
