"""The statistics page: each chart with its table and downloads, counted from a synthetic population."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select, update

from returnhub.casework.bulk import load_population
from returnhub.casework.models import case_projection
from returnhub.casework.snapshots import next_mark
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.safeguards.service import run_screening
from returnhub.statistics import aggregates, service
from returnhub.synthetic import generate_population
from tests.web.pages import page_client

P = case_projection.c
PEOPLE = 300


@pytest.fixture
def population(runtime: Runtime, clock: FixedClock) -> Runtime:
    pop = generate_population(PEOPLE, 7, today=clock.today())
    load_population(runtime.engine, pop.persons, pop.events, clock=clock)
    return runtime


def _arrival_years(runtime: Runtime) -> Counter[int]:
    """Counted in Python from the projection's dates: independent of the SQL year extraction."""
    with unit_of_work(runtime.engine, read_only=True) as s:
        days = s.execute(select(P.arrived_on).where(P.arrived_on.is_not(None))).scalars().all()
    return Counter(d.year for d in days)


def _section(html: str, slug: str) -> str:
    found = re.search(rf'<section aria-labelledby="{slug}">(.*?)</section>', html, flags=re.S)
    assert found is not None, slug
    return found.group(1)


def test_arrivals_table_counts_everyone_who_arrived(population: Runtime) -> None:
    years = _arrival_years(population)
    assert sum(years.values()) > 0
    with page_client(population, "analyst") as browser:
        page = browser.get("/ui/statistics")
        table = browser.get("/ui/statistics/arrivals.csv")
    assert page.status_code == 200, page.text[:500]
    arrivals = _section(page.text, "arrivals")
    total = re.search(r"<tfoot>.*?<strong>([\d,]+)</strong>", arrivals, flags=re.S)
    assert total is not None
    assert int(total.group(1).replace(",", "")) == sum(years.values())
    assert (
        f'src="/ui/statistics/arrivals.svg" alt="Bar chart of arrivals by year from {min(years)}' in arrivals
    )

    assert table.status_code == 200
    assert table.headers["content-type"].startswith("text/csv")
    assert table.headers["content-disposition"].startswith("attachment;")
    header, *rows = list(csv.reader(io.StringIO(table.text)))
    assert header == ["Year", "Arrivals"]
    counted = {int(year): int(n) for year, n in rows}
    # Every year from the first to the last is a row, with zeros where nobody arrived.
    assert list(counted) == list(range(min(years), max(years) + 1))
    assert counted == {y: years.get(y, 0) for y in counted}


def test_the_downloads_match_the_table_and_open(population: Runtime) -> None:
    with unit_of_work(population.engine, read_only=True) as s:
        decisions = service.asylum_decisions_by_year(s)
        decided = s.execute(
            select(P.claim_outcome).where(P.claim_decided_on.is_not(None), P.claim_outcome.is_not(None))
        ).scalars()
        by_outcome = Counter(decided)
    assert decisions["total"].sum() == sum(by_outcome.values()) > 0
    assert {o: int(decisions[o].sum()) for o in by_outcome} == dict(by_outcome)
    with page_client(population, "independent_monitor") as browser:
        table = browser.get("/ui/statistics/asylum-decisions.csv")
        sheet = browser.get("/ui/statistics/asylum-decisions.xlsx")
        chart = browser.get("/ui/statistics/asylum-decisions.svg")
    header, *rows = list(csv.reader(io.StringIO(table.text)))
    assert header == ["Year", "Grant", "Refuse", "Withdrawn", "Certified", "Inadmissible", "Total"]
    assert [[int(v) for v in row] for row in rows] == [list(r) for r in decisions.iter_rows()]

    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    assert "attachment" in sheet.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(sheet.content)) as workbook:
        worksheet = workbook.read("xl/worksheets/sheet1.xml").decode()
        shared = workbook.read("xl/sharedStrings.xml").decode()
    assert "Certified" in shared
    assert worksheet.count("<row ") == decisions.height + 1  # the headings and one row per year

    assert chart.status_code == 200
    assert chart.headers["content-type"] == "image/svg+xml"
    assert chart.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert b"<svg" in chart.content[:1000] and b"<script" not in chart.content


def test_hub_occupancy_and_exits_are_counted_from_stays(population: Runtime) -> None:
    # Stays are written by the departure gate; here the projection rows are set directly so that the
    # aggregates can be checked against dates chosen by hand.
    stays = [
        ("GBR-MKD-H1", date(2026, 1, 15), date(2026, 3, 10), "absconded"),
        ("GBR-MKD-H1", date(2026, 1, 31), None, None),
        ("GBR-MKD-H1", date(2026, 2, 1), date(2026, 2, 28), "onward_return_voluntary"),
        ("GBR-MKD-H2", date(2026, 3, 1), date(2026, 5, 2), "onward_return_voluntary"),
    ]
    with unit_of_work(population.engine) as s:
        ids = s.execute(select(P.case_id).order_by(P.case_id).limit(len(stays))).scalars().all()
        for case_id, (hub, arrived, exited, reason) in zip(ids, stays, strict=True):
            s.execute(
                update(case_projection)
                .where(P.case_id == case_id)
                .values(
                    hub=hub,
                    hub_arrived_on=arrived,
                    hub_exited_on=exited,
                    hub_exit_reason=reason,
                    change_mark=next_mark(s),
                )
            )
        # Written past the event store: the page's kept counts are refilled (`returnhub statistics rebuild`).
        aggregates.rebuild(s.connection())
    with unit_of_work(population.engine, read_only=True) as s:
        occupancy = service.hub_occupancy_by_month(s, date(2026, 6, 1))
        exits = service.hub_exits_by_year(s)
    assert occupancy.rows() == [
        (date(2026, 1, 31), 2, 0, 2),
        (date(2026, 2, 28), 2, 0, 2),  # one came and left in February (gone by the end of the 28th)
        (date(2026, 3, 31), 1, 1, 2),
        (date(2026, 4, 30), 1, 1, 2),
        (date(2026, 5, 31), 1, 0, 1),
        (date(2026, 6, 1), 1, 0, 1),
    ]
    assert occupancy.columns == ["month_end", "GBR-MKD-H1", "GBR-MKD-H2", "total"]
    assert exits.rows(named=True) == [
        {
            "year": 2026,
            "onward_return_voluntary": 2,
            "onward_return_enforced": 0,
            "returned_to_sending_state": 0,
            "transferred_elsewhere": 0,
            "absconded": 1,
            "died": 0,
            "other": 0,
            "total": 3,
        }
    ]
    with page_client(population, "hub_liaison") as browser:
        page = browser.get("/ui/statistics")
        table = browser.get("/ui/statistics/hub-occupancy.csv")
    assert "Voluntary onward return" in _section(page.text, "returns")
    assert "31 March 2026" in _section(page.text, "hub-occupancy")
    assert list(csv.reader(io.StringIO(table.text)))[1] == ["2026-01-31", "2", "0", "2"]


def test_screening_by_rule_comes_from_the_latest_screening(population: Runtime, clock: FixedClock) -> None:
    with page_client(population, "admin") as browser:
        before = browser.get("/ui/statistics")
        assert "No caseload screening has been run yet" in _section(before.text, "screening")
        assert "/ui/statistics/screening." not in before.text  # nothing linked
        assert browser.get("/ui/statistics/screening.svg").status_code == 404
        with unit_of_work(population.engine) as s:
            stored = run_screening(
                s, pack="uk", stage="hub_referral", as_of=clock.today(), clock=clock, created_by="test"
            )
            by_rule, cases = dict(stored.by_rule), stored.cases
        after = browser.get("/ui/statistics")
        table = browser.get("/ui/statistics/screening.csv")
    section = _section(after.text, "screening")
    assert 'src="/ui/statistics/screening.svg"' in section
    assert f"Of {cases:,} cases" in section
    header, *rows = list(csv.reader(io.StringIO(table.text)))
    assert header == ["Rule", "Rule title", "Barred or waiting for review"]
    assert {rule: int(n) for rule, _, n in rows} == by_rule
    assert any(int(n) > 0 for n in by_rule.values())


def test_unknown_chart_or_format_is_not_found(population: Runtime) -> None:
    with page_client(population, "caseworker") as browser:
        assert browser.get("/ui/statistics/nonsense.svg").status_code == 404
        assert browser.get("/ui/statistics/arrivals.png").status_code == 404
        assert browser.get("/ui/statistics/arrivals.csv").status_code == 200


def test_a_legal_representative_cannot_see_the_statistics(runtime: Runtime) -> None:
    with page_client(runtime, "legal_representative") as browser:
        assert browser.get("/ui/statistics").status_code == 403
        assert browser.get("/ui/statistics/arrivals.csv").status_code == 403
