"""The published charts: which table each one shows, how it is drawn, and its downloads.

Each chart is one table from ``service``; the page shows the chart (SVG), the same table as HTML (the
accessible equivalent) and the table as CSV and XLSX. Charts are drawn server-side with matplotlib's
``Figure`` (the Agg canvas, no pyplot state), so concurrent requests cannot draw into each other.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import polars as pl
from sqlalchemy.orm import Session

from returnhub.core.errors import NotFound
from returnhub.statistics import service
from returnhub.statistics.views import ChartView

Kind = Literal["bars", "stacked", "lines", "rules"]
FORMATS = ("svg", "csv", "xlsx")

#: GOV.UK Design System colours, so the charts sit with the page (and read in greyscale by order).
PALETTE = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#505a5f", "#912b88", "#28a197")


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    #: What the table counts, in a sentence for the page.
    counts: str
    kind: Kind
    #: The column along the horizontal axis (the other numeric columns are the series, but ``total``).
    x: str
    y_label: str
    table: Callable[[Session, date], pl.DataFrame | None]
    headings: Mapping[str, str] = field(default_factory=dict)

    def heading(self, column: str) -> str:
        return self.headings.get(column, _label(column))

    def series(self, frame: pl.DataFrame) -> list[str]:
        return [c for c in frame.columns if c not in (self.x, "total", "title")]


CHARTS: dict[str, Chart] = {
    chart.slug: chart
    for chart in (
        Chart(
            "arrivals",
            "Arrivals by year",
            "People by the year they arrived, for everyone whose arrival is recorded.",
            "bars",
            "year",
            "People",
            lambda s, _: service.arrivals_by_year(s),
            {"year": "Year", "arrivals": "Arrivals"},
        ),
        Chart(
            "asylum-decisions",
            "Initial asylum decisions by outcome",
            "Initial decisions by the year decided and the outcome: each person once, by the latest decision "
            "on their current claim.",
            "stacked",
            "year",
            "Decisions",
            lambda s, _: service.asylum_decisions_by_year(s),
            {"year": "Year", "total": "Total"},
        ),
        Chart(
            "appeal-decisions",
            "Appeal decisions by outcome",
            "Appeals decided by the year decided and the outcome: each person once, by their latest appeal "
            "decided at any tier.",
            "stacked",
            "year",
            "Decisions",
            lambda s, _: service.appeal_decisions_by_year(s),
            {"year": "Year", "total": "Total"},
        ),
        Chart(
            "returns",
            "Returns by type: hub exits by reason",
            "People who left a hub, by the year they left and why.",
            "stacked",
            "year",
            "People",
            lambda s, _: service.hub_exits_by_year(s),
            {
                "year": "Year",
                "onward_return_voluntary": "Voluntary onward return",
                "onward_return_enforced": "Enforced onward return",
                "total": "Total",
            },
        ),
        Chart(
            "hub-occupancy",
            "Hub occupancy over time",
            "People in each hub at the end of each month (the last row is today), from the hubs' arrival "
            "and exit dates.",
            "lines",
            "month_end",
            "People in the hub",
            service.hub_occupancy_by_month,
            {"month_end": "Month end", "total": "All hubs"},
        ),
        Chart(
            "screening",
            "Rule-by-rule screening",
            "In the latest caseload screening, how many cases each rule barred or left waiting for review. "
            "A case stopped by two rules counts under both.",
            "rules",
            "rule",
            "Cases barred or waiting for review",
            lambda s, _: service.screening_by_rule(s),
            {"rule": "Rule", "title": "Rule title", "barred_or_review": "Barred or waiting for review"},
        ),
    )
}


def chart(slug: str) -> Chart:
    found = CHARTS.get(slug)
    if found is None:
        raise NotFound(f"there is no chart called {slug!r}; the charts are {', '.join(CHARTS)}")
    return found


def chart_table(session: Session, slug: str, today: date) -> tuple[Chart, pl.DataFrame]:
    """The chart and its table; NotFound for an unknown chart or one with nothing to draw from."""
    found = chart(slug)
    frame = found.table(session, today)
    if frame is None:
        raise NotFound(f"the {found.title.lower()} chart has no data: no screening has been run yet")
    return found, frame


# -- text ------------------------------------------------------------------------------------------


def _describe_x(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%B %Y")
    return str(value)


def alt_text(found: Chart, frame: pl.DataFrame) -> str:
    """A sentence saying what the chart shows, with its peak; the table under it gives every figure."""
    if frame.is_empty():
        return f"{found.title}: nothing to show yet."
    measure = "total" if "total" in frame.columns else found.series(frame)[0]
    if not found.series(frame):
        return f"{found.title}: nothing to show yet."
    peak = frame.row(int(frame[measure].arg_max() or 0), named=True)
    first, last = frame[found.x][0], frame[found.x][-1]
    shape = {
        "bars": "Bar chart",
        "stacked": "Stacked bar chart",
        "lines": "Line chart",
        "rules": "Bar chart",
    }[found.kind]
    span = (
        f"for {frame.height} rules"
        if found.kind == "rules"
        else f"from {_describe_x(first)} to {_describe_x(last)}"
    )
    return (
        f"{shape} of {found.title.lower()} {span}; the highest is {_describe_x(peak[found.x])} with "
        f"{int(peak[measure]):,}. The table below gives every figure."
    )


def table_rows(frame: pl.DataFrame) -> list[list[Any]]:
    return [list(row) for row in frame.iter_rows()]


# -- drawing ---------------------------------------------------------------------------------------


def render_svg(found: Chart, frame: pl.DataFrame) -> bytes:
    # Imported here: only the chart images pay for matplotlib's import.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 4.5))
    # A fixed layout: the constrained layout engine costs more than the drawing.
    figure.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.2 if found.kind == "rules" else 0.14)
    axes = figure.add_subplot()
    axes.set_title(found.title, fontsize=12, loc="left")
    axes.set_ylabel(found.y_label, fontsize=9)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    series = found.series(frame)
    if frame.is_empty() or not series:
        axes.text(0.5, 0.5, "Nothing to show yet", ha="center", va="center", transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_yticks([])
    elif found.kind == "lines":
        x = frame[found.x].to_list()
        for i, name in enumerate(series):
            axes.plot(x, frame[name].to_list(), color=PALETTE[i % len(PALETTE)], label=found.heading(name))
        if len(series) > 1:
            axes.plot(
                x, frame["total"].to_list(), color="#0b0c0c", linestyle="--", label=found.heading("total")
            )
        axes.legend(fontsize=8, loc="upper left", frameon=False)
        axes.tick_params(axis="x", labelsize=8)
    else:
        labels = [str(v) for v in frame[found.x].to_list()]
        positions = list(range(len(labels)))
        bottom = [0] * len(labels)
        drawn = [name for name in series if found.kind != "stacked" or frame[name].sum() > 0]
        for i, name in enumerate(drawn):
            values = frame[name].to_list()
            axes.bar(
                positions,
                values,
                bottom=bottom,
                color=PALETTE[i % len(PALETTE)],
                label=found.heading(name),
                width=0.7,
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        rotation = 45 if found.kind == "rules" else 0
        axes.set_xticks(positions, labels, fontsize=8, rotation=rotation)
        if found.kind == "stacked":
            axes.legend(fontsize=8, loc="upper left", frameon=False)
    axes.tick_params(axis="y", labelsize=8)
    buffer = io.BytesIO()
    # No date in the metadata: the same table draws the same bytes.
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


# -- downloads -------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def to_csv(found: Chart, frame: pl.DataFrame) -> str:
    """The table with the page's column headings; dates as YYYY-MM-DD."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([found.heading(c) for c in frame.columns])
    for row in frame.iter_rows():
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def to_xlsx(found: Chart, frame: pl.DataFrame) -> bytes:
    """The table as one worksheet: headings in bold and frozen, dates as real dates, numbers as numbers."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(found.slug[:31])
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for col, name in enumerate(frame.columns):
        heading = found.heading(name)
        sheet.write_string(0, col, heading, bold)
        sheet.set_column(col, col, max(10, min(len(heading) + 2, 40)))
    for r, row in enumerate(frame.iter_rows(), start=1):
        for col, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, col, value, day)
            elif value is None:
                sheet.write_blank(r, col, None)
            else:
                sheet.write(r, col, value)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


# -- the page --------------------------------------------------------------------------------------


def overview(session: Session, today: date) -> list[ChartView]:
    """Every chart with its table, ready to lay out; a chart without data says so and links nothing."""
    out: list[ChartView] = []
    for found in CHARTS.values():
        frame = found.table(session, today)
        out.append(
            ChartView(
                slug=found.slug,
                title=found.title,
                counts=found.counts,
                available=frame is not None,
                empty=frame is None or frame.is_empty(),
                alt=alt_text(found, frame) if frame is not None else "",
                headings=[found.heading(c) for c in frame.columns] if frame is not None else [],
                numeric=[dtype.is_numeric() for dtype in frame.dtypes] if frame is not None else [],
                rows=table_rows(frame) if frame is not None else [],
                total=_total_row(found, frame),
            )
        )
    return out


def _total_row(found: Chart, frame: pl.DataFrame | None) -> list[Any] | None:
    """Column sums for the tables of counts by year (a total of month-end occupancies means nothing)."""
    if frame is None or frame.is_empty() or found.x != "year":
        return None
    return ["Total", *(int(frame[c].sum()) for c in frame.columns[1:])]
