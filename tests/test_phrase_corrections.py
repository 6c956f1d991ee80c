"""`sfia-qa phrase push --corrections`: reviewers' corrections written to Phrase as translations,
end to end against the fake Phrase server (tests/fake_phrase.py)."""

from __future__ import annotations

import json
import logging
import random

import pytest
from fake_phrase import FakeClock, FakePhrase

from pipeline import cli
from pipeline.phrase import client as client_mod
from pipeline.phrase import sync
from pipeline.phrase.client import PhraseClient
from pipeline.phrase.sync import REVIEW_MARKER_RE
from pipeline.review.decisions import parse_decision

TOKEN = "phr-review-token-Zq81WmT3"
PROJECT = "proj-sfia"

LVL5, ACT3, NAME, DESC = "sfia9.CSMG.level.5", "sfia9.CSMG.activity.3", "sfia9.CSMG.name", "sfia9.DTAN.description"


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


def project(clock) -> FakePhrase:
    """English source, Polish (pl-PL) and Arabic; DTAN.description has no Polish translation yet."""
    fake = FakePhrase(TOKEN, PROJECT, clock)
    en = fake.add_locale("en", "English", default=True)
    pl, ar = fake.add_locale("pl-PL"), fake.add_locale("ar")
    for name in (LVL5, ACT3, NAME, DESC):
        k = fake.add_key(name, ["sfia-9"])
        fake.set_translation(en, k, f"English {name}")
        fake.set_translation(ar, k, f"ar {name}")
        if name != DESC:
            fake.set_translation(pl, k, f"pl {name}")
    return fake


def decision(key, *, lang="pl", code="QA202", decision="fix", original=None, corrected=None, comment="",
             reason="", finding="3f2a9c0d1e7b") -> dict:
    return {"finding": finding, "lang": lang, "framework": 9, "key": key, "code": code, "decision": decision,
            "reason": reason, "comment": comment,
            "original": f"pl {key}" if original is None else original, "corrected": corrected,
            "origin": "translations/pl/phrase/sfia-9.jsonl:1"}


def standard() -> list[dict]:
    return [
        decision(LVL5, corrected="Poprawiony poziom 5", comment="Use the glossary term."),
        decision(ACT3, code="QA204", corrected="Nowa czynność 3", finding="aaaaaaaaaaaa"),
        decision(DESC, code=None, finding=None, original="", corrected="Opis DTAN"),  # a missing translation
        decision(NAME, code="QA203", decision="false-positive", reason="Brand name stays in English",
                 finding="bbbbbbbbbbbb"),
        decision(NAME, code="QA205", decision="accepted", finding="cccccccccccc"),
    ]


def write_decisions(path, items) -> str:
    path.write_text(json.dumps({"format": "sfia-qa-review-decisions", "version": 1, "report": "r",
                                "decisions": items}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def push(capsys, fake, decisions, *extra):
    rc = cli.main(["phrase", "push", "--project", PROJECT, "--base-url", fake.base_url,
                   "--corrections", str(decisions), *extra])
    out, err = capsys.readouterr()
    return rc, out, err


def writes(fake, since=0):
    return [e for e in fake.log[since:] if e.method != "GET"]


def content(fake, code, name):
    loc = next(loc for loc in fake.locales if loc["code"] == code)
    key = next(k for k in fake.keys if k["name"] == name)
    t = fake.translations.get((loc["id"], key["id"]))
    return None if t is None else t["content"]


def key_comments(fake, name):
    key = next(k for k in fake.keys if k["name"] == name)
    return fake.comments.get(key["id"], [])


def fingerprint(item) -> str:
    return parse_decision(item, "test").fingerprint


# ---------------------------------------------------------------------------- dry run
def test_dry_run_says_what_it_would_do_and_sends_no_write(env, clock, capsys):
    fake = project(clock)
    path = write_decisions(env / "review-decisions.json", standard())
    with fake:
        rc, out, err = push(capsys, fake, path)
    assert rc == 0, err
    assert fake.log and not writes(fake)
    assert content(fake, "pl-PL", LVL5) == f"pl {LVL5}" and content(fake, "pl-PL", DESC) is None
    lines = out.splitlines()
    assert f"would update    {LVL5} [pl] «pl {LVL5}» -> «Poprawiony poziom 5»" in lines
    assert f"would create    {DESC} [pl] «Opis DTAN»" in lines
    assert sum(line.startswith("would comment") for line in lines) == 3  # two fixes and the edit
    assert lines[-1].startswith("dry run: corrections: would update 2 translation(s), create 1, "
                                "post 3 comment(s); 0 decision(s) already in Phrase; 0 skipped")
    assert "reports/findings.jsonl" not in err  # --corrections alone does not read findings


# ---------------------------------------------------------------------------- apply
def test_apply_updates_creates_and_comments_with_markers(env, clock, capsys):
    fake = project(clock)
    items = standard()
    path = write_decisions(env / "review-decisions.json", items)
    with fake:
        rc, out, err = push(capsys, fake, path, "--apply")
    assert rc == 0, err
    assert content(fake, "pl-PL", LVL5) == "Poprawiony poziom 5"
    assert content(fake, "pl-PL", ACT3) == "Nowa czynność 3"
    assert content(fake, "pl-PL", DESC) == "Opis DTAN"
    assert content(fake, "ar", LVL5) == f"ar {LVL5}" and content(fake, "en", LVL5) == f"English {LVL5}"
    assert content(fake, "pl-PL", NAME) == f"pl {NAME}"  # false positive and accepted: no write
    assert [e.method for e in writes(fake) if "/translations" in e.path].count("PATCH") == 2
    assert [e.method for e in writes(fake) if "/translations" in e.path].count("POST") == 1
    (c,) = key_comments(fake, LVL5)
    assert f"[sfia-qa:review:{fingerprint(items[0])}]" in c["message"]
    assert "Use the glossary term." in c["message"] and "Poprawiony poziom 5" in c["message"]
    assert [loc["code"] for loc in c["locales"]] == ["pl-PL"]
    assert key_comments(fake, NAME) == []  # false positives only with --include-false-positives
    assert "updated" in out and "created" in out
    assert ("done: corrections: updated 2 translation(s), created 1, posted 3 comment(s); 0 decision(s) "
            "already in Phrase; 0 skipped") in out.splitlines()[-1]


def test_translation_changed_since_the_review_is_not_overwritten(env, clock, capsys):
    fake = project(clock)
    path = write_decisions(env / "review-decisions.json", standard())
    pl = next(loc for loc in fake.locales if loc["code"] == "pl-PL")
    fake.set_translation(pl, next(k for k in fake.keys if k["name"] == LVL5), "A translator's newer edit")
    with fake:
        rc, out, err = push(capsys, fake, path, "--apply")
    assert rc == 0, err
    assert content(fake, "pl-PL", LVL5) == "A translator's newer edit"
    assert key_comments(fake, LVL5) == []  # no comment claims a correction that was not made
    assert f"skip: {path} QA202 {LVL5} (pl): the pl-PL translation was changed in Phrase since the review; " \
           "not overwritten" in err
    assert content(fake, "pl-PL", ACT3) == "Nowa czynność 3"  # the others still go through


def test_a_deleted_translation_is_not_recreated(env, clock, capsys):
    fake = project(clock)
    pl = next(loc for loc in fake.locales if loc["code"] == "pl-PL")
    key = next(k for k in fake.keys if k["name"] == ACT3)
    del fake.translations[(pl["id"], key["id"])]
    path = write_decisions(env / "d.json", [decision(ACT3, corrected="Nowa czynność 3")])
    with fake:
        rc, out, err = push(capsys, fake, path, "--apply")
    assert rc == 0, err
    assert content(fake, "pl-PL", ACT3) is None and not writes(fake)
    assert "was deleted in Phrase since the review" in err


def test_rerun_sends_nothing_twice(env, clock, capsys):
    fake = project(clock)
    path = write_decisions(env / "review-decisions.json", standard())
    with fake:
        assert push(capsys, fake, path, "--apply", "--include-false-positives")[0] == 0
        n = len(fake.log)
        rc, out, err = push(capsys, fake, path, "--apply", "--include-false-positives")
    assert rc == 0, err
    assert not writes(fake, n)
    assert "updated 0 translation(s), created 0, posted 0 comment(s); 4 decision(s) already in Phrase" in out
    assert len(fake.content_writes) == 3
    markers = [m for cs in fake.comments.values() for c in cs for m in REVIEW_MARKER_RE.findall(c["message"])]
    assert len(markers) == 4 and len(set(markers)) == 4


def test_false_positives_become_comments_with_their_reason(env, clock, capsys):
    fake = project(clock)
    items = standard()
    path = write_decisions(env / "review-decisions.json", items)
    with fake:
        rc, out, err = push(capsys, fake, path, "--apply", "--include-false-positives")
    assert rc == 0, err
    (c,) = key_comments(fake, NAME)
    assert "QA203 is a false positive [pl]: Brand name stays in English" in c["message"]
    assert c["message"].endswith(f"[sfia-qa:review:{fingerprint(items[3])}]")
    assert content(fake, "pl-PL", NAME) == f"pl {NAME}"


def test_lost_answers_do_not_double_apply(env, clock, capsys):
    fake = project(clock)
    items = standard()
    path = write_decisions(env / "review-decisions.json", items)
    # Each write is applied but its answer never arrives.
    fake.inject("drop-after", count=2, method="PATCH", path="/translations/")
    fake.inject("drop-after", count=1, method="POST", path=f"/projects/{PROJECT}/translations")
    fake.inject("drop-after", count=1, method="POST", path="/comments")
    with fake:
        rc, out, err = push(capsys, fake, path, "--apply")
        assert rc == 0, err
        assert content(fake, "pl-PL", LVL5) == "Poprawiony poziom 5"
        assert content(fake, "pl-PL", DESC) == "Opis DTAN"
        # the lost POST was looked up, not sent again; a resent PATCH carries the same text
        assert [w[2] for w in fake.content_writes if w[0] == "POST"] == ["Opis DTAN"]
        assert {w[2] for w in fake.content_writes if w[0] == "PATCH"} == {"Poprawiony poziom 5", "Nowa czynność 3"}
        markers = [m for cs in fake.comments.values() for c in cs for m in REVIEW_MARKER_RE.findall(c["message"])]
        assert sorted(markers) == sorted({fingerprint(i) for i in items[:3]})
        n = len(fake.log)
        rc, out, err = push(capsys, fake, path, "--apply")
    assert rc == 0 and not writes(fake, n)


def test_pulled_ids_spare_the_key_lookups(env, clock, capsys):
    fake = project(clock)
    path = write_decisions(env / "review-decisions.json", standard()[:2])
    with fake:
        assert cli.main(["phrase", "pull", "--project", PROJECT, "--base-url", fake.base_url]) == 0
        capsys.readouterr()
        n = len(fake.log)
        rc, out, err = push(capsys, fake, path, "--apply")
    assert rc == 0, err
    used = fake.log[n:]
    assert not [e for e in used if e.path.endswith("/keys")]  # no search by key name
    assert len([e for e in used if e.method == "GET" and "/translations/" in e.path]) == 2
    assert content(fake, "pl-PL", LVL5) == "Poprawiony poziom 5"


def test_locale_map_names_the_locale_when_the_language_is_ambiguous(env, clock, capsys):
    fake = project(clock)
    pl_ch = fake.add_locale("pl-CH")
    for k in fake.keys:
        fake.set_translation(pl_ch, k, f"pl {k['name']}")
    path = write_decisions(env / "review-decisions.json", [decision(LVL5, corrected="Nowy")])
    with fake:
        rc, out, err = push(capsys, fake, path, "--apply")
        assert rc == 0 and "matches several locales (pl-CH, pl-PL)" in err and not writes(fake)
        (env / "qa.toml").write_text('[phrase.locale_map]\n"pl-CH" = "pl"\n', encoding="utf-8")
        rc, out, err = push(capsys, fake, path, "--apply")
    assert rc == 0, err
    assert content(fake, "pl-CH", LVL5) == "Nowy" and content(fake, "pl-PL", LVL5) == f"pl {LVL5}"


def test_conflicting_corrections_of_one_translation_are_not_written(env, clock, capsys):
    fake = project(clock)
    path = write_decisions(env / "d.json", [decision(LVL5, corrected="Jedno"),
                                            decision(LVL5, code="QA204", corrected="Drugie", finding="dddddddddddd")])
    with fake:
        rc, out, err = push(capsys, fake, path, "--apply")
    assert rc == 0 and not writes(fake) and err.count("corrections of this translation differ") == 2


def test_findings_and_corrections_together(env, clock, capsys):
    fake = project(clock)
    path = write_decisions(env / "d.json", standard()[:1])
    findings = env / "findings.jsonl"
    findings.write_text(json.dumps({"code": "QA201", "check": "c", "severity": "warning", "lang": "ar",
                                    "framework": 9, "skill": "CSMG", "element": "name", "level": None,
                                    "item": None, "message": "Check this.", "evidence": [], "origin": "o"}) + "\n")
    with fake:
        rc, out, err = push(capsys, fake, path, "--findings", str(findings))
    assert rc == 0, err
    assert out.splitlines()[-1].startswith("dry run: would post 1 comment(s) and unverify 0 translation(s); "
                                           "0 finding(s) already commented; corrections: would update 1 ")


def test_a_translation_without_its_text_stops_the_run_before_any_write(env, clock, capsys):
    fake = project(clock)
    pl = next(loc for loc in fake.locales if loc["code"] == "pl-PL")
    key = next(k for k in fake.keys if k["name"] == LVL5)
    broken = [{"id": "t1", "locale": {"id": pl["id"], "name": "pl-PL", "code": "pl-PL"}}]  # no content
    fake.inject("body", path=f"/keys/{key['id']}/translations", body=json.dumps(broken).encode())
    path = write_decisions(env / "d.json", [decision(LVL5, original="", corrected="Nowy")])
    with fake:
        rc, out, err = push(capsys, fake, path, "--apply")
    assert rc == 2 and not writes(fake)
    assert len(err.strip().splitlines()) == 1 and "has no valid 'content'" in err


def test_bad_decisions_file_is_one_line_and_exit_2(env, clock, capsys):
    fake = project(clock)
    bad = env / "d.json"
    bad.write_text('{"format": "something else"}')
    with fake:
        rc, out, err = push(capsys, fake, bad, "--apply")
    assert rc == 2 and len(err.strip().splitlines()) == 1 and str(bad) in err and not fake.log


def test_token_never_leaks(env, clock, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    fake = project(clock)
    path = write_decisions(env / "d.json", standard())
    seen = []
    with fake:
        seen.append(push(capsys, fake, path))
        fake.inject("500", count=100, method="PATCH")
        seen.append(push(capsys, fake, path, "--apply"))
    assert [rc for rc, _, _ in seen] == [0, 2]
    assert len(seen[1][2].strip().splitlines()) == 1 and "HTTP 500" in seen[1][2]
    texts = [o + e for _, o, e in seen] + [caplog.text] + [r.getMessage() for r in caplog.records]
    assert not [t for t in texts if TOKEN in t]
    assert all(e.headers.get("authorization") == f"token {TOKEN}" for e in fake.log)  # sent to its host only


# ---------------------------------------------------------------------------- contract
@pytest.mark.filterwarnings("ignore:Use of allowEmptyValue:DeprecationWarning")  # the spec's own choice
def test_correction_traffic_matches_the_spec(shared, tmp_path):
    pytest.importorskip("openapi_core")
    from test_phrase_contract import validate_all

    spec_path = shared / "phrase" / "phrase-strings-openapi.json"
    if not spec_path.is_file():
        pytest.skip(f"{spec_path} missing")
    import openapi_core

    openapi = openapi_core.OpenAPI.from_dict(json.loads(spec_path.read_text(encoding="utf-8")),
                                             config=openapi_core.Config(spec_validator_cls=None))
    clock = FakeClock()
    fake = project(clock)
    decisions = [parse_decision(d, "test") for d in standard()]
    with fake:
        kw = {"clock": clock.time, "sleep": clock.sleep, "rng": random.Random(5)}
        with PhraseClient(TOKEN, fake.base_url, **kw) as c:
            sync.pull(c, PROJECT, tmp_path / "t")
            plan = sync.plan_corrections(c, PROJECT, decisions, translations=tmp_path / "t",
                                         include_false_positives=True)
            sync.apply_corrections(c, PROJECT, plan, say=lambda s: None)
            plan = sync.plan_corrections(c, PROJECT, decisions, include_false_positives=True)  # lookups by key
    ops = {(e.method, e.path.rsplit("/", 2)[-2] if e.method != "POST" else e.path.rsplit("/", 1)[-1])
           for e in fake.log}
    assert {("PATCH", "translations"), ("POST", "translations"), ("GET", "translations")} <= ops
    counts = validate_all(openapi, fake.log)
    assert counts["requests"] == len(fake.log) and counts["responses"] == len(fake.log)


def test_a_lost_update_answer_is_read_back_before_writing_again():
    """PATCH is not resent blindly: the translation is read first; our text means done, the
    reviewed text means write once more, anything else (edited meanwhile) is left alone."""
    from pipeline.phrase import errors as PE
    from pipeline.phrase.sync import ReviewAction, _update_once

    class Stub:
        def __init__(self, now):
            self.now, self.patches = now, 0

        def update_translation(self, project, tid, content):
            self.patches += 1
            if self.patches == 1:
                raise PE.AmbiguousWriteError("phrase PATCH translation", "connection dropped")
            self.now = content

        def translation(self, project, tid):
            return {"id": tid, "content": self.now}

    a = ReviewAction("sfia9.CSMG.level.3", "pl", 0, "update", "", key_id="k", locale_id="l", translation_id="t",
                     content="Nowy tekst.", original="Stary tekst.")
    for now, patches in (("Nowy tekst.", 1), ("Stary tekst.", 2)):
        stub = Stub(now)
        _update_once(stub, "p", a)
        assert stub.patches == patches and stub.now == "Nowy tekst."
    stub = Stub("Ktoś to poprawił.")
    with pytest.raises(PE.AmbiguousWriteError, match="another text"):
        _update_once(stub, "p", a)
    assert stub.patches == 1 and stub.now == "Ktoś to poprawił."
