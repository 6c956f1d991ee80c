"""The check catalogue: every rule's stable code, name, severity, rationale and scope.

A rule is a function decorated with :func:`register`, which attaches its :class:`Check`
declaration to the function (``func.check``) and changes nothing global. The catalogue is the
explicit list :data:`RULE_MODULES`: :data:`REGISTRY` is built from the rules those modules
define, once, on first use. Reports, the README table and the ``--fail-on`` gate all read the
metadata from here. Codes are grouped by prefix:

* ``QA0xx`` the check machinery itself (suppressions that no longer match)
* ``QA1xx`` the ``(modified)``/``(unchanged)`` marker audit against the SFIA 8 -> 9 drift
* ``QA2xx`` structure and content (missing, untranslated, wrong language, numbers, lists)
* ``QA3xx`` MT-candidate signals (from the score stage's tables)
* ``QA4xx`` punctuation and typography
* ``QA5xx`` terminology and consistency (skill name, glossary, same source/same target)
* ``QA6xx`` script and right-to-left text
* ``QA7xx`` the English source itself, reported against the English

``scope`` says what a rule's function receives (see :mod:`pipeline.checks.runner`): ``segment``
one translated unit, ``page`` the units of one skill page, ``corpus`` every unit of a language and
SFIA version, ``source`` / ``source-page`` / ``source-corpus`` the English the same way (the last: every
English segment of one SFIA version, so findings with one root cause are one finding), ``candidate`` one MT candidate,
``draft`` one segment of an assembled SFIA 9 draft, ``meta`` none (the runner emits it).
``requires`` names the language data a rule needs (``"punctuation.latin_to_native"``): the rule
runs only for languages whose data file has it, instead of a language list in code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from pipeline.schema import SEVERITIES

SCOPES = ("segment", "page", "corpus", "source", "source-page", "source-corpus", "candidate", "draft", "meta")

# The catalogue, in documentation order. Adding a rule module means adding it here.
RULE_MODULES = (
    "pipeline.checks.rules_meta",
    "pipeline.checks.rules_markers",
    "pipeline.checks.rules_provenance",
    "pipeline.checks.rules_structure",
    "pipeline.checks.rules_style",
    "pipeline.checks.rules_mt",
    "pipeline.checks.rules_punct",
    "pipeline.checks.rules_codes",
    "pipeline.checks.rules_terms",
    "pipeline.checks.rules_script",
    "pipeline.checks.rules_source",
    "pipeline.checks.rules_spelling",
    "pipeline.checks.rules_locale",
)


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    severity: str
    summary: str
    rationale: str = ""
    group: str = ""
    settings: dict = field(default_factory=dict, hash=False, compare=False)
    func: Callable | None = field(default=None, hash=False, compare=False)
    scope: str = "segment"
    requires: tuple[str, ...] = ()   # language data keys ("section.key") the rule needs

    def applies_to(self, lang: str) -> bool:
        """Whether the rule runs for a language: its data file has every key the rule requires."""
        if not self.requires:
            return True
        from pipeline.langdata import ConfigError, load

        try:
            data = load(lang)
        except ConfigError:
            return False
        return all(_has(data.raw, key) for key in self.requires)

    @property
    def languages(self) -> str:
        """For documentation: which languages the rule runs for."""
        if self.scope in ("source", "source-page", "source-corpus"):
            return "en (source)"
        return "with " + ", ".join(f"`{r}`" for r in self.requires) if self.requires else "all"


def _has(data: dict, dotted: str) -> bool:
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return bool(node)


def register(code: str, name: str, severity: str, summary: str, *, rationale: str = "",
             group: str = "", settings: dict | None = None, scope: str = "segment",
             requires: tuple[str, ...] = ()):
    """Decorator declaring a rule: attaches its :class:`Check` to the function as ``.check``."""
    if severity not in SEVERITIES:
        raise ValueError(f"{code}: unknown severity {severity}")
    if scope not in SCOPES:
        raise ValueError(f"{code}: unknown scope {scope}")

    def deco(func):
        func.check = Check(code, name, severity, summary, rationale, group, dict(settings or {}), func, scope,
                           tuple(requires))
        return func

    return deco


def _catalogue() -> dict[str, Check]:
    out: dict[str, Check] = {}
    names: dict[str, str] = {}
    for module in RULE_MODULES:
        mod = importlib.import_module(module)
        for obj in vars(mod).values():
            c = getattr(obj, "check", None)
            if not isinstance(c, Check) or getattr(obj, "__module__", None) != module:
                continue
            if c.code in out or c.name in names:
                raise ValueError(f"check {c.code} {c.name} is declared twice")
            out[c.code] = c
            names[c.name] = c.code
    return dict(sorted(out.items()))


class _Registry(Mapping[str, Check]):
    """code -> :class:`Check`, built from :data:`RULE_MODULES` on first use."""

    _data: dict[str, Check] | None = None

    def _all(self) -> dict[str, Check]:
        if self._data is None:
            self._data = _catalogue()
        return self._data

    def __getitem__(self, code: str) -> Check:
        return self._all()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


REGISTRY: Mapping[str, Check] = _Registry()


_FINISHERS: list = []


def on_finish(fn):
    """Register ``fn()`` to run when a language's checks are done (in the process that ran them):
    e.g. to store what a rule learnt in :mod:`pipeline.cache`."""
    _FINISHERS.append(fn)
    return fn


def finish() -> None:
    for fn in _FINISHERS:
        fn()


def get(code_or_name: str) -> Check:
    for c in REGISTRY.values():
        if code_or_name in (c.code, c.name):
            return c
    raise KeyError(code_or_name)


def finding(check: Check | str, *, lang: str, message: str, framework=None, skill=None, element=None,
            level=None, item=None, evidence=None, origin=None, path=None, line=None,
            severity: str | None = None) -> dict:
    """A finding record (schema.FINDING) for a catalogued check."""
    c = check if isinstance(check, Check) else get(check)
    return {"code": c.code, "check": c.name, "severity": severity or c.severity, "lang": lang,
            "framework": framework, "skill": skill, "element": element, "level": level, "item": item,
            "message": message, "evidence": evidence or [], "origin": origin, "path": path, "line": line}
