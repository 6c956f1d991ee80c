"""Official SFIA spreadsheets: xlsx as published and CSV exports in every supported encoding."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from pipeline.encoding import decode
from pipeline.ingest import read_file
from pipeline.ingest.sheet import split_guidance

COMPARE = ["framework", "skill", "element", "level", "item", "text"]


@pytest.fixture(scope="module")
def sfia8(sfia8_xlsx):
    return read_file(sfia8_xlsx)


@pytest.fixture(scope="module")
def sfia9(sfia9_csv):
    return read_file(sfia9_csv)


def test_official_sfia8_xlsx(sfia8):
    assert sfia8.skill.nunique() == 121
    assert set(sfia8.framework) == {8} and set(sfia8.lang) == {"en"}
    assert not sfia8.text.str.contains("_x000D_|\r", regex=True).any()
    assert (sfia8.element == "name").sum() == 121
    # guidance lead-ins are paragraphs, the bullets after them activities
    lead = sfia8[(sfia8.skill == "CSMG") & (sfia8.element == "guidance")].text.tolist()
    assert lead[-1].startswith("Activities may include")
    assert (sfia8[sfia8.skill == "CSMG"].element == "activity").sum() == 6


def test_official_sfia9_csv_cp1252(sfia9, sfia9_csv):
    assert decode(sfia9_csv.read_bytes(), "x")[1] == "cp1252"
    assert sfia9.skill.nunique() == 147
    assert set(sfia9.framework) == {9} and set(sfia9.lang) == {"en-US"}
    assert not sfia9.text.str.contains("_x000D_|\r", regex=True).any()
    assert (sfia9[sfia9.skill == "CSMG"].element == "activity").sum() == 7
    # levels not defined for a skill produce no segment
    assert sorted(sfia9[(sfia9.skill == "CSMG") & (sfia9.element == "level")].level) == [1, 2, 3, 4, 5, 6]


def _xlsx_as_csv(path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in wb["Skills"].iter_rows(values_only=True):
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_csv_export_reads_like_the_xlsx(sfia8, sfia8_xlsx, tmp_path, encoding):
    text = _xlsx_as_csv(sfia8_xlsx)
    folder = tmp_path / "sfia-8"
    folder.mkdir()
    path = folder / "export.csv"
    data = text.encode(encoding, errors="strict") if encoding != "cp1252" else text.encode("cp1252", "replace")
    path.write_bytes(data)
    got = read_file(path)
    want = sfia8
    if encoding == "cp1252":  # characters outside cp1252 became '?': compare the rest
        keep = want.text.map(lambda t: t.encode("cp1252", "replace").decode("cp1252") == t)
        want = want[keep]
        got = got.merge(want[COMPARE[:-1]], on=COMPARE[:-1])
    pd.testing.assert_frame_equal(got[COMPARE].reset_index(drop=True), want[COMPARE].reset_index(drop=True),
                                  check_dtype=False)


def test_split_guidance_paragraphs_and_lists():
    text = ("First paragraph._x000D_\nActivities may include:_x000D_\n_x000D_\nplanning\ndoing\n\n"
            "Controls include:\n\nphysical controls\nlegal controls.\n\nClosing paragraph.\n")
    parts = split_guidance(text)
    assert [k for k, _, _ in parts] == ["guidance", "guidance", "activity", "activity", "guidance",
                                        "activity", "activity", "guidance"]
    assert parts[-1][1] == "Closing paragraph."


def test_xlsx_and_sheet_with_two_rows_for_one_skill(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Skills"
    ws.append(["Code", "Skill", "Overall description", "Level 1 description"])
    ws.append(["ABCD", "Widget testing", "Testing widgets._x000D_\nAll of them.", "Tests._x000D_\nReports."])
    ws.append(["ABCD", "Widget testing again", "", ""])
    d = tmp_path / "sfia-9"
    d.mkdir()
    wb.save(d / "s.xlsx")
    from pipeline.errors import InputError
    with pytest.raises(InputError, match="ABCD appears twice"):
        read_file(d / "s.xlsx")
    ws.delete_rows(3)
    wb.save(d / "s.xlsx")
    df = read_file(d / "s.xlsx")
    assert df.text.tolist() == ["Widget testing", "Testing widgets. All of them.", "Tests. Reports."]
    assert df.origin.tolist()[2].endswith("s.xlsx:Skills!D2")


def test_excel_unicode_text_export_is_read_as_a_sheet(tmp_path):
    """Excel's "Unicode Text" save: UTF-16 with BOM, tab-separated, named .txt."""
    text = ("Code\tSkill\tOverall description\tLevel 2 description\r\n"
            "ABCD\tWidget testing\tTesting widgets.\t\"Tests.\nReports.\"\r\n")
    d = tmp_path / "sfia-9"
    d.mkdir()
    (d / "skills.txt").write_bytes(text.encode("utf-16"))
    df = read_file(d / "skills.txt")
    assert df.text.tolist() == ["Widget testing", "Testing widgets.", "Tests. Reports."]
    assert int(df.framework.iloc[0]) == 9 and df.lang.iloc[0] == "en"
