"""Skill-page text exports: the two seed pages and small hand-written pages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.errors import InputError
from pipeline.ingest import read_file

PL = "translations/pl/sfia-9/CSMG.txt"
AR = "translations/ar/sfia-8/CSMG.txt"


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=cwd)


def test_polish_seed_segments_via_cli(root):
    res = run_cli("segments", PL, "--format", "jsonl", cwd=root)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert all(list(r) == ["framework", "lang", "skill", "element", "level", "item", "text", "marker", "origin"]
               for r in rows)
    assert {(r["framework"], r["lang"], r["skill"]) for r in rows} == {(9, "pl", "CSMG")}
    by = {}
    for r in rows:
        by.setdefault(r["element"], []).append(r)
    assert [r["text"] for r in by["name"]] == ["Dział obsługi klienta"]
    assert by["name"][0]["marker"] == "unchanged"
    assert by["description"][0]["text"].startswith("Zarządzanie i obsługa funkcji")
    assert by["description"][0]["marker"] == "unchanged"
    assert len(by["guidance"]) == 2 and by["guidance"][1]["text"].endswith("między innymi:")
    assert len(by["activity"]) == 7 and [r["item"] for r in by["activity"]] == list(range(1, 8))
    assert [r["level"] for r in by["level"]] == [1, 2, 3, 4, 5, 6]
    assert all(r["marker"] == "modified" for r in by["guidance"] + by["activity"] + by["level"])
    text = "\n".join(r["text"] for r in rows)
    for boilerplate in ("Beta", "Phrase", "Pokaż/ukryj", "Tam, gdzie", "Zrozumienie", "1 | 2",
                        "Uwaga:", "Poziom odpowiedzialności", "Prosimy o kontakt"):
        assert boilerplate not in text, boilerplate
    assert by["level"][0]["origin"] == f"{PL}:44"


def test_arabic_seed_has_six_activities_and_no_level_7(root):
    df = read_file(root / AR)
    assert set(df["lang"]) == {"ar"} and set(df["framework"]) == {8}
    assert df[df.element == "name"].text.tolist() == ["دعم خدمة العملاء"]
    assert (df.element == "activity").sum() == 6
    assert df[df.element == "level"].level.tolist() == [1, 2, 3, 4, 5, 6]
    assert df["marker"].isna().all()
    assert not df.text.str.contains("إطار المهارات|مستويات المسؤولية|^1 2 3", regex=True).any()


def test_english_page_with_inline_markers_and_not_defined_level(tmp_path):
    page = tmp_path / "en" / "sfia-9" / "ABCD.txt"
    page.parent.mkdir(parents=True)
    page.write_text(
        "Skills Framework for the Information Age\n\n"
        "Widget testing ABCD (unchanged)\n"
        "Testing widgets.\n"
        "Guidance notes (modified)\n"
        "Widgets are tested.\n"
        "Activities may include:\n"
        "• planning tests\n"
        "• running tests\n"
        "Widget testing: Level 2 (modified)\n"
        "Runs tests.\n"
        "Widget testing: Level 3\n"
        "This skill is not usually observed or practised at this level of responsibility.\n",
        encoding="utf-8")
    df = read_file(page)
    assert df.element.tolist() == ["name", "description", "guidance", "guidance", "activity", "activity", "level"]
    assert df.marker.tolist() == ["unchanged", "unchanged"] + ["modified"] * 5
    assert df.lang.iloc[0] == "en" and int(df.framework.iloc[0]) == 9


def test_page_without_a_skill_title_is_an_input_error(tmp_path):
    page = tmp_path / "pl" / "sfia-9" / "x.txt"
    page.parent.mkdir(parents=True)
    page.write_text("To nie jest strona umiejętności.\nDrugi wiersz.\n", encoding="utf-8")
    with pytest.raises(InputError, match="no recognisable skill"):
        read_file(page)


def test_page_language_unknown_is_an_input_error(tmp_path):
    page = tmp_path / "x.txt"
    page.write_text("Widget testing ABCD\nTesting widgets.\n", encoding="utf-8")
    with pytest.raises(InputError, match="language"):
        read_file(page)
    df = read_file(page, lang="en", framework=8)
    assert df.text.tolist() == ["Widget testing", "Testing widgets."]
