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

from pipeline.config import Key, boolean, number, one_of, read_toml, string, strings
from pipeline.errors import ConfigError

LANG_DIR = Path(str(resources.files("pipeline") / "lang"))


def base_tag(tag: str) -> str:
    """'en-US' -> 'en', 'pt_BR' -> 'pt'."""
    return re.split(r"[-_]", tag.strip())[0].lower()


# A language tag as normalize_tag gives it, and as the reports use it in folder and file names
# (lang-<tag>/, drafts/<tag>/): what a file says is checked against it before it names anything.
TAG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")


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


def _regexes(v):
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        return "must be a list of regular expressions (strings)"
    for x in v:
        try:
            re.compile(x)
        except re.error as e:
            return f"has a bad regular expression {x!r} ({e})"
    return None


def _regex(v):
    return _regexes([v]) if isinstance(v, str) else "must be a regular expression (a string)"


def _pairs(v):
    ok = isinstance(v, list) and all(isinstance(p, list) and len(p) == 2 and all(isinstance(c, str) and c for c in p)
                                     for p in v)
    return None if ok else 'must be a list of [opening, closing] pairs, e.g. [["„", "”"]]'


def _char_table(v):
    ok = isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str) for k, x in v.items())
    return None if ok else 'must be a table of characters, e.g. { "," = "،" }'


def _markers(v):
    ok = isinstance(v, dict) and all(isinstance(k, str) and x in ("modified", "unchanged") for k, x in v.items())
    return None if ok else 'must map marker texts to "modified" or "unchanged"'


def _blocks(v):
    ok = isinstance(v, list) and all(isinstance(b, dict) and set(b) == {"start", "end"} and
                                     _regex(b["start"]) is None and _regex(b["end"]) is None for b in v)
    return None if ok else "must be a list of { start = regex, end = regex } tables"


def _forms(v):
    ok = isinstance(v, list) and all(isinstance(f, dict) and set(f) == {"name", "patterns"} and
                                     isinstance(f["name"], str) and f["name"].strip() and
                                     _regexes(f["patterns"]) is None and f["patterns"] for f in v)
    return None if ok else 'must be a list of { name = "verbal noun", patterns = [regex, ...] } tables'


def _heading_template(v):
    if not isinstance(v, str) or "{level}" not in v:
        return 'must be a string with {level} (and usually {name}), e.g. "{name}: Level {level}"'
    try:
        v.format(name="x", level=1)
    except (KeyError, IndexError, ValueError) as e:
        return f"is not a usable template ({e})"
    return None


def _level_heading(v):
    problem = _regex(v)
    if problem is None and "(?P<level>" not in v:
        return "must capture the level number as (?P<level>...)"
    return problem


def _encodings(v):
    import codecs

    problem = strings()(v)
    if problem:
        return problem
    for name in v:
        try:
            codecs.lookup(name)
        except LookupError:
            return f"has {name!r}, which is not an encoding Python knows (e.g. cp1250, cp1256, iso-8859-2)"
    return None


def legacy_encodings(tag: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the language's 8-bit code pages, its scripts) for :func:`pipeline.encoding.decode`;
    empty for no language or one without data."""
    if not tag or not (LANG_DIR / f"{base_tag(tag)}.toml").is_file() or not TAG_RE.match(normalize_tag(tag)):
        return (), ()
    lang = load(tag)
    return tuple(lang.section("language").get("legacy_encodings", [])), lang.scripts


# Every key a language data file may have, with its type. REQUIRED are the keys every target
# language needs: without them its pages cannot be read, or its drafts not written back.
LANG_SCHEMA: dict[str, dict[str, Key]] = {
    "language": {"code": Key(string), "name": Key(string), "english_name": Key(string),
                 "scripts": Key(strings(nonempty=True)), "direction": Key(one_of("ltr", "rtl")),
                 "langdetect": Key(string), "legacy_encodings": Key(_encodings)},
    "page": {"level_heading": Key(_level_heading), "guidance_headings": Key(strings(nonempty=True)),
             "title_suffixes": Key(strings()), "not_defined": Key(_regexes), "boilerplate_lines": Key(strings()),
             "boilerplate_blocks": Key(_blocks), "bullets": Key(strings()), "markers": Key(_markers),
             "marker_like": Key(_regexes),
             "level_row": Key(_regex)},
    "punctuation": {"quote_pairs": Key(_pairs), "latin_to_native": Key(_char_table),
                    "space_before": Key(strings())},
    "langid": {"marks": Key(strings()), "min_marks": Key(number(1, whole=True)), "letters": Key(strings()),
               "min_letters": Key(number(1, whole=True)), "confusable": Key(strings())},
    "checks": {"typical_length_ratio": Key(number(0.1, 10)), "abbreviations": Key(strings()),
               "repeat_ok": Key(strings()), "leak_patterns": Key(_regexes)},
    "morphology": {"prefixes": Key(strings()), "min_stem": Key(number(1, whole=True)),
                   "max_suffix": Key(number(0, whole=True)), "suffixes": Key(strings()),
                   "coordinators": Key(strings()), "coordination_prefixes": Key(strings())},
    "lists": {"forms": Key(_forms), "strip_prefixes": Key(strings()), "min_items": Key(number(2, whole=True))},
    "draft": {"level_heading": Key(_heading_template)},
    "script": {"digits": Key(string), "stretching": Key(strings())},
    "spelling": {"dictionaries": Key(strings()), "enabled": Key(boolean), "packages": Key(strings())},
}
REQUIRED = ("language.code", "language.name", "language.english_name", "language.scripts", "language.direction",
            "page.level_heading", "page.guidance_headings", "page.not_defined", "punctuation.quote_pairs",
            "draft.level_heading")


def validate(data: dict, path: Path, required: tuple[str, ...] = REQUIRED) -> None:
    """Refuse an unknown section or key, a value of the wrong type, or a missing required key,
    with one line naming the file and the key."""
    from pipeline.config import _near

    for name, section in data.items():
        keys = LANG_SCHEMA.get(name)
        if keys is None:
            raise ConfigError(path, f"unknown section [{name}]{_near(name, LANG_SCHEMA)}; "
                                    f"known: {', '.join(sorted(LANG_SCHEMA))}")
        if not isinstance(section, dict):
            raise ConfigError(path, f"{name} must be a [{name}] table")
        for k, v in section.items():
            if k not in keys:
                raise ConfigError(path, f"[{name}] unknown key {k!r}{_near(k, keys)}; known: {', '.join(sorted(keys))}")
            problem = keys[k].check(v)
            if problem:
                raise ConfigError(path, f"[{name}] {k} {problem}")
    for dotted in required:
        sec, key = dotted.split(".")
        if key not in data.get(sec, {}):
            raise ConfigError(path, f"[{sec}] {key} is required (see pipeline/lang/README.md)")


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
    if not re.fullmatch(r"[a-z]{2,3}", code):  # (a tag from the command line names a file here)
        raise ConfigError(None, f"not a language tag: {tag!r:.40} (like pl, ar or pt-BR)")
    path = LANG_DIR / f"{code}.toml"
    if not path.is_file():
        raise ConfigError(None, f"no language data for {tag!r}: add pipeline/lang/{code}.toml "
                                f"(available: {', '.join(available())})")
    own = _read(path)
    validate(own, path)
    if own["language"]["code"] != code:
        raise ConfigError(path, f"[language] code is {own['language']['code']!r} but the file is named {code}.toml")
    common = _read(LANG_DIR / "_common.toml")
    validate(common, LANG_DIR / "_common.toml", required=())
    data = _merge(common, own)
    meta = data.get("language", {})
    page = data.get("page", {})
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
