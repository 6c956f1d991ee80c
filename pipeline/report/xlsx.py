"""``review.xlsx``: one sheet per language for reviewers who work in Excel.

One row per finding (worst first; MT-candidate signals last, in their own lane) with the
segment key, the Phrase key, the English and the translation, and three columns for the
reviewer: ``decision`` (fix / false positive / accepted, a drop-down), ``comment / reason``
(the reason is required for a false positive) and ``corrected translation``. ``sfia-qa review
apply review.xlsx`` reads them back (:mod:`pipeline.review.decisions`). The key columns stay
frozen, every column filters, and a right-to-left language's sheet is laid out right to left.

openpyxl stamps the save time into docProps/core.xml and every zip entry; both are
replaced by constants so the same run gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from pipeline.report.model import LangView, draft_source
from pipeline.review.decisions import COL, DECISION_CHOICES, HEADERS  # noqa: F401  (COL: re-exported)

EPOCH = dt.datetime(2000, 1, 1)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# The columns (HEADERS, COL, DECISION_CHOICES) belong to the decisions model, which reads the
# filled-in workbook back: pipeline/review/decisions.py.
FROZEN = "H2"
TARGET_COLS = {"translation", "corrected translation"}
WIDTHS = {"English": 50, "translation": 50, "message": 45, "corrected translation": 45, "comment / reason": 30,
          "origin": 30, "Phrase key": 24, "check": 22, "decision": 14, "finding id": 14}
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # what XML 1.0 cannot hold


def _cell(v):
    """Control characters and the noncharacters U+FFFE/U+FFFF dropped (XML cannot hold them)."""
    if v is None:
        return None
    if isinstance(v, str):
        v = _ILLEGAL.sub("", v)
    return v


def rows_of(v: LangView) -> list[tuple]:
    """The sheet rows of one language: every finding tied to a segment, worst first."""
    out = []
    for r in v.rows:
        for f in r["findings"]:
            fw = f["framework"] or 9
            en = r["en_8"] if fw == 8 else r["en_9"]
            tgt = r["tgt_8"] if fw == 8 else r["tgt_9"]
            origin = r["origin_tgt_8"] if fw == 8 else r["origin_tgt_9"]
            text_is = "translation" if tgt is not None else None
            if tgt is None and fw == 9 and r.get("draft") and r["draft"].get("text"):
                tgt, text_is = r["draft"]["text"], f"draft ({draft_source(r['draft'].get('taken_from'))})"
            note = f"{f['review']} (review log)" if f["review"] else None
            out.append((f["severity"], f["code"], r["skill"], r["element"], r["level"], r["item"], f["key"],
                        f["check"], f["message"], en, tgt, None, note, None, v.lang, fw,
                        "MT signal" if f["lane"] == "mt" else "translation", origin or f["origin"], f["id"], text_is))
    order = {s: i for i, s in enumerate(("error", "warning", "info"))}
    out.sort(key=lambda t: (t[16] != "translation", order.get(t[0], 9)))  # stable: reading order within
    return out


def review_workbook(views: list[LangView]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    # write-only mode: rows stream into the sheet's XML as they are appended, rather than a
    # cell object per value kept for the whole workbook (three times faster at 20 languages)
    wb = Workbook(write_only=True)
    if not views:
        wb.create_sheet("no languages")
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDDDDD")
    wrap = Alignment(wrap_text=True, vertical="top")
    wrap_rtl = Alignment(wrap_text=True, vertical="top", horizontal="right", readingOrder=2)
    last = get_column_letter(len(HEADERS))
    for v in views:
        ws = wb.create_sheet(title=v.lang[:31])
        # what the sheet XML holds before its rows: column widths, view (frozen keys, direction)
        for j, name in enumerate(HEADERS, start=1):
            ws.column_dimensions[get_column_letter(j)].width = WIDTHS.get(name, 10)
        if v.direction == "rtl":
            ws.sheet_view.rightToLeft = True
        ws.freeze_panes = FROZEN
        head = []
        for name in HEADERS:
            c = WriteOnlyCell(ws, value=name)
            c.font, c.fill = bold, head_fill
            head.append(c)
        ws.append(head)
        # each column's style registered once; a cell takes the registered style's id (openpyxl
        # registers a style on every assignment otherwise: two thirds of the workbook's time)
        protos = []
        for name in HEADERS:
            p = WriteOnlyCell(ws)
            p.alignment = wrap_rtl if v.direction == "rtl" and name in TARGET_COLS else wrap
            protos.append(p._style)
        i = 1
        for values in rows_of(v):
            i += 1
            row = []
            for x, style in zip(values, protos, strict=True):
                c = WriteOnlyCell(ws, value=_cell(x))
                if c.data_type == "f":  # data is text: a translation starting with '=' is no formula
                    c.data_type = "s"
                c._style = style
                row.append(c)
            ws.append(row)
        ws.auto_filter.ref = f"A1:{last}{i}"
        choices = ",".join(DECISION_CHOICES)
        dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        if i > 1:
            letter = get_column_letter(HEADERS.index("decision") + 1)
            dv.add(f"{letter}2:{letter}{i}")
        ws.data_validations.append(dv)
    wb.properties.creator = "sfia-qa"
    wb.properties.created = EPOCH
    buf = io.BytesIO()
    wb.save(buf)
    return _normalize_zip(buf.getvalue())


def _normalize_zip(data: bytes) -> bytes:
    """Constant timestamps in docProps/core.xml and in every zip entry header."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\g<2>", text)
                body = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()
