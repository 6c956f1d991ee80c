"""Helpers shared by rule modules: list consistency, brackets and quotes, spacing."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection

from pipeline.checks.text import final_punct, punct_class, words

DEFAULT_QUOTES = (("“", "”"), ("«", "»"))
BRACKETS = (("(", ")"), ("[", "]"), ("{", "}"))
_BRACKET_CHARS = re.compile(r"[()\[\]{}]")


def first_letter_case(text: str) -> tuple[str | None, int, int]:
    """'upper'/'lower'/None (no case, or an acronym/code) for the text's first word, with its span."""
    ws_ = words(text)
    if not ws_:
        return None, 0, 0
    w, s, e = ws_[0]
    ch = w[0]
    if not (ch.isupper() or ch.islower()):
        return None, s, e
    letters = [c for c in w if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return None, s, e  # "IT", "SFIA": an acronym says nothing about the list's style
    return ("upper" if ch.isupper() else "lower"), s, e


def minority(values: list, min_items: int = 3, majority_share: float = 0.66) -> tuple[object, list[int]] | None:
    """(majority value, indexes of the items that differ) when a clear majority exists."""
    present = [v for v in values if v is not None]
    if len(present) < min_items:
        return None
    (top, n), *rest = Counter(present).most_common()
    if rest and rest[0][1] == n:
        return None
    if n / len(present) < majority_share:
        return None
    odd = [i for i, v in enumerate(values) if v is not None and v != top]
    return (top, odd) if odd else None


def ending(text: str) -> str:
    return punct_class(final_punct(text))


def describe_ending(cls: str) -> str:
    return "no final punctuation" if not cls else f"'{cls}'"


def ending_span(text: str) -> tuple[int, int]:
    t = text.rstrip()
    p = final_punct(t)
    if p:
        i = t.rfind(p)
        return i, i + len(p)
    return max(len(t) - 1, 0), len(t)


def unbalanced_brackets(text: str) -> list[tuple[int, str]]:
    """Positions of brackets with no partner; enumerators like 'a)' and '1)' are not brackets."""
    opens = {o: c for o, c in BRACKETS}
    closes = {c: o for o, c in BRACKETS}
    stack: list[tuple[int, str]] = []
    bad: list[tuple[int, str]] = []
    for m in _BRACKET_CHARS.finditer(text):  # only the brackets: linear in C, not per character
        i, ch = m.start(), m.group(0)
        if ch in opens:
            stack.append((i, ch))
        elif ch in closes:
            if stack and stack[-1][1] == closes[ch]:
                stack.pop()
            elif re.match(r"(?:^|\s)\w\)$", text[max(0, i - 2):i + 1]) and ch == ")":
                continue  # "a)" / "1)" enumerator
            else:
                bad.append((i, ch))
    return sorted(bad + stack)


def unbalanced_quotes(text: str, pairs) -> list[tuple[int, str]]:
    pairs = [tuple(p) for p in (pairs or DEFAULT_QUOTES)]
    bad: list[tuple[int, str]] = []
    straight = [m.start() for m in re.finditer('"', text)]
    if len(straight) % 2:
        bad.append((straight[-1], '"'))
    openers = {o for o, c in pairs if o != c}
    closers = {c for o, c in pairs if o != c}
    signs = openers | closers
    if not signs:
        return bad
    stack: list[tuple[int, str]] = []
    for m in re.finditer("[" + re.escape("".join(sorted(signs))) + "]", text):
        i, ch = m.start(), m.group(0)
        if ch in openers and not (ch in closers and stack):
            stack.append((i, ch))
        elif ch in closers:
            if stack and (stack[-1][1], ch) in pairs:
                stack.pop()
            else:
                bad.append((i, ch))
    return sorted(bad + stack)


SPACE_BEFORE = re.compile(r"(?<=\w)[ \t\u00a0]+([,.;:!?،؛؟])(?!\w)")
DOUBLE_SPACE = re.compile(r"(?<=\S)[ \t\u00a0]{2,}(?=\S)")
REPEATED = re.compile(r"(?<!\w)([^\W\d_]+)\s+(\1)(?!\w)", re.IGNORECASE)


def space_before_punct(text: str, allowed: str = "") -> list[tuple[int, int]]:
    out = []
    for m in SPACE_BEFORE.finditer(text):
        if m.group(1) in allowed:
            continue
        if m.group(1) == "." and text[m.start(1):m.start(1) + 3] == "...":
            continue
        out.append((m.start(), m.end()))
    return out


def repeated_words(text: str, ok: Collection[str] = frozenset()) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(1)) for m in REPEATED.finditer(text)
            if m.group(1).casefold() not in ok]


def quote(text: str, n: int = 60) -> str:
    t = " ".join(text.split())
    return f"“{t if len(t) <= n else t[: n - 1] + '…'}”"
