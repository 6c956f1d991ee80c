"""The ``[checks]`` section of qa.toml, resolved: per-check switches, severities, languages and
options, the suppressions file and the glossaries.

    [checks]
    suppressions = "qa-suppressions.toml"   # default when the file exists; relative to qa.toml
    glossary = "glossary"                   # folder of <lang>.toml glossaries (default)
    [checks.QA209]                          # or [checks.length-ratio]
    severity = "warning"                    # error | warning | info
    enabled = true
    languages = ["ar"]
    factor = 2.5                            # an option the rule declares (README table)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import langdata, schema
from pipeline.checks.glossary import Glossary, load_glossaries
from pipeline.checks.registry import Check, get
from pipeline.checks.suppressions import Suppression, load_suppressions
from pipeline.errors import ConfigError
from pipeline.keys import DEFAULT_PATTERN

RESERVED_OPTIONS = {"enabled", "severity", "languages"}
SOURCE_SCOPES = {"source", "source-page", "source-corpus"}
DEFAULT_SUPPRESSIONS = "qa-suppressions.toml"
DEFAULT_GLOSSARY = "glossary"


@dataclass
class Settings:
    enabled: dict[str, bool] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    languages: dict[str, tuple[str, ...]] = field(default_factory=dict)
    options: dict[str, dict] = field(default_factory=dict)
    suppressions: list[Suppression] = field(default_factory=list)
    suppressions_path: str | None = None
    glossaries: dict[str, Glossary] = field(default_factory=dict)
    key_pattern: str = DEFAULT_PATTERN

    def opts(self, c: Check) -> dict:
        return {**c.settings, **self.options.get(c.code, {})}

    def is_enabled(self, c: Check, lang: str) -> bool:
        if not self.enabled.get(c.code, True):
            return False
        langs = self.languages.get(c.code)
        if langs is not None and langdata.base_tag(lang) not in langs and lang != "en":
            return False
        return c.scope in SOURCE_SCOPES or c.applies_to(lang)


def _option(s: Settings, c: Check, table: str, opt: str, val, where) -> None:
    if opt == "enabled":
        if not isinstance(val, bool):
            raise ConfigError(where, f"[checks.{table}] enabled must be true or false")
        s.enabled[c.code] = val
    elif opt == "severity":
        if val not in schema.SEVERITIES:
            raise ConfigError(where, f"[checks.{table}] severity must be one of {', '.join(schema.SEVERITIES)}")
        s.severity[c.code] = val
    elif opt == "languages":
        if not isinstance(val, list) or not all(isinstance(x, str) for x in val):
            raise ConfigError(where, f"[checks.{table}] languages must be a list of language tags")
        s.languages[c.code] = tuple(langdata.base_tag(x) for x in val)
    elif opt in c.settings:
        want = type(c.settings[opt])
        ok = (isinstance(val, want) and not (want is not bool and isinstance(val, bool))) or \
             (want is float and isinstance(val, int) and not isinstance(val, bool))
        if not ok:
            raise ConfigError(where, f"[checks.{table}] {opt} must be a {want.__name__}, not {val!r}")
        s.options.setdefault(c.code, {})[opt] = val
    else:
        known = sorted(RESERVED_OPTIONS | set(c.settings))
        raise ConfigError(where, f"[checks.{table}] unknown option {opt!r} (known: {', '.join(known)})")


def settings_from(section: dict, where, resolve: Callable[[str], Path] = Path, key_pattern: str = DEFAULT_PATTERN,
                  root: Path | None = None) -> Settings:
    """:class:`Settings` from a ``[checks]`` table; ``resolve`` turns a configured path into a
    real one (relative to qa.toml), ``root`` is the folder paths in findings are relative to."""
    s = Settings(key_pattern=key_pattern)
    for k, v in section.items():
        if k in ("suppressions", "glossary"):
            if not isinstance(v, str):
                raise ConfigError(where, f"[checks] {k} must be a path")
            continue
        if not isinstance(v, dict):
            raise ConfigError(where, f"[checks] unknown key {k!r}: expected suppressions, glossary or a "
                                     "table per check ([checks.QA401] or [checks.final-punctuation])")
        try:
            c = get(k)
        except KeyError:
            raise ConfigError(where, f"[checks.{k}]: no check has this code or name") from None
        for opt, val in v.items():
            _option(s, c, k, opt, val, where)
    sup = section.get("suppressions")
    sup_path = resolve(sup if sup else DEFAULT_SUPPRESSIONS)
    if Path(sup_path).is_file():
        from pipeline.ingest import display_path

        s.suppressions = load_suppressions(Path(sup_path))
        s.suppressions_path = display_path(sup_path, root) if root is not None else str(sup_path)
    elif sup:
        raise ConfigError(where, f"[checks] suppressions file {sup_path} not found")
    glo = section.get("glossary")
    glo_path = resolve(glo if glo else DEFAULT_GLOSSARY)
    if glo and not Path(glo_path).is_dir():
        raise ConfigError(where, f"[checks] glossary folder {glo_path} not found")
    s.glossaries = load_glossaries(Path(glo_path))
    return s
