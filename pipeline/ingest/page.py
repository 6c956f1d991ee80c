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


def parse_page(text: str, where: str, lang: Language, framework: int, lang_tag: str) -> list[dict]:
    rules = lang.page
    lines = [(_strip_line(s), n) for n, s in enumerate(text.splitlines(), start=1)]

    def level_of(line: str) -> int | None:
        head, _ = rules.split_marker(line)
        m = rules.level_heading.match(head)
        if not m:
            return None
        return int(m.group("level"))  # int() reads the digits of any script (Arabic-Indic too)

    def structural(line: str) -> bool:
        head, _ = rules.split_marker(line)
        return rules.is_guidance_heading(head) or level_of(line) is not None

    # 1. Drop page furniture: boilerplate lines, the level-number row, boilerplate blocks.
    kept: list[tuple[str, int]] = []
    block_end: re.Pattern | None = None
    for line, n in lines:
        if not line:
            continue
        if block_end is not None:
            if structural(line):
                block_end = None  # a block never swallows content headings
            else:
                if block_end.search(line):
                    block_end = None
                continue
        opener = next((end for start, end in rules.boilerplate_blocks if start.search(line)), None)
        if opener is not None:
            block_end = opener
            continue
        if rules.is_boilerplate_line(line):
            continue
        kept.append((line, n))

    # 2. The title line names the skill.
    title_at = None
    for i, (line, _n) in enumerate(kept):
        head, _ = rules.split_marker(line)
        if structural(line):
            break
        if _title(head, lang):
            title_at = i
            break
    if title_at is None:
        raise InputError(where, "no recognisable skill: no title line '<skill name> <CODE>' "
                                f"before the first heading (read as {lang.english_name})")
    head, title_marker = rules.split_marker(kept[title_at][0])
    name, code = _title(head, lang)
    base = {"framework": framework, "lang": lang_tag, "skill": code}
    segs: list[dict] = [{**base, "element": "name", "level": None, "item": None, "text": name,
                         "marker": title_marker, "origin": f"{where}:{kept[title_at][1]}", "line": kept[title_at][1]}]

    section = "header"
    marker: str | None = title_marker
    header_paras: list[tuple[str, int]] = []
    counters = {"guidance": 0, "activity": 0}
    current_level: int | None = None
    level_lines: list[tuple[str, int]] = []
    level_marker: str | None = None
    seen_levels: dict[int, int] = {}
    section_segs: list[dict] = segs[:]  # segments the current section's marker labels

    def set_marker(m: str, n: int):
        nonlocal marker
        marker = m
        for s in section_segs:
            s["marker"] = m

    def flush_level():
        if current_level is None:
            return
        text = " ".join(t for t, _ in level_lines).strip()
        if text and not rules.is_not_defined(text):
            segs.append({**base, "element": "level", "level": current_level, "item": None, "text": text,
                         "marker": level_marker, "origin": f"{where}:{level_lines[0][1]}",
                         "line": level_lines[0][1]})

    def flush_header():
        if not header_paras:
            return
        first, n = header_paras[0]
        seg = {**base, "element": "description", "level": None, "item": None, "text": first,
               "marker": marker, "origin": f"{where}:{n}", "line": n}
        segs.append(seg)
        section_segs.append(seg)
        # Paragraphs after the description with no guidance heading: guidance notes.
        for text, n in header_paras[1:]:
            add_guidance(text, n)

    def add_guidance(line: str, n: int):
        bullet = rules.bullet_text(line)
        if bullet == "":
            return
        kind = "activity" if bullet is not None else "guidance"
        counters[kind] += 1
        seg = {**base, "element": kind, "level": None, "item": counters[kind],
               "text": bullet if bullet is not None else line, "marker": marker if section == "guidance" else None,
               "origin": f"{where}:{n}", "line": n}
        segs.append(seg)
        if section == "guidance":
            section_segs.append(seg)

    for line, n in kept[title_at + 1:]:
        head, inline_marker = rules.split_marker(line)
        only_marker = rules.marker_of(line)
        lvl = level_of(line)
        if lvl is not None:
            if section == "header":
                flush_header()
            flush_level()
            if lvl in seen_levels:
                raise InputError(f"{where}:{n}", f"level {lvl} appears twice (first at line {seen_levels[lvl]})")
            seen_levels[lvl] = n
            section, current_level, level_lines, level_marker = "level", lvl, [], inline_marker
            continue
        if rules.is_guidance_heading(head):
            if section == "header":
                flush_header()
            flush_level()
            section, current_level = "guidance", None
            marker = inline_marker
            section_segs = []
            continue
        if only_marker:
            if section == "level":
                level_marker = only_marker
            elif section == "header" and not header_paras:
                set_marker(only_marker, n)
            elif section == "guidance" and not section_segs:
                marker = only_marker
            else:
                raise InputError(f"{where}:{n}", f"marker ({only_marker}) after the text of its section; "
                                                 "a marker must follow the heading it labels")
            continue
        if section == "header":
            header_paras.append((line, n))
        elif section == "guidance":
            add_guidance(line, n)
        else:
            level_lines.append((line, n))
    if section == "header":
        flush_header()
    flush_level()
    return segs
