"""XLIFF (1.2 and 2.x) and TMX files: translation units whose ids are segment keys.

A unit's key is read, in this order, from XLIFF ``resname``/``name``, its ``id``, or a TMX
``<prop type="x-sfia-key">`` / ``tuid``; it must follow the key convention of
:mod:`pipeline.keys` (``sfia9.CSMG.level.3``). Only target-language text becomes segments:
the English lives in ``sources/``. Every XML input is parsed with defusedxml.

Inline codes (XLIFF 1.2 ``<g> <x/> <bx/> <ex/> <bpt> <ept> <ph> <it>``, XLIFF 2 ``<pc> <ph/>
<sc/> <ec/>``, TMX ``<bpt> <ept> <ph> <it> <hi> <ut>``) become placeholders in the text, ``{1}``
for a standalone code and ``{1}``...``{/1}`` around a paired one, and both sides' codes are kept
in the segment's ``codes`` with their markup (see :func:`coded`); annotations (``<mrk>``, XLIFF 2
``<sm/>``/``<em/>``) keep their text and leave no placeholder.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from pipeline.encoding import nfc
from pipeline.errors import InputError
from pipeline.keys import DEFAULT_PATTERN, parse_key
from pipeline.langdata import normalize_tag
from pipeline.schema import FRAMEWORKS

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(el: Element | None) -> str:
    """Text content of a segment element, inline tags flattened to their text."""
    if el is None:
        return ""
    return nfc(" ".join("".join(el.itertext()).split()))


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if _local(c.tag) == name]


def _descendants(el: Element, name: str) -> list[Element]:
    return [c for c in el.iter() if _local(c.tag) == name]


# ---------------------------------------------------------------------------- inline codes
#
# Inline codes (tags, variables) of bilingual units become placeholders in the text: ``{n}`` for a
# standalone code, ``{n}``...``{/n}`` for a paired one. ``n`` is the element's id when it is a
# number, else a number given to that id (the same id in source and target gives the same
# placeholder), else the code's position among the id-less codes of its side. The original
# markup is kept, serialised from the parsed tree (escaped; never evaluated), in
# ``codes = {"source": [...], "target": [...]}``, each ``{"ph", "kind", "id", "element",
# "markup", "native"}`` (native: the code's own text, e.g. ``<b>`` of ``<bpt>&lt;b&gt;</bpt>``) with ``kind`` one of ``standalone``, ``open``, ``close``, ``isolated`` (half of a
# pair whose other half is in another segment). Annotations (``<mrk>``, XLIFF 2 ``<sm/>``/``<em/>``)
# keep their text and leave no placeholder.

# local element name -> role. "pair": a container (its text stays, a placeholder opens and one
# closes it); "open"/"close": one half of a pair (the other half elsewhere in the segment);
# "standalone": a code with no text of its own (its content is native code, kept in markup);
# "isolated": a half whose partner is outside the segment; "text": an annotation, text kept;
# "drop": an annotation marker without text.
_XLIFF1_ROLES = {"g": "pair", "x": "standalone", "bx": "open", "ex": "close", "bpt": "open", "ept": "close",
                 "ph": "standalone", "it": "isolated", "mrk": "text"}
_XLIFF2_ROLES = {"pc": "pair", "ph": "standalone", "sc": "open", "ec": "close", "mrk": "text", "sm": "drop",
                 "em": "drop", "cp": "cp"}
_TMX_ROLES = {"bpt": "open", "ept": "close", "ph": "standalone", "it": "isolated", "hi": "pair",
              "ut": "standalone", "sub": "text"}
MAX_MARKUP = 2000          # characters of markup kept per code
MAX_NESTING = 200          # deeper inline nesting is refused (a hostile or broken file)
_ATTR_ESCAPES = {'"': "&quot;", "\n": "&#10;", "\t": "&#9;", "\r": "&#13;"}
_QUOTED = lambda v: escape(v, _ATTR_ESCAPES)  # noqa: E731
_NUMERIC_ID = re.compile(r"[1-9][0-9]{0,5}|0")


def _attr_name(name: str) -> str:
    if name == XML_LANG:
        return "xml:lang"
    if name.startswith("{http://www.w3.org/XML/1998/namespace}"):
        return "xml:" + _local(name)
    return _local(name)


def _serialise(el: Element, whole: bool = True, limit: int = MAX_MARKUP) -> str:
    """The element as XML text (local names, escaped text and attributes), without its tail.
    ``whole=False``: the start tag only. Iterative and cut at ``limit`` characters."""
    out: list[str] = []
    size = 0
    stack: list[tuple[Element, bool]] = [(el, False)]
    while stack and size < limit:
        node, closing = stack.pop()
        name = _local(node.tag) if isinstance(node.tag, str) else "?"
        if closing:
            part = f"</{name}>" + escape(node.tail or "") if node is not el else f"</{name}>"
        else:
            attrs = "".join(f' {_attr_name(k)}="{_QUOTED(v)}"' for k, v in sorted(node.attrib.items()))
            empty = not whole or (not node.text and len(node) == 0)
            if not whole:
                part = f"<{name}{attrs}>"
            elif empty:
                part = f"<{name}{attrs}/>" + (escape(node.tail or "") if node is not el else "")
            else:
                part = f"<{name}{attrs}>" + escape(node.text or "")
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(node))
        out.append(part)
        size += len(part)
    text = "".join(out)
    return text if len(text) <= limit else text[:limit] + "…"


class _Numbering:
    """Placeholder numbers shared by the source and the target of one unit."""

    def __init__(self, roots: list[Element | None], id_attrs: tuple[str, ...]):
        used = set()
        for r in roots:
            if r is None:
                continue
            for node in r.iter():
                for a in id_attrs:
                    v = node.get(a)
                    if v and _NUMERIC_ID.fullmatch(v):
                        used.add(int(v))
        self.next = max(used, default=0) + 1
        self.by_key: dict[str, int] = {}

    def number(self, key: str) -> int:
        if _NUMERIC_ID.fullmatch(key):
            return int(key)
        if key not in self.by_key:
            self.by_key[key] = self.next
            self.next += 1
        return self.by_key[key]


def _side(el: Element | None, fmt: str, numbering: _Numbering, where: str,
          data: dict[str, str] | None = None) -> tuple[str, list[dict]]:
    """(text with placeholders, codes) of one source/target/seg element. Iterative: a stack of
    pending nodes, texts and container ends, so deep nesting cannot exhaust Python's stack.
    ``data``: an XLIFF 2 unit's ``<originalData>`` (id -> native code) that ``dataRef`` points to."""
    data = data or {}
    if el is None:
        return "", []
    roles = _TMX_ROLES if fmt == "tmx" else _XLIFF2_ROLES if fmt == "xliff2" else _XLIFF1_ROLES
    parts: list[str] = [el.text or ""]
    codes: list[dict] = []
    order = 0
    opened: dict[str, int] = {}  # TMX: the i attribute of a <bpt> -> its number, for its <ept>

    def number(node: Element, role: str) -> int:
        nonlocal order
        if fmt == "tmx":
            i = node.get("i")
            if role == "close" and i is not None and i in opened:
                return opened[i]
            k = node.get("x") or (f"i:{i}" if i is not None else None)
        elif fmt == "xliff2":
            k = (node.get("startRef") if role == "close" else None) or node.get("id")
        else:
            k = node.get("rid") or node.get("id")
        if k is None:
            order += 1
            k = f"#{order}"
        n = numbering.number(k)
        i_attr = node.get("i")
        if fmt == "tmx" and role == "open" and i_attr is not None:
            opened[i_attr] = n
        return n

    stack: list[tuple] = [("node", c, 1) for c in reversed(el)]
    while stack:
        item = stack.pop()
        if item[0] == "text":
            parts.append(item[1])
            continue
        if item[0] == "end":  # the end of a container element
            codes.append(item[1])
            parts.append(item[1]["ph"] + item[2])
            continue
        node, depth = item[1], item[2]
        if depth > MAX_NESTING:
            raise InputError(where, f"inline markup nested deeper than {MAX_NESTING} levels")
        name = _local(node.tag) if isinstance(node.tag, str) else ""
        role = roles.get(name, "text")
        ident = node.get("id") or node.get("x") or node.get("i")
        if role in ("text", "pair"):
            if role == "pair":
                n = number(node, role)
                codes.append(_code(node, "open", n, ident, _serialise(node, whole=False),
                                   data.get(node.get("dataRefStart") or "", "")))
                parts.append(f"{{{n}}}")
                stack.append(("end", _code(node, "close", n, ident, f"</{name}>",
                                           data.get(node.get("dataRefEnd") or "", "")), node.tail or ""))
            else:
                stack.append(("text", node.tail or ""))
            parts.append(node.text or "")
            stack.extend(("node", c, depth + 1) for c in reversed(node))
            continue
        if role == "cp":
            try:
                ch = chr(int(node.get("hex") or "", 16))
            except (ValueError, OverflowError):
                ch = ""
            parts.append(ch if ch.isprintable() else "")
        elif role != "drop":
            isolated = role == "isolated" or (fmt == "xliff2" and node.get("isolated") == "yes")
            kind = "isolated" if isolated else role
            n = number(node, role)
            native = data.get(node.get("dataRef") or "") or "".join(node.itertext())
            code = _code(node, kind, n, ident, _serialise(node), native)
            codes.append(code)
            parts.append(code["ph"])
        parts.append(node.tail or "")
    return nfc(" ".join("".join(parts).split())), codes


def _code(el: Element, kind: str, n: int, ident: str | None, markup: str, native: str = "") -> dict:
    ph = f"{{/{n}}}" if kind == "close" else f"{{{n}}}"
    return {"ph": ph, "kind": kind, "id": ident, "element": _local(el.tag), "markup": markup,
            "native": native[:MAX_MARKUP]}


def coded(pairs: list[tuple[Element | None, Element | None]], fmt: str, where: str,
          data: dict[str, str] | None = None) -> tuple[str, str, dict | None]:
    """(source text, target text, codes) of one bilingual unit given as (source, target) element
    pairs (an XLIFF 2 unit has several segments), its inline codes as placeholders numbered once
    for the whole unit; codes is None when neither side has any, and its ``source`` is None when
    the unit has no source text to compare with. ``fmt``: xliff1, xliff2, tmx."""
    attrs = ("x",) if fmt == "tmx" else ("id", "rid", "startRef")
    numbering = _Numbering([e for pair in pairs for e in pair], attrs)
    s_texts, t_texts, s_codes, t_codes = [], [], [], []
    for source, target in pairs:
        st, sc = _side(source, fmt, numbering, where, data)
        tt, tc = _side(target, fmt, numbering, where, data)
        s_texts.append(st)
        t_texts.append(tt)
        s_codes += sc
        t_codes += tc
    join = lambda xs: " ".join(x for x in xs if x)  # noqa: E731
    if not (s_codes or t_codes):
        return join(s_texts), join(t_texts), None
    has_source = any(source is not None for source, _ in pairs)
    return join(s_texts), join(t_texts), {"source": s_codes if has_source else None, "target": t_codes}


def parse_xml(data: bytes, where: str) -> Element:
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as e:
        raise InputError(where, f"refused unsafe XML ({type(e).__name__})") from None
    except SafeET.ParseError as e:
        raise InputError(where, f"malformed XML: {e}") from None


def _segment(key: str, text: str, lang: str, where: str, line: int | None, pattern: str,
             framework_hint: int | None, codes: dict | None = None) -> dict:
    k = parse_key(key, pattern)
    if k is None:
        raise InputError(f"{where}:{line or 0}", f"unit id {key[:80]!r} is not a SFIA segment key "
                                                  "(expected e.g. sfia9.CSMG.level.3)")
    fw = k["framework"] or framework_hint
    if fw is None:
        raise InputError(where, "cannot tell the SFIA version of the units; use keys like sfia9.CSMG.name")
    if fw not in FRAMEWORKS:
        raise InputError(f"{where}:{line or 0}", f"unit {key[:80]!r}: SFIA {fw} is not supported (only 8 and 9)")
    return {"framework": fw, "lang": lang, "skill": k["skill"], "element": k["element"], "level": k["level"],
            "item": k["item"], "text": text, "marker": None, "origin": f"{where}:{line or 0}", "line": line,
            "codes": codes}


_QUOTED_OR_TEXT = re.compile(r'"([^"<>\n]{1,300})"|>([^<>\n]{1,300})<')


def _line_index(data: bytes, needles: list[str]) -> dict[str, int]:
    """Line of the first occurrence of each id in the raw file (for origins): as an attribute
    value (``"sfia9.CSMG.name"``) or an element's text (a TMX ``<prop>``). One pass over the
    file, whatever the number of units (a search per unit was quadratic)."""
    wanted = set(needles)
    if not wanted:
        return {}
    text = data.decode("utf-8", "replace")
    out: dict[str, int] = {}
    line, pos = 1, 0
    for m in _QUOTED_OR_TEXT.finditer(text):
        value = m.group(1) if m.group(1) is not None else m.group(2).strip()
        if value in wanted and value not in out:
            line += text.count("\n", pos, m.start())
            pos = m.start()
            out[value] = line
            if len(out) == len(wanted):
                break
    return out


def _first(el: Element, name: str) -> Element | None:
    return next(iter(_children(el, name)), None)


def _xliff2_pairs(unit: Element) -> list[tuple[Element | None, Element | None]]:
    """(source, target) per segment and ignorable of an XLIFF 2 unit, the targets in the order
    their ``order`` attributes give (a translation may reorder the unit's sentences); a missing,
    invalid or repeated ``order`` keeps the target in its own place (or the next free one)."""
    parts = [c for c in unit if _local(c.tag) in ("segment", "ignorable")]
    sources = [_first(c, "source") for c in parts]
    targets = [_first(c, "target") for c in parts]
    slots: list[Element | None] = [None] * len(parts)
    taken = [False] * len(parts)
    rest = []
    for i, t in enumerate(targets):
        raw = t.get("order") if t is not None else None
        k = int(raw) - 1 if raw and raw.isdigit() and len(raw) < 7 else -1
        if 0 <= k < len(parts) and not taken[k]:
            slots[k], taken[k] = t, True
        else:
            rest.append((i, t))
    free = iter(i for i in range(len(parts)) if not taken[i])
    for _i, t in rest:
        slots[next(free)] = t
    return list(zip(sources, slots, strict=True))


def _original_data(unit: Element) -> dict[str, str]:
    return {d.get("id") or "": "".join(d.itertext())[:MAX_MARKUP]
            for od in _children(unit, "originalData") for d in _children(od, "data")}


def read_xliff(data: bytes, where: str, pattern: str = DEFAULT_PATTERN, framework_hint=None) -> list[dict]:
    """Segment records of an XLIFF 1.2 or 2.x file: the targets, their inline codes as
    placeholders (``codes``: the source's and the target's, see :func:`coded`)."""
    root = parse_xml(data, where)
    if _local(root.tag) != "xliff":
        raise InputError(where, f"not an XLIFF file (root element <{_local(root.tag)}>)")
    version = root.get("version", "1.2")
    units: list[tuple[str, str, str, dict | None]] = []  # key, text, lang, codes
    if version.startswith("2"):
        lang = root.get("trgLang")
        if not lang:
            raise InputError(where, "XLIFF 2 file has no trgLang attribute")
        for unit in _descendants(root, "unit"):
            key = unit.get("name") or unit.get("id") or ""
            _, text, codes = coded(_xliff2_pairs(unit), "xliff2", where, _original_data(unit))
            if text:
                units.append((key, text, lang, codes))
    else:
        for f in _descendants(root, "file"):
            lang = f.get("target-language")
            if not lang:
                raise InputError(where, "XLIFF <file> has no target-language attribute")
            for tu in _descendants(f, "trans-unit"):
                key = tu.get("resname") or tu.get("id") or ""
                _, text, codes = coded([(_first(tu, "source"), _first(tu, "target"))], "xliff1", where)
                if text:
                    units.append((key, text, lang, codes))
    lines = _line_index(data, [u[0] for u in units])
    return [_segment(k, t, normalize_tag(lang), where, lines.get(k), pattern, framework_hint, codes)
            for k, t, lang, codes in units]


def read_tmx(data: bytes, where: str, pattern: str = DEFAULT_PATTERN, framework_hint=None) -> list[dict]:
    """Segment records of a TMX file: every non-source ``<tuv>``, inline codes as placeholders
    numbered together with the source ``<tuv>``'s (the ``x`` attribute links them)."""
    root = parse_xml(data, where)
    if _local(root.tag) != "tmx":
        raise InputError(where, f"not a TMX file (root element <{_local(root.tag)}>)")
    header = _first(root, "header")
    srclang = (header.get("srclang") if header is not None else None) or "en"
    segs: list[tuple[str, str, str, dict | None]] = []
    for tu in _descendants(root, "tu"):
        key = next((p.text or "" for p in _children(tu, "prop") if p.get("type") == "x-sfia-key"),
                   tu.get("tuid") or "")
        source, targets = None, []
        for tuv in _children(tu, "tuv"):
            lang = tuv.get(XML_LANG) or tuv.get("lang") or ""
            if not lang:
                continue
            if lang.lower() == srclang.lower() or srclang == "*all*" and lang.lower().startswith("en"):
                source = source if source is not None else _first(tuv, "seg")
                continue
            targets.append((lang, _first(tuv, "seg")))
        for lang, seg in targets:
            _, text, codes = coded([(source, seg)], "tmx", where)
            if text:
                segs.append((key, text, lang, codes))
    lines = _line_index(data, [s[0] for s in segs])
    return [_segment(k, t, normalize_tag(lang), where, lines.get(k), pattern, framework_hint, codes)
            for k, t, lang, codes in segs]
