"""REST and pages: the catalogue, a table as JSON or a file, as at a day, imports as a synchronous job."""

from __future__ import annotations

import io

import polars as pl
import pytest

from returnhub.core.clock import FixedClock
from returnhub.core.runtime import Runtime
from tests.auth_helpers import authed_client
from tests.web.pages import page_client

from .test_tables import _people

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_catalogue_and_a_table_as_json_and_as_a_file(runtime: Runtime, clock: FixedClock) -> None:
    _people(runtime.engine, clock)
    with authed_client(runtime, "analyst") as client:
        listing = client.get("/reports").json()
        assert {"Ret_D01", "migr_eirtn", "published_beside_system"} <= {t["table"] for t in listing["tables"]}
        body = client.get("/reports/Ret_D01", params={"from": "2026-01-01", "to": "2026-03-31"}).json()
        assert sum(r["Number of returns"] for r in body["rows"]) == 4
        before = client.get(
            "/reports/Ret_D01", params={"from": "2026-01-01", "to": "2026-03-31", "as_at": "2026-01-31"}
        ).json()
        assert before["rows"] == []  # nothing had been recorded by then
        parquet = client.get(
            "/reports/Ret_D02", params={"from": "2026-01-01", "to": "2026-03-31", "format": "parquet"}
        )
        assert parquet.status_code == 200
        assert pl.read_parquet(io.BytesIO(parquet.content))["Number of returns"].sum() == 4
        monthly = client.get("/reports/monthly", params={"from": "2026-02-01", "to": "2026-02-28"})
        assert monthly.headers["content-type"] == "application/pdf" and monthly.content.startswith(b"%PDF")
        unknown = client.get("/reports/Ret_D99", params={"from": "2026-01-01", "to": "2026-03-31"})
        assert unknown.status_code == 404 and "Ret_D01" in unknown.json()["detail"]
        backwards = client.get("/reports/Ret_D01", params={"from": "2026-03-31", "to": "2026-01-01"})
        assert backwards.status_code == 422
        assert backwards.headers["content-type"].startswith("application/problem+json")
        # An analyst reads aggregates; importing writes cases, which is not theirs to do.
        refused = client.post("/imports", files={"file": ("a.csv", b"source_id\n")})
        assert refused.status_code == 403


def test_imports_list_every_bad_row_and_write_nothing(runtime: Runtime) -> None:
    header = (
        "source_id,person_id,family_name,given_name,date_of_birth,sex,nationality,"
        "event_type,occurred_on,route\n"
    )
    good = header + "S1,P1,Doe,Ana,1990-01-02,F,ALB,arrival,2024-01-05,small_boat\n"
    bad = good + "S2,P1,,,,,,arrival,2024-01-06,by_sea\n"
    with authed_client(runtime, "senior_caseworker") as client:
        refused = client.post("/imports", files={"file": ("legacy.csv", bad.encode())})
        assert refused.status_code == 422
        assert refused.json()["errors"] == [
            {
                "row": 3,
                "column": "route",
                "message": "Input should be 'small_boat', 'rescued_at_sea', 'air', 'lorry' or 'other'",
            }
        ]
        first = client.post("/imports", files={"file": ("legacy.csv", good.encode())}).json()
        second = client.post("/imports", files={"file": ("legacy.csv", good.encode())}).json()
    assert (first["imported"], second["imported"], second["already_imported"]) == (1, 0, 1)


def test_the_reports_page_lists_the_catalogue_with_downloads(runtime: Runtime, clock: FixedClock) -> None:
    _people(runtime.engine, clock)
    client = page_client(runtime, "analyst")
    html = client.get("/ui/reports", params={"from": "2026-01-01", "to": "2026-03-31"}).text
    assert "Ret_D01: Returns by nationality" in html
    assert 'href="/ui/reports/Ret_D01.ods?from=2026-01-01&amp;to=2026-03-31"' in html
    assert "monthly report for January 2026" in html
    ods = client.get("/ui/reports/Ret_D01.ods", params={"from": "2026-01-01", "to": "2026-03-31"})
    assert (
        ods.status_code == 200
        and ods.headers["content-type"] == "application/vnd.oasis.opendocument.spreadsheet"
    )
    published = client.get("/ui/reports", params={"from": "2024-01-01", "to": "2024-12-31"}).text
    assert "Enforced returns" in published and "8,164" in published  # the Home Office's 2024 figure
