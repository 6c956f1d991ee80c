"""A language's review pages kept in the run cache, and written again from there when nothing
they show has changed.

Rendering a language's pages (its overview, search pages and one page per skill) is most of the
report stage, and the re-run CI does on a translation pull request changes one language, or
one skill of it. So each language's pages are stored, compressed, in the run cache (the
``.sfia-qa-cache`` folder of the score stage's statistics) under a key over everything the pages
are rendered from:

* the view of the language: its rows with their findings, its skills, scores, chart, review
  progress, report id and key pattern (every field, serialised in order);
* its MT candidates, as the score stage's digest of everything they were scored from (a language
  with candidates and no such digest is always rendered);
* the navigation (every language's tag, name, direction and page) and the run's gate settings
  (``--fail-on``, ``--changed-since``, the review threshold, and whether each finding gates);
* the code: a digest of the whole package (templates and scripts included) and its libraries.

A language whose key is found is written from the stored bytes, which are what rendering the
same view gave; any difference in any of these is a new key, and the pages are rendered. A view
holding a value the key cannot spell exactly is never reused. A stored entry is read only when
its digest matches, its sizes add up and it names exactly the files this run would write: a
damaged, truncated or foreign entry is ignored and the pages are rendered.
"""

from __future__ import annotations

import dataclasses
import json
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline import cache

STAGE = "pages"


def page_key(v, views: Sequence, settings: Sequence, gates: Callable[[dict], bool]) -> str | None:
    """The key of a language's pages (``v``: its LangView, candidates attached); None when the view
    holds a value that has no exact spelling (its pages are then always rendered)."""
    rows_at = {id(r): i for i, r in enumerate(v.rows)}

    def spell(o):
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            d = {f.name: getattr(o, f.name) for f in dataclasses.fields(o)}
            if o is not v and isinstance(d.get("rows"), list):  # a skill's rows are the language's own
                d["rows"] = [rows_at[id(r)] if id(r) in rows_at else r for r in d["rows"]]
            return [type(o).__qualname__, d]
        raise TypeError(type(o).__qualname__)

    findings = [f for r in v.rows for f in r.get("findings", ())] + list(v.loose_findings) + list(v.findings)
    payload = [cache.code_digest(), [(x.lang, x.name, x.direction, x.page) for x in views], list(settings),
               [bool(gates(f)) for f in findings], v]
    try:
        raw = json.dumps(payload, default=spell, ensure_ascii=False, allow_nan=True, check_circular=False)
    except (TypeError, ValueError, RecursionError):
        return None
    return cache.key_of(raw)


def read(folder: Path, lang: str, key: str, names: Sequence[str]) -> list[bytes] | None:
    """The stored bytes of ``names`` (in order) for ``key``, or None."""
    body = cache.read(cache.result_kind(STAGE, lang), key, folder)
    if body is None:
        return None
    raw = cache.inflate(body)
    if raw is None:
        return None
    head, sep, rest = raw.partition(b"\n")
    try:
        files = json.loads(head) if sep else None
    except ValueError:
        return None
    if not isinstance(files, list) or [f[0] if isinstance(f, list) and len(f) == 2 else None for f in files] \
            != list(names):
        return None
    sizes = [f[1] for f in files]
    if not all(type(n) is int and n >= 0 for n in sizes) or sum(sizes) != len(rest):
        return None
    out, pos = [], 0
    for n in sizes:
        out.append(rest[pos:pos + n])
        pos += n
    cache.touch(cache.result_kind(STAGE, lang), key, folder)
    return out


def write(folder: Path, lang: str, key: str, files: Sequence[tuple[str, bytes]]) -> None:
    """Store a language's pages (``(name, bytes)`` in writing order) for ``key``."""
    head = json.dumps([[name, len(data)] for name, data in files], ensure_ascii=False).encode("utf-8")
    body = zlib.compress(b"".join([head, b"\n", *(data for _, data in files)]), 1)
    cache.write(cache.result_kind(STAGE, lang), key, body, folder, keep=cache.RESULT_KEEP)
