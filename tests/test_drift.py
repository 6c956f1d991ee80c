"""Drift classes and English alignment, on hand-made pairs, the sample and the official data."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline import schema
from pipeline.align import align_english
from pipeline.drift import classify, classify_pair, cosmetic_reasons, skill_changes
from pipeline.ingest import read_file, read_paths


def _i(v):
    return None if v is None or str(v) == "<NA>" else int(v)


@pytest.mark.parametrize("old,new,reason", [
    ("Analyses the organisation's catalogue.", "Analyzes the organization's catalog.", "spelling"),
    ("Plans — and delivers — the work.", "Plans, and delivers, the work.", "dashes"),
    ("Plans - and delivers - the work.", "Plans – and delivers – the work.", "dashes"),
    ("Uses ‘best’ practice.", "Uses 'best' practice.", "quotes"),
    ("Sets policies, standards, and guidelines.", "Sets policies, standards and guidelines.", "serial-comma"),
    ("Leads the programme of work.", "leads the program of work.", "spelling+case"),
])
def test_cosmetic(old, new, reason):
    status, sim, got, diff = classify_pair(old, new)
    assert (status, sim, got) == ("cosmetic", 1.0, reason)
    assert "[-" in diff and "{+" in diff


@pytest.mark.parametrize("old,new", [
    ("Works with four teams.", "Works with for teams."),          # four/for is not a spelling variant
    ("Filled the role.", "Filed the role."),                      # nor filled/filed
    ("Ensures that risks are managed.", "Ensures risks are managed."),  # a dropped word
    ("Mitigates risks.", "Manages risks."),
    ("Leads the team.", "Leads the team and reports."),
])
def test_real_changes_are_not_cosmetic(old, new):
    assert cosmetic_reasons(old, new) is None
    assert classify_pair(old, new)[0] == "modified"


def test_whitespace_only_is_unchanged_and_none_sides():
    assert classify_pair("Leads  the\nteam.", "Leads the team.")[0] == "unchanged"
    assert classify_pair(None, "x")[0] == "added" and classify_pair("x", None)[0] == "removed"


def test_case_can_be_made_a_real_change():
    assert classify_pair("Leads the team.", "leads the team.", fold_case=False)[0] == "modified"


def test_sample_drift_cli(root):
    res = subprocess.run([sys.executable, "-m", "pipeline", "drift", "--old", "sources/sfia-8/en",
                          "--new", "sources/sfia-9/en", "--format", "csv"], capture_output=True, text=True, cwd=root)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == "skill,element,level,item,status,similarity"
    status = {tuple(line.split(",")[1:4]): line.split(",")[4] for line in lines[1:]}
    assert status[("name", "", "")] == "unchanged" and status[("description", "", "")] == "unchanged"
    assert all(status[("level", str(n), "")] == "modified" for n in range(1, 7))
    assert status[("guidance", "", "1")] == "modified"
    assert status[("activity", "", "7")] == "added"


def test_sample_activities_align_by_content(root):
    al = align_english(read_paths([root / "sources/sfia-8/en"], framework=8),
                       read_paths([root / "sources/sfia-9/en"], framework=9))
    acts = al[al.element == "activity"]
    pairs = [(_i(a), _i(b)) for a, b in zip(acts.item_8, acts.item_9, strict=True)]
    assert pairs == [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (None, 7)]


def test_inserted_bullet_does_not_shift_the_rest():
    def segs(fw, bullets):
        return schema.make(schema.SEGMENT, [
            {"framework": fw, "lang": "en", "skill": "ABCD", "element": "activity", "level": None, "item": i + 1,
             "text": t, "marker": None, "origin": f"f:{i}"} for i, t in enumerate(bullets)])
    old = ["planning the testing of widgets", "running widget tests", "reporting widget defects",
           "archiving widget test results"]
    new = ["planning the testing of widgets", "designing automated widget checks", "running widget tests",
           "reporting widget defects to owners", "archiving widget test results"]
    d = classify(align_english(segs(8, old), segs(9, new)))
    got = [(_i(r.item_8), _i(r.item_9), r.status) for r in d.itertuples()]
    assert got == [
        (1, 1, "unchanged"), (None, 2, "added"), (2, 3, "unchanged"), (3, 4, "modified"), (4, 5, "unchanged")]


@pytest.fixture(scope="module")
def official(sfia8_xlsx, sfia9_csv):
    return classify(align_english(read_file(sfia8_xlsx), read_file(sfia9_csv)))


def test_official_added_skills_and_cosmetic_class(official):
    d = official
    changes = skill_changes(d)
    assert (changes.change == "added").sum() == 26 and (changes.change == "removed").sum() == 0
    lv = d[d.element == "level"]
    both = lv[lv.status.isin(["unchanged", "cosmetic", "modified"])]
    counts = both.status.value_counts()
    assert 60 <= counts["unchanged"] <= 90 and 90 <= counts["cosmetic"] <= 140 and 250 <= counts["modified"] <= 350
    cos = set(map(tuple, lv[lv.status == "cosmetic"][["skill", "level"]].astype(str).values))
    assert ("ITSP", "6") in cos and ("INOV", "6") in cos


def test_no_cosmetic_pair_really_differs(official):
    """Every cosmetic pair has the same words once spelling variants and case are folded."""
    from pipeline.text.normalize import punct_norm as _punct_norm
    from pipeline.text.normalize import tokens
    from pipeline.text.spelling import spelling
    sp = spelling()
    for r in official[official.status == "cosmetic"].itertuples():
        a = [t.lower() for t in tokens(_punct_norm(r.old)) if t[0].isalnum()]
        b = [t.lower() for t in tokens(_punct_norm(r.new)) if t[0].isalnum()]
        assert len(a) == len(b), (r.skill, r.element, r.diff)
        assert all(x == y or sp.same(x, y) for x, y in zip(a, b, strict=True)), (r.skill, r.element, r.diff)


def test_drift_cli_on_official_sheets_reports_added_skills(sfia8_xlsx, sfia9_csv, root, tmp_path):
    res = subprocess.run([sys.executable, "-m", "pipeline", "drift", "--old", str(sfia8_xlsx), "--new", str(sfia9_csv),
                          "--format", "jsonl"], capture_output=True, text=True, cwd=root)
    assert res.returncode == 0, res.stderr
    assert "26 skill(s) added in SFIA 9: ACIN," in res.stderr and "0 skill(s) removed" in res.stderr
    import json
    first = json.loads(res.stdout.splitlines()[0])
    assert list(first) == ["skill", "element", "level", "item", "status", "similarity", "old", "new"]
