"""Language data files: typed, complete, and enough to read a language's pages and write its drafts."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from pipeline import langdata, schema
from pipeline.errors import ConfigError
from pipeline.ingest.page import parse_page
from pipeline.score.draft import to_page


@pytest.mark.parametrize("code", langdata.available())
def test_every_shipped_language_is_complete_and_its_drafts_read_back(code):
    lang = langdata.load(code)
    assert lang.code == code and lang.scripts and lang.direction in ("ltr", "rtl")
    rows = [("name", None, None, "Nazwa umiejętności"), ("description", None, None, "Opis."),
            ("guidance", None, 1, "Akapit."), ("activity", None, 1, "pierwsza"), ("activity", None, 2, "druga"),
            ("level", 2, None, "Poziom drugi."), ("level", 5, None, "Poziom piąty.")]
    draft = schema.make(schema.DRAFT, [
        {"lang": code, "skill": "ABCD", "element": el, "level": lv, "item": it, "key": f"k{i}", "drift": "modified",
         "marker": "modified", "text": text, "taken_from": "mt:X"} for i, (el, lv, it, text) in enumerate(rows)])
    segs = pd.DataFrame(parse_page(to_page(draft, code), "draft.txt", lang, 9, code))
    got = [(r.element, None if pd.isna(r.level) else r.level, None if pd.isna(r.item) else r.item, r.text)
           for r in segs.itertuples()]
    assert got == rows
    assert set(segs["marker"]) == {"modified"}


def _lang_dir(tmp_path, monkeypatch, edit):
    d = tmp_path / "lang"
    shutil.copytree(langdata.LANG_DIR, d)
    edit(d)
    monkeypatch.setattr(langdata, "LANG_DIR", d)
    langdata.load.cache_clear()


@pytest.mark.parametrize("change, says", [
    (lambda t: t.replace('level_heading = "{name}: Poziom {level}"', ""), "[draft] level_heading is required"),
    (lambda t: t.replace('quote_pairs = [["„", "”"], ["„", "“"], ["«", "»"]]', ""),
     "[punctuation] quote_pairs is required"),
    (lambda t: t.replace("min_stem = 4", 'min_stem = "4"'), "[morphology] min_stem must be a whole number"),
    (lambda t: t.replace("[checks]\n", "[checks]\ntypical_lenght_ratio = 1.1\n"),
     "unknown key 'typical_lenght_ratio' (did you mean 'typical_length_ratio'?)"),
    (lambda t: t.replace("level_heading = '^(?:", "level_heading = '^((?:", 1), "bad regular expression"),
    (lambda t: t.replace('code = "pl"', 'code = "pt"'), "file is named pl.toml"),
])
def test_a_broken_language_file_is_refused_naming_the_key(tmp_path, monkeypatch, change, says):
    def edit(d):
        p = d / "pl.toml"
        p.write_text(change(p.read_text(encoding="utf-8")), encoding="utf-8")

    _lang_dir(tmp_path, monkeypatch, edit)
    try:
        with pytest.raises(ConfigError) as e:
            langdata.load("pl")
        assert "pl.toml" in e.value.line() and says in e.value.line()
    finally:
        langdata.load.cache_clear()
