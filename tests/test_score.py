"""MT scoring: sacrebleu's numbers, consensus, signals, the CLI and the run stage."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.significance import PairedTest

from pipeline.cli import main
from pipeline.ingest import read_file
from pipeline.ingest.candidates import read_candidate_records
from pipeline.score import metrics as M
from pipeline.score.consensus import consensus
from pipeline.score.inputs import Corpus, corpus_from_records, read_wmt
from pipeline.score.leaderboard import Settings, score

ROOT = Path(__file__).resolve().parents[1]

REF = ["Przyjmuje zgłoszenia serwisowe i obsługuje je zgodnie z procedurami.",
       "Rejestruje incydenty i prowadzi dokumentację.",
       "Odpowiada na typowe zapytania klientów.",
       "Monitoruje kanały usług i zbiera dane o wydajności.",
       "Pomaga w analizie danych dotyczących usług.",
       "Zarządza codzienną pracą zespołu obsługi klienta."] * 5
SYS = {
    "a": [r.replace("zgodnie z", "według") for r in REF],
    "b": [r.replace("klientów", "klienta").replace("danych", "informacji") for r in REF],
    "c": [" ".join(r.split()[:-1]) for r in REF],
}


def test_corpus_scores_bootstrap_and_p_values_equal_sacrebleu_paired_test():
    """Our scores, bootstrap means/CIs and p-values are sacrebleu's PairedTest numbers exactly."""
    metrics = {"BLEU": BLEU(references=[REF]), "chrF2": CHRF(references=[REF]), "TER": TER(references=[REF])}
    _, theirs = PairedTest([("a", SYS["a"]), ("b", SYS["b"]), ("c", SYS["c"])], metrics, None,
                           test_type="bs", n_samples=200)()
    ours_m = {"BLEU": M.make_metric("bleu", [REF]), "chrF2": M.make_metric("chrf", [REF]),
              "TER": M.make_metric("ter", [REF])}
    stats = M.extract(ours_m, SYS, workers=2)
    for name, metric in ours_m.items():
        ours = M.corpus_scores(metric, stats[name], 200, 12345, baseline="a")
        for i, s in enumerate(["a", "b", "c"]):
            r = theirs[name][i]
            assert ours[s].score == r.score
            assert ours[s].mean == r.mean and ours[s].ci == r.ci
            assert ours[s].p_value == r.p_value


def test_fast_resample_sums_equal_sacrebleu_loop():
    rng = np.random.default_rng(1)
    stats = rng.integers(0, 300, size=(50, 18)).astype("float32")
    idxs = M.bootstrap_indices(50, 100, 7)
    fast = M._resampled_sums(stats, idxs, M.count_matrix(idxs, 50))
    slow = np.stack([stats[i].sum(0) for i in idxs])
    assert fast.dtype == slow.dtype and np.array_equal(fast, slow)
    frac = stats / 3  # not integral: the exact loop is used
    assert np.array_equal(M._resampled_sums(frac, idxs, M.count_matrix(idxs, 50)),
                          np.stack([frac[i].sum(0) for i in idxs]))


def test_consensus_equals_sacrebleu_sentence_chrf_pair_by_pair():
    rows = read_candidate_records(ROOT / "translations/pl/sfia-9/candidates/CSMG.csv", lang="pl")
    corpus = corpus_from_records(rows, "pl")
    names = list(corpus.systems)
    segs = [[corpus.systems[s][k] for s in names] for k in range(corpus.n)]
    got = consensus(segs)
    chrf = CHRF()
    checked = 0
    for k, seg in enumerate(segs):
        live = [i for i, t in enumerate(seg) if t and t.strip()]
        for i in live:
            want = sum(chrf.sentence_score(seg[i], [seg[j]]).score for j in live if j != i) / (len(live) - 1)
            assert got[k][i] == pytest.approx(want, abs=1e-9)
            checked += 1
        for i in set(range(len(seg))) - set(live):
            assert got[k][i] is None
    assert checked > 100


def _corpus(texts: dict[str, list[str | None]], sources, lang="pl") -> Corpus:
    n = len(sources)
    return Corpus(ids=[str(i + 1) for i in range(n)], systems=texts, sources=sources, lang=lang,
                  meta=[{} for _ in range(n)], origins={s: [f"{s}:{i}" for i in range(n)] for s in texts})


def test_signals_and_hard_candidates_never_best():
    src = ["Answers typical customer service requests within 24 hours of receipt.",
           "Records interactions with customers accurately and keeps the documentation."]
    good = ["Odpowiada na typowe żądania obsługi klienta w ciągu 24 godzin od otrzymania.",
            "Dokładnie rejestruje interakcje z klientami i prowadzi dokumentację."]
    texts = {
        "copy": [src[0], src[1]],                     # highest overlap with nothing, but a copy
        "empty": ["", None],
        "number": [good[0].replace("24", "48"), good[1]],
        "spanish": ["Responde a las solicitudes típicas de servicio al cliente en un plazo de 24 horas.", good[1]],
        "good": good,
        "good2": [good[0].replace("typowe", "zwykłe"), good[1].replace("Dokładnie", "Starannie")],
    }
    board, recs = score(_corpus(texts, src), Settings(bootstrap=0))
    by = {(r["key"], r["provider"]): r for r in recs}
    assert by[("1", "copy")]["signals"] == ["copy-of-source"] and by[("1", "copy")]["hard"]
    assert by[("1", "empty")]["signals"] == ["empty"]
    assert by[("1", "number")]["signals"] == ["numbers"] and not by[("1", "number")]["hard"]
    assert "wrong-language" in by[("1", "spanish")]["signals"]
    assert by[("1", "good")]["signals"] == []
    assert by[("1", "good")]["best"] and not by[("1", "number")]["best"]
    for r in recs:
        if r["hard"]:
            assert not r["best"]
    picks = {s["name"]: s["best_picks"] for s in board["systems"]}
    assert picks["copy"] == picks["empty"] == 0
    assert picks["spanish"] == 1  # only segment 2, where its text is the good one


def test_wmt_reader_reports_missing_and_extra_lines(tmp_path):
    ref = tmp_path / "ref.txt"
    ref.write_text("jeden\ndwa\ntrzy\n", encoding="utf-8")
    short = tmp_path / "short.txt"
    short.write_text("jeden\ndwa\n", encoding="utf-8")
    long_ = tmp_path / "long.txt"
    long_.write_text("jeden\ndwa\ntrzy\ncztery\n", encoding="utf-8")
    c = read_wmt([ref], [("short", short), ("long", long_)])
    assert c.systems["short"] == ["jeden", "dwa", None]
    assert c.systems["long"] == ["jeden", "dwa", "trzy"]
    assert any("1 line(s) missing" in p for p in c.problems)
    assert any("1 extra line(s)" in p for p in c.problems)


def test_cli_json_and_bad_input(tmp_path, capsys):
    ref = tmp_path / "ref.txt"
    ref.write_text("\n".join(REF[:6]) + "\n", encoding="utf-8")
    hyp = tmp_path / "a.txt"
    hyp.write_text("\n".join(SYS["a"][:6]) + "\n", encoding="utf-8")
    assert main(["score", "--ref", str(ref), "--hyp", f"A={hyp}", "--hyp", f"B={ref}", "--bootstrap", "50",
                 "--lang", "pl"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["signatures"]) == {"bleu", "chrf", "chrf++", "ter", "consensus"}
    assert out["signatures"]["consensus"].endswith("consensus:mean-over-other-candidates")
    assert "bs:50" in out["signatures"]["bleu"] and "version:" in out["signatures"]["bleu"]
    top = out["systems"][0]
    assert top["name"] == "B" and top["chrf"] == 100.0 and top["p_value"] is None
    assert out["systems"][1]["p_values"]["chrf"] <= 1.0 and out["systems"][1]["p_value"] == out["systems"][1]["p_values"]["chrf"] and len(out["systems"][1]["chrf_ci"]) == 2
    assert main(["score", "--ref", str(ref), "--hyp", "nofile"]) == 2
    assert "NAME=FILE" in capsys.readouterr().err
    bad = tmp_path / "c.csv"
    bad.write_text("provider,text\nX,hello\n", encoding="utf-8")
    assert main(["score", "--candidates", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0] and "id" in err[0]


def test_run_stage_scores_writes_draft_and_is_deterministic(tmp_path):
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    outs = []
    for n in (1, 2):
        out = tmp_path / f"r{n}"
        subprocess.run([sys.executable, "-m", "pipeline", "run", "--config", "qa.toml", "--out", str(out),
                        "--fail-on", "never"], cwd=ROOT, check=True, env=env, capture_output=True)
        outs.append(out)
    a, b = ((o / "scores.json").read_bytes() for o in outs)
    assert a == b
    assert (outs[0] / "candidates.csv").read_bytes() == (outs[1] / "candidates.csv").read_bytes()
    scores = json.loads(a)
    assert scores["pl"]["reference"].startswith("final translation") and scores["pl"]["signatures"]
    assert all("post_edit_ter" in s for s in scores["pl"]["systems"])
    assert scores["ar"]["reference"] is None and list(scores["ar"]["signatures"]) == ["consensus"]
    draft = read_file(outs[0] / "drafts/ar/sfia-9/CSMG.txt", lang="ar", framework=9)
    assert set(draft["element"]) == {"name", "description", "guidance", "activity", "level"}
    assert draft.loc[draft["element"] == "name", "marker"].iloc[0] == "unchanged"
    assert (draft.loc[draft["element"] == "level", "marker"] == "modified").all()
    rows = list(csv.DictReader((outs[0] / "drafts/ar/sfia-9/CSMG.csv").open(encoding="utf-8")))
    desc = next(r for r in rows if r["element"] == "description")
    ar8 = read_file(ROOT / "translations/ar/sfia-8/CSMG.txt")
    assert desc["taken_from"] == "sfia-8"
    assert desc["text"] == ar8.loc[ar8["element"] == "description", "text"].iloc[0]
    l4 = next(r for r in rows if r["element"] == "level" and r["level"] == "4")
    assert l4["taken_from"].startswith("mt:") and l4["taken_from"] != "mt:Kestrel"  # Kestrel's is French


@pytest.mark.shared
def test_wmt23_en_cs_matches_the_official_table(shared):
    d = shared / "wmt23" / "en-cs"
    if not d.is_dir():
        pytest.skip("wmt23/en-cs missing")
    official: dict[str, dict[str, float]] = {}
    for row in csv.DictReader((d / "automatic-scores.en-cs.tsv").open(encoding="utf-8"), delimiter="\t"):
        if row["metric"] in ("bleu-refA", "chrf-refA"):
            official.setdefault(row["system"], {})[row["metric"].split("-")[0]] = float(row["score"])
    hyps = sorted(d.glob("generaltest2023.en-cs.hyp.*.cs"))
    systems = [(p.name.split(".hyp.")[1][:-3], p) for p in hyps]
    assert len(systems) == 15
    corpus = read_wmt([d / "generaltest2023.en-cs.ref.refA.cs"], systems)
    board, _ = score(corpus, Settings(metrics=("bleu", "chrf"), bootstrap=0))
    got = {s["name"]: s for s in board["systems"]}
    for name, want in official.items():
        if name not in got:
            continue
        assert got[name]["bleu"] == pytest.approx(want["bleu"], abs=1e-4), name
        assert got[name]["chrf"] == pytest.approx(want["chrf"], abs=1e-4), name
    assert len(set(official) & set(got)) == 15


def test_pairwise_chrf_is_sacrebleus_sentence_chrf_bit_for_bit():
    from pipeline.score.pairchrf import pairwise_chrf

    seg = ["Zarządza codziennymi operacjami.", "Zarządza  operacjami codziennie!", "a", "ab c", "ąęś ąęś ąęś",
           "Przyjmuje zgłoszenia 24/7 (SLA).", "يستقبل طلبات الخدمة", "zarządza codziennymi operacjami."]
    wide = ["".join(chr(0x4E00 + i) for i in range(k, k + 800)) for k in (0, 300)]  # 1100 distinct chars
    m, too_wide = pairwise_chrf([seg, wide])
    assert too_wide is None  # falls back to fastchrf in consensus()
    chrf = CHRF()
    for i, a in enumerate(seg):
        for j, b in enumerate(seg):
            assert m[i][j] == chrf.sentence_score(a, [b]).score, (a, b)
    assert consensus([wide + [None]])[0][:2] == pytest.approx(
        [chrf.sentence_score(wide[0], [wide[1]]).score, chrf.sentence_score(wide[1], [wide[0]]).score], abs=1e-9)


@pytest.mark.parametrize("name", ["chrf", "chrf++"])
def test_chrf_statistics_equal_sacrebleus_segment_statistics(name):
    """chrF and chrF++ statistics counted once per distinct text are sacrebleu's, reference
    choice included, from a metric built without a reference cache."""
    refs = [["Ala ma kota.", "x", "abc", "Przyjmuje zgłoszenia 24/7.", "(a) b, c; d", "".join(map(chr, range(0x4E00, 0x4E00 + 1100)))],
            ["Ala ma psa.", "", "abcdefg h", "Przyjmuje zgłoszenia całodobowo.", "a b c d", "x"]]
    hyps = {"A": ["Ala ma kota", "", "ab", "Przyjmuje zgłoszenia 24/7", "(a) b, c; d", "".join(map(chr, range(0x4E10, 0x4E10 + 1100)))],
            "B": ["Kot ma Alę.", "x y", "abcdefgh", "Przyjmuje zgloszenia.", "a b c d!", "x y"],
            "C": ["Ala ma kota", "x", "", "يستقبل الطلبات", "b c d a", ""]}
    m = M.make_metric(name, refs, cache=False)
    sacre = M.make_metric(name, refs)
    assert M.chrf_fast_ok(m) and not M.chrf_fast_ok(CHRF(lowercase=True))
    assert M.signature(m, 1000, 1) == M.signature(sacre, 1000, 1)
    fast = M.chrf_stats(m, hyps, refs)
    for s, hs in hyps.items():
        for k, h in enumerate(hs):
            assert list(fast[s][k]) == list(sacre._compute_segment_statistics(h, sacre._ref_cache[k])), (s, k)


def test_chrf_and_chrf_plus_plus_counted_together_equal_each_alone():
    refs = [[f"Segment {k}: the service desk logs {k % 7} incidents, and reports them." for k in range(12)]]
    systems = {"a": [r.replace("logs", "records") for r in refs[0]], "b": [r[:30] for r in refs[0]]}
    both = M.chrf_family_stats({"chrf": M.make_metric("chrf", refs, cache=False),
                                "chrf++": M.make_metric("chrf++", refs, cache=False)}, systems, refs)
    for name in ("chrf", "chrf++"):
        sacre = M.make_metric(name, refs)
        assert both[name] == {s: sacre._extract_corpus_statistics(h, None) for s, h in systems.items()}


@pytest.mark.parametrize("name", ["chrf", "chrf++"])
def test_chrf_statistics_on_wmt_sample(shared, name):
    d = shared / "wmt23" / "en-cs"
    ref = (d / "generaltest2023.en-cs.ref.refA.cs").read_text(encoding="utf-8").splitlines()[:300]
    systems = {p.name: p.read_text(encoding="utf-8").splitlines()[:300]
               for p in sorted(d.glob("*.hyp.*"))[:3]}
    m = M.make_metric(name, [ref])
    fast = M.chrf_stats(M.make_metric(name, [ref], cache=False), systems, [ref])
    for s, hs in systems.items():
        for k, h in enumerate(hs):
            assert list(fast[s][k]) == list(m._compute_segment_statistics(h, m._ref_cache[k]))


@pytest.mark.parametrize("kwargs", [{}, {"word_order": 2}, {"beta": 1}, {"beta": 3, "char_order": 4, "word_order": 1}])
def test_bootstrap_chrf_of_all_resamples_at_once_is_sacrebleus_bit_for_bit(kwargs):
    """The bootstrap scores chrF and chrF++ for every resample at once (metrics.chrf_of_sums);
    each must be the very float sacrebleu's CHRF._compute_score_from_stats gives for that row of
    float32 sums, and the array the dtype sacrebleu's list would make (float64 once a row scores
    the plain 0.0: no n-gram on one side, or no match at all)."""
    from pipeline.score import sacrebleu_api as api

    metric = CHRF(**kwargs)
    rng = np.random.default_rng(11)
    dtypes = set()
    for trial in range(150):
        rows = int(rng.integers(1, 30))
        m = rng.integers(0, 50, size=(rows, metric.order, 3)).astype(np.float64)
        m[..., 0] = m[..., 2] + rng.integers(0, 30, size=(rows, metric.order))  # hyp >= match
        m[..., 1] = m[..., 2] + rng.integers(0, 30, size=(rows, metric.order))  # ref >= match
        m[rng.random(m.shape) < 0.15] = 0
        if trial % 7 == 0:
            m[int(rng.integers(0, rows))] = 0  # a resample with no n-gram at all
        if trial % 11 == 0:
            m[..., 2] = 0  # no match anywhere
        if trial % 3 == 0:
            m *= int(rng.integers(2, 5000))  # corpus-sized sums
        sums = m.reshape(rows, -1).astype(np.float32)
        want = np.array([api.score_of_sums(metric, row).score for row in sums])
        got = M.chrf_of_sums(metric, sums)
        assert got is not None and got.dtype == want.dtype and got.tobytes() == want.tobytes(), (trial, got, want)
        dtypes.add(got.dtype)
    assert len(dtypes) == 2  # both the all-float32 and the with-a-0.0 case were met


def test_bootstrap_chrf_leaves_other_metrics_and_eps_smoothing_to_sacrebleu():
    chrf_of_sums = M.chrf_of_sums
    sums = np.ones((3, 18), np.float32)
    assert chrf_of_sums(CHRF(eps_smoothing=True), sums) is None
    assert chrf_of_sums(BLEU(), np.ones((3, 10), np.float32)) is None
    assert chrf_of_sums(CHRF(), sums.astype(np.float64)) is None
    assert chrf_of_sums(CHRF(word_order=2), sums) is None  # 18 statistics are not chrF++'s 24
