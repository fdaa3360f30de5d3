"""PDFs: any table as a PDF, and the monthly scheme report with its charts and their tables.

Drawn with ReportLab (platypus: flowing tables and paragraphs); the charts are matplotlib ``Figure``s
(the Agg canvas, no pyplot state) rendered to PNG and placed in the document, each followed by the table
it draws, so the figures are in the text as well as in the picture.
"""

from __future__ import annotations

import io
from calendar import monthrange
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from returnhub.core.pdf import MAX_PDF_ROWS as MAX_PDF_ROWS
from returnhub.core.pdf import document as _document
from returnhub.core.pdf import image as _image
from returnhub.core.pdf import styles as _styles
from returnhub.core.pdf import table_flowable as _table_flowable
from returnhub.statistics import tables


def table_pdf(frame: pl.DataFrame, *, title: str, source: str) -> bytes:
    from reportlab.platypus import Paragraph, Spacer

    styles = _styles()
    story = [
        Paragraph(title, styles["Title"]),
        Paragraph(f"Source: {source}", styles["BodyText"]),
        Spacer(1, 8),
    ]
    return _document([*story, *_table_flowable(frame)], title)


def _bar_chart(labels: list[str], values: list[float], *, title: str, y_label: str) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 2.6), dpi=110)
    axes = figure.add_subplot()
    axes.bar(labels, values, color="#1d70b8")
    axes.set_title(title, fontsize=9)
    axes.set_ylabel(y_label, fontsize=8)
    axes.tick_params(labelsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def month_period(year: int, month: int, as_at: date | None = None) -> tables.Period:
    return tables.Period(date(year, month, 1), date(year, month, monthrange(year, month)[1]), as_at)


def monthly_report(session: Session, year: int, month: int, *, as_at: date | None = None) -> bytes:
    """The scheme's monthly report: returns by type, hub occupancy, transfers, stays, travel documents and
    the gate, each chart followed by its table."""
    from reportlab.platypus import PageBreak, Paragraph, Spacer

    period = month_period(year, month, as_at)
    styles = _styles()
    heading = f"Return-hub scheme: monthly report, {period.start:%B %Y}"
    known = f" as the record stood at the end of {as_at:%d %B %Y}" if as_at else ""
    story: list[Any] = [
        Paragraph(heading, styles["Title"]),
        Paragraph(
            f"Events from {period.start:%d %B %Y} to {period.end:%d %B %Y}{known}. "
            "Counts are events, as in the published series. Synthetic data.",
            styles["BodyText"],
        ),
        Spacer(1, 8),
    ]
    returns = tables.produce(session, "Ret_D02", period)
    by_type = (
        returns.group_by("Return type group").agg(pl.col("Number of returns").sum()).sort("Return type group")
        if returns.height
        else pl.DataFrame(schema={"Return type group": pl.String, "Number of returns": pl.Int64})
    )
    story += [Paragraph("Returns by type", styles["Heading2"])]
    if by_type.height:
        story.append(
            _image(
                _bar_chart(
                    by_type["Return type group"].to_list(),
                    by_type["Number of returns"].to_list(),
                    title="Returns by type",
                    y_label="Returns",
                )
            )
        )
    story += _table_flowable(by_type)
    occupancy = tables.produce(session, "hub_occupancy_weekly", period)
    story += [Paragraph("Hub occupancy by week", styles["Heading2"])]
    if occupancy.height:
        weekly = occupancy.group_by("Week ending").agg(pl.col("People in hub").sum()).sort("Week ending")
        story.append(
            _image(
                _bar_chart(
                    [f"{d:%d %b}" for d in weekly["Week ending"].to_list()],
                    weekly["People in hub"].to_list(),
                    title="People in the hubs at the end of each week",
                    y_label="People",
                )
            )
        )
    story += _table_flowable(occupancy)
    for slug in ("transfers_and_load", "stays_by_exit_reason", "etd_answer_times", "gate_stops_by_rule"):
        spec = tables.table(slug)
        story += [
            PageBreak() if slug == "etd_answer_times" else Spacer(1, 6),
            Paragraph(spec.title, styles["Heading2"]),
        ]
        story += _table_flowable(tables.produce(session, slug, period))
    return _document(story, heading)
