"""Language identification: script first, marks next, langdetect only for the rest."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline import langid

PL = "Przyjmuje i obsługuje rutynowe zapytania i prośby klientów, zgodnie z ustalonymi procedurami."
EN = "Takes in and deals with routine customer queries and requests, in line with the set procedures."
AR = "يستقبل طلبات الخدمة ويتعامل معها، مع اتباع الإجراءات المتفق عليها."


def test_script_shares_counts_letters_only():
    shares = langid.script_shares("abc دعم 123 !!")
    assert shares == {"Arabic": 0.5, "Latin": 0.5}
    assert langid.script_shares("2024 | 1-800") == {}


def test_wrong_script_is_settled_without_langdetect(monkeypatch):
    monkeypatch.setattr(langid, "_detect", lambda t: pytest.fail("langdetect called"))
    v = langid.identify(EN, "ar")
    assert (v.ok, v.method) == (False, "script")
    v = langid.identify(AR, "ar")
    assert (v.ok, v.lang, v.method) == (True, "ar", "script")
    v = langid.identify(AR, "pl")
    assert v.ok is False


def test_marks_settle_polish_without_langdetect(monkeypatch):
    monkeypatch.setattr(langid, "_detect", lambda t: pytest.fail("langdetect called"))
    v = langid.identify(PL, "pl")
    assert (v.ok, v.method) == (True, "marks")


def test_english_in_a_polish_slot_goes_to_langdetect():
    v = langid.identify(EN, "pl")
    assert (v.ok, v.lang, v.method) == (False, "en", "langdetect")


def test_short_texts_codes_and_digits_get_no_verdict():
    for text in ("", "CSMG", "ITIL 4", "1 | 2 | 3 | 4", "Dział obsługi"):
        v = langid.identify(text, "pl")
        assert v.ok is None and v.method == "too-short", text


def test_placeholders_and_urls_do_not_count_as_language():
    v = langid.identify("See https://example.org/some/long/english/path and [PERSON12] @someone", "pl")
    assert v.ok is None


def test_verdict_is_frozen():
    v = langid.identify(PL, "pl")
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.ok = False  # type: ignore[misc]


def test_identify_many_matches_identify_and_dedupes(monkeypatch):
    calls = []
    real = langid._detect.__wrapped__

    def counting(text):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(langid, "_detect", counting)
    texts = [EN, PL, EN, None, "CSMG", EN + " ", AR]
    got = langid.identify_many(texts, "pl", workers=1)
    assert calls == [EN]  # judged once (a trailing space changes nothing); the rest needs no model
    assert got == [langid.identify(t or "", "pl") for t in texts]


def test_unknown_language_falls_back_to_langdetect():
    v = langid.identify(EN, "de")
    assert v.ok is False and v.lang == "en"
