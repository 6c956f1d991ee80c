"""A small, careful client for the Phrase Strings API v2 (only what pull and push need).

Behaviour, in the order a request meets it:

* **One session**: one :class:`requests.Session`, a connection pool of ``max_workers``
  connections, ``Authorization: token ...`` and a ``User-Agent`` naming ``sfia-qa`` and its
  version; explicit ``(connect, read)`` timeouts on every call.
* **At most ``max_workers`` (4) requests in flight**, whichever threads call the client.
* **Rate limits**: every response's ``X-Rate-Limit-Limit/Remaining/Reset`` updates a shared
  budget. When the remaining budget is within ``max_workers`` of zero the client waits for
  the reset; below a tenth of the limit it spreads the rest evenly over the window. A
  ``429`` waits until ``X-Rate-Limit-Reset`` (or ``Retry-After``) and retries.
* **Transient failures**: ``500/502/503/504`` and dropped or refused connections are retried
  with exponential backoff and jitter, bounded by ``max_attempts`` and by ``max_wait``
  seconds in total per request. A ``POST`` is retried only when the server cannot have
  applied it (``429``, ``503``); otherwise :class:`AmbiguousWriteError` lets the caller
  check (push looks for its marker) before trying again.
* **Pagination** follows the ``Link`` header's ``rel="next"`` with ``per_page=100``.
* **Conditional requests**: a :class:`PageCache` remembers each page's ``ETag`` and body;
  ``If-None-Match`` turns an unchanged page into a ``304`` that costs no rate budget.
* **Errors** are typed (:mod:`pipeline.phrase.errors`) and never contain the token.

The clock, ``sleep`` and random source are injectable so tests run in virtual time.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from pipeline import __version__
from pipeline.phrase import errors as E

log = logging.getLogger("pipeline.phrase")

DEFAULT_BASE_URL = "https://api.phrase.com/v2"
USER_AGENT = f"sfia-qa/{__version__} (SFIA translation QA; +https://github.com/sfia-qa)"
PER_PAGE = 100
RETRY_STATUSES = {500, 502, 503, 504}
# Module-level so that a command-line test can swap them for a virtual clock.
_clock: Callable[[], float] = time.time
_sleep: Callable[[float], None] = time.sleep


class _Secret:
    """Holds the token; its repr and str never show it."""

    __slots__ = ("_v",)

    def __init__(self, v: str):
        self._v = v

    def reveal(self) -> str:
        return self._v

    def __repr__(self) -> str:
        return "<token ***>"

    __str__ = __repr__


class RateLimiter:
    """Shared view of the server's rate-limit window, updated from every response."""

    def __init__(self, clock, sleep, reserve: int = 4, low_fraction: float = 0.1, margin: float = 0.05):
        self.clock, self.sleep = clock, sleep
        self.reserve, self.low_fraction, self.margin = reserve, low_fraction, margin
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reset: float | None = None
        self.waited = 0.0
        self._lock = threading.Lock()

    def before_request(self) -> None:
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
        if delay > 0:
            self.waited += delay
            log.debug("rate limit: pausing %.2fs", delay)
            self.sleep(delay)

    def update(self, headers) -> None:
        try:
            limit = int(headers["X-Rate-Limit-Limit"])
            remaining = int(headers["X-Rate-Limit-Remaining"])
            reset = float(headers["X-Rate-Limit-Reset"])
        except (KeyError, TypeError, ValueError):
            return
        with self._lock:
            self.limit = limit
            if self.reset is None or reset > self.reset:
                self.reset, self.remaining = reset, remaining
            elif reset == self.reset:
                self.remaining = remaining if self.remaining is None else min(self.remaining, remaining)

    def reset_wait(self, resp: requests.Response) -> float | None:
        """Seconds to wait after a 429, from Retry-After or X-Rate-Limit-Reset."""
        waits = []
        ra = resp.headers.get("Retry-After")
        if ra is not None:
            try:
                waits.append(float(ra))
            except ValueError:
                pass
        rs = resp.headers.get("X-Rate-Limit-Reset")
        if rs is not None:
            try:
                waits.append(float(rs) - self.clock())
            except ValueError:
                pass
        if not waits:
            return None
        return max(0.0, max(waits)) + self.margin


class PageCache:
    """ETag and body of every page fetched, keyed by URL; persisted by the caller."""

    def __init__(self, pages: dict | None = None):
        self.pages: dict[str, dict] = dict(pages or {})
        self.used: dict[str, dict] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> dict | None:
        with self._lock:
            return self.pages.get(url)

    def put(self, url: str, etag: str | None, data, next_url: str | None) -> None:
        with self._lock:
            entry = {"etag": etag, "data": data, "next": next_url}
            if etag:
                self.pages[url] = entry
            self.used[url] = entry

    def touch(self, url: str) -> None:
        with self._lock:
            self.used[url] = self.pages[url]


class PhraseClient:
    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL, *, max_workers: int = 4,
                 timeout: tuple[float, float] = (10.0, 60.0), max_attempts: int = 6,
                 max_throttled: int = 20, max_wait: float = 600.0, backoff_base: float = 0.5,
                 backoff_cap: float = 30.0, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None, rng: random.Random | None = None,
                 read_only: bool = False, cache: PageCache | None = None):
        token = (token or "").strip()
        if not token or any(c.isspace() for c in token):
            raise E.MissingTokenError("PHRASE_ACCESS_TOKEN", "the Phrase access token is empty or malformed")
        E.register_secret(token)
        self._token = _Secret(token)
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise E.ConfigError("--base-url", f"not an http(s) URL: {base_url!r}")
        self.max_workers = max_workers
        self.timeout = timeout
        self.max_attempts, self.max_throttled, self.max_wait = max_attempts, max_throttled, max_wait
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.clock = clock or _clock
        self.sleep = sleep or _sleep
        self.rng = rng or random.Random()
        self.read_only = read_only
        self.cache = cache
        self.limiter = RateLimiter(self.clock, self.sleep, reserve=max_workers)
        self._slots = threading.BoundedSemaphore(max_workers)
        self._stats_lock = threading.Lock()
        self.stats: Counter = Counter()
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max_workers, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self.session.auth = self._auth  # added per request, so the header never sits in a repr'd dict

    def __repr__(self) -> str:
        return f"PhraseClient(base_url={self.base_url!r}, token=***)"

    def _auth(self, prepared):
        prepared.headers["Authorization"] = f"token {self._token.reveal()}"
        return prepared

    def close(self) -> None:
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ transport
    def _count(self, name: str, n: int = 1) -> None:
        with self._stats_lock:
            self.stats[name] += n

    def url(self, path: str) -> str:
        return self.base_url + path

    def _short(self, url: str) -> str:
        """The URL without the base, for messages: 'GET /projects/x/locales'."""
        return url[len(self.base_url):] if url.startswith(self.base_url) else urlsplit(url).path

    def request(self, method: str, url: str, *, params: dict | None = None, json=None,
                headers: dict | None = None, what: str | None = None) -> requests.Response:
        """Send one request with rate limiting and bounded retries; return a 2xx/304 response."""
        method = method.upper()
        if self.read_only and method != "GET":
            raise RuntimeError(f"read-only client asked to {method} {self._short(url)}")  # a bug, not user input
        idempotent = method in ("GET", "HEAD", "PUT", "PATCH", "DELETE")
        where = f"phrase {method} {self._short(url)}"
        start = self.clock()
        failures = throttled = 0
        while True:
            self.limiter.before_request()
            resp = err = None
            with self._slots:
                self._count("requests")
                try:
                    resp = self.session.request(method, url, params=params, json=json, headers=headers,
                                                timeout=self.timeout, allow_redirects=False)
                except (requests.ConnectionError, requests.Timeout) as e:
                    err = e
            if resp is not None:
                self.limiter.update(resp.headers)
                log.debug("%s %s -> %s", method, self._short(resp.url), resp.status_code)
                self._count(f"status_{resp.status_code}")
                if resp.status_code < 300 or resp.status_code == 304:
                    return resp
            else:
                log.debug("%s %s -> %s", method, self._short(url), type(err).__name__)
                self._count("connection_errors")
            elapsed = self.clock() - start
            if resp is not None and resp.status_code == 429:
                throttled += 1
                wait = self.limiter.reset_wait(resp)
                if wait is None:
                    wait = self._backoff(throttled)
                if throttled > self.max_throttled or elapsed + wait > self.max_wait:
                    raise E.RateLimitError(where, f"still rate-limited after {throttled} tries and "
                                                  f"{elapsed:.0f}s; Phrase allows a fixed number of requests "
                                                  "per window: wait a few minutes and run again, or pull fewer "
                                                  "locales with --locales")
                self._count("throttled")
            elif resp is None or resp.status_code in RETRY_STATUSES:
                if not idempotent and not (resp is not None and resp.status_code == 503):
                    raise E.AmbiguousWriteError(where, "the request was sent but the answer was lost "
                                                       f"({self._failure(resp, err)}); it may have been applied")
                failures += 1
                wait = self._retry_after(resp) or self._backoff(failures)
                if failures >= self.max_attempts or elapsed + wait > self.max_wait:
                    cls = E.NetworkError if resp is None else E.ServerError
                    raise cls(where, f"{self._failure(resp, err)} after {failures} attempts in {elapsed:.0f}s; "
                                     "Phrase or the network is having trouble: try again later "
                                     "(https://status.phrase.com)")
                self._count("retries")
            else:
                raise self._error(resp, where, what)
            self.sleep(wait)

    def _retry_after(self, resp) -> float | None:
        if resp is None:
            return None
        try:
            return float(resp.headers["Retry-After"])
        except (KeyError, ValueError):
            return None

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
        return "connection failed or dropped"

    def _error(self, resp: requests.Response, where: str, what: str | None) -> E.PhraseError:
        msg = _server_message(resp)
        code = resp.status_code
        if code == 401:
            return E.AuthError(where, "the access token was refused (HTTP 401): create a new token in Phrase "
                                      "(Profile settings > Access tokens) and set PHRASE_ACCESS_TOKEN")
        if code == 403:
            return E.ForbiddenError(where, "forbidden (HTTP 403): the token needs the 'read' scope to pull and "
                                           "'write' to push, and your role must allow it" + msg)
        if code == 404:
            return E.NotFoundError(where, f"{what or 'resource'} not found (HTTP 404): check the ID "
                                          "and that the token's user can see the project")
        return E.RequestError(where, f"refused with HTTP {code}{msg}")

    # ------------------------------------------------------------------ pagination
    def pages(self, path: str, params: dict | None = None, *, what: str | None = None,
              conditional: bool = False) -> Iterator[list]:
        """Yield each page's JSON list, following Link rel="next"."""
        url = self.url(path)
        params = {**(params or {}), "per_page": PER_PAGE}
        first = True
        while url:
            req_params = params if first else None  # the next link carries its own query
            full = requests.Request("GET", url, params=req_params).prepare().url
            cached = self.cache.get(full) if (conditional and self.cache is not None) else None
            headers = {"If-None-Match": cached["etag"]} if cached and cached.get("etag") else None
            resp = self.request("GET", full, headers=headers, what=what)
            if resp.status_code == 304 and cached is not None:
                self._count("not_modified")
                self.cache.touch(full)
                data, nxt = cached["data"], cached["next"]
            else:
                data = _json(resp, f"phrase GET {self._short(full)}")
                if not isinstance(data, list):
                    raise E.RequestError(f"phrase GET {self._short(full)}", "expected a JSON list")
                nxt = resp.links.get("next", {}).get("url")
                if conditional and self.cache is not None:
                    self.cache.put(full, resp.headers.get("ETag"), data, nxt)
            yield data
            url, first = nxt, False

    def get_all(self, path: str, params: dict | None = None, **kw) -> list:
        out: list = []
        for page in self.pages(path, params, **kw):
            out.extend(page)
        return out

    # ------------------------------------------------------------------ endpoints
    def locales(self, project: str) -> list[dict]:
        return self.get_all(f"/projects/{_q(project)}/locales", what=f"project {project!r}")

    def locale_translations(self, project: str, locale_id: str, q: str | None = None) -> list[dict]:
        params = {"sort": "key_name", "order": "asc"}
        if q:
            params["q"] = q
        return self.get_all(f"/projects/{_q(project)}/locales/{_q(locale_id)}/translations", params,
                            what=f"locale {locale_id!r} of project {project!r}", conditional=True)

    def find_key(self, project: str, name: str) -> dict | None:
        keys = self.get_all(f"/projects/{_q(project)}/keys", {"q": f"name:{name}"}, what=f"project {project!r}")
        exact = [k for k in keys if k.get("name") == name]
        return exact[0] if exact else None

    def key_translations(self, project: str, key_id: str) -> list[dict]:
        return self.get_all(f"/projects/{_q(project)}/keys/{_q(key_id)}/translations",
                            what=f"key {key_id!r} of project {project!r}")

    def comments(self, project: str, key_id: str) -> list[dict]:
        return self.get_all(f"/projects/{_q(project)}/keys/{_q(key_id)}/comments",
                            what=f"key {key_id!r} of project {project!r}")

    def create_comment(self, project: str, key_id: str, message: str, locale_ids: list[str] | None = None) -> dict:
        body: dict = {"message": message}
        if locale_ids:
            body["locale_ids"] = locale_ids
        resp = self.request("POST", self.url(f"/projects/{_q(project)}/keys/{_q(key_id)}/comments"), json=body,
                            what=f"key {key_id!r} of project {project!r}")
        return _json(resp, "phrase POST comment")

    def unverify(self, project: str, translation_id: str) -> dict:
        resp = self.request("PATCH", self.url(f"/projects/{_q(project)}/translations/{_q(translation_id)}/unverify"),
                            json={}, what=f"translation {translation_id!r} of project {project!r}")
        return _json(resp, "phrase PATCH unverify")


def _q(part: str) -> str:
    from urllib.parse import quote
    return quote(str(part), safe="")


def _json(resp: requests.Response, where: str):
    try:
        return resp.json()
    except ValueError:
        raise E.RequestError(where, f"HTTP {resp.status_code} with a body that is not JSON") from None


def _server_message(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return ": " + " ".join(body["message"].split())[:200]
    return ""
