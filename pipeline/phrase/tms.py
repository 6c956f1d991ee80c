"""The Phrase TMS API client: the endpoints ``sfia-qa tms pull`` and ``tms upload`` need, on the
hardened transport :class:`pipeline.phrase.http.Transport` (shared with the Strings client:
one session, timeouts, pacing, bounded retries with backoff and jitter, one overall deadline,
same-origin URLs, a bounded response size, shape checks, the token only ever sent to
``base_url``'s origin and blotted out of every message).

What this module adds, and where it comes from (Phrase's TMS API reference at
developers.phrase.com, read through the ``search`` tool, and the public OpenAPI-generated
client ``phrasetms-python`` for parameter defaults):

* **Base URL** ``https://cloud.memsource.com/web`` (the reference's ``servers``); a
  data-residency host (e.g. ``https://us.cloud.memsource.com/web``) via ``base_url``.
* **Authentication** ("Authentication", security scheme ``ApiToken``): every call carries
  ``Authorization: ApiToken <token>``. The token is an API token from the environment
  (``PHRASE_TMS_TOKEN``), or the ``token`` of ``POST /api2/v1/auth/login`` with
  ``{"userName", "password"}`` (``LoginDto`` -> ``LoginResponseDto`` ``{user, token,
  expires}``); the password goes only to the API's origin and is redacted like the token.
* **List jobs** ``GET /api2/v2/projects/{projectUid}/jobs`` ("List jobs"): query
  ``pageNumber`` (zero-based), ``pageSize`` (default and maximum 50), ``workflowLevel``
  (non-zero based, 1 when left out), ``targetLang``; the answer is a page object
  ``{totalElements, totalPages, pageSize, pageNumber, numberOfElements, content: [job]}``
  with each job's ``uid``, ``targetLang``, ``filename``, ``workflowStep``, ``status``.
  :class:`~pipeline.phrase.http.PageNumberPagination` follows ``totalPages``; the next page's
  URL is built from our own request, so it cannot lead off the host.
* **Download the bilingual file** ``POST /api2/v1/projects/{projectUid}/jobs/bilingualFile``
  ("Download bilingual file"): query ``format=MXLF``, body ``{"jobs": [{"uid": ...}]}``
  (1-1000 jobs, merged into one file, so we ask for one job at a time to get one file per
  job); the answer is the file itself (``application/octet-stream`` / ``application/mxliff``).
  It changes nothing on the server, so although it is a ``POST`` a dropped connection or a
  cut body is retried like a ``GET`` (:meth:`TmsClient.request` ``safe=True``).
* **Upload a bilingual file** ``PUT /api2/v1/bilingualFiles`` ("Upload bilingual file"):
  body the MXLIFF bytes (``application/octet-stream``), query ``format=MXLF``,
  ``saveToTransMemory`` (``Confirmed`` by default), ``setCompleted=false``; the answer
  ``JobPartsDto`` ``{jobs: [job]}`` lists the updated jobs. Re-sending the same file gives
  the same result, so the transport may retry it. (The newer ``POST /api2/v2/bilingualFiles``
  takes the same file as multipart form data; the v1 call is the simpler equivalent.)
* **Rate limits** ("Handling API Rate Limits", "Handling Concurrent API Rate Limits", and the
  plugin guide "Error Handling and Limits"): 6,000 requests per minute per user, and a cap
  on concurrent requests that also answers ``429``; back off with jitter on ``429`` and
  ``5xx``. So: at most :data:`MAX_WORKERS` requests in flight, a client-side budget of
  :data:`REQUESTS_PER_MINUTE` per rolling minute (:class:`MinuteBudget`), ``Retry-After``
  honoured on a ``429`` (backoff with jitter when it is missing), ``X-Rate-Limit-*`` headers
  used if the server sends them.

The clock, ``sleep`` and random source are injectable (module-level :data:`_clock` and
:data:`_sleep` for command-line tests), so tests run in virtual time.
"""

from __future__ import annotations

import collections
import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import requests

from pipeline import __version__
from pipeline.phrase import errors as E
from pipeline.phrase.defaults import DEFAULT_DEADLINE, DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES, DEFAULT_MAX_WAIT
from pipeline.phrase.http import (
    HeaderRateLimiter,
    Hints,
    PageNumberPagination,
    TokenAuth,
    Transport,
    check_items,
    shorten,
)

DEFAULT_TMS_BASE_URL = "https://cloud.memsource.com/web"
TOKEN_ENV = "PHRASE_TMS_TOKEN"
USER_ENV = "PHRASE_TMS_USER"
PASSWORD_ENV = "PHRASE_TMS_PASSWORD"
PAGE_SIZE = 50                 # "List jobs": pageSize default (and largest accepted)
REQUESTS_PER_MINUTE = 6000     # documented per-user limit
MAX_WORKERS = 2                # concurrent requests: the cap is not a documented number; stay low
SAVE_TO_TM = ("Confirmed", "All", "None")
USER_AGENT = f"sfia-qa/{__version__} (SFIA translation QA; +https://github.com/sfia-qa)"

# Module-level so that a command-line test can swap them for a virtual clock.
_clock: Callable[[], float] = time.time
_sleep: Callable[[float], None] = time.sleep

HINTS = Hints(
    service="tms",
    status_url="https://status.phrase.com",
    auth=f"the API token was refused (HTTP 401): create a new one in Phrase TMS and set {TOKEN_ENV} "
         f"(or log in with {USER_ENV} and {PASSWORD_ENV})",
    forbidden="forbidden (HTTP 403): your Phrase TMS role cannot see this project or job, or cannot edit it",
    throttled="Phrase TMS allows 6,000 requests a minute and a few at a time: wait a minute and run again, "
              "or pull fewer languages with --langs",
)

# Fields the code reads from each job of the list (everything else is optional).
JOB = {"uid": str, "targetLang": str}
UPLOADED_JOB = {"uid": str}
_LOGIN = "/api2/v1/auth/login"


class MinuteBudget(HeaderRateLimiter):
    """The documented per-minute budget, kept on the client side: at most ``per_minute``
    requests start in any rolling 60 seconds (the request after them waits for the oldest to
    age out). ``X-Rate-Limit-*`` headers, where a server sends them, pace as for Strings."""

    def __init__(self, clock, per_minute: int = REQUESTS_PER_MINUTE, reserve: int = MAX_WORKERS):
        super().__init__(clock, reserve=reserve)
        self.per_minute = max(1, int(per_minute))
        self._started: collections.deque[float] = collections.deque()
        self._budget_lock = threading.Lock()

    def before_request(self) -> float:
        delay = super().before_request()
        with self._budget_lock:
            now = self.clock()
            while self._started and self._started[0] <= now - 60.0:
                self._started.popleft()
            if len(self._started) >= self.per_minute:
                delay = max(delay, self._started[-self.per_minute] + 60.0 - now)
            self._started.append(now + delay)
        return max(0.0, delay)


class _BodySession(requests.Session):
    """The transport's session, able to send a raw body: the shared transport passes JSON
    bodies only, so an upload puts its bytes in a per-thread slot for the next request."""

    def __init__(self, like: requests.Session):
        super().__init__()
        self.adapters, self.headers, self.auth = like.adapters, like.headers, like.auth
        self._pending = threading.local()

    @contextlib.contextmanager
    def body(self, data: bytes) -> Iterator[None]:
        self._pending.data = data
        try:
            yield
        finally:
            self._pending.data = None

    def request(self, method, url, **kw):
        data = getattr(self._pending, "data", None)
        if data is not None and kw.get("json") is None:
            kw["data"] = data
        return super().request(method, url, **kw)


def _q(part: str) -> str:
    """One path segment, percent-encoded; '.' and '..' too, so an id cannot climb the path."""
    q = quote(str(part), safe="")
    return q.replace(".", "%2E") if q in (".", "..") else q


def _check_secret(value, env: str, what: str) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value or any(c.isspace() for c in value) or len(value) > 4096:
        raise E.MissingTokenError(env, f"the Phrase TMS {what} is empty or malformed")
    return value


class TmsClient(Transport):
    """Phrase TMS on the shared transport. Give ``token`` (an API token) or ``login``
    (user name, password: the client logs in at once). ``allow_writes=False`` (pull, and an
    upload's dry run) makes any request that could change the project a bug (RuntimeError)."""

    def __init__(self, token: str | None = None, base_url: str = DEFAULT_TMS_BASE_URL, *,
                 login: tuple[str, str] | None = None, allow_writes: bool = False,
                 max_workers: int = MAX_WORKERS, requests_per_minute: int = REQUESTS_PER_MINUTE,
                 timeout: tuple[float, float] = (10.0, 120.0), max_attempts: int = 6, max_throttled: int = 20,
                 max_wait: float = DEFAULT_MAX_WAIT, backoff_base: float = 0.5, backoff_cap: float = 30.0,
                 deadline: float = DEFAULT_DEADLINE, max_pages: int = DEFAULT_MAX_PAGES,
                 max_bytes: int = DEFAULT_MAX_BYTES, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None, rng: random.Random | None = None):
        if login is None:
            token = _check_secret(token, TOKEN_ENV, "API token")
        clock = clock or _clock
        super().__init__(base_url, token or "", auth_scheme="ApiToken", user_agent=USER_AGENT, hints=HINTS,
                         pagination=PageNumberPagination(PAGE_SIZE),
                         rate_limiter=MinuteBudget(clock, requests_per_minute, reserve=max_workers),
                         max_workers=max_workers, timeout=timeout, max_attempts=max_attempts,
                         max_throttled=max_throttled, max_wait=max_wait, backoff_base=backoff_base,
                         backoff_cap=backoff_cap, deadline=deadline, max_pages=max_pages, max_bytes=max_bytes,
                         clock=clock, sleep=sleep or _sleep, rng=rng, read_only=False)
        self.allow_writes = allow_writes
        self.session: _BodySession = _BodySession(self.session)
        if login is not None:
            self.login(*login)

    # ------------------------------------------------------------------ requests
    def request(self, method: str, url: str, *, safe: bool = False, **kw) -> requests.Response:
        """The transport's request, plus: a write when writes are not allowed is refused (a
        bug), and a ``safe`` POST (one that changes nothing: a download, a login) whose answer
        was lost is retried with backoff like a GET, within ``max_attempts`` and the deadline."""
        method = method.upper()
        if not self.allow_writes and method != "GET" and not safe:
            raise RuntimeError(f"read-only TMS client asked to {method} {self._short(url)}")  # a bug, not input
        tries = 0
        while True:
            try:
                return super().request(method, url, **kw)
            except E.AmbiguousWriteError as e:
                if not safe:
                    raise
                tries += 1
                if tries >= self.max_attempts:
                    raise E.NetworkError(e.where, f"no complete answer after {tries} attempts (the connection "
                                                  "dropped, the body was cut off or the server failed); the server "
                                                  f"or the network is having trouble: try again later "
                                                  f"({self.hints.status_url})") from None
                self._count("retries")
                wait = self._backoff(tries)
                if wait >= self._remaining():
                    self._check_deadline(e.where or "tms")
                    raise E.DeadlineError(e.where, f"no complete answer; the next try would be past the deadline "
                                                   f"of {self.deadline:g}s for the whole run ([tms] deadline)") from None
                self.sleep(wait)

    # ------------------------------------------------------------------ endpoints
    def login(self, user: str, password: str) -> None:
        """``POST /api2/v1/auth/login``; the token it gives authenticates every later call."""
        user = _check_secret(user, USER_ENV, "user name")
        password = _check_secret(password, PASSWORD_ENV, "password")
        E.register_secret(password)
        where = f"tms POST {_LOGIN}"
        saved, self.session.auth = self.session.auth, None  # no placeholder token goes out
        try:
            resp = self.request("POST", self.url(_LOGIN), json={"userName": user, "password": password},
                                safe=True, what="login")
        except E.AuthError:
            raise E.AuthError(where, f"user name or password refused (HTTP 401): check {USER_ENV} and "
                                     f"{PASSWORD_ENV}, or use an API token in {TOKEN_ENV}") from None
        finally:
            self.session.auth = saved
        data = self.json(resp, where)
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token.strip() or not token.isascii() or not token.isprintable() \
                or any(c.isspace() for c in token) or len(token) > 4096:
            raise E.ResponseError(where, "the login answer has no usable 'token'")
        E.register_secret(token)
        self.session.auth = TokenAuth(token, "ApiToken", self.base_url, self.hints.service)

    def jobs(self, project: str, workflow_level: int | None = None) -> list[dict]:
        """Every job of the project at one workflow level (Phrase's default: 1)."""
        params = {} if workflow_level is None else {"workflowLevel": int(workflow_level)}
        return self.get_all(f"/api2/v2/projects/{_q(project)}/jobs", params, what=f"project {project!r}",
                            fields=JOB)

    def bilingual_file(self, project: str, job_uid: str) -> bytes:
        """The MXLIFF of one job, as the server sent it."""
        resp = self.request("POST", self.url(f"/api2/v1/projects/{_q(project)}/jobs/bilingualFile"),
                            params={"format": "MXLF"}, json={"jobs": [{"uid": job_uid}]},
                            headers={"Accept": "application/octet-stream, application/mxliff, application/xliff+xml"},
                            what=f"job {job_uid!r} of project {project!r}", safe=True)
        return resp.content

    def upload_bilingual(self, data: bytes, name: str, *, save_to_tm: str = "Confirmed",
                         set_completed: bool = False) -> list[dict]:
        """``PUT /api2/v1/bilingualFiles``: the jobs the file updated."""
        if save_to_tm not in SAVE_TO_TM:
            raise E.ConfigError("[tms] save_to_tm", f"must be one of {', '.join(SAVE_TO_TM)}")
        where = "tms PUT /api2/v1/bilingualFiles"
        with self.session.body(data):
            resp = self.request("PUT", self.url("/api2/v1/bilingualFiles"),
                                params={"format": "MXLF", "saveToTransMemory": save_to_tm,
                                        "setCompleted": "true" if set_completed else "false"},
                                headers={"Content-Type": "application/octet-stream"},
                                what=f"the job of {shorten(name, 80)}")
        body = self.json(resp, where)
        if not isinstance(body, dict) or not isinstance(body.get("jobs"), list):
            raise E.ResponseError(where, "expected an object with a 'jobs' list")
        return check_items(body["jobs"], UPLOADED_JOB, where)
