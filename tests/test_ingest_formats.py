"""XLIFF 1.2/2.0, TMX, segment JSONL and Phrase-pull JSONL all read into the same segment table."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline import schema
from pipeline.errors import InputError
from pipeline.ingest import infer_context, read_file, read_paths
from pipeline.keys import format_key, parse_key


def _rows(df):
    from pipeline.output import records
    return [list(r.values()) for r in records(df, ["framework", "lang", "element", "level", "text"])]


XLIFF12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
 <file source-language="en" target-language="pl" datatype="plaintext" original="CSMG">
  <body>
   <trans-unit id="1" resname="sfia9.CSMG.name"><source>Customer service support</source>
     <target>Dział obsługi klienta</target></trans-unit>
   <trans-unit id="sfia9.CSMG.level.3"><source>Acts.</source><target>Działa <g id="b">jako</g> punkt.</target></trans-unit>
   <trans-unit id="sfia9.CSMG.activity.2"><source>x</source><target/></trans-unit>
  </body>
 </file>
</xliff>"""

XLIFF20 = """<?xml version="1.0"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ar">
 <file id="f1"><unit id="sfia8.CSMG.activity.1"><segment><source>managing</source>
   <target>إدارة الوظائف</target></segment></unit></file>
</xliff>"""

TMX = """<?xml version="1.0"?>
<tmx version="1.4"><header srclang="en" datatype="plaintext" segtype="sentence" adminlang="en"
 creationtool="x" creationtoolversion="1" o-tmf="x"/>
<body>
 <tu tuid="sfia9.CSMG.level.1"><tuv xml:lang="en"><seg>Takes in.</seg></tuv>
   <tuv xml:lang="pl"><seg>Przyjmuje.</seg></tuv><tuv xml:lang="ar"><seg>يستقبل.</seg></tuv></tu>
 <tu><prop type="x-sfia-key">sfia9.CSMG.description</prop><tuv xml:lang="pl"><seg>Opis.</seg></tuv></tu>
</body></tmx>"""


def test_xliff12(tmp_path):
    p = tmp_path / "CSMG.xlf"
    p.write_text(XLIFF12, encoding="utf-8")
    df = read_file(p)
    assert _rows(df) == [[9, "pl", "name", None, "Dział obsługi klienta"], [9, "pl", "level", 3, "Działa {1}jako{/1} punkt."]]
    assert df.origin.iloc[1] == f"{p}:7"


def test_xliff20_and_tmx(tmp_path):
    (tmp_path / "a.xliff").write_text(XLIFF20, encoding="utf-8")
    (tmp_path / "m.tmx").write_text(TMX, encoding="utf-8")
    df = read_paths([tmp_path])
    got = sorted(map(tuple, df[["framework", "lang", "element", "text"]].astype(str).values.tolist()))
    assert got == [("8", "ar", "activity", "إدارة الوظائف"), ("9", "ar", "level", "يستقبل."),
                   ("9", "pl", "description", "Opis."), ("9", "pl", "level", "Przyjmuje.")]


def test_xliff_unit_with_a_foreign_id_is_refused(tmp_path):
    p = tmp_path / "x.xlf"
    p.write_text(XLIFF12.replace('resname="sfia9.CSMG.name"', 'resname="welcome.title"'), encoding="utf-8")
    with pytest.raises(InputError, match="not a SFIA segment key"):
        read_file(p)


def test_segments_jsonl_round_trip(root, tmp_path):
    res = subprocess.run([sys.executable, "-m", "pipeline", "segments", "translations/pl/sfia-9/CSMG.txt",
                          "--format", "jsonl"], capture_output=True, text=True, cwd=root)
    p = tmp_path / "seg.jsonl"
    p.write_text(res.stdout, encoding="utf-8")
    back = read_file(p)
    orig = read_file(root / "translations/pl/sfia-9/CSMG.txt")
    public = schema.columns(schema.SEGMENT, public=True)
    assert back[public].drop(columns="origin").equals(orig[public].drop(columns="origin"))


def test_phrase_pull_jsonl(tmp_path):
    p = tmp_path / "pl" / "phrase" / "sfia-9.jsonl"
    p.parent.mkdir(parents=True)
    lines = [{"key": "sfia9.CSMG.level.2", "text": "Odpowiada.", "state": "translated", "locale": "pl"},
             {"key": "app.welcome", "text": "Witaj", "state": "translated", "locale": "pl"},
             {"key": "sfia9.CSMG.level.3", "text": "", "state": "untranslated", "locale": "pl"}]
    p.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    df = read_file(p)
    assert _rows(df) == [[9, "pl", "level", 2, "Odpowiada."]]


def test_keys_round_trip_and_custom_pattern():
    for el, lv, it in (("name", None, None), ("level", 3, None), ("activity", None, 2), ("guidance", None, 1)):
        k = format_key("CSMG", el, lv, it, framework=9)
        assert parse_key(k) == {"framework": 9, "skill": "CSMG", "element": el, "level": lv, "item": it}
    pat = "SFIA-{framework}/{skill}/{element}-{index}"
    assert format_key("CSMG", "level", 3, None, 8, pat) == "SFIA-8/CSMG/level-3"
    assert format_key("CSMG", "name", None, None, 8, pat) == "SFIA-8/CSMG/name"
    assert parse_key("SFIA-8/CSMG/level-3", pat)["level"] == 3
    assert parse_key("sfia9.CSMG.level", ) is None


def test_context_from_paths(tmp_path):
    from pathlib import Path
    assert infer_context(Path("translations/pl/sfia-9/CSMG.txt")) == ("pl", 9)
    assert infer_context(Path("sources/sfia-8/en/CSMG.csv")) == ("en", 8)
    assert infer_context(Path("/data/sfia-9_current-standard_en_US_250129.csv")) == ("en-US", 9)
