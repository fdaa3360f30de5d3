"""The statistics page's counts, kept up to date as the record changes, instead of recounted per view.

The page's charts count each person once, by their current facts in the case projection. Counting that per
view is a scan of the projection (190 ms at 200,000 people on SQLite, five times that at 1,000,000), so the
counts are kept in small tables (``models.py``) and changed in the same transaction as each write that
changes a person's facts:

* ``after_append``, an event store post-append hook: the person's counts after the event (the fold the
  store just made) minus their counts before it (the fold of their earlier events);
* ``after_new_cases``, the bulk loader's hook (the seed, the importer's new cases): their counts, by the
  grouped query below restricted to their case ids.

The composition roots register both (``register_hooks``); casework does not import statistics.

One counting rule, two ways in: ``contributions`` says what one person adds to which count; ``recount``
counts the same over the projection in SQL. ``recount`` is the reference (the page's per-view count before
the tables existed), refills the tables (``rebuild``, ``returnhub statistics rebuild``), and answers for
them when they are stale: ``statistics_marks`` holds how many events the counts reflect, and a read compares
it with the event log's head (an append made without the hooks). A projection written past the event store
is not seen: rebuild after it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.orm import Session

from returnhub.casework import bulk, queries, store
from returnhub.casework.state import fold
from returnhub.core.clock import Clock
from returnhub.core.ledger import LedgerHead
from returnhub.statistics.models import statistics_hub_days, statistics_marks, statistics_yearly

log = logging.getLogger(__name__)

#: measure -> (the date it is counted by, the category it is split by; None: one count per year).
YEARLY: dict[str, tuple[str, str | None]] = {
    "arrivals": ("arrived_on", None),
    "claim_decisions": ("claim_decided_on", "claim_outcome"),
    "appeal_decisions": ("appeal_decided_on", "appeal_outcome"),
    "hub_exits": ("hub_exited_on", "hub_exit_reason"),
}
#: The hub flows: "in" on the day a person arrived at their (current) hub, "out" on the day they left it.
FLOWS = {"in": "hub_arrived_on", "out": "hub_exited_on"}
MARK = "events"

# A key of either table: ("yearly", measure, year, category) or ("hub", hub, day, flow).
Key = tuple[str, str, Any, str]


# --- one person ------------------------------------------------------------------------------------


def contributions(state: Any) -> Counter[Key]:
    """What one person (a ``CaseState`` or a projection row) adds to the counts: each by their latest fact
    of that kind, as ``recount`` counts them."""
    out: Counter[Key] = Counter()
    for measure, (day_field, category_field) in YEARLY.items():
        day = getattr(state, day_field)
        category = "" if category_field is None else getattr(state, category_field)
        if day is not None and category is not None:
            out[("yearly", measure, day.year, str(category))] += 1
    hub, arrived = state.hub, state.hub_arrived_on
    if hub is not None and arrived is not None:
        out[("hub", str(hub), arrived, "in")] += 1
        if state.hub_exited_on is not None:
            out[("hub", str(hub), state.hub_exited_on, "out")] += 1
    return out


def change(before: Any, after: Any) -> Counter[Key]:
    """The counts' change when a person's facts go from ``before`` to ``after`` (zeros left out)."""
    delta = contributions(after)
    delta.subtract(contributions(before))
    return Counter({k: n for k, n in delta.items() if n})


# --- the reference: a count over the projection ----------------------------------------------------------


def recount(
    conn: Connection | Session,
    *,
    only: str | None = None,
    until: date | None = None,
    cases: tuple[int, int] | None = None,
) -> Counter[Key]:
    """The counts, grouped in SQL over the projection (one row per person; casework's
    ``count_cases_by_year`` and ``count_cases_by_day``): every count, or ``only`` one measure of ``YEARLY``
    or ``"hub"`` (the flows, up to ``until`` when given); of everyone, or of the cases with ids in
    ``cases`` (inclusive)."""
    out: Counter[Key] = Counter()
    for measure, (day_field, category_field) in YEARLY.items():
        if only not in (None, measure):
            continue
        for year, category, n in queries.count_cases_by_year(conn, day_field, category_field, cases=cases):
            out[("yearly", measure, year, category)] += n
    for flow, day_field in FLOWS.items() if only in (None, "hub") else ():
        for hub, day, n in queries.count_cases_by_day(
            conn, "hub", day_field, filled=("hub_arrived_on",), until=until, cases=cases
        ):
            out[("hub", str(hub), day, flow)] += n
    return out


# --- the kept counts ----------------------------------------------------------------------------------


def _upsert(
    conn: Connection, table: Any, keys: Sequence[str], rows: list[dict[str, Any]], value: str = "people"
) -> None:
    """Insert ``rows``, or add their ``value`` to the rows already there (one statement, executemany)."""
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=list(keys), set_={value: table.c[value] + statement.excluded[value]}
        ),
        rows,
    )


def add(conn: Connection, delta: Mapping[Key, int], *, events: int) -> None:
    """Add ``delta`` to the counts and ``events`` to the events they reflect, in the caller's transaction."""
    yearly = [
        {"measure": m, "year": y, "category": c, "people": n}
        for (kind, m, y, c), n in delta.items()
        if kind == "yearly" and n
    ]
    hubs = [
        {"hub": h, "day": d, "flow": f, "people": n}
        for (kind, h, d, f), n in delta.items()
        if kind == "hub" and n
    ]
    _upsert(conn, statistics_yearly, ("measure", "year", "category"), yearly)
    _upsert(conn, statistics_hub_days, ("hub", "day", "flow"), hubs)
    if events:
        _upsert(conn, statistics_marks, ("name",), [{"name": MARK, "events": events}], "events")


@dataclass(frozen=True)
class Freshness:
    #: Events the counts reflect, and events in the log.
    counted: int
    recorded: int

    @property
    def current(self) -> bool:
        return self.counted == self.recorded


def freshness(conn: Connection | Session) -> Freshness:
    """The events the counts reflect against the events recorded, read in one statement (one snapshot)."""
    counted = select(statistics_marks.c.events).where(statistics_marks.c.name == MARK).scalar_subquery()
    recorded = select(LedgerHead.count).where(LedgerHead.name == store.EVENTS_LEDGER).scalar_subquery()
    row = conn.execute(select(func.coalesce(counted, 0), func.coalesce(recorded, 0))).one()
    return Freshness(int(row[0]), int(row[1]))


def kept(conn: Connection | Session, *, only: str | None = None, until: date | None = None) -> Counter[Key]:
    """The kept counts, in ``recount``'s shape and with its ``only`` and ``until``."""
    out: Counter[Key] = Counter()
    if only != "hub":
        y = statistics_yearly.c
        measure = [] if only is None else [y.measure == only]
        for m, year, category, n in conn.execute(
            select(y.measure, y.year, y.category, y.people).where(y.people != 0, *measure)
        ).all():
            out[("yearly", str(m), int(year), str(category))] = int(n)
    if only in (None, "hub"):
        h = statistics_hub_days.c
        bounded = [] if until is None else [h.day <= until]
        for hub, day, flow, n in conn.execute(
            select(h.hub, h.day, h.flow, h.people).where(h.people != 0, *bounded)
        ).all():
            out[("hub", str(hub), day, str(flow))] = int(n)
    return out


def counts(conn: Connection | Session, *, only: str | None = None, until: date | None = None) -> Counter[Key]:
    """The counts the page shows (``recount``'s shape): the kept ones when they reflect every event
    recorded; otherwise a recount of the projection (slower; logged, so that whoever runs the system runs
    ``returnhub statistics rebuild``)."""
    state = freshness(conn)
    if state.current:
        return kept(conn, only=only, until=until)
    log.warning(
        "the statistics counts reflect %s of %s events: counting from the case projection instead "
        "(run `returnhub statistics rebuild`)",
        state.counted,
        state.recorded,
    )
    return recount(conn, only=only, until=until)


def rebuild(conn: Connection) -> dict[str, int]:
    """Refill the counts from the projection, holding the event log's head so that no event is appended
    meanwhile. Returns the rows written and the events the counts now reflect."""
    head = select(LedgerHead.count).where(LedgerHead.name == store.EVENTS_LEDGER)
    conn.execute(head.with_for_update())  # PostgreSQL: appends wait from here (they take this row first)
    for table in (statistics_yearly, statistics_hub_days, statistics_marks):
        conn.execute(delete(table))
    # Read after the deletes: on SQLite they took the write lock, so no append commits after this read.
    events = int(conn.execute(head).scalar_one_or_none() or 0)
    counted = recount(conn)
    add(conn, counted, events=0)
    _upsert(conn, statistics_marks, ("name",), [{"name": MARK, "events": events}], "events")
    return {
        "yearly_rows": sum(1 for k in counted if k[0] == "yearly"),
        "hub_day_rows": sum(1 for k in counted if k[0] == "hub"),
        "events": events,
    }


# --- the hooks --------------------------------------------------------------------------------------


def after_append(session: Session, reference: str, result: store.AppendResult, clock: Clock) -> None:
    """The event store's post-append hook: the person's counts move from before the event to after it.

    Before is the fold of their events earlier in sequence, as the append read them (not the case as it is
    now: a hook of the same append may already have appended more, the departure gate's re-check, and those
    adjust the counts themselves)."""
    add(session.connection(), change(fold(list(result.earlier)), result.state), events=1)


def after_new_cases(conn: Connection, first_case: int, last_case: int, events: int) -> None:
    """The bulk loader's hook: cases ``first_case`` to ``last_case`` are new, with ``events`` events."""
    add(conn, recount(conn, cases=(first_case, last_case)), events=events)


def register_hooks() -> None:
    """Keep the counts with every append and bulk load. Called by the composition roots (the web app
    factory, the CLI's ``runtime()``, the benchmarks, the test suite)."""
    if after_append not in store.POST_APPEND_HOOKS:
        store.POST_APPEND_HOOKS.append(after_append)
    if after_new_cases not in bulk.NEW_CASES_HOOKS:
        bulk.NEW_CASES_HOOKS.append(after_new_cases)
