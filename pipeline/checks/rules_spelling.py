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

import bisect
import contextlib
import os
import re
import sys
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from pipeline import langdata
from pipeline.checks.registry import on_finish as register_finish
from pipeline.checks.registry import register
from pipeline.checks.text import morph, span, strip_marks, words
from pipeline.checks.units import Hit

MAX_WORD = 40
DEFAULT_DIRS = ("/usr/share/hunspell", "/usr/share/myspell/dicts", "/usr/share/myspell")
_warned: set[str] = set()


def _dirs() -> tuple[str, ...]:
    env = os.environ.get("SFIA_QA_HUNSPELL_PATH")
    return tuple(d for d in env.split(os.pathsep) if d) if env else DEFAULT_DIRS


def installed_fingerprint() -> str:
    """Every dictionary file in the search path, with its size and time: what a stored result of
    the checks depends on (a dictionary package updated is new input)."""
    out = []
    for d in _dirs():
        with contextlib.suppress(OSError):
            for p in sorted(Path(d).iterdir()):
                if p.suffix in (".dic", ".aff"):
                    st = p.stat()
                    out.append(f"{p}\0{st.st_size}\0{st.st_mtime_ns}")
    return "\n".join(out)


def _say_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        print(f"sfia-qa: {message}", file=sys.stderr)


_STEM_END = re.compile(r"(?<!\\)/|\t| [a-z][a-z]:")


INDEX_VERSION = "1"


def _stem_index(base: Path, context) -> tuple[list[str], list[str]]:
    """The .dic as ``stem\tline`` entries sorted by stem (lines of a stem in file order), and
    ``lowercase stem\tstem`` entries sorted the same way: lookups bisect them. Built once per
    dictionary version and kept in :mod:`pipeline.cache` (keyed by the .aff and .dic bytes and
    spylls' version), since splitting a 3 MB .dic into stems is most of a dictionary's start-up."""
    from importlib.metadata import version

    from pipeline import cache

    key = cache.key_of(INDEX_VERSION, version("spylls"), _digest(base))
    body = cache.read("hunspell", key)
    if body is not None:
        text = body.decode("utf-8", "surrogateescape")
        main, sep, low_part = text.partition("\f\n")
        if sep:
            return main.split("\n")[:-1] if main else [], low_part.split("\n")[:-1] if low_part else []
    text = base.with_suffix(".dic").read_bytes().decode(context.encoding, "surrogateescape")
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
            stem = (k[: m.start()] if m else k).replace("\\/", "/")
        else:
            stem = k.split("/", 1)[0] if not k.startswith("/") else k
        raw.setdefault(stem, []).append(line)
    entries = [f"{stem}\t{line}" for stem in sorted(raw) for line in raw[stem]]
    lower = sorted({f"{stem.lower()}\t{stem}" for stem in raw})  # by lowercase stem (_Sorted checks)
    if not any("\n" in e or "\f" in e for e in entries):  # never true of a line; a safe format only
        cache.write("hunspell", key, ("".join(e + "\n" for e in entries) + "\f\n"
                                      + "".join(e + "\n" for e in lower)).encode("utf-8", "surrogateescape"))
    return entries, lower


class _Sorted:
    """Entries ``stem\tvalue`` sorted by stem, with their stems beside them for bisecting."""

    def __init__(self, entries: list[str]):
        stems = [e[: e.index("\t")] for e in entries]
        if any(a > b for a, b in zip(stems, stems[1:], strict=False)):  # a stem with a character below tab
            order = sorted(range(len(entries)), key=stems.__getitem__)
            entries, stems = [entries[i] for i in order], [stems[i] for i in order]
        self.entries, self.stems = entries, stems

    def values(self, stem: str) -> list[str]:
        """What follows the tab in the entries whose stem is ``stem``."""
        i = bisect.bisect_left(self.stems, stem)
        out = []
        while i < len(self.stems) and self.stems[i] == stem:
            out.append(self.entries[i][len(stem) + 1:])
            i += 1
        return out


def _lazy_dictionary(base: Path):
    """A spylls dictionary whose .dic entries are parsed when a lookup first asks for their stem.

    spylls parses every entry of the .dic file up front (7 seconds for Polish or Arabic); lookups
    only ever ask for the entries of one stem (``homonyms``). Here the file's lines are indexed by
    stem (:func:`_stem_index`, cached), and spylls' own reader parses the lines of a stem on first
    use, so the results are spylls' exactly, at a fraction of the start-up time."""
    from spylls.hunspell import Dictionary, readers
    from spylls.hunspell.data import dic as dic_mod
    from spylls.hunspell.readers.file_reader import FileReader

    aff, context = readers.read_aff(FileReader(str(base.with_suffix(".aff"))))
    entries, lower_entries = (_Sorted(x) for x in _stem_index(base, context))

    class LazyDic(dic_mod.Dic):
        def __init__(self):
            super().__init__(words=[])
            self._parsed: dict[str, dic_mod.Dic] = {}

        def _dic(self, key: str) -> dic_mod.Dic:
            d = self._parsed.get(key)
            if d is None:
                lines = [(i + 2, ln) for i, ln in enumerate(entries.values(key))]
                d = readers.read_dic(iter(lines), aff=aff, context=context) if lines else dic_mod.Dic(words=[])
                self._parsed[key] = d
            return d

        def homonyms(self, stem, *, ignorecase=False):
            if ignorecase:
                return [w for key in lower_entries.values(stem) for w in self._dic(key).lowercase_index.get(stem, [])]
            return self._dic(stem).index.get(stem, [])

    return Dictionary(aff, LazyDic())


@cache
def _load(name: str, dirs: tuple[str, ...]):
    """The spylls dictionary ``name`` (e.g. 'pl_PL') from the first folder that has both files, or None."""
    try:
        import spylls  # noqa: F401
    except ImportError:
        return None
    base = _base(name, dirs)
    return _lazy_dictionary(base) if base is not None else None


VERDICTS_VERSION = "1"   # change when what known() means changes
MAX_VERDICTS = 500_000


class Speller:
    """The union of a language's dictionaries, each loaded when a word first needs it (a word the
    first one knows never loads the second); ``known(word)`` cached per word, and across runs in
    :mod:`pipeline.cache` (keyed by the dictionaries' bytes and spylls' version): a re-run on the
    same words loads no dictionary at all."""

    def __init__(self, names: tuple[str, ...], dirs: tuple[str, ...]):
        self.names, self.dirs = names, dirs
        self._stored: dict[str, bool] | None = None
        self._learnt: dict[str, bool] = {}
        _SPELLERS.append(self)

    def _dicts(self):
        for n in self.names:
            d = _load(n, self.dirs)
            if d is not None:
                yield d

    def _key(self) -> str:
        from importlib.metadata import version

        from pipeline import cache

        parts: list[str | bytes] = ["verdicts", VERDICTS_VERSION, version("spylls")]
        for n in self.names:
            base = _base(n, self.dirs)
            parts += [n, _digest(base) if base is not None else "missing"]
        return cache.key_of(*parts)

    def _verdicts(self) -> dict[str, bool]:
        if self._stored is None:
            from pipeline import cache

            self._stored = {}
            body = cache.read("spelling", self._key())
            if body is not None:
                for line in body.decode("utf-8").split("\n"):
                    if len(line) > 2 and line[0] in "01" and line[1] == "\t":
                        self._stored[line[2:]] = line[0] == "1"
        return self._stored

    @lru_cache(maxsize=200_000)  # noqa: B019 - one speller per language and process (speller())
    def known(self, word: str) -> bool:
        v = self._verdicts().get(word)
        if v is None:
            bare = strip_marks(word)
            v = any(d.lookup(word) or (bare != word and d.lookup(bare)) for d in self._dicts())
            if word.isprintable() and "\t" not in word:
                self._learnt[word] = v
        return v

    def save(self) -> None:
        """Store the verdicts learnt since the last save (with those stored before)."""
        if not self._learnt:
            return
        from pipeline import cache

        stored = self._verdicts()
        if len(stored) + len(self._learnt) > MAX_VERDICTS:
            stored.clear()
        stored.update(self._learnt)
        self._learnt.clear()
        cache.write("spelling", self._key(),
                    "".join(f"{int(v)}\t{w}\n" for w, v in sorted(stored.items())).encode("utf-8"))


_SPELLERS: list[Speller] = []


@register_finish
def _save_verdicts() -> None:
    for sp in _SPELLERS:
        sp.save()


@register_finish
def _unload_dictionaries() -> None:
    """A language's dictionaries are let go once its checks are done (after its verdicts are
    saved): a loaded dictionary is 25-125 MB (pl_PL 124, cs_CZ 105, ar 76, en_US 24), and a worker
    that checks ten languages would otherwise hold all of theirs. The next language that needs one
    loads it again from its stem index in the cache (0.2-1.2 s), and only for words whose verdict
    is not known yet."""
    _load.cache_clear()


@cache
def _base(name: str, dirs: tuple[str, ...]) -> Path | None:
    for d in dirs:
        base = Path(d) / name
        if base.with_suffix(".aff").is_file() and base.with_suffix(".dic").is_file():
            return base
    return None


@cache
def _digest(base: Path) -> str:
    from pipeline import cache

    return cache.key_of(base.with_suffix(".aff").read_bytes(), base.with_suffix(".dic").read_bytes())


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
