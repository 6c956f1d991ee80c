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
    cache = statcache.StatsCache(tmp_path)
    assert score(corpus, _settings(cache, workers)) == want
    first = (cache.hits, cache.misses)
    assert first[0] == 0 and first[1] > 0
    cache.hits = cache.misses = 0
    assert score(corpus, _settings(cache, workers)) == want
    assert (cache.hits, cache.misses) == (first[1], 0)
    assert (tmp_path / ".gitignore").read_text().splitlines()[-1] == "*"


def test_only_the_changed_pairs_are_computed(tmp_path):
    corpus = _corpus(60)
    cache = statcache.StatsCache(tmp_path)
    score(corpus, _settings(cache))
    cache.hits = cache.misses = 0
    corpus.systems["mt1"][7] = "Całkiem nowe tłumaczenie tego segmentu."
    want = _plain(corpus)
    assert score(corpus, _settings(cache)) == want
    assert cache.misses == 4  # one new pair, for BLEU, TER, chrF and chrF++


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
    assert statcache.from_env_or(tmp_path / "x") == tmp_path / "env" / "statistics"
    monkeypatch.delenv("SFIA_QA_CACHE")
    assert statcache.from_env_or(tmp_path / "x") == tmp_path / "x"
    assert statcache.from_env_or(None) is None


def test_run_keeps_its_cache_beside_the_reports_and_rerun_reports_are_identical(tmp_path):
    """``sfia-qa run`` twice on the sample, the second time from the cache: the same reports."""
    import os
    import shutil

    work = tmp_path / "proj"
    shutil.copytree(ROOT / "translations", work / "translations")
    shutil.copytree(ROOT / "sources", work / "sources")
    shutil.copy(ROOT / "qa.toml", work / "qa.toml")
    env = {k: v for k, v in os.environ.items() if k != "SFIA_QA_CACHE"}
    outs = []
    for i in (1, 2):
        r = subprocess.run([sys.executable, "-m", "pipeline", "run", "--config", "qa.toml", "--out", f"r{i}",
                            "--fail-on", "never", "--verbose"], cwd=work, env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        outs.append(r.stderr)
    assert "0 computed" not in outs[0] and " 0 computed" in outs[1]
    assert _packs(work / ".sfia-qa-cache")
    assert (work / ".sfia-qa-cache" / ".gitignore").is_file()
    a = sorted(p.relative_to(work / "r1") for p in (work / "r1").rglob("*") if p.is_file())
    b = sorted(p.relative_to(work / "r2") for p in (work / "r2").rglob("*") if p.is_file())
    assert a == b
    for p in a:
        assert (work / "r1" / p).read_bytes() == (work / "r2" / p).read_bytes(), p
