"""The Phrase client against a fake Phrase server on a real local socket."""

from __future__ import annotations

import random
import threading
import time

import pytest
from fake_phrase import FakeClock, FakePhrase, populate

from pipeline.phrase import errors as E
from pipeline.phrase.client import PageCache, PhraseClient

TOKEN = "phr-test-Zq81xKw0-secret"
PROJECT = "proj-sfia"


def make_client(fake: FakePhrase, **kw) -> PhraseClient:
    kw.setdefault("clock", fake.clock.time)
    kw.setdefault("sleep", fake.clock.sleep)
    kw.setdefault("rng", random.Random(7))
    return PhraseClient(kw.pop("token", TOKEN), fake.base_url, **kw)


@pytest.fixture
def fake():
    f = FakePhrase(TOKEN, PROJECT, FakeClock())
    populate(f, ["pl-PL", "ar"], 1050, others=0)
    with f:
        yield f


def locale(fake, code):
    return next(loc for loc in fake.locales if loc["code"] == code)


def test_pagination_follows_link_next_with_100_per_page(fake):
    with make_client(fake) as c:
        got = c.locale_translations(PROJECT, locale(fake, "pl-PL")["id"])
    assert len(got) == 1050
    assert len({t["key"]["name"] for t in got}) == 1050
    pages = fake.requests("GET", "/translations")
    assert len(pages) == 11  # 1050 / 100, rounded up
    assert all(dict(e.query)["per_page"] == "100" for e in pages)
    assert [dict(e.query).get("page", "1") for e in pages] == [str(i) for i in range(1, 12)]


def test_headers_token_and_user_agent(fake):
    with make_client(fake) as c:
        c.locales(PROJECT)
    h = fake.log[0].headers
    assert h["authorization"] == f"token {TOKEN}"
    assert h["user-agent"].startswith("sfia-qa/")
    assert TOKEN not in repr(c)


def test_429_burst_waits_for_reset_and_retries(fake):
    fake.inject("429", count=3, path="/translations", after=2)
    with make_client(fake) as c:
        got = c.locale_translations(PROJECT, locale(fake, "ar")["id"])
    assert len(got) == 1050
    statuses = [e.status for e in fake.requests("GET", "/translations")]
    assert statuses.count(429) >= 3 and statuses[-1] == 200
    # Waited (virtual time) at least until the announced reset each time, never more than a few seconds.
    assert sum(fake.clock.slept) >= 3 * 1.0
    assert c.stats["throttled"] >= 3


def test_rate_limit_past_the_bound_is_a_typed_error(fake):
    fake.inject("429", count=50)
    with make_client(fake, max_throttled=4) as c, pytest.raises(E.RateLimitError) as ei:
        c.locales(PROJECT)
    assert "rate-limited" in str(ei.value) and "wait a few minutes" in str(ei.value)
    assert len(fake.log) == 5  # the first try + 4 retries, then give up


def test_rate_limit_past_the_time_bound(fake):
    fake.inject("429", count=50)
    with make_client(fake, max_wait=2.5) as c, pytest.raises(E.RateLimitError):
        c.locales(PROJECT)
    assert sum(fake.clock.slept) <= 2.5


def test_slows_down_before_the_budget_runs_out():
    clock = FakeClock()
    f = FakePhrase(TOKEN, PROJECT, clock, rate_limit=30, window=60)
    populate(f, ["pl"], 5000, others=0)  # 50 pages: more than one window's budget
    with f, make_client(f) as c:
        got = c.locale_translations(PROJECT, f.locales[1]["id"])
    assert len(got) == 5000
    assert not [e for e in f.log if e.status == 429], "the client ran into the limit instead of pacing"
    assert sum(clock.slept) >= 55  # it waited for at least one window reset


def test_503_and_dropped_connection_are_retried_with_backoff(fake):
    fake.inject("503", count=2, path="/locales")
    fake.inject("drop", count=1, path="/locales")
    fake.inject("500", count=1, path="/locales")
    with make_client(fake) as c:
        got = c.locales(PROJECT)
    assert [loc["code"] for loc in got] == ["en", "pl-PL", "ar"]
    assert [e.status for e in fake.log] == [503, 503, None, 500, 200]
    waits = fake.clock.slept
    assert len(waits) == 4 and waits[2] > waits[0] / 2  # backoff grows (with jitter)


def test_persistent_5xx_is_bounded(fake):
    fake.inject("500", count=100)
    with make_client(fake, max_attempts=4) as c, pytest.raises(E.ServerError) as ei:
        c.locales(PROJECT)
    assert len(fake.log) == 4
    assert "after 4 attempts" in str(ei.value)


def test_read_timeout_is_retried_then_reported():
    f = FakePhrase(TOKEN, PROJECT)
    f.add_locale("pl")
    f.slow_seconds = 0.4
    f.inject("slow", count=10)
    with f, PhraseClient(TOKEN, f.base_url, timeout=(1.0, 0.1), max_attempts=2, backoff_base=0.01) as c:
        t0 = time.monotonic()
        with pytest.raises(E.NetworkError) as ei:
            c.locales(PROJECT)
        assert time.monotonic() - t0 < 3
    assert "timed out" in str(ei.value)


def test_post_is_not_blindly_retried_after_a_drop(fake):
    key = fake.keys[0]
    fake.inject("drop-after", count=1, method="POST")
    with make_client(fake) as c, pytest.raises(E.AmbiguousWriteError):
        c.create_comment(PROJECT, key["id"], "hello")
    assert len(fake.requests("POST")) == 1
    assert len(fake.comments[key["id"]]) == 1  # the server did apply it: a blind retry would duplicate


def test_post_is_retried_after_503(fake):
    key = fake.keys[0]
    fake.inject("503", count=1, method="POST")
    with make_client(fake) as c:
        c.create_comment(PROJECT, key["id"], "hello")
    assert [e.status for e in fake.requests("POST")] == [503, 201]
    assert len(fake.comments[key["id"]]) == 1


def test_at_most_four_requests_in_flight(fake):
    with make_client(fake) as c:
        threads = [threading.Thread(target=c.locale_translations, args=(PROJECT, loc["id"]))
                   for loc in fake.locales for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert 2 <= fake.max_in_flight <= 4


def test_conditional_requests_get_304_and_cost_nothing(fake):
    cache = PageCache()
    lid = locale(fake, "pl-PL")["id"]
    with make_client(fake, cache=cache) as c:
        first = c.locale_translations(PROJECT, lid)
        n = len(fake.log)
        second = c.locale_translations(PROJECT, lid)
    again = fake.log[n:]
    assert second == first
    assert [e.status for e in again] == [304] * 11
    assert all(e.headers.get("if-none-match") for e in again)
    assert all(e.resp_headers["X-Rate-Limit-Remaining"] == fake.log[n - 1].resp_headers["X-Rate-Limit-Remaining"]
               for e in again)
    assert c.stats["not_modified"] == 11


def test_changed_page_is_refetched(fake):
    cache = PageCache()
    loc = locale(fake, "pl-PL")
    with make_client(fake, cache=cache) as c:
        c.locale_translations(PROJECT, loc["id"])
        n = len(fake.log)
        fake.set_translation(loc, fake.keys[0], "nowy tekst")
        got = c.locale_translations(PROJECT, loc["id"])
    assert [e.status for e in fake.log[n:]].count(200) == 1
    assert "nowy tekst" in {t["content"] for t in got}


def test_bad_token_is_a_typed_error_without_the_token(fake):
    bad = "phr-wrong-token-99xx"
    with make_client(fake, token=bad) as c, pytest.raises(E.AuthError) as ei:
        c.locales(PROJECT)
    msg = str(ei.value)
    assert "PHRASE_ACCESS_TOKEN" in msg and bad not in msg and TOKEN not in msg
    assert len(fake.log) == 1  # a 401 is not retried


def test_unknown_project_is_not_found(fake):
    with make_client(fake) as c, pytest.raises(E.NotFoundError) as ei:
        c.locales("no-such-project")
    assert "project 'no-such-project' not found" in str(ei.value)


@pytest.mark.parametrize("token", ["", "   ", "two words"])
def test_malformed_token_refused_before_any_request(token):
    with pytest.raises(E.MissingTokenError):
        PhraseClient(token, "http://127.0.0.1:9/v2")
