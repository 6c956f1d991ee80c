"""Run the registered checks over aligned translations and English sources.

The unit a check sees is a :class:`Unit`: one translated segment of one language and SFIA
version with the English it translates (``source``) and the translation (``target``). Rules
declare a ``scope`` in the registry and receive, accordingly, one unit (``segment``), the
units of one skill page (``page``), every unit of one language and version (``corpus``), or
the English segments (``source``, ``source-page``). A rule returns :class:`Hit` records;
this module turns them into findings (schema.FINDING) with the configured severity, drops
the suppressed ones and reports suppressions that matched nothing.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import langdata, schema
from pipeline.checks.registry import REGISTRY, Check, finding, register
from pipeline.config import read_toml
from pipeline.errors import ConfigError
from pipeline.keys import DEFAULT_PATTERN, format_key

register("QA001", "suppression-unused", "info",
         "A suppression in the suppressions file matches no finding any more.",
         rationale="A stale suppression hides nothing today but would silently hide a new, real finding "
                   "on the same segment tomorrow; delete it so the file stays a list of live decisions.",
         group="meta", scope="meta")(None)

RESERVED_OPTIONS = {"enabled", "severity", "languages"}
SOURCE_SCOPES = {"source", "source-page"}


@dataclass
class Unit:
    """One segment to check: a translation with its English, or (lang 'en') an English segment."""

    lang: str
    framework: int | None
    skill: str
    element: str
    level: int | None
    item: int | None
    source: str | None          # the English (for an English unit: its own text)
    target: str | None          # the translation (None for English units and missing ones)
    origin: str | None          # where the checked text was read ('path:line', for display)
    status: str | None = None   # ok / missing / extra (alignment), None when unknown
    path: str | None = None     # the file of the checked text, and its line
    line: int | None = None

    @property
    def where(self) -> dict:
        return dict(lang=self.lang, framework=self.framework, skill=self.skill, element=self.element,
                    level=self.level, item=self.item, origin=self.origin, path=self.path, line=self.line)

    @property
    def label(self) -> str:
        return schema.label(self.element, self.level, self.item)


@dataclass
class Hit:
    unit: Unit
    message: str
    evidence: list[dict] = field(default_factory=list)


# --- glossaries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Glossary:
    """English term -> accepted target terms, for one language (``glossary/<lang>.toml``)."""

    lang: str
    terms: tuple[tuple[str, tuple[str, ...]], ...]
    path: str | None = None


def load_glossary(path: Path, lang: str) -> Glossary:
    data, _ = read_toml(path)
    unknown = sorted(set(data) - {"terms"})
    if unknown:
        raise ConfigError(path, f"unknown section(s) {', '.join(unknown)}: a glossary has one [terms] table")
    terms = []
    for en, accepted in (data.get("terms") or {}).items():
        if isinstance(accepted, str):
            accepted = [accepted]
        if (not isinstance(accepted, list) or not accepted
                or not all(isinstance(a, str) and a.strip() for a in accepted)):
            raise ConfigError(path, f"[terms] {en!r} must be a target term or a non-empty list of them")
        if not en.strip():
            raise ConfigError(path, "[terms] has an empty English term")
        terms.append((en.strip(), tuple(a.strip() for a in accepted)))
    return Glossary(langdata.base_tag(lang), tuple(terms), str(path))


def load_glossaries(folder: Path | None) -> dict[str, Glossary]:
    if folder is None or not Path(folder).is_dir():
        return {}
    return {p.stem: load_glossary(p, p.stem) for p in sorted(Path(folder).glob("*.toml"))}


# --- settings ---------------------------------------------------------------------------------


@dataclass
class Suppression:
    check: str
    key: str
    lang: str | None
    reason: str
    line: int
    used: int = 0

    def matches(self, f: dict, key: str) -> bool:
        if self.check not in (f["code"], f["check"]):
            return False
        if self.lang and langdata.base_tag(self.lang) != langdata.base_tag(f["lang"]):
            return False
        return fnmatch.fnmatchcase(key, self.key)


def load_suppressions(path: Path) -> list[Suppression]:
    """``[[suppress]]`` entries: check (code or name), key (segment key, * and ? allowed),
    lang (optional), reason (required)."""
    data, raw = read_toml(path)
    unknown = sorted(set(data) - {"suppress"})
    if unknown:
        raise ConfigError(path, f"unknown key(s) {', '.join(unknown)}: write [[suppress]] entries")
    lines = [n for n, line in enumerate(raw.splitlines(), start=1) if line.strip().startswith("[[suppress]]")]
    out = []
    entries = data.get("suppress", [])
    if not isinstance(entries, list):
        raise ConfigError(path, "suppress must be an array of tables: [[suppress]]")
    for i, e in enumerate(entries):
        line = lines[i] if i < len(lines) else 0
        where = f"{path}:{line}"
        extra = sorted(set(e) - {"check", "key", "lang", "reason"})
        if extra:
            raise ConfigError(where, f"unknown field(s) {', '.join(extra)} (allowed: check, key, lang, reason)")
        for req in ("check", "key", "reason"):
            if not isinstance(e.get(req), str) or not e[req].strip():
                raise ConfigError(where, f"suppression needs a non-empty {req!r}")
        try:
            c = get_check(e["check"])
        except KeyError:
            raise ConfigError(where, f"unknown check {e['check']!r}") from None
        lang = e.get("lang")
        if lang is not None and not isinstance(lang, str):
            raise ConfigError(where, "lang must be a language tag")
        out.append(Suppression(c.code, e["key"].strip(), lang, " ".join(e["reason"].split()), line))
    return out


def get_check(code_or_name: str) -> Check:
    for c in REGISTRY.values():
        if code_or_name in (c.code, c.name):
            return c
    raise KeyError(code_or_name)


@dataclass
class Settings:
    """The ``[checks]`` section of qa.toml, resolved."""

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
        return c.applies_to(lang) or (c.scope in SOURCE_SCOPES)


DEFAULT_SUPPRESSIONS = "qa-suppressions.toml"
DEFAULT_GLOSSARY = "glossary"


def settings_from(section: dict, where, resolve=Path, key_pattern: str = DEFAULT_PATTERN,
                  root: Path | None = None) -> Settings:
    """Build :class:`Settings` from a ``[checks]`` table. ``resolve`` turns a configured path
    into a real one (relative to qa.toml)."""
    from pipeline.checks import load_rules

    load_rules()
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
            c = get_check(k)
        except KeyError:
            raise ConfigError(where, f"[checks.{k}]: no check has this code or name") from None
        for opt, val in v.items():
            if opt == "enabled":
                if not isinstance(val, bool):
                    raise ConfigError(where, f"[checks.{k}] enabled must be true or false")
                s.enabled[c.code] = val
            elif opt == "severity":
                if val not in schema.SEVERITIES:
                    raise ConfigError(where, f"[checks.{k}] severity must be one of {', '.join(schema.SEVERITIES)}")
                s.severity[c.code] = val
            elif opt == "languages":
                if not isinstance(val, list) or not all(isinstance(x, str) for x in val):
                    raise ConfigError(where, f"[checks.{k}] languages must be a list of language tags")
                s.languages[c.code] = tuple(langdata.base_tag(x) for x in val)
            elif opt in c.settings:
                want = type(c.settings[opt])
                ok = isinstance(val, want) or (want is float and isinstance(val, int) and not isinstance(val, bool))
                if not ok:
                    raise ConfigError(where, f"[checks.{k}] {opt} must be a {want.__name__}")
                s.options.setdefault(c.code, {})[opt] = val
            else:
                known = sorted(RESERVED_OPTIONS | set(c.settings))
                raise ConfigError(where, f"[checks.{k}] unknown option {opt!r} (known: {', '.join(known)})")
    sup = section.get("suppressions")
    sup_path = resolve(sup if sup else DEFAULT_SUPPRESSIONS)
    if Path(sup_path).is_file():
        s.suppressions = load_suppressions(Path(sup_path))
        from pipeline.ingest import display_path

        s.suppressions_path = display_path(sup_path, root) if root is not None else str(sup_path)
    elif sup:
        raise ConfigError(where, f"[checks] suppressions file {sup_path} not found")
    glo = section.get("glossary")
    glo_path = resolve(glo if glo else DEFAULT_GLOSSARY)
    if glo and not Path(glo_path).is_dir():
        raise ConfigError(where, f"[checks] glossary folder {glo_path} not found")
    s.glossaries = load_glossaries(Path(glo_path))
    return s


# --- units ------------------------------------------------------------------------------------


_int, _str = schema.opt_int, schema.opt_str


def units_from_alignment(alignment: pd.DataFrame) -> list[Unit]:
    """One unit per (lang, key, framework) that has a translation file: SFIA 9 translations
    against the SFIA 9 English, SFIA 8 translations against the SFIA 8 English."""
    out = []
    for r in alignment.itertuples(index=False):
        for fw in (9, 8):
            status = _str(getattr(r, f"status_{fw}"))
            if status is None:
                continue
            item = _int(getattr(r, f"item_{fw}")) if r.element in ("guidance", "activity") else None
            if item is None and r.element in ("guidance", "activity"):
                item = _int(r.item)
            out.append(Unit(lang=r.lang, framework=fw, skill=r.skill, element=r.element, level=_int(r.level),
                            item=item, source=_str(getattr(r, f"en_{fw}")), target=_str(getattr(r, f"tgt_{fw}")),
                            origin=_str(getattr(r, f"origin_tgt_{fw}")), status=status,
                            path=_str(getattr(r, f"path_tgt_{fw}")), line=_int(getattr(r, f"line_tgt_{fw}"))))
    return out


def units_from_segments(df: pd.DataFrame, english: bool) -> list[Unit]:
    """Units straight from a segment table: English ones (source checks) or translations
    without their English (only the checks that need no source run on them)."""
    out = []
    for r in df.itertuples(index=False):
        text = _str(r.text)
        out.append(Unit(lang="en" if english else r.lang, framework=_int(r.framework), skill=r.skill, element=r.element,
                        level=_int(r.level), item=_int(r.item), source=text if english else None,
                        target=None if english else text, origin=_str(r.origin),
                        status=None, path=_str(r.path), line=_int(r.line)))
    return out


# --- running ----------------------------------------------------------------------------------


def _groups(units: Iterable[Unit], by) -> dict:
    g = defaultdict(list)
    for u in units:
        g[by(u)].append(u)
    return g


def _order(u: Unit):
    return (schema.ELEMENT_ORDER.get(u.element, 9), u.level or 0, u.item or 0)


class Env:
    """What rules may consult besides the units: language data, glossaries, known skill codes."""

    def __init__(self, settings: Settings, skills: Iterable[str] = ()):
        self.settings = settings
        self.skills = frozenset(skills)

    @staticmethod
    def lang(code: str):
        return langdata.load(code)

    def glossary(self, lang: str) -> Glossary | None:
        return self.settings.glossaries.get(langdata.base_tag(lang))


def run_checks(units: list[Unit], settings: Settings, english: list[Unit] = (),
               only: Iterable[str] | None = None, report_unused=True) -> pd.DataFrame:
    """Every enabled rule over the translated ``units`` and the ``english`` units -> findings.

    ``report_unused``: True to report every suppression that matched nothing (QA001), or a
    predicate choosing which ones (``sfia-qa check`` sees only part of the corpus)."""
    from pipeline.checks import load_rules

    load_rules()
    env = Env(settings, {u.skill for u in units} | {u.skill for u in english})
    wanted = set(only) if only else None
    hits: list[tuple[Check, Hit]] = []
    tr_units = sorted(units, key=lambda u: (u.lang, u.framework or 0, u.skill, *_order(u)))
    en_units = sorted(english, key=lambda u: (u.framework or 0, u.skill, *_order(u)))
    for c in sorted(REGISTRY.values(), key=lambda c: c.code):
        if c.func is None or (wanted is not None and c.code not in wanted and c.name not in wanted):
            continue
        opts = settings.opts(c)
        pool = en_units if c.scope in SOURCE_SCOPES else tr_units
        pool = [u for u in pool if settings.is_enabled(c, u.lang)]
        if c.scope in ("segment", "source"):
            for u in pool:
                hits.extend((c, h) for h in c.func(u, env, opts) or ())
        elif c.scope in ("page", "source-page"):
            for _k, grp in sorted(_groups(pool, lambda u: (u.lang, u.framework or 0, u.skill)).items()):
                hits.extend((c, h) for h in c.func(sorted(grp, key=_order), env, opts) or ())
        elif c.scope == "corpus":
            for _k, grp in sorted(_groups(pool, lambda u: (u.lang, u.framework or 0)).items()):
                hits.extend((c, h) for h in c.func(grp, env, opts) or ())
    records = []
    for c, h in hits:
        records.append(finding(c, message=h.message, evidence=h.evidence,
                               severity=settings.severity.get(c.code), **h.unit.where))
    records = _suppress(records, settings, report_unused)
    df = schema.make(schema.FINDING, records)
    if len(df):
        df = _sort(df)
    return schema.validate(df, schema.FINDING, "check findings")


def _sort(df: pd.DataFrame) -> pd.DataFrame:
    tmp = df.assign(_eo=df["element"].map(schema.ELEMENT_ORDER).fillna(-1),
                    _fw=df["framework"].fillna(0), _lv=df["level"].fillna(0), _it=df["item"].fillna(0))
    tmp = tmp.sort_values(["lang", "_fw", "skill", "_eo", "_lv", "_it", "code"], kind="stable", na_position="first")
    return tmp.drop(columns=["_eo", "_fw", "_lv", "_it"]).reset_index(drop=True)


def finding_key(f: dict, pattern: str = DEFAULT_PATTERN) -> str:
    if not f.get("skill") or not f.get("element"):
        return ""
    return format_key(f["skill"], f["element"], f.get("level"), f.get("item"), f.get("framework") or 9, pattern)


def _suppress(records: list[dict], settings: Settings, report_unused=True) -> list[dict]:
    if not settings.suppressions:
        return records
    reset_suppressions(settings)
    kept = []
    for f in records:
        key = finding_key(f, settings.key_pattern)
        hit = next((s for s in settings.suppressions if s.matches(f, key)), None)
        if hit is None:
            kept.append(f)
        else:
            hit.used += 1
    for s in settings.suppressions:
        wanted = report_unused(s) if callable(report_unused) else report_unused
        if not s.used and wanted:
            kept.append(finding("QA001", lang=s.lang or "all", origin=f"{settings.suppressions_path}:{s.line}",
                                path=settings.suppressions_path, line=s.line,
                                severity=settings.severity.get("QA001"),
                                message=f"The suppression of {s.check} for {s.key}"
                                        f"{' (' + s.lang + ')' if s.lang else ''} matches no finding; "
                                        "delete it from the suppressions file."))
    return kept


def reset_suppressions(settings: Settings) -> None:
    for s in settings.suppressions:
        s.used = 0
