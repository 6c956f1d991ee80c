"""`sfia-qa phrase` against a hostile Phrase server (real sockets, the fake in fake_phrase.py).

Every case is bounded in time (virtual time where it can be, tiny real bounds where it
cannot) and asserts what a user relies on: exit 2 with one line (or success when the fault
is transient), nothing written or deleted outside ``--out``, the token never sent to
another host (a second fake server plays that host) and never printed, logged or written.
"""

from __future__ import annotations

import gzip
import json
import logging
import secrets
import shutil
import time
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from fake_phrase import FakeClock, FakePhrase, populate

from pipeline import cli
from pipeline.phrase import client as client_mod
from pipeline.phrase import errors as E
from pipeline.phrase.client import PhraseClient
from pipeline.phrase.http import PageNumberPagination, Transport

TOKEN = "phr-hostile-token-Vq27ZZ"
PROJECT = "proj-sfia"


@pytest.fixture
def clock(monkeypatch):
    c = FakeClock()
    monkeypatch.setattr(client_mod, "_clock", c.time)
    monkeypatch.setattr(client_mod, "_sleep", c.sleep)
    return c


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("PHRASE_ACCESS_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def new_fake(clock, n_keys=30, codes=("ar", "pl-PL")) -> FakePhrase:
    f = FakePhrase(TOKEN, PROJECT, clock)
    populate(f, list(codes), n_keys, others=1)
    return f


def run(capsys, *args) -> tuple[int, str, str]:
    rc = cli.main(list(args))
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    assert "Traceback" not in err
    return rc, out, err


def pull(capsys, fake, out="translations", *extra):
    return run(capsys, "phrase", "pull", "--project", PROJECT, "--base-url", fake.base_url, "--out", str(out), *extra)


def error_line(rc: int, err: str) -> str:
    """Exit 2 and exactly one line on stderr: return it."""
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sfia-qa: error: ")
    return lines[0]


def tree(root: Path, skip: Path | None = None) -> dict[str, bytes]:
    """Every file under ``root`` (not following links), except under ``skip``."""
    out = {}
    for p in sorted(root.rglob("*")):
        if skip is not None and (p == skip or skip in p.parents):
            continue
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


def config(env: Path, **settings) -> None:
    body = "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
    (env / "qa.toml").write_text("[phrase]\n" + body, encoding="utf-8")


def no_auth_seen(other: FakePhrase) -> bool:
    return not [e for e in other.log if "authorization" in e.headers]


# ---------------------------------------------------------------------------- paths
@pytest.mark.parametrize("code", ["../../../../escaped", "..", "pl/../../../../escaped", "ar/../../x",
                                  "..\\..\\escaped", "pl-PL/../.."])
def test_locale_code_that_climbs_out_of_out_is_refused(env, clock, capsys, code):
    fake = new_fake(clock, codes=("ar", code))
    out = env / "a" / "b" / "c" / "d" / "out"
    bait = env / "a" / "escaped" / "phrase" / "sfia-7.jsonl"  # where ../../../../escaped lands
    bait.parent.mkdir(parents=True)
    bait.write_text("keep me\n", encoding="utf-8")
    before = tree(env)
    with fake:
        rc, out_text, err = pull(capsys, fake, out)
    line = error_line(rc, err)
    assert "not a BCP-47 language tag" in line and repr(code)[1:-1][:20] in line
    assert tree(env, skip=out) == before  # nothing written or deleted outside --out
    assert not list(out.rglob("*.jsonl")) if out.exists() else True  # and nothing half-written inside


def test_absolute_locale_code_is_refused(env, clock, capsys):
    outside = Path("/tmp") / f"sfiaqa{secrets.token_hex(6)}"  # no '-' or '_': normalize_tag keeps it as is
    bait = outside / "phrase" / "sfia-7.jsonl"
    bait.parent.mkdir(parents=True)
    bait.write_text("keep me\n", encoding="utf-8")
    try:
        fake = new_fake(clock, codes=(str(outside),))
        with fake:
            rc, _, err = pull(capsys, fake, env / "out")
        line = error_line(rc, err)
        assert str(outside) in line
        assert tree(outside) == {"phrase/sfia-7.jsonl": b"keep me\n"}
    finally:
        shutil.rmtree(outside, ignore_errors=True)


def test_real_bcp47_tags_are_accepted(env, clock, capsys):
    codes = ("zh-Hans-CN", "es-419", "sr-Latn", "de-CH-1996", "ca-ES-valencia", "pt_BR")
    fake = new_fake(clock, 15, codes=codes)
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    assert rc == 0, err
    got = sorted(p.parent.parent.name for p in (env / "out").rglob("sfia-9.jsonl"))
    assert got == sorted(["zh-Hans-CN", "es-419", "sr-Latn", "de-CH-1996", "ca-ES-valencia", "pt-BR"])


def test_symlink_inside_out_does_not_lead_writes_or_deletes_outside(env, clock, capsys):
    fake = new_fake(clock)
    elsewhere = env / "elsewhere"
    bait = elsewhere / "phrase" / "sfia-7.jsonl"  # a stale-looking file the clean-up would delete
    bait.parent.mkdir(parents=True)
    bait.write_text("keep me\n", encoding="utf-8")
    out = env / "out"
    out.mkdir()
    (out / "ar").symlink_to(elsewhere, target_is_directory=True)
    before = tree(env)
    with fake:
        rc, _, err = pull(capsys, fake, out)
    line = error_line(rc, err)
    assert "leads outside" in line and "ar" in line
    assert tree(env) == before


def test_locale_map_to_a_path_is_a_config_error(env, clock, capsys):
    fake = new_fake(clock)
    with fake:
        (env / "qa.toml").write_text('[phrase.locale_map]\n"ar" = "../stolen"\n', encoding="utf-8")
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "[phrase.locale_map]" in line and "../stolen" in line
    assert not (env / "stolen").exists()


# ---------------------------------------------------------------------------- the token's destinations
def _links(fake: FakePhrase, other: FakePhrase) -> dict:
    port = fake.base_url.split(":")[2].split("/")[0]
    locales = f"/v2/projects/{PROJECT}/locales"
    return {
        "other-port": f"{other.base_url}/projects/{PROJECT}/locales?page=2",
        "other-port-token-in-link": f"{other.base_url}/collect?t={TOKEN}",
        "other-name": f"http://localhost:{port}{locales}?page=2",
        "outside-base-path": f"http://127.0.0.1:{port}/admin/export?page=2",
        "dot-segments": f"http://127.0.0.1:{port}/v2/../admin/export?page=2",
        "encoded-dot-segments": f"http://127.0.0.1:{port}/v2/%2e%2e/admin/export?page=2",
        "user-info": f"http://evil@127.0.0.1:{port}{locales}?page=2",
        "not-http": "file:///etc/passwd",
    }


@pytest.mark.parametrize("kind", ["other-port", "other-port-token-in-link", "other-name", "outside-base-path",
                                  "dot-segments", "encoded-dot-segments", "user-info", "not-http"])
def test_next_link_off_the_api_is_not_followed(env, clock, capsys, kind):
    fake = new_fake(clock)
    other = FakePhrase("other-token", PROJECT, clock)
    populate(other, ["ar"], 3)
    with fake, other:
        link = _links(fake, other)[kind]
        fake.next_link = lambda path, query, page, nxt: link if path.endswith("/locales") else nxt
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "refused the next-page link" in line
    assert link.replace(TOKEN, "***")[:40] in line
    assert no_auth_seen(other) and not other.log  # the other host heard nothing at all
    assert len(fake.log) == 1 and all(e.path.startswith("/v2/") for e in fake.log)
    assert not (env / "out").exists()


def test_https_to_http_downgrade_is_refused():
    """No TLS server here: the session's send is replaced by a stub answering from memory."""
    c = PhraseClient(TOKEN, "https://api.phrase.com/v2")
    sent = []

    def answer(link):
        def send(prepared, **kw):
            sent.append(prepared)
            r = requests.Response()
            r.status_code, r._content, r.url = 200, json.dumps([{"id": "l1", "code": "pl"}]).encode(), prepared.url
            r.headers["Content-Type"] = "application/json"
            if len(sent) == 1:
                r.headers["Link"] = f'<{link}>; rel="next"'
            return r
        return send

    c.session.send = answer("https://api.phrase.com/v2/projects/p/locales?page=2")  # same origin: followed
    assert len(c.locales("p")) == 2 and len(sent) == 2
    sent.clear()
    c.session.send = answer("http://api.phrase.com/v2/projects/p/locales?page=2")
    with pytest.raises(E.ForeignHostError) as ei:
        c.locales("p")
    assert "downgrade" in str(ei.value) and len(sent) == 1
    assert isinstance(ei.value, E.UserError) and ei.value.exit_code == 2


def test_auth_hook_itself_refuses_other_origins(clock):
    """Defence in depth: even a direct session call to another host gets no token."""
    fake, other = new_fake(clock), FakePhrase("x", PROJECT, clock)
    with fake, other, PhraseClient(TOKEN, fake.base_url) as c:
        with pytest.raises(E.ForeignHostError):
            c.session.get(other.base_url + f"/projects/{PROJECT}/locales")
        with pytest.raises(E.ForeignHostError):
            c.request("GET", other.base_url + f"/projects/{PROJECT}/locales")
        c.session.get(fake.base_url + f"/projects/{PROJECT}/locales")  # the API's own origin: fine
    assert not other.log
    assert fake.log[-1].headers["authorization"] == f"token {TOKEN}"


# ---------------------------------------------------------------------------- transient faults
@pytest.mark.parametrize("kind", ["cut", "cut-chunked"])
def test_body_cut_mid_stream_is_retried(env, clock, capsys, kind):
    clean, faulty = new_fake(clock), new_fake(clock)
    with clean:
        assert pull(capsys, clean, env / "a")[0] == 0
    faulty.inject(kind, count=2, path="/translations", after=1)
    faulty.inject(kind, count=1, path="/locales")
    with faulty:
        rc, out, err = pull(capsys, faulty, env / "b")
    assert rc == 0, err
    assert "3 retried" in out
    assert tree(env / "a", skip=env / "a" / ".phrase-cache") == tree(env / "b", skip=env / "b" / ".phrase-cache")


def test_body_cut_every_time_is_bounded(env, clock, capsys):
    fake = new_fake(clock)
    fake.inject("cut", count=100, path="/locales")
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "response cut off after 6 attempts" in line
    assert len(fake.log) == 6


def test_cut_answer_to_a_post_does_not_duplicate_the_comment(env, clock, capsys):
    fake = new_fake(clock)
    findings = env / "findings.jsonl"
    findings.write_text(json.dumps({"code": "QA201", "check": "c", "severity": "warning", "lang": "ar",
                                    "framework": 9, "skill": "Q0000", "element": "name", "message": "Hm."}) + "\n",
                        encoding="utf-8")
    fake.inject("cut", count=1, method="POST")  # applied, but the answer is cut short
    with fake:
        rc, out, err = run(capsys, "phrase", "push", "--project", PROJECT, "--base-url", fake.base_url,
                           "--findings", str(findings), "--apply")
    assert rc == 0, err
    assert sum(len(v) for v in fake.comments.values()) == 1
    assert len(fake.requests("POST")) == 1


# ---------------------------------------------------------------------------- hostile headers
FUTURE = object()


@pytest.mark.parametrize("status", ["429", "503"])
@pytest.mark.parametrize("value", ["-5", "nan", "NaN", "inf", "-inf", "1e400", "soon", "",
                                   "Wed, 21 Oct 2015 07:28:00 GMT", FUTURE])
def test_hostile_retry_after_is_parsed_defensively(env, clock, capsys, status, value):
    fake = new_fake(clock)
    if value is FUTURE:
        value = formatdate(clock.time() + 30, usegmt=True)  # an HTTP-date half a minute away
    fake.inject(status, count=2, path="/locales", headers={"Retry-After": value, "X-Rate-Limit-Reset": None})
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    assert rc == 0, err
    assert all(0 <= s <= 600 for s in clock.slept)
    if "GMT" in value and "2015" not in value:
        assert any(29 <= s <= 31 for s in clock.slept)
    assert fake.log[-1].status == 200


@pytest.mark.parametrize("reset", ["inf", "nan", "-5", "-1e9", "garbage"])
def test_hostile_rate_limit_reset_on_429_falls_back_to_backoff(env, clock, capsys, reset):
    fake = new_fake(clock)
    fake.inject("429", count=2, path="/locales", headers={"Retry-After": None, "X-Rate-Limit-Reset": reset})
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    assert rc == 0, err
    assert all(0 <= s <= 30 for s in clock.slept)


def test_429_reset_in_the_far_future_is_refused_without_waiting(env, clock, capsys):
    fake = new_fake(clock)
    fake.inject("429", count=1, path="/locales",
                headers={"Retry-After": None, "X-Rate-Limit-Reset": str(int(clock.time()) + 10**9)})
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "rate-limited" in line and "bound 600s" in line
    assert sum(clock.slept) == 0


@pytest.mark.parametrize("reset", ["day", "inf", "1e300"])
def test_pacing_on_a_200_is_bounded_by_max_wait(env, clock, capsys, reset):
    """A 200 saying 'no budget left until tomorrow' does not make the pull sleep a day."""
    fake = new_fake(clock)
    value = str(int(clock.time()) + 86400) if reset == "day" else reset
    fake.inject("headers", count=1, path="/locales",
                headers={"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": value})
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    assert sum(clock.slept) <= 600
    if reset == "inf":  # not a time: ignored
        assert rc == 0, err
    else:
        line = error_line(rc, err)
        assert "more than the 600s bound" in line and "max_wait" in line


def test_negative_remaining_budget_counts_as_none(env, clock, capsys):
    fake = new_fake(clock)
    fake.inject("headers", count=1, path="/locales",
                headers={"X-Rate-Limit-Remaining": "-3", "X-Rate-Limit-Reset": str(int(clock.time()) + 10)})
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    assert rc == 0, err
    assert clock.slept and all(9 <= s <= 11 for s in clock.slept)  # waited for the reset


# ---------------------------------------------------------------------------- hostile bodies
@pytest.mark.parametrize("body", [b"[1, 2]", b"[null]", b'["pl"]', b'[{"id": "x"}]', b'[{"id": "x", "code": 5}]',
                                  b'[{"id": 7, "code": "pl"}]', b'{"data": []}', b'"text"', b"not json",
                                  b"[" * 100_000])
def test_locales_of_the_wrong_shape_are_one_line(env, clock, capsys, body):
    fake = new_fake(clock)
    fake.inject("body", count=1, path="/locales", body=body)
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert f"phrase GET /projects/{PROJECT}/locales" in line
    assert not (env / "out").exists()


@pytest.mark.parametrize("item", [{"id": "t1", "key": "sfia9.Q0000.name", "content": "x"},
                                  {"id": "t1", "key": {"id": "k"}, "content": "x"},
                                  {"id": "t1", "key": {"id": "k", "name": "sfia9.Q0000.name"}, "content": 5},
                                  "sfia9.Q0000.name"])
def test_translations_of_the_wrong_shape_are_one_line(env, clock, capsys, item):
    fake = new_fake(clock)
    fake.inject("body", count=1, path="/translations", body=json.dumps([item]).encode())
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "not pulled, previous files kept" in line and "/translations" in line and "item 1" in line


def test_comments_of_the_wrong_shape_stop_a_push(env, clock, capsys):
    fake = new_fake(clock)
    findings = env / "findings.jsonl"
    findings.write_text(json.dumps({"code": "QA201", "check": "c", "severity": "warning", "lang": "ar",
                                    "framework": 9, "skill": "Q0000", "element": "name", "message": "Hm."}) + "\n",
                        encoding="utf-8")
    fake.inject("body", count=1, path="/comments", body=b'["[sfia-qa:0123456789ab]"]')
    with fake:
        rc, _, err = run(capsys, "phrase", "push", "--project", PROJECT, "--base-url", fake.base_url,
                         "--findings", str(findings), "--apply")
    line = error_line(rc, err)
    assert "/comments" in line and "not an object" in line
    assert not fake.requests("POST")


# ---------------------------------------------------------------------------- unbounded time and size
def test_next_link_to_itself_is_a_loop(env, clock, capsys):
    fake = new_fake(clock)
    with fake:
        fake.next_link = lambda path, query, page, nxt: (
            f"{fake.base_url.rsplit('/v2', 1)[0]}{path}?per_page=100" if path.endswith("/locales") else nxt)
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "loop back to a page already fetched" in line
    assert len(fake.log) <= 2


def test_next_links_in_a_cycle_are_a_loop(env, clock, capsys):
    fake = new_fake(clock, 250)  # 3 pages of translations a locale

    def cycle(path, query, page, nxt):
        if path.endswith("/translations") and page == 3:  # the last page links back to the first
            return f"{fake.base_url.rsplit('/v2', 1)[0]}{path}?order=asc&per_page=100&sort=key_name"
        return nxt

    fake.next_link = cycle
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "loop back" in line and "not pulled" in line
    assert len(fake.log) <= 1 + 2 * 3  # pages 1, 2, 3 of each locale, then the link back to page 1 is refused


def test_endless_pages_are_bounded_by_max_pages(env, clock, capsys):
    fake = new_fake(clock)
    base = None

    def endless(path, query, page, nxt):
        return f"{base}{path}?page={page + 1}&per_page=100" if path.endswith("/locales") else nxt

    with fake:
        base = fake.base_url.rsplit("/v2", 1)[0]
        fake.next_link = endless
        config(env, max_pages=5)
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "more than 5 pages" in line and "max_pages" in line
    assert len(fake.log) == 5


def test_deadline_is_checked_between_requests(env, clock, capsys):
    fake = new_fake(clock)
    fake.inject("503", count=100, path="/locales", headers={"Retry-After": "100"})
    with fake:
        config(env, deadline=250)
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "deadline of 250s" in line
    assert sum(clock.slept) <= 250 and len(fake.log) == 3


@pytest.mark.parametrize("kind", ["drip", "drip-headers"])
def test_a_slow_drip_is_cut_by_the_deadline_in_real_time(env, capsys, kind):
    """The body, or the headers, a byte every 50 ms: every read gets its byte in time, so only the
    run's deadline can end the wait (20 s for the body; 100 s, or for ever, for the headers)."""
    fake = new_fake(FakeClock())
    fake.drip_interval = 0.05
    fake.inject(kind, count=1, path="/locales")
    with fake:
        config(env, deadline=1)
        t0 = time.monotonic()
        rc, _, err = pull(capsys, fake, env / "out")
        took = time.monotonic() - t0
    line = error_line(rc, err)
    assert "deadline of 1s" in line and took < 4
    assert not (env / "out").exists()


def test_a_body_is_utf8_whatever_its_content_type_says(env, clock, capsys):
    """A latin-1 label on UTF-8 JSON must not garble the Polish; a byte that is not UTF-8 stops the pull."""
    fake = new_fake(clock)
    with fake:
        assert pull(capsys, fake, env / "good")[0] == 0
        fake.inject("headers", count=2, path="/translations", headers={"Content-Type": "text/plain; charset=iso-8859-1"})
        assert pull(capsys, fake, env / "labelled")[0] == 0
        assert tree(env / "labelled") == tree(env / "good")
        bad = json.dumps([{"id": "t1", "content": "Zarz\u0105dzanie"}]).encode().replace(b"\\u0105", b"\xff")
        fake.inject("body", count=2, path="/translations", body=bad)
        rc, _, err = pull(capsys, fake, env / "bad")
    assert "not UTF-8 (byte 0xff" in error_line(rc, err)
    assert not tree(env / "bad")


def test_a_listing_is_bounded_as_a_whole_not_only_page_by_page(env, clock, capsys):
    fake = new_fake(clock, n_keys=400)
    with fake:
        config(env, max_bytes=60_000)  # a page of 100 keys is about 37 KB; the listing about 150 KB
        rc, _, err = pull(capsys, fake, env / "out")
    assert "the listing's pages add up to more than the 60000 byte bound" in error_line(rc, err)


def test_a_long_server_message_cannot_show_part_of_the_token_or_drive_the_terminal(env, clock, capsys):
    fake = new_fake(clock)
    message = "x" * 180 + TOKEN + " \x1b]0;PWNED\x07\x1b[2J\u202e fake: all good"
    with fake:
        fake.inject("body", count=1, path="/locales", body=json.dumps({"message": message}).encode(), status=403)
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert TOKEN[:8] not in line and "\x1b" not in line and "\x07" not in line and "\u202e" not in line


def test_malformed_headers_are_exit_2(env, clock, capsys):
    fake = new_fake(clock)
    with fake:
        fake.inject("headers", count=10, path="/locales", headers={"Content-Length": "5, 6"})
        rc, _, err = pull(capsys, fake, env / "out")
    assert error_line(rc, err)


def test_response_larger_than_the_bound_is_refused(env, clock, capsys):
    fake = new_fake(clock, 60)
    with fake:
        config(env, max_bytes=3000)
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "more than the 3000 byte bound" in line


def test_compressed_response_is_bounded_after_decompression(env, clock, capsys):
    fake = new_fake(clock)
    bomb = gzip.compress(b"[" + b" " * 200_000 + b"]")  # ~200 bytes on the wire, 200 kB unpacked
    fake.inject("body", count=1, path="/locales", body=bomb, headers={"Content-Encoding": "gzip"})
    with fake:
        config(env, max_bytes=50_000)
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "larger than the 50000 byte bound" in line


@pytest.mark.parametrize("setting", [{"deadline": 0}, {"deadline": -1}, {"max_pages": 2.5}, {"max_bytes": "big"},
                                     {"max_wait": True}])
def test_bad_bounds_in_config_are_one_line(env, capsys, setting):
    config(env, project=PROJECT, **setting)
    rc, _, err = run(capsys, "phrase", "pull")
    line = error_line(rc, err)
    assert f"[phrase] {next(iter(setting))} must be" in line


# ---------------------------------------------------------------------------- secrets
def test_token_never_leaves_on_hostile_paths(env, clock, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    fake = new_fake(clock)
    other = FakePhrase("x", PROJECT, clock)
    seen = []
    with fake, other:
        fake.inject("body", count=1, path="/locales", body=json.dumps({"message": f"bad token {TOKEN}"}).encode(),
                    status=400)
        seen.append(pull(capsys, fake, env / "o1"))
        fake.inject("cut", count=1, path="/translations")
        seen.append(pull(capsys, fake, env / "o2"))
        link = f"{other.base_url}/steal?token={TOKEN}"
        fake.next_link = lambda path, query, page, nxt: link
        seen.append(pull(capsys, fake, env / "o3"))
        fake.next_link = None
        fake.inject("body", count=1, path="/translations", body=json.dumps([{"id": TOKEN}]).encode())
        seen.append(pull(capsys, fake, env / "o4"))
        # Our own origin, but a link carrying the token would land in debug logs and the page cache.
        fake.next_link = lambda path, query, page, nxt: (f"{fake.base_url}/projects/{PROJECT}/x?page=2&t={TOKEN}"
                                                          if path.endswith("/translations") else nxt)
        seen.append(pull(capsys, fake, env / "o5"))
    assert [rc for rc, _, _ in seen] == [2, 0, 2, 2, 2]
    assert "carries the access token" in seen[4][2]
    assert "***" in seen[0][2] and "***" in seen[2][2]  # the server's message and the link, token blotted out
    texts = [o + e for _, o, e in seen] + [caplog.text] + [r.getMessage() for r in caplog.records]
    texts += [p.read_bytes().decode("utf-8", "replace") for p in env.rglob("*") if p.is_file()]
    assert not [t for t in texts if TOKEN in t]
    assert no_auth_seen(other)


# ---------------------------------------------------------------------------- the transport is API-agnostic
def test_transport_with_page_number_pagination_and_another_auth_scheme():
    """What a Phrase TMS client needs: `ApiToken` auth, pageNumber/pageSize with totalPages."""
    t = Transport("https://cloud.memsource.com/web/api2", "tms-secret-99", auth_scheme="ApiToken",
                  pagination=PageNumberPagination(page_size=2))
    sent = []
    pages = {0: ["a", "b"], 1: ["c", "d"], 2: ["e"]}

    def send(prepared, **kw):
        sent.append(prepared)
        n = int(parse_qs(urlsplit(prepared.url).query)["pageNumber"][0])
        r = requests.Response()
        r.status_code, r.url = 200, prepared.url
        r._content = json.dumps({"content": [{"uid": x} for x in pages[n]], "totalPages": 3, "pageNumber": n}).encode()
        return r

    t.session.send = send
    got = t.get_all("/v1/projects", fields={"uid": str})
    assert [g["uid"] for g in got] == ["a", "b", "c", "d", "e"]
    assert [p.headers["Authorization"] for p in sent] == ["ApiToken tms-secret-99"] * 3
    assert "pageSize=2" in sent[0].url and "pageNumber=2" in sent[2].url
