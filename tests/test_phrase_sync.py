"""`sfia-qa phrase pull` / `push` end to end against the fake Phrase server."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fake_phrase import FakeClock, FakePhrase, populate

from pipeline import cli
from pipeline.ingest import read_paths
from pipeline.keys import parse_key
from pipeline.phrase import client as client_mod
from pipeline.phrase.sync import MARKER_RE
from pipeline.schema import ELEMENT_ORDER

TOKEN = "phr-known-token-Kx93PLQ7"
PROJECT = "proj-sfia"


@pytest.fixture
def clock(monkeypatch):
    c = FakeClock()
    monkeypatch.setattr(client_mod, "_clock", c.time)
    monkeypatch.setattr(client_mod, "_sleep", c.sleep)
    return c


@pytest.fixture
def env(monkeypatch, tmp_path, clock):
    monkeypatch.setenv("PHRASE_ACCESS_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def new_fake(clock, n_keys=60, codes=("ar", "pl-PL")) -> FakePhrase:
    f = FakePhrase(TOKEN, PROJECT, clock)
    populate(f, list(codes), n_keys)
    return f


def run(capsys, *args) -> tuple[int, str, str]:
    rc = cli.main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def pull(capsys, fake, out="translations", *extra):
    return run(capsys, "phrase", "pull", "--project", PROJECT, "--base-url", fake.base_url, "--out", str(out), *extra)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".phrase-cache" not in p.parts}


# ---------------------------------------------------------------------------- pull
def test_pull_writes_one_sorted_file_per_locale_that_ingest_reads(env, clock, capsys):
    fake = new_fake(clock)
    with fake:
        rc, out, err = pull(capsys, fake)
    assert rc == 0, err
    files = snapshot(env / "translations")
    assert sorted(files) == ["ar/phrase/sfia-9.jsonl", "pl-PL/phrase/sfia-9.jsonl"]  # not the default 'en'
    recs = [json.loads(line) for line in files["pl-PL/phrase/sfia-9.jsonl"].decode().splitlines()]
    assert len(recs) == 60  # the 3 app strings are not SFIA keys
    r0 = recs[0]
    assert r0["key"] == "sfia9.Q0000.name" and r0["locale"] == "pl-PL"
    assert r0["text"] == "pl-PL «sfia9.Q0000.name» <b>0</b>"
    for col in ("state", "translation_id", "key_id", "locale_id"):
        assert r0[col]
    assert {r["state"] for r in recs} == {"translated", "unverified", "reviewed"}
    keys = [parse_key(r["key"]) for r in recs]
    order = [(k["skill"], ELEMENT_ORDER[k["element"]], k["level"] or k["item"] or 0) for k in keys]
    assert order == sorted(order)  # reading order (level.2 before level.10, name before description)
    assert "pulled 120 SFIA translations of 2 locale(s)" in out and "ignored 6 non-SFIA" in out

    seg = read_paths([env / "translations"])
    assert len(seg) == 120 and set(seg["lang"]) == {"ar", "pl-PL"} and set(seg["framework"]) == {9}
    row = seg[(seg["lang"] == "ar") & (seg["skill"] == "Q0001") & (seg["element"] == "level")
              & (seg["level"] == 3)].iloc[0]
    assert row["text"] == "ar «sfia9.Q0001.level.3» <b>23</b>"  # 14 keys a skill: 14 + 9


def test_pull_with_failures_injected_gives_identical_files(env, clock, capsys):
    clean, faulty = new_fake(clock, 450), new_fake(clock, 450)
    with clean:
        assert pull(capsys, clean, env / "a")[0] == 0
    faulty.inject("503", count=2, path="/translations", after=1)
    faulty.inject("drop", count=1, path="/translations", after=3)
    faulty.inject("429", count=4, path="/translations", after=4)
    faulty.inject("500", count=1, path="/locales")
    with faulty:
        rc, out, err = pull(capsys, faulty, env / "b")
    assert rc == 0, err
    statuses = [e.status for e in faulty.log]
    assert statuses.count(503) == 2 and statuses.count(None) == 1 and statuses.count(429) >= 4
    assert "retried" in out and "rate-limited" in out
    a, b = snapshot(env / "a"), snapshot(env / "b")
    assert a and a == b


def test_failed_pull_leaves_previous_files_untouched(env, clock, capsys):
    fake = new_fake(clock, 250)
    with fake:
        assert pull(capsys, fake)[0] == 0
        before = snapshot(env / "translations")
        ar = next(loc for loc in fake.locales if loc["code"] == "ar")
        for key in fake.keys[:5]:
            fake.set_translation(ar, key, "changed")
            fake.set_translation(fake.locales[2], key, "changed")
        fake.inject("503", count=1000, path=f"/locales/{ar['id']}/translations", after=1)
        rc, out, err = pull(capsys, fake)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("sfia-qa: error: phrase pull: 1 of 2 locale(s) not pulled, previous files kept")
    assert "ar: " in lines[0] and "HTTP 503 after 6 attempts" in lines[0]
    assert snapshot(env / "translations") == before  # pl-PL succeeded but was not written either
    assert not [p for p in (env / "translations").rglob("*.tmp")]


def test_second_pull_sends_etags_and_gets_304s(env, clock, capsys):
    fake = new_fake(clock, 250)
    with fake:
        assert pull(capsys, fake)[0] == 0
        before = snapshot(env / "translations")
        n = len(fake.log)
        rc, out, err = pull(capsys, fake)
    assert rc == 0, err
    again = [e for e in fake.log[n:] if "/translations" in e.path]
    assert len(again) == 6 and {e.status for e in again} == {304}  # 3 pages x 2 locales
    assert "6 not modified" in out
    assert snapshot(env / "translations") == before


def test_pull_selected_locales_and_unknown_locale(env, clock, capsys):
    fake = new_fake(clock, 20, codes=("ar", "pl-PL", "de-DE"))
    with fake:
        rc, _, err = pull(capsys, fake, "translations", "--locales", "ar,pl")
        assert rc == 0, err
        assert sorted(p.parent.parent.name for p in (env / "translations").rglob("*.jsonl")) == ["ar", "pl-PL"]
        rc, out, err = pull(capsys, fake, "t2", "--locales", "ar,xx")
    assert rc == 2
    assert err.strip() == ("sfia-qa: error: phrase project proj-sfia: locale(s) xx not found; "
                           "the project has: ar, de-DE, en, pl-PL")
    assert not (env / "t2").exists()


def test_config_supplies_project_and_locale_map(env, clock, capsys):
    fake = new_fake(clock, 20)
    with fake:
        (env / "qa.toml").write_text(
            f'[phrase]\nproject = "{PROJECT}"\nbase_url = "{fake.base_url}"\nlocales = ["pl-PL"]\n'
            '[phrase.locale_map]\n"pl-PL" = "pl"\n', encoding="utf-8")
        rc, out, err = run(capsys, "phrase", "pull")
    assert rc == 0, err
    f = env / "translations" / "pl" / "phrase" / "sfia-9.jsonl"
    assert f.is_file()
    first = json.loads(f.read_text(encoding="utf-8").splitlines()[0])
    assert first["locale"] == "pl" and first["locale_code"] == "pl-PL"
    assert set(read_paths([env / "translations"])["lang"]) == {"pl"}


def test_missing_token_and_project(env, clock, capsys, monkeypatch):
    monkeypatch.delenv("PHRASE_ACCESS_TOKEN")
    rc, _, err = run(capsys, "phrase", "pull", "--project", PROJECT, "--base-url", "http://127.0.0.1:9/v2")
    assert rc == 2 and err.startswith("sfia-qa: error: PHRASE_ACCESS_TOKEN: not set")
    monkeypatch.setenv("PHRASE_ACCESS_TOKEN", TOKEN)
    rc, _, err = run(capsys, "phrase", "pull")
    assert rc == 2 and "--project" in err and len(err.splitlines()) == 1


# ---------------------------------------------------------------------------- push
def finding(code, severity, lang, skill, element, level=None, item=None, message="", evidence=None):
    return {"code": code, "check": "test-check", "severity": severity, "lang": lang, "framework": 9,
            "skill": skill, "element": element, "level": level, "item": item, "message": message,
            "evidence": evidence or [], "origin": "translations/pl/phrase/sfia-9.jsonl:1"}


def write_findings(path: Path) -> Path:
    rows = [
        finding("QA201", "error", "pl", "Q0000", "level", level=3, message="Placeholder <b> is missing.",
                evidence=[{"field": "tgt_9", "start": 0, "end": 5, "text": "pl-PL"}]),
        finding("QA202", "warning", "pl", "Q0000", "level", level=3, message="Sentence case differs."),
        finding("QA203", "warning", "ar", "Q0001", "activity", item=2, message="Latin letters in Arabic."),
        finding("QA204", "info", "ar", "Q0001", "name", message="Style note."),
        finding("QA205", "error", "ar", "Q0001", "name", message="Name differs from glossary."),
        {**finding("QA101", "error", "pl", None, None, message="Marker missing on the page."), "skill": None},
        finding("QA206", "warning", "pl", "ZZZZ", "name", message="A key that is not in Phrase."),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def verified(fake, code, name):
    """Make the translation of ``name`` in locale ``code`` a plain verified one."""
    loc = next(loc for loc in fake.locales if loc["code"] == code)
    key = next(k for k in fake.keys if k["name"] == name)
    return fake.set_translation(loc, key, f"{code} {name}", "translated")


def push_fake(clock) -> FakePhrase:
    fake = new_fake(clock, 30)
    verified(fake, "pl-PL", "sfia9.Q0000.level.3")
    verified(fake, "ar", "sfia9.Q0001.name")
    verified(fake, "ar", "sfia9.Q0001.activity.2")
    return fake


def push(capsys, fake, findings, *extra):
    return run(capsys, "phrase", "push", "--project", PROJECT, "--base-url", fake.base_url,
               "--findings", str(findings), *extra)


def writes(fake):
    return [e for e in fake.log if e.method != "GET"]


def test_push_dry_run_reads_only_and_says_what_it_would_do(env, clock, capsys):
    fake = push_fake(clock)
    f = write_findings(env / "reports" / "findings.jsonl")
    with fake:
        rc, out, err = push(capsys, fake, f)
    assert rc == 0, err
    assert not writes(fake)
    lines = out.splitlines()
    assert lines[:6] == [
        "would comment   sfia9.Q0000.level.3 [pl] QA201 error: Placeholder <b> is missing.",
        "would comment   sfia9.Q0000.level.3 [pl] QA202 warning: Sentence case differs.",
        "would unverify  sfia9.Q0000.level.3 [pl] QA201 error",
        "would comment   sfia9.Q0001.activity.2 [ar] QA203 warning: Latin letters in Arabic.",
        "would comment   sfia9.Q0001.name [ar] QA205 error: Name differs from glossary.",
        "would unverify  sfia9.Q0001.name [ar] QA205 error",
    ]
    assert lines[-1].startswith("dry run: would post 4 comment(s) and unverify 2 translation(s)")
    assert "QA101 is not about one segment" in err and "sfia9.ZZZZ.name is not in the Phrase project" in err


def test_push_apply_posts_once_and_unverifies_errors(env, clock, capsys):
    fake = push_fake(clock)
    f = write_findings(env / "reports" / "findings.jsonl")
    key = {k["name"]: k for k in fake.keys}
    pl = next(loc for loc in fake.locales if loc["code"] == "pl-PL")
    with fake:
        rc, out, err = push(capsys, fake, f, "--apply")
        assert rc == 0, err
        posted = [c for cs in fake.comments.values() for c in cs]
        assert len(posted) == 4
        lvl3 = fake.comments[key["sfia9.Q0000.level.3"]["id"]]
        assert len(lvl3) == 2 and all(c["locales"][0]["code"] == "pl-PL" for c in lvl3)
        assert "Placeholder <b> is missing." in lvl3[0]["message"] and "«pl-PL»" in lvl3[0]["message"]
        assert all(len(MARKER_RE.findall(c["message"])) == 1 for c in posted)
        t = fake.translations[(pl["id"], key["sfia9.Q0000.level.3"]["id"])]
        assert t["unverified"] and t["state"] == "unverified"
        assert len(fake.requests("PATCH")) == 2
        # the warning-only key stays as it was
        ar = next(loc for loc in fake.locales if loc["code"] == "ar")
        assert fake.translations[(ar["id"], key["sfia9.Q0001.activity.2"]["id"])]["state"] == "translated"
        n = len(fake.log)
        rc, out, err = push(capsys, fake, f, "--apply")
    assert rc == 0, err
    assert not [e for e in fake.log[n:] if e.method != "GET"]  # nothing twice
    assert "done: 0 action(s)" in out and "4 finding(s) already commented" in out


def test_push_lost_answer_does_not_duplicate_the_comment(env, clock, capsys):
    fake = push_fake(clock)
    f = write_findings(env / "reports" / "findings.jsonl")
    fake.inject("drop-after", count=1, method="POST")  # applied, but the answer never arrives
    fake.inject("drop", count=1, method="POST", after=1)  # not applied at all
    with fake:
        rc, out, err = push(capsys, fake, f, "--apply")
    assert rc == 0, err
    markers = [m for cs in fake.comments.values() for c in cs for m in MARKER_RE.findall(c["message"])]
    assert len(markers) == 4 and len(set(markers)) == 4


def test_push_min_severity_and_bad_findings(env, clock, capsys):
    fake = push_fake(clock)
    f = write_findings(env / "reports" / "findings.jsonl")
    with fake:
        rc, out, _ = push(capsys, fake, f, "--min-severity", "info")
        assert rc == 0 and "would post 5 comment(s)" in out
        rc, out, _ = push(capsys, fake, f, "--min-severity", "error")
        assert rc == 0 and "would post 2 comment(s)" in out
        bad = env / "bad.jsonl"
        bad.write_text(json.dumps(finding("QA1", "error", "pl", "Q0000", "name")) + "\n{not json\n")
        rc, _, err = push(capsys, fake, bad)
    assert rc == 2 and err.startswith(f"sfia-qa: error: {bad}:2: invalid JSON") and len(err.splitlines()) == 1
    rc, _, err = push(capsys, fake, env / "nope.jsonl")
    assert rc == 2 and "findings file not found" in err


# ---------------------------------------------------------------------------- secrets
def test_token_never_appears_in_output_logs_files_or_errors(env, clock, capsys, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's included
    fake = new_fake(clock, 120)
    f = write_findings(env / "reports" / "findings.jsonl")
    fake.inject("503", count=1)
    fake.inject("drop", count=1, after=2)
    fake.inject("429", count=2, after=4)
    seen = []
    with fake:
        seen.append(pull(capsys, fake))
        seen.append(pull(capsys, fake))  # the ETag run writes the cache too
        seen.append(push(capsys, fake, f))
        seen.append(push(capsys, fake, f, "--apply"))
        seen.append(pull(capsys, fake, "translations", "--project", "missing"))
        fake.inject("500", count=100)
        seen.append(pull(capsys, fake, "t3"))
        fake.faults.clear()
        fake.token = "another-token"  # the server now refuses ours: a 401
        seen.append(pull(capsys, fake, "t4"))
    assert [rc for rc, _, _ in seen] == [0, 0, 0, 0, 2, 2, 2]
    assert "refused" in seen[-1][2]
    texts = [o + e for _, o, e in seen] + [caplog.text] + [r.getMessage() for r in caplog.records]
    texts += [p.read_bytes().decode("utf-8", "replace") for p in env.rglob("*") if p.is_file()]
    assert len(texts) > 10
    assert not [t for t in texts if TOKEN in t]
    assert any(".phrase-cache" in str(p) for p in env.rglob("*.json"))  # the cache was checked too
