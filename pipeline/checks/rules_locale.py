"""QA707-QA711: the English source's locale and house-style consistency, findings grouped by cause.

An en-US file that keeps British spellings, a text that mostly omits the serial comma but uses it
68 times, straight and curly apostrophes side by side: each is one editorial decision applied
unevenly, so each is reported as ONE finding with a count and the list of places (on the first
place, with its evidence), not once per segment. The rules receive the English of one skill page;
when the runner offers a ``source-corpus`` scope they receive the whole file and group across it.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from functools import cache
from importlib import resources

from pipeline.checks.registry import SCOPES, register
from pipeline.checks.text import span, words
from pipeline.checks.units import Hit, Unit

G = "source"
# The whole English file at once where the runner supports it, else one skill page at a time.
SOURCE_GROUP_SCOPE = "source-corpus" if "source-corpus" in SCOPES else "source-page"
MAX_PLACES = 120   # a grouped finding names every place (the official English has at most ~90)

_LOCALE_IN_PATH = re.compile(r"(?i)(?:^|[^a-z])en[-_](us|gb)(?:[^a-z]|$)")


@cache
def style_data() -> dict:
    path = resources.files("pipeline") / "data" / "source-style-en.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _place(u) -> str:
    return f"{u.skill} {u.label}"


def places(units) -> str:
    seen = list(dict.fromkeys(_place(u) for u in units))
    more = len(seen) - MAX_PLACES
    return ", ".join(seen[:MAX_PLACES]) + (f" and {more} more" if more > 0 else "")


def grouped(hits: list[tuple[Unit, int, int]], field: str, message) -> Hit | None:
    """One Hit for hits [(unit, start, end)] that share a cause: on the first unit, with that unit's
    spans as evidence; ``message(n, units)`` says what and where."""
    if not hits:
        return None
    first = hits[0][0]
    text = getattr(first, field)
    ev = [span(field, text, s, e) for u, s, e in hits if u is first]
    return Hit(first, message(len(hits), [u for u, _, _ in hits]), ev)


# --- QA707 British / American spelling against the file's locale -------------------------------

def locale_of(units, option: str = "") -> str | None:
    """'en-US' / 'en-GB': the option, else what the file name says (…_en_US_…), else None."""
    if option:
        return option
    found = {m.group(1).upper() for u in units if u.path for m in [_LOCALE_IN_PATH.search(str(u.path))] if m}
    return f"en-{found.pop()}" if len(found) == 1 else None


def _variant_spellers():
    from pipeline.checks.rules_spelling import speller

    return speller("en", ("en_US",)), speller("en", ("en_GB",))


def _counterpart(word: str, british: bool) -> str | None:
    """The other locale's spelling of ``word`` by the pairs and suffix rules of spelling-en.toml."""
    from pipeline.text.spelling import spelling

    sp = spelling()
    w = word.casefold()
    if british:
        if w in sp.pairs:
            return sp.pairs[w]
        for br, am in sp.rules:
            if w.endswith(br) and len(w) - len(br) >= 3:
                return w[: -len(br)] + am
        return None
    back = {am: br for br, am in sp.pairs.items()}
    if w in back:
        return back[w]
    for br, am in sp.rules:
        if w.endswith(am) and len(w) - len(am) >= 3:
            return w[: -len(am)] + br
    return None


def variant_of(word: str, us, gb) -> str | None:
    """'GB' when only British English writes ``word`` this way (en_GB knows it, en_US does not, and
    en_US knows its American counterpart), 'US' the reverse, else None."""
    if len(word) < 4 or not word.isalpha():
        return None
    in_us, in_gb = us.known(word), gb.known(word)
    if in_gb and not in_us:
        other = _counterpart(word, british=True)
        return "GB" if other and us.known(other) else None
    if in_us and not in_gb:
        other = _counterpart(word, british=False)
        return "US" if other and gb.known(other) else None
    return None


@register("QA707", "source-locale-spelling", "warning",
          "In the English, spellings of the other locale: British ones in an en-US file, American ones in an "
          "en-GB file (one finding per file or page, with the words and places).",
          rationale="SFIA 9's en-US file keeps British 'modelling', 'catalogue', 'fulfil', 'artefact'; a "
                    "translator cannot tell a deliberate term from a missed conversion, and translation "
                    "memories split. The locale comes from the option `locale` or the file name (en_US, "
                    "en-GB); a word counts as British when en_GB Hunspell knows it, en_US does not, and en_US "
                    "knows its American form by the pairs of pipeline/data/spelling-en.toml (and the reverse), "
                    "so words both locales write ('practice', 'program') are never reported. Without the "
                    "dictionaries the check skips, saying so once.\n\nBad (en-US): 'Develops data modelling "
                    "standards.' Good: 'Develops data modeling standards.'",
          group=G, scope=SOURCE_GROUP_SCOPE, settings={"locale": ""})
def locale_spelling(units, env, opts):
    if opts["locale"] not in ("", "en-US", "en-GB"):
        return
    loc = locale_of(units, opts["locale"])
    if loc is None:
        return
    us, gb = _variant_spellers()
    if us is None or gb is None:
        return
    wrong = "GB" if loc == "en-US" else "US"
    hits, counts = [], Counter()
    for u in units:
        for w, s, e in words(u.source or ""):
            if variant_of(w, us, gb) == wrong:
                hits.append((u, s, e))
                counts[w.casefold()] += 1
    kind = "British" if wrong == "GB" else "American"

    def msg(n, us_):
        listing = ", ".join(f"{w} ×{c}" for w, c in sorted(counts.items(), key=lambda x: (-x[1], x[0])))
        return (f"{n} {kind} spelling{'s' if n != 1 else ''} in an {loc} text ({listing}): convert them, or "
                f"declare the file's locale. In {places(us_)}.")

    h = grouped(hits, "source", msg)
    if h:
        yield h


# --- QA708 serial comma -------------------------------------------------------------------------

# A list item: up to 40 characters without punctuation or a conjunction of its own ("levels and
# standards, and the procedures" is a list inside a list, where the comma is needed).
_ITEM = r"(?:(?! and | or )[^,.;:()\n]){1,40}"
SERIAL = re.compile(rf"\w, {_ITEM}(,) (?:and|or) \w")
NO_SERIAL = re.compile(rf"\w, {_ITEM}(?<!,)( )(?:and|or) \w")


@register("QA708", "source-serial-comma", "info",
          "In the English, the serial (Oxford) comma used in a minority of lists: 'A, B, and C' among "
          "'A, B and C' (one finding with the count and places).",
          rationale="House style either always or never puts a comma before the last 'and'/'or' of a list; "
                    "a mix makes translators wonder whether the comma means something. The style used in "
                    "most lists is taken as the house style and the others are reported, grouped. Lists are "
                    "recognised by shape ('x, y, and z' vs 'x, y and z'), so clauses joined by ', and' "
                    "may count too: the finding reports the counts for a reviewer to judge.\n\nBad: 'plans, "
                    "builds, and tests' in a text that writes 'plans, builds and tests'.",
          group=G, scope=SOURCE_GROUP_SCOPE, settings={"max_share": 0.2})
def serial_comma(units, env, opts):
    with_, without = [], []
    for u in units:
        t = u.source or ""
        with_ += [(u, m.start(1), m.end(1)) for m in SERIAL.finditer(t)]
        without += [(u, m.start(1) - 1, m.start(1) + 1) for m in NO_SERIAL.finditer(t)]
    if not with_ or not without:
        return
    minority, style = (with_, "with") if len(with_) <= len(without) else (without, "without")
    if len(minority) / (len(with_) + len(without)) > opts["max_share"]:
        return

    def msg(n, us_):
        other = "without" if style == "with" else "with"
        return (f"{n} list{'s' if n != 1 else ''} {style} a serial comma against {len(with_) + len(without) - n} "
                f"{other}: one house style for all. In {places(us_)}.")

    h = grouped(minority, "source", msg)
    if h:
        yield h


# --- QA709 apostrophes --------------------------------------------------------------------------

APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")


@register("QA709", "source-apostrophes", "info",
          "In the English, straight (') and curly (’) apostrophes mixed (one finding with the count and places).",
          rationale="The apostrophe style is a typesetting decision; a mix (even inside one sentence, "
                    "'the project's needs … the organization’s risk') breaks translation-memory matches "
                    "and search. The style most used is the house style; the others are reported, grouped.\n\n"
                    "Bad: \"the team's plan and the team’s goals\".", group=G, scope=SOURCE_GROUP_SCOPE)
def apostrophes(units, env, opts):
    by: dict[str, list] = defaultdict(list)
    for u in units:
        for m in APOSTROPHE.finditer(u.source or ""):
            by[m.group(0)].append((u, m.start(), m.end()))
    if len(by) < 2:
        return
    major = max(by, key=lambda k: (len(by[k]), k == "’"))
    minor = [h for k, v in by.items() if k != major for h in v]
    mixed_in_one = sorted({_place(u) for u, _, _ in minor} & {_place(u) for u, _, _ in by[major]})
    name = {"'": "straight", "’": "curly"}

    def msg(n, us_):
        other = name[minor[0][0].source[minor[0][1]]] if minor else ""
        inside = f" Both styles inside one text: {', '.join(mixed_in_one)}." if mixed_in_one else ""
        m = len(by[major])
        return (f"{n} {other} apostrophe{'s' if n != 1 else ''} against {m} {name[major]} one{'s' if m != 1 else ''}."
                f"{inside} "
                f"In {places(us_)}.")

    h = grouped(minor, "source", msg)
    if h:
        yield h


# --- QA710 spaced hyphen as a dash --------------------------------------------------------------

SPACED_HYPHEN = re.compile(r"(?<=\w) - (?=\w)")


@register("QA710", "source-spaced-hyphen", "info",
          "In the English, a hyphen with spaces round it used as a dash ('controls - protecting …').",
          rationale="A spaced hyphen stands where typography wants a dash (– or —, as the rest of the text "
                    "writes); translators copy it or each pick a dash of their own. One finding per cause, "
                    "with the places.\n\nBad: 'integrity - protecting information'. Good: 'integrity – "
                    "protecting information' or 'integrity: protecting information'.",
          group=G, scope=SOURCE_GROUP_SCOPE)
def spaced_hyphen(units, env, opts):
    hits = [(u, m.start(), m.end()) for u in units for m in SPACED_HYPHEN.finditer(u.source or "")]
    h = grouped(hits, "source", lambda n, us_: f"{n} spaced hyphen{'s' if n != 1 else ''} used as a dash: write "
                                               f"a dash (–) or a colon. In {places(us_)}.")
    if h:
        yield h


# --- QA711 duplicated nouns ("domains areas") ---------------------------------------------------

@cache
def _synonym_index() -> dict[str, int]:
    idx = {}
    for i, group in enumerate(style_data().get("duplicated_nouns", {}).get("sets", [])):
        for w in group:
            idx[w.casefold()] = i
    return idx


def _noun_key(word: str) -> int | None:
    w = word.casefold()
    idx = _synonym_index()
    for cand in (w, w[:-1] if w.endswith("s") else w, w[:-2] if w.endswith("es") else w):
        if cand in idx:
            return idx[cand]
    return None


@register("QA711", "source-duplicated-noun", "warning",
          "In the English, two near-synonymous nouns side by side ('domains areas'): an edit left both.",
          rationale="'across multiple domains areas' is an editing slip: one noun replaced the other and "
                    "both stayed. Translators must guess which was meant. The synonym sets are data "
                    "(pipeline/data/source-style-en.toml [duplicated_nouns]); findings sharing the pair are "
                    "grouped.\n\nBad: 'in several domains areas'. Good: 'in several domains'.",
          group=G, scope=SOURCE_GROUP_SCOPE)
def duplicated_noun(units, env, opts):
    by: dict[str, list] = defaultdict(list)
    for u in units:
        ws_ = words(u.source or "")
        for (a, s, _e), (b, _s2, e2) in zip(ws_, ws_[1:], strict=False):
            ka, kb = _noun_key(a), _noun_key(b)
            # a plural first noun: "domain areas" is a compound (a singular noun as modifier),
            # "domains areas" two nouns for one
            plural = a.casefold().endswith("s") and a.casefold()[:-1] in _synonym_index()
            if ka is not None and ka == kb and plural and a.casefold() != b.casefold() and \
                    not (u.source or "")[_e:_s2].strip():
                by[f"{a.casefold()} {b.casefold()}"].append((u, s, e2))
    for pair, hits in sorted(by.items()):
        h = grouped(hits, "source", lambda n, us_, pair=pair: f"{pair!r} ×{n}: two nouns for one; keep one. "
                                                               f"In {places(us_)}.")
        if h:
            yield h
