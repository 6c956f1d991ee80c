"""The Phrase Strings API v2 client: the endpoints pull and push need, on the hardened
transport :class:`pipeline.phrase.http.Transport`.

The transport does the HTTP work (one session, at most ``max_workers`` requests in flight,
``(connect, read)`` timeouts, ``X-Rate-Limit-*`` pacing, ``429`` waits, retries of transient
faults with backoff and jitter, one overall deadline, bounded waits, a bounded response size,
same-origin pagination, shape checks, the token only ever sent to ``base_url``'s origin).
This module adds what is particular to Phrase Strings:

* ``Authorization: token ...`` and a ``User-Agent`` naming ``sfia-qa`` and its version;
* pagination by the ``Link`` header's ``rel="next"`` with ``per_page=100``;
* the fields each endpoint's items must have (``id`` and ``code`` of a locale, ``key.name``
  and ``content`` of a translation, ...), checked before anything uses them;
* messages that say what to do in Phrase (scopes, access tokens, status page).

Conditional requests: a :class:`PageCache` remembers each page's ``ETag`` and items;
``If-None-Match`` turns an unchanged page into a ``304`` that costs no rate budget.
The clock, ``sleep`` and random source are injectable so tests run in virtual time.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from pipeline import __version__
from pipeline.phrase import errors as E
from pipeline.phrase.http import (  # noqa: F401  (re-exported: PageCache, RateLimiter for callers)
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PAGES,
    DEFAULT_MAX_WAIT,
    RETRY_STATUSES,
    HeaderRateLimiter,
    Hints,
    LinkPagination,
    PageCache,
    Secret,
    Transport,
    check_items,
)

log = logging.getLogger("pipeline.phrase")

from pipeline.phrase.defaults import DEFAULT_BASE_URL  # noqa: E402

USER_AGENT = f"sfia-qa/{__version__} (SFIA translation QA; +https://github.com/sfia-qa)"
PER_PAGE = 100
RateLimiter = HeaderRateLimiter
_Secret = Secret
# Module-level so that a command-line test can swap them for a virtual clock.
_clock: Callable[[], float] = time.time
_sleep: Callable[[float], None] = time.sleep

HINTS = Hints(
    service="phrase",
    status_url="https://status.phrase.com",
    auth="the access token was refused (HTTP 401): create a new token in Phrase "
         "(Profile settings > Access tokens) and set PHRASE_ACCESS_TOKEN",
    forbidden="forbidden (HTTP 403): the token needs the 'read' scope to pull and "
              "'write' to push, and your role must allow it",
    throttled="Phrase allows a fixed number of requests per window: wait a few minutes and run again, "
              "or pull fewer locales with --locales",
)

# The fields the code reads from each kind of item (dotted paths; None allowed where Phrase sends null).
LOCALE = {"id": str, "code": str}
TRANSLATION = {"id": str, "key": dict, "key.name": str, "content": (str, type(None))}
KEY = {"id": str, "name": str}
KEY_TRANSLATION = {"id": str, "locale": dict, "locale.id": str}
# One translation read or written by id: its key and locale say which segment it is.
TRANSLATION_ONE = {"id": str, "content": (str, type(None)), "key": dict, "key.id": str, "locale": dict,
                   "locale.id": str}
COMMENT = {"id": str, "message": (str, type(None))}


class PhraseClient(Transport):
    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL, *, max_workers: int = 4,
                 timeout: tuple[float, float] = (10.0, 60.0), max_attempts: int = 6,
                 max_throttled: int = 20, max_wait: float = DEFAULT_MAX_WAIT, backoff_base: float = 0.5,
                 backoff_cap: float = 30.0, deadline: float = DEFAULT_DEADLINE,
                 max_pages: int = DEFAULT_MAX_PAGES, max_bytes: int = DEFAULT_MAX_BYTES,
                 clock: Callable[[], float] | None = None, sleep: Callable[[float], None] | None = None,
                 rng: random.Random | None = None, read_only: bool = False, cache: PageCache | None = None):
        token = (token or "").strip()
        if not token or any(c.isspace() for c in token):
            raise E.MissingTokenError("PHRASE_ACCESS_TOKEN", "the Phrase access token is empty or malformed")
        super().__init__(base_url, token, auth_scheme="token", user_agent=USER_AGENT, hints=HINTS,
                         pagination=LinkPagination(PER_PAGE), max_workers=max_workers, timeout=timeout,
                         max_attempts=max_attempts, max_throttled=max_throttled, max_wait=max_wait,
                         backoff_base=backoff_base, backoff_cap=backoff_cap, deadline=deadline,
                         max_pages=max_pages, max_bytes=max_bytes, clock=clock or _clock,
                         sleep=sleep or _sleep, rng=rng, read_only=read_only, cache=cache)

    # ------------------------------------------------------------------ endpoints
    def locales(self, project: str) -> list[dict]:
        return self.get_all(f"/projects/{_q(project)}/locales", what=f"project {project!r}", fields=LOCALE)

    def locale_translations(self, project: str, locale_id: str, q: str | None = None) -> list[dict]:
        params = {"sort": "key_name", "order": "asc"}
        if q:
            params["q"] = q
        return self.get_all(f"/projects/{_q(project)}/locales/{_q(locale_id)}/translations", params,
                            what=f"locale {locale_id!r} of project {project!r}", conditional=True,
                            fields=TRANSLATION)

    def find_key(self, project: str, name: str) -> dict | None:
        keys = self.get_all(f"/projects/{_q(project)}/keys", {"q": f"name:{name}"}, what=f"project {project!r}",
                            fields=KEY)
        exact = [k for k in keys if k.get("name") == name]
        return exact[0] if exact else None

    def key_translations(self, project: str, key_id: str) -> list[dict]:
        return self.get_all(f"/projects/{_q(project)}/keys/{_q(key_id)}/translations",
                            what=f"key {key_id!r} of project {project!r}", fields=KEY_TRANSLATION)

    def comments(self, project: str, key_id: str) -> list[dict]:
        return self.get_all(f"/projects/{_q(project)}/keys/{_q(key_id)}/comments",
                            what=f"key {key_id!r} of project {project!r}", fields=COMMENT)

    def create_comment(self, project: str, key_id: str, message: str, locale_ids: list[str] | None = None) -> dict:
        body: dict = {"message": message}
        if locale_ids:
            body["locale_ids"] = locale_ids
        resp = self.request("POST", self.url(f"/projects/{_q(project)}/keys/{_q(key_id)}/comments"), json=body,
                            what=f"key {key_id!r} of project {project!r}")
        return self.json(resp, "phrase POST comment")

    def translation(self, project: str, translation_id: str) -> dict:
        """One translation by id (``GET /projects/{project_id}/translations/{id}``)."""
        where = f"phrase GET translation {translation_id!r}"
        resp = self.request("GET", self.url(f"/projects/{_q(project)}/translations/{_q(translation_id)}"),
                            what=f"translation {translation_id!r} of project {project!r}")
        return self._one(resp, where)

    def update_translation(self, project: str, translation_id: str, content: str) -> dict:
        """Set a translation's content (``PATCH /projects/{project_id}/translations/{id}``). Not
        resent blindly after a lost answer (someone may have edited it during the backoff, and
        Phrase keeps every version): the caller looks first (:class:`AmbiguousWriteError`)."""
        where = f"phrase PATCH translation {translation_id!r}"
        resp = self.request("PATCH", self.url(f"/projects/{_q(project)}/translations/{_q(translation_id)}"),
                            json={"content": content}, what=f"translation {translation_id!r} of project {project!r}",
                            idempotent=False)
        return self._one(resp, where)

    def create_translation(self, project: str, key_id: str, locale_id: str, content: str) -> dict:
        """A new translation of a key in a locale (``POST /projects/{project_id}/translations``).
        A lost answer raises :class:`~pipeline.phrase.errors.AmbiguousWriteError`: the caller
        looks the translation up before posting again."""
        where = "phrase POST translation"
        resp = self.request("POST", self.url(f"/projects/{_q(project)}/translations"),
                            json={"key_id": key_id, "locale_id": locale_id, "content": content},
                            what=f"key {key_id!r} of project {project!r}")
        return self._one(resp, where)

    def _one(self, resp, where: str) -> dict:
        data = self.json(resp, where)
        if not isinstance(data, dict):
            raise E.ResponseError(where, f"HTTP {resp.status_code} with a body that is not a translation object")
        check_items([data], TRANSLATION_ONE, where)
        return data

    def unverify(self, project: str, translation_id: str) -> dict:
        resp = self.request("PATCH", self.url(f"/projects/{_q(project)}/translations/{_q(translation_id)}/unverify"),
                            json={}, what=f"translation {translation_id!r} of project {project!r}")
        return self.json(resp, "phrase PATCH unverify")


def _q(part: str) -> str:
    """One path segment, percent-encoded; '.' and '..' too, so an id cannot climb the path."""
    from urllib.parse import quote
    q = quote(str(part), safe="")
    return q.replace(".", "%2E") if q in (".", "..") else q
