"""Staff pages: the published tables. The catalogue, a period (and an "as at" day) to choose, each table's
downloads, the monthly report, and the published UK figures beside the system's own.

Aggregates only: nothing here names a person, so reading these pages is not logged as a personal read.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from returnhub.core.errors import InvalidInput
from returnhub.core.http.deps import ClockDep, SessionDep
from returnhub.statistics import exports, tables
from returnhub.web.ui.templating import page

router = APIRouter(prefix="/ui", include_in_schema=False)

FILE_FORMATS = ("csv", "xlsx", "ods", "parquet", "pdf")
FORMAT_NAMES = {
    "csv": "CSV",
    "xlsx": "Excel (XLSX)",
    "ods": "OpenDocument (ODS)",
    "parquet": "Parquet",
    "pdf": "PDF",
}


def _period(start: str | None, end: str | None, as_at: str | None, today: date) -> tables.Period:
    def parse(value: str | None, what: str) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"{what} must be a date like 2026-01-31") from None

    # Default: the last full quarter, as the published series are quarterly.
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_end = quarter_start - timedelta(days=1)
    last_start = date(last_end.year, last_end.month - 2, 1)
    return tables.Period(
        parse(start, "The first day") or last_start,
        parse(end, "The last day") or last_end,
        parse(as_at, "The 'as at' day"),
    )


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    as_at: Annotated[str | None, Query()] = None,
) -> Response:
    period = _period(start, end, as_at, clock.today())
    query = f"from={period.start.isoformat()}&to={period.end.isoformat()}"
    if period.as_at:
        query += f"&as_at={period.as_at.isoformat()}"
    published = tables.produce(session, "published_beside_system", period)
    context = {
        "period": period,
        "query": query,
        "catalogue": list(tables.CATALOGUE.values()),
        "formats": [(f, FORMAT_NAMES[f]) for f in FILE_FORMATS],
        "published_columns": published.columns,
        "published_rows": published.rows(),
        "month": period.start,
    }
    return page(request, "statistics/reports.html", context, title="Published tables")


@router.get("/reports/{table}.{fmt}")
def reports_download(
    table: str,
    fmt: str,
    session: SessionDep,
    clock: ClockDep,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    as_at: Annotated[str | None, Query()] = None,
) -> Response:
    period = _period(start, end, as_at, clock.today())
    if fmt not in FILE_FORMATS:
        raise InvalidInput(f"tables come as {', '.join(FILE_FORMATS)}, not {fmt!r}")
    if table == "monthly":
        from returnhub.statistics.pdf import monthly_report

        data = monthly_report(session, period.start.year, period.start.month, as_at=period.as_at)
        name = f"returnhub-monthly-{period.start:%Y-%m}.pdf"
        return Response(data, media_type=exports.MEDIA_TYPES["pdf"], headers=_attachment(name))
    spec = tables.table(table)
    frame = tables.produce(session, spec.slug, period)
    title = tables.title_for(spec, period)
    if fmt == "pdf":
        from returnhub.statistics.pdf import table_pdf

        data = table_pdf(frame, title=title, source=spec.source)
    else:
        data = exports.to_bytes(frame, fmt, title=title, sheet=spec.slug)
    name = f"returnhub-{spec.slug}-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
    return Response(data, media_type=exports.MEDIA_TYPES[fmt], headers=_attachment(name))


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}
