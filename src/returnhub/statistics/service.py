"""The statistics page's tables: one function per chart, each counting people by their current facts.

The counts are kept up to date with every write (``aggregates``: small tables changed in the same
transaction as each append and bulk load), so a table costs a read of a few hundred rows whatever the size
of the caseload; only the grouped counts (years, outcomes, hubs and days) reach Python. When the kept
counts miss an event, the same counts are made over the case projection in SQL instead. No function
returns anything about an individual.

The projection holds each person's *current* facts, so a table counts each person once, by their latest
fact of that kind: a person whose claim was decided twice (a fresh claim) counts once, under the latest
decision; a person who stayed in two hubs counts in the latest stay only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any, get_args

import polars as pl
from sqlalchemy.orm import Session

from returnhub.casework.events import AppealDecided, AsylumClaimDecided, HubExit
from returnhub.safeguards import service as safeguards
from returnhub.safeguards.views import ScreeningOut
from returnhub.statistics import aggregates


def _outcomes(payload: Any, field: str) -> tuple[str, ...]:
    """The values an event's outcome may take, from its payload model: one list for the store and here."""
    return tuple(str(v) for v in get_args(payload.model_fields[field].annotation))


#: Columns of the tables below, in the order of the event catalogue.
CLAIM_OUTCOMES = _outcomes(AsylumClaimDecided, "outcome")
APPEAL_OUTCOMES = _outcomes(AppealDecided, "outcome")
HUB_EXIT_REASONS = _outcomes(HubExit, "reason")


def _yearly(session: Session, measure: str) -> list[tuple[int, str, int]]:
    """(year, category, people) of one of ``aggregates.YEARLY``."""
    counted = aggregates.counts(session, only=measure)
    return [(year, category, n) for (_, _, year, category), n in counted.items()]


def _by_year_and_category(
    rows: Iterable[Sequence[Any]], categories: Sequence[str], *, count_name: str = "total"
) -> pl.DataFrame:
    """(year, category, n) rows to one row per year, a column per category and the total.

    Years between the first and the last with nothing in them appear as zeros, so a chart's axis has no
    silent gaps. A category the catalogue does not know (older data) gets a column of its own.
    """
    counts: dict[int, dict[str, int]] = {}
    columns = list(categories)
    for year, category, n in rows:
        if year is None:
            continue
        key = str(category)
        if key not in columns:
            columns.append(key)
        per_year = counts.setdefault(int(year), {})
        per_year[key] = per_year.get(key, 0) + int(n)
    years = range(min(counts), max(counts) + 1) if counts else range(0)
    data: dict[str, list[int]] = {"year": list(years)}
    for column in columns:
        data[column] = [counts.get(y, {}).get(column, 0) for y in years]
    data[count_name] = [sum(counts.get(y, {}).values()) for y in years]
    return pl.DataFrame(data, schema=dict.fromkeys(data, pl.Int64))


def arrivals_by_year(session: Session) -> pl.DataFrame:
    """People by the calendar year they arrived in the sending state.

    Counts every person whose arrival is recorded (``arrived_on``); a person registered without an
    arrival event is not counted. Columns: ``year``, ``arrivals``.
    """
    counts: dict[int, int] = {}
    for y, _, n in _yearly(session, "arrivals"):
        counts[y] = counts.get(y, 0) + n
    years = list(range(min(counts), max(counts) + 1)) if counts else []
    return pl.DataFrame(
        {"year": years, "arrivals": [counts.get(y, 0) for y in years]},
        schema={"year": pl.Int64, "arrivals": pl.Int64},
    )


def asylum_decisions_by_year(session: Session) -> pl.DataFrame:
    """Initial asylum decisions by the year decided and the outcome (grant, refuse, withdrawn, certified).

    One decision per person: the latest decision on their current claim. Columns: ``year``, one per
    outcome, ``total``.
    """
    return _by_year_and_category(_yearly(session, "claim_decisions"), CLAIM_OUTCOMES)


def appeal_decisions_by_year(session: Session) -> pl.DataFrame:
    """Appeal decisions by the year decided and the outcome (allowed, dismissed, withdrawn).

    One decision per person: the latest appeal decided, whatever its tier. Columns: ``year``, one per
    outcome, ``total``.
    """
    return _by_year_and_category(_yearly(session, "appeal_decisions"), APPEAL_OUTCOMES)


def hub_exits_by_year(session: Session) -> pl.DataFrame:
    """Returns by type: people who left a hub, by the year they left and why (voluntary onward return,
    enforced onward return, returned to the sending state, transferred elsewhere, absconded, died, other).

    Columns: ``year``, one per reason, ``total``.
    """
    return _by_year_and_category(_yearly(session, "hub_exits"), HUB_EXIT_REASONS)


def _month_end(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def hub_occupancy_by_month(session: Session, until: date) -> pl.DataFrame:
    """People in each hub at the end of each month, from the first arrival at any hub to ``until``.

    A person is in a hub at the end of a day if they arrived on or before it and had not left by it
    (``hub_arrived_on`` <= day < ``hub_exited_on``). The last row is dated ``until`` rather than its month
    end. Built from the people who arrived and left per hub and day (``aggregates``) and running sums, so
    the database never returns a stay. Columns: ``month_end``, one per hub reference, ``total``.
    """
    flows: dict[tuple[str, int, int], int] = {}
    for (_, hub, day, flow), n in aggregates.counts(session, only="hub", until=until).items():
        key = (hub, day.year, day.month)
        flows[key] = flows.get(key, 0) + (n if flow == "in" else -n)
    hubs = sorted({hub for hub, _, _ in flows})
    if not hubs:
        return pl.DataFrame(schema={"month_end": pl.Date, "total": pl.Int64})
    year, month = min((y, m) for _, y, m in flows)
    month_ends: list[date] = []
    running = dict.fromkeys(hubs, 0)
    data: dict[str, list[int]] = {hub: [] for hub in hubs}
    while (year, month) <= (until.year, until.month):
        for hub in hubs:
            running[hub] += flows.get((hub, year, month), 0)
            data[hub].append(running[hub])
        month_ends.append(min(_month_end(year, month), until))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    totals = [sum(data[hub][i] for hub in hubs) for i in range(len(month_ends))]
    return pl.DataFrame(
        {"month_end": month_ends, **data, "total": totals},
        schema={"month_end": pl.Date, **dict.fromkeys(hubs, pl.Int64), "total": pl.Int64},
    )


def latest_screening(session: Session) -> ScreeningOut | None:
    """The headline of the most recent stored caseload screening (the safeguards context owns it)."""
    return safeguards.latest_screening_summary(session)


def screening_by_rule(session: Session) -> pl.DataFrame | None:
    """Rule by rule, in the latest screening: how many cases the rule barred or left waiting for review.

    A case stopped by two rules counts under both, so the column does not add up to the cases barred.
    None when no screening has been run. Columns: ``rule``, ``title``, ``barred_or_review``.
    """
    screening = latest_screening(session)
    if screening is None:
        return None
    titles = {str(r.get("id")): str(r.get("title", "")) for r in screening.rules or []}
    by_rule = screening.by_rule or {}
    return pl.DataFrame(
        {
            "rule": list(by_rule),
            "title": [titles.get(rule, "") for rule in by_rule],
            "barred_or_review": [int(n) for n in by_rule.values()],
        },
        schema={"rule": pl.String, "title": pl.String, "barred_or_review": pl.Int64},
    )
