"""English spelling variants (British <-> American), read from ``pipeline/data/spelling-en.toml``,
and the cosmetic-difference rules of ``pipeline/data/cosmetic-en.toml``.

Pairs and suffix rules say when two words are the same word spelt two ways; drift uses them to
call a change cosmetic, similarity to compare texts spelling-neutrally. The cosmetic rules say
which punctuation differences (a list-final full stop, a comma, a dash turned into a colon...)
and which open/closed compounds ("life cycle" / "lifecycle") leave a text's meaning as it was.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Spelling:
    pairs: dict[str, str]          # british -> american, both lower case
    rules: tuple[tuple[str, str], ...]
    exceptions: frozenset[tuple[str, str]]

    def same(self, a: str, b: str) -> bool:
        """True when lower-cased words a and b are spelling variants of each other."""
        if a == b:
            return True
        if self.pairs.get(a) == b or self.pairs.get(b) == a:
            return True
        if (a, b) in self.exceptions or (b, a) in self.exceptions:
            return False
        for br, am in self.rules:
            for x, y in ((a, b), (b, a)):
                if x.endswith(br) and y.endswith(am) and len(x) - len(br) >= 3 and x[: -len(br)] == y[: -len(am)]:
                    return True
        return False

    def canonical(self, word: str) -> str:
        """A spelling-neutral form, for similarity only (not for deciding cosmetic)."""
        w = self.pairs.get(word, word)
        for br, am in self.rules:
            if w.endswith(br) and len(w) - len(br) >= 3:
                return w[: -len(br)] + am
        return w


@cache
def spelling() -> Spelling:
    path = resources.files("pipeline") / "data" / "spelling-en.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    pairs = {}
    for br, am in data.get("pairs", []):
        pairs[br.lower()] = am.lower()
    return Spelling(pairs=pairs, rules=tuple((b, a) for b, a in data.get("suffix_rules", [])),
                    exceptions=frozenset((a, b) for a, b in data.get("not_variants", [])))


@dataclass(frozen=True)
class DropRule:
    """Marks that may be added or removed between the same words (``[[drop]]`` of cosmetic-en.toml)."""
    name: str
    what: str
    marks: frozenset[str]
    where: str                     # "end", "inner" or "any"
    before: frozenset[str] = frozenset()   # only before one of these words (lower case)
    after: frozenset[str] = frozenset()    # only when an earlier gap of the same sentence has one of these
    needs: frozenset[str] = frozenset()    # only when one text has more of these marks than the other


@dataclass(frozen=True)
class Cosmetic:
    """Which punctuation and compounding differences are cosmetic (``pipeline/data/cosmetic-en.toml``)."""
    styles: tuple[tuple[str, dict[str, str], bool], ...]   # (reason, char -> compared form, spaced hyphen)
    drops: tuple[DropRule, ...]
    compounds: dict[tuple[str, str], str]            # (first, second) open form -> closed form
    what: dict[str, str]                             # reason -> what it means

    def closed(self, first: str, second: str) -> str | None:
        """The closed compound of two lower-case words ('life', 'cycles' -> 'lifecycles'), if listed."""
        hit = self.compounds.get((first, second))
        if hit is not None:
            return hit
        for suffix in ("s", "es"):
            if second.endswith(suffix) and (first, second[: -len(suffix)]) in self.compounds:
                return self.compounds[(first, second[: -len(suffix)])] + suffix
        return None


_WHERE = ("end", "inner", "any")


@cache
def cosmetic() -> Cosmetic:
    path = resources.files("pipeline") / "data" / "cosmetic-en.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    what: dict[str, str] = {}
    styles = []
    for name, table in data.get("style", {}).items():
        styles.append((name, dict(table["map"]), bool(table.get("spaced_hyphen", False))))
        what[name] = table.get("what", name)
    drops = []
    for d in data.get("drop", []):
        if d.get("where", "any") not in _WHERE:
            raise ValueError(f"cosmetic-en.toml: [[drop]] {d.get('name')}: where must be one of {_WHERE}")
        drops.append(DropRule(d["name"], d.get("what", d["name"]), frozenset(d["marks"]), d.get("where", "any"),
                              frozenset(w.lower() for w in d.get("before", [])), frozenset(d.get("after", [])),
                              frozenset(d.get("needs", []))))
        what[d["name"]] = d.get("what", d["name"])
    compounds = {}
    comp = data.get("compounding", {})
    for c in comp.get("open_forms", []):
        first, second = c.lower().split()
        compounds[(first, second)] = first + second
    what["compounding"] = comp.get("what", "compounding")
    what["spelling"] = "British and American spelling (pipeline/data/spelling-en.toml)"
    what["case"] = "letter case"
    what["whitespace"] = "spaces and line breaks"
    return Cosmetic(tuple(styles), tuple(drops), compounds, what)
