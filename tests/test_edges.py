"""Trust at the edges: the exit-code contract, hostile bytes, bounded time, one run's reports
as one set, reports independent of the working folder, and outputs that data cannot turn
into formulas, links or mentions. Each test is one failure found by trying the tool as a
careless admin, a broken disk or a hostile file would."""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import shutil
import time
import unicodedata
from pathlib import Path

import pytest

from pipeline import cli, ioutil
from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _sample(tmp_path: Path) -> Path:
    """A copy of the sample project (qa.toml, sources, translations) to break at will."""
    proj = tmp_path / "proj"
    proj.mkdir()
    for name in ("qa.toml", "qa-suppressions.toml"):
        shutil.copy(ROOT / name, proj / name)
    for name in ("sources", "translations", "glossary"):
        shutil.copytree(ROOT / name, proj / name)
    return proj


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# -- exit codes -------------------------------------------------------------------------------


def test_an_unexpected_exception_is_exit_3_with_one_line(monkeypatch, capsys, tmp_path):
    import pipeline.run as run_mod

    def boom(*a, **k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(run_mod, "score_stage", boom)
    proj = _sample(tmp_path)
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(tmp_path / "r")]) == 3
    line = _one_line(capsys.readouterr().err)
    assert "internal error: ZeroDivisionError" in line and "--verbose" in line
    # --verbose: the traceback, for the bug report
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(tmp_path / "r"), "--verbose"]) == 3
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("toml, says", [
    ('[keys]\npattern = "{bogus}"\n', "[keys] pattern must use only {framework}"),
    ("[keys]\npattern = 5\n", "[keys] pattern must be a string"),
    ('[keys]\npattern = "{skill}.{element}"\n', "[keys] pattern must contain {index}"),
    ('[drift]\npair_threshold = "high"\n', "[drift] pair_threshold must be a number from 0 to 1, not 'high'"),
    ("[drift]\npair_treshold = 0.5\n", "[drift] unknown key 'pair_treshold' (did you mean 'pair_threshold'?)"),
    ('[drift]\ncase_is_cosmetic = "false"\n', "[drift] case_is_cosmetic must be true or false"),
    ('[translations]\nlanguages = "pl"\n', "[translations] languages must be a list of strings"),
    ("[glossary]\n", "unknown section [glossary]"),
    ('[score]\nmetrics = ["bleu", "meteor"]\n', "[score] metrics has unknown 'meteor'"),
    ("[score]\nbootstrap = -1\n", "[score] bootstrap must be a whole number from 0"),
])
def test_a_bad_config_value_is_exit_2_naming_the_key(tmp_path, capsys, toml, says):
    proj = _sample(tmp_path)
    cfg = proj / "qa.toml"
    base = '[sources]\nsfia8 = ["sources/sfia-8/en"]\nsfia9 = ["sources/sfia-9/en"]\n'
    base += "" if toml.startswith("[translations]") else '[translations]\npaths = ["translations"]\n'
    cfg.write_text(base + toml, encoding="utf-8")
    assert main(["run", "--config", str(cfg), "--out", str(tmp_path / "r")]) == 2
    line = _one_line(capsys.readouterr().err)
    assert str(cfg) in line and says in line, line


@pytest.mark.parametrize("out", ["file", "/dev/null", "file/below"])
def test_an_unusable_report_folder_is_exit_2(tmp_path, capsys, out):
    proj = _sample(tmp_path)
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    target = out if out.startswith("/") else str(tmp_path / out)
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", target]) == 2
    assert target in _one_line(capsys.readouterr().err)
    assert (tmp_path / "file").read_text(encoding="utf-8") == "not a folder"


def test_a_full_disk_is_exit_2_and_keeps_the_previous_reports(tmp_path, capsys, monkeypatch):
    proj = _sample(tmp_path)
    out = tmp_path / "reports"
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out), "--fail-on", "never"]) == 0
    before = _hashes(out)
    real = ioutil.write_text

    def full(path, text):
        # the disk fills up once the pages are being written: in whichever process writes them
        # (a call count would be each forked process's own)
        if Path(path).suffix in (".html", ".md"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, text)

    monkeypatch.setattr(ioutil, "write_text", full)
    import pipeline.report as report_mod

    monkeypatch.setattr(report_mod, "write_text", full)
    capsys.readouterr()
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out), "--fail-on", "never"]) == 2
    assert "No space left on device" in _one_line(capsys.readouterr().err)
    assert _hashes(out) == before
    assert not list(tmp_path.glob(".reports.staging-*"))


def test_a_write_back_error_at_commit_is_exit_2_and_keeps_the_previous_reports(tmp_path, capsys, monkeypatch):
    # files in the staging folder are flushed once, just before it replaces the reports: an
    # error there (a full disk met while writing back) must not leave half a set behind
    proj = _sample(tmp_path)
    out = tmp_path / "reports"
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out), "--fail-on", "never"]) == 0
    before = _hashes(out)
    flushed = []

    def failing(folder):
        flushed.append(folder)
        raise OSError(errno.ENOSPC, "No space left on device", str(folder))

    monkeypatch.setattr(ioutil, "_syncfs", failing)
    capsys.readouterr()
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out), "--fail-on", "never"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "No space left on device" in line and str(out) in line
    assert flushed and flushed[0].name.startswith(".reports.staging-")
    assert _hashes(out) == before
    assert not list(tmp_path.glob(".reports.staging-*"))


def test_reports_are_flushed_file_by_file_where_there_is_no_syncfs(tmp_path, monkeypatch):
    proj = _sample(tmp_path)
    synced: list[int] = []
    real = ioutil.os.fsync
    monkeypatch.setattr(ioutil, "_syncfs", lambda folder: False)
    monkeypatch.setattr(ioutil.os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    out = tmp_path / "reports"
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out), "--fail-on", "never"]) == 0
    files = [p for p in out.rglob("*") if p.is_file()]
    dirs = [p for p in out.rglob("*") if p.is_dir()]
    # every file and folder of the set once, and the parent once after the swap
    assert len(synced) >= len(files) + len(dirs) + 1


def test_a_write_that_fails_in_the_staging_folder_leaves_no_half_file(tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(RuntimeError):
        with ioutil.OutputDir(out) as stage:
            with ioutil.atomic_open(stage / "page.html") as fh:
                fh.write("half a page")
                raise RuntimeError("renderer failed")
    assert not out.exists() and not list(tmp_path.glob(".reports.staging-*"))
    with ioutil.OutputDir(out) as stage:
        with pytest.raises(RuntimeError):
            with ioutil.atomic_open(stage / "page.html") as fh:
                fh.write("half a page")
                raise RuntimeError("renderer failed")
        assert not (stage / "page.html").exists()
        ioutil.write_text(stage / "index.html", "whole")
    assert (out / "index.html").read_text(encoding="utf-8") == "whole"
    assert not (out / "page.html").exists()


def test_check_on_an_empty_folder_and_score_on_a_folder_are_exit_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["check", str(tmp_path / "empty")]) == 2
    assert "no SFIA files" in _one_line(capsys.readouterr().err)
    assert main(["score", "--candidates", str(ROOT / "translations/pl/sfia-9/candidates")]) == 2
    assert "is a folder" in _one_line(capsys.readouterr().err)


def _candidates_csv(rows: list[list[str]], newline: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerows([["id", "provider", "text"], *rows])
    return buf.getvalue().encode("utf-8")


def test_candidates_with_old_mac_line_ends_are_read(tmp_path, capsys):
    f = tmp_path / "c.csv"
    f.write_bytes(_candidates_csv([["1", "A", "Dzień dobry"], ["1", "B", "Dzień dobry!"]], "\r"))
    assert main(["score", "--candidates", str(f), "--lang", "pl", "--bootstrap", "0", "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "A " in out and "B " in out


def test_a_huge_candidate_cell_is_exit_2_naming_its_line(tmp_path, capsys):
    f = tmp_path / "c.csv"
    f.write_bytes(_candidates_csv([["1", "A", "ok"], ["2", "B", "x" * 200_000]], "\n"))
    assert main(["score", "--candidates", str(f), "--bootstrap", "0"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert f"{f}:3" in line and "field larger than field limit" in line


# -- encodings ----------------------------------------------------------------------------------


def test_a_polish_file_with_one_bad_byte_is_refused_with_line_and_offset(tmp_path, capsys):
    data = (ROOT / "translations/pl/sfia-9/CSMG.txt").read_bytes()
    at = data.index("Dokładnie".encode()) + 3   # the first byte of "ł" in "Dokładnie" (level 1)
    line = data.count(b"\n", 0, at) + 1
    bad = tmp_path / "pl" / "sfia-9" / "CSMG.txt"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(data[:at] + b"\xff" + data[at + 1:])
    assert main(["segments", str(bad)]) == 2
    msg = _one_line(capsys.readouterr().err)
    assert f"{bad}:{line}:" in msg and f"byte offset {at}" in msg and "0xff" in msg
    assert "obsÅ" not in msg


def test_nfd_input_gives_the_same_segments_as_nfc(tmp_path):
    from pipeline.ingest import read_file

    nfc = ROOT / "translations/pl/sfia-9/CSMG.txt"
    nfd = tmp_path / "pl" / "sfia-9" / "CSMG.txt"
    nfd.parent.mkdir(parents=True)
    nfd.write_text(unicodedata.normalize("NFD", nfc.read_text(encoding="utf-8")), encoding="utf-8")
    assert nfd.read_bytes() != nfc.read_bytes()
    a, b = read_file(nfc), read_file(nfd)
    assert list(a["text"]) == list(b["text"])


def test_cp1252_files_still_read(tmp_path):
    from pipeline.encoding import decode

    text = "Skill,Code\nAnalyse “quoted” – café,ABCD\n"
    assert decode(text.encode("cp1252"), "x.csv") == (text, "cp1252")


# -- bounded time -------------------------------------------------------------------------------


def test_a_one_megabyte_token_goes_through_the_checks_quickly():
    from pipeline.checks.runner import run_checks
    from pipeline.checks.settings import settings_from
    from pipeline.checks.units import Unit

    settings = settings_from({}, "qa.toml")
    token = "x@" + "y" * 1_000_000
    units = [Unit(lang=lang, framework=9, skill="CSMG", element="level", level=1, item=None,
                  source="Receives and handles routine customer requests.", target=f"{head} {token} {tail}",
                  origin="t.txt:1", status="ok")
             for lang, head, tail in (("pl", "Przyjmuje", "zgłoszenia klientów."), ("ar", "يستقبل", "طلبات الخدمة"))]
    english = [Unit(lang="en", framework=9, skill="CSMG", element="level", level=1, item=None,
                    source=f"Handles {token} requests.", target=None, origin="e.csv:2")]
    run_checks(units, settings, english)  # warm the caches: language data, spelling dictionaries
    t = time.perf_counter()
    run_checks(units, settings, english)
    assert time.perf_counter() - t < 3.0   # three units; a quadratic scan took minutes


# -- one run, one set of reports ---------------------------------------------------------------


def test_a_run_that_dies_half_way_leaves_the_previous_complete_set(tmp_path, monkeypatch, capsys):
    proj = _sample(tmp_path)
    out = tmp_path / "reports"
    (out).mkdir()
    (out / ".gitkeep").write_text("", encoding="utf-8")
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out), "--fail-on", "never"]) == 0
    before = _hashes(out)
    assert ".gitkeep" in before and "index.html" in before

    import pipeline.report as report_mod

    def dies(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(report_mod, "review_workbook", dies)   # after the tables, before the workbook
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out), "--fail-on", "never"]) == 130
    assert _hashes(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".reports.staging")]


def test_a_second_run_into_the_same_folder_exits_2(tmp_path, capsys):
    proj = _sample(tmp_path)
    out = tmp_path / "reports"
    with ioutil.OutputDir(out):
        assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out)]) == 2
        assert "another sfia-qa run is writing reports" in _one_line(capsys.readouterr().err)


def test_files_of_an_earlier_run_go_and_a_users_files_stay(tmp_path, capsys):
    proj = _sample(tmp_path)
    out = tmp_path / "reports"
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out), "--fail-on", "never"]) == 0
    assert (out / "lang-ar.html").is_file()
    (out / "my-notes.txt").write_text("mine", encoding="utf-8")
    shutil.rmtree(proj / "translations" / "ar")
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out), "--fail-on", "never"]) == 0
    assert not (out / "lang-ar.html").exists() and not (out / "lang-ar").exists()  # Arabic is gone from the corpus
    assert (out / "my-notes.txt").read_text(encoding="utf-8") == "mine"


def test_reports_do_not_depend_on_the_working_folder(tmp_path, monkeypatch, capsys):
    proj = _sample(tmp_path)
    monkeypatch.chdir(proj)
    assert main(["run", "--config", "qa.toml", "--out", str(tmp_path / "a"), "--fail-on", "never"]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(tmp_path / "b"), "--fail-on", "never"]) == 0
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert a == b
    text = (tmp_path / "b" / "findings.jsonl").read_text(encoding="utf-8")
    assert str(tmp_path) not in text and '"origin": "translations/pl/sfia-9/CSMG.txt:' in text


# -- outputs that data cannot turn into code -----------------------------------------------------


def test_csv_cells_cannot_start_a_formula(tmp_path, capsys):
    from pipeline import schema
    from pipeline.output import csv_safe, to_csv

    for bad in ("=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert csv_safe(bad) == "'" + bad
    assert csv_safe("zarządzanie") == "zarządzanie"
    df = schema.make(schema.SEGMENT, [{"framework": 9, "lang": "pl", "skill": "ABCD", "element": "name",
                                       "text": "=cmd|' /C calc'!A0", "origin": "x.txt:1"}])
    rows = list(csv.reader(io.StringIO(to_csv(df, schema.columns(schema.SEGMENT, True)))))
    assert rows[1][schema.columns(schema.SEGMENT, True).index("text")] == "'=cmd|' /C calc'!A0"


def test_markdown_summary_shows_links_images_and_mentions_as_text():
    from pipeline.report.ci import _code, _md

    evil = "see ![x](https://evil.example/p.png) [click](https://evil.example) @octocat <b>x</b> | y"
    md = _md(evil)
    assert "![x](" not in md and "[click](" not in md and "https://" not in md
    assert "\\@octocat" in md and "<b>" not in md and "\\|" in md
    assert _code("a`b") == "``a`b``" and _code("x|y", in_table=True) == "`x\\|y`"


def test_help_names_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "3 internal error" in capsys.readouterr().out


# -- what a file says cannot name a path; what a report folder holds is kept as it is ----------

@pytest.mark.parametrize("field, value, says", [
    ("skill", "../../../../escaped/EVIL", "not a SFIA skill code"),
    ("skill", "/tmp/EVIL", "not a SFIA skill code"),
    ("lang", "../../x", "not a language tag"),
    ("lang", 5, "must be a non-empty string"),
    ("marker", "bogus", "marker must be one of"),
    ("text", "\ud800", "half of a UTF-16 pair"),
])
def test_a_segment_file_cannot_name_files_or_smuggle_text(tmp_path, capsys, field, value, says):
    proj = _sample(tmp_path)
    seg = {"skill": "CSMG", "element": "name", "text": "x", "framework": 8, "lang": "ar", field: value}
    bad = proj / "translations" / "ar" / "sfia-8" / "extra.jsonl"
    bad.write_text(json.dumps(seg) + "\n", encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "translations/ar/sfia-8/extra.jsonl:1" in line and says in line, line
    assert not (tmp_path / "escaped").exists() and not out.exists()


@pytest.mark.parametrize("obj, says", [
    ({"key": "sfia9.CSMG.name", "text": "x", "locale": 5}, "locale must be a language tag"),
    ({"key": "sfia9.CSMG.name", "text": "x", "locale": "../../x"}, "not a language tag"),
    ({"key": "sfia9.CSMG.name", "text": "x", "marker": "bogus"}, "marker must be one of"),
])
def test_a_phrase_pull_line_with_a_bad_locale_or_marker_is_exit_2_naming_it(tmp_path, capsys, obj, says):
    proj = _sample(tmp_path)
    pull = proj / "translations" / "pl" / "phrase" / "sfia-9.jsonl"
    pull.parent.mkdir(parents=True, exist_ok=True)
    pull.write_text(json.dumps(obj) + "\n", encoding="utf-8")
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(tmp_path / "r")]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "phrase/sfia-9.jsonl:1" in line and says in line, line


def test_a_candidate_cannot_name_a_file_with_its_skill(tmp_path, capsys):
    proj = _sample(tmp_path)
    cands = proj / "translations" / "pl" / "sfia-9" / "candidates" / "evil.csv"
    cands.parent.mkdir(parents=True, exist_ok=True)
    cands.write_text("skill,element,provider,text\n../../EVIL,name,x,tekst\n", encoding="utf-8")
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(tmp_path / "r")]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "candidates/evil.csv:2" in line and "not a SFIA skill code" in line, line


def test_a_translated_skill_the_english_lacks_still_runs(tmp_path, capsys):
    proj = _sample(tmp_path)
    extra = {"skill": "ABCD", "element": "name", "text": "اسم", "framework": 8, "lang": "ar"}
    (proj / "translations" / "ar" / "sfia-8" / "extra.jsonl").write_text(json.dumps(extra) + "\n", encoding="utf-8")
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(tmp_path / "r"), "--fail-on", "never"]) == 0


def test_noncharacters_in_a_translation_do_not_stop_the_workbook(tmp_path, capsys):
    proj = _sample(tmp_path)
    page = next((proj / "translations" / "pl").rglob("*.txt"))
    text = page.read_text(encoding="utf-8").splitlines(keepends=True)
    i = max(n for n, ln in enumerate(text) if len(ln.strip()) > 30)  # a line of the body
    text[i] = text[i].rstrip("\n") + " \uffff\ufffe\n"
    page.write_text("".join(text), encoding="utf-8")
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(tmp_path / "r"), "--fail-on", "never"]) == 0
    assert (tmp_path / "r" / "review.xlsx").is_file()


def test_a_report_folder_keeps_links_pipes_empty_folders_and_modes_as_they_are(tmp_path, capsys):
    import os
    import stat

    proj = _sample(tmp_path)
    out = tmp_path / "reports"
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out), "--fail-on", "never"]) == 0
    (out / "empty").mkdir(parents=True)
    (out / "private").mkdir(mode=0o700)
    (out / "private" / "notes.txt").write_text("mine", encoding="utf-8")
    os.chmod(out / "private" / "notes.txt", 0o600)
    (out / "frozen").mkdir()
    (out / "frozen" / "f.txt").write_text("kept", encoding="utf-8")
    os.chmod(out / "frozen", 0o555)
    (tmp_path / "elsewhere.txt").write_text("target", encoding="utf-8")
    os.symlink(tmp_path / "elsewhere.txt", out / "file-link")
    os.symlink(tmp_path, out / "folder-link")
    os.symlink(tmp_path / "gone", out / "dangling")
    os.mkfifo(out / "pipe")
    for _ in range(2):  # the first run carries them over, and so does the next
        assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out), "--fail-on", "never"]) == 0
        assert (out / "lang-pl.html").is_file() and (out / "empty").is_dir()
        assert stat.S_IMODE((out / "private").stat().st_mode) == 0o700
        assert stat.S_IMODE((out / "private" / "notes.txt").stat().st_mode) == 0o600
        assert stat.S_IMODE((out / "frozen").stat().st_mode) == 0o555
        assert (out / "frozen" / "f.txt").read_text(encoding="utf-8") == "kept"
        assert os.readlink(out / "file-link") == str(tmp_path / "elsewhere.txt")
        assert os.readlink(out / "folder-link") == str(tmp_path)
        assert os.readlink(out / "dangling") == str(tmp_path / "gone")
        assert stat.S_ISFIFO(os.lstat(out / "pipe").st_mode)
    os.chmod(out / "frozen", 0o755)


def test_a_symlinked_report_folder_gets_the_reports_where_it_points(tmp_path, capsys):
    import os

    proj = _sample(tmp_path)
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(real, tmp_path / "link")
    for _ in range(2):
        assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(tmp_path / "link"), "--fail-on", "never"]) == 0
        assert (tmp_path / "link").is_symlink() and (real / "lang-pl.html").is_file()
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]


@pytest.mark.parametrize("out", [".", "..", "/"])
def test_the_working_folder_its_parents_or_the_root_cannot_be_the_report_folder(tmp_path, capsys, monkeypatch, out):
    proj = _sample(tmp_path)
    monkeypatch.chdir(proj)
    before = _hashes(proj)
    assert main(["run", "--config", "qa.toml", "--out", out]) == 2
    assert "choose a folder of" in _one_line(capsys.readouterr().err)
    assert _hashes(proj) == before and not list(proj.glob(".*.lock"))


def test_score_refuses_a_negative_seed_or_bootstrap(capsys):
    for args in (["--seed", "-1"], ["--bootstrap", "-5"]):
        with pytest.raises(SystemExit) as e:
            main(["score", *args, "--candidates", "x.csv"])
        assert e.value.code == 2
        assert "a whole number from 0" in capsys.readouterr().err


def test_pipes_devices_and_report_folders_in_the_corpus_are_not_read(tmp_path, capsys):
    import os

    proj = _sample(tmp_path)
    pl = proj / "translations" / "pl" / "sfia-9"
    os.mkfifo(pl / "waiting.txt")            # reading it would wait for ever
    os.symlink("/dev/zero", pl / "zero.txt")  # reading it would never end
    inside = pl / "reports"                  # reports written into the corpus once
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(inside), "--fail-on", "never"]) == 0
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(tmp_path / "r"), "--fail-on", "never"]) == 0
    capsys.readouterr()
    assert main(["segments", str(pl / "waiting.txt")]) == 2
    assert "not a regular file" in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("page, code_page", [("ar/sfia-8/CSMG.txt", "cp1256"), ("pl/sfia-9/CSMG.txt", "cp1250")])
def test_a_page_saved_in_its_languages_windows_code_page_reads_as_the_unicode_one(tmp_path, page, code_page):
    """A Windows export of an Arabic or Polish page is cp1256 / cp1250 (pipeline/lang/*.toml), not
    cp1252: read as cp1252 every Arabic letter became a Latin one and 'ą' became '¹'."""
    from pipeline.ingest import read_file

    src = ROOT / "translations" / page
    legacy = tmp_path / "translations" / page
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(src.read_text(encoding="utf-8").encode(code_page))
    got, want = read_file(legacy), read_file(src)
    assert list(got["text"]) == list(want["text"]) and len(got) > 5


def test_an_unclosed_quote_in_a_csv_is_exit_2_naming_its_line(tmp_path, capsys):
    proj = _sample(tmp_path)
    cands = proj / "translations" / "pl" / "sfia-9" / "candidates" / "CSMG.csv"
    lines = cands.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].rstrip("\n") + ',"unclosed\n'  # the rest of the file would have been one cell
    cands.write_text("".join(lines), encoding="utf-8")
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(tmp_path / "r")]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "candidates/CSMG.csv:4: malformed CSV" in line and "never closed" in line, line


@pytest.mark.parametrize("holds", ["home", "project", "corpus"])
def test_a_folder_that_is_not_a_report_folder_is_never_replaced(tmp_path, capsys, holds):
    """A run replaces its folder with a copy plus the reports: a home folder, a project or a
    corpus folder given as --out would come back rebuilt (owners, hard links and inodes lost)."""
    proj = _sample(tmp_path)
    target = {"home": tmp_path / "home", "project": proj, "corpus": proj / "translations"}[holds]
    target.mkdir(exist_ok=True)
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    before, inode = _hashes(target), target.stat().st_ino
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(target)]) == 2
    assert "is not a report folder" in _one_line(capsys.readouterr().err)
    assert _hashes(target) == before and target.stat().st_ino == inode


def test_a_new_report_folder_may_hold_placeholders(tmp_path, capsys):
    proj = _sample(tmp_path)
    out = tmp_path / "reports"
    out.mkdir()
    (out / ".gitkeep").write_text("", encoding="utf-8")
    (out / "README.md").write_text("generated", encoding="utf-8")
    assert main(["run", "--config", str(proj / "qa.toml"), "--out", str(out), "--fail-on", "never"]) == 0
    assert (out / ".gitkeep").exists() and (out / "README.md").read_text(encoding="utf-8") == "generated"
    assert (out / "index.html").is_file()


@pytest.mark.parametrize("args", [
    ["score", "--ref", "/dev/zero", "--hyp", "X=HYP"],
    ["score", "--ref", "HYP", "--hyp", "X=/dev/zero"],
    ["score", "--candidates", "ZERO.csv"],
    ["phrase", "push", "--findings", "/dev/zero", "--project", "P"],
    ["segments", "--lang", "../../qa", "HYP"],
])
def test_devices_and_path_like_languages_on_the_command_line_are_exit_2(tmp_path, capsys, monkeypatch, args):
    import os

    monkeypatch.setenv("PHRASE_ACCESS_TOKEN", "tok-1234")
    (tmp_path / "hyp.txt").write_text("a\n", encoding="utf-8")
    os.symlink("/dev/zero", tmp_path / "zero.csv")  # reading it would never end
    args = [a.replace("HYP", str(tmp_path / "hyp.txt")).replace("ZERO.csv", str(tmp_path / "zero.csv")) for a in args]
    assert main(args) == 2
    line = _one_line(capsys.readouterr().err)
    assert "not a regular file" in line or "not a language tag" in line, line


@pytest.mark.parametrize("url, token", [("http://[::1", "tok-1234"), ("http://%zz/v2", "tok-1234"),
                                        ("http://" + "a" * 70 + ".com/v2", "tok-1234"),
                                        ("https://api.phrase.com/v2", "tok-1234ł")])
def test_a_malformed_base_url_or_token_is_exit_2(tmp_path, capsys, monkeypatch, url, token):
    monkeypatch.setenv("PHRASE_ACCESS_TOKEN", token)
    monkeypatch.chdir(tmp_path)
    assert main(["phrase", "pull", "--project", "P", "--base-url", url, "--out", str(tmp_path / "o")]) == 2
    line = _one_line(capsys.readouterr().err)
    assert ("not a plain http(s) URL" in line or "not printable ASCII" in line) and token not in line, line
