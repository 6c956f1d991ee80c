"""QA409 spelling (translations) and QA712 source-spelling (the English), with Hunspell dictionaries.

Dictionaries are the system's Hunspell files (Debian: hunspell-pl, hunspell-ar, hunspell-cs,
hunspell-en-gb, hunspell-en-us, under /usr/share/hunspell), named by the language data's
``[spelling] dictionaries``, read with spylls (Hunspell in pure Python) once per process, and
asked once per distinct word. ``SFIA_QA_HUNSPELL_PATH`` (folders separated by ':') overrides
where they are looked for. Where a dictionary or spylls is missing, the check skips that
language with one line on stderr (once per process), and finds nothing.

A word is reported only when neither the dictionary nor the project word list knows it. The
word list is the SFIA vocabulary the dictionaries lack: ``pipeline/data/words/<lang>.txt``
(one word a line, '#' comments), the words of the glossary's renderings, and the skill's name
as the page's title gives it.
"""

from __future__ import annotations

import os
import re
import sys
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from pipeline import langdata
from pipeline.checks.registry import register
from pipeline.checks.text import morph, span, strip_marks, words
from pipeline.checks.units import Hit

MAX_WORD = 40
DEFAULT_DIRS = ("/usr/share/hunspell", "/usr/share/myspell/dicts", "/usr/share/myspell")
_warned: set[str] = set()


def _dirs() -> tuple[str, ...]:
    env = os.environ.get("SFIA_QA_HUNSPELL_PATH")
    return tuple(d for d in env.split(os.pathsep) if d) if env else DEFAULT_DIRS


def _say_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        print(f"sfia-qa: {message}", file=sys.stderr)


_STEM_END = re.compile(r"(?<!\\)/|\t| [a-z][a-z]:")


def _lazy_dictionary(base: Path):
    """A spylls dictionary whose .dic entries are parsed when a lookup first asks for their stem.

    spylls parses every entry of the .dic file up front (7 seconds for Polish or Arabic); lookups
    only ever ask for the entries of one stem (``homonyms``). Here the file is read once into
    stem -> raw lines, and spylls' own reader parses the lines of a stem on first use, so the
    results are spylls' exactly, at a fraction of the start-up time."""
    from spylls.hunspell import Dictionary, readers
    from spylls.hunspell.data import dic as dic_mod
    from spylls.hunspell.readers.file_reader import FileReader

    aff, context = readers.read_aff(FileReader(str(base.with_suffix(".aff"))))
    with open(base.with_suffix(".dic"), encoding=context.encoding, errors="surrogateescape") as f:
        text = f.read()
    lines = text.splitlines()
    # the stems as spylls sees them: IGNORE characters removed (Arabic short vowels); they never
    # stand in flags, so removing them from the whole file keeps lines aligned
    keys = text.translate(context.ignore.tr).splitlines() if context.ignore else lines
    raw: dict[str, list[str]] = {}
    for n, (line, k) in enumerate(zip(lines, keys, strict=True)):
        line, k = line.strip(), k.strip()
        if not line or (n == 0 and line.isdigit()):
            continue
        if "\t" in k or ":" in k or "\\" in k:
            m = _STEM_END.search(k, 1)
            key = (k[: m.start()] if m else k).replace("\\/", "/")
        else:
            key = k.split("/", 1)[0] if not k.startswith("/") else k
        raw.setdefault(key, []).append(line)
    lower_map: dict[str, list[str]] = {}

    def lower(stem: str) -> list[str]:
        if not lower_map:
            for key in raw:
                lower_map.setdefault(key.lower(), []).append(key)
        return lower_map.get(stem, [])

    class LazyDic(dic_mod.Dic):
        def __init__(self):
            super().__init__(words=[])
            self._parsed: dict[str, dic_mod.Dic] = {}

        def _dic(self, key: str) -> dic_mod.Dic:
            d = self._parsed.get(key)
            if d is None:
                lines = [(i + 2, ln) for i, ln in enumerate(raw.get(key, ()))]
                d = readers.read_dic(iter(lines), aff=aff, context=context) if lines else dic_mod.Dic(words=[])
                self._parsed[key] = d
            return d

        def homonyms(self, stem, *, ignorecase=False):
            if ignorecase:
                return [w for key in lower(stem) for w in self._dic(key).lowercase_index.get(stem, [])]
            return self._dic(stem).index.get(stem, [])

    return Dictionary(aff, LazyDic())


@cache
def _load(name: str, dirs: tuple[str, ...]):
    """The spylls dictionary ``name`` (e.g. 'pl_PL') from the first folder that has both files, or None."""
    try:
        import spylls  # noqa: F401
    except ImportError:
        return None
    for d in dirs:
        base = Path(d) / name
        if base.with_suffix(".aff").is_file() and base.with_suffix(".dic").is_file():
            return _lazy_dictionary(base)
    return None


class Speller:
    """The union of a language's dictionaries, each loaded when a word first needs it (a word the
    first one knows never loads the second); ``known(word)`` cached per word."""

    def __init__(self, names: tuple[str, ...], dirs: tuple[str, ...]):
        self.names, self.dirs = names, dirs

    def _dicts(self):
        for n in self.names:
            d = _load(n, self.dirs)
            if d is not None:
                yield d

    @lru_cache(maxsize=200_000)  # noqa: B019 - one speller per language and process (speller())
    def known(self, word: str) -> bool:
        bare = strip_marks(word)
        return any(d.lookup(word) or (bare != word and d.lookup(bare)) for d in self._dicts())


def _installed(name: str, dirs: tuple[str, ...]) -> bool:
    return any((Path(d) / f"{name}.aff").is_file() and (Path(d) / f"{name}.dic").is_file() for d in dirs)


def dictionary(name: str, packages: tuple[str, ...] = ()) -> bool:
    """Whether a named dictionary can be used; when not, the skip line (once)."""
    try:
        import spylls  # noqa: F401
    except ImportError:
        _say_once("spylls", "spelling checks skipped: the Python package spylls is not installed")
        return False
    if not _installed(name, _dirs()):
        _say_once(f"dict:{name}", f"spelling checks skipped where they need the Hunspell dictionary {name}: "
                                  f"{name}.aff/.dic not found in {':'.join(_dirs())}"
                                  + (f" (install {' '.join(packages)})" if packages else ""))
        return False
    return True


def speller(lang: str, names: tuple[str, ...] | None = None) -> Speller | None:
    """A language's speller from its ``[spelling] dictionaries``; None when the language has none
    configured or one of them is not installed (skipped, said once on stderr)."""
    sec = langdata.load(lang).section("spelling")
    if names is None:
        if sec.get("enabled") is False:
            return None
        names = tuple(sec.get("dictionaries", []))
    if not names:
        return None
    return _speller(names, _dirs(), tuple(sec.get("packages", [])))


@cache
def _speller(names: tuple[str, ...], dirs: tuple[str, ...], packages: tuple[str, ...] = ()) -> Speller | None:
    ok = [dictionary(n, packages) for n in names]
    return Speller(names, dirs) if all(ok) else None


@cache
def word_list(lang: str) -> frozenset[str]:
    """The project word list of a language (``pipeline/data/words/<lang>.txt``), case-folded."""
    path = resources.files("pipeline") / "data" / "words" / f"{langdata.base_tag(lang)}.txt"
    if not path.is_file():
        return frozenset()
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.add(line.casefold())
    return frozenset(out)


_ACRONYM = re.compile(r"^[^\W\d_]*[A-Z][^\W\d_]*[A-Z]")   # two capitals: SFIA, DevOps, eCommerce


def _skip(word: str, script_latin: bool) -> bool:
    if len(word) < 3 or len(word) > MAX_WORD or any(c.isdigit() or c == "_" for c in word):
        return True             # too long to be a word: a hostile text must not make the speller crawl
    if _ACRONYM.match(word) or (word[1:] != word[1:].lower()):
        return True
    if not script_latin and re.search(r"[A-Za-z]", word):
        return True            # an English word or name in an Arabic text
    return False


def unknown_words(text: str, sp: Speller, extra: frozenset[str], script_latin: bool = True,
                  inflected: tuple[str, ...] = (), morph_=None):
    """(word, start, end) of the words neither the speller nor the word list knows; ``inflected``
    words (the glossary's, the title's) count in any form ``morph_`` relates to them."""
    out = []
    for w, s, e in words(text):
        if _skip(w, script_latin) or w.casefold() in extra or sp.known(w):
            continue
        if morph_ is not None and any(morph_.match(w, x) for x in inflected):
            continue
        parts = [p for p in re.split(r"[-'’]", w) if p]
        if len(parts) > 1 and all(_skip(p, script_latin) or p.casefold() in extra or sp.known(p) for p in parts):
            continue
        out.append((w, s, e))
    return out


def _page_words(units, field: str, glossary) -> frozenset[str]:
    """Words of the page's title (the skill's name) and of the glossary's renderings."""
    out: set[str] = set()
    for u in units:
        if u.element == "name":
            out |= {w.casefold() for w, _, _ in words(getattr(u, field) or "")}
    if glossary is not None:
        for _en, acc in glossary.terms:
            for a in acc:
                out |= {w.casefold() for w, _, _ in words(a.replace("|", " "))}
    return frozenset(out)


def _latin(lang: str) -> bool:
    return "Latin" in langdata.load(lang).section("language").get("scripts", ["Latin"])


@register("QA409", "spelling", "info",
          "A word that neither the language's Hunspell dictionary nor the project word list knows.",
          rationale="Typos survive machine translation and post-editing alike ('zarzadzanie', 'klientow'). "
                    "Words are checked against Hunspell ([spelling] dictionaries of the language data; "
                    "Debian's hunspell-pl, hunspell-ar, hunspell-cs) and the project word list: "
                    "pipeline/data/words/<lang>.txt, the glossary's renderings and the skill's name. "
                    "Acronyms, codes, words with digits and English words inside Arabic text are not "
                    "judged, nor words that stand in the English too (product names). Where a dictionary "
                    "is not installed the check skips the language, saying so once on stderr.\n\n"
                    "Bad: 'Zarzadza zespolem.' Good: 'Zarządza zespołem.'",
          group="punctuation", scope="page", requires=("spelling.dictionaries",))
def spelling_target(units, env, opts):
    todo = [u for u in units if u.target and u.target.strip()]
    if not todo:
        return
    lang = todo[0].lang
    sp = speller(lang)
    if sp is None:
        return
    page = tuple(sorted(_page_words(units, "target", env.glossary(lang))))
    extra = word_list(lang) | frozenset(page)
    latin, m = _latin(lang), morph(lang)
    for u in todo:
        src = {w.casefold() for w, _, _ in words(u.source or "")}
        bad = [(w, s, e) for w, s, e in unknown_words(u.target, sp, extra, latin, page, m) if w.casefold() not in src]
        if bad:
            yield Hit(u, f"{u.label[0].upper() + u.label[1:]}: {', '.join(repr(w) for w, _, _ in bad)} "
                         f"{'is' if len(bad) == 1 else 'are'} not in the {lang} dictionary or the project word list.",
                      [span("target", u.target, s, e) for _, s, e in bad])


@register("QA712", "source-spelling", "info",
          "In the English, a word that neither English Hunspell dictionary (GB, US) nor the project word list knows.",
          rationale="A typo in the source is copied or guessed at by every translator. A word counts as "
                    "known when either en_GB or en_US knows it (which one the file should follow is QA707's "
                    "business) or the project word list has it (pipeline/data/words/en.txt: SFIA's "
                    "vocabulary such as 'lifecycle', and the page's skill name).\n\nBad: 'Mantains records.'",
          group="source", scope="source-page")
def spelling_source(units, env, opts):
    sp = speller("en")
    if sp is None:
        return
    extra = word_list("en") | _page_words(units, "source", None)
    for u in units:
        if not (u.source and u.source.strip()):
            continue
        bad = unknown_words(u.source, sp, extra)
        if bad:
            yield Hit(u, f"In the English of {u.label}, {', '.join(repr(w) for w, _, _ in bad)} "
                         f"{'is' if len(bad) == 1 else 'are'} not in the English dictionaries or the project word list.",
                      [span("source", u.source, s, e) for _, s, e in bad])
