"""The persistent statistics cache: a re-run computes only the pairs that changed, gives the very
same numbers, and never believes a damaged, foreign or stale entry."""

from __future__ import annotations

import hashlib
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.score import statcache
from pipeline.score.inputs import Corpus
from pipeline.score.leaderboard import Settings, score
from pipeline.score.metrics import make_metric

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("zarządza obsługą klienta zgłoszenia usług dane analizy zespołu procedury dokumentację "
         "monitoruje wydajność rejestruje incydenty odpowiada pomaga planuje ocenia ryzyko").split()


def _corpus(n: int, systems: int = 4, seed: int = 1, lang: str = "pl") -> Corpus:
    rng = random.Random(seed)
    refs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 14))).capitalize() + "." for _ in range(n)]
    texts: dict[str, list[str | None]] = {}
    for s in range(systems):
        out = []
        for r in refs:
            words = r.split()
            for _ in range(rng.randint(0, 3)):  # a few edits per candidate: every pair differs
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            out.append(" ".join(words))
        texts[f"mt{s}"] = out
    return Corpus(ids=[str(i + 1) for i in range(n)], systems=texts, sources=["x"] * n, lang=lang,
                  meta=[{} for _ in range(n)], origins={s: [f"{s}:{i}" for i in range(n)] for s in texts},
                  refs=[refs], reference_name="final")


def _settings(cache=None, workers=None) -> Settings:
    return Settings(bootstrap=100, cache=cache, workers=workers, reference_is_final=True)


def _plain(corpus: Corpus, workers=None):
    return score(corpus, _settings(workers=workers))


@pytest.mark.parametrize("workers", [None, 2])
def test_a_rerun_reuses_every_pair_and_gives_the_same_numbers(tmp_path, workers):
    # 150 segments x 4 systems: in-process; the pool run has 600 pairs, past the compiled TER's threshold
    corpus = _corpus(150)
    want = _plain(corpus, workers)
    cache = statcache.StatsCache(tmp_path / "cache")
    assert score(corpus, _settings(cache, workers)) == want
    first = (cache.hits, cache.misses)
    assert first[0] == 0 and first[1] > 0
    cache.hits = cache.misses = 0
    assert score(corpus, _settings(cache, workers)) == want
    assert (cache.hits, cache.misses) == (first[1], 0)
    assert (tmp_path / "cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_only_the_changed_pairs_are_computed(tmp_path):
    corpus = _corpus(60)
    cache = statcache.StatsCache(tmp_path)
    score(corpus, _settings(cache))
    cache.hits = cache.misses = 0
    corpus.systems["mt1"][7] = "Całkiem nowe tłumaczenie tego segmentu."
    want = _plain(corpus)
    assert score(corpus, _settings(cache)) == want
    assert cache.misses == 4  # one new pair, for BLEU, TER, chrF and chrF++


def test_a_changed_reference_measures_consensus_and_signals_from_what_was_kept(tmp_path, monkeypatch):
    """Consensus and signals do not read the reference: when only the translation changed, an
    earlier run's are used (the numbers are the fresh ones); a changed candidate measures them
    again; a damaged entry is never believed."""
    from pipeline.score import consensus as consensus_mod
    from pipeline.score import leaderboard
    from pipeline.score import signals as signals_mod

    corpus = _corpus(60)
    cache = statcache.StatsCache(tmp_path)
    assert score(corpus, _settings(cache)) == _plain(corpus)
    assert len(list(tmp_path.glob("result_free_*/*.bin"))) == 1

    corpus.refs[0][7] = "Zupełnie inne tłumaczenie końcowe tego segmentu."  # a translator's edit
    want = _plain(corpus)
    real_cons, real_detect = consensus_mod.consensus, signals_mod.detect
    monkeypatch.setattr(consensus_mod, "consensus", lambda *a, **k: pytest.fail("consensus measured again"))
    monkeypatch.setattr(signals_mod, "detect", lambda *a, **k: pytest.fail("signals measured again"))
    got = score(corpus, _settings(cache))
    assert got == want

    monkeypatch.setattr(consensus_mod, "consensus", real_cons)
    monkeypatch.setattr(signals_mod, "detect", real_detect)
    corpus.systems["mt2"][3] = "Całkiem nowe tłumaczenie tego segmentu."
    want = _plain(corpus)
    calls = []
    monkeypatch.setattr(leaderboard.S, "detect", lambda *a, **k: (calls.append(1), real_detect(*a, **k))[1])
    assert score(corpus, _settings(cache)) == want and len(calls) == 1

    for p in tmp_path.glob("result_free_*/*.bin"):  # damaged: measured again
        data = bytearray(p.read_bytes())
        data[-4] ^= 0x10
        p.write_bytes(bytes(data))
    corpus.refs[0][8] = "Jeszcze jedno tłumaczenie końcowe."
    monkeypatch.setattr(leaderboard.S, "detect", real_detect)
    want = _plain(corpus)
    monkeypatch.setattr(leaderboard.S, "detect", lambda *a, **k: (calls.append(1), real_detect(*a, **k))[1])
    assert score(corpus, _settings(cache)) == want and len(calls) == 2


def _packs(folder: Path) -> list[Path]:
    return sorted((folder / "stats").glob("*/*.pack"))


def test_a_damaged_pack_is_ignored_recomputed_and_replaced(tmp_path):
    corpus = _corpus(40)
    want = _plain(corpus)
    score(corpus, _settings(statcache.StatsCache(tmp_path)))
    [pack] = _packs(tmp_path)
    data = bytearray(pack.read_bytes())
    data[-5] ^= 0x01  # one bit of one stored number
    pack.write_bytes(bytes(data))
    again = statcache.StatsCache(tmp_path)
    assert score(corpus, _settings(again)) == want
    assert again.hits == 0 and again.misses > 0
    assert pack not in _packs(tmp_path) and len(_packs(tmp_path)) == 1  # replaced by a good one
    third = statcache.StatsCache(tmp_path)
    assert score(corpus, _settings(third)) == want and third.misses == 0


def test_pack_round_trip_keeps_types_and_refuses_anything_else():
    entries = {b"a" * 16: [3, 7.0], b"b" * 16: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], b"c" * 16: [0, 0.5]}
    data = statcache.encode_pack(entries)
    back = statcache.decode_pack(data)
    assert back == entries
    assert [type(x) for x in back[b"a" * 16]] == [int, float]  # TER's own types, for sacrebleu's sums
    assert statcache.decode_pack(data[:-1]) is None             # truncated
    assert statcache.decode_pack(data + b"\0") is None          # trailing bytes
    assert statcache.decode_pack(b"junk" + data) is None         # not a pack
    # a valid digest over a body whose sizes do not add up, or whose numbers are not statistics
    body = data.split(b"\n", 2)[2]
    one = statcache.encode_pack({b"e" * 16: [4, 2.5]}).split(b"\n", 2)[2]
    for bad in (body.replace(b"[2, 2]", b"[2, 3]", 1), body.replace(b"[2, 2]", b"[99, 2]", 1),
                one.replace(struct.pack("<d", 2.5), struct.pack("<d", -2.5)),        # negative
                one.replace(struct.pack("<d", 4.0), struct.pack("<d", 4.5))):         # integer column, 4.5
        assert bad not in (body, one)
        forged = statcache.MAGIC + hashlib.sha256(bad).hexdigest().encode() + b"\n" + bad
        assert statcache.decode_pack(forged) is None
    for stats in ([float("nan"), 1], [-1, 1], [True, 1], ["1", 1], [2 ** 60, 1]):
        assert statcache.decode_pack(statcache.encode_pack({b"d" * 16: stats})) == {}  # never stored


def test_a_cache_that_cannot_be_written_costs_one_line_not_the_run(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go")
    corpus = _corpus(30)
    cache = statcache.StatsCache(blocker / "cache")
    assert score(corpus, _settings(cache)) == _plain(corpus)
    other = _corpus(30, lang="cs")
    assert score(other, _settings(cache)) == _plain(other)  # a second language: no second line
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "statistics cache" in err[0] and "not written" in err[0]


def test_a_foreign_file_among_the_packs_is_ignored(tmp_path):
    corpus = _corpus(30)
    score(corpus, _settings(statcache.StatsCache(tmp_path)))
    [pack] = _packs(tmp_path)
    (pack.parent / "planted.pack").write_bytes(b"not a pack\n" * 50)
    again = statcache.StatsCache(tmp_path)
    assert score(corpus, _settings(again)) == _plain(corpus) and again.misses == 0


def test_another_sacrebleu_version_or_metric_setting_finds_nothing(tmp_path, monkeypatch):
    corpus = _corpus(30)
    score(corpus, _settings(statcache.StatsCache(tmp_path)))
    monkeypatch.setattr(statcache.sacrebleu, "__version__", "9.9.9")
    other = statcache.StatsCache(tmp_path)
    score(corpus, _settings(other))
    assert other.hits == 0
    bleu, cased = make_metric("bleu", [["a b c"]]), None
    from sacrebleu.metrics import BLEU
    cased = BLEU(lowercase=True, references=[["a b c"]])
    assert statcache.metric_key(bleu) != statcache.metric_key(cased)


def test_the_cache_stays_within_its_bound(tmp_path):
    for lang in ("pl", "ar", "cs", "de", "fr", "es"):  # one pack per language, about 0.4 MB each
        score(_corpus(200, seed=len(lang) + ord(lang[0]), lang=lang), _settings(statcache.StatsCache(tmp_path, 1)))
    sizes = [p.stat().st_size for p in _packs(tmp_path)]
    assert 0 < sum(sizes) <= 1024 * 1024 and len(sizes) < 6
    newest = statcache.StatsCache(tmp_path, 1)  # the last language scored is still there
    score(_corpus(200, seed=len("es") + ord("e"), lang="es"), _settings(newest))
    assert newest.misses == 0 and newest.hits > 0


def test_sfia_qa_cache_off_or_a_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("SFIA_QA_CACHE", "off")
    assert statcache.from_env_or(tmp_path / "x") is None
    monkeypatch.setenv("SFIA_QA_CACHE", str(tmp_path / "env"))
    assert statcache.from_env_or(tmp_path / "x") == tmp_path / "env" / "run-cache"
    monkeypatch.delenv("SFIA_QA_CACHE")
    assert statcache.from_env_or(tmp_path / "x") == tmp_path / "x"
    assert statcache.from_env_or(None) is None


def _run(work: Path, out: str, cache: str | None) -> str:
    import os

    env = {k: v for k, v in os.environ.items() if k != "SFIA_QA_CACHE"}
    if cache is not None:
        env["SFIA_QA_CACHE"] = cache
    r = subprocess.run([sys.executable, "-m", "pipeline", "run", "--config", "qa.toml", "--out", out,
                        "--fail-on", "never", "--verbose"], cwd=work, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stderr


def _same_reports(a: Path, b: Path) -> None:
    fa = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert fa == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for p in fa:
        assert (a / p).read_bytes() == (b / p).read_bytes(), p


def test_rerun_reuses_what_did_not_change_and_reports_what_did(tmp_path):
    """``sfia-qa run`` on the sample: again from the cache (the same reports, nothing scored or
    checked again), then after a reviewer's edit to the Polish page: Polish is scored and checked
    again and the reports equal those of a run without any cache."""
    import shutil

    work = tmp_path / "proj"
    shutil.copytree(ROOT / "translations", work / "translations")
    shutil.copytree(ROOT / "sources", work / "sources")
    shutil.copy(ROOT / "qa.toml", work / "qa.toml")
    first = _run(work, "r1", None)
    assert "results reused" not in first and " 0 computed" not in first
    second = _run(work, "r2", None)
    for lang in ("ar", "pl"):  # (Arabic has no SFIA 9 translation to score against: no statistics)
        assert f"score {lang}: candidates, final texts and settings as in an earlier run" in second
    assert "statistics cache:" in first and "statistics cache:" not in second
    assert "report pages: 0 of 2" in first and "report pages: 2 of 2" in second  # pages written from the cache
    assert _packs(work / ".sfia-qa-cache") and (work / ".sfia-qa-cache" / ".gitignore").is_file()
    _same_reports(work / "r1", work / "r2")

    page = work / "translations" / "pl" / "sfia-9" / "CSMG.txt"
    text = page.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("Zarządzanie i obsługa"))
    page.write_text(text.replace(line, line.replace("Zarządzanie", "Kierowanie"), 1), encoding="utf-8")
    third = _run(work, "r3", None)
    assert "score pl: statistics cache:" in third and "score pl: candidates" not in third
    assert "score ar: candidates, final texts and settings as in an earlier run" in third
    assert "report pages: 1 of 2" in third  # Arabic's pages from the cache, Polish's rendered
    _run(work, "r4", "off")
    _same_reports(work / "r3", work / "r4")
    assert "Kierowanie" in (work / "r3" / "alignment.csv").read_text(encoding="utf-8")


def test_stored_results_are_plain_json_or_not_stored(tmp_path):
    from pipeline import cache

    value = [{"a": 1, "b": [0.5, None, "x", float("nan")]}, ["é"]]
    assert cache.write_json("k", "ab" * 32, value, tmp_path)
    back = cache.read_json("k", "ab" * 32, tmp_path)
    assert back[1] == ["é"] and back[0]["a"] == 1 and back[0]["b"][:3] == [0.5, None, "x"]
    import numpy as np
    for odd in ([(1, 2)], {1: "x"}, [np.int64(3)], [np.float64(0.5)], [{1, 2}]):
        assert not cache.write_json("k", "cd" * 32, odd, tmp_path)  # would come back as something else
    assert cache.read_json("k", "cd" * 32, tmp_path) is None
    entry = next((tmp_path / "k").glob("*.bin"))
    data = bytearray(entry.read_bytes())
    data[-3] ^= 0xFF
    entry.write_bytes(bytes(data))
    assert cache.read_json("k", "ab" * 32, tmp_path) is None  # damaged: not believed


def test_findings_are_not_reused_across_dictionary_changes(tmp_path, monkeypatch):
    from pipeline.checks.runner import Env, _memo_common
    from pipeline.checks.settings import Settings as CheckSettings

    monkeypatch.setenv("SFIA_QA_HUNSPELL_PATH", str(tmp_path))
    s = CheckSettings()
    before = _memo_common(s, Env(s, {"CSMG"}), [])
    (tmp_path / "pl_PL.dic").write_text("1\nkot\n", encoding="utf-8")
    (tmp_path / "pl_PL.aff").write_text("SET UTF-8\n", encoding="utf-8")
    after = _memo_common(s, Env(s, {"CSMG"}), [])
    assert before != after
    assert _memo_common(s, Env(s, {"CSMG", "PROG"}), []) != after  # the run's skills are an input too


def test_stored_candidate_records_round_trip_and_refuse_damage():
    from pipeline.score.stage import CANDIDATE_COLUMNS, _pack, _unpack

    rec = {c: None for c in CANDIDATE_COLUMNS}
    a = {**rec, "lang": "pl", "key": "k1", "text": "Tekst", "source": "Text", "signals": ["empty"], "rank": 1,
         "chrf": 0.5, "explain": {"why": 1}}
    b = {**a, "text": "Inny", "rank": 2, "chrf": None}
    packed = _pack([a, b])
    assert len(packed["strings"]) == 5  # pl, k1, Tekst, Text, Inny: the shared ones once
    cols = _unpack(packed)
    assert cols is not None and list(cols) == CANDIDATE_COLUMNS
    back = [{c: cols[c][i] for c in CANDIDATE_COLUMNS} for i in range(2)]
    assert back == [a, b] and back[0]["source"] is back[1]["source"]
    for bad in ({**packed, "n": 3}, {**packed, "strings": [1]}, {"n": 2}, [],
                {**packed, "columns": {**packed["columns"], "text": ["s", [0, 99]]}},
                {**packed, "columns": {k: v for k, v in packed["columns"].items() if k != "rank"}}):
        assert _unpack(bad) is None


def _units():
    from pipeline.checks.units import Unit

    def u(lang, target, item):
        return Unit(lang, 9, "CSMG", "level", 3, item, "Manages the service desk  team.", target, f"{lang}.txt:{item}")
    return [u("pl", "Zarządza  zespołem obsługi.", 1), u("pl", "zarządza zespołem 24h", 2),
            u("cs", "Řídí tým  podpory.", 1)]


def test_one_unit_checks_run_again_only_on_the_units_that_changed(tmp_path, monkeypatch):
    """When a language changed, its unchanged units' one-unit findings come from the earlier run;
    page and corpus checks still see every unit; the findings are those of a fresh check."""
    import dataclasses

    from pipeline.checks import runner
    from pipeline.checks.settings import settings_from as check_settings
    from pipeline.checks.units import Unit

    monkeypatch.setenv("SFIA_QA_WORKERS", "1")  # count the rules' calls in this process
    plain = check_settings({}, "qa.toml")

    def u(item, target):
        return Unit("pl", 9, "CSMG", "level", 3, item, f"Manages the service desk  team {item}.", target,
                    f"pl.txt:{item}")
    units = [u(i, f"zarządza zespołem  {i}h") for i in range(1, 41)]
    calls: list[str] = []
    from pipeline.checks import registry

    def counting(func):
        def rule(unit, env, opts):
            calls.append(unit.origin)
            return func(unit, env, opts)
        return rule

    rules = dict(registry.REGISTRY.items())
    for code, c in rules.items():  # count each one-unit rule's calls, by unit
        if c.func is not None and c.scope == "segment":
            rules[code] = dataclasses.replace(c, func=counting(c.func))
    monkeypatch.setattr(runner, "REGISTRY", rules)
    first = runner.check_units(units, plain, memo=tmp_path).findings
    per_unit = len(calls) // len(units)  # the one-unit checks that ran on each unit
    assert per_unit >= 5 and len(calls) == per_unit * len(units)
    assert first.equals(runner.check_units(units, plain).findings) and len(first)

    calls.clear()
    edited = list(units)
    edited[6] = dataclasses.replace(units[6], target="Zarządza zespołem 7h.")  # a reviewer's fix
    got = runner.check_units(edited, plain, memo=tmp_path).findings
    assert calls == ["pl.txt:7"] * per_unit  # the edited unit only
    assert got.equals(runner.check_units(edited, plain).findings)
    assert not got.equals(first)
    calls.clear()
    # a damaged or foreign entry is never believed: every unit is checked again
    for p in tmp_path.glob("result_checkunit_*/*.bin"):
        p.write_bytes(p.read_bytes()[:-3] + b"xyz")
    edited[7] = dataclasses.replace(units[7], target="Zarządza zespołem 8h.")
    got = runner.check_units(edited, plain, memo=tmp_path).findings
    assert len(calls) == per_unit * len(units)
    assert got.equals(runner.check_units(edited, plain).findings)


def test_stored_findings_follow_settings_units_and_code(tmp_path, monkeypatch):
    """A language's findings come back from the cache only for the very inputs they were made of."""
    from pipeline import cache
    from pipeline.checks.runner import check_units
    from pipeline.checks.settings import settings_from as check_settings

    def run(settings, units, memo):
        return check_units(units, settings, memo=memo).findings

    plain = check_settings({}, "qa.toml")
    units = _units()
    fresh = run(plain, units, None)
    assert len(fresh) and run(plain, units, tmp_path).equals(fresh)
    assert run(plain, units, tmp_path).equals(fresh)  # from the cache
    assert len(list(tmp_path.glob("result_check_*/*.bin"))) == 2  # pl and cs

    code = fresh["code"].iloc[0]
    off = check_settings({code: {"enabled": False}}, "qa.toml")
    assert run(off, units, tmp_path).equals(run(off, units, None))
    assert code not in set(run(off, units, tmp_path)["code"])

    units[1].target = "Zarządza zespołem obsługi."  # a reviewer's fix in Polish
    assert run(plain, units, tmp_path).equals(run(plain, units, None))

    before = set(tmp_path.glob("result_check_*/*.bin"))
    monkeypatch.setattr(cache, "_CODE_DIGEST", "another version of sfia-qa")
    assert run(plain, units, tmp_path).equals(run(plain, units, None))
    assert len(set(tmp_path.glob("result_check_*/*.bin")) - before) == 2  # computed again: nothing of the old code reused


@pytest.mark.parametrize("setting, want", [(None, "beside"), ('"cache-here"', "configured"), ("false", None)])
def test_where_run_keeps_its_cache(tmp_path, monkeypatch, setting, want):
    from pipeline.config import load
    from pipeline.run import stats_cache

    monkeypatch.delenv("SFIA_QA_CACHE", raising=False)
    (tmp_path / "qa.toml").write_text("[score]\n" + (f"cache = {setting}\n" if setting else ""), encoding="utf-8")
    cfg = load(tmp_path / "qa.toml")
    got = stats_cache(cfg.section("score"), cfg, tmp_path / "out" / "reports")
    expected = {"beside": tmp_path / "out" / ".sfia-qa-cache", "configured": tmp_path / "cache-here", None: None}[want]
    assert (got.folder if got is not None else None) == expected
    monkeypatch.setenv("SFIA_QA_CACHE", "off")
    assert stats_cache(cfg.section("score"), cfg, tmp_path / "reports") is None


def test_a_folder_that_already_exists_is_not_marked_ignored(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    statcache.StatsCache(project).ensure()  # e.g. [score] cache = "."
    assert not (project / ".gitignore").exists()
    statcache.StatsCache(project / "new").ensure()
    assert (project / "new" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_pieces_left_by_a_killed_run_are_cleared_after_a_day(tmp_path):
    import os
    import time

    corpus = _corpus(20)
    score(corpus, _settings(statcache.StatsCache(tmp_path)))
    scope = _packs(tmp_path)[0].parent
    old, new = scope / ".tmp-old.part", scope / ".tmp-new.part"
    for p in (old, new):
        p.write_bytes(b"half a pack")
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    corpus.systems["mt0"][0] = "Zmieniony tekst."
    score(corpus, _settings(statcache.StatsCache(tmp_path)))
    assert not old.exists() and new.exists()


def test_the_bound_counts_stored_results_too(tmp_path):
    import os
    import time

    from pipeline import cache

    cache.write_json("result_score_0123456789abcdef", "ab" * 32, {"x": "y" * 5000, "n": list(range(200_000))}, tmp_path)
    [old] = tmp_path.glob("result_score_*/*.bin")
    os.utime(old, (time.time() - 3600,) * 2)
    score(_corpus(200), _settings(statcache.StatsCache(tmp_path, 0.6)))  # a pack of about 0.4 MB
    assert not old.exists() and _packs(tmp_path)


def test_candidates_checked_per_language_where_needed_find_what_units_find(tmp_path):
    """The score stage's candidates, made units only in the worker checking their language (and
    only when its findings are not kept), give the findings their units give; a language is
    checked again when its candidates were scored from anything else."""
    from pipeline import schema
    from pipeline.checks.runner import CandidateTable, check_units
    from pipeline.checks.settings import settings_from as check_settings
    from pipeline.checks.units import units_from_candidates

    def cand(lang, provider, text, explain):
        return {"lang": lang, "framework": 9, "skill": "CSMG", "element": "level", "level": 3, "item": 1,
                "key": "sfia9.CSMG.level.3.1", "provider": provider, "source": "Manages the team.", "text": text,
                "origin": f"{lang}.csv:2", "path": f"{lang}.csv", "line": 2, "explain": explain, "hard": False,
                "signals": list(explain), "rank": 1, "best": provider == "A"}

    table = schema.make(schema.CANDIDATE, [
        cand("pl", "A", "Zarządza zespołem.", {}), cand("pl", "B", "", {"empty": "no text"}),
        cand("cs", "A", "Manages the team.", {"copy-of-source": "the English"})])
    plain = check_settings({}, "qa.toml")
    units = _units()
    eager = check_units(units, plain, candidates=units_from_candidates(table)).findings
    assert {"QA301", "QA302"} <= set(eager["code"])
    lazy = CandidateTable(table, {"pl": "p1", "cs": "c1"})
    assert check_units(units, plain, candidates=lazy, memo=tmp_path).findings.equals(eager)
    assert check_units(units, plain, candidates=lazy, memo=tmp_path).findings.equals(eager)  # from the cache

    rescored = table.copy()
    rescored.loc[rescored["provider"] == "B", "text"] = "Kieruje zespołem."
    rescored.at[1, "explain"] = {}
    fixed = check_units(units, plain, candidates=units_from_candidates(rescored)).findings
    assert "QA301" not in set(fixed["code"])
    # the Polish candidates were scored from other inputs: another digest, Polish checked again
    got = check_units(units, plain, candidates=CandidateTable(rescored, {"pl": "p2", "cs": "c1"}), memo=tmp_path)
    assert got.findings.equals(fixed)
    # no digest: the candidate units themselves are the key
    got = check_units(units, plain, candidates=CandidateTable(rescored, {}), memo=tmp_path)
    assert got.findings.equals(fixed)
    assert check_units(units, plain, candidates=CandidateTable(table, {}), memo=tmp_path).findings.equals(eager)


def test_a_candidates_file_is_read_back_from_the_cache_while_unchanged(tmp_path, monkeypatch):
    """ingest keeps each candidates file's table in the run cache: the same table while the file's
    bytes (and path, and the code) are the same, parsed again otherwise; a damaged entry is never
    believed."""
    import shutil

    from pipeline.ingest import candidates as reader
    from pipeline.ingest import read_candidates

    folder = tmp_path / "translations" / "pl" / "sfia-9" / "candidates"
    folder.mkdir(parents=True)
    src = ROOT / "translations" / "pl" / "sfia-9" / "candidates" / "CSMG.csv"
    shutil.copy(src, folder / "CSMG.csv")
    memo = tmp_path / "cache"
    fresh = read_candidates([tmp_path / "translations"], root=tmp_path)
    assert len(fresh) and read_candidates([tmp_path / "translations"], root=tmp_path, cache_dir=memo).equals(fresh)
    assert len(list(memo.glob("result_ingest_*/*.bin"))) == 1

    real = reader.read_candidate_records
    monkeypatch.setattr(reader, "read_candidate_records", lambda *a, **k: pytest.fail("parsed again"))
    assert read_candidates([tmp_path / "translations"], root=tmp_path, cache_dir=memo).equals(fresh)

    monkeypatch.setattr(reader, "read_candidate_records", real)
    for p in memo.glob("result_ingest_*/*.bin"):  # damaged: ignored, the file parsed again
        data = bytearray(p.read_bytes())
        data[-5] ^= 0x04
        p.write_bytes(bytes(data))
    assert read_candidates([tmp_path / "translations"], root=tmp_path, cache_dir=memo).equals(fresh)

    text = (folder / "CSMG.csv").read_text(encoding="utf-8")
    assert "Dział obsługi klienta" in text
    (folder / "CSMG.csv").write_text(text.replace("Dział obsługi klienta", "Dział wsparcia klienta", 1),
                                     encoding="utf-8")
    edited = read_candidates([tmp_path / "translations"], root=tmp_path, cache_dir=memo)
    assert edited.equals(read_candidates([tmp_path / "translations"], root=tmp_path))
    assert "Dział wsparcia klienta" in set(edited["text"]) and not edited.equals(fresh)


def test_segment_files_are_read_back_from_the_cache_while_unchanged(tmp_path, monkeypatch):
    """The English sources and the translations, each file's table kept in the run cache: the very
    same table (types, column order, inline codes) without parsing the file again."""
    import pipeline.ingest as ingest_mod
    from pipeline.ingest import read_paths

    memo = tmp_path / "cache"
    for paths in ([ROOT / "sources"], [ROOT / "translations"]):
        plain = read_paths(paths, root=ROOT)
        assert len(plain) and read_paths(paths, root=ROOT, cache_dir=memo).equals(plain)
        with monkeypatch.context() as m:
            m.setattr(ingest_mod, "read_file", lambda *a, **k: pytest.fail("parsed again"))
            again = read_paths(paths, root=ROOT, cache_dir=memo)
        assert again.equals(plain) and list(again.columns) == list(plain.columns)
        assert (again.dtypes == plain.dtypes).all()


def test_json_exact_tells_what_json_gives_back_as_it_is():
    from pipeline import cache

    assert cache.json_exact([{"source": [{"ph": "{1}", "markup": "<b>"}]}, None, 1, 2.5, -0.0, "\ud800", True])
    assert not cache.json_exact([(1, 2)]) and not cache.json_exact({1: "a"}) and not cache.json_exact([{1, 2}])
    import numpy as np

    assert not cache.json_exact([np.int64(3)]) and not cache.json_exact([np.float64(0.5)])
    assert cache.json_exact([float("nan"), float("inf"), -float("inf")])


def test_json_exact_is_what_a_round_trip_through_json_gives():
    """json_exact walks the types instead of encoding and decoding: on random values of every
    kind (tuples, sets, numpy numbers and subclasses among them) it must say what comparing the
    decoded value with the original, type by type, says."""
    import collections
    import json
    import random

    import numpy as np

    from pipeline import cache

    def same(a, b):
        if type(a) is not type(b):
            return False
        if isinstance(a, dict):
            return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
        if isinstance(a, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        if isinstance(a, float):
            return a == b or (a != a and b != b)
        return a == b

    def round_trip(v):
        try:
            return same(json.loads(json.dumps(v, allow_nan=True)), v)
        except (TypeError, ValueError):
            return False

    rnd = random.Random(7)
    leaves = [lambda: rnd.random(), lambda: float("nan"), lambda: -0.0, lambda: rnd.randint(-10**30, 10**30),
              lambda: rnd.choice([True, False, None]), lambda: "".join(rnd.choice("a\u00e9\ud800\"\n") for _ in range(3)),
              lambda: np.float64(1.5), lambda: np.int32(2), lambda: (1, "a"), lambda: {1, 2}]

    def value(depth):
        r = rnd.random()
        if depth > 3 or r < 0.5:
            return rnd.choice(leaves)()
        if r < 0.7:
            return [value(depth + 1) for _ in range(rnd.randint(0, 3))]
        keys = [rnd.choice(["k", "n", "z", 1, 2.5]) for _ in range(rnd.randint(0, 3))]
        d = {k: value(depth + 1) for k in keys}
        return collections.OrderedDict(d) if rnd.random() < 0.1 else d

    values = [value(0) for _ in range(3000)]
    assert {cache.json_exact(v) for v in values} == {True, False}  # both answers are exercised
    for v in values:
        assert cache.json_exact(v) == round_trip(v), v
