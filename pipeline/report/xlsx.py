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
    for v in views:
        ws = wb.create_sheet(title=v.lang[:31])
        ws.append(HEADERS)
        for c in ws[1]:
            c.font, c.fill = bold, head_fill
        rtl = v.direction == "rtl"
        for r in v.rows:
            best = next((c for c in r["candidates"] if c.get("best")), None)
            fs = "\n".join(f"{f['severity']} {f['code']}: {f['message']}" for f in r["findings"])
            ws.append([_cell(x) for x in (
                r["skill"], r["element"], r["level"], r["item"], r["drift"], r["en_8"], r["en_9"],
                r["tgt_8"], r["tgt_9"], r["marker"], fs or None,
                f"{best['provider']}: {best['text']}" if best and best.get("text") else None,
                r["origin_tgt_9"] or r["origin_tgt_8"], None, None)])
            for c in ws[ws.max_row]:
                if c.data_type == "f":  # data is text: a translation starting with '=' is no formula
                    c.data_type = "s"
        wrap = Alignment(wrap_text=True, vertical="top")
        wrap_rtl = Alignment(wrap_text=True, vertical="top", horizontal="right", readingOrder=2)
        for col_idx, name in enumerate(HEADERS, start=1):
            letter = ws.cell(row=1, column=col_idx).column_letter
            ws.column_dimensions[letter].width = WIDTHS.get(name, 12)
            style = wrap_rtl if rtl and name in TARGET_COLS else wrap
            for row in ws.iter_rows(min_row=2, min_col=col_idx, max_col=col_idx):
                row[0].alignment = style
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        dv = DataValidation(type="list", formula1='"accept,edit,reject"', allow_blank=True)
        ws.add_data_validation(dv)
        if ws.max_row > 1:
            col = HEADERS.index("reviewer decision") + 1
            letter = ws.cell(row=1, column=col).column_letter
            dv.add(f"{letter}2:{letter}{ws.max_row}")
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
