"""SFIA skill pages exported as text (sfia-online.org pages saved or copied as text).

A page reads, top to bottom: a title line ``<skill name> <CODE> [Beta]``, an optional
marker line, the overall description, a guidance-notes heading followed by paragraphs and
bullets, and one heading per level (``<name>: Level 3``) followed by the level statement
or a not-defined placeholder. Between them sit page furniture: banners, help text,
show/hide links, the row of level numbers. Every word of that furniture, and the heading
words, come from the language's data file (:mod:`pipeline.langdata`); this module only
knows the shape of a page. Each non-blank line is one paragraph.

``(modified)`` / ``(unchanged)`` markers, on their own line or at the end of a heading,
label the section they follow: the title marker labels the name and the description, the
guidance marker every paragraph and bullet of the guidance notes, a level marker its
level statement.
"""

from __future__ import annotations

import re

from pipeline.errors import InputError
from pipeline.langdata import Language

TITLE_RE = re.compile(r"^(?P<name>.*?\S)\s+\(?(?P<code>[A-Z][A-Z0-9]{3})\)?$")


def _strip_line(s: str) -> str:
    return s.replace("\ufeff", "").replace("\u00a0", " ").strip()


def _title(line: str, lang: Language) -> tuple[str, str] | None:
    """'Dział obsługi klienta CSMG Beta' -> ('Dział obsługi klienta', 'CSMG')."""
    words = line.split()
    suffixes = {s.casefold() for s in lang.page.title_suffixes}
    while len(words) > 2 and words[-1].casefold() in suffixes:
        words.pop()
    m = TITLE_RE.match(" ".join(words))
    return (m.group("name").strip(), m.group("code")) if m else None


def _level_of(rules, line: str) -> int | None:
    head, _ = rules.split_marker(line)
    m = rules.level_heading.match(head)
    return int(m.group("level")) if m else None  # int() reads the digits of any script


def _structural(rules, line: str) -> bool:
    head, _ = rules.split_marker(line)
    return rules.is_guidance_heading(head) or _level_of(rules, line) is not None


def drop_furniture(text: str, rules) -> list[tuple[str, int]]:
    """(line, line number) of the page without boilerplate lines, the level-number row and
    boilerplate blocks; a block never swallows a content heading."""
    kept: list[tuple[str, int]] = []
    block_end: re.Pattern | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = _strip_line(raw)
        if not line:
            continue
        if block_end is not None:
            if _structural(rules, line):
                block_end = None
            else:
                if block_end.search(line):
                    block_end = None
                continue
        opener = next((end for start, end in rules.boilerplate_blocks if start.search(line)), None)
        if opener is not None:
            block_end = opener
            continue
        if not rules.is_boilerplate_line(line):
            kept.append((line, n))
    return kept


def _find_title(kept: list[tuple[str, int]], lang: Language) -> int | None:
    """Index of the title line: the first '<skill name> <CODE>' before any heading."""
    for i, (line, _n) in enumerate(kept):
        head, _ = lang.page.split_marker(line)
        if _structural(lang.page, line):
            return None
        if _title(head, lang):
            return i
    return None


class _Page:
    """The section state machine over a page's content lines (after the title line)."""

    def __init__(self, where: str, lang: Language, base: dict, name_seg: dict):
        self.where, self.rules, self.base = where, lang.page, base
        self.segs: list[dict] = [name_seg]
        self.section = "header"
        self.marker: str | None = name_seg["marker"]
        self.header_paras: list[tuple[str, int]] = []
        self.counters = {"guidance": 0, "activity": 0}
        self.current_level: int | None = None
        self.level_lines: list[tuple[str, int]] = []
        self.level_marker: str | None = None
        self.seen_levels: dict[int, int] = {}
        self.section_segs: list[dict] = [name_seg]  # segments the current section's marker labels

    def feed(self, line: str, n: int) -> None:
        rules = self.rules
        head, inline_marker = rules.split_marker(line)
        lvl = _level_of(rules, line)
        if lvl is not None:
            self._start_level(lvl, inline_marker, n)
        elif rules.is_guidance_heading(head):
            self._leave_section()
            self.section, self.current_level = "guidance", None
            self.marker, self.section_segs = inline_marker, []
        elif (only_marker := rules.marker_of(line)) is not None:
            self._marker_line(only_marker, n)
        elif self.section == "header":
            self.header_paras.append((line, n))
        elif self.section == "guidance":
            self._add_guidance(line, n)
        else:
            self.level_lines.append((line, n))

    def finish(self) -> list[dict]:
        self._leave_section()
        return self.segs

    def _leave_section(self) -> None:
        if self.section == "header":
            self._flush_header()
        self._flush_level()

    def _start_level(self, lvl: int, marker: str | None, n: int) -> None:
        self._leave_section()
        if lvl in self.seen_levels:
            raise InputError(f"{self.where}:{n}", f"level {lvl} appears twice (first at line {self.seen_levels[lvl]})")
        self.seen_levels[lvl] = n
        self.section, self.current_level, self.level_lines, self.level_marker = "level", lvl, [], marker

    def _marker_line(self, marker: str, n: int) -> None:
        if self.section == "level":
            self.level_marker = marker
        elif self.section == "header" and not self.header_paras:
            self.marker = marker
            for s in self.section_segs:
                s["marker"] = marker
        elif self.section == "guidance" and not self.section_segs:
            self.marker = marker
        else:
            raise InputError(f"{self.where}:{n}", f"marker ({marker}) after the text of its section; "
                                                  "a marker must follow the heading it labels")

    def _flush_level(self) -> None:
        if self.current_level is None:
            return
        text = " ".join(t for t, _ in self.level_lines).strip()
        if text and not self.rules.is_not_defined(text):
            n = self.level_lines[0][1]
            self.segs.append({**self.base, "element": "level", "level": self.current_level, "item": None,
                              "text": text, "marker": self.level_marker, "origin": f"{self.where}:{n}", "line": n})
        self.current_level = None

    def _flush_header(self) -> None:
        if not self.header_paras:
            return
        first, n = self.header_paras[0]
        seg = {**self.base, "element": "description", "level": None, "item": None, "text": first,
               "marker": self.marker, "origin": f"{self.where}:{n}", "line": n}
        self.segs.append(seg)
        self.section_segs.append(seg)
        for text, m in self.header_paras[1:]:  # paragraphs after the description: guidance notes
            self._add_guidance(text, m)
        self.header_paras = []

    def _add_guidance(self, line: str, n: int) -> None:
        bullet = self.rules.bullet_text(line)
        if bullet == "":
            return
        kind = "activity" if bullet is not None else "guidance"
        self.counters[kind] += 1
        in_notes = self.section == "guidance"
        seg = {**self.base, "element": kind, "level": None, "item": self.counters[kind],
               "text": bullet if bullet is not None else line, "marker": self.marker if in_notes else None,
               "origin": f"{self.where}:{n}", "line": n}
        self.segs.append(seg)
        if in_notes:
            self.section_segs.append(seg)


def parse_page(text: str, where: str, lang: Language, framework: int, lang_tag: str) -> list[dict]:
    """A skill page's text -> segment records (see the module docstring)."""
    kept = drop_furniture(text, lang.page)
    title_at = _find_title(kept, lang)
    if title_at is None:
        raise InputError(where, "no recognisable skill: no title line '<skill name> <CODE>' "
                                f"before the first heading (read as {lang.english_name})")
    line, n = kept[title_at]
    head, title_marker = lang.page.split_marker(line)
    title = _title(head, lang)
    assert title is not None  # _find_title found it
    name, code = title
    base = {"framework": framework, "lang": lang_tag, "skill": code}
    page = _Page(where, lang, base, {**base, "element": "name", "level": None, "item": None, "text": name,
                                     "marker": title_marker, "origin": f"{where}:{n}", "line": n})
    for line, n in kept[title_at + 1:]:
        page.feed(line, n)
    return page.finish()
