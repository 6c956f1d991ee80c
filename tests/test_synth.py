"""The synthetic corpus generator (benchmarks/synth.py): the pipeline reads what it writes,
finds the defects it plants, and the same seed gives the same bytes."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pytest

from pipeline.cli import main as cli_main
from pipeline.ingest import read_paths

ROOT = Path(__file__).resolve().parents[1]


def _synth():
    spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def synth():
    return _synth()


@pytest.fixture(scope="module")
def corpus(synth, shared, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    synth.generate(out, 2, providers=7, skills=3, seed=7, shared=shared, defect_rate=0.25, bootstrap=20)
    return out


@pytest.fixture(scope="module")
def run_result(corpus, tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    rc = cli_main(["run", "--config", str(corpus / "qa.toml"), "--out", str(reports), "--fail-on", "never"])
    findings = [json.loads(line) for line in (reports / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    return rc, findings, reports


def _planted(corpus: Path) -> list[dict]:
    with open(corpus / "planted.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_marked_synthetic_and_points_at_the_official_english(corpus, shared):
    assert "SYNTHETIC" in (corpus / "README.md").read_text(encoding="utf-8")
    toml = (corpus / "qa.toml").read_text(encoding="utf-8")
    assert str((shared / "sfia").resolve()) in toml
    # the English is referenced, never copied into the corpus
    assert not [p for p in corpus.rglob("*") if p.suffix in (".xlsx",) or "_en_" in p.name]
    langs = sorted(p.name for p in (corpus / "translations").iterdir())
    assert langs == ["ar", "pl"]
    for lang in langs:
        assert (corpus / "translations" / lang / "sfia-9" / "candidates" / "synthetic-mt.csv").is_file()


def test_sheet_reads_back_with_the_english_keys(corpus, shared, synth):
    """The SFIA 8 sheet has the official layout: read back, its segments are the English
    segments of the chosen skills, less the bullets planted as dropped."""
    en = read_paths([shared / "sfia" / synth.SFIA8_FILE], framework=8)
    tr = read_paths([corpus / "translations" / "pl" / "sfia-8"])
    assert set(tr["lang"]) == {"pl"} and set(tr["framework"]) == {8}
    skills = set(tr["skill"])
    assert len(skills) == 3
    en = en[en["skill"].isin(skills)]
    dropped = sum(1 for p in _planted(corpus) if p["lang"] == "pl" and p["framework"] == "8"
                  and p["kind"] == "dropped-bullet")
    assert len(tr) == len(en) - dropped
    for el in ("name", "description", "level"):
        a = en[en["element"] == el][["skill", "level"]].astype(str).apply(tuple, axis=1)
        b = tr[tr["element"] == el][["skill", "level"]].astype(str).apply(tuple, axis=1)
        assert sorted(a) == sorted(b)
    # numbers and skill codes survive the pseudo-translation; the words do not
    merged = en.merge(tr, on=["skill", "element", "level", "item"], suffixes=("_en", "_tr"))
    assert (merged["text_en"] != merged["text_tr"]).mean() > 0.8


def test_sfia9_reuses_sfia8_with_markers(corpus):
    lines = [json.loads(x) for x in
             (corpus / "translations" / "pl" / "sfia-9" / "sfia-9_pl.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {x["marker"] for x in lines} == {"modified", "unchanged"}
    tr8 = set(read_paths([corpus / "translations" / "pl" / "sfia-8"])["text"])
    flipped = {p["key"] for p in _planted(corpus) if p["lang"] == "pl" and p["kind"].startswith("marker-")}
    unchanged = [x for x in lines if x["marker"] == "unchanged"
                 and ".".join(str(v) for v in (x["skill"], x["element"], x["level"] or x["item"]) if v) not in flipped]
    assert unchanged and all(x["text"] in tr8 for x in unchanged)


def test_pipeline_runs_and_finds_the_planted_defects(corpus, run_result):
    rc, findings, reports = run_result
    assert rc == 0
    assert (reports / "lang-pl.html").is_file() and (reports / "lang-ar.html").is_file()
    got = {(f["lang"], f["framework"], f["skill"], f["code"]) for f in findings}
    planted = _planted(corpus)
    kinds = {p["kind"].split(":")[0] for p in planted}
    assert {"mt-empty", "mt-copy-of-source", "mt-wrong-script", "mt-length-outlier"} <= kinds
    assert len(kinds - {k for k in kinds if k.startswith("mt-")}) >= 5
    missed = []
    for kind in sorted(kinds):
        rows = [p for p in planted if p["kind"].split(":")[0] == kind]
        hit = any((p["lang"], int(p["framework"]), p["key"].split(".")[0], code) in got
                  for p in rows for code in p["codes"].split())
        if not hit:
            missed.append(kind)
    assert not missed, f"planted but never reported: {missed}"


def test_same_seed_same_bytes(synth, shared, tmp_path):
    def files(d: Path) -> dict[str, bytes]:
        return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}

    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d, seed in ((a, 3), (b, 3), (c, 4)):
        synth.generate(d, 1, providers=3, skills=2, seed=seed, shared=shared)
    fa, fb, fc = files(a), files(b), files(c)
    assert fa == fb
    assert fa.keys() == fc.keys() and fa != fc


def test_language_tags_beyond_the_data_files(synth):
    tags = synth.language_tags(8)
    assert tags[:3] == ["pl", "ar", "cs"]
    assert len(set(tags)) == 8
    assert {t.split("-")[0] for t in tags} == {"pl", "ar", "cs"}
