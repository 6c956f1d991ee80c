"""``review.xlsx``: one sheet per language for reviewers who work in Excel.

openpyxl stamps the save time into docProps/core.xml and every zip entry; both are
replaced by constants so the same run gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from pipeline.report.model import LangView

EPOCH = dt.datetime(2000, 1, 1)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
HEADERS = ["skill", "element", "level", "item", "drift", "English SFIA 8", "English SFIA 9",
           "SFIA 8 translation", "SFIA 9 translation", "marker", "findings", "best MT candidate",
           "origin", "reviewer decision", "reviewer comment"]
TARGET_COLS = {"SFIA 8 translation", "SFIA 9 translation", "best MT candidate"}
WIDTHS = {"English SFIA 8": 50, "English SFIA 9": 50, "SFIA 8 translation": 50, "SFIA 9 translation": 50,
          "findings": 50, "best MT candidate": 45, "origin": 30, "reviewer comment": 30}
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell(v):
    """Control characters dropped (XML cannot hold them)."""
    if v is None:
        return None
    if isinstance(v, str):
        v = _ILLEGAL.sub("", v)
    return v


def review_workbook(views: list[LangView]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.remove(wb.active)
    if not views:
        wb.create_sheet("no languages")
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDDDDD")
    wrap = Alignment(wrap_text=True, vertical="top")
    wrap_rtl = Alignment(wrap_text=True, vertical="top", horizontal="right", readingOrder=2)
    for v in views:
        ws = wb.create_sheet(title=v.lang[:31])
        for j, name in enumerate(HEADERS, start=1):
            c = ws.cell(row=1, column=j, value=name)
            c.font, c.fill = bold, head_fill
            ws.column_dimensions[c.column_letter].width = WIDTHS.get(name, 12)
        rtl = v.direction == "rtl"
        styles = [wrap_rtl if rtl and name in TARGET_COLS else wrap for name in HEADERS]
        # Cells are written by row and column number: ws[row] and ws.max_row scan the whole
        # sheet on every call, which made a 2,000-segment language take half a minute.
        i = 1
        for r in v.rows:
            i += 1
            best = next((c for c in r["candidates"] if c.get("best")), None)
            fs = "\n".join(f"{f['severity']} {f['code']}: {f['message']}" for f in r["findings"])
            values = (r["skill"], r["element"], r["level"], r["item"], r["drift"], r["en_8"], r["en_9"],
                      r["tgt_8"], r["tgt_9"], r["marker"], fs or None,
                      f"{best['provider']}: {best['text']}" if best and best.get("text") else None,
                      r["origin_tgt_9"] or r["origin_tgt_8"], None, None)
            for j, (x, style) in enumerate(zip(values, styles, strict=True), start=1):
                c = ws.cell(row=i, column=j, value=_cell(x))
                if c.data_type == "f":  # data is text: a translation starting with '=' is no formula
                    c.data_type = "s"
                c.alignment = style
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(HEADERS)).column_letter}{i}"
        dv = DataValidation(type="list", formula1='"accept,edit,reject"', allow_blank=True)
        ws.add_data_validation(dv)
        if i > 1:
            letter = ws.cell(row=1, column=HEADERS.index("reviewer decision") + 1).column_letter
            dv.add(f"{letter}2:{letter}{i}")
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
