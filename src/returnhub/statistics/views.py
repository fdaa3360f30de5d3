"""What statistics' reads return: the table catalogue (``GET /reports``, ``returnhub report list``) and the
staff page's charts with their tables. Shared by the API (its response model), the page and the command
line."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class TableEntry(BaseModel):
    """One table of the catalogue."""

    table: str
    title: str
    description: str
    source: str


class ReportCatalogue(BaseModel):
    """The tables ``GET /reports/{table}`` produces, the formats it writes, and the monthly report's name."""

    tables: list[TableEntry]
    formats: list[str]
    monthly_report: str


class ChartView(BaseModel):
    """One chart of the statistics page with the table behind it, ready to lay out."""

    slug: str
    title: str
    #: What the table counts, in a sentence for the page.
    counts: str
    #: False: the chart's source holds nothing yet (e.g. no screening has been run).
    available: bool
    empty: bool
    alt: str
    headings: list[str]
    #: Per column: whether it holds numbers (aligned right).
    numeric: list[bool]
    rows: list[list[Any]]
    #: Column sums for the tables of counts by year; None where a sum means nothing.
    total: list[Any] | None
