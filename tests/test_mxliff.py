"""Phrase TMS MXLIFF: the synthetic jobs read like the Polish page, provenance as planted,
alternatives as candidates, spreadsheet cell references, and hostile or keyless files refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.align import align_english
from pipeline.cli import main
from pipeline.drift import classify
from pipeline.errors import InputError
from pipeline.ingest import read_file, read_paths
from pipeline.ingest.candidates import candidates_table
from pipeline.ingest.mxliff import read_mxliff, read_mxliff_candidates
from pipeline.keys import format_key

ROOT = Path(__file__).resolve().parents[1]
PL = ROOT / "translations/pl/tms/CSMG.mxliff"
AR = ROOT / "tests/data/tms/ar/CSMG.mxliff"
COLS = ["framework", "lang", "skill", "element", "level", "item", "text"]


def _key(r) -> str:
    return format_key(r["skill"], r["element"], r["level"], r["item"], r["framework"])


def _by_key(records):
    return {_key(r): r for r in records}


@pytest.fixture(scope="module")
def pl():
    return _by_key(read_mxliff(PL.read_bytes(), str(PL)))


@pytest.fixture(scope="module")
def english():
    return {8: read_paths([ROOT / "sources/sfia-8/en"], framework=8),
            9: read_paths([ROOT / "sources/sfia-9/en"], framework=9)}


def _rows(df):
    return sorted(tuple("" if pd.isna(v) else str(v) for v in row) for row in df[COLS].itertuples(index=False))


def test_polish_job_gives_the_keys_and_texts_of_the_polish_page():
    job = read_file(PL)
    page = read_file(ROOT / "translations/pl/sfia-9/CSMG.txt")
    assert len(job) == len(page) == 17
    assert _rows(job) == _rows(page)
    assert set(job["format"]) == {"mxliff"} and job["keyed"].all()
    assert job["origin"].str.match(r"^.*translations/pl/tms/CSMG\.mxliff:\d+$").all()


def test_polish_provenance_is_as_planted(pl, english):
    name, desc = pl["sfia9.CSMG.name"], pl["sfia9.CSMG.description"]
    assert (name["trans_origin"], name["tm_score"], name["origin_detail"]) == ("tm", 101.0, "SFIA 8 pl")
    assert (desc["trans_origin"], desc["tm_score"], desc["origin_detail"]) == ("mt", None, "Lumen MT")
    assert pl["sfia9.CSMG.activity.5"]["trans_origin"] == "human"
    assert [k for k, r in pl.items() if not r["confirmed"]] == ["sfia9.CSMG.level.3"]
    assert [k for k, r in pl.items() if r["locked"]] == ["sfia9.CSMG.activity.2"]
    assert pl["sfia9.CSMG.activity.2"]["tm_score"] == 79.0
    assert {r["job"] for r in pl.values()} == {"pl9CSMGbetaJob01"}
    # five sentence units of one key make one segment; its English is the SFIA 9 level 4 statement
    l4 = pl["sfia9.CSMG.level.4"]
    assert len(l4["mxliff_id"].split(",")) == 5
    en9 = {_key(r): r["text"] for r in english[9].to_dict("records")}
    assert all(r["source_text"] == en9[k] for k, r in pl.items())


def test_planted_defects_are_found_by_joining_page_markers_drift_and_provenance(pl, english):
    page = read_file(ROOT / "translations/pl/sfia-9/CSMG.txt").to_dict("records")
    claimed_unchanged = {_key(r) for r in page if r["marker"] == "unchanged"}
    not_from_tm = {k for k in claimed_unchanged
                   if pl[k]["trans_origin"] != "tm" or (pl[k]["tm_score"] or 0) < 100}
    assert not_from_tm == {"sfia9.CSMG.description"}
    drift = classify(align_english(english[8], english[9]))
    changed = {format_key(r["skill"], r["element"], r["level"], r["item"], 9)
               for r in drift.to_dict("records") if r["status"] in ("modified", "added")}
    assert {k for k, r in pl.items() if r["locked"] and k in changed} == {"sfia9.CSMG.activity.2"}


def test_unedited_and_post_edited_mt_tell_apart_by_the_engines_own_suggestion(pl):
    cands = read_mxliff_candidates(PL.read_bytes(), str(PL))
    own = {c["key"]: c["text"] for c in cands
           if c["provider"] == pl[c["key"]]["origin_detail"] and pl[c["key"]]["trans_origin"] == "mt"}
    unedited = {k for k, t in own.items() if t == pl[k]["text"]}
    assert unedited == {"sfia9.CSMG.description", "sfia9.CSMG.activity.3", "sfia9.CSMG.activity.4",
                        "sfia9.CSMG.activity.6", "sfia9.CSMG.activity.7", "sfia9.CSMG.level.1",
                        "sfia9.CSMG.level.3", "sfia9.CSMG.level.5"}
    assert set(own) - unedited == {"sfia9.CSMG.guidance.1", "sfia9.CSMG.level.2", "sfia9.CSMG.level.4",
                                   "sfia9.CSMG.level.6"}


def test_alternatives_become_candidates(root):
    recs = read_mxliff_candidates(PL.read_bytes(), str(PL))
    table = candidates_table(recs)
    assert {"Lumen MT", "Verbix", "Quillon", "TM SFIA 8 pl"} <= set(table["provider"])
    assert set(table["lang"]) == {"pl"} and set(table["framework"]) == {9}
    tm = table[table["provider"] == "TM SFIA 8 pl"].set_index("key")
    assert tm.loc["sfia9.CSMG.description", "text"] != read_mxliff(PL.read_bytes(), "x")[1]["text"]
    # a provider that gave no suggestion for a unit gives no candidate for that segment
    assert table[(table["provider"] == "Babelink") & (table["key"] == "sfia9.CSMG.activity.7")].empty
    # the candidates of a split level join the sentence suggestions of a provider that gave them all
    l4 = table[(table["key"] == "sfia9.CSMG.level.4") & (table["provider"] == "Verbix")]
    assert len(l4) == 1 and l4["text"].iloc[0].count(". ") == 4
    assert table["source"].notna().all()


def test_arabic_job_reuses_the_sfia8_page_where_the_english_is_unchanged(english):
    ar = _by_key(read_mxliff(AR.read_bytes(), str(AR)))
    ar8 = {_key({**r, "framework": 9}): r["text"] for r in read_file(ROOT / "translations/ar/sfia-8/CSMG.txt")
           .to_dict("records")}
    assert set(ar) == {_key(r) for r in english[9].to_dict("records")}
    tm = {k for k, r in ar.items() if r["trans_origin"] == "tm"}
    assert tm == {"sfia9.CSMG.name", "sfia9.CSMG.description", "sfia9.CSMG.guidance.2", "sfia9.CSMG.activity.1"}
    assert all(ar[k]["text"] == ar8[k] and ar[k]["tm_score"] >= 100 for k in tm)
    assert all(r["trans_origin"] == "mt" and not r["confirmed"] for k, r in ar.items() if k not in tm)
    assert {r["lang"] for r in ar.values()} == {"ar"}


# ---------------------------------------------------------------------------- hand-made files

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" '
        'xmlns:m="http://www.memsource.com/mxlf/2.0" version="1.2">\n'
        '<file original="x.xlsx" source-language="en" target-language="pl" m:task-id="T1">\n<body>\n')
TAIL = "</body>\n</file>\n</xliff>\n"


def _unit(n, src, tgt, ctx="", extra='m:trans-origin="mt" m:score="0" m:confirmed="0" m:locked="false"'):
    return (f'<group id="{n}" m:para-id="{n}">{ctx}\n<trans-unit id="T1:{n}" {extra}>'
            f"<source>{src}</source><target>{tgt}</target></trans-unit></group>\n")


def _cell(ref):
    return f'<context-group><context context-type="x-key-note">Sheet: {ref}</context></context-group>'


def _write(tmp_path, body, name="job.mxliff"):
    p = tmp_path / name
    p.write_text(HEAD + body + TAIL, encoding="utf-8")
    return p


def test_units_without_sfia_key_exit_2_with_one_line(tmp_path, capsys):
    p = _write(tmp_path, _unit(0, "Hello", "Cześć") + _unit(1, "World", "Świat"))
    assert main(["segments", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "carry no SFIA key" in err and str(p) in err


def test_a_keyless_unit_among_keyed_ones_is_named(tmp_path, capsys):
    ctx = '<context-group><context context-type="x-key">sfia9.CSMG.name</context></context-group>'
    p = _write(tmp_path, _unit(0, "Customer service support", "Dział", ctx) + _unit(1, "World", "Świat"))
    assert main(["segments", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "'T1:1'" in err and f"{p}:" in err


def test_entity_bomb_and_malformed_xml_are_refused(tmp_path, capsys):
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>\n<xliff version="1.2"><file target-language="pl"><body>'
            '<trans-unit id="sfia9.CSMG.name"><source>x</source><target>&c;</target></trans-unit>'
            "</body></file></xliff>\n")
    p = tmp_path / "bomb.mxliff"
    p.write_text(bomb, encoding="utf-8")
    assert main(["segments", str(p)]) == 2
    assert "refused unsafe XML" in capsys.readouterr().err
    q = tmp_path / "broken.mxliff"
    q.write_text(HEAD + "<group><trans-unit>", encoding="utf-8")
    assert main(["segments", str(q)]) == 2
    err = capsys.readouterr().err.strip()
    assert "malformed XML" in err and "\n" not in err


def test_key_from_the_export_note_when_no_key_context_survives(tmp_path):
    note = "<note>SFIA skill Customer service support (CSMG), level 5; key sfia9.CSMG.level.5</note>"
    body = ('<group id="0" m:para-id="0"><trans-unit id="T1:0" m:trans-origin="tm" m:score="1.0" m:confirmed="2" '
            f'm:locked="true"><source>Runs it.</source><target>Prowadzi.</target>{note}</trans-unit></group>\n')
    recs = read_mxliff((HEAD + body + TAIL).encode(), "n.mxliff")
    assert [(r["element"], r["level"], r["text"]) for r in recs] == [("level", 5, "Prowadzi.")]
    assert (recs[0]["tm_score"], recs[0]["confirmed"], recs[0]["locked"], recs[0]["job"]) == (100.0, True, True, "T1")


def test_score_out_of_range_is_refused():
    body = _unit(0, "a", "b", extra='resname="sfia9.CSMG.name" m:trans-origin="tm" m:score="250"')
    with pytest.raises(InputError, match="m:score"):
        read_mxliff((HEAD + body + TAIL).encode(), "s.mxliff")


def _sheet_job(layout9=True):
    """The official spreadsheet imported as xlsx: header row 1, CSMG in row 12."""
    cols = dict(code="I", name="K", desc="N", guid="O", l1="P", l2="Q") if layout9 else \
        dict(code="I", name="J", desc="M", guid="N", l1="O", l2="P")
    units = [("I1", "Code", ""), (cols["name"] + "1", "Skill", "Umiejętność"), ("A12", "1", "1"),
             (cols["code"] + "12", "CSMG", "CSMG"), (cols["name"] + "12", "Customer service support", "Dział obsługi"),
             ("L12", "Customer relationships", "Relacje")]
    if layout9:
        units.append(("J12", "https://sfia-online.org/en/skillcode/9/CSMG", "https://sfia-online.org/pl/skillcode/9/CSMG"))
    units += [(cols["desc"] + "12", "Managing the function.", "Zarządzanie funkcją."),
              (cols["guid"] + "12", "Support is provided in many settings.", "Wsparcie jest świadczone."),
              (cols["guid"] + "12", "Activities may include:", "Działania mogą obejmować:"),
              (cols["guid"] + "12", "managing teams", "zarządzanie zespołami"),
              (cols["guid"] + "12", "answering queries", "odpowiadanie na zapytania"),
              (cols["l2"] + "12", "Answers requests.", "Odpowiada na żądania.")]
    body = "".join(_unit(n, s, t, _cell(f"Skills!{ref}")) for n, (ref, s, t) in enumerate(units))
    # level 1: two sentences of one paragraph (one group, two units)
    ref = cols["l1"] + "12"
    body += (f'<group id="99" m:para-id="99">{_cell("Skills!" + ref)}'
             '<trans-unit id="T1:99" m:trans-origin="mt"><source>Takes requests.</source><target>Przyjmuje.</target>'
             '</trans-unit><trans-unit id="T1:100" m:trans-origin="mt"><source>Records them.</source>'
             "<target>Rejestruje.</target></trans-unit></group>\n")
    return (HEAD + body + TAIL).encode()


@pytest.mark.parametrize("layout9", [True, False])
def test_spreadsheet_cell_references_give_keys(layout9):
    data = _sheet_job(layout9)
    recs = read_mxliff(data, "sheet.mxliff", framework_hint=None if layout9 else 8)
    got = [(r["framework"], r["element"], r["level"], r["item"], r["text"]) for r in recs]
    fw = 9 if layout9 else 8
    assert got == [(fw, "name", None, None, "Dział obsługi"),
                   (fw, "description", None, None, "Zarządzanie funkcją."),
                   (fw, "guidance", None, 1, "Wsparcie jest świadczone."),
                   (fw, "guidance", None, 2, "Działania mogą obejmować:"),
                   (fw, "activity", None, 1, "zarządzanie zespołami"),
                   (fw, "activity", None, 2, "odpowiadanie na zapytania"),
                   (fw, "level", 2, None, "Odpowiada na żądania."),
                   (fw, "level", 1, None, "Przyjmuje. Rejestruje.")]
    assert {r["skill"] for r in recs} == {"CSMG"}
    assert recs[-1]["source_text"] == "Takes requests. Records them."


def test_spreadsheet_job_without_version_or_code_cell_is_refused(tmp_path, capsys):
    with pytest.raises(InputError, match="SFIA version"):
        read_mxliff(_sheet_job(layout9=False), "sheet.mxliff")
    body = _unit(0, "Customer service support", "Dział", _cell("Skills!K5"))
    with pytest.raises(InputError, match="row 5 has no skill code"):
        read_mxliff((HEAD + body + TAIL).encode(), "s.mxliff", framework_hint=9)


def test_utf16_job_reads_alike_with_the_same_lines():
    text = PL.read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    a = read_mxliff(PL.read_bytes(), "job")
    b = read_mxliff(text.encode("utf-16"), "job")
    assert a == b and a[0]["origin"] == "job:23"
