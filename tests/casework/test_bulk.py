"""The bulk loader gives the same chain and the same projection as the one-event-at-a-time path."""

from __future__ import annotations

import os
from typing import Any

import orjson
import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from returnhub.casework import bulk
from returnhub.casework.bulk import load_population
from returnhub.casework.events import validate_payload
from returnhub.casework.models import StoredEvent, case_projection
from returnhub.casework.store import count_cases, event_body_of, rebuild_projection, verify_chain
from returnhub.core import ledger
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.time import canonical_time
from returnhub.people.names import folded_name
from returnhub.synthetic import generate_population


def _rows(engine: Engine) -> list[dict[str, object]]:
    with unit_of_work(engine, read_only=True) as s:
        rows = s.execute(select(case_projection).order_by(case_projection.c.case_id)).mappings().all()
    # When a row was written and its change mark are bookkeeping, not the case's facts.
    return [{k: v for k, v in r.items() if k not in ("updated_at", "change_mark")} for r in rows]


def test_bulk_projection_equals_rebuild(engine: Engine, clock: FixedClock) -> None:
    pop = generate_population(300, 5, today=clock.today())
    persons, events = load_population(engine, pop.persons, pop.events, clock=clock, chunk_persons=120)
    assert persons == 300 and events == pop.events.height
    loaded = _rows(engine)
    # The loader folds each name for search as an append does (case and accents off).
    assert all(r["name_folded"] == folded_name(r["given_name"], r["family_name"]) for r in loaded)  # type: ignore[arg-type]
    assert all(r["name_folded"] for r in loaded)
    with unit_of_work(engine) as s:
        assert verify_chain(s).as_dict() == {"events": events, "ok": True}
        rebuild_projection(s, clock)
    assert _rows(engine) == loaded
    # A second load continues the chain and the references.
    first_ten = pop.events.filter(pop.events["person_index"] < 10)
    load_population(engine, pop.persons.head(10), first_ten, clock=clock)
    with unit_of_work(engine, read_only=True) as s:
        assert verify_chain(s).ok
    assert _rows(engine)[-1]["reference"] == "RH0000310"


def test_parallel_rebuild_equals_serial(
    engine: Engine, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    pop = generate_population(400, 9, today=clock.today())
    load_population(engine, pop.persons, pop.events, clock=clock, chunk_persons=150)
    loaded = _rows(engine)
    pools: list[int] = []

    class CountingPool(bulk.ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(kwargs["max_workers"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(bulk, "ProcessPoolExecutor", CountingPool)
    with unit_of_work(engine) as s:
        assert rebuild_projection(s, clock, workers=2, batch_persons=70) == 400
    assert pools == [2], "the rebuild did not fold in worker processes"
    assert _rows(engine) == loaded
    with unit_of_work(engine) as s:
        assert rebuild_projection(s, clock, workers=1, batch_persons=70) == 400
    assert pools == [2]
    assert _rows(engine) == loaded


def test_rebuild_stays_in_process_unless_workers_see_what_the_session_sees(
    engine: Engine, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    pop = generate_population(50, 3, today=clock.today())
    load_population(engine, pop.persons, pop.events, clock=clock)
    monkeypatch.setattr(bulk, "PARALLEL_MIN_PERSONS", 10)
    with unit_of_work(engine) as s:
        assert bulk.rebuild_workers(s) >= min(2, os.cpu_count() or 1)
    with unit_of_work(engine) as s:
        count_cases(s)  # the session has begun: its uncommitted work would be invisible to workers
        assert bulk.rebuild_workers(s) == 1
    with engine.connect() as conn:  # a session on a connection may sit inside an outer transaction
        assert bulk.rebuild_workers(Session(bind=conn)) == 1


def test_load_folding_in_a_worker_equals_rebuild(engine: Engine, clock: FixedClock) -> None:
    pop = generate_population(300, 13, today=clock.today())
    persons, events = load_population(
        engine, pop.persons, pop.events, clock=clock, chunk_persons=110, fold_in_worker=True
    )
    assert persons == 300 and events == pop.events.height
    loaded = _rows(engine)
    assert len(loaded) == 300
    with unit_of_work(engine) as s:
        assert verify_chain(s).as_dict() == {"events": events, "ok": True}
    with unit_of_work(engine) as s:
        rebuild_projection(s, clock, workers=1)
    assert _rows(engine) == loaded


def test_column_wise_bodies_are_the_ledger_encoders(clock: FixedClock) -> None:
    """The loader's bodies, built by Polars, are byte for byte what ``ledger.encode`` makes of each event."""
    pop = generate_population(200, 3, today=clock.today())
    frame = pop.events.select(
        (pl.col("person_index") + 9_999_990).alias("case_id"),  # references of seven and eight digits
        "sequence",
        "event_type",
        "occurred_on",
        pl.col("recorded_at").dt.convert_time_zone("UTC"),
        pl.col("data").str.replace("}$", ',"note":"Ibrāhīm \\\\ \\"x\\"\\n"}'),  # escapes and non-ASCII text
    )
    recorded_by = "imp-ü.1"
    bodies = bulk._event_bodies(frame, recorded_by).to_list()
    expected = [
        ledger.encode(
            event_body_of(
                f"RH{case_id:07d}",
                sequence,
                event_type,
                occurred_on.isoformat(),
                canonical_time(recorded_at),
                recorded_by,
                orjson.Fragment(data),
                None,
            )
        ).decode()
        for case_id, sequence, event_type, occurred_on, recorded_at, data in frame.iter_rows()
    ]
    assert len(bodies) == pop.events.height > 0
    assert bodies == expected
    chain = bulk._Chain("0" * 64)
    rows = list(
        chain.rows(bodies[:2], [1, 2], [1, 1], [1, 2], ["a", "b"], ["d", "d"], ["t", "t"], "x", ["{}", "{}"])
    )
    first = ledger.chain_digest("0" * 64, expected[0].encode())
    second = ledger.chain_digest(first, expected[1].encode())
    assert [row[-2:] for row in rows] == [("0" * 64, first), (first, second)]
    assert chain.head == second


def test_each_event_keeps_its_own_validated_payload(engine: Engine, clock: FixedClock) -> None:
    """Payloads are validated once per distinct (type, payload) and mapped back: every stored event has
    the canonical form of its own payload, in the order of the histories."""
    pop = generate_population(150, 21, today=clock.today())
    load_population(engine, pop.persons, pop.events, clock=clock)
    ordered = pop.events.sort("person_index", "sequence")
    expected = [
        (event_type, validate_payload(event_type, orjson.loads(data)))
        for event_type, data in zip(ordered["event_type"], ordered["data"], strict=True)
    ]
    assert len({orjson.dumps(p) for _, p in expected}) > 50  # many distinct payloads, many repeated
    with unit_of_work(engine, read_only=True) as s:
        stored = s.execute(select(StoredEvent.event_type, StoredEvent.data).order_by(StoredEvent.id)).all()
    assert [(t, d) for t, d in stored] == expected
