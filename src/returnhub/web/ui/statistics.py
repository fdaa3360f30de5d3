"""Staff pages: statistics. Charts of the scheme, each with its table and CSV and XLSX downloads.

Aggregates only: nothing here names a person, so reading these pages is not logged as a personal read.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from returnhub.core.errors import NotFound
from returnhub.core.http.deps import ClockDep, SessionDep
from returnhub.statistics import charts, service
from returnhub.web.ui.templating import page

router = APIRouter(prefix="/ui", include_in_schema=False)

#: The SVG is a document of its own when opened directly: matplotlib styles its elements inline, and it
#: needs nothing else (no script, no fetch).
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(request: Request, session: SessionDep, clock: ClockDep) -> Response:
    context = {
        "charts": charts.overview(session, clock.today()),
        "screening": service.latest_screening(session),
        "today": clock.today(),
    }
    return page(request, "statistics/index.html", context, title="Statistics")


@router.get("/statistics/{chart}.{fmt}")
def statistics_download(chart: str, fmt: str, session: SessionDep, clock: ClockDep) -> Response:
    if fmt not in charts.FORMATS:
        raise NotFound(f"charts come as {', '.join(charts.FORMATS)}, not {fmt!r}")
    found, frame = charts.chart_table(session, chart, clock.today())
    if fmt == "svg":
        return Response(
            charts.render_svg(found, frame),
            media_type="image/svg+xml",
            headers={"Content-Security-Policy": SVG_CSP},
        )
    filename = f"returnhub-{found.slug}-{clock.today().isoformat()}.{fmt}"
    attachment = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        return Response(charts.to_csv(found, frame), media_type="text/csv; charset=utf-8", headers=attachment)
    return Response(
        charts.to_xlsx(found, frame),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=attachment,
    )
