"""A small on-disk cache of derived data that is slow to rebuild (e.g. a Hunspell dictionary's
stem index), content-addressed and never trusted blindly.

Where: ``SFIA_QA_CACHE`` (a folder; ``off`` turns caching off), else ``$XDG_CACHE_HOME/sfia-qa``,
else ``~/.cache/sfia-qa``. Safe to delete at any time. Each entry is one file named by a hash of
everything it was derived from (its ``key``: the source files' bytes, the versions of the code
that derived it), and carries a digest of its own body: a truncated, corrupt or foreign file is
ignored and rebuilt, never believed. Writes are atomic and a cache that cannot be written (a
read-only home on CI) only costs the time to rebuild. Each kind keeps its newest
``KEEP`` entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

MAGIC = b"sfia-qa cache 1\n"
KEEP = 8


def folder() -> Path | None:
    env = os.environ.get("SFIA_QA_CACHE", "").strip()
    if env.lower() == "off":
        return None
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "sfia-qa"


def key_of(*parts: bytes | str) -> str:
    """A hex key for the given inputs (each part length-prefixed, so no two lists collide)."""
    h = hashlib.sha256()
    for p in parts:
        b = p.encode("utf-8", "surrogateescape") if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "big"))
        h.update(b)
    return h.hexdigest()


def _path(kind: str, key: str, base: Path | None = None) -> Path | None:
    base = folder() if base is None else base
    if base is None or not kind.isidentifier() or not all(c in "0123456789abcdef" for c in key):
        return None
    return base / kind / f"{key}.bin"


def read(kind: str, key: str, base: Path | None = None) -> bytes | None:
    """The body stored for ``key``, or None (absent, unreadable, or failing its digest).
    ``base``: another cache folder than :func:`folder`."""
    path = _path(kind, key, base)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC) + 64 + 1
    if len(data) < head or not data.startswith(MAGIC):
        return None
    digest, body = data[len(MAGIC):head - 1], data[head:]
    if digest != hashlib.sha256(key.encode("ascii") + body).hexdigest().encode("ascii"):
        return None
    return body


def write(kind: str, key: str, body: bytes, base: Path | None = None, keep: int = KEEP) -> None:
    """Store ``body`` for ``key`` (atomically); silently nothing when the cache is unusable.
    ``keep``: how many of the kind's newest entries stay."""
    path = _path(kind, key, base)
    if path is None:
        return
    digest = hashlib.sha256(key.encode("ascii") + body).hexdigest().encode("ascii")
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + digest + b"\n" + body)
        os.replace(tmp, path)
        tmp = None
        _prune(path.parent, keep)
    except OSError:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(kind_dir: Path, keep: int = KEEP) -> None:
    entries = sorted((p for p in kind_dir.glob("*.bin")), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()


# -- memoised results (a stage's work for one language, keyed by everything it read) -----------

_MAX_JSON = 1 << 30  # bytes a stored result may expand to
RESULT_KEEP = 2      # a language's stored results of one stage: its latest inputs' and the ones before
RESULT_PREFIX = "result_"


def result_kind(stage: str, lang: str) -> str:
    """The cache kind (a folder) of one stage's stored results for one language."""
    return f"{RESULT_PREFIX}{stage}_{key_of(lang)[:16]}"


def code_digest() -> str:
    """A digest of this package's files (code, templates, language data) and of the libraries
    whose results it keeps: any change to them is a new key, so no result outlives its code."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        import sys
        from importlib import metadata

        root = Path(__file__).resolve().parent
        h = hashlib.sha256()
        for p in sorted(root.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".nbi", ".nbc"):
                h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
        for dist in ("sacrebleu", "numpy", "pandas", "langdetect", "jinja2", "spylls"):
            try:
                h.update(f"{dist} {metadata.version(dist)}\n".encode())
            except metadata.PackageNotFoundError:
                h.update(f"{dist} -\n".encode())
        h.update(sys.version.encode())
        _CODE_DIGEST = h.hexdigest()
    return _CODE_DIGEST


_CODE_DIGEST: str | None = None


def touch(kind: str, key: str, base: Path | None = None) -> None:
    """Mark an entry used: the newest by a size bound's reckoning."""
    path = _path(kind, key, base)
    if path is not None:
        with contextlib.suppress(OSError):
            os.utime(path)


def inflate(body: bytes, limit: int = _MAX_JSON) -> bytes | None:
    """``body`` decompressed (zlib), or None when it is not one whole stream of at most ``limit``
    bytes: a damaged entry, or one that would expand past what any result of ours is."""
    import zlib

    try:
        d = zlib.decompressobj()
        raw = d.decompress(body, limit)
    except zlib.error:
        return None
    return raw if d.eof and not d.unconsumed_tail else None


def read_json(kind: str, key: str, base: Path | None = None) -> Any:
    """A JSON value stored by :func:`write_json`, or None (absent, damaged, foreign)."""
    import json

    body = read(kind, key, base)
    if body is None:
        return None
    touch(kind, key, base)
    raw = inflate(body)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def write_json(kind: str, key: str, value, base: Path | None = None, keep: int = KEEP, checked: bool = False) -> bool:
    """Store a JSON value (compressed); False when it is not plain JSON (nothing stored).
    ``checked``: the caller has made sure JSON gives the value back exactly (:func:`json_exact`),
    so it is not walked again here."""
    import json
    import zlib

    if not checked and not json_exact(value):  # tuples, numeric keys, numpy scalars
        return False
    raw = json.dumps(value, allow_nan=True, separators=(",", ":")).encode("ascii")
    write(kind, key, zlib.compress(raw, 1), base, keep)
    return True


_SCALARS = frozenset({str, int, float, bool, type(None)})


def json_exact(value) -> bool:
    """JSON gives ``value`` back as it is: the same values of the very same types. That holds
    exactly when it is made of dicts with text keys, lists, texts, ints, floats (NaN and the
    infinities included), booleans and None, and of nothing else (not a tuple, a set, a numpy
    number or any subclass), which is what is checked: no encoding and decoding to compare."""
    t = type(value)
    if t in _SCALARS:
        return True
    if t is list:
        return all(map(json_exact, value))
    if t is dict:
        return all(type(k) is str for k in value) and all(map(json_exact, value.values()))
    return False
