"""Staff pages: the policy simulator's shipped scenarios as reports people read.

Each scenario page shows fan charts, a year-by-year table, the assumptions with their sources, the
levers and, where a frontier search has been run for a target starting from it, the silver-bullet
table. The numbers come from `simulation.report` (a cached run of 200 replications); a PDF of the
same report is drawn the way the statistics reports are. Synthetic scenarios: no person records.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from returnhub.core.errors import NotFound
from returnhub.simulation import report
from returnhub.simulation.errors import ScenarioError
from returnhub.simulation.scenario import load_scenario
from returnhub.web.ui.templating import page

router = APIRouter(prefix="/ui", include_in_schema=False)

#: The SVG is a document of its own when opened directly; matplotlib styles it inline.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _report(name: str) -> report.ScenarioReport:
    try:
        return report.scenario_report(name)
    except ScenarioError as error:
        raise NotFound(str(error)) from None


@router.get("/simulations", response_class=HTMLResponse)
def simulations_page(request: Request) -> Response:
    scenarios = []
    for name in report.scenario_names():
        scenario = load_scenario(report.scenario_path(name))
        scenarios.append({"name": name, "title": scenario.name, "description": scenario.description})
    answers = [
        {"answer": answer, "rows": report.frontier_rows(answer)} for answer in report.frontier_answers()
    ]
    return page(
        request,
        "simulations/index.html",
        {"scenarios": scenarios, "answers": answers, "levers": report.plain_lever_table()},
        title="Simulations",
    )


@router.get("/simulations/{name}", response_class=HTMLResponse)
def scenario_page(request: Request, name: str) -> Response:
    found = _report(name)
    answers = [
        {"answer": answer, "rows": report.frontier_rows(answer, found.currency)}
        for answer in report.frontier_answers()
        if answer.scenario == name
    ]
    context = {
        "report": found,
        "charts": [(key, title) for key, (_, title, _) in report.CHARTS.items()],
        "answers": answers,
        "levers": report.plain_lever_table(),
    }
    return page(request, "simulations/report.html", context, title=found.scenario.name)


@router.get("/simulations/{name}/charts/{chart}.svg")
def scenario_chart(name: str, chart: str) -> Response:
    found = _report(name)
    if chart not in report.CHARTS:
        raise NotFound(f"there is no chart called {chart!r}")
    return Response(
        report.fan_chart(found, chart),
        media_type="image/svg+xml",
        headers={"Content-Security-Policy": SVG_CSP},
    )


@router.get("/simulations/{name}/report.pdf")
def scenario_pdf(name: str) -> Response:
    found = _report(name)
    headers = {"Content-Disposition": f'attachment; filename="returnhub-simulation-{name}.pdf"'}
    return Response(report.report_pdf(found), media_type="application/pdf", headers=headers)
