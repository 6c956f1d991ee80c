"""What the scorer scores: a :class:`Corpus` of segments and each system's text per segment.

It is built from ingest's candidates table (:func:`corpus_from_table`; the files are read by
:mod:`pipeline.ingest.candidates`) or from the WMT layout's lines (:func:`read_wmt`). Segment
ids, optional sources and reference streams, and per system one text per segment (None where
the system gave no line). Lines a system lacks or has in excess are reported in
:attr:`Corpus.problems`, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import schema
from pipeline.errors import InputError
from pipeline.ingest.candidates import read_lines as _read_lines


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


def read_wmt(refs: list[str | Path], hyps: list[tuple[str, str | Path]], src: str | Path | None = None,
             lang: str | None = None, read_lines=None) -> Corpus:
    """Plain-text files, one segment a line, aligned with the (first) reference or the source."""
    read_lines = read_lines or _read_lines
    if not refs and src is None:
        raise InputError("--ref", "give at least one --ref file (or --src for consensus only)")
    ref_lines = [read_lines(Path(r)) for r in refs]
    src_lines = read_lines(Path(src)) if src is not None else None
    n = len(ref_lines[0]) if ref_lines else len(src_lines or [])
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
        lines = read_lines(Path(path))
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
    systems: dict[str, list[str | None]] = {p: [None] * len(ids) for p in providers}
    origins: dict[str, list[str | None]] = {p: [None] * len(ids) for p in providers}
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


def corpus_from_table(candidates: pd.DataFrame, lang: str | None = None) -> Corpus:
    """Ingest's candidates table (schema.CANDIDATE_INPUT) of one language -> a :class:`Corpus`."""
    rows = []
    for r in schema.rows(candidates):
        meta = ({c: schema.opt(r[c]) for c in ("framework", "skill", "element", "level", "item")}
                if schema.opt(r["skill"]) is not None else {})
        for c in ("framework", "level", "item"):
            if c in meta:
                meta[c] = schema.opt_int(meta[c])
        rows.append({"key": r["key"], "provider": r["provider"], "text": schema.opt_str(r["text"]), "meta": meta,
                     "source": schema.opt_str(r["source"]), "reference": schema.opt_str(r["reference"]),
                     "origin": r["origin"], "lang": r["lang"]})
    return corpus_from_records(rows, lang=lang)
