"""String keys for segments, shared by Phrase, XLIFF/TMX and candidate files.

Convention (configurable in ``qa.toml`` as ``[keys] pattern``)::

    sfia9.CSMG.name            sfia9.CSMG.description
    sfia9.CSMG.guidance.2      sfia9.CSMG.activity.3      sfia9.CSMG.level.5

The pattern uses ``{framework}``, ``{skill}``, ``{element}`` and ``{index}`` (the level
for level statements, the item for guidance paragraphs and activities); the ``.{index}``
part is left out when the element has none. Parsing accepts any key the pattern can
produce, so a custom pattern round-trips too.
"""

from __future__ import annotations

import re
from functools import cache

DEFAULT_PATTERN = "sfia{framework}.{skill}.{element}.{index}"
SKILL_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{2,5}$")  # a SFIA skill code: PROG, ACIN, ...
# Numbers are bounded: a key is an identifier, not a number, and a hostile 5000-digit "level"
# would overflow every integer column (or Python's own digit limit) further on.
_FIELDS = {
    "framework": r"(?P<framework>[0-9]{1,3})",
    "skill": r"(?P<skill>[A-Z][A-Z0-9]{2,5})",
    "element": r"(?P<element>name|description|guidance|activity|level)",
    "index": r"(?P<index>[0-9]{1,4})",
}


def format_key(skill: str, element: str, level=None, item=None, framework: int = 9,
               pattern: str = DEFAULT_PATTERN) -> str:
    index = level if element == "level" else item if element in ("guidance", "activity") else None
    if index is None or _isna(index):
        pattern = _drop_index(pattern)
        return pattern.format(framework=int(framework), skill=skill, element=element)
    return pattern.format(framework=int(framework), skill=skill, element=element, index=int(index))


def _isna(v) -> bool:
    try:
        return v != v  # NaN
    except Exception:
        return v is None or str(v) == "<NA>"


def _drop_index(pattern: str) -> str:
    # "{element}.{index}" -> "{element}": remove {index} and the separator before it.
    return re.sub(r"[^{}A-Za-z0-9]?\{index\}", "", pattern)


@cache
def _regexes(pattern: str) -> tuple[re.Pattern, re.Pattern]:
    def build(p: str) -> re.Pattern:
        out, pos = [], 0
        for m in re.finditer(r"\{(\w+)\}", p):
            out.append(re.escape(p[pos:m.start()]))
            if m.group(1) not in _FIELDS:
                raise ValueError(f"unknown field {{{m.group(1)}}} in key pattern {p!r}")
            out.append(_FIELDS[m.group(1)])
            pos = m.end()
        out.append(re.escape(p[pos:]))
        return re.compile("^" + "".join(out) + "$")
    return build(pattern), build(_drop_index(pattern))


def parse_key(key: str, pattern: str = DEFAULT_PATTERN) -> dict | None:
    """'sfia9.CSMG.level.3' -> {framework: 9, skill, element, level: 3, item: None}; None if no match."""
    with_index, without = _regexes(pattern)
    m = with_index.match(key.strip())
    if m and m.group("element") in ("level", "guidance", "activity"):
        idx = int(m.group("index"))
        el = m.group("element")
        if idx < 1 or (el == "level" and idx > 7):
            return None  # SFIA has levels 1..7; items count from 1
        return {"framework": int(m.group("framework")) if "framework" in m.groupdict() else None,
                "skill": m.group("skill"), "element": el,
                "level": idx if el == "level" else None,
                "item": idx if el != "level" else None}
    m = without.match(key.strip())
    if m and m.group("element") in ("name", "description"):
        return {"framework": int(m.group("framework")) if "framework" in m.groupdict() else None,
                "skill": m.group("skill"), "element": m.group("element"), "level": None, "item": None}
    return None


def check_pattern(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a key pattern (a phrase for 'must ...'), or None when it can."""
    fields = re.findall(r"\{([^{}]*)\}", pattern)
    unknown = [f for f in fields if f not in _FIELDS]
    if unknown:
        return (f"must use only {{framework}}, {{skill}}, {{element}} and {{index}} (found {{{unknown[0]}}}), "
                "e.g. \"sfia{framework}.{skill}.{element}.{index}\"")
    missing = [f for f in ("skill", "element", "index") if f not in fields]
    if missing:
        return f"must contain {{{missing[0]}}}, e.g. \"sfia{{framework}}.{{skill}}.{{element}}.{{index}}\""
    if len(fields) != len(set(fields)):
        return "must use each field once"
    if re.sub(r"\{[^{}]*\}", "", pattern).count("{") or re.sub(r"\{[^{}]*\}", "", pattern).count("}"):
        return "must not contain stray { or }"
    try:
        _regexes(pattern)
    except (ValueError, re.error) as e:
        return f"is not usable ({e})"
    return None
