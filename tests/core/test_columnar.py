"""The column-wise read gives exactly the projection's rows, on every path, and screening is unchanged.

A small synthetic population is loaded into each database; the columnar frame is compared with the same
columns read row by row through SQLAlchemy (the way the facts were read before), and the stored-screening
outcomes with those of a screening over every fact read row by row.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

import polars as pl
import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from returnhub.casework.bulk import load_population
from returnhub.casework.models import case_projection
from returnhub.casework.snapshots import next_mark
from returnhub.core import columnar
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.people.models import Person
from returnhub.safeguards.engine import (
    evaluate,
    fact_columns,
    facts_fingerprint,
    make_plan,
    rule_facts,
    screen_evaluation,
)
from returnhub.safeguards.facts import FACTS_SCHEMA, decisions_series
from returnhub.safeguards.packs import get_pack
from returnhub.safeguards.rules import Kind, Outcome
from returnhub.safeguards.service import _PROJECTED, caseload_facts, screen
from returnhub.safeguards.synthetic import synthetic_facts, synthetic_terms
from returnhub.synthetic import generate_population

TODAY = date(2026, 6, 1)
PROJECTED = {name: FACTS_SCHEMA[name] for name in _PROJECTED}


@pytest.fixture
def populated(engine: Engine, clock: FixedClock) -> Engine:
    population = generate_population(300, 5, today=clock.today())
    load_population(engine, population.persons, population.events, clock=clock)
    return engine


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The reader paths taken, in order (postgres_copy, sqlite_cursor)."""
    taken: list[str] = []
    for name in ("_postgres_copy", "_sqlite_cursor"):
        original = getattr(columnar, name)

        def wrapped(*args: Any, _name: str = name, _original: Any = original) -> Any:
            taken.append(_name.lstrip("_"))
            return _original(*args)

        monkeypatch.setattr(columnar, name, wrapped)
    return taken


def row_by_row(session: Any, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The same columns through SQLAlchemy: one Python tuple per row (the reference)."""
    p = case_projection.c
    rows = session.execute(select(*(p[n] for n in schema)).order_by(p.reference)).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def test_the_columnar_read_equals_the_projection_rows(populated: Engine, paths: list[str]) -> None:
    with unit_of_work(populated, read_only=True) as s:
        expected = row_by_row(s, PROJECTED)
        frame = columnar.read_columns(s, case_projection, PROJECTED, order_by=["reference"])
    sqlite = populated.dialect.name == "sqlite"
    assert paths == ["sqlite_cursor" if sqlite else "postgres_copy"]
    assert frame.height == 300
    assert frame.schema == expected.schema
    assert frame.equals(expected)
    # The synthetic histories give every kind of column some values and some nulls.
    assert frame.select(pl.col(pl.Date).is_not_null().any()).row(0).count(True) > 10
    assert frame.select(pl.col(pl.Boolean).is_null().any()).row(0).count(True) > 0


def test_a_transaction_reads_its_own_uncommitted_rows(
    populated: Engine, clock: FixedClock, paths: list[str]
) -> None:
    # The read is on the transaction's own connection, so it sees the rows the transaction wrote.
    with unit_of_work(populated) as s:
        person = Person(
            reference="RH9999999",
            given_name="New",
            family_name="Person",
            date_of_birth=date(1990, 1, 1),
            sex="F",
            nationality="ALB",
            languages=[],
            created_at=clock.now(),
        )
        s.add(person)
        s.flush()
        s.execute(
            insert(case_projection).values(
                case_id=person.id,
                reference="RH9999999",
                nationality="ALB",
                sex="F",
                date_of_birth=date(1990, 1, 1),
                family_name="Person",
                given_name="New",
                status="appeal_rights_exhausted",
                appeal_pending=False,
                appeal_rights_exhausted_on=date(2026, 1, 2),
                updated_at=clock.now(),
                change_mark=next_mark(s),
            )
        )
        frame = columnar.read_columns(s, case_projection, PROJECTED, order_by=["reference"])
        expected = row_by_row(s, PROJECTED)
        s.rollback()
    assert paths == ["sqlite_cursor" if populated.dialect.name == "sqlite" else "postgres_copy"]
    assert frame.height == 301 and frame.equals(expected)
    last = frame.row(-1, named=True)
    assert (last["reference"], last["appeal_pending"], last["appeal_rights_exhausted_on"]) == (
        "RH9999999",
        False,
        date(2026, 1, 2),
    )


def test_an_empty_table_reads_as_an_empty_typed_frame(engine: Engine) -> None:
    with unit_of_work(engine, read_only=True) as s:
        frame = columnar.read_columns(s, case_projection, PROJECTED, order_by=["reference"])
    assert frame.height == 0 and frame.schema == pl.Schema(PROJECTED)


def test_unknown_columns_and_types_are_refused(engine: Engine) -> None:
    with unit_of_work(engine, read_only=True) as s:
        with pytest.raises(ValueError, match="no column"):
            columnar.read_columns(s, case_projection, {"no_such_fact": pl.Date()})
        with pytest.raises(ValueError, match="cannot read"):
            columnar.read_columns(s, case_projection, {"review_decisions": FACTS_SCHEMA["review_decisions"]})


@pytest.mark.parametrize("stage", ["hub_referral", "departure"])
def test_screening_from_the_columnar_read_is_unchanged(populated: Engine, stage: str) -> None:
    terms = synthetic_terms(TODAY)
    with unit_of_work(populated, read_only=True) as s:
        run = screen(s, pack="uk", stage=stage, as_of=TODAY, terms_provider=_Terms(terms))
        full = caseload_facts(s, TODAY)
        every_fact = row_by_row(s, PROJECTED)
    plan = make_plan(get_pack("uk"), stage, TODAY, terms)
    assert full.drop("family_youngest_other_date_of_birth", "review_decisions").equals(every_fact)
    assert run.results.equals(screen_evaluation(evaluate(full, plan)))
    assert set(run.results.get_column("outcome").unique()) == {"eligible", "review", "barred"}


class _Terms:
    def __init__(self, terms: Any) -> None:
        self._terms = terms

    def terms_on(self, on: date) -> list[Any]:
        return list(self._terms)


@pytest.mark.parametrize("pack", ["uk", "eu"])
@pytest.mark.parametrize("stage", ["hub_referral", "manifest_lock", "departure", "onward_return"])
def test_pruned_facts_screen_as_every_fact_does(pack: str, stage: str) -> None:
    # Fact column pruning: a frame holding only the facts the plan says it reads (the others unknown)
    # screens exactly as the whole frame, on a realistic random caseload.
    terms = synthetic_terms(TODAY)
    if pack == "eu":
        from returnhub.safeguards.default_terms import YamlTermsProvider

        terms = YamlTermsProvider(get_pack("eu").parameters).terms_on(TODAY)
    plan = make_plan(get_pack(pack), stage, TODAY, terms)
    columns = fact_columns(plan)
    assert columns is not None and len(columns) < len(FACTS_SCHEMA)
    facts = with_current_decisions(synthetic_facts(3_000, as_of=TODAY, seed=3), plan)
    pruned = facts.select([c for c in facts.columns if c in columns])
    full = screen_evaluation(evaluate(facts, plan))
    assert screen_evaluation(evaluate(pruned, plan)).equals(full)
    statuses = [f"{rc.rule.id}:review" for rc in plan.person_columns if rc.rule.kind is Kind.REVIEW]
    # Approvals whose fingerprints still hold (they need every fact the rule declares) took part.
    assert not statuses or full.select(pl.any_horizontal(pl.col(statuses) == "approved").any()).item()


def with_current_decisions(facts: pl.DataFrame, plan: Any) -> pl.DataFrame:
    """The caseload with a senior caseworker's approval, stamped with today's fingerprint, on the first
    cases waiting on each person review rule (so that a fact missing from the frame would lapse it)."""
    evaluated = evaluate(facts, plan).frame
    decisions: dict[int, list[dict[str, Any]]] = {}
    for rc in plan.person_columns:
        if rc.rule.kind is not Kind.REVIEW:
            continue
        waiting = evaluated.filter(pl.col(rc.column) == int(Outcome.REVIEW)).head(20)
        for row in waiting.iter_rows(named=True):
            decisions.setdefault(row["case_id"], []).append(
                {
                    "rule": rc.rule.id,
                    "decision": "approve",
                    "decided_on": TODAY,
                    "decided_by": "senior",
                    "reasoning": "checked",
                    "facts_fingerprint": facts_fingerprint(rc.rule.id, rule_facts(rc.rule, row, None)),
                    "sequence": 1,
                }
            )
    column = decisions_series([decisions.get(i, []) for i in facts.get_column("case_id").to_list()])
    return facts.with_columns(column)


def test_a_screening_read_leaves_the_sqlite_file_whole(tmp_path: Any, clock: FixedClock) -> None:
    """A column-wise read on a WAL file, with this process's other connections open, must leave them
    working: a reader with its own copy of SQLite (connectorx) deleted the -wal and -shm files on closing,
    and the next write found "database disk image is malformed"."""
    from returnhub.core.database import create_engine
    from returnhub.core.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'whole.db'}"
    upgrade(url)
    engine = create_engine(url)
    population = generate_population(50, 5, today=clock.today())
    load_population(engine, population.persons, population.events, clock=clock)
    held = sqlite3.connect(tmp_path / "whole.db", isolation_level=None)  # open throughout, as a pool's are
    try:
        held.execute("SELECT count(*) FROM case_projection").fetchone()
        with unit_of_work(engine, read_only=True) as s:
            frame = columnar.read_columns(s, case_projection, PROJECTED, order_by=["reference"])
        assert frame.height == 50
        assert (tmp_path / "whole.db-wal").exists()
        with unit_of_work(engine) as s:
            s.execute(
                case_projection.update().values(version=case_projection.c.version, change_mark=next_mark(s))
            )
        assert held.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        held.close()
        engine.dispose()
