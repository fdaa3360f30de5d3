"""The parsed review queue of a stored screening is cached per database and per stored result (issue 13,
finding 15): two databases in one process, or a screening id reused after a truncation, never show
another database's people."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import create_engine, delete

from returnhub.core.database import unit_of_work
from returnhub.core.migrate import upgrade
from returnhub.safeguards import service
from returnhub.safeguards.models import Screening


def _screening(references: list[str]) -> Screening:
    frame = pl.DataFrame({"reference": references, "outcome": ["review"] * len(references)})
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return Screening(
        pack="uk",
        pack_version="test",
        stage="referral",
        as_of=date(2026, 6, 1),
        created_at=datetime(2026, 6, 1, 9, tzinfo=UTC),
        created_by="test",
        cases=len(references),
        eligible=0,
        review=len(references),
        barred=0,
        by_rule={},
        rules=[],
        agreements=[],
        seconds=0.0,
        results=buffer.getvalue(),
    )


def _queue(engine: object, people: list[str] | None = None) -> list[str]:
    with unit_of_work(engine) as s:  # type: ignore[arg-type]
        if people is not None:
            s.execute(delete(Screening))
            s.add(_screening(people))
            s.flush()
        row = s.query(Screening).order_by(Screening.id.desc()).first()
        assert row is not None
        return service.screening_references(row, "review")


def test_two_databases_in_one_process_each_show_their_own_people(tmp_path: Path) -> None:
    engines = []
    for name in ("north", "south"):
        url = f"sqlite:///{tmp_path / name}.db"
        upgrade(url)
        engines.append(create_engine(url))
    north, south = engines
    # Both databases hold screening number 1, with different people.
    assert _queue(north, ["RH0000001", "RH0000002"]) == ["RH0000001", "RH0000002"]
    assert _queue(south, ["RH0000009"]) == ["RH0000009"]
    assert _queue(north) == ["RH0000001", "RH0000002"]
    # A truncation and a new screening with the same id in the same database: the new people, not the old.
    assert _queue(north, ["RH0000005"]) == ["RH0000005"]
    for engine in engines:
        engine.dispose()
