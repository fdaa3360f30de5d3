"""REST: the table catalogue, any table for a period (JSON or a file), and imports of legacy exports.

``POST /imports`` runs synchronously: it checks every row and, when none is bad, writes in one
transaction of its own, then answers with the result (a 100,000-row file takes a few seconds). A file
with a bad row is a 422 problem whose ``errors`` list every bad row; nothing is written.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from returnhub.core.errors import InvalidInput
from returnhub.core.http.deps import RuntimeDep, SessionDep
from returnhub.core.http.problems import PROBLEM_RESPONSES, problem
from returnhub.statistics import exports, tables
from returnhub.statistics.views import ReportCatalogue

router = APIRouter(tags=["statistics"], responses=PROBLEM_RESPONSES)


@router.get("/reports", response_model=ReportCatalogue)
def list_reports() -> ReportCatalogue:
    """The table catalogue: each table's name, title, description and source, and the formats."""
    return ReportCatalogue(
        tables=tables.catalogue(), formats=["json", *exports.FORMATS], monthly_report="monthly"
    )


@router.get("/reports/{table}", response_model=None)
def get_report(
    table: str,
    session: SessionDep,
    start: Annotated[date, Query(alias="from", description="First day of the period.")],
    end: Annotated[date, Query(alias="to", description="Last day of the period.")],
    as_at: Annotated[date | None, Query(description="The record as it stood at the end of this day.")] = None,
    fmt: Annotated[str, Query(alias="format", description="json, csv, xlsx, ods, parquet or pdf.")] = "json",
    suppress_below: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> Response | dict[str, Any]:
    """A table for the period (as at ``as_at``); ``monthly`` is the PDF report of the month of ``from``."""
    if table == "monthly":
        from returnhub.statistics.pdf import monthly_report

        data = monthly_report(session, start.year, start.month, as_at=as_at)
        name = f"returnhub-monthly-{start:%Y-%m}.pdf"
        return Response(data, media_type=exports.MEDIA_TYPES["pdf"], headers=_attachment(name))
    spec = tables.table(table)
    period = tables.Period(start, end, as_at)
    frame = tables.produce(session, spec.slug, period, suppress_below=suppress_below)
    title = tables.title_for(spec, period)
    if fmt == "json":
        return {
            "table": spec.slug,
            "title": title,
            "source": spec.source,
            "columns": frame.columns,
            "rows": frame.to_dicts(),
        }
    exports.check_format(fmt)
    if fmt == "pdf":
        from returnhub.statistics.pdf import table_pdf

        data = table_pdf(frame, title=title, source=spec.source)
    else:
        data = exports.to_bytes(frame, fmt, title=title, sheet=spec.slug)
    name = f"returnhub-{spec.slug}-{start.isoformat()}-{end.isoformat()}.{fmt}"
    return Response(data, media_type=exports.MEDIA_TYPES[fmt], headers=_attachment(name))


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.post("/imports", response_model=None)
async def post_import(
    file: UploadFile, runtime: RuntimeDep, dry_run: Annotated[bool, Query()] = False
) -> JSONResponse | dict[str, Any]:
    """Import a legacy export (CSV or XLSX, one row per event); see docs/import.md for the columns."""
    import anyio

    from returnhub.casework.imports import import_file, read_table

    content = await file.read()
    if not content:
        raise InvalidInput("the file is empty")
    frame = read_table(content=content, name=file.filename or "upload.csv")

    def run() -> Any:
        return import_file(
            runtime.engine, frame, clock=runtime.clock, dry_run=dry_run, recorded_by="import-api"
        )

    report = await anyio.to_thread.run_sync(run)
    if report.errors and not dry_run:
        return problem(
            422,
            "Invalid input",
            f"{report.bad_rows:,} of {report.rows:,} rows are bad; nothing was imported",
            "invalid-input",
            "/imports",
            errors=report.errors,
        )
    out: dict[str, Any] = report.as_dict()
    return out
