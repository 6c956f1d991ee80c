"""English spelling variants (British <-> American), read from ``pipeline/data/spelling-en.toml``.

Pairs and suffix rules say when two words are the same word spelt two ways; drift uses them to
call a change cosmetic, similarity to compare texts spelling-neutrally.
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
