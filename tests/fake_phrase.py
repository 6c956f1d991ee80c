"""A fake Phrase Strings API v2 on a real socket (127.0.0.1, port 0), for tests.

Implements the endpoints sfia-qa uses, with Phrase's behaviour where the client depends on
it: ``Link`` pagination (``page``/``per_page``, 25 by default, 100 at most), a rate-limit
window with ``X-Rate-Limit-*`` headers and ``429`` when it is spent, ``ETag`` /
``If-None-Match`` -> ``304`` (which costs no budget), ``401`` for a wrong token and ``404``
for unknown projects, locales and keys. Faults are injected per request: bursts of ``429``,
``503``, ``500``, and a dropped connection (the socket closed without an answer).

Hostile behaviours, for the hardening tests: any locale code (``../../x``, ``/abs``), a
``next_link`` hook that points ``rel="next"`` anywhere (another host, a downgrade, the same
page), and faults that cut a body mid-stream (``cut``, ``cut-chunked``), drip it a byte at a
time (``drip``), replace its headers (``headers=`` on any fault) or its body (``body``).

Every exchange is logged (request and response) so tests can count requests and validate
them against the OpenAPI spec. Time comes from an injectable clock shared with the client,
so rate-limit windows pass in virtual time.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit


class FakeClock:
    """Virtual time: ``sleep`` advances it instantly; shared by the fake server and client."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        # As strict as time.sleep: a NaN, infinite or negative wait is a bug in the caller.
        if seconds != seconds:
            raise ValueError("Invalid value NaN (not a number)")
        if seconds in (float("inf"), float("-inf")):
            raise OverflowError("timestamp too large to convert to C _PyTime_t")
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        with self._lock:
            self.slept.append(seconds)
            self.now += max(0.0, seconds)
        time.sleep(0)  # let other threads run


@dataclass
class Exchange:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    status: int | None = None  # None: the connection was dropped
    resp_headers: dict[str, str] = field(default_factory=dict)
    resp_body: bytes = b""


def _id(*parts) -> str:
    return hashlib.md5("|".join(map(str, parts)).encode()).hexdigest()


ROUTES = [
    ("GET", re.compile(r"^/v2/projects/([^/]+)/locales$"), "locales"),
    ("GET", re.compile(r"^/v2/projects/([^/]+)/locales/([^/]+)/translations$"), "locale_translations"),
    ("GET", re.compile(r"^/v2/projects/([^/]+)/keys$"), "keys"),
    ("GET", re.compile(r"^/v2/projects/([^/]+)/keys/([^/]+)/translations$"), "key_translations"),
    ("GET", re.compile(r"^/v2/projects/([^/]+)/keys/([^/]+)/comments$"), "comments"),
    ("POST", re.compile(r"^/v2/projects/([^/]+)/keys/([^/]+)/comments$"), "create_comment"),
    ("PATCH", re.compile(r"^/v2/projects/([^/]+)/translations/([^/]+)/unverify$"), "unverify"),
    ("GET", re.compile(r"^/v2/projects/([^/]+)/translations/([^/]+)$"), "translation"),
    ("PATCH", re.compile(r"^/v2/projects/([^/]+)/translations/([^/]+)$"), "update_translation"),
    ("POST", re.compile(r"^/v2/projects/([^/]+)/translations$"), "create_translation"),
]


class FakePhrase:
    def __init__(self, token: str, project: str = "proj-sfia", clock: FakeClock | None = None,
                 rate_limit: int = 1000, window: int = 300):
        self.token, self.project = token, project
        self.clock = clock or FakeClock()
        self.rate_limit, self.window = rate_limit, window
        self.locales: list[dict] = []
        self.keys: list[dict] = []
        self.translations: dict[tuple[str, str], dict] = {}  # (locale_id, key_id) -> translation
        self.comments: dict[str, list[dict]] = {}
        self.content_writes: list[tuple[str, str, str]] = []  # (method, translation id, content) of each content write
        self.log: list[Exchange] = []
        self.faults: list[dict] = []
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.RLock()
        self._window_start = None
        self._used = 0
        self._server: ThreadingHTTPServer | None = None
        self.slow_seconds = 0.5
        self.drip_interval = 0.05  # seconds between the bytes of a 'drip' body
        # Hostile pagination: f(path, query, page, default_next_url) -> the rel="next" URL or None.
        self.next_link = None
        self._sorted: dict[str, list[dict]] = {}  # locale id -> its translations by key name

    # ------------------------------------------------------------------ data
    def add_locale(self, code: str, name: str | None = None, default: bool = False) -> dict:
        loc = {"id": _id("locale", code), "name": name or code, "code": code, "default": default,
               "main": False, "rtl": code.split("-")[0] in ("ar", "he", "fa", "ur")}
        self.locales.append(loc)
        return loc

    def add_key(self, name: str, tags: list[str] | None = None) -> dict:
        key = {"id": _id("key", name), "name": name, "plural": False, "tags": tags or [],
               "data_type": "string"}
        self.keys.append(key)
        return key

    def set_translation(self, locale: dict, key: dict, content: str, state: str = "translated") -> dict:
        t = {"id": _id("tr", locale["id"], key["id"]), "content": content,
             "unverified": state == "unverified", "excluded": False, "plural_suffix": "",
             "key": {"id": key["id"], "name": key["name"], "plural": False},
             "locale": {"id": locale["id"], "name": locale["name"], "code": locale["code"]},
             "state": state}
        self.translations[(locale["id"], key["id"])] = t
        self._sorted.pop(locale["id"], None)
        return t

    def inject(self, kind: str, count: int = 1, path: str | None = None, method: str | None = None,
               after: int = 0, headers: dict | None = None, body: bytes | None = None,
               status: int | None = None) -> None:
        """Fail the next ``count`` matching requests with ``kind``: '429', '503', '500', 'drop'
        (close the socket before handling), 'drop-after' (handle the request, then close the
        socket without answering), 'slow' (answer after ``slow_seconds`` of real time), 'cut'
        (send the full Content-Length but half the body, then close), 'cut-chunked' (chunked
        encoding, half the body, no final chunk, close), 'drip' (the body a byte every
        ``drip_interval`` seconds), 'drip-headers' (the headers so), 'body' (answer with ``body`` instead) or 'headers' (answer
        normally). ``headers`` replace the response's headers (a None value removes one) for
        any kind, ``status`` its status. ``after`` lets that many matching requests through first."""
        with self._lock:
            self.faults.append({"kind": kind, "count": count, "path": path, "method": method, "after": after,
                                "headers": headers or {}, "body": body, "status": status})

    # ------------------------------------------------------------------ server
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v2"

    def __enter__(self):
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll so that leaving the `with` block takes milliseconds, not half a second.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def requests(self, method: str | None = None, contains: str = "") -> list[Exchange]:
        return [e for e in self.log if (method is None or e.method == method) and contains in e.path]

    # ------------------------------------------------------------------ behaviour
    def _rate_headers(self, now: float) -> dict[str, str]:
        reset = int(self._window_start + self.window)
        return {"X-Rate-Limit-Limit": str(self.rate_limit),
                "X-Rate-Limit-Remaining": str(max(0, self.rate_limit - self._used)),
                "X-Rate-Limit-Reset": str(reset)}

    def _roll_window(self, now: float) -> None:
        if self._window_start is None or now >= int(self._window_start + self.window):
            self._window_start, self._used = now, 0

    def _take_fault(self, method: str, path: str) -> dict | None:
        for f in self.faults:
            if f["count"] <= 0:
                continue
            if (f["path"] and f["path"] not in path) or (f["method"] and f["method"] != method):
                continue
            if f["after"] > 0:
                f["after"] -= 1
                continue
            f["count"] -= 1
            return f
        return None

    def handle(self, method: str, path: str, query: list[tuple[str, str]], headers: dict, body: bytes):
        """-> (status, headers, body bytes, delivery) or None to drop the connection; delivery
        is None (the whole body) or 'cut', 'cut-chunked', 'drip'."""
        with self._lock:
            f = self._take_fault(method, path)
            result = self._handle(f["kind"] if f else None, method, path, query, headers, body)
            if result is None or f is None:
                return None if result is None else (*result, None)
            status, hdrs, data = result
            hdrs = {**hdrs, **f["headers"]}
            hdrs = {k: v for k, v in hdrs.items() if v is not None}
            if f["kind"] == "body":
                data = f["body"]
            if f["status"] is not None:
                status = f["status"]
            return status, hdrs, data, f["kind"] if f["kind"] in ("cut", "cut-chunked", "drip", "drip-headers") else None

    def _handle(self, fault, method, path, query, headers, body):
        with self._lock:
            now = self.clock.time()
            self._roll_window(now)
            if fault == "drop":
                return None
            if fault == "slow":
                time.sleep(self.slow_seconds)
            if fault in ("503", "500"):
                return int(fault), {"Retry-After": "1"} if fault == "503" else {}, b""
            if fault == "429":
                # A burst elsewhere used the budget up: the window resets in a second.
                self._window_start = now - self.window + 1
                self._used = self.rate_limit
                return 429, {**self._rate_headers(now), "Retry-After": "1"}, \
                    json.dumps({"message": "Rate limit exceeded"}).encode()
            if headers.get("authorization") != f"token {self.token}":
                return 401, {}, json.dumps({"message": "Unauthorized"}).encode()
            route = next(((name, rx.match(path)) for m, rx, name in ROUTES if m == method and rx.match(path)), None)
            if route is None:
                return 404, self._rate_headers(now), json.dumps({"message": "Not Found"}).encode()
            if self._used >= self.rate_limit:
                return 429, {**self._rate_headers(now), "Retry-After": str(max(1, int(self._window_start
                             + self.window - now)))}, json.dumps({"message": "Rate limit exceeded"}).encode()
            name, match = route
            args = match.groups()
            if args[0] != self.project:
                self._used += 1
                return 404, self._rate_headers(now), json.dumps({"message": "Not Found"}).encode()
            result = getattr(self, "_" + name)(dict(query), body, *args[1:])
            if fault == "drop-after":
                return None
            if result is None:
                self._used += 1
                return 404, self._rate_headers(now), json.dumps({"message": "Not Found"}).encode()
            status, payload, extra = result
            data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
            etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"' if method == "GET" else None
            if etag and headers.get("if-none-match") == etag:
                return 304, {**self._rate_headers(now), "ETag": etag, **extra}, b""  # free of charge
            self._used += 1
            hdrs = {**self._rate_headers(now), **extra, "Content-Type": "application/json; charset=utf-8"}
            if etag:
                hdrs["ETag"] = etag
            return status, hdrs, data

    def _paginate(self, items: list, query: dict, path: str):
        per_page = max(1, min(100, int(query.get("per_page", 25))))
        page = max(1, int(query.get("page", 1)))
        total_pages = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        base = self.base_url.rsplit("/v2", 1)[0] + path

        def link(p):
            return f"<{base}?{urlencode({**query, 'page': p, 'per_page': per_page})}>"

        rels = [f'{link(1)}; rel="first"']
        if page > 1:
            rels.append(f'{link(page - 1)}; rel="prev"')
        nxt = f"{base}?{urlencode({**query, 'page': page + 1, 'per_page': per_page})}" if page < total_pages else None
        if self.next_link is not None:
            nxt = self.next_link(path, query, page, nxt)
        if nxt is not None:
            rels.append(f'<{nxt}>; rel="next"')
        rels.append(f'{link(total_pages)}; rel="last"')
        pagination = {"total_count": len(items), "total_pages_count": total_pages, "current_page": page,
                      "current_per_page": per_page}
        return 200, chunk, {"Link": ", ".join(rels), "Pagination": json.dumps(pagination)}

    def _locales(self, query, body):
        return self._paginate(self.locales, query, f"/v2/projects/{self.project}/locales")

    def _locale_translations(self, query, body, locale_id):
        if not any(loc["id"] == locale_id for loc in self.locales):
            return None
        if locale_id not in self._sorted:
            self._sorted[locale_id] = sorted((t for (lid, _), t in self.translations.items() if lid == locale_id),
                                             key=lambda t: t["key"]["name"])
        items = self._sorted[locale_id]
        q = query.get("q", "")
        m = re.search(r"tags:(\S+)", q)
        if m:
            tagged = {k["id"] for k in self.keys if m.group(1) in k["tags"]}
            items = [t for t in items if t["key"]["id"] in tagged]
        return self._paginate(items, query, f"/v2/projects/{self.project}/locales/{locale_id}/translations")

    def _keys(self, query, body):
        items = list(self.keys)
        m = re.search(r"name:(\S+)", query.get("q", ""))
        if m:
            items = [k for k in items if k["name"] == m.group(1)]
        return self._paginate(items, query, f"/v2/projects/{self.project}/keys")

    def _key(self, key_id):
        return next((k for k in self.keys if k["id"] == key_id), None)

    def _key_translations(self, query, body, key_id):
        if self._key(key_id) is None:
            return None
        items = [t for (_, kid), t in self.translations.items() if kid == key_id]
        return self._paginate(items, query, f"/v2/projects/{self.project}/keys/{key_id}/translations")

    def _comments(self, query, body, key_id):
        if self._key(key_id) is None:
            return None
        return self._paginate(self.comments.get(key_id, []), query,
                              f"/v2/projects/{self.project}/keys/{key_id}/comments")

    def _create_comment(self, query, body, key_id):
        if self._key(key_id) is None:
            return None
        data = json.loads(body or b"{}")
        n = sum(len(v) for v in self.comments.values())
        c = {"id": _id("comment", key_id, n), "message": data["message"], "has_replies": False,
             "user": {"id": _id("user"), "username": "sfia-bot", "name": "SFIA bot"},
             "locales": [{"id": lid, "name": loc["name"], "code": loc["code"]}
                         for lid in data.get("locale_ids", []) for loc in self.locales if loc["id"] == lid],
             "mentioned_users": [], "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"}
        self.comments.setdefault(key_id, []).append(c)
        return 201, c, {}

    def _unverify(self, query, body, translation_id):
        for t in self.translations.values():
            if t["id"] == translation_id:
                t["unverified"], t["state"] = True, "unverified"
                return 200, t, {}
        return None


    # One translation by id, as Phrase shows it (translation_details: the translation, its
    # last editor and word count).
    def _details(self, t: dict) -> dict:
        return {**t, "user": {"id": _id("user"), "username": "sfia-bot", "name": "SFIA bot"},
                "word_count": len((t.get("content") or "").split()),
                "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"}

    def _by_id(self, translation_id: str) -> dict | None:
        return next((t for t in self.translations.values() if t["id"] == translation_id), None)

    def _translation(self, query, body, translation_id):
        t = self._by_id(translation_id)
        return None if t is None else (200, self._details(t), {})

    def _update_translation(self, query, body, translation_id):
        t = self._by_id(translation_id)
        if t is None:
            return None
        data = json.loads(body or b"{}")
        if not isinstance(data.get("content"), str):
            return 400, {"message": "content must be a string"}, {}
        t["content"] = data["content"]
        self.content_writes.append(("PATCH", translation_id, data["content"]))
        self._sorted.pop(t["locale"]["id"], None)
        return 200, self._details(t), {}

    def _create_translation(self, query, body):
        data = json.loads(body or b"{}")
        loc = next((x for x in self.locales if x["id"] == data.get("locale_id")), None)
        key = self._key(data.get("key_id"))
        if loc is None or key is None:
            return None
        if not isinstance(data.get("content"), str):
            return 400, {"message": "content must be a string"}, {}
        old = self.translations.get((loc["id"], key["id"]))
        if old is not None:  # Phrase keeps one translation per key and locale: the POST updates it
            old["content"] = data["content"]
            t = old
        else:
            t = self.set_translation(loc, key, data["content"], "translated")
        self.content_writes.append(("POST", t["id"], data["content"]))
        self._sorted.pop(loc["id"], None)
        return 201, self._details(t), {}


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client hung up (as a client that gives up on a hostile answer does)
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in separate writes: avoid 40 ms delayed-ACK stalls
    server_fake: FakePhrase

    def log_message(self, *args):  # keep test output clean
        pass

    def _serve(self):
        fake = self.server_fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        ex = Exchange(self.command, parts.path, parse_qsl(parts.query, keep_blank_values=True), headers, body)
        with fake._lock:
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        try:
            time.sleep(0.001)  # hold the slot a moment so concurrency is observable
            result = fake.handle(self.command, parts.path, ex.query, headers, body)
        finally:
            with fake._lock:
                fake.in_flight -= 1
                fake.log.append(ex)
        if result is None:  # drop: close the socket without a word
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        status, hdrs, data, delivery = result
        ex.status, ex.resp_headers, ex.resp_body = status, dict(hdrs), data
        if delivery == "drip-headers":  # the status line, then a header a byte at a time: no read ever times out
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for _ in range(2000):
                    self.wfile.write(b"X")
                    self.wfile.flush()
                    time.sleep(fake.drip_interval)
            except OSError:
                pass
            self.close_connection = True
            return
        self.send_response(status)
        for k, v in hdrs.items():
            self.send_header(k, v)
        if delivery == "cut-chunked":
            self.send_header("Transfer-Encoding", "chunked")
        elif status != 304 and not any(k.lower() == "content-length" for k in hdrs):
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            if delivery == "cut":
                self.wfile.write(data[: len(data) // 2])
            elif delivery == "cut-chunked":
                half = data[: len(data) // 2]
                self.wfile.write(f"{len(half):x}\r\n".encode() + half + b"\r\n")
            elif delivery == "drip":
                for i in range(len(data)):
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                    time.sleep(fake.drip_interval)
            elif data and status != 304:
                self.wfile.write(data)
        except OSError:  # the client gave up and closed the connection
            self.close_connection = True
            return
        if delivery in ("cut", "cut-chunked"):
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    do_GET = do_POST = do_PATCH = _serve


def sfia_keys(n: int, framework: int = 9) -> list[str]:
    """``n`` distinct SFIA key names, skill by skill: name, description, 2 guidance
    paragraphs, 3 activities, 7 levels (14 per skill)."""
    per_skill = (["name", "description"] + [f"guidance.{i}" for i in (1, 2)]
                 + [f"activity.{i}" for i in (1, 2, 3)] + [f"level.{i}" for i in range(1, 8)])
    out = []
    s = 0
    while len(out) < n:
        skill = f"Q{s:04d}"
        out.extend(f"sfia{framework}.{skill}.{e}" for e in per_skill)
        s += 1
    return out[:n]


def populate(fake: FakePhrase, codes: list[str], n_keys: int, *, others: int = 3) -> list[str]:
    """A project with an English default locale, ``codes`` target locales, ``n_keys`` SFIA
    keys translated in every target locale (some states unverified/reviewed) and a few
    non-SFIA app strings. Returns the SFIA key names."""
    en = fake.add_locale("en", "English", default=True)
    targets = [fake.add_locale(c) for c in codes]
    names = sfia_keys(n_keys)
    states = ["translated", "translated", "unverified", "reviewed"]
    for i, name in enumerate(names):
        skill = name.split(".")[1]
        k = fake.add_key(name, [skill, "sfia-9"])
        fake.set_translation(en, k, f"English {name}")
        for j, loc in enumerate(targets):
            fake.set_translation(loc, k, f"{loc['code']} «{name}» <b>{i}</b>", states[(i + j) % len(states)])
    for i in range(others):
        k = fake.add_key(f"app.screen{i}.title")
        for loc in targets:
            fake.set_translation(loc, k, f"app string {i}")
    return names
