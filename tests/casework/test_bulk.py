"""The bulk loader gives the same chain and the same projection as the one-event-at-a-time path."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from returnhub.casework.bulk import load_population
from returnhub.casework.models import case_projection
from returnhub.casework.store import rebuild_projection, verify_chain
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.synthetic import generate_population


def _rows(engine: Engine) -> list[dict[str, object]]:
    with unit_of_work(engine, read_only=True) as s:
        rows = s.execute(select(case_projection).order_by(case_projection.c.case_id)).mappings().all()
    return [{k: v for k, v in r.items() if k != "updated_at"} for r in rows]


def test_bulk_projection_equals_rebuild(engine: Engine, clock: FixedClock) -> None:
    pop = generate_population(300, 5, today=clock.today())
    persons, events = load_population(engine, pop.persons, pop.events, clock=clock, chunk_persons=120)
    assert persons == 300 and events == pop.events.height
    loaded = _rows(engine)
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
