"""Suppressions: reviewed findings the team keeps as they are (``qa-suppressions.toml``).

Each ``[[suppress]]`` entry names a check (code or name), a segment key (``*`` and ``?``
allowed), optionally a language, and a reason. :func:`apply` drops the findings an entry
matches and returns how often each entry matched, so a stale entry is reported (QA001).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from pipeline import langdata
from pipeline.config import read_toml
from pipeline.errors import ConfigError
from pipeline.keys import DEFAULT_PATTERN, format_key


@dataclass(frozen=True)
class Suppression:
    check: str
    key: str
    lang: str | None
    reason: str
    line: int

    def matches(self, f: dict, key: str) -> bool:
        if self.check not in (f["code"], f["check"]):
            return False
        if self.lang and langdata.base_tag(self.lang) != langdata.base_tag(f["lang"]):
            return False
        return fnmatch.fnmatchcase(key, self.key)


def load_suppressions(path: Path) -> list[Suppression]:
    """``[[suppress]]`` entries: check (code or name), key (segment key, * and ? allowed),
    lang (optional), reason (required)."""
    from pipeline.checks.registry import get

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
            c = get(e["check"])
        except KeyError:
            raise ConfigError(where, f"unknown check {e['check']!r}") from None
        lang = e.get("lang")
        if lang is not None and not isinstance(lang, str):
            raise ConfigError(where, "lang must be a language tag")
        out.append(Suppression(c.code, e["key"].strip(), lang, " ".join(e["reason"].split()), line))
    return out


def finding_key(f: dict, pattern: str = DEFAULT_PATTERN) -> str:
    """The segment key a finding is about ('' for one that is not about a segment)."""
    if not f.get("skill") or not f.get("element"):
        return ""
    return format_key(f["skill"], f["element"], f.get("level"), f.get("item"), f.get("framework") or 9, pattern)


def apply(records: list[dict], suppressions: list[Suppression],
          pattern: str = DEFAULT_PATTERN) -> tuple[list[dict], list[int]]:
    """(the findings no entry matches, how many findings each entry matched)."""
    used = [0] * len(suppressions)
    if not suppressions:
        return records, used
    kept = []
    for f in records:
        key = finding_key(f, pattern)
        hit = next((i for i, s in enumerate(suppressions) if s.matches(f, key)), None)
        if hit is None:
            kept.append(f)
        else:
            used[hit] += 1
    return kept, used
