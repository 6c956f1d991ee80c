"""``sfia-qa tms export``: XLIFF 1.2 a TMS imports, keys that survive the round trip through a
(simulated) Phrase job, deterministic files, and no write outside --out."""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from defusedxml import ElementTree as SafeET

from pipeline.cli import main
from pipeline.ingest import read_paths
from pipeline.ingest.mxliff import read_mxliff
from pipeline.keys import format_key

ROOT = Path(__file__).resolve().parents[1]
EN9 = ROOT / "sources/sfia-9/en"
NS = "{urn:oasis:names:tc:xliff:document:1.2}"


def _export(tmp_path, *extra, out="out"):
    rc = main(["tms", "export", "--sources", str(EN9), "--out", str(tmp_path / out), *extra])
    return rc, tmp_path / out


def _units(path: Path) -> list[dict]:
    root = SafeET.fromstring(path.read_bytes())
    f = root.find(f"{NS}file")
    assert root.get("version") == "1.2" and f.get("source-language") == "en"
    return [{"id": tu.get("id"), "resname": tu.get("resname"), "source": tu.find(f"{NS}source").text,
             "note": tu.find(f"{NS}note").text} for tu in root.iter(f"{NS}trans-unit")]


def test_export_writes_one_unit_per_segment_keyed_by_its_segment_key(tmp_path, capsys):
    rc, out = _export(tmp_path, "--per-skill")
    assert rc == 0 and sorted(p.name for p in out.iterdir()) == ["CSMG.xlf"]
    assert "CSMG.xlf (17 unit(s))" in capsys.readouterr().out
    units = _units(out / "CSMG.xlf")
    en = read_paths([EN9], framework=9)
    want = [(format_key(r["skill"], r["element"], r["level"], r["item"], 9), r["text"]) for r in en.to_dict("records")]
    assert [(u["id"], u["source"]) for u in units] == want
    assert all(u["resname"] == u["id"] for u in units)
    note = {u["id"]: u["note"] for u in units}["sfia9.CSMG.level.5"]
    assert "Customer service support (CSMG)" in note and "level 5" in note and "sfia9.CSMG.level.5" in note


def test_framework_file_and_skill_filter(tmp_path, capsys):
    rc, out = _export(tmp_path, "--skills", "csmg")
    assert rc == 0 and sorted(p.name for p in out.iterdir()) == ["sfia-9.xlf"]
    assert len(_units(out / "sfia-9.xlf")) == 17
    rc, _ = _export(tmp_path, "--skills", "ABCD")
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "ABCD not in the English SFIA 9" in err and "\n" not in err


def test_same_english_gives_byte_identical_files(tmp_path):
    _export(tmp_path, out="a")
    _export(tmp_path, out="b")
    assert (tmp_path / "a/sfia-9.xlf").read_bytes() == (tmp_path / "b/sfia-9.xlf").read_bytes()


def _phrase_job(xlf: bytes, lang: str, task: str, keep_key_context: bool = True) -> bytes:
    """Simulate Phrase TMS: import the XLIFF into a job, split units into sentence segments,
    pre-translate them, and download the job as MXLIFF. Phrase renumbers ids (``task:n``) and
    drops ``resname`` from the trans-units; the import keeps the unit key as the segment's
    ``x-key`` context and the note as a note."""
    root = SafeET.fromstring(xlf)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" xmlns:m="http://www.memsource.com/mxlf/2.0" '
           'version="1.2" m:version="2.17" m:level="1">',
           f'<file original="{root.find(f"{NS}file").get("original")}.xlf" datatype="x-undefined" '
           f'source-language="en" target-language="{lang}" m:task-id="{task}"><body>']
    n = 0
    for g, tu in enumerate(root.iter(f"{NS}trans-unit")):
        key = tu.get("resname")
        out.append(f'<group id="{g}" m:para-id="{g}">')
        if keep_key_context:
            out.append(f'<context-group><context context-type="x-key">{escape(key)}</context></context-group>')
        for s_i, sentence in enumerate(re.split(r"(?<=\.)\s+", tu.find(f"{NS}source").text)):
            note = "" if keep_key_context or s_i else f"<note>{escape(tu.find(f'{NS}note').text)}</note>"
            out.append(f'<trans-unit id="{task}:{n}" m:trans-origin="mt" m:score="0.0" m:confirmed="1" '
                       f'm:locked="false" m:para-id="{g}"><source>{escape(sentence)}</source>'
                       f"<target>{escape('[' + lang + '] ' + sentence)}</target>{note}</trans-unit>")
            n += 1
        out.append("</group>")
    out.append("</body></file></xliff>")
    return "\n".join(out).encode()


@pytest.mark.parametrize("keep_key_context", [True, False])
def test_round_trip_through_a_tms_job_keeps_every_key(tmp_path, keep_key_context):
    rc, out = _export(tmp_path, "--per-skill")
    assert rc == 0
    xlf = (out / "CSMG.xlf").read_bytes()
    job = _phrase_job(xlf, "pl", "J1", keep_key_context)
    assert b"resname" not in job and b"sfia9.CSMG.level.5" in job
    exported = _units(out / "CSMG.xlf")
    back = read_mxliff(job, "CSMG.mxliff")
    assert [format_key(r["skill"], r["element"], r["level"], r["item"], r["framework"]) for r in back] == \
        [u["id"] for u in exported]
    assert [r["source_text"] for r in back] == [u["source"] for u in exported]
    level5 = next(r for r in back if r["element"] == "level" and r["level"] == 5)
    assert len(level5["mxliff_id"].split(",")) > 1  # sentences joined back into the level statement
    assert level5["text"].startswith("[pl] Runs") and level5["text"].count("[pl]") == len(level5["mxliff_id"].split(","))


def test_export_refuses_to_write_through_a_link_leading_outside_out(tmp_path, capsys):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "CSMG.xlf").symlink_to(outside)
    rc = main(["tms", "export", "--sources", str(EN9), "--per-skill", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "outside" in err and "\n" not in err
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in out.iterdir()] == ["CSMG.xlf"]  # nothing else written either


def test_export_refuses_out_that_is_a_file_and_missing_sources(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x", encoding="utf-8")
    assert main(["tms", "export", "--sources", str(EN9), "--out", str(f)]) == 2
    assert "--out is not a folder" in capsys.readouterr().err
    assert main(["tms", "export", "--sources", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_export_of_the_official_sfia9_sheet(sfia9_csv, tmp_path):
    rc = main(["tms", "export", "--sources", str(sfia9_csv), "--per-skill", "--out", str(tmp_path / "o")])
    assert rc == 0
    files = sorted((tmp_path / "o").iterdir())
    en = read_paths([sfia9_csv], framework=9)
    assert len(files) == en["skill"].nunique()
    assert sum(len(_units(p)) for p in files) == len(en)
