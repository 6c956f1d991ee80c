"""Terminology as a reviewer reads it: glossary phrase matching, consistency, forbidden renderings,
calques, the skill's name, list parallelism. Fixtures are sentences written here, in the shape of
the defects issue 15 names."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.checks.glossary import Calque, Glossary, load_glossary
from pipeline.checks.runner import run_checks
from pipeline.checks.settings import Settings
from pipeline.checks.text import morph
from pipeline.checks.units import Unit
from pipeline.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def U(target, source, *, lang="pl", element="level", level=1, item=None, skill="ABCD", fw=9):
    if element != "level":
        level = None
    return Unit(lang, fw, skill, element, level, item, source, target, "t.txt:1", "ok")


def run(units, code, glossary=None):
    s = Settings(glossaries={glossary.lang: glossary} if glossary else {})
    df = run_checks(list(units), s, only=[code])
    return df[df["code"] == code].reset_index(drop=True)


def shipped(lang):
    return load_glossary(ROOT / "glossary" / f"{lang}.toml", lang)


def evidence(df, i=0):
    return [e["text"] for e in df.loc[i, "evidence"]]


# --- matching ---------------------------------------------------------------------------------

def test_english_terms_match_inflections_not_words_sharing_a_stem():
    en = morph("en")
    assert en.match("levels", "level") and en.match("policies", "policy") and en.match("managed", "manages")
    assert not en.match("continual", "continuous") and not en.match("serve", "service")
    g = Glossary("pl", (("continual improvement", ("ciągłe doskonalenie",)),))
    same_stem = U("Prowadzi inicjatywy stałego ulepszania.", "Drives continuous improvement initiatives.")
    plural = U("Prowadzi inicjatywy stałego ulepszania.", "Drives continual improvements.", level=2)
    assert run([same_stem, plural], "QA502", g)["level"].tolist() == [2]


def test_coordinated_heads_share_the_dependent_in_arabic_and_polish():
    ar = Glossary("ar", (("service level", ("مستوى الخدمة|مستويات الخدمة",)),))
    ok = U("يحدد قنوات ومستويات ومعايير الخدمة.", "Sets the service channels, service levels and standards.",
           lang="ar")
    bad = U("يحدد قنوات ومعايير الأداء.", "Sets the service channels, service levels and standards.",
            lang="ar", level=2)
    assert run([ok, bad], "QA502", ar)["level"].tolist() == [2]
    pl = Glossary("pl", (("service standard", ("standard obsługi",)),))
    ok = U("Pomaga w tworzeniu standardów i procedur obsługi.", "Helps create service standards and procedures.")
    assert run([ok], "QA502", pl).empty
    # the head must come first: a dependent before unrelated conjuncts is not the term
    assert not morph("pl").find("obsługi standardów i procedur", "standard obsługi")


# --- QA506 consistency ------------------------------------------------------------------------

SAT = Glossary("pl", (("customer satisfaction", ("zadowolenie klienta", "satysfakcja klienta")),))


def test_term_rendered_two_ways_reports_the_non_preferred_ones():
    units = [U("utrzymywanie zadowolenia klientów", "keeping customers satisfied and customer satisfaction high",
               element="activity", item=4),
             U("Śledzi mierniki satysfakcji klienta.", "Tracks customer satisfaction measures.", level=2),
             U("Dba o wysoką satysfakcję klientów.", "Looks after high customer satisfaction.", level=5)]
    df = run(units, "QA506", SAT)
    assert df["level"].tolist() == [2, 5]
    assert evidence(df, 0) == ["satysfakcji klienta"] and evidence(df, 1) == ["satysfakcję klientów"]
    assert "activity 4" in df.loc[0, "message"] and "zadowolenie klienta" in df.loc[0, "message"]


def test_one_rendering_throughout_is_consistent_even_if_not_preferred():
    units = [U("Śledzi mierniki satysfakcji klienta.", "Tracks customer satisfaction measures.", level=2),
             U("Dba o wysoką satysfakcję klientów.", "Looks after high customer satisfaction.", level=5)]
    assert run(units, "QA506", SAT).empty


def test_consistency_spans_the_framework_and_names_the_other_skill():
    units = [U("Mierzy zadowolenie klientów.", "Measures customer satisfaction.", skill="AAAA"),
             U("Mierzy satysfakcję klienta.", "Measures customer satisfaction.", skill="BBBB")]
    df = run(units, "QA506", SAT)
    assert df["skill"].tolist() == ["BBBB"] and "AAAA level 1" in df.loc[0, "message"]


def test_arabic_broken_plural_forms_are_one_rendering_and_the_other_plural_is_reported():
    g = Glossary("ar", (("problem", ("مشكلة|مشكلات", "مشاكل")),))
    units = [U("يحل المشكلات المعقدة.", "Solves complex problems.", lang="ar"),
             U("يتابع مشكلة واحدة.", "Follows one problem.", lang="ar", level=2),
             U("يصعّد المشاكل العالقة.", "Escalates open problems.", lang="ar", level=3)]
    df = run(units, "QA506", g)
    assert df["level"].tolist() == [3] and evidence(df) == ["المشاكل"]


# --- QA507 forbidden, QA508 calques: the shipped data catches the issue's examples -------------

def test_forbidden_rendering_is_reported_once_with_the_standard_term():
    g = shipped("pl")
    u = U("Odpowiada za ciągłość biznesową firmy.", "Is accountable for business continuity.")
    df = run([u], "QA507", g)
    assert evidence(df) == ["ciągłość biznesową"] and "ciągłość działania" in df.loc[0, "message"]
    assert run([u], "QA502", g).empty          # not reported twice
    assert run([U("Odpowiada za ciągłość działania.", "Is accountable for business continuity.")],
               "QA507", g).empty


@pytest.mark.parametrize("target, source, wrong", [
    ("Zapewnia wskazówki metodyczne nowym pracownikom.", "Gives methodical guidance to new staff.",
     "Zapewnia wskazówki"),
    ("Prowadzi wstępne dochodzenie w sprawie awarii.", "Runs an initial investigation of outages.",
     "wstępne dochodzenie"),
    ("Wsparcie techniczne może być planowane i dostarczane zdalnie.", "Support can be planned and given remotely.",
     "Wsparcie techniczne może być planowane i dostarczane"),
    ("Uczestniczy w rozwoju i przeglądzie standardów jakości.", "Takes part in developing quality standards.",
     "rozwoju i przeglądzie standardów"),
])
def test_polish_calques_of_issue_15(target, source, wrong):
    df = run([U(target, source)], "QA508", shipped("pl"))
    assert evidence(df) == [wrong]
    assert "(" in df.loc[0, "message"]          # the source of the judgement is quoted


@pytest.mark.parametrize("target, source", [
    ("Udziela wskazówek nowym pracownikom.", "Gives guidance to new staff."),
    ("Odpowiada na prośby działu obsługi, dostarczając informacji.", "Answers service requests, giving information."),
    ("Dostarcza raporty. Usługi są świadczone zdalnie.", "Delivers reports. Services are provided remotely."),
    ("Dba o rozwój zespołu i standardów.", "Looks after the team's growth."),   # no 'develop' in the English
])
def test_polish_calque_look_alikes_are_not_reported(target, source):
    assert run([U(target, source)], "QA508", shipped("pl")).empty


def test_arabic_calques_of_issue_15_need_their_english_where_the_word_has_a_proper_use():
    g = shipped("ar")
    assign = U("يقوم فوراً برصد الطلبات الواردة.", "Promptly assigns incoming requests.", lang="ar")
    monitor = U("يقوم فوراً برصد الطلبات الواردة.", "Promptly monitors incoming requests.", lang="ar", level=2)
    on = U("يؤثر على سياسات الفريق.", "Influences team policies.", lang="ar", level=3)
    in_ = U("يؤثر في سياسات الفريق.", "Influences team policies.", lang="ar", level=4)
    df = run([assign, monitor, on, in_], "QA508", g)
    assert df["level"].tolist() == [1, 3]
    assert evidence(df, 0) == ["يقوم فوراً برصد"] and "يؤثر في" in df.loc[1, "message"]


def test_calque_window_stops_at_a_clause_break():
    m = morph("pl")
    from pipeline.checks.rules_terms import calque_spans
    assert calque_spans(m, "usługi są dobre, dostarczane wcześnie", "dostarczać usługi", 6) == []
    assert calque_spans(m, "usługi są szybko dostarczane", "dostarczać usługi", 6) == [(0, 28)]


# --- QA501: the title is blamed when the glossary sides with the other segments ----------------

def test_skill_name_blames_the_title_when_the_glossary_agrees_with_the_guidance():
    g = Glossary("pl", (("customer service support", ("wsparcie obsługi klienta",)),))
    units = [U("Dział obsługi klienta", "Customer service support", element="name"),
             U("Wsparcie obsługi klienta obejmuje wiele kanałów.", "Customer service support spans many channels.",
               element="guidance", item=1)]
    df = run(units, "QA501", g)
    assert df["element"].tolist() == ["name"] and evidence(df) == ["Dział obsługi klienta"]
    # without the glossary the title is the reference and the guidance is reported, as before
    df = run(units, "QA501")
    assert df["element"].tolist() == ["guidance"]


# --- glossary files ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, msg", [
    ('[terms]\n"x" = { accepted = ["a"], forbidden = ["A"] }\n', "both accepted and forbidden"),
    ('[terms]\n"x" = { forbidden = ["b"] }\n', "needs accepted"),
    ('[[calque]]\nwrong = ["a b"]\nright = "c"\n', "needs source"),
    ('[[calque]]\nwrong = ["a b"]\nright = "c"\nsource = "s"\nwithin = 20\n', "within"),
    ('[terms]\n"x" = { accepted = ["a"], colour = "red" }\n', "unknown key"),
])
def test_bad_glossary_entries_are_refused_naming_the_file(tmp_path, text, msg):
    p = tmp_path / "pl.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=msg) as e:
        load_glossary(p, "pl")
    assert "pl.toml" in str(e.value)


def test_shipped_glossaries_load_with_sources_for_every_calque():
    for lang in ("pl", "ar"):
        g = shipped(lang)
        assert g.calques and all(isinstance(c, Calque) and c.source for c in g.calques)
    assert shipped("pl").preferred("customer satisfaction") == "zadowolenie klienta"


# --- QA211 list parallelism -------------------------------------------------------------------

def acts(texts, lang):
    return [U(t, None, lang=lang, element="activity", item=i) for i, t in enumerate(texts, 1)]


def test_list_form_flags_the_arabic_masdar_among_finite_verbs():
    units = acts(["إدارة الفرق والعمليات", "يعمل مع الشركاء", "يستجيب للاستفسارات", "يتولى الطلبات الواردة"], "ar")
    df = run(units, "QA211")
    assert df["item"].tolist() == [1] and evidence(df) == ["إدارة"]
    assert "verbal noun" in df.loc[0, "message"] and "finite verb" in df.loc[0, "message"]


def test_list_form_polish_infinitive_among_verbal_nouns_and_unknown_words_not_judged():
    units = acts(["zarządzanie zespołem", "prowadzenie rejestru", "obsługa wniosków", "przygotować raporty",
                  "utrzymanie kontaktu"], "pl")
    df = run(units, "QA211")
    assert df["item"].tolist() == [4] and evidence(df) == ["przygotować"]
    parallel = acts(["zarządzanie zespołem", "prowadzenie rejestru", "obsługa wniosków", "utrzymanie kontaktu"], "pl")
    assert run(parallel, "QA211").empty
