"""Glossaries: ``glossary/<lang>.toml``, English term -> accepted target terms (QA502, QA503)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline import langdata
from pipeline.config import read_toml
from pipeline.errors import ConfigError


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
