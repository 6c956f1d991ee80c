"""A careful HTTP transport for JSON APIs, hardened against a hostile server.

API-agnostic: the Phrase Strings client (:mod:`pipeline.phrase.client`) is built on it, and
a Phrase TMS client can be too. What differs between APIs is passed in, not hard-coded:
the ``Authorization`` scheme (``token ...``, ``ApiToken ...``), the pagination strategy
(:class:`LinkPagination`: ``Link rel="next"``; :class:`PageNumberPagination`:
``pageNumber``/``pageSize`` with ``totalPages``), the rate limiter and the hints in messages.

What it guarantees, in the order a request meets it:

* **The token goes only to the base URL's origin** (scheme, host and port). The auth hook
  itself refuses any other origin, so no code path can leak it by accident.
* **Pagination stays home**: a ``next`` page is followed only on the base URL's origin and
  under its path (no ``..``, no user info, no ``https`` -> ``http`` downgrade); a URL seen
  before (a loop) or more than ``max_pages`` pages is an error, not an endless pull.
* **Bounded time**: one overall ``deadline`` (seconds, from creation or
  :meth:`Transport.restart_deadline`) checked before every request and wait and while a
  body is read; no single wait (``Retry-After``, ``X-Rate-Limit-Reset``, pacing) longer
  than ``max_wait``; at most ``max_attempts`` tries of a transient failure.
* **Bounded size**: a body over ``max_bytes`` (declared or streamed, after decompression)
  is refused.
* **Transient faults retried**: ``500/502/503/504``, dropped or refused connections,
  time-outs and bodies cut mid-stream, with exponential backoff and jitter; a ``POST``
  only when the server cannot have applied it.
* **Headers parsed defensively**: negative waits count as 0; NaN, infinity and garbage are
  ignored (backoff applies); an HTTP-date ``Retry-After`` is understood.
* **Shapes validated**: :func:`check_items` turns a list that is not a list of objects with
  the expected fields into one line naming the request.
* **Secrets redacted** from every error (:func:`pipeline.phrase.errors.redact`).

Every bound uses the injectable clock, so tests run in virtual time.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import math
import random
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from pipeline.phrase import errors as E

log = logging.getLogger("pipeline.phrase")

RETRY_STATUSES = {500, 502, 503, 504}
from pipeline.phrase.defaults import (  # noqa: E402  (re-exported: the bounds live in one place)
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PAGES,
    DEFAULT_MAX_WAIT,
)

CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ETAG = re.compile(r'(W/)?"[\x21\x23-\x7e]{0,200}"')
_NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*")


# ---------------------------------------------------------------------------- small pieces
class Secret:
    """Holds a token; its repr and str never show it."""

    __slots__ = ("_v",)

    def __init__(self, v: str):
        self._v = v

    def reveal(self) -> str:
        return self._v

    def __repr__(self) -> str:
        return "<token ***>"

    __str__ = __repr__


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, default ports filled in; None if it has none."""
    try:
        p = urlsplit(url)
        port = p.port
    except ValueError:
        return None
    scheme = (p.scheme or "").lower()
    if scheme not in _DEFAULT_PORTS or not p.hostname:
        return None
    return scheme, p.hostname.lower(), port if port is not None else _DEFAULT_PORTS[scheme]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # and bidi overrides


def _host_ok(host: str | None) -> bool:
    """A host name of DNS labels (1-63 letters, digits or hyphens), or an IP address."""
    if not host:
        return False
    if ":" in host:  # an IPv6 literal
        import ipaddress

        try:
            return ipaddress.ip_address(host).version == 6
        except ValueError:
            return False
    labels = host.rstrip(".").split(".")
    return len(host) <= 253 and all(re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", x) for x in labels)


def shorten(text: str, n: int = 200) -> str:
    """Server text for a message: secrets redacted before it is cut (a cut secret no longer
    matches), terminal control characters (escape sequences that retitle or clear a terminal,
    or fake a message; bidi overrides that reorder it) shown as '?', at most ``n`` characters."""
    text = _CONTROL.sub("?", E.redact(" ".join(str(text).split())))
    return text if len(text) <= n else text[: n - 1] + "…"


def seconds(x: float) -> str:
    """A wait for a message: '90s', or '1e+300s' rather than three hundred digits."""
    return f"{x:.0f}s" if x < 1e7 else f"{x:.2g}s"


def finite_number(value) -> float | None:
    """A plain decimal number from a header; None for NaN, infinity, garbage or absence."""
    if value is None or not isinstance(value, str) or not _NUMBER.fullmatch(value):
        return None
    try:
        v = float(value)
    except (ValueError, OverflowError):
        return None
    return v if math.isfinite(v) else None


def parse_retry_after(value, now: float) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta-seconds or an HTTP-date); negative -> 0;
    None when absent or unparsable."""
    if value is None:
        return None
    v = finite_number(value)
    if v is not None:
        return max(0.0, v)
    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    try:
        ts = when.timestamp()  # a date without a zone is read as UTC by parsedate_to_datetime
    except (OverflowError, OSError, ValueError):
        return None
    return max(0.0, ts - now) if math.isfinite(ts) else None


@dataclass(frozen=True)
class Hints:
    """What messages tell the user; each API fills in its own."""

    service: str = "api"
    status_url: str = ""
    auth: str = "the access token was refused (HTTP 401)"
    forbidden: str = "forbidden (HTTP 403): the token lacks a permission"
    throttled: str = "wait a few minutes and run again"


class TokenAuth(AuthBase):
    """``Authorization: <scheme> <token>``, added only to requests for ``allowed``'s origin.

    Defence in depth: whatever URL a request is for, the token goes nowhere else; a request
    for another origin is refused before it is sent."""

    def __init__(self, token: str, scheme: str, allowed: str, service: str = "api"):
        self._token = Secret(token)
        self.scheme = scheme
        self.origin = origin(allowed)
        self.service = service

    def __call__(self, r):
        if self.origin is None or origin(r.url) != self.origin:
            raise E.ForeignHostError(f"{self.service} {r.method}", "refused to send the access token to "
                                     f"{shorten(r.url)}: not the API's origin")
        r.headers["Authorization"] = f"{self.scheme} {self._token.reveal()}"
        return r

    def __repr__(self) -> str:
        return f"TokenAuth({self.scheme} ***)"


# ---------------------------------------------------------------------------- rate limits
class HeaderRateLimiter:
    """Shared view of the server's rate-limit window from ``<prefix>Limit/Remaining/Reset``
    headers (``Reset`` in epoch seconds). :meth:`before_request` returns how long to pause:
    until the reset when the remaining budget is within ``reserve`` of zero, spread evenly
    when below ``low_fraction`` of the limit. The transport bounds and performs the pause."""

    def __init__(self, clock, reserve: int = 4, low_fraction: float = 0.1, margin: float = 0.05,
                 prefix: str = "X-Rate-Limit-"):
        self.clock = clock
        self.reserve, self.low_fraction, self.margin, self.prefix = reserve, low_fraction, margin, prefix
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reset: float | None = None
        self.waited = 0.0
        self._lock = threading.Lock()

    def before_request(self) -> float:
        with self._lock:
            now = self.clock()
            if self.reset is not None and now >= self.reset:
                self.remaining = self.reset = None  # the window rolled over: budget unknown until told
            delay = 0.0
            if self.remaining is not None and self.reset is not None:
                if self.remaining <= self.reserve:
                    delay = self.reset - now + self.margin
                elif self.limit and self.remaining <= self.limit * self.low_fraction:
                    delay = (self.reset - now) / self.remaining
                self.remaining -= 1  # count this request before the server tells us
        return max(0.0, delay)

    def update(self, headers) -> None:
        limit = finite_number(headers.get(self.prefix + "Limit"))
        remaining = finite_number(headers.get(self.prefix + "Remaining"))
        reset = finite_number(headers.get(self.prefix + "Reset"))
        if limit is None or remaining is None or reset is None:
            return
        limit, remaining = max(0, int(limit)), max(0, int(remaining))
        with self._lock:
            self.limit = limit
            if self.reset is None or reset > self.reset:
                self.reset, self.remaining = reset, remaining
            elif reset == self.reset:
                self.remaining = remaining if self.remaining is None else min(self.remaining, remaining)

    def reset_wait(self, headers) -> float | None:
        """Seconds to wait after a 429, from Retry-After or the reset header; None if neither says."""
        now = self.clock()
        waits = []
        ra = parse_retry_after(headers.get("Retry-After"), now)
        if ra is not None:
            waits.append(ra)
        rs = finite_number(headers.get(self.prefix + "Reset"))
        if rs is not None:
            waits.append(max(0.0, rs - now))
        return max(waits) + self.margin if waits else None


class NoRateLimiter:
    """For APIs without rate-limit headers: 429s still honour Retry-After."""

    waited = 0.0

    def __init__(self, clock):
        self.clock = clock

    def before_request(self) -> float:
        return 0.0

    def update(self, headers) -> None:
        pass

    def reset_wait(self, headers) -> float | None:
        ra = parse_retry_after(headers.get("Retry-After"), self.clock())
        return ra


# ---------------------------------------------------------------------------- pagination
class LinkPagination:
    """``per_page`` on the first request, then the ``Link`` header's ``rel="next"`` (Phrase
    Strings, GitHub-style). The body is the list of items."""

    def __init__(self, per_page: int = 100, size_param: str = "per_page"):
        self.per_page, self.size_param = per_page, size_param

    def first_params(self, params: dict) -> dict:
        return {**params, self.size_param: self.per_page}

    def items(self, data, where: str) -> list:
        if not isinstance(data, list):
            raise E.ResponseError(where, f"expected a JSON list, got {_kind(data)}")
        return data

    def next_url(self, resp: requests.Response, data, url: str, where: str) -> str | None:
        try:
            link = resp.links.get("next", {}).get("url")
        except Exception:  # a malformed Link header: no next page  # noqa: BLE001
            return None
        return urljoin(url, link) if isinstance(link, str) and link else None


class PageNumberPagination:
    """``pageNumber``/``pageSize`` query parameters; the body is an object whose
    ``content`` is the page's items and ``totalPages`` the page count (Phrase TMS)."""

    def __init__(self, page_size: int = 50, number_param: str = "pageNumber", size_param: str = "pageSize",
                 content: str = "content", total: str = "totalPages", first_page: int = 0):
        self.page_size, self.number_param, self.size_param = page_size, number_param, size_param
        self.content, self.total, self.first_page = content, total, first_page

    def first_params(self, params: dict) -> dict:
        return {**params, self.number_param: self.first_page, self.size_param: self.page_size}

    def items(self, data, where: str) -> list:
        if not isinstance(data, dict) or not isinstance(data.get(self.content), list):
            raise E.ResponseError(where, f"expected an object with a {self.content!r} list, got {_kind(data)}")
        return data[self.content]

    def next_url(self, resp: requests.Response, data, url: str, where: str) -> str | None:
        total = data.get(self.total) if isinstance(data, dict) else None
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            # not "no more pages": a list cut short would read as jobs gone from the project
            raise E.ResponseError(where, f"the page count {self.total!r} is {shorten(repr(total), 40)}, "
                                                        "not a whole number: the list cannot be known to be complete")
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        try:
            current = int(dict(query).get(self.number_param, self.first_page))
        except ValueError:
            return None
        nxt = current + 1
        if current - self.first_page >= total and self.items(data, where):
            # items on a page past the count: the count is wrong, so the list cannot be known complete
            raise E.ResponseError(where, f"page {current} has items but the page count {self.total!r} is {total}")
        if nxt - self.first_page >= total:
            return None
        query = [(k, v) for k, v in query if k != self.number_param] + [(self.number_param, str(nxt))]
        return urlunsplit(parts._replace(query=urlencode(query)))


def _kind(data) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(data), "a number")


# ---------------------------------------------------------------------------- shapes
def check_items(items: list, fields: dict, where: str) -> list:
    """Every item an object with ``fields`` ({dotted path: type or tuple of types}); else
    :class:`ResponseError` naming the request, the item and the field."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise E.ResponseError(where, f"item {i + 1} is {_kind(item)}, not an object")
        for path, types in fields.items():
            v: object = item
            for part in path.split("."):
                v = v.get(part, _MISSING) if isinstance(v, dict) else _MISSING
            types = types if isinstance(types, tuple) else (types,)
            if v is _MISSING or not isinstance(v, types) or (isinstance(v, bool) and bool not in types):
                want = " or ".join("null" if t is type(None) else t.__name__ for t in types)
                got = "missing" if v is _MISSING else _kind(v)
                raise E.ResponseError(where, f"item {i + 1} has no valid {path!r} ({want} expected, {got})")
    return items


_MISSING = object()


# ---------------------------------------------------------------------------- page cache
def valid_etag(etag) -> bool:
    """An entity tag as RFC 9110 spells it (a header value that is safe to send back)."""
    return isinstance(etag, str) and _ETAG.fullmatch(etag) is not None


class PageCache:
    """ETag and items of every page fetched, keyed by URL; persisted by the caller."""

    def __init__(self, pages: dict | None = None):
        self.pages: dict[str, dict] = dict(pages or {})
        self.used: dict[str, dict] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> dict | None:
        with self._lock:
            entry = self.pages.get(url)
        # The cache file is input too: use an entry only if it has the shape this class writes.
        if not isinstance(entry, dict) or not isinstance(entry.get("data"), list) \
                or not valid_etag(entry.get("etag")) or not isinstance(entry.get("next"), (str, type(None))):
            return None
        return entry

    def put(self, url: str, etag: str | None, data, next_url: str | None) -> None:
        with self._lock:
            entry = {"etag": etag, "data": data, "next": next_url}
            if valid_etag(etag):
                self.pages[url] = entry
            self.used[url] = entry

    def touch(self, url: str) -> None:
        with self._lock:
            self.used[url] = self.pages[url]


# ---------------------------------------------------------------------------- transport
class _BodyCut(Exception):
    """The body stopped before its end (a transient fault, like a dropped connection)."""


# The socket each thread's current request uses (set as its connection connects and before it
# reads an answer), so that a watchdog can cut a request that outlives the run's deadline: a
# socket timeout starts afresh with every byte, so a server that sends its headers a byte at a
# time, or "100 Continue" for ever, would never hit one.
_SOCKETS: dict[int, object] = {}


class _Watched:
    """Mixed into urllib3's connections: note the socket as it connects and before each answer."""

    sock: object

    def connect(self):
        super().connect()
        _SOCKETS[threading.get_ident()] = self.sock

    def getresponse(self, *args, **kwargs):
        _SOCKETS[threading.get_ident()] = self.sock
        return super().getresponse(*args, **kwargs)


class _WatchedConnection(_Watched, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
    pass


class _WatchedPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


class _Watchdog:
    """Shuts the calling thread's request socket down after ``seconds`` (real time) unless stopped."""

    def __init__(self, seconds: float):
        self.fired = False
        self._thread = threading.get_ident()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        import socket

        self.fired = True
        sock = _SOCKETS.get(self._thread)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # type: ignore[attr-defined]

    def stop(self) -> None:
        self._timer.cancel()
        _SOCKETS.pop(self._thread, None)


class Transport:
    """One session to one API origin with every bound above. Subclass it (or wrap it) with
    the API's endpoints; see :class:`pipeline.phrase.client.PhraseClient`."""

    def __init__(self, base_url: str, token: str, *, auth_scheme: str = "token", user_agent: str = "sfia-qa",
                 hints: Hints | None = None, pagination=None, rate_limiter=None, max_workers: int = 4,
                 timeout: tuple[float, float] = (10.0, 60.0), max_attempts: int = 6, max_throttled: int = 20,
                 max_wait: float = DEFAULT_MAX_WAIT, backoff_base: float = 0.5, backoff_cap: float = 30.0,
                 deadline: float = DEFAULT_DEADLINE, max_pages: int = DEFAULT_MAX_PAGES,
                 max_bytes: int = DEFAULT_MAX_BYTES, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None, rng: random.Random | None = None,
                 read_only: bool = False, cache: PageCache | None = None):
        import time

        self.hints = hints or Hints()
        self.base_url = str(base_url).rstrip("/")
        try:
            parts = urlsplit(self.base_url)
            host_ok = _host_ok(parts.hostname)
        except ValueError:  # an unclosed [IPv6 bracket, a port that is no number
            parts, host_ok = None, False
        if not host_ok or parts is None or origin(self.base_url) is None or parts.username is not None \
                or parts.password is not None or parts.query or parts.fragment:
            raise E.ConfigError("--base-url", f"not a plain http(s) URL: {shorten(base_url)!r}")
        if not token.isascii() or not token.isprintable():
            raise E.ConfigError(f"{self.hints.service} access token", "the token holds a character that is not "
                                "printable ASCII, which an HTTP header cannot carry: copy it again")
        self.origin: tuple[str, str, int] = origin(self.base_url)  # type: ignore[assignment]  # checked above
        self.base_path = parts.path.rstrip("/")
        E.register_secret(token)
        self.max_workers = max_workers
        self.timeout = timeout
        self.max_attempts, self.max_throttled, self.max_wait = max_attempts, max_throttled, float(max_wait)
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.deadline, self.max_pages, self.max_bytes = float(deadline), int(max_pages), int(max_bytes)
        self.clock = clock or time.time
        self.sleep = sleep or time.sleep
        self.rng = rng or random.Random()
        self.read_only = read_only
        self.cache = cache
        self.pagination = pagination or LinkPagination()
        self.limiter = rate_limiter or HeaderRateLimiter(self.clock, reserve=max_workers)
        self._slots = threading.BoundedSemaphore(max_workers)
        self._stats_lock = threading.Lock()
        self.stats: Counter = Counter()
        self.session = requests.Session()
        adapter = _WatchedAdapter(pool_connections=1, pool_maxsize=max_workers, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
        # Added per request (never sits in a repr'd dict) and only for the base URL's origin.
        self.session.auth = TokenAuth(token, auth_scheme, self.base_url, self.hints.service)
        self.restart_deadline()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, token=***)"

    def close(self) -> None:
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def restart_deadline(self) -> None:
        """Start the overall deadline afresh (one per pull or push)."""
        self._deadline_at = self.clock() + self.deadline

    # ------------------------------------------------------------------ helpers
    def _count(self, name: str, n: int = 1) -> None:
        with self._stats_lock:
            self.stats[name] += n

    def url(self, path: str) -> str:
        return self.base_url + path

    def _short(self, url: str) -> str:
        """The URL without the base, for messages: 'GET /projects/x/locales'."""
        return shorten(url[len(self.base_url):] if url.startswith(self.base_url) else url)

    def _remaining(self) -> float:
        return self._deadline_at - self.clock()

    def _check_deadline(self, where: str, doing: str = "") -> None:
        if self._remaining() <= 0:
            raise E.DeadlineError(where, f"gave up{doing}: the whole run exceeded its deadline of "
                                         f"{self.deadline:g}s ([phrase] deadline); the server is too slow or "
                                         f"keeps the client waiting: try again later")

    def _pause(self, where: str, wait: float, why: str) -> None:
        """Sleep ``wait`` seconds unless that breaks ``max_wait`` or the deadline (then refuse)."""
        if wait <= 0:
            return
        if wait > self.max_wait:
            raise E.RateLimitError(where, f"the server asks to wait {seconds(wait)} ({why}), more than the "
                                          f"{self.max_wait:g}s bound ([phrase] max_wait); {self.hints.throttled}")
        if wait >= self._remaining():
            raise E.DeadlineError(where, f"the server asks to wait {seconds(wait)} ({why}), past the deadline of "
                                         f"{self.deadline:g}s for the whole run ([phrase] deadline); "
                                         f"{self.hints.throttled}")
        if why == "rate-limit pacing":
            self.limiter.waited += wait
            log.debug("rate limit: pausing %.2fs", wait)
        self.sleep(wait)

    def _timeouts(self) -> tuple[float, float]:
        left = max(0.01, self._remaining())
        return min(self.timeout[0], left), min(self.timeout[1], left)

    def check_url(self, url: str, where: str, *, link: bool = False) -> None:
        """Refuse a URL off the base URL's origin or outside its path."""
        what = "next-page link" if link else "URL"
        if E.redact(url) != url:  # even on our own origin: it would end up in logs and the page cache
            raise E.ForeignHostError(where, f"refused the {what} {shorten(url)!r}: it carries the access token")
        mine, theirs = self.origin, origin(url)
        if theirs is None:
            raise E.ForeignHostError(where, f"refused the {what} {shorten(url)!r}: not an http(s) URL")
        if theirs[0] != mine[0]:
            down = " (a downgrade to plain http)" if (mine[0], theirs[0]) == ("https", "http") else ""
            raise E.ForeignHostError(where, f"refused the {what} {shorten(url)!r}{down}: only {mine[0]}:// "
                                            f"on {mine[1]}:{mine[2]} is followed")
        if theirs != mine:
            raise E.ForeignHostError(where, f"refused the {what} {shorten(url)!r}: another host or port than "
                                            f"{mine[1]}:{mine[2]}; the access token goes nowhere else")
        p = urlsplit(url)
        segments = unquote(p.path).split("/")
        under = p.path == self.base_path or p.path.startswith(self.base_path + "/")
        if p.username is not None or p.password is not None or not under or "." in segments or ".." in segments:
            raise E.ForeignHostError(where, f"refused the {what} {shorten(url)!r}: outside {self.base_url}")

    # ------------------------------------------------------------------ one request
    def request(self, method: str, url: str, *, params: dict | None = None, json=None,
                headers: dict | None = None, what: str | None = None,
                idempotent: bool | None = None) -> requests.Response:
        """Send one request with rate limiting and bounded retries; return a 2xx/304 response
        whose body has been read (bounded in size and time). ``idempotent``: whether a request
        whose answer was lost may simply be sent again (default: by method; a caller that must
        look first, because the state may have moved on meanwhile, passes False and gets
        :class:`AmbiguousWriteError`)."""
        method = method.upper()
        where = f"{self.hints.service} {method} {self._short(url)}"
        if self.read_only and method != "GET":
            raise RuntimeError(f"read-only client asked to {method} {self._short(url)}")  # a bug, not user input
        self.check_url(url, where)
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT", "PATCH", "DELETE")
        start = self.clock()
        failures = throttled = 0
        while True:
            self._pause(where, self.limiter.before_request(), "rate-limit pacing")
            self._check_deadline(where)
            resp = err = None
            with self._slots:
                self._count("requests")
                watchdog = _Watchdog(max(0.01, self._remaining()))
                try:
                    resp = self.session.request(method, url, params=params, json=json, headers=headers,
                                                timeout=self._timeouts(), allow_redirects=False, stream=True)
                    self._read_body(resp, method, where)
                except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                        _BodyCut) as e:
                    err = e
                    if resp is not None:
                        resp.close()
                        resp = None
                except requests.RequestException as e:  # malformed headers and the like: not transient
                    raise E.ResponseError(where, f"an answer that cannot be read ({type(e).__name__}: "
                                                 f"{shorten(str(e), 120)})") from None
                finally:
                    watchdog.stop()
                if watchdog.fired:
                    raise E.DeadlineError(where, f"gave up waiting for the server's answer: the whole run exceeded "
                                                 f"its deadline of {self.deadline:g}s ([phrase] deadline); the "
                                                 "server is too slow or stalled")
            if resp is not None:
                self.limiter.update(resp.headers)
                log.debug("%s %s -> %s", method, self._short(resp.url or url), resp.status_code)
                self._count(f"status_{resp.status_code}")
                if resp.status_code < 300 or resp.status_code == 304:
                    return resp
            else:
                log.debug("%s %s -> %s", method, self._short(url), type(err).__name__)
                self._count("connection_errors")
            elapsed = self.clock() - start
            if resp is not None and resp.status_code == 429:
                throttled += 1
                wait = self.limiter.reset_wait(resp.headers)
                if wait is None:
                    wait = self._backoff(throttled)
                if throttled > self.max_throttled or elapsed + wait > self.max_wait:
                    raise E.RateLimitError(where, f"still rate-limited after {throttled} tries and {elapsed:.0f}s "
                                                  f"(next wait {seconds(wait)}, bound {self.max_wait:g}s); "
                                                  f"{self.hints.throttled}")
                self._count("throttled")
            elif resp is None or resp.status_code in RETRY_STATUSES:
                if not idempotent and not (resp is not None and resp.status_code == 503):
                    raise E.AmbiguousWriteError(where, "the request was sent but the answer was lost "
                                                       f"({self._failure(resp, err)}); it may have been applied")
                failures += 1
                ra = parse_retry_after(resp.headers.get("Retry-After"), self.clock()) if resp is not None else None
                wait = ra if ra else self._backoff(failures)
                if failures >= self.max_attempts or elapsed + wait > self.max_wait:
                    cls = E.NetworkError if resp is None else E.ServerError
                    status = f" ({self.hints.status_url})" if self.hints.status_url else ""
                    raise cls(where, f"{self._failure(resp, err)} after {failures} attempts in {elapsed:.0f}s; "
                                     f"the server or the network is having trouble: try again later{status}")
                self._count("retries")
            else:
                raise self._error(resp, where, what)
            if wait >= self._remaining():
                self._check_deadline(where)
                raise E.DeadlineError(where, f"{self._failure(resp, err)}; the next try would be past the deadline "
                                             f"of {self.deadline:g}s for the whole run ([phrase] deadline)")
            self.sleep(wait)

    def _read_body(self, resp: requests.Response, method: str, where: str) -> None:
        """Read the body chunk by chunk, checking the deadline and the size bound each time."""
        declared = resp.headers.get("Content-Length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            resp.close()
            raise E.ResponseTooLargeError(where, f"the response declares {int(declared)} bytes, more than the "
                                                 f"{self.max_bytes} byte bound ([phrase] max_bytes)")
        raw = resp.raw
        if raw is None:  # an adapter that answers from memory (tests, caches): the body is already here
            if len(resp.content or b"") > self.max_bytes:
                raise E.ResponseTooLargeError(where, f"the response is larger than the {self.max_bytes} byte "
                                                     "bound ([phrase] max_bytes)")
            return
        buf = bytearray()
        while True:
            if self._remaining() <= 0:
                resp.close()
                self._check_deadline(where, " while reading the response")
            try:
                chunk = raw.read1(CHUNK, decode_content=True)
            except urllib3.exceptions.DecodeError:
                resp.close()
                raise E.ResponseError(where, f"HTTP {resp.status_code} with a body that cannot be decoded "
                                             f"(Content-Encoding {shorten(resp.headers.get('Content-Encoding') or '', 40)})"
                                      ) from None
            except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as e:
                raise _BodyCut(type(e).__name__) from None
            if not chunk:
                break
            buf += chunk
            if len(buf) > self.max_bytes:
                resp.close()
                raise E.ResponseTooLargeError(where, f"the response is larger than the {self.max_bytes} byte bound "
                                                     "([phrase] max_bytes)")
        resp._content, resp._content_consumed = bytes(buf), True
        raw.release_conn()

    def _backoff(self, n: int) -> float:
        """Exponential backoff with 'equal jitter': half fixed, half random."""
        full = min(self.backoff_cap, self.backoff_base * 2 ** (n - 1))
        return full / 2 + self.rng.uniform(0, full / 2)

    @staticmethod
    def _failure(resp, err) -> str:
        if resp is not None:
            return f"HTTP {resp.status_code}"
        if isinstance(err, requests.Timeout):
            return "timed out"
        if isinstance(err, (_BodyCut, requests.exceptions.ChunkedEncodingError)):
            return "response cut off"
        return "connection failed or dropped"

    def _error(self, resp: requests.Response, where: str, what: str | None) -> E.PhraseError:
        msg = server_message(resp)
        code = resp.status_code
        if code == 401:
            return E.AuthError(where, self.hints.auth)
        if code == 403:
            return E.ForbiddenError(where, self.hints.forbidden + msg)
        if code == 404:
            return E.NotFoundError(where, f"{what or 'resource'} not found (HTTP 404): check the ID "
                                          "and that the token's user can see it")
        if 300 <= code < 400:
            return E.RequestError(where, f"answered with a redirect (HTTP {code}), which is not followed")
        return E.RequestError(where, f"refused with HTTP {code}{msg}")

    # ------------------------------------------------------------------ JSON and pages
    def json(self, resp: requests.Response, where: str):
        """The body as JSON, read as UTF-8 (RFC 8259) whatever the Content-Type's charset says:
        a wrong label or a damaged byte must stop the run, not garble the translations."""
        try:
            return decode_json(resp.content)
        except UnicodeDecodeError as e:
            raise E.ResponseError(where, f"HTTP {resp.status_code} with a body that is not UTF-8 (byte "
                                         f"0x{resp.content[e.start]:02x} at offset {e.start})") from None
        except ValueError:
            raise E.ResponseError(where, f"HTTP {resp.status_code} with a body that is not JSON") from None
        except RecursionError:
            raise E.ResponseError(where, f"HTTP {resp.status_code} with JSON nested too deeply") from None

    def pages(self, path: str, params: dict | None = None, *, what: str | None = None,
              conditional: bool = False, fields: dict | None = None) -> Iterator[list]:
        """Yield each page's items, following the pagination strategy's next URL (same origin,
        under the base path, never a URL twice, at most ``max_pages``)."""
        first_url = str(requests.Request("GET", self.url(path),
                                         params=self.pagination.first_params(dict(params or {}))).prepare().url)
        url: str | None = first_url
        seen: set[tuple] = set()
        listed = 0  # bytes of this listing's pages so far: the whole listing is bounded, not only a page
        while url:
            where = f"{self.hints.service} GET {self._short(url)}"
            p = urlsplit(url)  # the same page whatever the order of its query parameters
            page_id = (p.path, tuple(sorted(parse_qsl(p.query, keep_blank_values=True))))
            if page_id in seen:
                raise E.PaginationError(where, f"the next-page links loop back to a page already fetched "
                                               f"(after {len(seen)} page(s)); the server's pagination is broken")
            if len(seen) >= self.max_pages:
                raise E.PaginationError(f"{self.hints.service} GET {self._short(first_url)}",
                                        f"more than {self.max_pages} pages ([phrase] max_pages); the server keeps "
                                        "announcing a next page")
            seen.add(page_id)
            cached = self.cache.get(url) if (conditional and self.cache is not None) else None
            headers = {"If-None-Match": cached["etag"]} if cached else None
            resp = self.request("GET", url, headers=headers, what=what)
            if resp.status_code == 304 and cached is not None and self.cache is not None:
                self._count("not_modified")
                self.cache.touch(url)
                items, nxt = cached["data"], cached["next"]
                if fields is not None:  # the cache file is input too
                    check_items(items, fields, where)
            elif resp.status_code == 304:  # never asked for (no cache entry): a confused or hostile server
                raise E.ResponseError(where, "HTTP 304 (not modified) to a request that was not conditional")
            else:
                listed += len(resp.content)
                if listed > self.max_bytes:
                    raise E.ResponseTooLargeError(where, f"the listing's pages add up to more than the "
                                                         f"{self.max_bytes} byte bound ([phrase] max_bytes) after "
                                                         f"{len(seen)} page(s)")
                data = self.json(resp, where)
                items = self.pagination.items(data, where)
                if fields is not None:
                    check_items(items, fields, where)
                nxt = self.pagination.next_url(resp, data, url, where)
            if nxt is not None:
                self.check_url(nxt, where, link=True)
            if resp.status_code != 304 and conditional and self.cache is not None:
                self.cache.put(url, resp.headers.get("ETag"), items, nxt)  # only pages that passed the checks
            yield items
            url = nxt

    def get_all(self, path: str, params: dict | None = None, **kw) -> list:
        out: list = []
        for page in self.pages(path, params, **kw):
            out.extend(page)
        return out


def decode_json(content: bytes):
    import json

    return json.loads(content.decode("utf-8-sig"))


def server_message(resp: requests.Response) -> str:
    try:
        body = decode_json(resp.content)
    except (ValueError, RecursionError):
        return ""
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return ": " + shorten(body["message"])
    return ""
