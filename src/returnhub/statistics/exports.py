"""A table as a file: CSV, XLSX, ODS (GOV.UK publishes ODS) or Parquet.

The spreadsheets follow the Home Office workbook conventions (domain-research.md section 4): the
title, with its period and "as at" date, in row 1 and the column headers in row 2, so the parsers analysts
already use for the published files (``skip = 1``) read ours too.
"""

from __future__ import annotations

import io
from typing import Literal

import polars as pl

from returnhub.core.errors import InvalidInput

Format = Literal["csv", "xlsx", "ods", "parquet", "pdf"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "ods", "parquet", "pdf")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "parquet": "application/vnd.apache.parquet",
    "pdf": "application/pdf",
}


def check_format(value: str) -> str:
    if value not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, not {value!r}")
    return value


def _cell(value: object) -> object:
    return "" if value is None else value


def to_bytes(frame: pl.DataFrame, fmt: str, *, title: str, sheet: str = "Data") -> bytes:
    """The table in ``fmt`` (not PDF: see ``statistics.pdf``)."""
    if fmt == "csv":
        return frame.write_csv().encode("utf-8")
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        return buffer.getvalue()
    if fmt == "xlsx":
        import xlsxwriter

        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        bold = book.add_format({"bold": True})
        data = book.add_worksheet(f"Data_{sheet}"[:31])
        data.write(0, 0, title, bold)
        data.write_row(1, 0, frame.columns, bold)
        for i, row in enumerate(frame.iter_rows(), start=2):
            data.write_row(i, 0, [_cell(v) for v in row])
        notes = book.add_worksheet("Notes")
        notes.write(0, 0, "Synthetic data from returnhub; counts are events, as in the published series.")
        book.close()
        return buffer.getvalue()
    if fmt == "ods":
        return _ods(frame, title, sheet)
    raise InvalidInput(f"format must be one of csv, xlsx, ods, parquet for a table, not {fmt!r}")


def _ods(frame: pl.DataFrame, title: str, sheet: str) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name=f"Data_{sheet}"[:31])

    def add_row(values: list[object]) -> None:
        row = TableRow()
        for value in values:
            if isinstance(value, bool) or not isinstance(value, int | float):
                cell = TableCell(valuetype="string")
                cell.addElement(P(text="" if value is None else str(value)))
            else:
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            row.addElement(cell)
        table.addElement(row)

    add_row([title])
    add_row(list(frame.columns))
    for row in frame.iter_rows():
        add_row(list(row))
    doc.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    doc.write(buffer)
    return buffer.getvalue()
