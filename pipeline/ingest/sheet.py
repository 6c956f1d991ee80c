"""Official SFIA skills spreadsheets: xlsx as published, or CSV in any common encoding.

SFIA 8 columns: ``#, Levels (7 columns), Code, Skill, Category, Subcategory, Overall
description, Guidance notes, Level 1..7 description``; SFIA 9 adds ``URL`` after ``Code``.
Columns are found by their header names, so either set (and a translated sheet with the
same headers) reads alike. ``_x000D_`` artefacts and CR/LF are removed; guidance notes
split into paragraphs and activity bullets (:func:`split_guidance`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from pipeline.encoding import decode, nfc
from pipeline.errors import InputError
from pipeline.keys import SKILL_CODE_RE

X000D = re.compile(r"_x000[dD]_")
CODE_RE = SKILL_CODE_RE
LEVEL_COL = re.compile(r"^level\s*([1-7])\s*description$", re.IGNORECASE)
URL_VERSION = re.compile(r"/(?:skillcode|shortcode)/(\d+)/", re.IGNORECASE)


def clean_cell(value) -> str:
    """Cell text with Excel's _x000D_ escapes, CRs and trailing no-break spaces removed."""
    if value is None:
        return ""
    text = nfc(X000D.sub("", str(value)))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def join_lines(text: str) -> str:
    """A statement whose sentences the sheet put on separate lines, as one line."""
    return " ".join(line.strip() for line in clean_cell(text).split("\n") if line.strip())


def split_guidance(text: str, bullets: tuple[str, ...] = ("-", "•")) -> list[tuple[str, str, int]]:
    """Split guidance notes into ``(kind, text, line_index)``; kind is 'guidance' or 'activity'.

    A line ending with ':' opens a list; the non-blank lines after it (a blank line may
    follow the lead-in) are its bullets, up to the next blank line. A line starting with a
    bullet character is a bullet wherever it stands. Every other line is a paragraph.
    """
    out: list[tuple[str, str, int]] = []
    in_list = False
    items_in_list = 0
    for i, raw in enumerate(clean_cell(text).split("\n")):
        line = raw.strip()
        if not line:
            if in_list and items_in_list:
                in_list = False
            continue
        bullet = next((line[len(b):].strip() for b in bullets
                       if line.startswith(b) and len(line) > len(b) and line[len(b)].isspace()), None)
        if bullet is not None:
            out.append(("activity", bullet, i))
            continue
        if in_list and not line.endswith(":"):
            out.append(("activity", line, i))
            items_in_list += 1
            continue
        out.append(("guidance", line, i))
        in_list = line.endswith(":")
        items_in_list = 0
    return out


class NoHeaderError(InputError):
    """The sheet has no SFIA header row (another sheet of the workbook may have one)."""


@dataclass(frozen=True)
class Loc:
    """Where a cell was read: ``origin`` for display, and a line (CSV) or a cell (xlsx)."""

    origin: str
    line: int | None = None
    cell: str | None = None

    def __str__(self) -> str:
        return self.origin


@dataclass
class SkillRow:
    code: str
    cells: dict[str, tuple[str, Loc]] = field(default_factory=dict)  # column -> (text, where)
    url: str = ""


def _find_columns(header: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for j, h in enumerate(header):
        name = " ".join(str(h or "").split()).lower()
        m = LEVEL_COL.match(name)
        if m:
            cols[f"level{m.group(1)}"] = j
        elif name in ("code", "skill", "url", "overall description", "guidance notes", "description"):
            key = "overall description" if name == "description" else name
            cols.setdefault(key, j)
    return cols


def _col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _rows_from_table(rows: list[tuple[list, int]], where: str, origin_of) -> tuple[list[SkillRow], int | None]:
    """rows: (cells, row-id) pairs; origin_of(row_id, col_index) -> :class:`Loc`."""
    header_at = None
    for i, (cells, _) in enumerate(rows[:10]):
        cols = _find_columns([str(c or "") for c in cells])
        if "code" in cols and "skill" in cols:
            header_at = i
            break
    if header_at is None:
        raise NoHeaderError(where, "not a SFIA skills sheet: no header row with 'Code' and 'Skill' columns")
    cols = _find_columns([str(c or "") for c in rows[header_at][0]])
    out: list[SkillRow] = []
    versions: set[int] = set()
    seen: dict[str, str] = {}
    for cells, rid in rows[header_at + 1:]:
        def cell(key, cells=cells):
            j = cols.get(key)
            return clean_cell(cells[j]) if j is not None and j < len(cells) else ""
        code = cell("code").strip()
        if not code:
            if any(str(c or "").strip() for c in cells):
                raise InputError(str(origin_of(rid, cols["code"])), "row has text but no skill code")
            continue
        if not CODE_RE.match(code):
            raise InputError(str(origin_of(rid, cols["code"])), f"not a SFIA skill code: {code[:40]!r}")
        if code in seen:
            raise InputError(str(origin_of(rid, cols["code"])), f"skill {code} appears twice (first at {seen[code]})")
        seen[code] = str(origin_of(rid, cols["code"]))
        row = SkillRow(code=code, url=cell("url").strip())
        m = URL_VERSION.search(row.url)
        if m:
            versions.add(int(m.group(1)))
        for key in ("skill", "overall description", "guidance notes", *(f"level{n}" for n in range(1, 8))):
            if key in cols:
                row.cells[key] = (cell(key), origin_of(rid, cols[key]))
        out.append(row)
    framework = versions.pop() if len(versions) == 1 else None
    return out, framework


def read_csv_rows(data: bytes, where: str, legacy: tuple[str, ...] = (),
                  scripts: tuple[str, ...] = ()) -> tuple[list[SkillRow], int | None]:
    text, _enc = decode(data, where, legacy, scripts)
    header = text.split("\n", 1)[0]
    # Excel's dialect; only the delimiter varies between exports (comma, semicolon, tab).
    delimiter = max(",;\t", key=header.count)
    # strict: a quote opened and never closed is an error, not the rest of the file in one cell
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter, strict=True)
    rows = []
    start = 1
    try:
        for cells in reader:
            rows.append((cells, start))
            start = reader.line_num + 1
    except csv.Error as e:
        raise InputError(f"{where}:{start}", csv_problem(e)) from None
    return _rows_from_table(rows, where, lambda rid, j: Loc(f"{where}:{rid}", line=rid))


def csv_problem(e: csv.Error) -> str:
    """The csv module's complaint, said for the person who has to repair the file."""
    if "unexpected end of data" in str(e):
        return ('malformed CSV: a quoted cell that starts on this line is never closed (an unmatched "), '
                "so the rest of the file would read as one cell")
    if "expected after" in str(e):
        return ('malformed CSV: a quote (") in a quoted cell starting on this line is not doubled, or a quote is '
                "never closed: the cells after it cannot be told apart")
    return f"malformed CSV: {e}"


def read_xlsx_rows(path, where: str) -> tuple[list[SkillRow], int | None]:
    import openpyxl  # imported here: startup of other commands stays fast

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError) as e:
        raise InputError(where, f"not a readable xlsx workbook (truncated or corrupt: {e})") from None
    except Exception as e:  # openpyxl raises assorted errors on damaged archives
        raise InputError(where, f"not a readable xlsx workbook ({type(e).__name__}: {e})") from None
    try:
        last_error = None
        for ws in wb.worksheets:
            try:
                rows = [(list(r), i) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
            except Exception as e:  # zlib, expat, zipfile... all mean a damaged workbook
                raise InputError(where, f"xlsx sheet {ws.title!r} cannot be read (truncated or corrupt: "
                                        f"{type(e).__name__}: {e})") from None
            try:
                return _rows_from_table(rows, where, lambda rid, j, t=ws.title: Loc(
                    f"{where}:{t}!{_col_letter(j)}{rid}", cell=f"{t}!{_col_letter(j)}{rid}"))
            except NoHeaderError as e:
                last_error = e
                continue
        raise InputError(where, "no sheet with a 'Code' and a 'Skill' column (is this a SFIA skills spreadsheet?)") \
            from last_error
    finally:
        wb.close()


def rows_to_segments(rows: list[SkillRow], framework: int, lang: str, bullets=("-", "•")) -> list[dict]:
    segs: list[dict] = []
    for row in rows:
        base = {"framework": framework, "lang": lang, "skill": row.code, "marker": None}
        name, loc = row.cells.get("skill", ("", None))
        if join_lines(name):
            segs.append({**base, "element": "name", "level": None, "item": None,
                         "text": join_lines(name), **_where(loc)})
        desc, loc = row.cells.get("overall description", ("", None))
        if join_lines(desc):
            segs.append({**base, "element": "description", "level": None, "item": None,
                         "text": join_lines(desc), **_where(loc)})
        guid, loc = row.cells.get("guidance notes", ("", None))
        counters = {"guidance": 0, "activity": 0}
        for kind, text, _i in split_guidance(guid, bullets):
            counters[kind] += 1
            segs.append({**base, "element": kind, "level": None, "item": counters[kind],
                         "text": text, **_where(loc)})
        for n in range(1, 8):
            text, loc = row.cells.get(f"level{n}", ("", None))
            text = join_lines(text)
            if text:
                segs.append({**base, "element": "level", "level": n, "item": None, "text": text,
                             **_where(loc)})
    return segs


def _where(loc: Loc | None) -> dict:
    return {"origin": loc.origin, "line": loc.line, "cell": loc.cell} if loc is not None else {}
