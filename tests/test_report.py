"""The report stage: HTML that never runs data, byte-identical reruns, JUnit that CI tools
read, the --changed-since gate, and the other machine outputs."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from pipeline import schema
from pipeline.checks.registry import finding
from pipeline.errors import ConfigError
from pipeline.report import write_reports
from pipeline.report.changed import changed_lines, gating
from pipeline.results import Aligned, Ingested, RunResult, Scored

ROOT = Path(__file__).resolve().parents[1]
XSD = ROOT / "tests" / "data" / "junit.xsd"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
ATTR = 'x" onmouseover="alert(3)'
AR_LEVEL3 = "يتعامل مع طلبات العملاء عبر قنوات SFIA 9 في المستوى 3."
ARABIC = re.compile(r"[\u0600-\u06FF]")



def _row(lang, skill, element, level=None, item=None, en_8=None, en_9=None, tgt_8=None, tgt_9=None,
         marker=None, drift="unchanged", line=1):
    return {"lang": lang, "skill": skill, "element": element, "level": level, "item": item,
            "item_8": item, "item_9": item, "en_8": en_8, "en_9": en_9, "tgt_8": tgt_8, "tgt_9": tgt_9,
            "marker": marker, "origin_tgt_8": f"translations/{lang}/sfia-8/{skill}.txt:{line}" if tgt_8 else None,
            "origin_tgt_9": f"translations/{lang}/sfia-9/{skill}.txt:{line}" if tgt_9 else None,
            "status_8": "ok" if tgt_8 else None, "status_9": "ok" if tgt_9 else None, "drift": drift}


class Ctx:
    """The tables of a small run, editable by a test before :func:`write` reports them."""

    def __init__(self, out: Path):
        self.out = out
        self.alignment = schema.empty(schema.ALIGNMENT)
        self.findings = [schema.empty(schema.FINDING)]
        self.scores: dict = {}
        self.candidates = schema.empty(schema.CANDIDATE)
        self.drafts = schema.empty(schema.DRAFT)

    def result(self) -> RunResult:
        seg = schema.empty(schema.SEGMENT)
        ingested = Ingested({8: seg, 9: seg}, seg, schema.empty(schema.CANDIDATE_INPUT))
        aligned = Aligned(schema.empty(schema.ENGLISH_ALIGNMENT), schema.empty(schema.DRIFT), self.alignment)
        findings = schema.make(schema.FINDING, pd.concat(self.findings, ignore_index=True))
        return RunResult(ingested, aligned, Scored(boards=self.scores, candidates=self.candidates, drafts=self.drafts), findings)


def write(ctx: Ctx, **kw):
    return write_reports(ctx.result(), ctx.out, **kw)


def make_context(out: Path, evil: bool = False) -> Ctx:
    """A small run: Arabic and Polish, findings with evidence, MT scores and candidates."""
    bad = f" {SCRIPT} {IMG}" if evil else ""
    skill = "CSMG"
    rows = [
        _row("ar", skill, "name", en_8="Customer support", en_9="Customer support",
             tgt_8="دعم العملاء", tgt_9="دعم العملاء", marker="unchanged", line=1),
        _row("ar", skill, "activity", item=1, en_8="Managing teams.", en_9="Managing CSMG-2 teams at 80%.",
             tgt_8="إدارة الفرق.", tgt_9="إدارة فرق CSMG-2 بنسبة 80%." + bad, marker="modified",
             drift="modified", line=4),
        _row("ar", skill, "level", level=3, en_8="Handles customer requests.",
             en_9="Handles customer requests in SFIA 9 channels." + bad,
             tgt_8="يتعامل مع طلبات العملاء.", tgt_9=AR_LEVEL3 + bad, marker="unchanged", drift="modified", line=9),
        _row("pl", skill, "name", en_8="Customer support", en_9="Customer support",
             tgt_9="Obsługa klienta", marker="unchanged", line=1),
        _row("pl", skill, "activity", item=1, en_8="Managing teams.", en_9="Managing CSMG-2 teams at 80%.",
             tgt_9="zarządzanie zespołami CSMG-2 w 80%." + bad, marker=None, drift="modified", line=4),
        _row("pl", skill, "level", level=3, en_8="Handles customer requests.",
             en_9="Handles customer requests in SFIA 9 channels.",
             tgt_9="Obsługuje zapytania klientów w kanałach SFIA 9." + bad, marker="modified",
             drift="modified", line=9),
    ]
    if evil:
        rows.append(_row("pl", ATTR, "name", en_9="Evil skill" + bad, tgt_9="Zła umiejętność" + bad,
                         marker="modified", drift="added", line=20))
    ctx = Ctx(out)
    ctx.alignment = schema.make(schema.ALIGNMENT, rows)
    ev_ar = AR_LEVEL3.index("SFIA 9")
    fs = [
        finding("QA101", lang="ar", framework=9, skill=skill, element="level", level=3,
                message="level 3 is marked (unchanged) but its English was modified." + bad,
                evidence=[{"field": "target", "start": ev_ar, "end": ev_ar + 6, "text": "SFIA 9"}],
                origin="translations/ar/sfia-9/CSMG.txt:9"),
        finding("QA105", lang="pl", framework=9, skill=skill, element="activity", item=1,
                message="activity 1 has no (modified)/(unchanged) marker." + bad,
                evidence=[{"field": "target", "start": 0, "end": 12, "text": "zarządzanie"[:12]}],
                origin="translations/pl/sfia-9/CSMG.txt:4"),
        finding("QA102", lang="pl", framework=9, skill=skill, element="level", level=3,
                message="The level 3 section is marked (modified)." + bad,
                evidence=[{"field": "source", "start": 0, "end": 7, "text": "Handles"}] +
                         ([{"field": "target", "start": 0, "end": 0, "text": SCRIPT}] if evil else []),
                origin="translations/pl/sfia-9/CSMG.txt:9"),
    ]
    ctx.findings = [schema.make(schema.FINDING, fs)]
    sig = {"bleu": "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.3",
           "chrf": "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.4.3"}
    prov = ("deepl" + bad) if evil else "deepl"
    systems = [
        {"name": prov, "bleu": 41.2, "chrf": 63.5, "ter": 45.0, "bleu_ci": [35.0, 47.1],
         "chrf_ci": [59.0, 67.9], "consensus": 61.0, "p_value": None, "best_picks": 2},
        {"name": "google", "bleu": 36.8, "chrf": 60.1, "ter": 49.5, "bleu_ci": [30.2, 42.0],
         "chrf_ci": [55.4, 64.3], "consensus": 59.5, "p_value": 0.0423, "best_picks": 1},
        {"name": "$x^2$ engine", "bleu": 12.0, "chrf": 30.0, "ter": 80.0, "bleu_ci": [8.0, 16.0],
         "chrf_ci": [25.0, 35.0], "consensus": 20.0, "p_value": 0.001, "best_picks": 0},
    ]
    ctx.scores = {"ar": {"signatures": sig, "segments": 3, "systems": systems, "reference": "final"},
                  "pl": {"signatures": sig, "segments": 3, "systems": systems[:2], "reference": None}}
    cands = []
    for lang, text in (("ar", AR_LEVEL3), ("pl", "Obsługuje zapytania klientów.")):
        for rank, (provider, chrf) in enumerate(((prov, 70.2), ("google", 55.0)), start=1):
            cands.append({"lang": lang, "framework": 9, "skill": skill, "element": "level", "level": 3,
                          "key": f"sfia9.{skill}.level.3", "provider": provider,
                          "text": text + (bad if rank == 1 else ""), "chrf": chrf, "consensus": chrf - 5,
                          "signals": [], "hard": False, "rank": rank, "best": rank == 1,
                          "origin": f"translations/{lang}/candidates.csv:{rank + 1}"})
    ctx.candidates = schema.make(schema.CANDIDATE, cands)
    return ctx


# -- HTML safety -----------------------------------------------------------------------------

class _Scan(HTMLParser):
    """Collects every element and attribute a browser would build from the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.script_bodies: list[str] = []
        self._in_script = False
        self.stack: list[tuple[str, dict]] = []
        self.cells_with_arabic: list[list[tuple[str, dict]]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        self._in_script = tag == "script"
        if tag not in ("br", "meta", "col", "input", "img"):
            self.stack.append((tag, a))

    def handle_endtag(self, tag):
        self._in_script = False
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        if self._in_script:
            self.script_bodies.append(data)
        if ARABIC.search(data):
            self.cells_with_arabic.append(list(self.stack))


def _scan(path: Path) -> _Scan:
    p = _Scan()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_html_shows_markup_from_the_data_as_text(tmp_path):
    ctx = make_context(tmp_path / "reports", evil=True)
    write(ctx, fail_on="error")
    pages = sorted((tmp_path / "reports").rglob("*.html"))
    # dashboard, two overviews, two search pages each (translation, English), three skill pages
    assert len(pages) == 10, pages
    for page in pages:
        scan = _scan(page)
        assert not [t for t, _ in scan.tags if t == "img"], page.name
        assert sum(1 for t, _ in scan.tags if t == "script") == 1, page.name  # only the report's own
        assert not any("alert(" in body for body in scan.script_bodies), page.name
        for _tag, attrs in scan.tags:
            assert not any(k.startswith("on") for k in attrs), (page.name, attrs)
    ar = (tmp_path / "reports" / "lang-ar" / "CSMG.html").read_text(encoding="utf-8")
    pl = (tmp_path / "reports" / "lang-pl.html").read_text(encoding="utf-8")
    # shown as text: the escaped form is on the page (translation, candidate, message)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in ar
    assert "&lt;img src=x onerror=alert(2)&gt;" in ar
    assert 'data-skill="x&#34; onmouseover=&#34;alert(3)"' in pl
    # the chart shows the provider name as text too, and "$x^2$" is not turned into math
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in index and "$x^2$ engine" in index
    summary = (tmp_path / "reports" / "summary.md").read_text(encoding="utf-8")
    assert "<script>" not in summary and "<img" not in summary


def test_pages_allow_no_request_and_only_their_own_script(tmp_path):
    ctx = make_context(tmp_path / "reports")
    write(ctx, fail_on="error")
    out = tmp_path / "reports"
    for name in ("index.html", "lang-ar.html", "lang-ar/CSMG.html", "lang-ar/search.html"):
        text = (out / name).read_text(encoding="utf-8")
        csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1))
        policy = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
        assert policy["default-src"] == ["'none'"]
        assert policy["script-src"] == ["'self'", "file:"]  # no inline script, no host
        assert not re.search(r'(src|href)="(https?:)?//', text)
        assert "@import" not in text and not re.search(r"url\((?!#)", text)  # only in-page references
        # the one script and the one style sheet are the reports' own files, found from this page
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", text, re.S)
        assert len(scripts) == 1 and scripts[0][1] == "", scripts
        js = (out / name).parent / re.search(r'src="([^"]+)"', scripts[0][0]).group(1)
        css = (out / name).parent / re.search(r'<link rel="stylesheet" href="([^"]+)"', text).group(1)
        assert js.resolve() == (out / "assets" / "report.js").resolve() and js.is_file()
        assert css.resolve() == (out / "assets" / "report.css").resolve() and css.is_file()
        assert "<style" not in text
    assert "localStorage" in (out / "assets" / "report.js").read_text(encoding="utf-8")
    assert "</script" not in (out / "assets" / "report.js").read_text(encoding="utf-8").lower()


def test_every_cell_with_arabic_says_lang_and_dir(tmp_path):
    ctx = make_context(tmp_path / "reports")
    write(ctx, fail_on="error")
    scan = _scan(tmp_path / "reports" / "lang-ar" / "CSMG.html")
    assert scan.cells_with_arabic
    for stack in scan.cells_with_arabic:
        nearest = next((a for _t, a in reversed(stack) if "lang" in a), {})
        assert nearest.get("lang") == "ar", stack
        assert next((a["dir"] for _t, a in reversed(stack) if "dir" in a), None) == "rtl", stack
    html = (tmp_path / "reports" / "lang-ar" / "CSMG.html").read_text(encoding="utf-8")
    # Latin codes and numbers inside Arabic are isolated, so they keep their order
    assert '<bdi dir="ltr">CSMG-2</bdi>' in html
    # the finding's evidence span, marked inside the translation cell, focusable, naming the finding
    m = re.search(r'<mark class="ev ev-error" data-f="([0-9a-f]{12})" tabindex="0" title="QA101 '
                  r'marker-unchanged-but-modified" aria-describedby="f-([0-9a-f]{12})"><bdi dir="ltr">SFIA 9</bdi></mark>',
                  html)
    assert m and m.group(1) == m.group(2) and f'<li class="f f-error" id="f-{m.group(1)}"' in html
    assert "Noto Naskh Arabic" in (tmp_path / "reports" / "assets" / "report.css").read_text(encoding="utf-8")


def test_language_page_shows_diffs_findings_and_ranked_candidates(tmp_path):
    ctx = make_context(tmp_path / "reports")
    write(ctx, fail_on="error")
    html = (tmp_path / "reports" / "lang-pl" / "CSMG.html").read_text(encoding="utf-8")
    row = re.search(r'<tr id="s-CSMG-level-3-0".*?</tr>', html, re.S).group(0)
    assert "<ins>" in row and "SFIA" in row  # word diff of the English
    # finding with its source evidence marked in the English cell
    assert "QA102" in row and re.search(r'<mark class="ev ev-warning" data-f="[0-9a-f]{12}"[^>]*>Handles</mark>', row)
    assert "deepl, google" in row  # identical candidates once, with both providers
    assert 'data-codes="QA102"' in row and 'data-drift="modified"' in row
    overview = (tmp_path / "reports" / "lang-pl.html").read_text(encoding="utf-8")
    assert "nrefs:1|case:mixed|eff:yes|nc:6" in overview  # signature with the scores
    assert 'href="lang-pl/CSMG.html"' in overview


def test_findings_worst_first_mt_signals_apart_draft_shown_empty_columns_hidden(tmp_path):
    ctx = make_context(tmp_path / "reports")
    extra = [finding("QA305", lang="pl", framework=9, skill="CSMG", element="level", level=3,
                     message="deepl's candidate is a length outlier.", origin="translations/pl/c.csv:2"),
             finding("QA207", lang="pl", framework=9, skill="CSMG", element="level", level=3,
                     message="The number 9 is missing.", origin="translations/pl/sfia-9/CSMG.txt:9")]
    ctx.findings.append(schema.make(schema.FINDING, extra))
    ctx.alignment.loc[(ctx.alignment["lang"] == "ar") & (ctx.alignment["element"] == "name"), "tgt_9"] = None
    ctx.drafts = schema.make(schema.DRAFT, [
        {"lang": "ar", "skill": "CSMG", "element": "name", "level": None, "item": None, "key": "sfia9.CSMG.name",
         "drift": "unchanged", "marker": "unchanged", "text": "دعم العملاء", "taken_from": "sfia-8"}])
    write(ctx, fail_on="error")
    out = tmp_path / "reports"
    pl = (out / "lang-pl" / "CSMG.html").read_text(encoding="utf-8")
    row = re.search(r'<tr id="s-CSMG-level-3-0".*?</tr>', pl, re.S).group(0)
    codes = re.findall(r'<li class="f f-\w+[^"]*" id="f-[0-9a-f]+" data-f="[0-9a-f]+" data-code="(QA\d+)"', row)
    assert codes == ["QA207", "QA102", "QA305"]  # error, warning, then the MT signal
    lane = row.index('<details class="mt-lane">')
    assert row.index('data-code="QA305"') > lane > row.index('data-code="QA102"')
    assert "<th>SFIA 8 translation</th>" not in pl  # Polish has no SFIA 8 translation: no empty column
    ar = (out / "lang-ar" / "CSMG.html").read_text(encoding="utf-8")
    name = re.search(r'<tr id="s-CSMG-name-0-0".*?</tr>', ar, re.S).group(0)
    assert "draft — SFIA 8 translation reused" in name and "دعم العملاء" in name
    md = (out / "summary.md").read_text(encoding="utf-8")
    top = md.split("### Top findings")[1].split("###")[0]
    assert "QA305" not in top and "QA207" in top
    assert top.index("QA101") < top.index("QA207") < top.index("QA102")  # errors first
    overview = (out / "lang-pl.html").read_text(encoding="utf-8")
    assert "quality score (LQA)" in overview and 'href="lang-pl/search.html"' in overview
    search = (out / "lang-pl" / "search.html").read_text(encoding="utf-8")
    assert '<p data-h="CSMG.html#s-CSMG-level-3-0" data-l="CSMG level 3">Obsługuje zapytania' in search
    search_en = (out / "lang-pl" / "search-en.html").read_text(encoding="utf-8")
    assert '<p data-h="CSMG.html#s-CSMG-level-3-0" data-l="CSMG level 3">Handles customer' in search_en


# -- determinism ------------------------------------------------------------------------------

def test_two_runs_give_byte_identical_files(tmp_path):
    a, b = tmp_path / "one" / "reports", tmp_path / "two" / "reports"
    write(make_context(a), fail_on="warning")
    write(make_context(b), fail_on="warning")
    names = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    for want in ("index.html", "lang-ar.html", "lang-pl.html", "lang-pl/CSMG.html", "findings.jsonl",
                 "findings.csv", "review.xlsx", "junit.xml", "summary.md"):
        assert want in names
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes(), n
        if n.endswith((".html", ".md", ".xml", ".csv", ".jsonl")):
            assert str(tmp_path) not in (a / n).read_text(encoding="utf-8"), n
    with zipfile.ZipFile(a / "review.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
        assert "2000-01-01T00:00:00Z" in core and re.findall(r"20[2-9]\d-\d\d-\d\d", core) == []


# -- machine outputs --------------------------------------------------------------------------

def test_junit_validates_and_fails_only_checks_at_or_above_fail_on(tmp_path):
    xmlschema = pytest.importorskip("xmlschema")
    ctx = make_context(tmp_path / "reports")
    write(ctx, fail_on="warning")
    path = tmp_path / "reports" / "junit.xml"
    xmlschema.XMLSchema(str(XSD)).validate(str(path))
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    cases = {(s.get("name"), c.get("name")): c for s in root for c in s}
    assert cases[("sfia-qa.ar", "QA101 marker-unchanged-but-modified")].find("failure") is not None
    assert cases[("sfia-qa.pl", "QA102 marker-modified-but-unchanged")].find("failure") is not None
    qa105 = cases[("sfia-qa.pl", "QA105 marker-missing")]  # info < warning: reported, not failed
    assert qa105.find("failure") is None and "CSMG.txt:4" in qa105.find("system-out").text
    assert cases[("sfia-qa.ar", "QA104 stale-translation")].find("failure") is None
    assert root.get("failures") == "2"


def test_junit_schema_rejects_what_ci_tools_would(tmp_path):
    xmlschema = pytest.importorskip("xmlschema")
    bad = tmp_path / "bad.xml"
    bad.write_text('<testsuites><testsuite name="x" tests="1"><testcase name="a"/></testsuite></testsuites>')
    assert not xmlschema.XMLSchema(str(XSD)).is_valid(str(bad))


def test_findings_csv_jsonl_and_summary(tmp_path):
    ctx = make_context(tmp_path / "reports")
    gate = write(ctx, fail_on="error")
    out = tmp_path / "reports"
    recs = [json.loads(x) for x in (out / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["code"] for r in recs] == ["QA101", "QA105", "QA102"]  # language, then reading order
    assert recs[0]["evidence"][0]["text"] == "SFIA 9"
    csv = pd.read_csv(out / "findings.csv")
    assert list(csv.columns) == schema.columns(schema.FINDING, public=True) and len(csv) == 3
    assert list(gate["code"]) == ["QA101", "QA105", "QA102"]  # no REF: every finding may gate
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "**The gate fails**: 1 finding(s) at or above `error`" in md
    # segments = unchanged + cosmetic + modified + added + removed; MT signals apart; the score
    assert re.search(r"\| Arabic \(`ar`\) \| 3 \| 1 \| 0 \| 2 \| 0 \| 0 \| 1 \| 0 \| 0 \| 0 \| \d+\.\d fail", md)
    assert "at or above `never`" not in md
    assert "| deepl | 41.2 [35.0, 47.1] | 63.5 [59.0, 67.9] | 45.0 | 2 |" in md
    assert md.index("QA101") < md.index("QA102")  # gating findings come first
    assert len(md) < 65536


def test_review_workbook_has_one_sheet_per_language(tmp_path):
    from openpyxl import load_workbook

    ctx = make_context(tmp_path / "reports")
    ctx.alignment.loc[ctx.alignment["lang"] == "pl", "tgt_9"] = "=HYPERLINK(\"http://x\")"
    write(ctx, fail_on="error")
    wb = load_workbook(tmp_path / "reports" / "review.xlsx")
    assert wb.sheetnames == ["ar", "pl"]
    ws = wb["ar"]
    head = [c.value for c in ws[1]]
    tcol = head.index("translation") + 1
    level3 = next(r for r in ws.iter_rows(min_row=2) if r[head.index("element")].value == "level")
    assert level3[tcol - 1].value == AR_LEVEL3
    assert level3[tcol - 1].alignment.readingOrder == 2  # right-to-left in Excel
    assert level3[head.index("code")].value == "QA101" and level3[head.index("Phrase key")].value == "sfia9.CSMG.level.3"
    assert ws.sheet_view.rightToLeft and not wb["pl"].sheet_view.rightToLeft
    # every cell wraps at the top, the reviewer's own columns too; in a right-to-left sheet the
    # translation and the corrected translation read right to left, the other columns do not
    for r in ws.iter_rows(min_row=2):
        for name, c in zip(head, r, strict=True):
            assert c.alignment.wrap_text and c.alignment.vertical == "top"
            assert c.alignment.readingOrder == (2 if name in ("translation", "corrected translation") else 0)
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "H2" and ws.auto_filter.ref.startswith("A1:")
    # one row per finding, worst first: pl has a warning (QA102) and an info (QA105)
    pl = wb["pl"]
    assert [pl.cell(row=i, column=1).value for i in (2, 3)] == ["warning", "info"]
    pl_cell = next(pl.cell(row=i, column=tcol) for i in (2, 3) if pl.cell(row=i, column=tcol).value)
    assert pl_cell.data_type == "s" and pl_cell.value.startswith("=HYPERLINK")  # text, not a formula


def test_github_annotations_point_at_file_and_line(tmp_path, capsys):
    ctx = make_context(tmp_path / "reports")
    ctx.findings[0].loc[0, "message"] = "two\nlines, 100% sure"
    write(ctx, fail_on="warning", annotations="github")
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "::error file=translations/ar/sfia-9/CSMG.txt,line=9,title=QA101 marker-unchanged-but-modified"
        "::SFIA 9 CSMG level 3: two%0Alines, 100%25 sure",
        "::warning file=translations/pl/sfia-9/CSMG.txt,line=9,title=QA102 marker-modified-but-unchanged"
        "::SFIA 9 CSMG level 3: The level 3 section is marked (modified).",
    ]


def test_no_findings_no_scores_still_reports(tmp_path):
    ctx = Ctx(tmp_path / "r")
    assert write(ctx, fail_on="error").empty
    assert "No translations were found" in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "**The gate passes**" in (tmp_path / "r" / "summary.md").read_text(encoding="utf-8")


# -- progress ---------------------------------------------------------------------------------

def test_progress_only_on_a_terminal_and_quiet_in_ci(monkeypatch):
    from pipeline.report.progress import enabled

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("CI", raising=False)
    assert enabled(stream=Tty()) and not enabled(stream=io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not enabled(stream=Tty())
    assert enabled(verbose=True, stream=io.StringIO())


# -- --changed-since --------------------------------------------------------------------------

def test_changed_lines_reads_unified_zero_hunks():
    diff = ("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -3 +3 @@\n-a\n+b\n@@ -10,0 +11,2 @@\n+c\n+d\n"
            "@@ -20,2 +21,0 @@\n-e\n-f\n")
    assert changed_lines(diff) == {3, 11, 12, 21, 22}


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.org", "HOME": str(cwd), "PATH": "/usr/bin:/bin"})


@pytest.fixture
def repo(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    _git(tmp_path, "init", "-q", "-b", "main")
    return tmp_path


def test_gating_counts_only_changed_lines_and_new_files(repo, monkeypatch):
    (repo / "t").mkdir()
    (repo / "t" / "changed.txt").write_text("".join(f"line {i}\n" for i in range(1, 8)))
    (repo / "t" / "same.txt").write_text("one\ntwo\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    (repo / "t" / "changed.txt").write_text("".join(f"line {i}{' edited' if i == 2 else ''}\n" for i in range(1, 8)))
    (repo / "t" / "new.txt").write_text("fresh\n")
    fs = schema.make(schema.FINDING, [
        finding("QA105", lang="pl", message="m", origin=o)
        for o in ("t/changed.txt:2", "t/changed.txt:5", "t/same.txt:1", "t/new.txt:1", None)])
    monkeypatch.chdir(repo)
    assert list(gating(fs, "HEAD")) == [True, False, False, True, False]
    assert list(gating(fs, None)) == [True] * 5
    with pytest.raises(ConfigError, match="does not know the revision"):
        gating(fs, "no-such-ref")


def test_run_changed_since_reports_everything_but_gates_on_changed_segments(repo, monkeypatch):
    from pipeline.cli import main

    shutil.copytree(ROOT / "sources", repo / "sources")
    shutil.copytree(ROOT / "translations" / "pl", repo / "translations" / "pl")
    shutil.copy(ROOT / "qa.toml", repo / "qa.toml")
    page = repo / "translations" / "pl" / "sfia-9" / "CSMG.txt"
    lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
    heads = [i for i, x in enumerate(lines) if re.search(r"Poziom [2-4]\s*$", x)]
    assert len(heads) == 3 and all(lines[i + 1].strip() == "(modified)" for i in heads)
    lv2, lv4 = heads[0], heads[2]
    # base: level 2 already lost its marker (an old finding); the change drops level 4's
    base = [x for i, x in enumerate(lines) if i != lv2 + 1]
    page.write_text("".join(base), encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    page.write_text("".join(x for i, x in enumerate(lines) if i not in (lv2 + 1, lv4 + 1)), encoding="utf-8")
    monkeypatch.chdir(repo)
    monkeypatch.delenv("CI", raising=False)
    args = ["run", "--config", "qa.toml", "--out", "reports", "--fail-on", "info"]

    assert main(args + ["--changed-since", "HEAD"]) == 1
    recs = [json.loads(x) for x in (repo / "reports" / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    missing = {r["level"]: r["origin"] for r in recs if r["code"] == "QA105"}
    assert set(missing) == {2, 4}  # everything is reported
    junit = (repo / "reports" / "junit.xml").read_text(encoding="utf-8")
    failure = re.search(r"<failure[^>]*>(.*?)</failure>", junit, re.S).group(1)
    assert missing[4] in failure and missing[2] not in failure  # only the changed one gates

    _git(repo, "commit", "-qam", "drop level 4 marker")
    assert main(args + ["--changed-since", "HEAD"]) == 0  # nothing changed since: the old findings do not gate
    assert len((repo / "reports" / "findings.jsonl").read_text(encoding="utf-8").splitlines()) == len(recs)
    assert main(args) == 1  # without --changed-since every finding gates


def test_long_evidence_is_cut_around_the_span():
    from pipeline.report.html import highlight

    text = "word " * 60 + "TARGET" + " more" * 60
    out = str(highlight(text, [(300, 306)]))
    assert "<mark>TARGET</mark>" in out and out.startswith("… word") and out.endswith("more …")
    assert len(out) < 250


def test_workflow_gates_pull_requests_with_options_the_cli_has(root):
    yaml = pytest.importorskip("yaml")
    from pipeline.cli import build_parser

    wf = yaml.safe_load((root / ".github" / "workflows" / "translation-qa.yml").read_text())
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    assert set(on["pull_request"]["paths"]) == {"translations/**", "sources/**", "qa.toml"}
    steps = wf["jobs"]["qa"]["steps"]
    assert any(s.get("with", {}).get("fetch-depth") == 0 for s in steps)
    run = next(s["run"] for s in steps if "sfia-qa run" in s.get("run", ""))
    cmd = " ".join(run.split("sfia-qa run", 1)[1].split("\n")[:2]).replace("\\", " ").split()
    args = build_parser().parse_args(["run", *[c.strip('"') for c in cmd]])
    assert args.changed_since == "$BASE_SHA" and args.annotations == "github" and args.out == "reports"
    assert any("GITHUB_STEP_SUMMARY" in s.get("run", "") for s in steps)
    assert any(s.get("uses", "").startswith("actions/upload-artifact") and s["with"]["path"] == "reports/"
               for s in steps)
    # the statistics cache the run keeps beside `--out reports` is carried between runs
    cached = [s for s in steps if s.get("uses", "").startswith("actions/cache")]
    assert cached and steps.index(cached[0]) < steps.index(next(s for s in steps if "sfia-qa run" in s.get("run", "")))
    assert Path(cached[0]["with"]["path"]) == Path(args.out).parent / ".sfia-qa-cache"


def test_the_dashboard_links_every_output_file_and_only_files_that_exist(tmp_path):
    """A reviewer finds the run's files from the dashboard: each file or folder the run wrote
    beside it (but the pages and the shared assets) has a link, and no link leads nowhere."""
    ctx = make_context(tmp_path / "reports")
    write(ctx, fail_on="error")
    out = tmp_path / "reports"
    index = (out / "index.html").read_text(encoding="utf-8")
    outputs = re.search(r"Other outputs:(.*?)</p>", index, re.S).group(1)
    linked = {h.rstrip("/") for h in re.findall(r'href="([^"]+)"', outputs)}
    written = {p.name for p in out.iterdir() if not p.name.startswith(".")} - {"index.html", "assets"}
    written = {n for n in written if not n.startswith("lang-")}
    assert "candidates.csv" in written and "scores.json" in written  # the run scored candidates
    assert linked == written, (linked ^ written)


def test_a_cell_shows_its_text_as_is_only_when_the_browser_gives_it_back_exactly():
    from pipeline.report.html import diff_markup, evidence_cell, isolate, shown_as_is

    for text in ("Obsługa klienta", SCRIPT + " & " + ATTR + " 'x'", AR_LEVEL3):
        assert shown_as_is(isolate(text, rtl=True), text)  # escapes and <bdi> runs: the same text
        assert shown_as_is(isolate(text, rtl=False), text)
    marked = evidence_cell("zarządzanie  zespołami", [{"id": "f1", "code": "QA404", "check": "double-space",
                                                        "severity": "info", "framework": 9,
                                                        "evidence": [{"field": "target", "start": 11, "end": 13,
                                                                      "text": "  "}]}], "target", 9)
    assert "<mark" in marked and shown_as_is(marked, "zarządzanie  zespołami")
    assert not shown_as_is(diff_markup("stary tekst", "nowy tekst"), "nowy tekst")  # <del> words are shown too
    assert not shown_as_is(isolate("a\r\nb", False), "a\r\nb")  # the parser turns CR LF into LF
    assert not shown_as_is(isolate("a\x00b", False), "a\x00b")  # and drops NUL
    assert not shown_as_is(isolate("tekst", False), "tekst ")
