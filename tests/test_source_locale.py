"""QA701 grouped by cause, QA707-QA711: the English source's locale and house style. Sentences are
written here in the shape of what issue 15 found in the en-US SFIA 9 file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.checks.registry import REGISTRY
from pipeline.checks.rules_locale import locale_of
from pipeline.checks.runner import Env, run_checks
from pipeline.checks.settings import Settings
from pipeline.checks.units import Unit

SYSTEM = Path("/usr/share/hunspell")
needs_en = pytest.mark.skipif(not (SYSTEM / "en_US.dic").is_file() or not (SYSTEM / "en_GB.dic").is_file(),
                              reason="hunspell-en-us / hunspell-en-gb not installed")


def E(text, *, skill="ABCD", element="level", level=1, item=None, path="x/sfia-9_en_US_1.csv"):
    if element != "level":
        level = None
    return Unit("en", 9, skill, element, level, item, text, None, f"{path}:2", None, path=path)


def whole_file(code, units, **opts):
    """The rule over every unit at once, as a source-corpus scope gives it."""
    c = REGISTRY[code]
    return list(c.func(units, Env(Settings()), {**c.settings, **opts}))


def via_runner(code, units):
    df = run_checks([], Settings(), units, only=[code])
    return df[df["code"] == code].reset_index(drop=True)


@pytest.fixture(autouse=True)
def _system_dictionaries(monkeypatch):
    monkeypatch.delenv("SFIA_QA_HUNSPELL_PATH", raising=False)


def test_locale_from_option_or_file_name():
    assert locale_of([E("x")]) == "en-US"
    assert locale_of([E("x", path="sfia-8_en-GB.xlsx")]) == "en-GB"
    assert locale_of([E("x", path="sources/sfia-9/en/ABCD.csv")]) is None
    assert locale_of([E("x", path="sources/sfia-9/en/ABCD.csv")], "en-GB") == "en-GB"


@needs_en
def test_british_spellings_in_an_en_us_file_are_one_finding_with_counts_and_places():
    units = [E("Builds data modelling standards.", skill="AAAA"),
             E("Keeps the service catalogue and the modelling tools current.", skill="BBBB"),
             E("Practice the program; organize the color scheme.", skill="CCCC"),   # US or both: fine
             E("Supports fulfilment of requests.", skill="DDDD", level=2)]
    (h,) = whole_file("QA707", units)
    assert h.unit.skill == "AAAA" and [e["text"] for e in h.evidence] == ["modelling"]
    assert h.message.startswith("4 British spellings in an en-US text (modelling ×2, catalogue ×1, fulfilment ×1)")
    assert "BBBB level 1" in h.message and "DDDD level 2" in h.message and "CCCC" not in h.message


@needs_en
def test_american_spellings_in_an_en_gb_file_and_no_locale_no_finding():
    gb = [E("Analyses behaviour and colour.", path="sfia-8_en_GB.xlsx"),
          E("Models the center of the catalog.", path="sfia-8_en_GB.xlsx", level=2)]
    (h,) = whole_file("QA707", gb)
    assert "2 American spellings in an en-GB text (catalog ×1, center ×1)" in h.message
    plain = [E("Models the center of the catalogue.", path="sources/sfia-9/en/ABCD.csv")]
    assert whole_file("QA707", plain) == []


@needs_en
def test_locale_spelling_through_the_runner_groups_a_page():
    units = [E("Leads modelling.", item=1, element="activity"), E("Checks modelling tools.", item=2,
                                                                 element="activity")]
    df = via_runner("QA707", units)
    assert len(df) == 1 and df.loc[0, "lang"] == "en" and "2 British spellings" in df.loc[0, "message"]


def test_lowercase_sentences_from_a_spelling_conversion_are_one_finding():
    units = [E("Plans work. analyzes data.", skill="AAAA"), E("Leads teams. organizes events.", skill="BBBB"),
             E("Reviews plans. analyzes risks.", skill="CCCC"), E("Reads notes. the rest follows.", skill="DDDD")]
    hits = whole_file("QA701", units)
    assert len(hits) == 2
    other, group = sorted(hits, key=lambda h: len(h.message))
    assert other.unit.skill == "DDDD" and [e["text"] for e in other.evidence] == ["the"]
    assert group.message.startswith("3 sentences start with a lower-case American spelling (analyzes ×2, "
                                    "organizes ×1)")
    assert "BBBB level 1, CCCC level 1" in group.message


def test_serial_comma_minority_is_reported_once_and_nested_lists_are_not_counted():
    units = [E(f"Plans budgets, schedules and reports {i}.", skill=f"A{i:03}") for i in range(6)]
    units.append(E("Tests code, documents changes, and reviews designs.", skill="ZZZZ"))
    # a list inside a list: "channels, levels and standards" counts (without), its closing ", and" does not
    units.append(E("Sets the channels, levels and standards, and the procedures.", skill="ZZZY"))
    (h,) = whole_file("QA708", units)
    assert h.unit.skill == "ZZZZ" and h.message.startswith("1 list with a serial comma against 7 without")
    assert [e["text"] for e in h.evidence] == [","]
    assert whole_file("QA708", units[:6]) == []


def test_mixed_apostrophes_name_the_text_that_has_both():
    units = [E("The team's plan.", skill="AAAA"), E("The board's view.", skill="BBBB"),
             E("The project's needs and the organization’s risk.", skill="CCCC")]
    (h,) = whole_file("QA709", units)
    assert h.unit.skill == "CCCC" and "1 curly apostrophe against 3 straight ones" in h.message
    assert "Both styles inside one text: CCCC level 1" in h.message
    assert whole_file("QA709", units[:2]) == []


def test_spaced_hyphens_used_as_dashes_are_one_finding():
    units = [E("availability - keeping services up", element="activity", item=1),
             E("integrity - protecting records", element="activity", item=2),
             E("non-repudiation and well-known risks", element="activity", item=3)]
    (h,) = whole_file("QA710", units)
    assert h.message.startswith("2 spaced hyphens used as a dash") and "activity 3" not in h.message


def test_duplicated_nouns_plural_first_only():
    units = [E("Works across multiple domains areas.", skill="AAAA"),
             E("Works across several domains areas.", skill="BBBB"),
             E("Covers the main domain areas and data fields.", skill="CCCC")]
    (h,) = whole_file("QA711", units)
    assert h.message.startswith("'domains areas' ×2") and "CCCC" not in h.message


def test_sample_english_has_no_locale_or_style_findings(root):
    from pipeline.checks.units import units_from_segments
    from pipeline.ingest import read_paths

    units = units_from_segments(read_paths([str(root / "sources")]), english=True)
    for code in ("QA701", "QA708", "QA709", "QA710", "QA711"):
        assert whole_file(code, units) == [], code
