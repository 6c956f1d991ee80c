"""Phrase TMS provenance held against the page markers and the drift (QA106-QA111): each rule
fires on its case and not on the honest neighbour, and on the synthetic Polish job exactly
where its README plants a story."""

from __future__ import annotations

import json

import pytest

from pipeline.checks.runner import run_checks
from pipeline.checks.settings import Settings
from pipeline.checks.units import Unit
from pipeline.cli import main
from pipeline.ingest import read_file, read_paths

RULES = ["QA106", "QA107", "QA108", "QA109", "QA110", "QA111"]


def unit(marker="modified", drift="modified", target="Nowy tekst.", previous="Stary tekst.", **prov):
    p = {"trans_origin": "mt", "tm_score": None, "origin_detail": "EngineX", "confirmed": True, "locked": False,
         "job": "J1", "suggestion": None, "tms_text": None, **prov}
    return Unit(lang="pl", framework=9, skill="ABCD", element="level", level=3, item=None, source="New text.",
                target=target, origin="p.txt:3", status="ok", marker=marker, drift=drift, previous=previous,
                provenance=p)


def codes(*units):
    return sorted(run_checks(list(units), Settings(), only=RULES)["code"])


def test_unchanged_needs_an_unedited_full_tm_match():
    assert codes(unit(marker="unchanged", drift="unchanged")) == ["QA106"]                       # MT under (unchanged)
    assert codes(unit(marker="unchanged", drift="unchanged", trans_origin="tm", tm_score=87.0)) == ["QA106"]
    assert codes(unit(marker="unchanged", drift="unchanged", trans_origin="tm", tm_score=100.0,
                      suggestion="Inny tekst.")) == ["QA106"]                                     # edited after
    assert codes(unit(marker="unchanged", drift="unchanged", trans_origin="tm", tm_score=101.0,
                      suggestion="Nowy tekst.")) == []


def test_stale_tm_reuse_when_the_english_changed():
    assert codes(unit(trans_origin="tm", tm_score=100.0, suggestion="Nowy tekst.")) == ["QA107"]
    assert codes(unit(trans_origin="tm", tm_score=100.0, previous="Nowy tekst.")) == ["QA107"]   # no suggestion kept
    assert codes(unit(trans_origin="tm", tm_score=100.0, suggestion="Stary tekst.")) == []         # edited
    assert codes(unit(drift="cosmetic", trans_origin="tm", tm_score=100.0, suggestion="Nowy tekst.")) == []


def test_unreviewed_mt_is_confirmed_mt_without_an_edit():
    assert codes(unit(suggestion="Nowy tekst.")) == ["QA108"]
    assert codes(unit(suggestion="Nowy  tekst. ")) == ["QA108"]          # whitespace is no edit
    assert codes(unit(suggestion="Nowy tekścik.")) == []                 # post-edited
    assert codes(unit(drift="unchanged", suggestion="Nowy tekst.")) == []
    strict = Settings(severity={"QA108": "warning"})
    assert run_checks([unit(suggestion="Nowy tekst.")], strict, only=RULES)["severity"].tolist() == ["warning"]


def test_locked_unconfirmed_and_page_differs():
    assert codes(unit(locked=True)) == ["QA109"]
    assert codes(unit(locked=True, drift="unchanged")) == []
    assert codes(unit(confirmed=False)) == ["QA110"]
    assert codes(unit(tms_text="Tekst z zadania.")) == ["QA111"]
    assert codes(unit(tms_text="Nowy  tekst.")) == []


def test_units_without_provenance_are_left_alone():
    u = unit()
    u.provenance = None
    assert codes(u) == []


def test_the_polish_job_gives_the_pages_keys_and_texts_with_provenance(root, capsys):
    page = read_file(root / "translations/pl/sfia-9/CSMG.txt")
    assert main(["segments", str(root / "translations/pl/tms/CSMG.mxliff"), "--format", "jsonl"]) == 0
    job = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    key = ("element", "level", "item")
    assert [tuple(r[k] for k in key) + (r["text"],) for r in job] == [
        (r.element, None if r.level != r.level else r.level, None if r.item != r.item else r.item, r.text)
        for r in page.astype(object).where(page.notna(), None).itertuples()]
    assert {r["trans_origin"] for r in job} == {"tm", "mt", "human"}
    assert all(r["job"] == "pl9CSMGbetaJob01" and r["mxliff_id"] for r in job)


def test_page_and_job_merge_into_one_segment_with_provenance(root):
    segs = read_paths([root / "translations/pl"])
    nine = segs[segs["framework"] == 9]
    assert not nine.duplicated(["skill", "element", "level", "item"]).any()
    assert set(nine["format"]) == {"page"}                      # the page's text is the one checked
    assert nine["trans_origin"].notna().all() and nine["tms_text"].notna().all()


def test_the_sample_run_finds_the_planted_stories_and_nothing_else(root, tmp_path, capsys):
    assert main(["run", "--config", str(root / "qa.toml"), "--out", str(tmp_path), "--fail-on", "never"]) == 0
    rows = [json.loads(x) for x in (tmp_path / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    got = sorted((r["code"], r["element"], r["level"] or r["item"]) for r in rows if r["code"] in RULES)
    assert got == sorted([
        ("QA106", "description", None),          # marked (unchanged), but Lumen MT's text
        ("QA109", "activity", 2),                # locked, yet its English changed
        ("QA110", "level", 3),                   # never confirmed in the job
        *[("QA108", el, n) for el, n in (("activity", 3), ("activity", 4), ("activity", 6), ("activity", 7),
                                         ("level", 1), ("level", 5))],   # MT confirmed without an edit
    ])


@pytest.mark.parametrize("rule", RULES)
def test_every_provenance_rule_is_documented(rule):
    from pipeline.checks.registry import REGISTRY

    c = REGISTRY[rule]
    assert c.group == "markers" and c.rationale and c.func is not None


def test_reviewers_see_the_jobs_provenance_on_the_page_and_in_the_summary(root, tmp_path, capsys):
    assert main(["run", "--config", str(root / "qa.toml"), "--out", str(tmp_path), "--fail-on", "never"]) == 0
    page = (tmp_path / "lang-pl" / "CSMG.html").read_text(encoding="utf-8")
    level3 = page[page.index('id="s-CSMG-level-3-0"'):]
    level3 = level3[:level3.index("</tr>")]
    assert "MT: Lumen MT · unedited · not confirmed" in level3
    activity2 = page[page.index('id="s-CSMG-activity-0-2"'):]
    assert "TM 79% · unedited · confirmed · locked" in activity2[:activity2.index("</tr>")]
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "### Provenance from the Phrase TMS job, Polish" in summary
    assert "| MT\\: Lumen MT · unedited | 5 |" in summary
    assert "Provenance from the Phrase TMS job, Arabic" not in summary   # no Arabic job in the sample
