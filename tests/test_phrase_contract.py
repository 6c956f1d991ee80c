"""Contract tests: every request the client sends and every response the fake server
returns, validated with openapi-core against Phrase's own OpenAPI spec
(``../shared/phrase/phrase-strings-openapi.json``; skipped when it is absent).

The spec's own self-check is switched off (it has an unresolved path parameter in an
operation sfia-qa does not use); request and response validation are openapi-core's.
Responses with a status the spec does not declare for the operation (``304``, ``503``)
and dropped connections have no schema to check; their requests are still validated.
"""

from __future__ import annotations

import json
import random

import pytest
from fake_phrase import Exchange, FakeClock, FakePhrase, populate

from pipeline.phrase import client as client_mod
from pipeline.phrase import sync
from pipeline.phrase.client import PageCache, PhraseClient

# The Phrase spec itself uses the deprecated allowEmptyValue; that is its business, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Use of allowEmptyValue:DeprecationWarning")

TOKEN = "phr-contract-token-55aa"
PROJECT = "proj-sfia"


@pytest.fixture(scope="module")
def openapi(shared):
    spec_path = shared / "phrase" / "phrase-strings-openapi.json"
    if not spec_path.is_file():
        pytest.skip(f"{spec_path} missing")
    openapi_core = pytest.importorskip("openapi_core")
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    return openapi_core.OpenAPI.from_dict(spec, config=openapi_core.Config(spec_validator_cls=None))


def _mock(ex: Exchange):
    from openapi_core.testing import MockRequest, MockResponse

    spec_host = "https://api.phrase.com"  # the spec's server; the fake serves the same /v2 paths
    req = MockRequest(spec_host, ex.method, ex.path, args=ex.query,
                      headers={k.title(): v for k, v in ex.headers.items()}, data=ex.body or None,
                      content_type=ex.headers.get("content-type", "application/json").split(";")[0])
    resp = None
    if ex.status is not None:
        resp = MockResponse(ex.resp_body, ex.status, headers=ex.resp_headers,
                            content_type=ex.resp_headers.get("Content-Type", "application/json").split(";")[0])
    return req, resp


def validate_all(openapi, log: list[Exchange]) -> dict:
    from openapi_core.templating.responses.exceptions import ResponseNotFound

    counts = {"requests": 0, "responses": 0, "undeclared": set()}
    for ex in log:
        req, resp = _mock(ex)
        openapi.validate_request(req)
        counts["requests"] += 1
        if resp is None:
            continue
        try:
            openapi.validate_response(req, resp)
            counts["responses"] += 1
        except ResponseNotFound:
            assert ex.status in (304, 503), f"{ex.method} {ex.path}: status {ex.status} not in the spec"
            counts["undeclared"].add(ex.status)
    return counts


def test_pull_and_push_traffic_matches_the_spec(openapi, tmp_path, monkeypatch):
    clock = FakeClock()
    fake = FakePhrase(TOKEN, PROJECT, clock)
    names = populate(fake, ["ar", "pl-PL"], 230)
    fake.inject("429", count=2, after=3)
    fake.inject("503", count=1, after=6)
    fake.inject("drop", count=1, after=8)
    findings = [{"code": "QA201", "check": "c", "severity": "error", "lang": "pl", "framework": 9,
                 "skill": "Q0000", "element": "level", "level": 2, "item": None, "message": "Bad <b>.",
                 "evidence": [{"field": "tgt_9", "start": 0, "end": 1, "text": "x"}], "origin": "o", "_line": 1},
                {"code": "QA202", "check": "c", "severity": "warning", "lang": "ar", "framework": 9,
                 "skill": "Q0002", "element": "activity", "level": None, "item": 3, "message": "Hmm.",
                 "evidence": [], "origin": "o", "_line": 2}]
    cache = PageCache()
    with fake:
        kw = {"clock": clock.time, "sleep": clock.sleep, "rng": random.Random(3)}
        with PhraseClient(TOKEN, fake.base_url, cache=cache, **kw) as c:
            sync.pull(c, PROJECT, tmp_path / "t")
            sync.pull(c, PROJECT, tmp_path / "t")  # conditional: 304s
            plan = sync.plan_push(c, PROJECT, findings)
            sync.apply_push(c, PROJECT, plan, say=lambda s: None)
    assert len(names) == 230 and {"POST", "PATCH", "GET"} <= {e.method for e in fake.log}
    counts = validate_all(openapi, fake.log)
    assert counts["requests"] == len(fake.log)
    assert counts["responses"] >= len(fake.log) - 12
    assert counts["undeclared"] == {304, 503}


def test_validator_catches_a_broken_response_and_request(openapi):
    """The contract check can fail: a wrong type in a body or a missing field is caught."""
    from openapi_core.validation.request.exceptions import InvalidRequestBody
    from openapi_core.validation.response.exceptions import InvalidData

    ok = Exchange("GET", f"/v2/projects/{PROJECT}/locales", [("per_page", "100")],
                  {"authorization": "token x"}, b"", 200,
                  {"Content-Type": "application/json"}, json.dumps([{"id": 5, "code": "pl"}]).encode())
    req, resp = _mock(ok)
    openapi.validate_request(req)
    with pytest.raises(InvalidData):
        openapi.validate_response(req, resp)
    bad_post = Exchange("POST", f"/v2/projects/{PROJECT}/keys/k1/comments", [],
                        {"authorization": "token x", "content-type": "application/json"}, b'{"text": "no message"}')
    with pytest.raises(InvalidRequestBody):
        openapi.validate_request(_mock(bad_post)[0])


def test_client_request_shape_matches_the_spec(openapi):
    """What the client itself prepares (not what the fake parsed) is valid too."""
    import requests

    c = PhraseClient(TOKEN, "https://api.phrase.com/v2")
    sent = []

    def capture(prepared, **kw):
        sent.append(prepared)
        r = requests.Response()
        r.status_code, r._content, r.url = 201, b"{}", prepared.url
        r.headers["Content-Type"] = "application/json"
        return r

    c.session.send = capture
    c.create_comment(PROJECT, "k1", "a message [sfia-qa:0123456789ab]", ["loc1"])
    from openapi_core.contrib.requests import RequestsOpenAPIRequest

    openapi.validate_request(RequestsOpenAPIRequest(sent[0]))
    assert sent[0].headers["Authorization"] == f"token {TOKEN}"
    assert client_mod.USER_AGENT in sent[0].headers["User-Agent"]
