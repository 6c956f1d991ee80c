"""Glossaries: ``glossary/<lang>.toml``, English term -> accepted target terms, and calques.

    [terms]
    "service level" = ["poziom usług"]                 # accepted renderings, the preferred first
    "business continuity" = { accepted = ["ciągłość działania"], forbidden = ["ciągłość biznesowa"],
                              source = "PN-EN ISO 22301" }

    [[calque]]                                          # a calque or false friend, term or not
    wrong = ["wstępne dochodzenie"]                     # phrases, matched inflection-tolerantly
    right = "wstępna analiza"
    english = ["investigat"]                            # optional: only where the English has one
    within = 0                                          # optional: other words allowed between
    source = "Kodeks postępowania karnego, art. 325a"   # where the judgement comes from

QA502/QA503 read the accepted renderings, QA506 the preferred one, QA507 the forbidden ones,
QA508 the calques.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline import langdata
from pipeline.config import read_toml
from pipeline.errors import ConfigError


@dataclass(frozen=True)
class Calque:
    """A rendering a reviewer flags at once (a calque, a false friend) and what to write instead."""

    wrong: tuple[str, ...]
    right: str
    source: str
    english: tuple[str, ...] = ()   # English word beginnings, one of which the source must contain
    within: int = 0                 # words allowed between the words of a wrong phrase (same clause)
    note: str = ""


@dataclass(frozen=True)
class Glossary:
    """English term -> accepted target terms (preferred first), for one language."""

    lang: str
    terms: tuple[tuple[str, tuple[str, ...]], ...]
    path: str | None = None
    forbidden: tuple[tuple[str, tuple[str, ...]], ...] = ()   # English term -> renderings never to use
    sources: tuple[tuple[str, str], ...] = ()                 # English term -> where the decision comes from
    calques: tuple[Calque, ...] = ()

    def preferred(self, en: str) -> str | None:
        return next((acc[0] for e, acc in self.terms if e == en and acc), None)

    def source_of(self, en: str) -> str:
        return next((s for e, s in self.sources if e == en), "")


def _strs(v, path, what: str, allow_empty: bool = False) -> tuple[str, ...]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or (not v and not allow_empty) or \
            not all(isinstance(a, str) and a.strip() for a in v):
        raise ConfigError(path, f"{what} must be a target term or a non-empty list of them")
    return tuple(a.strip() for a in v)


def _term(en, v, path):
    """(accepted, forbidden, source) of one [terms] entry."""
    if isinstance(v, dict):
        unknown = sorted(set(v) - {"accepted", "forbidden", "source", "note"})
        if unknown:
            raise ConfigError(path, f"[terms] {en!r}: unknown key(s) {', '.join(unknown)} "
                                    "(known: accepted, forbidden, source, note)")
        if "accepted" not in v:
            raise ConfigError(path, f"[terms] {en!r} needs accepted = [...] (the preferred rendering first)")
        src = v.get("source", "")
        if not isinstance(src, str) or not isinstance(v.get("note", ""), str):
            raise ConfigError(path, f"[terms] {en!r}: source and note must be strings")
        return (_strs(v["accepted"], path, f"[terms] {en!r}"),
                _strs(v.get("forbidden", []), path, f"[terms] {en!r} forbidden", allow_empty=True), src.strip())
    return _strs(v, path, f"[terms] {en!r}"), (), ""


def _calque(i: int, v, path) -> Calque:
    where = f"[[calque]] {i}"
    if not isinstance(v, dict):
        raise ConfigError(path, f"{where} must be a table")
    unknown = sorted(set(v) - {"wrong", "right", "source", "english", "within", "note"})
    if unknown:
        raise ConfigError(path, f"{where}: unknown key(s) {', '.join(unknown)}")
    for k in ("wrong", "right", "source"):
        if k not in v:
            raise ConfigError(path, f"{where} needs {k} (a calque without its source is an opinion)")
    for k in ("right", "source", "note"):
        if not isinstance(v.get(k, ""), str) or (k != "note" and not v[k].strip()):
            raise ConfigError(path, f"{where}: {k} must be a non-empty string")
    within = v.get("within", 0)
    if not isinstance(within, int) or isinstance(within, bool) or not 0 <= within <= 8:
        raise ConfigError(path, f"{where}: within must be a whole number from 0 to 8")
    return Calque(_strs(v["wrong"], path, f"{where} wrong"), v["right"].strip(), v["source"].strip(),
                  _strs(v.get("english", []), path, f"{where} english", allow_empty=True), within,
                  v.get("note", "").strip())


def load_glossary(path: Path, lang: str) -> Glossary:
    data, _ = read_toml(path)
    unknown = sorted(set(data) - {"terms", "calque"})
    if unknown:
        raise ConfigError(path, f"unknown section(s) {', '.join(unknown)}: a glossary has a [terms] table "
                                "and [[calque]] entries")
    terms, forbidden, sources = [], [], []
    for en, v in (data.get("terms") or {}).items():
        if not en.strip():
            raise ConfigError(path, "[terms] has an empty English term")
        accepted, bad, src = _term(en, v, path)
        clash = {a.casefold() for a in accepted} & {b.casefold() for b in bad}
        if clash:
            raise ConfigError(path, f"[terms] {en!r}: {sorted(clash)[0]!r} is both accepted and forbidden")
        terms.append((en.strip(), accepted))
        if bad:
            forbidden.append((en.strip(), bad))
        if src:
            sources.append((en.strip(), src))
    raw = data.get("calque", [])
    if not isinstance(raw, list):
        raise ConfigError(path, "calque must be [[calque]] entries")
    calques = tuple(_calque(i, v, path) for i, v in enumerate(raw, 1))
    return Glossary(langdata.base_tag(lang), tuple(terms), str(path), tuple(forbidden), tuple(sources), calques)


def load_glossaries(folder: Path | None) -> dict[str, Glossary]:
    if folder is None or not Path(folder).is_dir():
        return {}
    return {p.stem: load_glossary(p, p.stem) for p in sorted(Path(folder).glob("*.toml"))}
