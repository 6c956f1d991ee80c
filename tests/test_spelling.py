"""QA409 spelling and QA712 source-spelling: Hunspell through spylls, the project word list, and a
clean skip (one line on stderr) where a dictionary is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.checks import rules_spelling
from pipeline.checks.glossary import Glossary
from pipeline.checks.runner import run_checks
from pipeline.checks.settings import Settings
from pipeline.checks.units import Unit

pytest.importorskip("spylls")

SYSTEM = Path("/usr/share/hunspell")


def U(target, source=None, *, lang="pl", element="level", level=1, skill="ABCD"):
    if element != "level":
        level = None
    return Unit(lang, 9, skill, element, level, None, source, target, "t.txt:1", "ok")


def E(text, *, element="level", level=1, skill="ABCD"):
    if element != "level":
        level = None
    return Unit("en", 9, skill, element, level, None, text, None, "en.csv:2", None)


def run(units, code, english=(), glossary=None):
    s = Settings(glossaries={glossary.lang: glossary} if glossary else {})
    df = run_checks(list(units), s, list(english), only=[code])
    return df[df["code"] == code].reset_index(drop=True)


@pytest.fixture
def tiny_pl(tmp_path, monkeypatch):
    """A Hunspell dictionary named pl_PL with a handful of words and one suffix rule."""
    (tmp_path / "pl_PL.aff").write_text("SET UTF-8\nSFX S Y 1\nSFX S 0 a .\n", encoding="utf-8")
    (tmp_path / "pl_PL.dic").write_text("6\nzarządza\nzespołem\nklient/S\nobsługa\nprowadzi\nrejestr/S\n",
                                        encoding="utf-8")
    monkeypatch.setenv("SFIA_QA_HUNSPELL_PATH", str(tmp_path))
    return tmp_path


def test_words_unknown_to_dictionary_and_word_list_are_reported(tiny_pl):
    units = [U("Zarzadza zespołem klienta.", "Manages the client's team.")]
    df = run(units, "QA409")
    assert [e["text"] for e in df.loc[0, "evidence"]] == ["Zarzadza"]
    assert df.loc[0, "severity"] == "info"


def test_acronyms_codes_english_words_glossary_and_title_are_not_reported(tiny_pl):
    g = Glossary("pl", (("service desk", ("punkt serwisowy",)),))
    units = [U("Wsparcie Dostaw", "Supply support", element="name"),
             U("Zarządza SFIA CSMG ITIL4 zespołem Phrase.", "Manages the SFIA CSMG ITIL4 team in Phrase."),
             U("Prowadzi rejestra punktu serwisowego.", "Keeps the service desk records.", level=2),
             U("Obsługa wsparcia dostaw.", "Supply support.", level=3),
             U("Prowadzi chatboty.", "Runs chatbots.", level=4)]       # chatboty: pipeline/data/words/pl.txt
    assert run(units, "QA409", glossary=g).empty


def test_missing_dictionary_skips_with_one_line_on_stderr(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SFIA_QA_HUNSPELL_PATH", str(tmp_path / "nowhere"))
    monkeypatch.setattr(rules_spelling, "_warned", set())
    units = [U("Zarzadza zespolem.", "Manages the team.")]
    assert run(units, "QA409").empty
    assert run(units, "QA409").empty
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pl_PL" in err[0] and "skipped" in err[0] and "hunspell-pl" in err[0]


def test_language_without_configured_dictionary_is_not_spell_checked():
    assert rules_spelling.speller("en", ()) is None
    from pipeline.checks.registry import REGISTRY
    assert REGISTRY["QA409"].applies_to("pl") and REGISTRY["QA409"].applies_to("ar")


@pytest.mark.skipif(not (SYSTEM / "en_US.dic").is_file() or not (SYSTEM / "en_GB.dic").is_file(),
                    reason="hunspell-en-us / hunspell-en-gb not installed")
def test_source_spelling_with_the_system_english_dictionaries(monkeypatch):
    monkeypatch.delenv("SFIA_QA_HUNSPELL_PATH", raising=False)
    english = [E("Data modelling", element="name"),
               E("Mantains records and analyzes wellbeing data.", level=2),       # wellbeing: project word list
               E("Organises the catalogue and the catalog of data modelling tools.", level=3)]
    df = run([], "QA712", english)
    assert df["level"].tolist() == [2]
    assert [e["text"] for e in df.loc[0, "evidence"]] == ["Mantains"]


def test_a_hostile_giant_word_is_not_given_to_the_speller(tiny_pl):
    import time

    units = [U("Zarządza " + "ą" * 20000 + " zespołem.", "Manages the team.")]
    t = time.monotonic()
    assert run(units, "QA409").empty
    assert time.monotonic() - t < 5


def test_lazy_dictionary_answers_as_spylls_does(tmp_path):
    from spylls.hunspell import Dictionary

    (tmp_path / "xx.aff").write_text("SET UTF-8\nSFX S Y 2\nSFX S 0 s [^y]\nSFX S y ies y\nIGNORE ́\n",
                                     encoding="utf-8")
    (tmp_path / "xx.dic").write_text("5\npolicy/S\nteam/S po:noun\nLondon\nAC\\/DC\nsearch\tst:search\n",
                                     encoding="utf-8")
    lazy = rules_spelling._lazy_dictionary(tmp_path / "xx")
    full = Dictionary.from_files(str(tmp_path / "xx"))
    for w in ["policy", "policies", "Policies", "teams", "Team", "London", "london", "AC/DC", "search",
              "searchs", "polićy", "tea"]:
        assert lazy.lookup(w) == full.lookup(w), w
    assert lazy.lookup("policies") and not lazy.lookup("policys")


def test_the_stem_index_is_cached_and_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    from spylls.hunspell import Dictionary

    monkeypatch.setenv("SFIA_QA_CACHE", str(tmp_path / "cache"))
    (tmp_path / "xx.aff").write_text("SET UTF-8\nSFX S Y 1\nSFX S 0 s .\n", encoding="utf-8")
    (tmp_path / "xx.dic").write_text("3\nteam/S\nLondon\nrisk/S\n", encoding="utf-8")
    full = Dictionary.from_files(str(tmp_path / "xx"))
    words = ["teams", "Team", "London", "london", "risks", "riskss"]
    first = rules_spelling._lazy_dictionary(tmp_path / "xx")
    [entry] = (tmp_path / "cache" / "hunspell").glob("*.bin")
    cached = rules_spelling._lazy_dictionary(tmp_path / "xx")
    entry.write_bytes(entry.read_bytes().replace(b"team", b"taem"))  # damaged: ignored, rebuilt
    rebuilt = rules_spelling._lazy_dictionary(tmp_path / "xx")
    for w in words:
        assert first.lookup(w) == cached.lookup(w) == rebuilt.lookup(w) == full.lookup(w), w


def test_a_rerun_on_the_same_words_loads_no_dictionary(tiny_pl, monkeypatch, tmp_path):
    monkeypatch.setenv("SFIA_QA_CACHE", str(tmp_path / "cache"))
    units = [U("Zarządza zespołem i klienta obsługą."), U("Prowadzi rejestra zarzadza.")]

    def fresh():
        rules_spelling._speller.cache_clear()
        rules_spelling._load.cache_clear()
        rules_spelling._base.cache_clear()
        rules_spelling._digest.cache_clear()

    fresh()
    first = run(units, "QA409")
    assert len(first) == 2 and list((tmp_path / "cache" / "spelling").glob("*.bin"))
    fresh()
    monkeypatch.setattr(rules_spelling, "_lazy_dictionary", lambda base: pytest.fail("a dictionary was loaded"))
    again = run(units, "QA409")
    assert again["message"].tolist() == first["message"].tolist()
    # the dictionary changes: its old verdicts no longer apply
    monkeypatch.undo()
    monkeypatch.setenv("SFIA_QA_HUNSPELL_PATH", str(tiny_pl))
    monkeypatch.setenv("SFIA_QA_CACHE", str(tmp_path / "cache"))
    (tiny_pl / "pl_PL.dic").write_text("7\nzarządza\nzespołem\nklient/S\nobsługą\nprowadzi\nrejestr/S\nzarzadza\n",
                                       encoding="utf-8")
    fresh()
    changed = run(units, "QA409")
    assert len(changed) < len(first) or changed["message"].tolist() != first["message"].tolist()
    fresh()


def test_stem_lookup_finds_every_stem_whatever_characters_it_holds():
    entries = sorted(["a\x01\tx", "a\ty", "a\ty2", "a b\tz", "b\tw"])  # sorted as whole strings
    index = rules_spelling._Sorted(entries)
    assert index.values("a") == ["y", "y2"] and index.values("a\x01") == ["x"]
    assert index.values("a b") == ["z"] and index.values("b") == ["w"] and index.values("c") == []


def test_a_languages_dictionary_is_let_go_when_its_checks_are_done(tiny_pl, monkeypatch, tmp_path):
    """A check worker runs language after language; each loaded dictionary is 25-125 MB, so a
    worker keeping every one it loaded would grow by hundreds of MB on a real corpus. After a
    language's checks no dictionary stays loaded, and the next language's findings are the same."""
    monkeypatch.setenv("SFIA_QA_CACHE", str(tmp_path / "cache"))
    for fn in (rules_spelling._speller, rules_spelling._load, rules_spelling._base, rules_spelling._digest):
        fn.cache_clear()
    units = [U("Zarządza zespołem i klienta obsługą."), U("Prowadzi rejestra zarzadza.")]
    first = run(units, "QA409")  # the runner finishes the language: verdicts saved, dictionary let go
    assert len(first) == 2
    assert rules_spelling._load.cache_info().currsize == 0
    loads = []
    real = rules_spelling._lazy_dictionary
    monkeypatch.setattr(rules_spelling, "_lazy_dictionary", lambda base: loads.append(base) or real(base))
    other = run([U("Prowadzi klienta i nieznanesłowo.")], "QA409")  # a new word: loaded again
    assert loads and other["message"].str.contains("nieznanesłowo").all() and len(other) == 1
    assert rules_spelling._load.cache_info().currsize == 0
