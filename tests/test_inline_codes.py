"""Inline codes of XLIFF 1.2/2.0, TMX and MXLIFF as placeholders, and the QA408 check on them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.checks.runner import run_checks
from pipeline.checks.settings import Settings
from pipeline.checks.units import Unit
from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.ingest import read_file
from pipeline.ingest.mxliff import read_mxliff
from pipeline.ingest.xmlfiles import MAX_NESTING, read_tmx, read_xliff

X12 = "urn:oasis:names:tc:xliff:document:1.2"
X20 = "urn:oasis:names:tc:xliff:document:2.0"


def xliff12(source: str, target: str, key: str = "sfia9.CSMG.level.3") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="{X12}">\n'
            f'<file source-language="en" target-language="pl" datatype="plaintext" original="CSMG"><body>\n'
            f'<trans-unit id="{key}">\n<source>{source}</source>\n<target>{target}</target>\n'
            f'</trans-unit>\n</body></file></xliff>\n').encode()


def phs(codes: list[dict]) -> list[str]:
    return [c["ph"] for c in codes]


# --- readers -----------------------------------------------------------------------------------

def test_xliff12_codes_become_placeholders_numbered_by_id_on_both_sides():
    data = xliff12('Click <g id="1" ctype="bold">Save</g> <x id="2" ctype="lb"/> to keep '
                   '<bpt id="3">&lt;i&gt;</bpt>it<ept id="3">&lt;/i&gt;</ept> <mrk mtype="term">here</mrk>'
                   '<bx id="4" rid="9"/>a<ex id="5" rid="9"/><ph id="v">{0}</ph><it id="6" pos="open">&lt;u&gt;</it>',
                   '<x id="2" ctype="lb"/>Kliknij <g id="1" ctype="bold">Zapisz</g>, aby zachować '
                   '<bpt id="3">&lt;i&gt;</bpt>to<ept id="3">&lt;/i&gt;</ept> <mrk mtype="term">tu</mrk>'
                   '<bx id="4" rid="9"/>a<ex id="5" rid="9"/><ph id="v">{0}</ph><it id="6" pos="open">&lt;u&gt;</it>')
    [seg] = read_xliff(data, "t.xlf")
    # standalone {n}, paired {n}..{/n}; an annotation (<mrk>) keeps its text and leaves no code
    assert seg["text"] == "{2}Kliknij {1}Zapisz{/1}, aby zachować {3}to{/3} tu{9}a{/9}{10}{6}"
    src, tgt = seg["codes"]["source"], seg["codes"]["target"]
    assert phs(src) == ["{1}", "{/1}", "{2}", "{3}", "{/3}", "{9}", "{/9}", "{10}", "{6}"]
    assert sorted(phs(src)) == sorted(phs(tgt))
    by_ph = {c["ph"]: c for c in tgt}
    assert by_ph["{1}"]["markup"] == '<g ctype="bold" id="1">' and by_ph["{/1}"]["markup"] == "</g>"
    assert by_ph["{3}"] == {"ph": "{3}", "kind": "open", "id": "3", "element": "bpt",
                            "markup": "<bpt id=\"3\">&lt;i&gt;</bpt>", "native": "<i>"}
    assert by_ph["{/3}"]["kind"] == "close" and by_ph["{2}"]["kind"] == "standalone"
    assert by_ph["{6}"]["kind"] == "isolated"  # the other half is in another segment
    assert by_ph["{10}"]["native"] == "{0}"     # a non-numeric id gets the next free number


def test_codes_without_ids_are_numbered_by_order_and_markup_stays_inert():
    data = xliff12('<x/> a <x ctype="x-&quot;q&quot;"/> <ph>&lt;script&gt;alert(1)&lt;/script&gt;</ph>',
                   '<x/> b <x ctype="x-&quot;q&quot;"/> <ph>&lt;script&gt;alert(1)&lt;/script&gt;</ph>')
    [seg] = read_xliff(data, "t.xlf")
    assert seg["text"] == "{1} b {2} {3}"
    markup = [c["markup"] for c in seg["codes"]["target"]]
    # serialised again, escaped: the markup is data, never parsed or run
    assert markup == ["<x/>", '<x ctype="x-&quot;q&quot;"/>', "<ph>&lt;script&gt;alert(1)&lt;/script&gt;</ph>"]


def test_xliff20_pc_ph_sc_ec_and_annotations():
    data = (f'<xliff xmlns="{X20}" version="2.0" srcLang="en" trgLang="pl"><file id="f">'
            '<unit id="sfia9.CSMG.level.2"><originalData><data id="d1">&lt;br/&gt;</data></originalData>'
            '<segment><source><pc id="1" type="fmt">Bold</pc> <sc id="2"/>x<ec startRef="2"/></source>'
            '<target><pc id="1" type="fmt">Pogr</pc> <sc id="2"/>x<ec startRef="2"/></target></segment>'
            '<segment><source><ph id="3" dataRef="d1"/> <mrk id="m" type="term">t</mrk> <sm id="s"/>a<em startRef="s"/>'
            '<sc id="4" isolated="yes"/></source>'
            '<target><ph id="3" dataRef="d1"/> <mrk id="m" type="term">termin</mrk> <sm id="s"/>b<em startRef="s"/>'
            '<sc id="4" isolated="yes"/> <cp hex="0041"/></target></segment></unit></file></xliff>').encode()
    [seg] = read_xliff(data, "t.xliff")
    assert seg["text"] == "{1}Pogr{/1} {2}x{/2} {3} termin b{4} A"
    tgt = seg["codes"]["target"]
    assert [(c["ph"], c["kind"], c["element"]) for c in tgt] == [
        ("{1}", "open", "pc"), ("{/1}", "close", "pc"), ("{2}", "open", "sc"), ("{/2}", "close", "ec"),
        ("{3}", "standalone", "ph"), ("{4}", "isolated", "sc")]
    assert phs(seg["codes"]["source"]) == phs(tgt)


def test_xliff20_target_order_and_original_data():
    """A translation may reorder a unit's sentences (target order="n"); a code's native text
    lives in <originalData>, so a variable inside it counts as present."""
    data = (f'<xliff xmlns="{X20}" version="2.0" srcLang="en" trgLang="pl"><file id="f">'
            '<unit id="sfia9.CSMG.level.2"><originalData><data id="d1">{0}</data><data id="b">&lt;b&gt;</data>'
            '<data id="e">&lt;/b&gt;</data></originalData>'
            '<segment><source>One <ph id="1" dataRef="d1"/>.</source><target order="3">Jeden <ph id="1" dataRef="d1"/>.'
            '</target></segment><ignorable><source> </source></ignorable>'
            '<segment><source><pc id="2" dataRefStart="b" dataRefEnd="e">Two</pc>.</source>'
            '<target order="1"><pc id="2" dataRefStart="b" dataRefEnd="e">Dwa</pc>.</target></segment>'
            '</unit></file></xliff>').encode()
    [seg] = read_xliff(data, "t.xliff")
    assert seg["text"] == "{2}Dwa{/2}. Jeden {1}."
    assert [(c["ph"], c["native"]) for c in seg["codes"]["target"]] == [("{2}", "<b>"), ("{/2}", "</b>"),
                                                                        ("{1}", "{0}")]
    u = U(seg["text"], "<b>Two</b>. One {0}.", seg["codes"])
    assert run([u]).empty


def test_tmx_codes_pair_by_i_and_match_across_languages_by_x():
    data = (b'<tmx version="1.4"><header srclang="en" datatype="plaintext" segtype="sentence" adminlang="en" '
            b'creationtool="t" creationtoolversion="1" o-tmf="t"/><body><tu tuid="sfia9.CSMG.level.1">'
            b'<tuv xml:lang="en"><seg><bpt i="1" x="1">&lt;b&gt;</bpt>Bold<ept i="1">&lt;/b&gt;</ept> '
            b'<ph x="2">&lt;br/&gt;</ph> <hi x="3" type="em">hi</hi> <ut>&lt;u&gt;</ut></seg></tuv>'
            b'<tuv xml:lang="pl"><seg><ph x="2">&lt;br/&gt;</ph><bpt i="7" x="1">&lt;b&gt;</bpt>Pogr'
            b'<ept i="7">&lt;/b&gt;</ept> <hi x="3" type="em">hi</hi> <ut>&lt;u&gt;</ut> '
            b'<it pos="end">&lt;/a&gt;</it></seg></tuv></tu></body></tmx>')
    [seg] = read_tmx(data, "t.tmx")
    # the <ept> follows its own <bpt> (i=7 here) into the number of x=1
    assert seg["text"] == "{2}{1}Pogr{/1} {3}hi{/3} {4} {5}"
    assert phs(seg["codes"]["source"]) == ["{1}", "{/1}", "{2}", "{3}", "{/3}", "{4}"]
    assert seg["codes"]["target"][-1]["kind"] == "isolated"


def test_tmx_without_source_tuv_keeps_target_codes_and_no_source_list():
    data = (b'<tmx version="1.4"><header srclang="en"/><body><tu tuid="sfia9.CSMG.level.1">'
            b'<tuv xml:lang="pl"><seg>a <ph x="1">&lt;br/&gt;</ph> b</seg></tuv></tu></body></tmx>')
    [seg] = read_tmx(data, "t.tmx")
    assert seg["text"] == "a {1} b" and seg["codes"]["source"] is None


def test_units_without_codes_have_none_and_plain_text():
    [seg] = read_xliff(xliff12("Acts.", "Działa."), "t.xlf")
    assert seg["codes"] is None and seg["text"] == "Działa."


def test_mxliff_units_keep_their_codes(tmp_path):
    data = ('<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" xmlns:m="http://www.memsource.com/mxlf/2.0" '
            'version="1.2"><file source-language="en" target-language="pl" m:task-id="J1"><body>'
            '<group id="0"><trans-unit id="J1:0" resname="sfia9.CSMG.level.3" m:trans-origin="null">'
            '<source>Use <g id="1">this</g>.</source><target>Użyj <g id="1">tego</g>.</target></trans-unit>'
            '</group></body></file></xliff>').encode()
    [seg] = read_mxliff(data, "j.mxliff")
    assert seg["text"] == "Użyj {1}tego{/1}."
    assert phs(seg["codes"]["target"]) == ["{1}", "{/1}"] == phs(seg["codes"]["source"])


def test_inline_nesting_beyond_the_limit_is_refused_not_a_crash():
    deep = '<g id="1">' * (MAX_NESTING + 5) + "x" + "</g>" * (MAX_NESTING + 5)
    with pytest.raises(InputError, match="nested deeper"):
        read_xliff(xliff12("x", deep), "t.xlf")


def test_codes_reach_the_segment_table(tmp_path):
    p = tmp_path / "translations" / "pl" / "sfia-9" / "CSMG.xlf"
    p.parent.mkdir(parents=True)
    p.write_bytes(xliff12('a <x id="1"/>', 'b <x id="1"/>'))
    df = read_file(p)
    assert df.loc[0, "text"] == "b {1}" and phs(df.loc[0, "codes"]["target"]) == ["{1}"]


# --- QA408 on units --------------------------------------------------------------------------

def C(ph, kind="standalone", markup=None):
    return {"ph": ph, "kind": kind, "id": ph.strip("{}/"), "element": "x", "markup": markup or f'<x id="{ph}"/>'}


def U(target, source=None, codes=None, **kw):
    return Unit("pl", 9, "CSMG", "level", 3, None, source, target, "t.xlf:3", "ok", codes=codes, **kw)


def run(units):
    df = run_checks(list(units), Settings(), only=["QA408"])
    return df[df["code"] == "QA408"].reset_index(drop=True)


def spans_ok(df, u):
    for ev in [e for evs in df["evidence"] for e in evs]:
        text = u.target if ev["field"] == "target" else u.source
        assert text[ev["start"]:ev["end"]] == ev["text"]


PAIR = [C("{1}", "open", '<g id="1">'), C("{/1}", "close", "</g>")]


def test_matching_codes_pass_even_when_standalone_codes_move():
    codes = {"source": [*PAIR, C("{2}")], "target": [C("{2}"), *PAIR]}
    assert run([U("{2} Kliknij {1}Zapisz{/1}", None, codes)]).empty
    nested = [C("{1}", "open"), C("{2}", "open"), C("{/2}", "close"), C("{/1}", "close")]
    assert run([U("{1}a {2}b{/2}{/1}", None, {"source": nested, "target": nested})]).empty


def test_missing_code_names_the_code_and_its_markup():
    u = U("Kliknij {1}Zapisz{/1}", None, {"source": [*PAIR, C("{2}", markup='<x id="2" ctype="lb"/>')],
                                            "target": list(PAIR)})
    df = run([u])
    assert df["message"].tolist() == ['Inline code {2} (<x id="2" ctype="lb"/>) of the source is missing '
                                      "from the translation of level 3."]
    assert df.loc[0, "severity"] == "error"


def test_added_and_duplicated_codes_point_at_the_target():
    u = U("{1}a{/1} {3} {3}", None, {"source": [*PAIR, C("{3}")], "target": [*PAIR, C("{3}"), C("{3}"), C("{4}")]})
    u.target = "{1}a{/1} {3} {3} {4}"
    df = run([u])
    msgs = df["message"].tolist()
    assert any("{3}" in m and "twice in the translation" in m and "once in its source" in m for m in msgs)
    assert any(m.startswith("Inline code {4}") and "is not in its source" in m for m in msgs)
    ev = [e["text"] for evs in df["evidence"] for e in evs]
    assert ev.count("{3}") == 2 and ev.count("{4}") == 1
    spans_ok(df, u)


def test_close_before_open_and_overlap_are_flagged():
    u = U("{/1}Zapisz{1}", None, {"source": list(PAIR), "target": [C("{/1}", "close", "</g>"), C("{1}", "open")]})
    df = run([u])
    assert len(df) == 1 and "closes before {1} opens" in df.loc[0, "message"]
    assert [e["text"] for e in df.loc[0, "evidence"]] == ["{/1}", "{1}"]
    spans_ok(df, u)
    src = [C("{1}", "open"), C("{2}", "open"), C("{/2}", "close"), C("{/1}", "close")]
    tgt = [C("{1}", "open"), C("{2}", "open"), C("{/1}", "close"), C("{/2}", "close")]
    u = U("{1}a {2}b{/1} c{/2}", None, {"source": src, "target": tgt})
    df = run([u])
    assert len(df) == 1 and "out of nesting order" in df.loc[0, "message"] and "{2}" in df.loc[0, "message"]
    spans_ok(df, u)


def test_no_source_codes_means_nothing_to_compare():
    assert run([U("a {1} b", None, {"source": None, "target": [C("{1}")]})]).empty


@pytest.mark.parametrize("english,good,bad,token", [
    ("Hello {0}, see {name}.", "Witaj {0}, zobacz {name}.", "Witaj, zobacz {name}.", "{0}"),
    ("Saved %s files and %d items, %1$s.", "Zapisano %s plików, %d pozycji, %1$s.", "Zapisano %s plików, %1$s.", "%d"),
    ("Hi {{ user }}.", "Cześć {{user}}.", "Cześć {user}.", "{{user}}"),
    ("Use <b>bold</b> text.", "Użyj <b class='x'>pogrubienia</b>.", "Użyj pogrubienia</b>.", "<b>"),
])
def test_literal_variables_of_the_english_must_survive(english, good, bad, token):
    assert run([U(good, english)]).empty
    u = U(bad, english)
    df = run([u])
    assert any(token in m and "missing from the translation" in m for m in df["message"]), df["message"].tolist()
    spans_ok(df, u)


def test_added_variable_and_reversed_tags_in_the_translation():
    u = U("Witaj %s </b>tekst<b>", "Hello <b>text</b>")
    df = run([u])
    msgs = df["message"].tolist()
    assert "The translation of level 3 has the variable %s, which its English does not." in msgs
    assert any("</b> closes before <b> opens" in m for m in msgs)
    spans_ok(df, u)


def test_ordinary_text_is_not_a_variable():
    assert run([U("Wzrost o 50% w 2024 r. (a < b > c), 100%.", "A 50% rise in 2024 (a < b > c), 100%.")]).empty
    assert run([U("Zakres 10%–20%", "Range 10% to 20%")]).empty


def test_code_placeholders_are_not_taken_for_added_variables():
    # the English (from sources/) has no {1}; the translation's {1} is the unit's inline code
    codes = {"source": [C("{1}")], "target": [C("{1}")]}
    assert run([U("Kliknij {1} tutaj.", "Click here.", codes)]).empty
    # a variable inside a code's native content counts as present
    ph = {"ph": "{1}", "kind": "standalone", "markup": "<ph>{0}</ph>", "native": "{0}"}
    assert run([U("Witaj {1}.", "Hello {0}.", {"source": [ph], "target": [ph]})]).empty


def test_hostile_codes_values_do_not_crash_the_check():
    for codes in ({"source": "x", "target": 5}, {"target": [None, {"ph": 3}, {"ph": "{x}"}]}, {}):
        assert run([U("a b", "a b", codes)]).empty


def test_many_problems_are_capped_and_checked_in_linear_time():
    """A hostile unit: 20000 paired codes all closed out of order, and 5000 tags the translation
    lacks. The check took 150 s (a search of the open stack per close, a scan of every masked
    span per variable); now about a second, and a unit gives at most MAX_HITS findings and a count."""
    import time

    from pipeline.checks.rules_codes import MAX_HITS

    n = 20000
    tgt = [C(f"{{{i}}}", "open") for i in range(1, n)] + [C(f"{{/{i}}}", "close") for i in range(1, n)]
    u = U("".join(c["ph"] for c in tgt), "x " + "<b>" * 5000, {"source": tgt, "target": tgt})
    t = time.process_time()
    df = run([u])
    assert time.process_time() - t < 15
    assert len(df) == MAX_HITS + 1
    assert df["message"].iloc[-1] == (f"{n - 2 + 1 - MAX_HITS} more inline code or variable problem(s) in the "
                                      f"translation of level 3 (only the first {MAX_HITS} are listed).")


def test_mask_codes_blanks_placeholders_in_place_for_other_rules():
    from pipeline.checks.rules_codes import mask_codes

    codes = {"source": list(PAIR), "target": [*PAIR, C("{12}")]}
    text = "Poziom 3: {1}Zapisz{/1} {12}"
    masked = mask_codes(text, codes)
    assert masked == "Poziom 3:    Zapisz" + " " * 9
    assert len(masked) == len(text) and "1" not in masked.replace("3", "")
    assert mask_codes(text, None) == text and mask_codes(None, codes) is None
    # a literal {1} that is no code of the unit stays
    assert mask_codes("{1} {2}", {"target": [C("{2}")]}) == "{1}    "


def test_code_placeholders_are_not_numbers_for_qa207():
    u = U("Kliknij {1}Zapisz{/1}.", "Click Save.", {"source": list(PAIR), "target": list(PAIR)})
    df = run_checks([u], Settings(), only=["QA207"])
    assert df.empty, df["message"].tolist()


# --- end to end ----------------------------------------------------------------------------------

def english(tmp_path, text: str):
    p = tmp_path / "en.jsonl"
    p.write_text(json.dumps({"framework": 9, "lang": "en", "skill": "CSMG", "element": "level", "level": 3,
                             "item": None, "text": text}) + "\n", encoding="utf-8")
    return p


def check(tmp_path, capsys, target_xliff: bytes, english_text: str):
    p = tmp_path / "translations" / "pl" / "sfia-9" / "CSMG.xlf"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(target_xliff)
    code = main(["check", str(p), "--source", str(english(tmp_path, english_text)), "--format", "jsonl",
                 "--select", "QA408", "--config", str(tmp_path / "none.toml")])
    out, err = capsys.readouterr()
    rows = [json.loads(x) for x in out.splitlines() if x.strip()]
    return code, rows, err


@pytest.fixture
def no_config(tmp_path):
    (tmp_path / "none.toml").write_text("", encoding="utf-8")


def test_cli_check_flags_a_lost_tag_in_an_xliff_file(tmp_path, capsys, no_config):
    bad = xliff12('Click <g id="1">Save</g> then <x id="2"/> %s', 'Kliknij <g id="1">Zapisz</g> %s')
    code, rows, err = check(tmp_path, capsys, bad, "Click Save then %s")
    assert code == 1, err
    assert [r["code"] for r in rows] == ["QA408"]
    assert rows[0]["message"] == ('Inline code {2} (<x id="2"/>) of the source is missing from the translation '
                                  "of level 3.")
    assert rows[0]["origin"].endswith("CSMG.xlf:4")


def test_cli_check_passes_a_faithful_xliff_file(tmp_path, capsys, no_config):
    good = xliff12('Click <g id="1">Save</g> then <x id="2"/> %s', '<x id="2"/>Kliknij <g id="1">Zapisz</g> %s')
    code, rows, err = check(tmp_path, capsys, good, "Click Save then %s")
    assert (code, rows) == (0, []), err


def test_cli_check_flags_a_literal_variable_lost_from_the_english(tmp_path, capsys, no_config):
    code, rows, _ = check(tmp_path, capsys, xliff12("Hello {0}", "Witaj"), "Hello {0}")
    assert code == 1 and "{0}" in rows[0]["message"]
    ev = rows[0]["evidence"]
    assert ev == [{"field": "source", "start": 6, "end": 9, "text": "{0}"}]


def test_readme_lists_the_check():
    from pipeline.checks.registry import get
    c = get("inline-codes")
    assert (c.code, c.group, c.scope) == ("QA408", "punctuation", "segment")
    assert "Bad:" in c.rationale and "Good:" in c.rationale
    assert pd.notna(c.summary)
