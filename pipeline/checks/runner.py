"""Run the catalogued rules over units and turn their hits into findings (schema.FINDING).

Rules receive, by their ``scope``: one unit (``segment``, ``source``, ``candidate``, ``draft``),
the units of one skill page (``page``, ``source-page``) or every unit of one language and SFIA
version (``corpus``). Hits become findings with the configured severity; suppressed ones are
dropped, and each suppression that matched nothing is reported (QA001).
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import cache, langdata, parallel, schema
from pipeline.checks import registry
from pipeline.checks import suppressions as sup_mod
from pipeline.checks.glossary import Glossary
from pipeline.checks.registry import REGISTRY, Check, finding
from pipeline.checks.settings import Settings
from pipeline.checks.units import Hit, Unit

_PER_UNIT = {"segment", "source", "candidate", "draft"}
_PER_PAGE = {"page", "source-page"}
# one-unit scopes whose findings are kept per unit (UnitMemo): the translations' and the English's
# rules are where the time goes; a candidate's or a draft's are a lookup of what scoring found,
# cheaper than the digest that would stand for the unit
_MEMO_SCOPES = {"segment", "source"}
UNIT_FIELDS = tuple(f.name for f in dataclasses.fields(Unit))


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


@dataclass(frozen=True)
class Outcome:
    findings: pd.DataFrame      # schema.FINDING, sorted
    suppression_use: tuple[int, ...]  # per entry of the suppressions file: findings it matched


def _order(u: Unit):
    return (schema.ELEMENT_ORDER.get(u.element, 9), u.level or 0, u.item or 0)


def _groups(units: Iterable[Unit], by) -> dict:
    g = defaultdict(list)
    for u in units:
        g[by(u)].append(u)
    return g


def _hits(c: Check, pool: list[Unit], env: Env, opts: dict) -> Iterable[Hit]:
    func = c.func
    assert func is not None
    if c.scope in _PER_UNIT:
        for u in pool:
            yield from func(u, env, opts) or ()
    elif c.scope in _PER_PAGE:
        for _k, grp in sorted(_groups(pool, lambda u: (u.lang, u.framework or 0, u.skill)).items()):
            yield from func(sorted(grp, key=_order), env, opts) or ()
    elif c.scope in ("corpus", "source-corpus"):
        for _k, grp in sorted(_groups(pool, lambda u: (u.lang, u.framework or 0)).items()):
            yield from func(grp, env, opts) or ()


def _pools(units: list[Unit], english: Sequence[Unit], candidates: Sequence[Unit],
           drafts: Sequence[Unit]) -> dict[str, list[Unit]]:
    tr = sorted(units, key=lambda u: (u.lang, u.framework or 0, u.skill, *_order(u)))
    en = sorted(english, key=lambda u: (u.framework or 0, u.skill, *_order(u)))
    return {"segment": tr, "page": tr, "corpus": tr, "source": en, "source-page": en, "source-corpus": en,
            "candidate": list(candidates), "draft": list(drafts)}


def run_checks(units: list[Unit], settings: Settings, english: Sequence[Unit] = (),
               only: Iterable[str] | None = None, report_unused: bool | Callable = True,
               candidates: Sequence[Unit] = (), drafts: Sequence[Unit] = ()) -> pd.DataFrame:
    """Every enabled rule over the units -> findings. ``report_unused``: True to report every
    suppression that matched nothing (QA001), or a predicate choosing which ones (``sfia-qa check``
    sees only part of the corpus)."""
    return check_units(units, settings, english, only, report_unused, candidates, drafts).findings


@dataclass(frozen=True)
class CandidateTable:
    """The score stage's scored candidates (schema.CANDIDATE), made units one language at a time
    where that language is checked, and only when it is: ``digests`` (the score stage's digest of
    everything a language's candidates were scored from) stand for a language's candidate units in
    its stored findings' key."""

    table: pd.DataFrame
    digests: Mapping[str, str]

    def units(self, lang: str) -> list[Unit]:
        from pipeline.checks.units import units_from_candidates

        t = self.table
        return units_from_candidates(t[t["lang"] == lang]) if len(t) else []


def check_units(units: list[Unit], settings: Settings, english: Sequence[Unit] = (),
                only: Iterable[str] | None = None, report_unused: bool | Callable = True,
                candidates: Sequence[Unit] | CandidateTable = (), drafts: Sequence[Unit] = (),
                memo: Path | None = None) -> Outcome:
    """Every enabled check over the units, language by language. ``memo``: a cache folder where
    each language's findings are kept under a digest of everything its checks read (the code and
    language data, the settings, the dictionaries installed, the language's units), so a language
    whose inputs did not change since an earlier run is not checked again. ``candidates``: units,
    or a :class:`CandidateTable` made units per language (in the worker checking it)."""
    lazy = candidates if isinstance(candidates, CandidateTable) else None
    eager: Sequence[Unit] = () if isinstance(candidates, CandidateTable) else candidates
    lazy_counts: dict[str, int] = {}
    if lazy is not None and len(lazy.table):
        lazy_counts = lazy.table["lang"].value_counts().to_dict()
    env = Env(settings, {u.skill for u in units} | {u.skill for u in english})
    wanted = set(only) if only else None
    checks = [c for c in REGISTRY.values()
              if c.func is not None and c.scope != "meta" and (wanted is None or {c.code, c.name} & wanted)]
    pools = _pools(units, english, eager, drafts)
    # Every rule sees the units of one language at most (a unit, a page, a language's corpus), so
    # languages are checked independently, one per process (pipeline.parallel); each language's
    # findings come in rule order as in one loop, and languages never tie in the final sort.
    by_lang: dict[str, dict[str, list[Unit]]] = defaultdict(lambda: {scope: [] for scope in pools})
    for scope, pool in pools.items():
        for u in pool:
            by_lang[u.lang][scope].append(u)
    for lang in lazy_counts:
        by_lang[lang]  # noqa: B018  (a language with candidates only is checked too)
    langs = sorted(by_lang)

    common = _memo_common(settings, env, checks) if memo is not None else None

    def one(lang: str) -> list[dict]:
        pools_l = dict(by_lang[lang])
        stands_for = None  # the digest standing for the language's candidate units in its key
        if lazy is not None:
            stands_for = lazy.digests.get(lang) if lazy_counts.get(lang) else "no candidates"
            if stands_for is None:  # no digest: the units themselves go into the key
                pools_l["candidate"] = lazy.units(lang)
        key = _memo_key(common, lang, pools_l, stands_for) if common is not None else None
        if key is not None:
            kept = cache.read_json(cache.result_kind("check", lang), key, memo)
            if isinstance(kept, list) and all(isinstance(f, dict) and set(f) == FINDING_KEYS for f in kept):
                return kept
        if lazy is not None and stands_for is not None:
            pools_l["candidate"] = lazy.units(lang)
        # something of the language changed: the one-unit checks of its units that did not
        # change come from the earlier run's findings per unit
        units_memo = UnitMemo(memo, common, lang) if common is not None else None
        out = []
        for c in checks:
            pool = pools_l[c.scope] if settings.is_enabled(c, lang) else []
            if not pool:
                continue
            opts = settings.opts(c)
            severity = settings.severity.get(c.code)
            if units_memo is not None and c.scope in _MEMO_SCOPES:
                out += units_memo.run(c, pool, env, opts, severity)
                continue
            for h in _hits(c, pool, env, opts):
                out.append(finding(c, message=h.message, evidence=h.evidence, severity=severity, **h.unit.where))
        registry.finish()
        if key is not None:
            cache.write_json(cache.result_kind("check", lang), key, out, memo, keep=cache.RESULT_KEEP)
        if units_memo is not None:
            units_memo.store()
        return out

    def size(lang: str) -> int:
        return sum(len(p) for p in by_lang[lang].values()) + lazy_counts.get(lang, 0)

    records = [r for part in parallel.map_forked(one, langs, cost=size) for r in part]
    kept, used = sup_mod.apply(records, settings.suppressions, settings.key_pattern)
    kept += _unused(settings, used, report_unused)
    df = schema.make(schema.FINDING, kept)
    if len(df):
        df = _sort(df)
    return Outcome(schema.validate(df, schema.FINDING, "check findings"), tuple(used))


FINDING_KEYS = set(schema.columns(schema.FINDING))


def _memo_common(settings: Settings, env, checks: list) -> str | None:
    """What every language's checks read besides its own units: code, language data, settings,
    the skills in the run, which checks run, and the spelling dictionaries installed."""
    from pipeline.checks import rules_spelling

    try:
        return cache.key_of(cache.code_digest(), repr(settings), repr(sorted(env.skills)),
                            repr([c.code for c in checks]), rules_spelling.installed_fingerprint())
    except (OSError, AttributeError):
        return None


_UNIT_VALUES = operator.attrgetter(*UNIT_FIELDS)


def _memo_key(common: str, lang: str, pools: dict[str, list[Unit]], candidates: str | None = None) -> str:
    """A digest of the language's units in every scope: each distinct unit's fields once (the
    segment, page and corpus scopes hold the same units), and each scope as the list of its units;
    ``candidates``: a digest standing for the candidate units (:class:`CandidateTable`)."""
    h = hashlib.sha256(common.encode() + b"\0" + lang.encode("utf-8", "surrogatepass"))
    if candidates is not None:
        h.update(b"\0candidates as scored from " + candidates.encode("utf-8", "surrogatepass"))
    index: dict[int, int] = {}
    values: list[tuple] = []
    for scope in sorted(pools):
        ids = []
        for u in pools[scope]:
            i = index.get(id(u))
            if i is None:
                i = index[id(u)] = len(values)
                values.append(_UNIT_VALUES(u))
            ids.append(i)
        h.update(b"\0scope " + scope.encode() + b" " + repr(ids).encode())
    h.update(b"\0units " + repr(values).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class UnitMemo:
    """The findings of the one-unit checks of the translations and the English (scopes
    ``segment`` and ``source``) per unit of one language, kept in the run cache between runs: when one skill of a
    language changes, its other units need not be checked again by those rules (the page and
    corpus checks still see the whole language).

    A unit is known by a digest of its scope and every field (:data:`UNIT_FIELDS`); the entry is
    valid only under the same ``common`` digest (code, language data, settings, the skills, the
    checks that run, the dictionaries), so a unit found in it had every one-unit check of its
    scope run on it, and a check it lists no findings for found none. What is stored is this
    run's units only. An entry of the wrong shape is ignored, never believed."""

    def __init__(self, folder: Path | None, common: str, lang: str):
        self.folder = folder
        self.kind = cache.result_kind("checkunit", lang)
        self.key = cache.key_of(common, "one-unit findings", lang)
        old = cache.read_json(self.kind, self.key, folder) if folder is not None else None
        self.old: dict = old if isinstance(old, dict) else {}
        self.new: dict[str, dict[str, list]] = {}
        self._digests: dict[tuple[str, int], list[str]] = {}
        self.reused = self.checked = 0

    def _pool_digests(self, scope: str, pool: list[Unit]) -> list[str]:
        """Each unit's digest, once per pool (the rules of a scope share its pool)."""
        got = self._digests.get((scope, id(pool)))
        if got is None:
            got = self._digests[(scope, id(pool))] = [
                hashlib.sha256(repr((scope, _UNIT_VALUES(u))).encode("utf-8", "surrogatepass")).hexdigest()[:32]
                for u in pool]
        return got

    def run(self, c: Check, pool: list[Unit], env: Env, opts: dict, severity: str | None) -> list[dict]:
        """The findings of the one-unit check ``c`` over ``pool``, in the pool's order: a unit found
        in the earlier run's entry gives its findings from there, any other is checked."""
        func, code, old, new = c.func, c.code, self.old, self.new
        assert func is not None
        out: list[dict] = []
        for u, d in zip(pool, self._pool_digests(c.scope, pool), strict=True):
            entry = new.get(d)
            if entry is None:
                entry = new[d] = {}
            was = old.get(d) if old else None
            if isinstance(was, dict):
                kept = was.get(code, [])
                if isinstance(kept, list) and all(isinstance(f, dict) and set(f) == FINDING_KEYS for f in kept):
                    self.reused += 1
                    if kept:
                        entry[code] = kept
                        out += kept
                    continue
            self.checked += 1
            fresh = [finding(c, message=h.message, evidence=h.evidence, severity=severity, **h.unit.where)
                     for h in func(u, env, opts) or ()]
            if fresh:
                entry[code] = fresh
                out += fresh
        return out

    def store(self) -> None:
        if self.folder is not None and self.checked:
            cache.write_json(self.kind, self.key, self.new, self.folder, keep=1)


def _unused(settings: Settings, used: list[int], report_unused) -> list[dict]:
    out = []
    for s, n in zip(settings.suppressions, used, strict=True):
        wanted = report_unused(s) if callable(report_unused) else report_unused
        if not n and wanted:
            out.append(finding("QA001", lang=s.lang or "all", origin=f"{settings.suppressions_path}:{s.line}",
                               path=settings.suppressions_path, line=s.line, severity=settings.severity.get("QA001"),
                               message=f"The suppression of {s.check} for {s.key}"
                                       f"{' (' + s.lang + ')' if s.lang else ''} matches no finding; "
                                       "delete it from the suppressions file."))
    return out


def _sort(df: pd.DataFrame) -> pd.DataFrame:
    tmp = df.assign(_eo=df["element"].map(schema.ELEMENT_ORDER).fillna(-1),
                    _fw=df["framework"].fillna(0), _lv=df["level"].fillna(0), _it=df["item"].fillna(0))
    tmp = tmp.sort_values(["lang", "_fw", "skill", "_eo", "_lv", "_it", "code"], kind="stable", na_position="first")
    return tmp.drop(columns=["_eo", "_fw", "_lv", "_it"]).reset_index(drop=True)
