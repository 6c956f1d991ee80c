"""Phrase TMS bilingual files (MXLIFF): SFIA segments with their TM/MT provenance.

MXLIFF is XLIFF 1.2 plus Phrase's ``m:`` namespace (``http://www.memsource.com/mxlf/2.0``),
one file per TMS job. What this reader uses, and where it comes from:

Documented by Phrase (developers.phrase.com, "MXLIFF structure"):

* ``<xliff m:version m:level>``; ``<file source-language target-language original
  m:task-id m:file-format ...>``: ``m:task-id`` identifies the task, one per job, so it is the
  job id here (``job``); without it the file's ``original`` (the job's file name) stands in.
* ``<body>`` holds ``<group>`` elements (one paragraph of the original, ``m:para-id``) holding
  ``<trans-unit>`` elements (its segments). Anything not covered follows XLIFF 1.2.

Not spelled out in the part of the guide we could read (the trans-unit attribute table), so
taken from public MXLIFF samples and parsers, and read tolerantly:

* ``trans-unit`` attributes ``m:trans-origin`` (``tm``, ``mt``, ``null``, ...), ``m:score``
  (the TM match as a fraction: ``1.01`` is a 101 % in-context match, ``1.0`` a 100 % one),
  ``m:confirmed`` (``0`` not confirmed, ``1``.. confirmed at that workflow level) and
  ``m:locked`` (``true``/``false``); ``id`` is Phrase's own ``<task-id>:<n>``.
* ``<alt-trans origin="machine-trans">`` (an MT suggestion) and ``origin="memsource-tm"`` (a TM
  match, ``match-quality``); which engine or memory: the XLIFF 1.2 ``tool-id`` pointing at a
  ``<header><tool tool-id tool-name>``; the ``m:latest-trans-props`` / ``m:trans-prop``
  children (name and value in attributes or text) may name the engine of the current target.
* The segment key: Phrase keeps the key of an imported XLIFF unit (its ``resname``, else its
  ``id``) as the segment's context, written as ``<context context-type="x-key">`` in a
  ``<context-group>`` of the group or the unit; a spreadsheet import puts the cell
  (``Sheet: Skills!O12``) in an ``x-key-note`` context.

Segment keys, first found wins (per trans-unit):

1. ``resname`` of the trans-unit, if it is a SFIA key (``sfia9.CSMG.level.5``);
2. an ``x-key`` context of the unit or its group: what ``sfia-qa tms export`` wrote as
   ``resname``/``id`` and what survives the round trip through TMS (Phrase renumbers ids and
   ``m:para-id`` is positional, so neither can carry our key);
3. a SFIA key inside any context or ``<note>`` text of the unit or its group (the export's
   note says ``key sfia9.CSMG.level.5``);
4. the unit ``id`` itself when it is a SFIA key (MXLIFF-like files from other tools);
5. a cell reference (``Skills!O12``) when the job is the official skills spreadsheet imported
   as xlsx: the column names the element, the row's skill code is the unit in the ``Code``
   column of the same row (see :data:`LAYOUTS`);
6. otherwise the file is refused (InputError, one line).

A unit without a key of its own takes the key of another unit of its paragraph (``<group>``).
Units with the same key (Phrase splits a level statement into sentences) form one segment:
texts joined with a space, in file order. In a spreadsheet guidance cell each paragraph
(``<group>``) is one line of the cell and splits into guidance paragraphs and activity
bullets like the spreadsheet reader does (blank lines between lists are not kept by TMS).

Provenance keys of every segment record (besides the SEGMENT columns):

=============  ===========  ==========================================================
``tm_score``   float|None   TM match score 0..101 (``m:score`` x 100) when the target came
                            from the TM, else None; several units: the lowest
``trans_origin`` str        ``tm`` (``m:trans-origin="tm"``: pre-translated from a TM), ``mt``
                            (``mt``, or ``ai``: machine translation), ``human`` (``null`` or
                            ``interactive`` with a target: typed by a person), ``none`` (no or
                            an unknown origin); several units: ``tm`` only if all are, else the
                            first other one
``origin_detail`` str|None  the MT engine or TM name, where the file says it
``confirmed``  bool         every unit confirmed (``m:confirmed`` > 0)
``locked``     bool         any unit locked (``m:locked``)
``job``        str|None     the job: ``m:task-id`` of the ``<file>``, else its ``original``
``mxliff_id``  str          the trans-unit id(s), comma-separated
``source_text`` str         the English of the unit(s), as in the file
``codes``      dict|None    inline codes (XLIFF 1.2 elements) of the units' source and target,
                            as placeholders in the texts (see :func:`.xmlfiles.coded`)
=============  ===========  ==========================================================
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from pipeline.errors import InputError
from pipeline.ingest.sheet import CODE_RE, split_guidance
from pipeline.ingest.xmlfiles import _children, _local, _text, coded, parse_xml
from pipeline.keys import DEFAULT_PATTERN, format_key, parse_key
from pipeline.langdata import normalize_tag
from pipeline.schema import FRAMEWORKS

M_NS = "http://www.memsource.com/mxlf/2.0"
KEY_CONTEXT_TYPES = {"x-key", "x-sfia-key"}
# 'Skills!O12', 'Sheet: Skills!O12', "'SFIA 9'!$O$12"; sheet names are at most 31 characters (Excel),
# which also bounds the regex's work on a long hostile context.
CELL_RE = re.compile(r"(?:^|[\s:])'?(?P<sheet>[^!'\s:][^!':]{0,30}?)'?!\$?(?P<col>[A-Z]{1,3})\$?(?P<row>[0-9]{1,7})\b")
TRUE = {"1", "true", "yes", "locked"}

# The official skills spreadsheet (the layout of pipeline.ingest.sheet), by column letter.
# SFIA 8: #, Levels (B..H), Code, Skill, Category, Subcategory, Overall description, Guidance
# notes, Level 1..7 description; SFIA 9 adds URL after Code, shifting the rest one column right.
_LEVELS8 = {c: ("level", n) for n, c in enumerate("OPQRSTU", start=1)}
_LEVELS9 = {c: ("level", n) for n, c in enumerate("PQRSTUV", start=1)}
LAYOUTS: dict[int, dict[str, tuple[str, int | None]]] = {
    8: {"I": ("code", None), "J": ("name", None), "M": ("description", None), "N": ("guidance", None),
        **_LEVELS8},
    9: {"I": ("code", None), "K": ("name", None), "N": ("description", None), "O": ("guidance", None),
        **_LEVELS9},
}


def _m(name: str) -> str:
    return f"{{{M_NS}}}{name}"


@dataclass
class Unit:
    uid: str
    line: int
    source: str
    target: str
    origin: str  # tm | mt | human | none
    score: float | None
    confirmed: bool
    locked: bool
    detail: str | None
    group: int  # index of the enclosing <group> (paragraph)
    job: str | None = None
    key: str | None = None
    cell: tuple[str, int] | None = None  # (column letter, row)
    alts: list[tuple[str, str, str]] = field(default_factory=list)  # (kind tm|mt, provider, text)
    codes: dict | None = None  # inline codes (XLIFF 1.2 elements) of source and target, see xmlfiles.coded


# ---------------------------------------------------------------------------- reading units

def _unit_lines(data: bytes) -> list[int]:
    """Line of each <trans-unit> start tag, in document order (comments blanked first)."""
    enc = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    text = data.decode(enc, "replace")
    text = re.sub(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<(?:[\w.-]+:)?trans-unit[\s>/]", text)]


def _score(raw: str | None, where: str) -> float | None:
    if raw is None or not raw.strip() or raw.strip().lower() == "null":
        return None
    try:
        v = float(raw)
    except ValueError:
        raise InputError(where, f"m:score {raw[:20]!r} is not a number") from None
    if v != v or v < 0 or v > 101:
        raise InputError(where, f"m:score {raw[:20]!r} is out of range")
    return round(v * 100, 2) if v <= 1.01 else v  # Phrase writes fractions; accept percentages too


def _origin(raw: str | None, has_target: bool) -> str:
    v = (raw or "").strip().lower()
    if v in ("tm", "memsource-tm", "transmem"):
        return "tm"
    if v in ("mt", "machine-trans", "ai"):
        return "mt"
    if v in ("null", "interactive", "human", "manual") and has_target:
        return "human"
    return "none"


def _prop_detail(tu: Element) -> str | None:
    """The engine or memory named in m:latest-trans-props, if any."""
    for lp in tu:
        if _local(lp.tag) != "latest-trans-props":
            continue
        for p in lp:
            attrs = {_local(k): v for k, v in p.attrib.items()}
            name = (attrs.get("name") or attrs.get("key") or attrs.get("type") or "").lower()
            value = attrs.get("value") or (p.text or "").strip()
            if value and any(w in name for w in ("engine", "provider", "mt", "tm", "memory")):
                return " ".join(value.split())
    return None


def _tools(root: Element) -> dict[str, str]:
    out = {}
    for t in root.iter():
        tid = t.get("tool-id")
        if _local(t.tag) == "tool" and tid:
            out[tid] = " ".join((t.get("tool-name") or tid).split())
    return out


def _alts(tu: Element, tools: dict[str, str]) -> list[tuple[str, str, str]]:
    out = []
    for alt in _children(tu, "alt-trans"):
        org = (alt.get("origin") or "").strip()
        kind = "mt" if org.lower() in ("machine-trans", "mt") else "tm" if org.lower() in (
            "memsource-tm", "tm", "transmem") else None
        if kind is None:
            continue
        tool = alt.get("tool-id")
        name = tools.get(tool, tool) if tool else None
        if kind == "mt":
            provider = name or "MT"
        else:
            provider = f"TM {name}" if name else "TM"
        text = _text(next(iter(_children(alt, "target")), None))
        out.append((kind, provider, text))
    return out


def _contexts(el: Element | None) -> list[tuple[str, str]]:
    """(context-type, text) of the element's own context groups and notes ('note' for notes)."""
    if el is None:
        return []
    out = []
    for c in el:
        if _local(c.tag) == "context-group":
            out += [((x.get("context-type") or "").lower(), _text(x)) for x in c if _local(x.tag) == "context"]
        elif _local(c.tag) == "note":
            out.append(("note", _text(c)))
    return out


def _find_key(tu: Element, group: Element | None, pattern: str) -> str | None:
    resname = tu.get("resname")
    if resname and parse_key(resname, pattern):
        return resname.strip()
    ctx = _contexts(tu) + _contexts(group)
    for ctype, text in ctx:
        if ctype in KEY_CONTEXT_TYPES and parse_key(text, pattern):
            return text.strip()
    for _ctype, text in ctx:
        for tok in re.split(r"[\s,;()\[\]<>\"']+", text):
            tok = tok.rstrip(".:")
            if tok and parse_key(tok, pattern):
                return tok
    uid = tu.get("id") or ""
    return uid.strip() if parse_key(uid, pattern) else None


def _find_cell(tu: Element, group: Element | None) -> tuple[str, int] | None:
    for _ctype, text in _contexts(tu) + _contexts(group):
        m = CELL_RE.search(text)
        if m:
            return m.group("col"), int(m.group("row"))
    return None


@dataclass
class _File:
    lang: str
    job: str | None
    units: list[Unit]


def _walk(f: Element):
    """(trans-unit, enclosing group or None, paragraph number) in document order; a stack of
    iterators, not recursion, so deeply nested groups cannot exhaust Python's stack. A group is
    a paragraph; a unit outside any group is a paragraph of its own."""
    para = itertools.count(1)
    stack: list[tuple] = [(iter(_children(f, "body")), None, None)]
    while stack:
        it, group, gidx = stack[-1]
        c = next(it, None)
        if c is None:
            stack.pop()
            continue
        name = _local(c.tag)
        if name == "body" and len(stack) == 1:
            stack.append((iter(c), None, None))
        elif name == "group":
            stack.append((iter(c), c, next(para)))
        elif name == "trans-unit":
            yield c, group, gidx if gidx is not None else next(para)


def _unit(c: Element, group: Element | None, gidx: int, line: int, job: str | None, tools: dict[str, str],
          where: str, pattern: str) -> Unit:
    here = f"{where}:{line}"
    source, target, codes = coded([(next(iter(_children(c, "source")), None),
                                    next(iter(_children(c, "target")), None))], "xliff1", here)
    origin = _origin(c.get(_m("trans-origin")), bool(target))
    score = _score(c.get(_m("score")), here)
    confirmed = (c.get(_m("confirmed")) or "0").strip().lower()
    alts = _alts(c, tools)
    detail = _prop_detail(c)
    if detail is None and origin in ("tm", "mt"):
        same = [p for k, p, t in alts if k == origin and t == target]
        detail = same[0] if same else None
        if detail and origin == "tm":
            detail = detail[3:] if detail.startswith("TM ") else None
    return Unit(uid=c.get("id") or "", line=line, source=source, target=target, codes=codes, origin=origin, score=score if origin == "tm" else None,
                confirmed=confirmed not in ("", "0", "false", "no"),
                locked=(c.get(_m("locked")) or "").strip().lower() in TRUE or c.get("translate") == "no",
                detail=detail, group=gidx, job=job, key=_find_key(c, group, pattern), cell=_find_cell(c, group),
                alts=alts)


def _read_units(data: bytes, where: str, pattern: str) -> list[_File]:
    root = parse_xml(data, where)
    if _local(root.tag) != "xliff":
        raise InputError(where, f"not an MXLIFF file (root element <{_local(root.tag)}>)")
    if not root.get("version", "1.2").startswith("1"):
        raise InputError(where, f"MXLIFF is XLIFF 1.2, this file says version {root.get('version')!r}")
    tools = _tools(root)
    lines = iter(_unit_lines(data))
    files: list[_File] = []
    for f in (c for c in root.iter() if _local(c.tag) == "file"):
        lang = f.get("target-language")
        if not lang:
            raise InputError(where, "MXLIFF <file> has no target-language attribute")
        job = f.get(_m("task-id")) or f.get("original") or None
        units = [_unit(tu, group, gidx, next(lines, 0), job, tools, where, pattern)
                 for tu, group, gidx in _walk(f)]
        # the segments of one paragraph (one unit of the exported file) share its key, even
        # where only the first of them carries it (a note is kept once per paragraph)
        para_key: dict[int, str] = {}
        for u in units:
            if u.key:
                para_key.setdefault(u.group, u.key)
        for u in units:
            u.key = u.key or para_key.get(u.group)
        files.append(_File(normalize_tag(lang), job, units))
    if not any(f.units for f in files):
        raise InputError(where, "no trans-units in the MXLIFF file")
    return files


# ---------------------------------------------------------------------------- units -> segments

def _key_fields(key: str, pattern: str, framework_hint, where: str) -> dict:
    k = parse_key(key, pattern)
    if k is None:
        raise InputError(where, f"{key[:80]!r} is not a SFIA segment key (expected e.g. sfia9.CSMG.level.3)")
    fw = k["framework"] or framework_hint
    if fw is None:
        raise InputError(where, "cannot tell the SFIA version of the units; use keys like sfia9.CSMG.name")
    if int(fw) not in FRAMEWORKS:
        raise InputError(where, f"key {key[:80]!r}: SFIA {fw} is not supported (only 8 and 9)")
    return {"framework": int(fw), "skill": k["skill"], "element": k["element"], "level": k["level"],
            "item": k["item"]}


def _layout(files: list[_File], framework_hint, where: str) -> int:
    if framework_hint:
        if int(framework_hint) not in LAYOUTS:
            raise InputError(where, f"SFIA {framework_hint} is not supported (only 8 and 9)")
        return int(framework_hint)
    for f in files:  # SFIA 9 has a URL column (J) whose links name the version
        for u in f.units:
            m = re.search(r"/(?:skillcode|shortcode)/(\d+)/", u.source)
            if u.cell and u.cell[0] == "J" and m and int(m.group(1)) in LAYOUTS:
                return int(m.group(1))
    raise InputError(where, "cannot tell the SFIA version of the spreadsheet job: put the file under a "
                            "sfia-8/ or sfia-9/ folder or pass --framework")


def _cell_groups(f: _File, layout: dict, fw: int, where: str, pattern: str) -> list[tuple[dict, list[Unit]]]:
    """Spreadsheet job: (key fields, units) per segment, from the cells of the units."""
    code_cells: dict[int, str] = {}
    for u in f.units:
        if u.cell and layout.get(u.cell[0], ("",))[0] == "code":
            code_cells[u.cell[1]] = u.source.strip()
    codes = {row: text for row, text in code_cells.items() if CODE_RE.match(text)}
    cells: dict[tuple[str, int], list[Unit]] = {}
    for u in f.units:
        if u.cell is None:
            raise InputError(f"{where}:{u.line}", f"trans-unit {u.uid!r} carries no SFIA key and no cell "
                                                   "reference, unlike the other units")
        role = layout.get(u.cell[0])
        if role is None or role[0] == "code":
            continue  # #, Levels, URL, Category, Subcategory: not SFIA segments
        row = u.cell[1]
        if row not in codes:
            if row in code_cells:
                continue  # a row whose Code cell is no skill code: the header row
            raise InputError(f"{where}:{u.line}", f"cell {u.cell[0]}{row}: row {row} has no skill code "
                                                   "cell (column I) among the units")
        cells.setdefault(u.cell, []).append(u)
    out = []
    for (col, row), units in cells.items():
        element, level = layout[col]
        base = {"framework": fw, "skill": codes[row], "level": None, "item": None}
        if element == "guidance":
            paras: list[list[Unit]] = []
            for u in units:
                if paras and paras[-1][-1].group == u.group:
                    paras[-1].append(u)
                else:
                    paras.append([u])
            counters = {"guidance": 0, "activity": 0}
            lines = [" ".join(x.source for x in p) for p in paras]
            for kind, _line_text, i in split_guidance("\n".join(lines)):
                counters[kind] += 1
                out.append(({**base, "element": kind, "item": counters[kind]}, paras[i]))
        else:
            out.append(({**base, "element": element, "level": level}, units))
    return out


def _segments(data: bytes, where: str, pattern: str, framework_hint) -> list[tuple[str, dict, list[Unit]]]:
    """(lang, key fields, units) per segment, in file order."""
    files = _read_units(data, where, pattern)
    units = [u for f in files for u in f.units]
    keyed = [u for u in units if u.key]
    if not keyed and not any(u.cell for u in units):
        raise InputError(where, "the units carry no SFIA key (no resname, x-key context or note with a key "
                                "like sfia9.CSMG.level.3, and no spreadsheet cell reference): export the "
                                "English with 'sfia-qa tms export'")
    out: list[tuple[str, dict, list[Unit]]] = []
    if keyed:
        for f in files:
            by_key: dict[str, list[Unit]] = {}
            for u in f.units:
                if not u.key:
                    raise InputError(f"{where}:{u.line}", f"trans-unit {u.uid!r} carries no SFIA key, unlike the "
                                                           "other units")
                by_key.setdefault(u.key, []).append(u)
            for key, us in by_key.items():
                out.append((f.lang, _key_fields(key, pattern, framework_hint, f"{where}:{us[0].line}"), us))
        return out
    fw = _layout(files, framework_hint, where)
    for f in files:
        out += [(f.lang, k, us) for k, us in _cell_groups(f, LAYOUTS[fw], fw, where, pattern)]
    return out


def _provenance(units: list[Unit]) -> dict:
    origins = [u.origin for u in units]
    origin = "tm" if all(o == "tm" for o in origins) else next(o for o in origins if o != "tm")
    scores = [u.score for u in units]
    details = list(dict.fromkeys(u.detail for u in units if u.detail and u.origin == origin))
    # what the producing engine (or memory) suggested, when the file keeps it: a target equal to
    # it was confirmed without an edit
    kind = origin if origin in ("tm", "mt") else None
    parts = [next((t for k, p, t in u.alts if k == kind and (u.origin == "tm" or p == u.detail)), None)
             for u in units] if kind else []
    found = [p for p in parts if p is not None]
    suggestion = " ".join(" ".join(found).split()) if parts and len(found) == len(parts) else None
    known = [s for s in scores if s is not None]
    return {
        "suggestion": suggestion,
        "tm_score": None if origin != "tm" or len(known) < len(scores) else min(known),
        "trans_origin": origin,
        "origin_detail": ", ".join(details) or None,
        "confirmed": all(u.confirmed for u in units),
        "locked": any(u.locked for u in units),
        "mxliff_id": ",".join(u.uid for u in units),
        "source_text": " ".join(u.source for u in units if u.source),
        "codes": _codes(units),
    }


def _codes(units: list[Unit]) -> dict | None:
    """The inline codes of a segment's units, in order (units of one segment are numbered each
    on its own, so a number may repeat: it does on both sides alike)."""
    if not any(u.codes for u in units):
        return None
    return {side: [c for u in units if u.codes for c in u.codes[side] or ()] for side in ("source", "target")}


def read_mxliff(data: bytes, where: str, pattern: str = DEFAULT_PATTERN, framework_hint=None) -> list[dict]:
    """Segment records (SEGMENT columns plus the provenance keys of the module docstring)."""
    records = []
    for lang, k, units in _segments(data, where, pattern, framework_hint):
        text = " ".join(u.target for u in units if u.target)
        if not text:
            continue  # untranslated in TMS: the missing-translation check reports it
        line = units[0].line
        records.append({**k, "lang": lang, "text": " ".join(text.split()), "marker": None,
                        "origin": f"{where}:{line}", "line": line, "format": "mxliff",
                        "job": units[0].job, **_provenance(units)})
    return records


def read_mxliff_candidates(data: bytes, where: str, pattern: str = DEFAULT_PATTERN, framework_hint=None,
                           lang: str | None = None) -> list[dict]:
    """The MT and TM alternatives (``<alt-trans>``) as candidate records, in the shape of
    :func:`pipeline.ingest.candidates.read_candidate_records`; provider = the engine name, or
    ``TM <name>`` for a memory. A provider's candidate for a segment of several units joins its
    alternatives for every unit, and exists only when it gave one for each."""
    out = []
    for seg_lang, k, units in _segments(data, where, pattern, framework_hint):
        key = format_key(k["skill"], k["element"], k["level"], k["item"], k["framework"], pattern)
        providers = list(dict.fromkeys(p for u in units for _kind, p, _t in u.alts))
        for provider in providers:
            parts = []
            for u in units:
                texts = [t for _kind, p, t in u.alts if p == provider]
                if not texts:
                    break
                parts.append(texts[0])
            else:
                line = units[0].line
                out.append({"key": key, "provider": provider, "text": " ".join(" ".join(parts).split()),
                            "meta": dict(k), "source": " ".join(u.source for u in units if u.source) or None,
                            "reference": None, "origin": f"{where}:{line}", "path": where, "line": line,
                            "lang": lang or seg_lang})
    return out
