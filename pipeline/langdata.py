"""Per-language knowledge, read from data files in ``pipeline/lang/<code>.toml``.

Heading words, page boilerplate, not-defined placeholders, punctuation rules and the
like are data: adding a language means adding one TOML file, not code. ``_common.toml``
holds the rules every language shares; a language file extends its lists and tables.
Other stages (checks, glossaries) read their own sections of the same file through
:func:`load`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from pipeline.config import read_toml
from pipeline.errors import ConfigError

LANG_DIR = Path(str(resources.files("pipeline") / "lang"))


def base_tag(tag: str) -> str:
    """'en-US' -> 'en', 'pt_BR' -> 'pt'."""
    return re.split(r"[-_]", tag.strip())[0].lower()


def normalize_tag(tag: str) -> str:
    """'en_us' -> 'en-US', 'AR' -> 'ar' (BCP-47 casing)."""
    parts = re.split(r"[-_]", tag.strip())
    out = [parts[0].lower()]
    for p in parts[1:]:
        out.append(p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p.lower())
    return "-".join(out)


def available() -> list[str]:
    return sorted(p.stem for p in LANG_DIR.glob("*.toml") if not p.stem.startswith("_"))


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        elif isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = out[k] + v
        else:
            out[k] = v
    return out


def _read(path: Path) -> dict:
    return read_toml(path)[0]


def _compile(path: Path, pattern: str, flags: int = re.IGNORECASE) -> re.Pattern:
    try:
        return re.compile(pattern, flags)
    except re.error as e:
        raise ConfigError(path, f"bad regular expression {pattern!r}: {e}") from None


def _norm_line(s: str) -> str:
    return " ".join(s.split()).rstrip(":：").strip().casefold()


@dataclass(frozen=True)
class PageRules:
    level_heading: re.Pattern
    guidance_headings: frozenset[str]
    title_suffixes: tuple[str, ...]
    not_defined: tuple[re.Pattern, ...]
    boilerplate_lines: frozenset[str]
    boilerplate_blocks: tuple[tuple[re.Pattern, re.Pattern], ...]
    bullets: tuple[str, ...]
    markers: dict[str, str]
    level_row: re.Pattern

    def is_guidance_heading(self, line: str) -> bool:
        return _norm_line(line) in self.guidance_headings

    def is_boilerplate_line(self, line: str) -> bool:
        return _norm_line(line) in self.boilerplate_lines or bool(self.level_row.match(line))

    def is_not_defined(self, text: str) -> bool:
        return any(p.search(text) for p in self.not_defined)

    def marker_of(self, line: str) -> str | None:
        return self.markers.get(_norm_line(line))

    def split_marker(self, line: str) -> tuple[str, str | None]:
        """'Poziom 3 (modified)' -> ('Poziom 3', 'modified')."""
        low = line.casefold().rstrip()
        for token, marker in self.markers.items():
            if low.endswith(token) and len(low) > len(token):
                return line.rstrip()[: -len(token)].rstrip(), marker
        return line, None

    def bullet_text(self, line: str) -> str | None:
        """The text of a bullet line, '' for a bare bullet, None when not a bullet."""
        for b in self.bullets:
            if line == b:
                return ""
            if line.startswith(b) and len(line) > len(b) and line[len(b)].isspace():
                return line[len(b):].strip()
        return None


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    english_name: str
    scripts: tuple[str, ...]
    direction: str
    langdetect: str | None
    page: PageRules
    raw: dict = field(repr=False, hash=False, compare=False)
    path: Path | None = None

    def section(self, name: str) -> dict:
        """Any other section of the data file, e.g. 'punctuation' or 'checks'."""
        return self.raw.get(name, {})


@cache
def load(tag: str) -> Language:
    """The language data for a BCP-47 tag ('en-US' falls back to 'en')."""
    code = base_tag(tag)
    path = LANG_DIR / f"{code}.toml"
    if not path.is_file():
        raise ConfigError(None, f"no language data for {tag!r}: add pipeline/lang/{code}.toml "
                                f"(available: {', '.join(available())})")
    data = _merge(_read(LANG_DIR / "_common.toml"), _read(path))
    meta = data.get("language", {})
    page = data.get("page", {})
    if "level_heading" not in page:
        raise ConfigError(path, "page.level_heading is required")
    rules = PageRules(
        level_heading=_compile(path, page["level_heading"]),
        guidance_headings=frozenset(_norm_line(h) for h in page.get("guidance_headings", [])),
        title_suffixes=tuple(page.get("title_suffixes", [])),
        not_defined=tuple(_compile(path, p) for p in page.get("not_defined", [])),
        boilerplate_lines=frozenset(_norm_line(x) for x in page.get("boilerplate_lines", [])),
        boilerplate_blocks=tuple((_compile(path, b["start"]), _compile(path, b["end"]))
                                 for b in page.get("boilerplate_blocks", [])),
        bullets=tuple(sorted(page.get("bullets", []), key=len, reverse=True)),
        markers={k.casefold(): v for k, v in page.get("markers", {}).items()},
        level_row=_compile(path, page.get("level_row", r"^[\s|0-9]+$")),
    )
    return Language(
        code=code,
        name=meta.get("name", code),
        english_name=meta.get("english_name", code),
        scripts=tuple(meta.get("scripts", ["Latin"])),
        direction=meta.get("direction", "ltr"),
        langdetect=meta.get("langdetect", code),
        page=rules,
        raw=data,
        path=path,
    )
