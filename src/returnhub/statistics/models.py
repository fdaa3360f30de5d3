"""The statistics page's counts, kept up to date as the record changes (``aggregates.py`` keeps them)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Integer, String, Table

from returnhub.core.database import Base

#: People per (measure, year, category): arrivals per year (category ""), and initial asylum decisions,
#: appeal decisions and hub exits per year and outcome (or reason). Each person once, by their current facts.
statistics_yearly = Table(
    "statistics_yearly",
    Base.metadata,
    Column("measure", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("category", String(64), primary_key=True),
    Column("people", BigInteger, nullable=False),
)

#: People who arrived at a hub (flow "in") or left it (flow "out") on a day, by their current stay: month-end
#: occupancy up to any day is the running sum of these.
statistics_hub_days = Table(
    "statistics_hub_days",
    Base.metadata,
    Column("hub", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("flow", String(3), primary_key=True),
    Column("people", BigInteger, nullable=False),
)

#: How many case events the counts above reflect (row "events"): a read compares it with the event log's
#: head, so counts that missed an append are never shown as if they were current.
statistics_marks = Table(
    "statistics_marks",
    Base.metadata,
    Column("name", String(32), primary_key=True),
    Column("events", BigInteger, nullable=False),
)
