"""Documents for people: Excel workbooks and PDF reports, one way for every report.

Workbooks: a sheet per table, a bold frozen header row in the reader's language. PDFs: A4, Chinese
set in the Adobe CID font STSong-Light that every PDF viewer carries (nothing to embed or fetch).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (key, zh header, en header)
Columns = Sequence[tuple[str, str, str]]
FONT = "STSong-Light"


def sheets(tables: Sequence[tuple[str, Columns, Sequence[dict[str, Any]]]], lang: str) -> bytes:
    """A workbook of (title, columns, rows) sheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, columns, rows in tables:
        ws = wb.create_sheet(title[:31])  # Excel's limit on a sheet name
        ws.append([zh if lang == "zh" else en for _, zh, en in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in rows:
            ws.append([r.get(k) for k, _, _ in columns])
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook(title: str, columns: Columns, rows: Sequence[dict[str, Any]], lang: str) -> bytes:
    """A one-sheet workbook."""
    return sheets([(title, columns, rows)], lang)


class Pdf:
    """A report being set: headings, paragraphs and tables, then `bytes()`."""

    def __init__(self, title: str) -> None:
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        self.title = title
        self.body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13)
        self.h1 = ParagraphStyle("h1", parent=self.body, fontSize=15, leading=20, spaceAfter=4)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontSize=11, leading=16, spaceBefore=8)
        self.story: list[Any] = []

    def p(self, text: object, style: Any = None) -> Any:
        from reportlab.platypus import Paragraph

        return Paragraph(str(text), style or self.body)

    def heading(self, text: str, top: bool = False) -> None:
        self.story.append(self.p(text, self.h1 if top else self.h2))

    def para(self, text: str) -> None:
        self.story.append(self.p(text))

    def table(self, rows: list[list[Any]], widths_mm: Sequence[float]) -> None:
        """A table whose first row is the header; cells may be text or paragraphs."""
        from reportlab.lib import colors
        from reportlab.lib.units import mm
        from reportlab.platypus import Spacer, Table, TableStyle

        cells = [[c if not isinstance(c, str) or len(c) < 40 else self.p(c) for c in r]
                 for r in rows]  # fmt: skip
        t = Table(cells, colWidths=[w * mm for w in widths_mm], repeatRows=1)
        t.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), FONT, 8),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))  # fmt: skip
        self.story += [t, Spacer(1, 3 * mm)]

    def bytes(self) -> bytes:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.platypus import SimpleDocTemplate

        out = io.BytesIO()
        SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                          topMargin=15 * mm, bottomMargin=15 * mm,
                          title=self.title).build(self.story)  # fmt: skip
        return out.getvalue()
