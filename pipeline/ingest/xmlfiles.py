"""XLIFF (1.2 and 2.x) and TMX files: translation units whose ids are segment keys.

A unit's key is read, in this order, from XLIFF ``resname``/``name``, its ``id``, or a TMX
``<prop type="x-sfia-key">`` / ``tuid``; it must follow the key convention of
:mod:`pipeline.keys` (``sfia9.CSMG.level.3``). Only target-language text becomes segments:
the English lives in ``sources/``. Every XML input is parsed with defusedxml.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from pipeline.encoding import nfc
from pipeline.errors import InputError
from pipeline.keys import DEFAULT_PATTERN, parse_key
from pipeline.langdata import normalize_tag

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


def parse_xml(data: bytes, where: str) -> Element:
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as e:
        raise InputError(where, f"refused unsafe XML ({type(e).__name__})") from None
    except SafeET.ParseError as e:
        raise InputError(where, f"malformed XML: {e}") from None


def _segment(key: str, text: str, lang: str, where: str, line: int | None, pattern: str,
             framework_hint: int | None) -> dict:
    k = parse_key(key, pattern)
    if k is None:
        raise InputError(f"{where}:{line or 0}", f"unit id {key!r} is not a SFIA segment key "
                                                  "(expected e.g. sfia9.CSMG.level.3)")
    fw = k["framework"] or framework_hint
    if fw is None:
        raise InputError(where, "cannot tell the SFIA version of the units; use keys like sfia9.CSMG.name")
    return {"framework": fw, "lang": lang, "skill": k["skill"], "element": k["element"], "level": k["level"],
            "item": k["item"], "text": text, "marker": None, "origin": f"{where}:{line or 0}", "line": line}


def _line_index(data: bytes, needles: list[str]) -> dict[str, int]:
    """Line of the first occurrence of each id in the raw file (for origins)."""
    text = data.decode("utf-8", "replace")
    out = {}
    for n in needles:
        pos = text.find(f'"{n}"')
        if pos >= 0:
            out[n] = text.count("\n", 0, pos) + 1
    return out


def read_xliff(data: bytes, where: str, pattern: str = DEFAULT_PATTERN, framework_hint=None) -> list[dict]:
    root = parse_xml(data, where)
    if _local(root.tag) != "xliff":
        raise InputError(where, f"not an XLIFF file (root element <{_local(root.tag)}>)")
    version = root.get("version", "1.2")
    units: list[tuple[str, str, str]] = []  # key, text, lang
    if version.startswith("2"):
        lang = root.get("trgLang")
        if not lang:
            raise InputError(where, "XLIFF 2 file has no trgLang attribute")
        for unit in _descendants(root, "unit"):
            key = unit.get("name") or unit.get("id") or ""
            targets = [_text(t) for seg in _descendants(unit, "segment") for t in _children(seg, "target")]
            text = " ".join(t for t in targets if t)
            if text:
                units.append((key, text, lang))
    else:
        for f in _descendants(root, "file"):
            lang = f.get("target-language")
            if not lang:
                raise InputError(where, "XLIFF <file> has no target-language attribute")
            for tu in _descendants(f, "trans-unit"):
                key = tu.get("resname") or tu.get("id") or ""
                text = _text(next(iter(_children(tu, "target")), None))
                if text:
                    units.append((key, text, lang))
    lines = _line_index(data, [k for k, _, _ in units])
    return [_segment(k, t, normalize_tag(lang), where, lines.get(k), pattern, framework_hint)
            for k, t, lang in units]


def read_tmx(data: bytes, where: str, pattern: str = DEFAULT_PATTERN, framework_hint=None) -> list[dict]:
    root = parse_xml(data, where)
    if _local(root.tag) != "tmx":
        raise InputError(where, f"not a TMX file (root element <{_local(root.tag)}>)")
    header = next(iter(_children(root, "header")), None)
    srclang = (header.get("srclang") if header is not None else None) or "en"
    segs: list[tuple[str, str, str]] = []
    for tu in _descendants(root, "tu"):
        key = next((p.text or "" for p in _children(tu, "prop") if p.get("type") == "x-sfia-key"),
                   tu.get("tuid") or "")
        for tuv in _children(tu, "tuv"):
            lang = tuv.get(XML_LANG) or tuv.get("lang") or ""
            if not lang or lang.lower() == srclang.lower() or srclang == "*all*" and lang.lower().startswith("en"):
                continue
            text = _text(next(iter(_children(tuv, "seg")), None))
            if text:
                segs.append((key, text, lang))
    lines = _line_index(data, [k for k, _, _ in segs])
    return [_segment(k, t, normalize_tag(lang), where, lines.get(k), pattern, framework_hint)
            for k, t, lang in segs]
