"""QA checks: each rule on small good and bad fixtures, written here."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.checks.glossary import Glossary
from pipeline.checks.runner import run_checks
from pipeline.checks.settings import Settings
from pipeline.checks.text import morph
from pipeline.checks.units import Unit


def U(target, source=None, *, lang="pl", element="level", level=1, item=None, skill="CSMG", fw=9,
      status="ok", origin="t.txt:1"):
    if element != "level":
        level = None
    return Unit(lang, fw, skill, element, level, item, source, target, origin, status)


def E(text, *, element="level", level=1, item=None, skill="CSMG", fw=9):
    """An English unit for the source checks."""
    if element != "level":
        level = None
    return Unit("en", fw, skill, element, level, item, text, None, "en.csv:2", None)


def run(units, code, english=(), settings=None):
    df = run_checks(list(units), settings or Settings(), list(english), only=[code])
    return df[df["code"] == code].reset_index(drop=True)


def spans_ok(df, units):
    """Every evidence span points at the text it quotes."""
    by_key = {(u.element, u.level, u.item): u for u in units}
    for r in df.itertuples():
        u = by_key[(r.element, None if pd.isna(r.level) else int(r.level), None if pd.isna(r.item) else int(r.item))]
        for ev in r.evidence:
            text = u.target if ev["field"] == "target" else u.source
            assert text[ev["start"]:ev["end"]] == ev["text"]


def acts(texts, sources=None, lang="pl"):
    sources = sources or [None] * len(texts)
    return [U(t, s, lang=lang, element="activity", item=i) for i, (t, s) in enumerate(zip(texts, sources, strict=True), 1)]


# --- QA2xx structure ---------------------------------------------------------------------------

def test_list_capitalization_flags_the_one_capitalised_bullet():
    units = acts(["zarządzanie zespołami", "pełnienie funkcji", "Odpowiadanie na zapytania", "obsługa wniosków"])
    df = run(units, "QA201")
    assert df["item"].tolist() == [3]
    assert df.loc[0, "evidence"][0]["text"] == "Odpowiadanie"
    spans_ok(df, units)


def test_list_capitalization_accepts_consistent_lists_acronyms_and_names():
    assert run(acts(["zarządzanie", "pełnienie", "obsługa"]), "QA201").empty
    assert run(acts(["zarządzanie", "IT w firmie", "obsługa", "pełnienie"]), "QA201").empty
    # a proper noun in the English too is not a style slip
    units = acts(["zarządzanie x", "Microsoft Teams y", "obsługa z"], ["managing x", "Microsoft Teams y", "handling z"])
    assert run(units, "QA201").empty
    # no clear majority: no verdict
    assert run(acts(["Zarządzanie", "pełnienie"]), "QA201").empty


def test_list_final_punctuation_flags_the_odd_ending_unless_the_english_has_it():
    units = acts(["zarządzanie", "obsługa", "przetwarzanie.", "utrzymanie zadowolenia"],
                 ["managing", "handling", "processing", "maintaining satisfaction"])
    df = run(units, "QA202")
    assert df["item"].tolist() == [3]
    assert "its English bullet does not" in df.loc[0, "message"]
    assert df.loc[0, "evidence"][0]["text"] == "."
    # the translation follows its English (SFIA's closing full stop): not the translator's slip
    units = acts(["zarządzanie", "obsługa", "przetwarzanie", "utrzymanie zadowolenia."],
                 ["managing", "handling", "processing", "maintaining satisfaction."])
    assert run(units, "QA202").empty
    assert run(acts(["a.", "b.", "c."]), "QA202").empty


def test_list_final_punctuation_house_style_option():
    units = acts(["zarządzanie", "obsługa", "utrzymanie."])
    s = Settings(options={"QA202": {"closing_full_stop_ok": True}})
    assert run(units, "QA202", settings=s).empty
    # a full stop in the middle of the list is still reported
    assert run(acts(["zarządzanie", "obsługa.", "utrzymanie", "x"]), "QA202", settings=s)["item"].tolist() == [2]


def test_missing_and_extra_segments():
    miss = U(None, "Takes in requests.", status="missing")
    empty = U("  ", "Takes in requests.", level=2)
    extra = U("Dodatkowy akapit.", None, element="guidance", item=3, status="extra")
    ok = U("Przyjmuje zgłoszenia.", "Takes in requests.", level=3)
    assert sorted(run([miss, empty, ok, extra], "QA203")["level"].tolist()) == [1, 2]
    df = run([miss, ok, extra], "QA204")
    assert df["item"].tolist() == [3]


def test_untranslated_identical_and_mostly_copied():
    same = U("Manages the service desk.", "Manages the service desk.")
    copied = U("Manages the service desk and the team w zespole.", "Manages the service desk and the team.",
               level=2)
    fine = U("Zarządza biurem obsługi (service desk) i zespołem.", "Manages the service desk and the team.",
             level=3)
    df = run([same, copied, fine], "QA205")
    assert df["level"].tolist() == [1, 2]
    assert "unchanged" in df.loc[0, "message"]


def test_wrong_language_by_script_and_no_verdict_when_short():
    long_ar = "يستقبل طلبات الخدمة ويتعامل معها مع اتباع الإجراءات المتفق عليها"
    units = [U(long_ar, "Takes in service requests and deals with them.", lang="pl"),
             U("Przyjmuje zgłoszenia serwisowe i obsługuje je zgodnie z ustalonymi procedurami.",
               "Takes in service requests.", lang="pl", level=2),
             U("OK", "OK", lang="pl", level=3)]
    df = run(units, "QA206")
    assert df["level"].tolist() == [1]
    english_in_polish = U("Takes in service requests and deals with them, following the agreed procedures.",
                          "x", lang="pl", level=4)
    assert run([english_in_polish], "QA206")["level"].tolist() == [4]


def test_numbers_and_level_numbers_must_match_including_arabic_indic_digits():
    bad = U("Na poziomie 6 lub wyższym.", "At level 5 or higher.")
    ok_ar = U("في المستوى ٥ أو أعلى.", "At level 5 or higher.", lang="ar", level=2)
    df = run([bad, ok_ar], "QA207")
    assert df["level"].tolist() == [1]
    ev = {(e["field"], e["text"]) for e in df.loc[0, "evidence"]}
    assert ev == {("source", "5"), ("target", "6")}


def test_skill_code_is_kept():
    bad = U("Zobacz umiejętność zarządzania usługami.", "See the skill ITSP.")
    good = U("Zobacz umiejętność ITSP.", "See the skill ITSP.", level=2)
    other = U("Zobacz DEVOPS.", "See DEVOPS.", level=3)  # not a skill code of the corpus
    df = run([bad, good, other, U("x", "y", skill="ITSP", element="name")], "QA208")
    assert df["level"].tolist() == [1]


def test_length_ratio_outliers_against_the_language_ratio():
    src = "Takes in and deals with routine customer queries and requests, in line with the set procedures."
    short = U("Przyjmuje zapytania.", src)
    normal = U("Przyjmuje i obsługuje rutynowe zapytania i prośby klientów, zgodnie z ustalonymi procedurami.",
               src, level=2)
    assert run([short, normal], "QA209")["level"].tolist() == [1]


def test_boilerplate_leak_markers_and_headings():
    leak = U("Zarządza usługami. (modified)", "Manages services.")
    heading = U("Zarządza usługami. Dział obsługi klienta: Poziom 3", "Manages services.", level=2)
    fine = U("Zarządza usługami na poziomie 3.", "Manages services at level 3.", level=3)
    df = run([leak, heading, fine], "QA210")
    assert df["level"].tolist() == [1, 2]
    assert df.loc[0, "evidence"][0]["text"] == "(modified)"


# --- QA4xx punctuation ---------------------------------------------------------------------------

def test_final_punctuation_parity_with_script_variants():
    bad = U("Działania mogą obejmować", "Activities may include:", element="guidance", item=2)
    ok_ar = U("هل هذا صحيح؟", "Is this right?", lang="ar")
    ok_pl = U("Przyjmuje zgłoszenia.", "Takes in requests.", level=2)
    df = run([bad, ok_ar, ok_pl], "QA401")
    assert df["item"].tolist() == [2]
    assert "':'" in df.loc[0, "message"]


def test_brackets_and_quotes():
    b = run([U("Zarządza (w tym planowaniem zasobów.", "x"), U("a) pierwszy, b) drugi", "x", level=2),
             U("Zarządza (w tym) planowaniem.", "x", level=3)], "QA402")
    assert b["level"].tolist() == [1]
    q = run([U("Tak zwany „katalog usług jest", "x"), U("Tak zwany „katalog usług” jest", "x", level=2),
             U("Tak zwany „katalog usług“ jest", "x", level=3), U('Tak "zwany katalog', "x", level=4)], "QA403")
    assert q["level"].tolist() == [1, 4]


def test_spacing_checks():
    units = [U("Zarządza  usługami.", "x"), U(" Zarządza usługami.", "x", level=2),
             U("Zarządza usługami , zespołem .", "x", level=3), U("Zarządza usługami...", "x", level=4),
             U("يدير الخدمات ، والفرق.", "x", lang="ar", level=5)]
    assert run(units, "QA404")["level"].tolist() == [1]
    assert run(units, "QA405")["level"].tolist() == [2]
    df = run(units, "QA406")
    assert sorted(df["level"].tolist()) == [3, 5]
    assert len(df[df["level"] == 3]["evidence"].iloc[0]) == 2


def test_repeated_word():
    df = run([U("Zarządza zespołem zespołem obsługi.", "x"), U("Zarządza zespołem i i obsługą.", "x", level=2),
              U("Zarządza 2 2 zespołami.", "x", level=3)], "QA407")
    assert df["level"].tolist() == [1, 2]


# --- QA5xx terminology -------------------------------------------------------------------------

def page(lang, name, name_en, others):
    units = [U(name, name_en, lang=lang, element="name")]
    for i, (t, s) in enumerate(others, 1):
        units.append(U(t, s, lang=lang, level=i))
    return units


def test_skill_name_inflection_tolerant_in_polish_and_arabic():
    pl = page("pl", "Dział obsługi klienta", "Customer service support",
              [("Wsparcie obsługi klienta może być zarządzane.", "Customer service support can be managed."),
               ("Kieruje działem obsługi klienta.", "Directs customer service support."),
               ("Monitoruje kanały.", "Watches channels.")])
    df = run(pl, "QA501")
    assert df["level"].tolist() == [1]
    assert df.loc[0, "evidence"][0]["text"] == "Customer service support"
    ar = page("ar", "دعم خدمة العملاء", "Customer service support",
              [("يمكن إدارة دعم خدمة العملاء عبر قنوات عدة.", "Customer service support can be managed."),
               ("يقدم الدعم للعملاء.", "Provides customer service support.")])
    df = run(ar, "QA501")
    assert df["level"].tolist() == [2]


def test_morphology_matches_inflected_forms_only():
    pl, ar = morph("pl"), morph("ar")
    assert pl.match("klienta", "klientów") and pl.match("obsługa", "obsługi")
    assert not pl.match("dział", "działania") and not pl.match("obsługa", "obsada")
    assert ar.match("العملاء", "للعملاء") and ar.match("بخدمة", "خدمة") and ar.match("الوظائف", "وظائف")
    assert not ar.match("خدمة", "خطة")


def test_glossary_term_missing_and_misused():
    g = Glossary("pl", (("service desk", ("biuro obsługi",)), ("customer service", ("obsługa klienta",))))
    s = Settings(glossaries={"pl": g})
    units = [U("Zarządza biurami obsługi.", "Manages service desks."),
             U("Zarządza obsługą klienta.", "Manages the service desk.", level=2),
             U("Zarządza działem pomocy.", "Manages the service desk.", level=3),
             U("Kieruje obsługą klientów.", "Directs customer service.", level=4)]
    missing = run(units, "QA502", settings=s)
    assert missing["level"].tolist() == [2, 3]
    assert missing.loc[0, "evidence"][0] == {"field": "source", "start": 12, "end": 24, "text": "service desk"}
    misused = run(units, "QA503", settings=s)
    assert misused["level"].tolist() == [2]
    assert misused.loc[0, "evidence"][0]["text"] == "obsługą klienta"


def test_inconsistent_translation_of_the_same_english():
    units = [U("Przyjmuje zgłoszenia.", "Takes in service requests.", skill="AAAA"),
             U("Przyjmuje zgłoszenia.", "Takes in service requests.", skill="BBBB"),
             U("Odbiera wnioski.", "Takes in service requests.", skill="CCCC"),
             U("Przyjmuje zgłoszenia serwisowe. Prowadzi rejestr zdarzeń.",
               "Takes in service requests for all users. Keeps the incident register.", skill="DDDD"),
             U("Przyjmuje zgłoszenia od wszystkich. Rejestruje zdarzenia.",
               "Takes in service requests for all users. Logs incidents today.", skill="EEEE")]
    df = run(units, "QA504")
    assert df["skill"].tolist() == ["CCCC", "EEEE"]
    assert df.loc[1, "evidence"][0]["text"] == "Przyjmuje zgłoszenia od wszystkich."
    assert "AAAA" in df.loc[0, "message"]


def test_same_translation_for_different_english():
    units = [U("Zarządza zespołem obsługi klienta.", "Manages the customer service team.", skill="AAAA"),
             U("Zarządza zespołem obsługi klienta.", "Manages the service desk team.", skill="BBBB"),
             U("Zarządza zespołem obsługi klienta", "manages the customer service team", skill="CCCC")]
    df = run(units, "QA505")
    assert df["skill"].tolist() == ["BBBB"]


# --- QA6xx Arabic --------------------------------------------------------------------------------

def test_latin_punctuation_in_arabic_text_but_not_in_latin_fragments():
    bad = U("يستقبل الطلبات, ويتعامل معها; هل هذا صحيح?", "x", lang="ar")
    fine = U("يستخدم SQL, Python وغيرها، ويعالج 1,000 طلب.", "x", lang="ar", level=2)
    df = run([bad, fine], "QA601")
    assert df["level"].tolist() == [1]
    assert [e["text"] for e in df.loc[0, "evidence"]] == [",", ";", "?"]
    assert run([U("Zarządza, planuje; czy?", "x")], "QA601").empty  # Polish: no mapping


def test_bidi_controls_mixed_digits_and_tatweel():
    units = [U("يدير\u200f الخدمات", "x", lang="ar"), U("المستوى 5 و٦", "x", lang="ar", level=2),
             U("يديـــر الخدمات", "x", lang="ar", level=3), U("يدير الخدمات ٥ و٦", "x", lang="ar", level=4)]
    assert run(units, "QA602")["level"].tolist() == [1]
    assert run(units, "QA603")["level"].tolist() == [2]
    df = run(units, "QA604")
    assert df["level"].tolist() == [3] and df.loc[0, "evidence"][0]["text"] == "ـــ"


# --- QA7xx source --------------------------------------------------------------------------------

def test_source_lowercase_sentence_but_not_after_abbreviations_or_bullet_starts():
    en = [E("Drafts standards. analyzes service data."),
          E("Uses tools, e.g. spreadsheets, etc. and others.", level=2),
          E("managing teams", element="activity", item=1)]
    df = run([], "QA701", english=en)
    assert df["level"].tolist() == [1]
    assert df.loc[0, "lang"] == "en"
    assert df.loc[0, "evidence"][0] == {"field": "source", "start": 18, "end": 26, "text": "analyzes"}


def test_source_spacing_unbalanced_repeated_and_lists():
    en = [E("Drafts  standards."), E("Prepares plans ((including scope)."), E("Drafts the the plan.", level=2),
          *[E(t, element="activity", item=i) for i, t in enumerate(["managing", "handling", "Serving",
                                                                      "processing;", "running", "closing."], 1)]]
    assert run([], "QA702", en)["level"].tolist() == [1]
    assert len(run([], "QA703", en)) == 1
    assert run([], "QA706", en)["level"].tolist() == [2]
    assert run([], "QA704", en)["item"].tolist() == [3]
    assert run([], "QA705", en)["item"].tolist() == [4]


@pytest.mark.parametrize("code", ["QA201", "QA401", "QA501", "QA601"])
def test_checks_stay_quiet_on_clean_text(code):
    units = page("pl", "Dział obsługi klienta", "Customer service desk",
                 [("Przyjmuje zgłoszenia.", "Takes in requests."), ("Prowadzi dokumentację.", "Keeps records.")])
    assert run(units, code).empty
