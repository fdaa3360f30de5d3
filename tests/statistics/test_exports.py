"""Every table as CSV, XLSX, ODS, Parquet and PDF; the monthly report renders and holds its tables' text."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import polars as pl
import pytest
from sqlalchemy.engine import Engine

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.statistics import exports, tables
from returnhub.statistics.pdf import monthly_report, table_pdf

from .test_tables import Q, _people


def _pdf_text(data: bytes) -> tuple[str, int]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    text = []
    for page in pdf:
        image = page.render(scale=1).to_pil()
        assert image.size[0] > 500 and image.getextrema() != ((255, 255), (255, 255), (255, 255))
        text.append(page.get_textpage().get_text_range())
    return "\n".join(text), len(pdf)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_table_in_every_format(engine: Engine, clock: FixedClock) -> None:
    _people(engine, clock)
    with unit_of_work(engine, read_only=True) as s:
        for slug, spec in tables.CATALOGUE.items():
            frame = tables.produce(s, slug, Q)
            title = tables.title_for(spec, Q)
            csv = exports.to_bytes(frame, "csv", title=title)
            assert pl.read_csv(csv).columns == frame.columns
            parquet = pl.read_parquet(io.BytesIO(exports.to_bytes(frame, "parquet", title=title)))
            assert parquet.equals(frame)
            xlsx = pl.read_excel(
                io.BytesIO(exports.to_bytes(frame, "xlsx", title=title)), read_options={"header_row": 1}
            )
            assert xlsx.columns == frame.columns and xlsx.height == frame.height
            ods = zipfile.ZipFile(io.BytesIO(exports.to_bytes(frame, "ods", title=title)))
            assert ods.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
            assert all(c.encode() in ods.read("content.xml") for c in frame.columns)
            text, _ = _pdf_text(table_pdf(frame, title=title, source=spec.source))
            assert spec.title.split(",")[0] in text.replace("\r\n", " ").replace("\n", " ")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_monthly_report_renders_with_its_tables(engine: Engine, clock: FixedClock) -> None:
    _people(engine, clock)
    with unit_of_work(engine, read_only=True) as s:
        data = monthly_report(s, 2026, 2)
    text, pages = _pdf_text(data)
    flat = " ".join(text.split())
    assert pages >= 2
    assert "monthly report, February 2026" in flat
    # The returns chart's table: 2 enforced (charter) and 1 voluntary return in February.
    assert "Enforced return 2" in flat and "Voluntary return 1" in flat
    assert date(2026, 2, 1).strftime("%B") in flat
