"""`sfia-qa tms pull` / `tms upload` and the Phrase TMS client against a fake TMS on a real socket.

What a user relies on: a pull writes each job's MXLIFF byte for byte, the same through 429s, 503s,
dropped connections and cut bodies as through a clean run; a failed pull keeps the previous
files; nothing is written outside ``--out``; an upload without ``--apply`` sends no write; every
hostile case ends in bounded (virtual) time with exit 2 and one line; the token and password are
never printed, logged or written.
"""

from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path

import pytest
from fake_tms import SAMPLES, FakeClock, FakeTMS, many_jobs, mxliff

from pipeline import cli
from pipeline.phrase import errors as E
from pipeline.phrase import tms as tms_mod
from pipeline.phrase.tms import TmsClient

TOKEN = "tms-api-token-Hq93XvLp"
PROJECT = "projSFIA9"


@pytest.fixture
def clock(monkeypatch):
    c = FakeClock()
    monkeypatch.setattr(tms_mod, "_clock", c.time)
    monkeypatch.setattr(tms_mod, "_sleep", c.sleep)
    return c


@pytest.fixture
def env(monkeypatch, tmp_path):
    for var in ("PHRASE_TMS_TOKEN", "PHRASE_TMS_USER", "PHRASE_TMS_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PHRASE_TMS_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def new_fake(clock, samples=True, **kw) -> FakeTMS:
    f = FakeTMS(TOKEN, PROJECT, clock, **kw)
    if samples:
        f.add_samples()
    return f


def run(capsys, *args) -> tuple[int, str, str]:
    rc = cli.main(list(args))
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    assert "Traceback" not in err
    return rc, out, err


def pull(capsys, fake, out, *extra):
    return run(capsys, "tms", "pull", "--project", PROJECT, "--base-url", fake.base_url, "--out", str(out), *extra)


def error_line(rc: int, err: str) -> str:
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sfia-qa: error: ")
    return lines[0]


def tree(root: Path, skip: Path | None = None) -> dict[str, bytes]:
    out = {}
    for p in sorted(root.rglob("*")) if root.exists() else []:
        if skip is not None and (p == skip or skip in p.parents):
            continue
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


def config(env: Path, **settings) -> None:
    body = "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
    (env / "qa.toml").write_text("[tms]\n" + body, encoding="utf-8")


SAMPLE_FILES = {"ar/tms/CSMG.mxliff": SAMPLES["ar"].read_bytes(), "pl/tms/CSMG.mxliff": SAMPLES["pl"].read_bytes()}


# ---------------------------------------------------------------------------- pull
def test_pull_writes_each_job_byte_for_byte(env, clock, capsys):
    fake = new_fake(clock)
    with fake:
        rc, out, err = pull(capsys, fake, env / "translations")
    assert rc == 0, err
    assert tree(env / "translations") == SAMPLE_FILES
    assert "pulled 2 job(s) (ar 1, pl 1)" in out
    jobs, downloads = fake.requests("GET", "/jobs"), fake.requests("POST", "/bilingualFile")
    assert [dict(e.query) for e in jobs] == [{"pageNumber": "0", "pageSize": "50"}]
    assert sorted(json.loads(e.body)["jobs"][0]["uid"] for e in downloads) == ["ar9CSMGdraftJob01", "pl9CSMGbetaJob01"]
    assert all(dict(e.query)["format"] == "MXLF" for e in downloads)
    assert {e.headers["authorization"] for e in fake.log} == {f"ApiToken {TOKEN}"}
    assert all(e.headers["user-agent"].startswith("sfia-qa/") for e in fake.log)
    assert not fake.writes()


def test_pull_through_429_503_and_dropped_connections_writes_the_same_files(env, clock, capsys):
    clean = new_fake(clock)
    with clean:
        assert pull(capsys, clean, env / "a")[0] == 0
    faulty = new_fake(clock)
    faulty.inject("429", count=2, path="/jobs")
    faulty.inject("503", count=1, path="/bilingualFile")
    faulty.inject("drop", count=1, path="/bilingualFile", after=1)
    faulty.inject("cut", count=1, path="/bilingualFile")
    with faulty:
        rc, out, err = pull(capsys, faulty, env / "b")
    assert rc == 0, err
    assert tree(env / "a") == tree(env / "b") == SAMPLE_FILES
    assert "rate-limited" in out and "retried" in out
    statuses = [e.status for e in faulty.log]
    assert statuses.count(429) == 2 and 503 in statuses and None in statuses
    assert sum(clock.slept) < 120  # Retry-After: 1 and short backoffs, in virtual time


def test_pull_of_a_big_project_pages_by_50_and_stays_within_the_concurrency_cap(env, clock, capsys):
    fake = new_fake(clock, max_concurrent=2)
    many_jobs(fake, 118)
    with fake:
        rc, out, err = pull(capsys, fake, env / "t", "--langs", "pl")
    assert rc == 0, err
    pages = fake.requests("GET", "/jobs")
    assert [dict(e.query)["pageNumber"] for e in pages] == ["0", "1", "2"]
    assert all(dict(e.query)["pageSize"] == "50" for e in pages)
    written = tree(env / "t")
    assert len(written) == 60 and set(p.split("/")[0] for p in written) == {"pl"}
    assert written["pl/tms/CSMG.mxliff"] == SAMPLES["pl"].read_bytes()
    assert fake.max_in_flight <= 2 and not [e for e in fake.log if e.status == 429]


def test_client_keeps_the_per_minute_budget():
    clock = FakeClock()
    fake = FakeTMS(TOKEN, PROJECT, clock, per_minute=5)
    many_jobs(fake, 12)
    with fake, TmsClient(TOKEN, fake.base_url, requests_per_minute=5, clock=clock.time, sleep=clock.sleep,
                         rng=random.Random(3)) as c:
        jobs = c.jobs(PROJECT)
        for j in jobs:
            c.bilingual_file(PROJECT, j["uid"])
    assert len(fake.log) == 13 and not [e for e in fake.log if e.status == 429]
    assert sum(clock.slept) >= 120  # 13 requests at 5 a minute: two waits for the window


def test_step_and_langs_choose_the_jobs(env, clock, capsys):
    fake = new_fake(clock)
    fake.add_job("pl", "CSMG.xlf", mxliff("plRevision01", "pl", {"sfia9.CSMG.name": "Wsparcie"}), level=2)
    with fake:
        rc, out, err = pull(capsys, fake, env / "t", "--step", "2")
        assert rc == 0, err
        assert tree(env / "t") == {"pl/tms/CSMG.mxliff": fake.files["plRevision01"]}
        assert dict(fake.requests("GET", "/jobs")[-1].query)["workflowLevel"] == "2"
        rc, _, err = pull(capsys, fake, env / "t2", "--langs", "cs")
    line = error_line(rc, err)
    assert "no job in cs" in line and "ar, pl" in line


def test_a_failed_pull_keeps_the_previous_files(env, clock, capsys):
    fake = new_fake(clock)
    with fake:
        assert pull(capsys, fake, env / "t")[0] == 0
        before = tree(env)
        fake.files["pl9CSMGbetaJob01"] = mxliff("pl9CSMGbetaJob01", "pl", {"sfia9.CSMG.name": "nowy"})
        fake.inject("500", count=100, path="/bilingualFile", after=1)
        rc, _, err = pull(capsys, fake, env / "t")
    line = error_line(rc, err)
    assert "not pulled, previous files kept" in line
    assert tree(env) == before
    assert not [p for p in (env / "t").rglob("*.tmp")]


def test_a_job_gone_from_the_project_is_removed_from_its_folder(env, clock, capsys):
    fake = new_fake(clock)
    (env / "t" / "pl" / "tms").mkdir(parents=True)
    (env / "t" / "pl" / "tms" / "OLD.mxliff").write_bytes(b"<old/>")
    (env / "t" / "pl" / "tms" / "README.md").write_text("kept\n", encoding="utf-8")
    with fake:
        rc, out, err = pull(capsys, fake, env / "t")
    assert rc == 0, err
    assert "removed" in out and not (env / "t" / "pl" / "tms" / "OLD.mxliff").exists()
    assert (env / "t" / "pl" / "tms" / "README.md").exists()


def test_segments_reads_the_pulled_jobs(env, clock, capsys):
    fake = new_fake(clock)
    with fake:
        assert pull(capsys, fake, env / "t")[0] == 0
    rc, out, err = run(capsys, "segments", str(env / "t" / "pl" / "tms" / "CSMG.mxliff"), "--format", "jsonl")
    assert rc == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    keys = {(r["skill"], r["element"], r.get("level"), r.get("item")) for r in rows}
    assert ("CSMG", "name", None, None) in keys and len(rows) >= 10
    assert all(r["lang"] == "pl" for r in rows)
    assert {r["trans_origin"] for r in rows} >= {"tm", "mt"}
    assert all(r["job"] == "pl9CSMGbetaJob01" for r in rows)


# ---------------------------------------------------------------------------- hostile names
@pytest.mark.parametrize("code", ["../../../../escaped", "..", "pl/../../x", "..\\..\\escaped", "/tmp/abs", "pl pl", ""])
def test_target_language_that_is_not_a_tag_is_refused(env, clock, capsys, code):
    fake = new_fake(clock)
    fake.add_job(code, "X.xlf", mxliff("evilJob", "pl", {"sfia9.CSMG.name": "x"}))
    out = env / "a" / "b" / "c" / "d" / "out"
    before = tree(env)
    with fake:
        rc, _, err = pull(capsys, fake, out)
    line = error_line(rc, err)
    assert "not a BCP-47 language tag" in line
    assert tree(env) == before
    assert not fake.requests("POST", "/bilingualFile")  # refused before any download


@pytest.mark.parametrize("filename, expected", [
    ("../../../../evil.xlf", "evil.mxliff"), ("..\\..\\win.xlf", "win.mxliff"), (".hidden.xlf", "hidden.mxliff"),
    ("a/b/deep.docx", "deep.mxliff"), ("", "jobX1.mxliff"), ("..", "jobX1.mxliff"), ("x" * 300 + ".xlf", "x" * 100 + ".mxliff"),
    ("Umiejętności CSMG (v9).xlf", "Umiejętności_CSMG_v9.mxliff"), ("\u202etxt.exe.xlf", "txt.exe.mxliff"),
])
def test_server_file_names_are_reduced_to_plain_names(env, clock, capsys, filename, expected):
    fake = new_fake(clock, samples=False)
    content = mxliff("jobX1", "pl", {"sfia9.CSMG.name": "x"})
    fake.add_job("pl", filename, content, uid="jobX1")
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    assert rc == 0, err
    assert tree(env) == {f"out/pl/tms/{expected}": content}


def test_bytes_are_kept_as_sent_bom_and_crlf_included(env, clock, capsys):
    fake = new_fake(clock, samples=False)
    content = b"\xef\xbb\xbf" + mxliff("crlfJob", "ar", {"sfia9.CSMG.name": "دعم خدمة العملاء"}).replace(b"\n", b"\r\n")
    fake.add_job("ar", "CSMG.xlf", content)
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    assert rc == 0, err
    assert (env / "out" / "ar" / "tms" / "CSMG.mxliff").read_bytes() == content


def test_jobs_sharing_a_file_name_get_their_uid(env, clock, capsys):
    fake = new_fake(clock, samples=False)
    a, b = mxliff("part1", "pl", {"sfia9.CSMG.name": "a"}), mxliff("part2", "pl", {"sfia9.CSMG.level.3": "b"})
    fake.add_job("pl", "CSMG.xlf", a, uid="part1")
    fake.add_job("pl", "csmg.XLF", b, uid="part2")  # the same name to a case-insensitive file system
    c = mxliff("part3", "pl", {"sfia9.CSMG.level.3": "b"})
    fake.add_job("pl_PL", "CSMG.xlf", c, uid="part3")  # another folder: no clash
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    assert rc == 0, err
    assert tree(env / "out") == {"pl/tms/CSMG-part1.mxliff": a, "pl/tms/csmg-part2.mxliff": b,
                                 "pl-PL/tms/CSMG.mxliff": c}


def test_a_download_that_is_another_jobs_file_is_refused(env, clock, capsys):
    """Kept, it would be uploaded later to the job its m:task-id names."""
    fake = new_fake(clock, samples=False)
    fake.add_job("pl", "CSMG.xlf", mxliff("other", "pl", {"sfia9.CSMG.name": "a"}), uid="mine")
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    assert "names job(s) other (m:task-id), not this job" in error_line(rc, err)
    assert not tree(env / "out")


def test_symlink_in_out_does_not_lead_writes_outside(env, clock, capsys):
    fake = new_fake(clock)
    elsewhere = env / "elsewhere"
    (elsewhere / "tms").mkdir(parents=True)
    (elsewhere / "tms" / "KEEP.mxliff").write_bytes(b"keep me")
    out = env / "out"
    out.mkdir()
    (out / "pl").symlink_to(elsewhere, target_is_directory=True)
    before = tree(env)
    with fake:
        rc, _, err = pull(capsys, fake, out)
    line = error_line(rc, err)
    assert "leads outside" in line
    assert tree(env) == before


# ---------------------------------------------------------------------------- hostile bodies
@pytest.mark.parametrize("body, says", [
    (b"not xml at all", "malformed XML"), (b"<html><body>Login</body></html>", "not an XLIFF 1.2 document"),
    (b'<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2"/>', "without a <file>"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "unsafe XML"),
    (b"\xff\xfe<\x00x\x00", "not UTF-8"),
    (mxliff("pl9CSMGbetaJob01", "ar", {"sfia9.CSMG.name": "x"}), "target-language is 'ar'"),
])
def test_a_download_that_is_not_the_jobs_mxliff_is_one_line(env, clock, capsys, body, says):
    fake = new_fake(clock, samples=False)
    fake.add_job("pl", "CSMG.xlf", SAMPLES["pl"].read_bytes())
    fake.inject("body", count=1, path="/bilingualFile", body=body)
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert says in line and "not pulled, previous files kept" in line
    assert not (env / "out").exists()


@pytest.mark.parametrize("body", [b'{"content": "x", "totalPages": 1}', b"[]", b'{"content": [{"uid": 5}]}',
                                  b'{"content": [{"uid": "j", "targetLang": null}]}', b"null", b"[" * 50_000])
def test_a_job_list_of_the_wrong_shape_is_one_line(env, clock, capsys, body):
    fake = new_fake(clock)
    fake.inject("body", count=1, path="/jobs", body=body)
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert f"tms GET /api2/v2/projects/{PROJECT}/jobs" in line
    assert not fake.requests("POST", "/bilingualFile")


def test_a_page_pointing_elsewhere_is_not_followed(env, clock, capsys):
    """TMS pages carry no links: the next page is our own request with pageNumber + 1, whatever
    the page says about itself or where it would send us."""
    fake, other = new_fake(clock), FakeTMS("x", PROJECT, clock)
    with fake, other:
        page = {"content": [fake.jobs[0]], "totalPages": 2, "pageNumber": 7, "pageSize": 1,
                "next": f"{other.base_url}/api2/v2/projects/{PROJECT}/jobs?pageNumber=1",
                "links": {"next": f"{other.base_url}/steal"}}
        fake.inject("body", count=1, path="/jobs", body=json.dumps(page).encode())
        rc, _, err = pull(capsys, fake, env / "out")
    assert rc == 0, err
    assert [dict(e.query)["pageNumber"] for e in fake.requests("GET", "/jobs")] == ["0", "1"]
    assert not other.log


# ---------------------------------------------------------------------------- bounded in time
def test_a_job_list_that_never_ends_is_bounded_by_max_pages(env, clock, capsys):
    fake = new_fake(clock)
    fake.total_pages = 10**9
    config(env, max_pages=7)
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "more than 7 pages ([tms] max_pages)" in line
    assert len(fake.log) == 7


@pytest.mark.parametrize("total", ["many", "2", -3, 1.5])
def test_a_nonsense_page_count_stops_the_pull_and_keeps_the_files(env, clock, capsys, total):
    """Read as "no more pages", a nonsense count would cut the job list short, and the pull
    would then remove the files of the jobs it did not see."""
    fake = new_fake(clock)
    with fake:
        assert pull(capsys, fake, env / "out")[0] == 0
    before = {p: p.read_bytes() for p in (env / "out").rglob("*") if p.is_file()}
    assert before
    fake = new_fake(clock)
    fake.total_pages = total
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "the page count 'totalPages'" in line and "not a whole number" in line
    assert {p: p.read_bytes() for p in (env / "out").rglob("*") if p.is_file()} == before


def test_a_far_retry_after_is_refused_without_waiting(env, clock, capsys):
    fake = new_fake(clock)
    fake.inject("429", count=1, path="/jobs", headers={"Retry-After": str(10**8)})
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "rate-limited" in line or "more than the 600s bound" in line
    assert sum(clock.slept) == 0


def test_persistent_dropped_connections_are_bounded(env, clock, capsys):
    fake = new_fake(clock)
    fake.inject("drop", count=100, path="/bilingualFile")
    with fake:
        t0 = time.monotonic()
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "no complete answer after 6 attempts" in line and "previous files kept" in line
    assert len(fake.requests("POST", "/bilingualFile")) <= 12 and time.monotonic() - t0 < 5
    assert sum(clock.slept) < 300


def test_deadline_bounds_a_server_that_keeps_failing(env, clock, capsys):
    fake = new_fake(clock)
    fake.inject("503", count=100, path="/jobs", headers={"Retry-After": "100"})
    config(env, deadline=250)
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "deadline of 250s for the whole run ([tms] deadline)" in line and sum(clock.slept) <= 250


def test_a_slow_drip_is_cut_by_the_deadline_in_real_time(env, capsys):
    fake = new_fake(FakeClock())
    fake.drip_interval = 0.05
    fake.inject("drip", count=1, path="/bilingualFile")
    config(env, deadline=1)
    with fake:
        t0 = time.monotonic()
        rc, _, err = pull(capsys, fake, env / "out")
        took = time.monotonic() - t0
    line = error_line(rc, err)
    assert "deadline" in line and took < 4
    assert not (env / "out").exists()


def test_a_body_over_max_bytes_is_refused(env, clock, capsys):
    fake = new_fake(clock)
    config(env, max_bytes=20_000)
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    line = error_line(rc, err)
    assert "more than the 20000 byte bound ([tms] max_bytes)" in line


# ---------------------------------------------------------------------------- upload
def _pulled(env, clock, capsys, fake) -> Path:
    assert pull(capsys, fake, env / "t")[0] == 0
    f = env / "t" / "pl" / "tms" / "CSMG.mxliff"
    f.write_bytes(f.read_bytes().replace("Dział obsługi klienta".encode(), "Dział obsługi klientów".encode(), 1))
    return f


def test_upload_without_apply_sends_no_write(env, clock, capsys):
    fake = new_fake(clock)
    with fake:
        f = _pulled(env, clock, capsys, fake)
        n = len(fake.log)
        rc, out, err = run(capsys, "tms", "upload", str(f), "--project", PROJECT, "--base-url", fake.base_url)
    assert rc == 0, err
    assert f"would upload {f} -> job pl9CSMGbetaJob01 (pl, CSMG.xlf, step 1)" in out and "--apply" in out
    assert not fake.writes() and not fake.uploads
    assert {e.method for e in fake.log[n:]} == {"GET"}


def test_upload_with_apply_sends_the_file(env, clock, capsys):
    fake = new_fake(clock)
    with fake:
        f = _pulled(env, clock, capsys, fake)
        fake.inject("503", count=1, method="PUT")
        rc, out, err = run(capsys, "tms", "upload", str(f), "--project", PROJECT, "--base-url", fake.base_url,
                           "--apply")
    assert rc == 0, err
    assert f"uploaded {f} -> job pl9CSMGbetaJob01" in out and "done: uploaded 1 file(s)" in out
    puts = fake.requests("PUT")
    assert [e.status for e in puts] == [503, 200]
    assert puts[-1].body == f.read_bytes() and puts[-1].headers["content-type"] == "application/octet-stream"
    assert dict(puts[-1].query) == {"format": "MXLF", "saveToTransMemory": "Confirmed", "setCompleted": "false"}
    assert fake.files["pl9CSMGbetaJob01"] == f.read_bytes()


@pytest.mark.parametrize("case", ["other-project", "other-lang", "not-mxliff", "two-jobs", "missing"])
def test_upload_of_a_file_that_is_not_a_job_of_the_project_is_refused(env, clock, capsys, case):
    fake = new_fake(clock)
    f = env / "x.mxliff"
    if case == "other-project":
        f.write_bytes(mxliff("someoneElsesJob", "pl", {"sfia9.CSMG.name": "x"}))
    elif case == "other-lang":
        f.write_bytes(mxliff("pl9CSMGbetaJob01", "ar", {"sfia9.CSMG.name": "x"}))
    elif case == "not-mxliff":
        f.write_bytes(b"<xliff/>")
    elif case == "two-jobs":
        one = mxliff("ar9CSMGdraftJob01", "ar", {"sfia9.CSMG.name": "x"}).decode()
        f.write_text(one.replace("</file>", '</file><file target-language="ar" m:task-id="pl9CSMGbetaJob01"/>'),
                     encoding="utf-8")
    with fake:
        rc, _, err = run(capsys, "tms", "upload", str(f), "--project", PROJECT, "--base-url", fake.base_url, "--apply")
    line = error_line(rc, err)
    assert str(f) in line
    assert not fake.writes()


# ---------------------------------------------------------------------------- credentials
def test_login_with_user_name_and_password(env, clock, capsys, monkeypatch):
    monkeypatch.delenv("PHRASE_TMS_TOKEN")
    monkeypatch.setenv("PHRASE_TMS_USER", "sfia.pm")
    monkeypatch.setenv("PHRASE_TMS_PASSWORD", "pw-not-a-real-one")
    fake = new_fake(clock)
    with fake:
        fake.inject("drop", count=1, path="/auth/login")
        rc, out, err = pull(capsys, fake, env / "t")
    assert rc == 0, err
    login = fake.requests("POST", "/auth/login")
    assert [e.status for e in login] == [None, 200] and "authorization" not in login[-1].headers
    assert json.loads(login[-1].body) == {"userName": "sfia.pm", "password": "pw-not-a-real-one"}
    issued = json.loads(login[-1].resp_body)["token"]
    assert {e.headers["authorization"] for e in fake.log if "/auth/" not in e.path} == {f"ApiToken {issued}"}
    assert "pw-not-a-real-one" not in out + err and issued not in out + err
    assert tree(env / "t") == SAMPLE_FILES


def test_wrong_password_is_one_line(env, clock, capsys, monkeypatch):
    monkeypatch.delenv("PHRASE_TMS_TOKEN")
    monkeypatch.setenv("PHRASE_TMS_USER", "sfia.pm")
    monkeypatch.setenv("PHRASE_TMS_PASSWORD", "wrong-Pass-77")
    fake = new_fake(clock)
    with fake:
        rc, _, err = pull(capsys, fake, env / "t")
    line = error_line(rc, err)
    assert "user name or password refused" in line and "wrong-Pass-77" not in line
    assert len(fake.log) == 1


@pytest.mark.parametrize("setup, says", [
    ({}, "PHRASE_TMS_TOKEN: not set"), ({"PHRASE_TMS_TOKEN": "two words"}, "empty or malformed"),
    ({"PHRASE_TMS_TOKEN": "wrong-token-123"}, "API token was refused (HTTP 401)"),
])
def test_missing_or_refused_token_is_one_line(env, clock, capsys, monkeypatch, setup, says):
    monkeypatch.delenv("PHRASE_TMS_TOKEN")
    for k, v in setup.items():
        monkeypatch.setenv(k, v)
    fake = new_fake(clock)
    with fake:
        rc, _, err = pull(capsys, fake, env / "t")
    assert says in error_line(rc, err)


@pytest.mark.parametrize("setting, says", [
    ({"workflow_step": 0}, "[tms] workflow_step"), ({"deadline": -1}, "[tms] deadline"),
    ({"save_to_tm": "Some"}, "[tms] save_to_tm"), ({"token": "x"}, "unknown key 'token'"),
    ({"max_pages": 2.5}, "[tms] max_pages"),
])
def test_bad_settings_are_one_line(env, capsys, setting, says):
    config(env, project=PROJECT, **setting)
    rc, _, err = run(capsys, "tms", "pull")
    assert says in error_line(rc, err)


def test_no_project_is_one_line(env, capsys):
    rc, _, err = run(capsys, "tms", "pull")
    assert "--project" in error_line(rc, err)


def test_token_never_leaves_on_hostile_paths(env, clock, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    fake = new_fake(clock)
    seen = []
    with fake:
        fake.inject("body", count=1, path="/jobs", status=400,
                    body=json.dumps({"message": f"bad token {TOKEN}", "errorDescription": TOKEN}).encode())
        seen.append(pull(capsys, fake, env / "o1"))
        fake.inject("body", count=1, path="/bilingualFile", body=f"<x>{TOKEN}</x>".encode())
        seen.append(pull(capsys, fake, env / "o2"))
        fake.inject("cut", count=1, path="/bilingualFile")
        seen.append(pull(capsys, fake, env / "o3"))
    assert [rc for rc, _, _ in seen] == [2, 2, 0]
    assert "***" in seen[0][2]
    texts = [o + e for _, o, e in seen] + [caplog.text] + [r.getMessage() for r in caplog.records]
    texts += [p.read_bytes().decode("utf-8", "replace") for p in env.rglob("*") if p.is_file()]
    assert not [t for t in texts if TOKEN in t]
    assert TOKEN not in repr(TmsClient(TOKEN, "https://cloud.memsource.com/web"))


def test_token_goes_only_to_the_api_origin(clock):
    fake, other = new_fake(clock), FakeTMS("x", PROJECT, clock)
    with fake, other, TmsClient(TOKEN, fake.base_url) as c:
        with pytest.raises(E.ForeignHostError):
            c.request("GET", other.base_url + f"/api2/v2/projects/{PROJECT}/jobs")
        with pytest.raises(RuntimeError):  # a pull's client cannot write, whatever asks it to
            c.upload_bilingual(b"<xliff/>", "x.mxliff")
    assert not other.log and not fake.log


def test_default_base_url_is_phrase_cloud():
    assert TmsClient(TOKEN).base_url == "https://cloud.memsource.com/web"


def test_every_job_gets_a_file_of_its_own_that_the_file_system_can_hold():
    from pipeline.phrase.tms_sync import job_files

    jobs = [({"uid": "J1", "filename": "CSMG.xlf"}, "pl"), ({"uid": "J2", "filename": "CSMG.xlf"}, "pl"),
            ({"uid": "J3", "filename": "CSMG-J1.xlf"}, "pl"), ({"uid": "J4", "filename": "csmg-j1.XLF"}, "pl"),
            ({"uid": "J5", "filename": "漢" * 90 + ".xlf"}, "pl"), ({"uid": "J6", "filename": "CSMG.xlf"}, "ar")]
    files = job_files(jobs)
    names = [(lang, name.lower()) for _, lang, name in files.values()]
    assert len(set(names)) == len(jobs)  # no job's file replaces another's, whatever the case
    assert files["J6"][2] == "CSMG.mxliff"  # another language's folder: no clash
    assert all(len(name.encode("utf-8")) <= 255 for _, _, name in files.values())


def test_a_page_count_of_zero_with_jobs_on_the_page_stops_the_pull(env, clock, capsys):
    fake = new_fake(clock)
    with fake:
        assert pull(capsys, fake, env / "out")[0] == 0
    before = {p: p.read_bytes() for p in (env / "out").rglob("*") if p.is_file()}
    fake = new_fake(clock)
    fake.total_pages = 0
    with fake:
        rc, _, err = pull(capsys, fake, env / "out")
    assert "has items but the page count 'totalPages' is 0" in error_line(rc, err)
    assert {p: p.read_bytes() for p in (env / "out").rglob("*") if p.is_file()} == before


def test_pulled_files_are_as_readable_as_any_file_the_user_makes(env, clock, capsys):
    import os
    import stat

    old = os.umask(0o022)
    try:
        fake = new_fake(clock)
        with fake:
            assert pull(capsys, fake, env / "out")[0] == 0
    finally:
        os.umask(old)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in (env / "out").rglob("*.mxliff")}
    assert modes == {0o644}
