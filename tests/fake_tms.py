"""A fake Phrase TMS API on a real socket (127.0.0.1, port 0), for tests.

Built on the fake Strings server (:mod:`fake_phrase`): the same socket handling, exchange log,
virtual clock and fault injection (``inject('429'|'503'|'500'|'drop'|'drop-after'|'slow'|'cut'|
'cut-chunked'|'drip'|'body'|'headers', ...)``), with the TMS endpoints sfia-qa uses, answering
as Phrase's TMS API reference documents them:

* ``POST /web/api2/v1/auth/login`` ``{"userName", "password"}`` -> ``{"user", "token", "expires"}``;
* ``GET /web/api2/v2/projects/{projectUid}/jobs`` with ``pageNumber`` (zero-based),
  ``pageSize`` (default 50; more is a ``400``), ``workflowLevel`` (default 1), ``targetLang``
  -> ``{"totalElements", "totalPages", "pageSize", "pageNumber", "numberOfElements", "content"}``;
* ``POST /web/api2/v1/projects/{projectUid}/jobs/bilingualFile?format=MXLF`` ``{"jobs": [{"uid"}]}``
  -> the job's MXLIFF bytes (``application/octet-stream``, ``Content-Disposition`` naming the file);
* ``PUT /web/api2/v1/bilingualFiles?format=MXLF`` with MXLIFF bytes -> ``{"jobs": [job]}`` of the
  job its ``m:task-id`` names (the upload is stored in ``uploads``).

Every call but the login needs ``Authorization: ApiToken <token>`` (the API token or one the
login issued); errors are ``{"errorCode", "errorDescription"}``. Limits as documented: a rolling
per-minute budget (``per_minute``) and a cap on concurrent requests (``max_concurrent``), both
answering ``429`` with ``Retry-After``. Hostile knobs: any ``targetLang`` or ``filename``, and
``total_pages`` to make the job list announce any number of pages.
"""

from __future__ import annotations

import collections
import json
import re
import secrets
import threading
import time
from pathlib import Path
from urllib.parse import quote

from fake_phrase import Exchange, FakeClock, FakePhrase, _Handler, _Server  # noqa: F401  (re-exported)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {"ar": ROOT / "tests" / "data" / "tms" / "ar" / "CSMG.mxliff",
           "pl": ROOT / "translations" / "pl" / "tms" / "CSMG.mxliff"}
TASK_RE = re.compile(rb'm:task-id="([^"]*)"')

ROUTES = [
    ("POST", re.compile(r"^/web/api2/v1/auth/login$"), "login"),
    ("GET", re.compile(r"^/web/api2/v2/projects/([^/]+)/jobs$"), "jobs"),
    ("POST", re.compile(r"^/web/api2/v1/projects/([^/]+)/jobs/bilingualFile$"), "bilingual"),
    ("PUT", re.compile(r"^/web/api2/v1/bilingualFiles$"), "upload"),
]


def _error(status: int, code: str, text: str) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps({"errorCode": code,
                                                                    "errorDescription": text}).encode()


def mxliff(uid: str, lang: str, texts: dict[str, str]) -> bytes:
    """A small MXLIFF job: one unit per SFIA key, translated and confirmed."""
    units = "".join(
        f'<group id="{i}" m:para-id="{i}"><context-group name="x-sfia" purpose="information">'
        f'<context context-type="x-key">{key}</context></context-group>'
        f'<trans-unit id="{uid}:{i}" m:trans-origin="null" m:confirmed="1" m:locked="false">'
        f"<source>English {key}</source><target>{text}</target></trans-unit></group>\n"
        for i, (key, text) in enumerate(texts.items()))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" xmlns:m="http://www.memsource.com/mxlf/2.0" '
            'version="1.2" m:version="2.17" m:level="1">\n'
            f'<file original="sfia-9.xlf" datatype="x-undefined" source-language="en" target-language="{lang}" '
            f'm:task-id="{uid}"><body>\n{units}</body></file></xliff>\n').encode()


class FakeTMS(FakePhrase):
    def __init__(self, token: str, project: str = "projSFIA9", clock: FakeClock | None = None,
                 per_minute: int = 6000, max_concurrent: int = 10, user: str = "sfia.pm",
                 password: str = "pw-not-a-real-one"):
        super().__init__(token, project, clock)
        self.per_minute, self.max_concurrent = per_minute, max_concurrent
        self.user, self.password = user, password
        self.issued: set[str] = set()
        self.jobs: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.uploads: list[tuple[str, bytes, dict]] = []
        self.total_pages: int | str | None = None  # hostile: announce this many pages
        self._starts: collections.deque[float] = collections.deque()

    # ------------------------------------------------------------------ data
    def add_job(self, lang: str, filename: str, content: bytes, uid: str | None = None, level: int = 1,
                status: str = "NEW") -> dict:
        uid = uid or (TASK_RE.search(content).group(1).decode() if TASK_RE.search(content) else secrets.token_hex(8))
        job = {"uid": uid, "innerId": str(len(self.jobs) + 1), "status": status, "providers": [],
               "targetLang": lang, "filename": filename, "originalFileDirectory": None,
               "workflowStep": {"id": str(level), "name": ["Translation", "Revision", "Review"][min(level, 3) - 1],
                                "order": level, "workflowLevel": level},
               "dateDue": None, "dateCreated": "2025-01-29T10:00:00Z",
               "importStatus": {"status": "OK", "errorMessage": None}, "continuous": False,
               "sourceFileUid": "srcCSMG0001", "split": False, "serverTaskId": None, "imported": True,
               "owner": {"uid": "u1", "userName": self.user, "role": "PROJECT_MANAGER"}}
        self.jobs.append(job)
        self.files[uid] = content
        return job

    def add_samples(self) -> list[dict]:
        """The synthetic CSMG jobs of the repository: Arabic draft and Polish beta."""
        return [self.add_job(lang, "CSMG.xlf", path.read_bytes()) for lang, path in SAMPLES.items()]

    # ------------------------------------------------------------------ server
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/web"

    def __enter__(self):
        fake = self

        class Handler(_Handler):
            server_fake = fake
            do_PUT = _Handler._serve

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()
        return self

    def writes(self) -> list[Exchange]:
        """Every request that could change the project (not a read, not the login, not a download)."""
        return [e for e in self.log if e.method in ("PUT", "PATCH", "DELETE")
                or (e.method == "POST" and not e.path.endswith(("/auth/login", "/jobs/bilingualFile")))]

    # ------------------------------------------------------------------ behaviour
    def _handle(self, fault, method, path, query, headers, body):
        with self._lock:
            now = self.clock.time()
            if fault == "drop":
                return None
            if fault == "slow":
                time.sleep(self.slow_seconds)
            if fault in ("503", "500"):
                return int(fault), {"Retry-After": "1"} if fault == "503" else {}, b""
            if fault == "429":
                return 429, {"Retry-After": "1", "Content-Type": "application/json"}, \
                    json.dumps({"errorCode": "TooManyRequests", "errorDescription": "Too many requests"}).encode()
            if self.in_flight > self.max_concurrent:
                status, hdrs, data = _error(429, "TooManyRequests", "too many concurrent requests")
                return status, {**hdrs, "Retry-After": "1"}, data
            while self._starts and self._starts[0] <= now - 60:
                self._starts.popleft()
            if len(self._starts) >= self.per_minute:
                wait = max(1, int(self._starts[0] + 60 - now + 0.999))
                return 429, {"Retry-After": str(wait), "Content-Type": "application/json"}, \
                    json.dumps({"errorCode": "TooManyRequests", "errorDescription": "rate limit"}).encode()
            self._starts.append(now)
            route = next(((name, rx.match(path)) for m, rx, name in ROUTES if m == method and rx.match(path)), None)
            if route is None:
                return _error(404, "ResourceNotFound", "no such endpoint")
            name, match = route
            if name != "login":
                auth = headers.get("authorization", "")
                if not (auth == f"ApiToken {self.token}" or (auth.startswith("ApiToken ")
                                                              and auth[len("ApiToken "):] in self.issued)):
                    return _error(401, "AuthUnauthorized", "Unauthorized")
            if match.groups() and match.group(1) != self.project:
                return _error(404, "ProjectNotFound", "Project not found")
            result = getattr(self, "_" + name)(dict(query), body)
            if fault == "drop-after":
                return None
            return result

    def _login(self, query, body):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return _error(400, "InvalidArguments", "body is not JSON")
        if data.get("userName") != self.user or data.get("password") != self.password:
            return _error(401, "AuthInvalidCredentials", "Invalid credentials")
        token = "tms-login-" + secrets.token_hex(12)
        self.issued.add(token)
        user = {"uid": "u1", "userName": self.user, "firstName": "SFIA", "lastName": "PM", "role": "PROJECT_MANAGER"}
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"user": user, "token": token, "expires": "2030-01-01T00:00:00+0000"}).encode()

    def _jobs(self, query, body):
        try:
            number, size = int(query.get("pageNumber", 0)), int(query.get("pageSize", 50))
            level = int(query.get("workflowLevel", 1))
        except ValueError:
            return _error(400, "InvalidArguments", "not a number")
        if not 0 < size <= 50 or number < 0:
            return _error(400, "InvalidArguments", "pageSize must be between 1 and 50")
        items = [j for j in self.jobs if j["workflowStep"]["workflowLevel"] == level
                 and ("targetLang" not in query or j["targetLang"] == query["targetLang"])]
        total = max(1, -(-len(items) // size)) if items else 0
        chunk = items[number * size:(number + 1) * size]
        page = {"totalElements": len(items), "totalPages": total if self.total_pages is None else self.total_pages,
                "pageSize": size, "pageNumber": number, "numberOfElements": len(chunk), "content": chunk,
                "sort": {"orders": []}}
        return 200, {"Content-Type": "application/json"}, json.dumps(page, ensure_ascii=False).encode()

    def _bilingual(self, query, body):
        if query.get("format", "MXLF") != "MXLF":
            return _error(400, "InvalidArguments", "format")
        try:
            uids = [j["uid"] for j in json.loads(body or b"{}")["jobs"]]
        except (ValueError, KeyError, TypeError):
            return _error(400, "InvalidArguments", "jobs")
        if len(uids) != 1:
            return _error(400, "InvalidArguments", "this fake merges no jobs: one uid per download")
        job = next((j for j in self.jobs if j["uid"] == uids[0]), None)
        if job is None:
            return _error(404, "JobNotFound", "Job not found")
        name = quote(str(job["filename"]).rsplit(".", 1)[0] + ".mxliff")
        return 200, {"Content-Type": "application/octet-stream",
                     "Content-Disposition": f"attachment; filename*=UTF-8''{name}"}, self.files[job["uid"]]

    def _upload(self, query, body):
        m = TASK_RE.search(body or b"")
        job = next((j for j in self.jobs if m and j["uid"] == m.group(1).decode()), None)
        if query.get("format", "MXLF") != "MXLF" or not body:
            return _error(400, "InvalidArguments", "format or body")
        if job is None:
            return _error(404, "JobNotFound", "Job not found")
        self.uploads.append((job["uid"], body, dict(query)))
        self.files[job["uid"]] = body
        return 200, {"Content-Type": "application/json"}, json.dumps({"jobs": [job]}).encode()


def many_jobs(fake: FakeTMS, n: int, langs=("ar", "pl")) -> None:
    """``n`` small jobs, one skill each, spread over ``langs``."""
    for i in range(n):
        lang = langs[i % len(langs)]
        uid = f"job{i:04d}{lang}"
        fake.add_job(lang, f"Q{i:04d}.xlf", mxliff(uid, lang, {f"sfia9.Q{i:04d}.name": f"{lang} name {i}",
                                                                f"sfia9.Q{i:04d}.level.3": f"{lang} level {i}"}))
