"""The marker audit (QA101-QA105) per section, near copies (QA104), and marker texts as language data
(page reader, QA210). Fixtures are sentences written here, in the shape of real pages."""

from __future__ import annotations

import pytest

from pipeline.checks.registry import get
from pipeline.checks.rules_markers import char_ratio, segment_list
from pipeline.checks.runner import run_checks
from pipeline.checks.settings import Settings
from pipeline.checks.units import Unit
from pipeline.ingest import read_file

MARKER_CODES = ["QA101", "QA102", "QA103", "QA104", "QA105"]


def T(target, *, element="level", level=1, item=None, marker="unchanged", drift="unchanged", previous=None,
      source="The English.", lang="pl", extra=None):
    """A SFIA 9 translated unit with its marker, its English drift and its SFIA 8 translation."""
    return Unit(lang, 9, "ABCD", element, level if element == "level" else None, item, source, target,
                f"t.txt:{(level or 0) * 10 + (item or 0)}", "ok", path="t.txt", line=1, marker=marker, drift=drift,
                previous=previous, extra=extra or {})


def audit(units, settings=None, codes=MARKER_CODES):
    return run_checks(list(units), settings or Settings(), only=codes)


def _guidance_section(marker="unchanged"):
    """A guidance section: paragraph 1 and activities 2-6 changed in the English, the rest did not.
    Activities 2 and 3 keep the SFIA 8 translation, paragraph 1 and activities 4-5 were translated anew,
    activity 6 is new in SFIA 9, activity 7 (English unchanged) was edited anyway."""
    units = [T("Nowy akapit o ogrodach.", element="guidance", item=1, marker=marker, drift="modified",
               previous="Stary akapit o ogrodach.")]
    units.append(T("Działania mogą obejmować:", element="guidance", item=2, marker=marker, drift="unchanged",
                   previous="Działania mogą obejmować:"))
    for i in range(1, 8):
        old = f"stara czynność numer {i}"
        if i == 1:
            units.append(T(old, element="activity", item=i, marker=marker, drift="cosmetic", previous=old))
        elif i in (2, 3):
            units.append(T(old, element="activity", item=i, marker=marker, drift="modified", previous=old))
        elif i in (4, 5):
            units.append(T(f"nowa czynność numer {i}", element="activity", item=i, marker=marker, drift="modified",
                           previous=old))
        elif i == 6:
            units.append(T("zupełnie nowa czynność", element="activity", item=i, marker=marker, drift="added"))
        else:
            units.append(T(f"poprawiona czynność numer {i}", element="activity", item=i, marker=marker,
                           drift="unchanged", previous=old))
    return units


def test_one_flipped_guidance_marker_is_one_qa101_and_one_qa103():
    df = audit(_guidance_section())
    assert sorted(df.code) == ["QA101", "QA103"]  # was 6 QA101 + 3 QA103 segment by segment
    qa101 = df[df.code == "QA101"].iloc[0]
    assert qa101.severity == "error" and qa101.element == "guidance" and int(qa101["item"]) == 1
    msg = qa101.message
    assert msg.startswith("The guidance notes section is marked (unchanged) but its English changed between "
                          "SFIA 8 and SFIA 9 in paragraph 1, activities 2-6.")
    assert "Activities 2-3 are still the SFIA 8 translation: translate the new English." in msg
    assert "Paragraph 1, activities 4-5 were translated anew: mark the section (modified)" in msg
    qa103 = df[df.code == "QA103"].iloc[0]
    assert (qa103.element, int(qa103["item"])) == ("activity", 7)
    assert "activity 7 differs from the SFIA 8 translation although the English did not change" in qa103.message


def test_the_same_section_marked_modified_raises_nothing():
    assert audit(_guidance_section(marker="modified"), codes=["QA101", "QA102", "QA103"]).empty


def test_flipped_level_marker_names_the_level_and_what_to_do():
    stale = T("Stary opis poziomu.", level=4, drift="modified", previous="Stary opis poziomu.")
    df = audit([stale])
    assert df.code.tolist() == ["QA101"]  # not QA104 too: that one is about (modified) sections
    assert df.message[0] == ("The level 4 section is marked (unchanged) but its English changed between SFIA 8 "
                             "and SFIA 9 in the level statement. The level statement is still the SFIA 8 "
                             "translation: translate the new English and mark the section (modified).")
    assert df.evidence[0] == [{"field": "target", "start": 0, "end": len(stale.target), "text": stale.target}]


def test_cosmetic_english_under_unchanged_is_fine_and_sections_are_per_page():
    ok = T("Opis.", drift="cosmetic", previous="Opis.")
    other_skill = T("Inny opis.", level=2, drift="modified", previous="Inny opis.")
    other_skill.skill = "EFGH"
    df = audit([ok, other_skill])
    assert df[["code", "skill"]].values.tolist() == [["QA101", "EFGH"]]


def test_segment_list_groups_runs_in_reading_order():
    units = [T("x", element="guidance", item=1), T("x", element="guidance", item=3),
             *[T("x", element="activity", item=i) for i in (2, 3, 4, 6, 8, 9)]]
    assert segment_list(units) == "paragraphs 1, 3, activities 2-4, 6, 8-9"
    assert segment_list([T("x", element="name"), T("x", element="description")]) == "name, description"


# --- QA104: near copies -------------------------------------------------------------------------

SFIA8_PL = "Planuje i nadzoruje prace zespołu ogrodników, dba o sprzęt i raportuje postępy kierownikowi."


def test_word_for_word_copy_is_stale():
    u = T(SFIA8_PL, marker="modified", drift="modified", previous=SFIA8_PL)
    df = audit([u], codes=["QA104"])
    assert df.code.tolist() == ["QA104"] and "SFIA 8 text unchanged" in df.message[0]


EN8 = "Plans and oversees the work of a team of gardeners, looks after tools and reports progress to the manager."
EN9 = "Leads the planting strategy for all public parks and sets the yearly budget with the finance team."
NEAR = SFIA8_PL.replace("kierownikowi", "dyrektorowi")  # one word of the SFIA 8 translation changed


def test_near_copy_with_one_word_changed_is_stale():
    assert 0.9 <= char_ratio(SFIA8_PL, NEAR) < 1.0
    u = T(NEAR, marker="modified", drift="modified", previous=SFIA8_PL, source=EN9, extra={"source_8": EN8})
    df = audit([u], codes=["QA104"])
    assert df.code.tolist() == ["QA104"]
    e, t = char_ratio(EN8, EN9), char_ratio(SFIA8_PL, NEAR)
    assert df.message[0] == (f"Level 1: the English was modified (its SFIA 8 and SFIA 9 texts are {e:.0%} alike) "
                             f"but the translation is {t:.0%} the SFIA 8 translation (about 11 character(s) "
                             "edited): it is a near copy that probably does not follow the new English.")


def test_near_copy_following_a_small_english_change_passes():
    # the English changed one word too: the translation changed as much as the English did
    small = T(NEAR, marker="modified", drift="modified", previous=SFIA8_PL, source=EN8.replace("manager", "director"),
              extra={"source_8": EN8})
    assert audit([small], codes=["QA104"]).empty


def test_near_copy_without_the_sfia8_english_is_not_judged():
    # how far the English moved is unknown: only a word-for-word copy can be called stale
    u = T(NEAR, marker="modified", drift="modified", previous=SFIA8_PL, source=EN9)
    assert audit([u], codes=["QA104"]).empty


def test_a_real_retranslation_and_the_near_copy_setting():
    fresh = T("Kieruje strategią nasadzeń we wszystkich parkach i ustala roczny budżet.", marker="modified",
              drift="modified", previous=SFIA8_PL, source=EN9, extra={"source_8": EN8})
    assert audit([fresh], codes=["QA104"]).empty
    near = T(NEAR, marker="modified", drift="modified", previous=SFIA8_PL, source=EN9, extra={"source_8": EN8})
    strict = Settings()
    strict.options[get("QA104").code] = {"near_copy": 0.99}
    assert audit([near], settings=strict, codes=["QA104"]).empty
    assert get("QA104").settings == {"near_copy": 0.9}


def test_cosmetic_english_does_not_make_a_copy_stale():
    u = T(SFIA8_PL, marker="modified", drift="cosmetic", previous=SFIA8_PL)
    assert audit([u], codes=["QA104"]).empty


# --- marker texts: language data and QA210 ------------------------------------------------------

def _polish_page(tmp_path, level3_marker_line: str, guidance_marker: str):
    page = tmp_path / "pl" / "sfia-9" / "ABCD.txt"
    page.parent.mkdir(parents=True)
    page.write_text(
        "Testowanie sprzętu ABCD\n(niezmienione)\n"
        "Sprawdzanie sprzętu ogrodniczego.\n"
        f"Wskazówki\n{guidance_marker}\n"
        "Sprzęt sprawdza się przed sezonem.\n"
        "Działania mogą obejmować:\n"
        "- planowanie przeglądów\n"
        "- prowadzenie przeglądów\n"
        f"Testowanie sprzętu: Poziom 2 (bez zmian)\n"
        "Prowadzi proste przeglądy.\n"
        f"{level3_marker_line}"
        "Planuje przeglądy całego parku maszyn.\n",
        encoding="utf-8")
    return read_file(page)


def test_polish_marker_texts_are_read_as_markers(tmp_path):
    df = _polish_page(tmp_path, "Testowanie sprzętu: Poziom 3\n(zmodyfikowane)\n", "(zmienione)")
    assert df.element.tolist() == ["name", "description", "guidance", "guidance", "activity", "activity",
                                   "level", "level"]
    assert df.marker.tolist() == ["unchanged", "unchanged"] + ["modified"] * 4 + ["unchanged", "modified"]
    assert not df.text.str.contains(r"\(", regex=True).any()


@pytest.mark.parametrize("lang,token,marker", [
    ("pl", "(niezmienione)", "unchanged"), ("pl", "(Zmodyfikowane)", "modified"), ("pl", "(bez zmian)", "unchanged"),
    ("ar", "(دون تغيير)", "unchanged"), ("ar", "(معدّل)", "modified"), ("cs", "(beze změny)", "unchanged"),
    ("en", "(modified)", "modified"), ("pl", "(unchanged)", "unchanged"),
])
def test_marker_texts_are_language_data(lang, token, marker):
    from pipeline import langdata
    assert langdata.load(lang).page.marker_of(token) == marker


def L(target, lang="pl", level=3):
    return Unit(lang, 9, "ABCD", "level", level, None, "Plans reviews.", target, "t.txt:9", "ok")


def test_qa210_reports_a_foreign_marker_naming_its_language():
    df = run_checks([L("(niezmienione) يخطط للمراجعات.", lang="ar")], Settings(), only=["QA210"])
    assert len(df) == 1
    assert df.message[0] == ("Level 3 contains '(niezmienione)', the Polish (unchanged) marker, which the Arabic "
                             "language data does not list: a marker belongs on its own line or after the heading, "
                             "not in the text.")
    assert df.evidence[0] == [{"field": "target", "start": 0, "end": 14, "text": "(niezmienione)"}]


def test_qa210_reports_an_own_marker_glued_to_the_text():
    df = run_checks([L("Planuje przeglądy. (Niezmienione)")], Settings(), only=["QA210"])
    assert df.message.tolist() == ["Level 3 contains the (unchanged) marker '(Niezmienione)': a marker belongs on "
                                   "its own line or after the heading, not in the text."]


@pytest.mark.parametrize("lang,text,token", [
    ("pl", "(zaktualizowane) Planuje przeglądy.", "(zaktualizowane)"),
    ("pl", "Planuje przeglądy (changed)", "(changed)"),
    ("cs", "Plánuje kontroly. (nezměněné)", "(nezměněné)"),
])
def test_qa210_reports_an_unknown_marker_like_text(lang, text, token):
    df = run_checks([L(text, lang=lang)], Settings(), only=["QA210"])
    assert len(df) == 1 and df.evidence[0][0]["text"] == token
    assert f"contains {token!r}, which looks like a (modified)/(unchanged) marker that the language data does " \
           f"not know" in df.message[0] and f"pipeline/lang/{lang}.toml" in df.message[0]


def test_qa210_leaves_ordinary_brackets_alone():
    ok = [L("Planuje przeglądy (zobacz powiązane umiejętności SFIA)."), L("Planuje przeglądy (co roku).", level=4),
          L("يخطط للمراجعات (كتالوج).", lang="ar", level=5)]
    assert run_checks(ok, Settings(), only=["QA210"]).empty


def test_near_copy_is_found_through_the_alignment_as_the_run_builds_units():
    """The check stage builds units from alignment rows: the SFIA 8 English must reach QA104."""
    from pipeline import schema
    from pipeline.checks.units import units_from_alignment

    row = {"lang": "pl", "skill": "ABCD", "element": "level", "level": 1, "item": None, "item_8": None,
           "item_9": None, "en_8": EN8, "en_9": EN9, "tgt_8": SFIA8_PL, "tgt_9": NEAR, "marker": "modified",
           "origin_tgt_8": "p8.txt:4", "origin_tgt_9": "p9.txt:4", "path_tgt_8": "p8.txt", "path_tgt_9": "p9.txt",
           "line_tgt_8": 4, "line_tgt_9": 4, "status_8": "ok", "status_9": "ok", "drift": "modified"}
    units = units_from_alignment(schema.make(schema.ALIGNMENT, [row]))
    df = run_checks(units, Settings(), only=["QA104"])
    assert df["code"].tolist() == ["QA104"] and df["framework"].tolist() == [9]
