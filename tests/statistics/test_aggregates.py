"""The statistics page's kept counts: after any appends and bulk loads they equal a recount of the projection,
the page's tables read from them equal the same tables recounted, and counts that missed an event are caught
(`statistics check`), recounted on the page meanwhile, and refilled (`statistics rebuild`)."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from returnhub.casework import store
from returnhub.casework.bulk import load_population
from returnhub.casework.imports import import_file, read_table
from returnhub.casework.store import append_event
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.statistics import aggregates, service
from returnhub.synthetic import generate_population
from tests.casework.test_cli import run
from tests.casework.test_import import HEADER, _write

from ..casework.helpers import add_person

DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 5, 31))
HUBS = st.sampled_from(["GBR-MKD-H1", "GBR-MKD-H2", "ITA-ALB-H1"])
#: (event type, payload strategy, recorded through the gate)
EVENTS: list[tuple[str, Any, bool]] = [
    ("arrival", st.fixed_dictionaries({"route": st.sampled_from(["small_boat", "air"])}), False),
    ("asylum_claim_lodged", st.just({}), False),
    (
        "asylum_claim_decided",
        st.fixed_dictionaries({"outcome": st.sampled_from(service.CLAIM_OUTCOMES)}),
        False,
    ),
    ("appeal_decided", st.fixed_dictionaries({"outcome": st.sampled_from(service.APPEAL_OUTCOMES)}), False),
    ("arrived_at_hub", st.fixed_dictionaries({"hub": HUBS}), True),
    ("hub_exit", st.fixed_dictionaries({"reason": st.sampled_from(service.HUB_EXIT_REASONS)}), True),
]
STEP = st.one_of(
    st.tuples(st.just("event"), st.integers(0, 2), st.sampled_from(range(len(EVENTS))), DAYS, st.data()),
    # A stay: arrival at a hub and, some days later (or never), the exit.
    st.tuples(st.just("stay"), st.integers(0, 2), HUBS, DAYS, st.integers(0, 400)),
    # A retraction of one of the person's earlier events (the n-th, wrapped).
    st.tuples(st.just("retract"), st.integers(0, 2), st.integers(0, 50)),
)
_people = itertools.count(1)


def _append(
    s: Any, clock: FixedClock, ref: str, event_type: str, on: date, data: dict[str, Any], gate: bool
) -> None:
    append_event(s, ref, event_type, on, data, clock=clock, recorded_by="test", via_gate=gate)


def _retract(s: Any, clock: FixedClock, ref: str, nth: int) -> None:
    events = store.load_legal_events(s, store.get_person(s, ref).id)
    withdrawn = {e.data["sequence"] for e in events if e.event_type == "event_retracted"}
    open_ = [e for e in events if e.event_type != "event_retracted" and e.sequence not in withdrawn]
    if open_:
        target = open_[nth % len(open_)]
        data = {"sequence": target.sequence, "reason": "recorded in error"}
        _append(s, clock, ref, "event_retracted", target.occurred_on, data, True)


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=12))
def test_after_any_appends_the_kept_counts_equal_a_recount(
    engine: Engine, clock: FixedClock, steps: list[tuple[Any, ...]]
) -> None:
    # The fixture empties the database once; each example adds three people of its own, and the counts of
    # everyone must still agree.
    with unit_of_work(engine) as s:
        refs = [f"RH{next(_people):07d}" for _ in range(3)]
        for ref in refs:
            add_person(s, ref)
        for kind, who, *rest in steps:
            ref = refs[who]
            if kind == "retract":
                _retract(s, clock, ref, rest[0])
            elif kind == "stay":
                hub, arrived, length = rest
                _append(s, clock, ref, "arrived_at_hub", arrived, {"hub": hub}, True)
                left = arrived + timedelta(days=length)
                if length < 300 and left <= clock.today():
                    _append(s, clock, ref, "hub_exit", left, {"reason": "absconded"}, True)
            else:
                event_type, payload, gate = EVENTS[rest[0]]
                _append(s, clock, ref, event_type, rest[1], rest[2].draw(payload), gate)
    with unit_of_work(engine, read_only=True) as s:
        assert aggregates.freshness(s).current
        assert aggregates.kept(s) == aggregates.recount(s)


def _tables(session: Any, today: date) -> list[pl.DataFrame]:
    return [
        service.arrivals_by_year(session),
        service.asylum_decisions_by_year(session),
        service.appeal_decisions_by_year(session),
        service.hub_exits_by_year(session),
        service.hub_occupancy_by_month(session, today),
        service.hub_occupancy_by_month(session, today - timedelta(days=400)),
    ]


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_bulk_load_keeps_the_counts_and_the_page_reads_them(
    runtime: Runtime, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    pop = generate_population(400, 5, today=clock.today())
    load_population(runtime.engine, pop.persons, pop.events, clock=clock, chunk_persons=150)
    with unit_of_work(runtime.engine) as s:
        add_person(s, "RH0009999")
        _append(s, clock, "RH0009999", "arrived_at_hub", date(2026, 2, 1), {"hub": "GBR-MKD-H1"}, True)
        _append(s, clock, "RH0009999", "hub_exit", date(2026, 4, 2), {"reason": "absconded"}, True)
    with unit_of_work(runtime.engine, read_only=True) as s:
        assert aggregates.freshness(s).current
        assert aggregates.kept(s) == aggregates.recount(s)
        read = _tables(s, clock.today())
        recounted: list[Any] = []
        with monkeypatch.context() as m:
            m.setattr(aggregates, "kept", lambda *a, **k: pytest.fail("the kept counts were read"))
            m.setattr(aggregates, "freshness", lambda conn: aggregates.Freshness(0, 1))
            recounted = _tables(s, clock.today())
    assert sum(read[0]["arrivals"]) > 0 and sum(read[1]["total"]) > 0
    for kept_frame, recount_frame in zip(read, recounted, strict=True):
        assert kept_frame.equals(recount_frame)
    assert read[4].columns == ["month_end", "GBR-MKD-H1", "total"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_counts_that_missed_an_event_are_caught_recounted_and_rebuilt(
    runtime: Runtime, clock: FixedClock, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(runtime.engine) as s:
        add_person(s, "RH0000001")
        _append(s, clock, "RH0000001", "arrival", date(2024, 3, 1), {"route": "air"}, False)
    code, out, _ = run(runtime, capsys, "statistics", "check", "--json")
    assert code == 0 and json.loads(out) == {
        "ok": True,
        "events_counted": 1,
        "events_recorded": 1,
        "differing_counts": 0,
    }
    # An append made without the hook (a wiring mistake, or a restore): the counts fall behind.
    monkeypatch.setattr(
        store, "POST_APPEND_HOOKS", [h for h in store.POST_APPEND_HOOKS if h is not aggregates.after_append]
    )
    with unit_of_work(runtime.engine) as s:
        _append(s, clock, "RH0000001", "asylum_claim_decided", date(2025, 1, 5), {"outcome": "grant"}, False)
    monkeypatch.undo()
    with unit_of_work(runtime.engine, read_only=True) as s:
        assert aggregates.freshness(s) == aggregates.Freshness(counted=1, recorded=2)
        # The page counts from the projection meanwhile: the decision is there.
        assert service.asylum_decisions_by_year(s).select("year", "grant").rows() == [(2025, 1)]
    code, out, err = run(runtime, capsys, "statistics", "check")
    assert code == 1 and "reflect 1 of 2 events" in err and "statistics rebuild" in err
    code, out, err = run(runtime, capsys, "statistics", "rebuild", "--json")
    assert code == 0 and json.loads(out)["events"] == 2
    code, _, err = run(runtime, capsys, "statistics", "check")
    assert code == 0 and "agree with a recount (2 events)" in err
    with unit_of_work(runtime.engine, read_only=True) as s:
        assert aggregates.kept(s) == aggregates.recount(s)
        assert aggregates.kept(s)[("yearly", "claim_decisions", 2025, "grant")] == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_import_keeps_the_counts_for_new_and_known_people(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    # New people go through the bulk loader's hook, a row for a known person through the store's.
    import_file(engine, read_table(_write(tmp_path / "a.csv", range(1, 6))), clock=clock)
    later = tmp_path / "b.csv"
    row = "S1-5,P1,,,,,,asylum_claim_decided,2025-02-01,,grant"
    later.write_text(",".join(HEADER) + "\n" + row + "\n", encoding="utf-8")
    import_file(engine, read_table(later), clock=clock)
    with unit_of_work(engine, read_only=True) as s:
        assert aggregates.freshness(s) == aggregates.Freshness(counted=21, recorded=21)
        kept = aggregates.kept(s)
        assert kept == aggregates.recount(s)
    assert kept[("yearly", "claim_decisions", 2024, "refuse")] == 4
    assert kept[("yearly", "claim_decisions", 2025, "grant")] == 1
    assert kept[("yearly", "arrivals", 2024, "")] == 5
