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


def _path(kind: str, key: str) -> Path | None:
    base = folder()
    if base is None or not kind.isidentifier() or not all(c in "0123456789abcdef" for c in key):
        return None
    return base / kind / f"{key}.bin"


def read(kind: str, key: str) -> bytes | None:
    """The body stored for ``key``, or None (absent, unreadable, or failing its digest)."""
    path = _path(kind, key)
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


def write(kind: str, key: str, body: bytes) -> None:
    """Store ``body`` for ``key`` (atomically); silently nothing when the cache is unusable."""
    path = _path(kind, key)
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
        _prune(path.parent)
    except OSError:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(kind_dir: Path) -> None:
    entries = sorted((p for p in kind_dir.glob("*.bin")), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()
