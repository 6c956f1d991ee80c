"""Unreadable input: exit code 2 and one line naming the file and the problem, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import openpyxl
import pytest


def sfia_qa(*args, cwd):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=cwd)


def _good_xlsx(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Code", "Skill", "Overall description"])
    for i in range(300):
        ws.append([f"AB{i:02d}"[:4] if i < 100 else f"X{i:03d}", f"Skill {i}", "Description " * 20])
    wb.save(path)


def _write(tmp_path, name, data: bytes):
    p = tmp_path / "sfia-9" / "en" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


CASES = {
    "unknown format": ("skills.docx", b"PK\x03\x04 not really", "unknown format .docx"),
    "empty file": ("CSMG.csv", b"   \n", "file is empty"),
    "undetectable encoding": ("CSMG.csv", b"Code,Skill\nABCD,\x81\x8d\x8f\x90 text\n", "encoding"),
    "binary in text": ("CSMG.txt", b"\x00\x01\x02\x03binary\x00\x00\xff", "binary data"),
    "no skill on page": ("CSMG.txt", "Zwykły tekst bez tytułu.\n".encode(), "no recognisable skill"),
    "not a skills sheet": ("other.csv", b"a,b,c\n1,2,3\n", "no header row with 'Code' and 'Skill'"),
    "bad skill code": ("CSMG.csv", b"Code,Skill\nnot a code,Name\n", "not a SFIA skill code"),
    "malformed jsonl": ("seg.jsonl", b'{"skill": "CSMG"\n', "invalid JSON"),
    "malformed xliff": ("t.xlf", b"<xliff version='1.2'><file", "malformed XML"),
    "entity bomb": ("t.xlf", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xliff>&a;</xliff>',
                    "unsafe XML"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exit_2_one_line(tmp_path, case):
    name, data, expect = CASES[case]
    if case == "no skill on page":
        p = tmp_path / "pl" / "sfia-9" / name
        p.parent.mkdir(parents=True)
        p.write_bytes(data)
    else:
        p = _write(tmp_path, name, data)
    res = sfia_qa("segments", str(p), cwd=tmp_path)
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert lines[0].startswith("sfia-qa: error: ") and str(p.name) in lines[0] and expect in lines[0], lines[0]


def test_truncated_xlsx_exit_2(tmp_path):
    good = tmp_path / "good.xlsx"
    _good_xlsx(good)
    data = good.read_bytes()
    bad = _write(tmp_path, "skills.xlsx", data[: len(data) // 2])
    res = sfia_qa("segments", str(bad), cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "skills.xlsx" in res.stderr and "xlsx" in res.stderr


def test_xlsx_with_a_damaged_member_exit_2(tmp_path):
    good = tmp_path / "good.xlsx"
    _good_xlsx(good)
    bad = _write(tmp_path, "skills.xlsx", b"")
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                data = data[: len(data) // 3]
            zout.writestr(item, data)
    res = sfia_qa("segments", str(bad), cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "skills.xlsx" in res.stderr


def test_missing_path_and_bad_config(tmp_path):
    res = sfia_qa("segments", "nope/nothing.csv", cwd=tmp_path)
    assert res.returncode == 2 and "nope/nothing.csv: no such file or folder" in res.stderr
    cfg = tmp_path / "qa.toml"
    cfg.write_text("[sources\nsfia8 = 1\n")
    res = sfia_qa("run", "--config", str(cfg), cwd=tmp_path)
    assert res.returncode == 2 and "qa.toml: invalid TOML" in res.stderr and "Traceback" not in res.stderr
    cfg.write_text("[sourcez]\n")
    res = sfia_qa("run", "--config", str(cfg), cwd=tmp_path)
    assert res.returncode == 2 and "unknown section [sourcez] (did you mean 'sources'?)" in res.stderr


def test_bad_input_loses_nothing(tmp_path):
    """A run that fails on bad input leaves earlier reports as they were."""
    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("previous report")
    (out / ".sfia-qa-manifest.json").write_text('{"files": ["index.html"]}\n')  # an earlier run's folder
    (tmp_path / "src" / "sfia-8").mkdir(parents=True)
    (tmp_path / "src" / "sfia-8" / "bad.csv").write_bytes(b"")
    cfg = tmp_path / "qa.toml"
    cfg.write_text('[sources]\nsfia8 = ["src/sfia-8"]\n[report]\nout = "reports"\n')
    res = sfia_qa("run", "--config", str(cfg), cwd=tmp_path)
    assert res.returncode == 2 and "bad.csv: file is empty" in res.stderr
    assert (out / "index.html").read_text() == "previous report"
