"""The PDF kit every report shares: styles, a table as flowing rows, a chart image, the document.

Drawn with ReportLab (platypus); kept in core so that the statistics and the simulator's reports draw the
same way without one context importing the other (the statistics module reads operations' tables).
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl

#: Rows of a table shown in a PDF; a longer table says how many rows it left out (the file formats have all).
MAX_PDF_ROWS = 60


def styles() -> Any:
    from reportlab.lib.styles import getSampleStyleSheet

    return getSampleStyleSheet()


def table_flowable(frame: pl.DataFrame) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    sheet = styles()
    small = sheet["BodyText"].clone("small", fontSize=7, leading=8)
    if frame.height == 0:
        return [Paragraph("Nothing recorded in this period.", sheet["BodyText"])]
    shown = frame.head(MAX_PDF_ROWS)
    data = [[Paragraph(str(c), small) for c in shown.columns]]
    data += [[Paragraph("" if v is None else str(v), small) for v in row] for row in shown.iter_rows()]
    table = Table(data, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    out: list[Any] = [table]
    if frame.height > MAX_PDF_ROWS:
        out.append(
            Paragraph(f"{frame.height - MAX_PDF_ROWS:,} more rows in the CSV, XLSX or ODS file.", small)
        )
    return out


def document(story: list[Any], title: str) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author="returnhub",
    )
    doc.build(story)
    return buffer.getvalue()


def image(png: bytes) -> Any:
    from reportlab.lib.units import mm
    from reportlab.platypus import Image

    return Image(io.BytesIO(png), width=180 * mm, height=180 * mm * 2.6 / 7)
