"""A persistent cache of per-segment metric statistics, so a re-run pays only for changed pairs.

What is stored: for one metric (its sacrebleu signature, sacrebleu's version and a digest of the
code that computes statistics here), one segment's references and one hypothesis, the
statistics sacrebleu's ``_compute_segment_statistics`` gives — the numbers corpus scores,
bootstrap resamples and sentence scores are then computed from, by sacrebleu, as always. Each
entry is addressed by a digest of those three things, so a re-run on a translation pull request
finds every unchanged (reference, hypothesis) pair and computes only the pairs that changed;
the scores are the same numbers either way.

Where: the folder given (``sfia-qa run``: ``[score] cache``, by default ``.sfia-qa-cache``
beside the reports folder; ``SFIA_QA_CACHE`` overrides it, ``off`` turns it off;
``sfia-qa score --stats-cache DIR``). Safe to delete at any time; the folder holds a
``.gitignore`` of ``*``, so git ignores it wherever it is.

How: entries are kept in pack files, one per *scope* (a language), ``stats/<scope>/*.pack``.
A run reads its scope's packs once, looks pairs up in memory, and — when it computed anything —
writes one new pack of every entry it used (those it found and those it computed) and removes
the packs it read. So a scope normally holds one pack of what its last run needed, writes are
whole files renamed into place (two processes never write the same file, a reader never sees
half a pack), and statistics of texts that changed away are dropped with the old pack.

Never believed blindly:

* the entry key is a digest of everything the statistics depend on, so a different sacrebleu
  version, metric setting or statistics code never finds another's entries;
* a pack carries a digest of its whole body and a header whose sizes must add up; a damaged,
  truncated or foreign pack is ignored (and replaced by the run's own pack);
* values are numbers in a fixed binary layout (never pickled objects: a planted cache file
  cannot run code), checked for finiteness and sign, with their integer columns marked.

Bounded: past ``max_mb`` the least recently used files are deleted (packs of every scope and the
languages' stored results that share the folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import sacrebleu

from pipeline import cache

DEFAULT_MAX_MB = 512  # one full-framework language keeps about 11 MB: a run of 20 languages about 220 MB
MAGIC = b"sfia-qa statistics pack 1\n"
KEY_BYTES = 16
MAX_LENGTH = 64      # statistics per entry (the integer mask is one 64-bit word)
_INT_LIMIT = 2 ** 53  # integers stored exactly in float64


def _code_digest() -> str:
    """The statistics code's own files: a change to how statistics are computed here is a new cache."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in ("metrics.py", "pairchrf.py", "sacrebleu_api.py", "ter.py", "statcache.py"):
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(b"?" + name.encode())
    return h.hexdigest()[:16]


_CODE: str | None = None


def metric_key(metric) -> str:
    """What a metric's statistics depend on, besides the texts: its sacrebleu signature (the
    settings, the version), the installed sacrebleu and the code here."""
    global _CODE
    if _CODE is None:
        _CODE = _code_digest()
    return f"{type(metric).__name__}|{metric.get_signature().format()}|sacrebleu {sacrebleu.__version__}|{_CODE}"


def expected_length(metric) -> int | None:
    """How many numbers one segment's statistics of ``metric`` hold (None: not known, not cached)."""
    name = type(metric).__name__
    n = None
    if name == "BLEU":
        n = 2 + 2 * metric.max_ngram_order
    elif name == "CHRF":
        n = 3 * (metric.char_order + metric.word_order)
    elif name == "TER":
        n = 2
    return n if n is not None and 0 < n <= MAX_LENGTH else None


def texts_key(refs: Sequence[str | None], hyp: str) -> bytes:
    """32-byte digest of (the segment's references, hypothesis), each length-prefixed."""
    h = hashlib.blake2b(digest_size=32)
    for part in (*("\x00" if r is None else "\x01" + r for r in refs), hyp):
        b = part.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "big"))
        h.update(b)
    return h.digest()


def pair_key(mkey: str, refs: Sequence[str | None], hyp: str, texts: bytes | None = None) -> bytes:
    """16-byte digest of (metric key, the segment's references, hypothesis): the metric key's
    digest keys a digest of the texts (``texts``: :func:`texts_key`, when already made)."""
    return hashlib.blake2b(texts if texts is not None else texts_key(refs, hyp), digest_size=KEY_BYTES,
                           key=_metric_digest(mkey)).digest()


_METRIC_DIGESTS: dict[str, bytes] = {}


def _metric_digest(mkey: str) -> bytes:
    d = _METRIC_DIGESTS.get(mkey)
    if d is None:
        d = _METRIC_DIGESTS[mkey] = hashlib.blake2b(mkey.encode("utf-8"), digest_size=32).digest()
    return d


# -- pack files ---------------------------------------------------------------------------------

def _mask_of(types: tuple) -> int | None:
    """The integer-column mask of a row of these value types (None: not all int or float)."""
    mask = 0
    for i, t in enumerate(types):
        if t is int:
            mask |= 1 << i
        elif t is not float:
            return None
    return mask


def encode_pack(entries: dict[bytes, list]) -> bytes:
    """A pack's bytes: header line, then per length group keys, integer masks and values. Entries
    that are not finite non-negative numbers below 2**53 (exact in a float64) are left out."""
    groups: dict[int, tuple[list[bytes], list[int], list]] = {}
    masks_of: dict[tuple, int | None] = {}
    for k, stats in entries.items():
        types = tuple(map(type, stats))
        mask = masks_of[types] if types in masks_of else masks_of.setdefault(types, _mask_of(types))
        if mask is None or len(k) != KEY_BYTES or not 0 < len(stats) <= MAX_LENGTH:
            continue
        keys, masks, rows = groups.setdefault(len(stats), ([], [], []))
        keys.append(k)
        masks.append(mask)
        rows.append(stats)
    parts, sizes = [], []
    for length, (keys, masks, rows) in sorted(groups.items()):
        values = np.array(rows, dtype="<f8").reshape(len(rows), length)
        good = np.isfinite(values).all(axis=1) & (values >= 0).all(axis=1) & (values < _INT_LIMIT).all(axis=1)
        if not good.all():
            keep = np.flatnonzero(good)
            keys, masks, values = [keys[i] for i in keep], [masks[i] for i in keep], values[good]
        sizes.append([length, len(keys)])
        parts += [b"".join(keys), np.array(masks, dtype="<u8").tobytes(), values.tobytes()]
    head = json.dumps({"groups": sizes}).encode("ascii") + b"\n"
    body = head + b"".join(parts)
    return MAGIC + hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body


def decode_pack(data: bytes) -> dict[bytes, list] | None:
    """A pack's entries, or None when anything about it is off (magic, digest, sizes, values)."""
    head_len = len(MAGIC) + 65
    if len(data) < head_len or not data.startswith(MAGIC):
        return None
    digest, body = data[len(MAGIC):head_len - 1], data[head_len:]
    if digest != hashlib.sha256(body).hexdigest().encode("ascii"):
        return None
    nl = body.find(b"\n")
    try:
        groups = json.loads(body[:nl]) if nl > 0 else None
    except ValueError:
        return None
    if (not isinstance(groups, dict) or not isinstance(groups.get("groups"), list)
            or not all(isinstance(g, list) and len(g) == 2 and all(type(x) is int for x in g)
                       and 0 < g[0] <= MAX_LENGTH and g[1] >= 0 for g in groups["groups"])):
        return None
    pos, out = nl + 1, {}
    for length, n in groups["groups"]:
        size = n * (KEY_BYTES + 8 + 8 * length)
        if pos + size > len(body):
            return None
        keys = body[pos:pos + n * KEY_BYTES]
        masks = np.frombuffer(body, dtype="<u8", count=n, offset=pos + n * KEY_BYTES)
        values = np.frombuffer(body, dtype="<f8", count=n * length, offset=pos + n * (KEY_BYTES + 8)).reshape(n, length)
        pos += size
        if n and (not np.isfinite(values).all() or (values < 0).any()):
            return None
        rows = values.tolist()
        for i, m in enumerate(masks.tolist()):
            row = rows[i]
            if m:
                for c in range(length):
                    if m >> c & 1:
                        if not row[c].is_integer():
                            return None
                        row[c] = int(row[c])
            out[keys[i * KEY_BYTES:(i + 1) * KEY_BYTES]] = row
    return out if pos == len(body) else None


def _make_folder(folder: Path) -> None:
    """The cache folder, ignored by git and marked as a cache for backup tools wherever it is.
    The marks go only into a folder made here: a folder that already exists (a configured
    ``cache = "."``, say) never gets a ``.gitignore`` of ``*``."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ((".gitignore", "# written by sfia-qa: a cache, safe to delete\n*\n"),
                       ("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n"
                                        "# This folder is a cache written by sfia-qa; safe to delete.\n")):
        path = folder / name
        if not path.exists():
            with contextlib.suppress(OSError):
                path.write_text(text, encoding="ascii")


class StatsCache:
    """The cache folder of one run; :meth:`scope` gives the handle scoring uses."""

    def __init__(self, folder: str | os.PathLike, max_mb: float = DEFAULT_MAX_MB):
        self.folder = Path(folder)
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.hits = self.misses = 0  # over every scope used in this process
        self.said_unwritable = False

    def ensure(self) -> None:
        """Make the folder (with its marks) now, before any process writes into it."""
        with contextlib.suppress(OSError):
            _make_folder(self.folder)

    def scope(self, name: str) -> Scope:
        """The entries of one scope (a language: what one scoring job looks up and stores)."""
        return Scope(self, hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:24])

    def bound(self) -> None:
        """Delete the least recently used packs and stored results past ``max_bytes``."""
        import time

        for p in (self.folder / "stats").glob("*/.tmp-*.part"):  # left by a run that was killed
            with contextlib.suppress(OSError):
                if p.stat().st_mtime < time.time() - 86400:
                    p.unlink()
        packs = []  # statistics packs and languages' stored results (pipeline.cache entries)
        for p in [*(self.folder / "stats").glob("*/*.pack"), *self.folder.glob(f"{cache.RESULT_PREFIX}*/*.bin")]:
            with contextlib.suppress(OSError):
                st = p.stat()
                packs.append((st.st_mtime_ns, st.st_size, p))
        total = sum(size for _, size, _ in packs)
        for _, size, p in sorted(packs, key=lambda t: t[0]):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                p.unlink()
                total -= size


class Scope:
    """One scope's entries: read once from its packs, looked up in memory, written back once
    (:meth:`flush`). Its lookups count in its cache's ``hits`` and ``misses``."""

    def __init__(self, cache: StatsCache, name: str):
        self.cache = cache
        self.dir = cache.folder / "stats" / name
        self._entries: dict[bytes, list] | None = None
        self._read: list[Path] = []
        self._used: dict[bytes, list] = {}
        self._texts: dict[tuple[int, str], bytes] = {}  # (segment, hypothesis) -> texts_key
        self._fresh = 0

    def _load(self) -> dict[bytes, list]:
        if self._entries is None:
            self._entries = {}
            for p in sorted(self.dir.glob("*.pack")):
                try:
                    entries = decode_pack(p.read_bytes())
                except OSError:
                    continue
                self._read.append(p)  # read: replaced by this run's pack, whatever it held
                if entries is not None:
                    self._entries.update(entries)
        return self._entries

    def texts_keys(self, refs_of: Sequence[Sequence[str | None]], pairs: Sequence[tuple[int, str]]) -> list[bytes]:
        """:func:`texts_key` of each pair (segment, hypothesis), made once for all the metrics."""
        out = []
        for i, h in pairs:
            k = self._texts.get((i, h))
            if k is None:
                k = self._texts[(i, h)] = texts_key(refs_of[i], h)
            out.append(k)
        return out

    def get_many(self, keys: Sequence[bytes], length: int) -> dict[bytes, list]:
        """The stored entries among ``keys`` that have ``length`` numbers."""
        entries = self._load()
        found = {}
        for k in dict.fromkeys(keys):
            v = entries.get(k)
            if v is not None and len(v) == length:
                found[k] = v
        self._used.update(found)
        self.cache.hits += len(found)
        self.cache.misses += len(set(keys)) - len(found)
        return found

    def put_many(self, items: Iterable[tuple[bytes, Sequence]]) -> None:
        """Statistics computed in this run (kept for :meth:`flush`, which stores the plain ones)."""
        for k, v in items:
            self._used[k] = list(v)
            self._fresh += 1

    def flush(self) -> None:
        """Write one pack of every entry this run used, when it computed any; remove the packs read.
        A cache that cannot be written costs only the time to recompute, never the run."""
        if not self._fresh:
            for p in self._read:  # recently used: kept longest by the size bound
                with contextlib.suppress(OSError):
                    os.utime(p)
            return
        tmp = None
        try:
            _make_folder(self.cache.folder)
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=self.dir)
            with os.fdopen(fd, "wb") as fh:
                fh.write(encode_pack(self._used))
            final = self.dir / f"{os.getpid()}-{os.urandom(6).hex()}.pack"
            os.replace(tmp, final)
            tmp = None
            for p in self._read:
                if p != final:
                    with contextlib.suppress(OSError):
                        p.unlink()
            self._read = [final]
            self._fresh = 0
            self.cache.bound()
        except OSError as e:
            if not self.cache.said_unwritable:  # once (per process), not once per language
                self.cache.said_unwritable = True
                print(f"sfia-qa: statistics cache {self.cache.folder} not written ({e.strerror or e}); "
                      "the next run computes these statistics again", file=sys.stderr)
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def cached_statistics(scope: Scope | None, metric, refs_of: Sequence[Sequence[str | None]],
                      pairs: Sequence[tuple[int, str]]) -> tuple[dict[int, list], list[bytes]]:
    """Per position in ``pairs`` (segment, hypothesis): the statistics the cache holds, and every
    pair's key (to store the others once computed). ``refs_of[i]``: segment ``i``'s references."""
    length = expected_length(metric)
    if scope is None or length is None:
        return {}, []
    mkey = metric_key(metric)
    texts = scope.texts_keys(refs_of, pairs)
    keys = [pair_key(mkey, refs_of[i], h, t) for (i, h), t in zip(pairs, texts, strict=True)]
    found = scope.get_many(keys, length)
    return {j: found[k] for j, k in enumerate(keys) if k in found}, keys


def from_env_or(folder: str | os.PathLike | None) -> Path | None:
    """The run cache folder: ``SFIA_QA_CACHE`` (``off``: none; a folder: its ``run-cache``
    subfolder) over ``folder`` (None: none)."""
    env = os.environ.get("SFIA_QA_CACHE", "").strip()
    if env.lower() == "off":
        return None
    if env:
        return Path(env) / "run-cache"
    return Path(folder) if folder else None
