"""The check registry: every rule's stable code, name, severity, rationale and languages.

A rule is declared once with :func:`register`; reports, the README table and the
``--fail-on`` gate all read its metadata from here. Codes are grouped by prefix:

* ``QA1xx`` SFIA 8 -> 9 drift and the ``(modified)``/``(unchanged)`` marker audit
* ``QA0xx`` the check machinery itself (suppressions that no longer match)
* ``QA2xx`` structure and content (missing, untranslated, wrong language, numbers, lists)
* ``QA3xx`` reserved: MT-candidate signals (the score stage)
* ``QA4xx`` punctuation and typography
* ``QA5xx`` terminology and consistency (skill name, glossary, same source/same target)
* ``QA6xx`` script and right-to-left text (Arabic)
* ``QA7xx`` the English source itself, reported against the English

``scope`` says what a rule's function receives (see :mod:`pipeline.checks.engine`):
``segment`` one translated unit, ``page`` the units of one skill page, ``corpus`` every
unit of a language and SFIA version, ``source`` / ``source-page`` the English the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.schema import SEVERITIES


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    severity: str
    summary: str
    rationale: str = ""
    languages: tuple[str, ...] = ()  # empty: every language
    group: str = ""
    settings: dict = field(default_factory=dict, hash=False, compare=False)
    func: Callable | None = field(default=None, hash=False, compare=False)
    scope: str = "segment"

    def applies_to(self, lang: str) -> bool:
        from pipeline.langdata import base_tag

        return not self.languages or base_tag(lang) in self.languages


REGISTRY: dict[str, Check] = {}


def register(code: str, name: str, severity: str, summary: str, *, rationale: str = "",
             languages: tuple[str, ...] = (), group: str = "", settings: dict | None = None,
             scope: str = "segment"):
    """Decorator (or plain call with func=None) declaring a check."""
    if severity not in SEVERITIES:
        raise ValueError(f"{code}: unknown severity {severity}")

    def deco(func):
        if code in REGISTRY and REGISTRY[code].name != name:
            raise ValueError(f"check code {code} is already used by {REGISTRY[code].name}")
        REGISTRY[code] = Check(code, name, severity, summary, rationale, tuple(languages), group,
                               dict(settings or {}), func, scope)
        return func

    return deco


def get(code_or_name: str) -> Check:
    for c in REGISTRY.values():
        if code_or_name in (c.code, c.name):
            return c
    raise KeyError(code_or_name)


def finding(check: Check | str, *, lang: str, message: str, framework=None, skill=None, element=None,
            level=None, item=None, evidence=None, origin=None, path=None, line=None,
            severity: str | None = None) -> dict:
    """A finding record (schema.FINDING) for a registered check."""
    c = check if isinstance(check, Check) else get(check)
    return {"code": c.code, "check": c.name, "severity": severity or c.severity, "lang": lang,
            "framework": framework, "skill": skill, "element": element, "level": level, "item": item,
            "message": message, "evidence": evidence or [], "origin": origin, "path": path, "line": line}
