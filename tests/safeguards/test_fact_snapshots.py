"""The screening's facts read through the projection's columnar snapshot (``casework.snapshots``) are
exactly the facts read directly from the table, whatever was written in between; every writer of the
projection moves the change marks; a snapshot that cannot be trusted is never used."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from returnhub.casework import snapshots, store
from returnhub.casework.bulk import load_population
from returnhub.casework.intake import PersonIn, register_person
from returnhub.casework.models import FactSnapshot, case_projection
from returnhub.casework.snapshots import Policy, read_projection
from returnhub.casework.store import append_event, rebuild_projection
from returnhub.core.clock import FixedClock
from returnhub.core.columnar import read_columns
from returnhub.core.database import unit_of_work
from returnhub.safeguards.service import SNAPSHOT_SCHEMA, caseload_facts
from returnhub.synthetic import generate_population

from ..casework.helpers import REFUSED_HISTORY, add_person

SRC = Path(__file__).resolve().parents[2] / "src" / "returnhub"
#: Small thresholds, so that the examples patch, rewrite and fall back alike.
EAGER = Policy(max_delta_share=0.5, rewrite_share=0.25, rewrite_min_rows=2)
_people = itertools.count(1)


def direct(session: Session) -> pl.DataFrame:
    return read_columns(session, case_projection, SNAPSHOT_SCHEMA, order_by=["reference"])


def through_snapshot(session: Session, policy: Policy = EAGER) -> snapshots.ProjectionRead:
    return read_projection(session, SNAPSHOT_SCHEMA, policy=policy)


def assert_same_as_direct(session: Session, policy: Policy = EAGER) -> snapshots.ProjectionRead:
    read = through_snapshot(session, policy)
    assert_frame_equal(read.frame, direct(session), check_exact=True)
    return read


def _retract(s: Session, clock: FixedClock, ref: str, nth: int) -> None:
    events = store.load_legal_events(s, store.get_person(s, ref).id)
    withdrawn = {e.data["sequence"] for e in events if e.event_type == "event_retracted"}
    open_ = [e for e in events if e.event_type != "event_retracted" and e.sequence not in withdrawn]
    if open_:
        target = open_[nth % len(open_)]
        data = {"sequence": target.sequence, "reason": "recorded in error"}
        append_event(s, ref, "event_retracted", target.occurred_on, data, clock=clock, recorded_by="t")


def _next_event(s: Session, clock: FixedClock, ref: str) -> None:
    """The next event of a refused claimant's history (nothing once it is complete)."""
    events = store.load_legal_events(s, store.get_person(s, ref).id)
    done = {e.event_type for e in events}
    for event_type, on, data in REFUSED_HISTORY:
        if event_type not in done:
            append_event(s, ref, event_type, on, data, clock=clock, recorded_by="t")
            return


def _intake(s: Session, clock: FixedClock, family: list[str]) -> None:
    body = PersonIn(
        given_name="Ada",
        family_name="Intake",
        date_of_birth=date(1990, 1, 1),
        sex="F",
        nationality="ERI",
        family=family,
        confirm_duplicate=True,
    )
    register_person(s, body, clock=clock)


STEP = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(["ERI", "SYR", "AFG"])),
    st.tuples(st.just("event"), st.integers(0, 50)),
    st.tuples(st.just("retract"), st.integers(0, 50), st.integers(0, 10)),
    st.tuples(st.just("bulk"), st.integers(1, 6), st.integers(0, 1000)),
    st.tuples(st.just("intake"), st.lists(st.integers(0, 50), max_size=2)),
    st.tuples(st.just("rebuild")),
    # A read (in a read-only transaction or a writing one) compared with the direct read.
    st.tuples(st.just("read"), st.booleans()),
    # An append and a read in one transaction, which is then committed or rolled back.
    st.tuples(st.just("append_read"), st.integers(0, 50), st.booleans()),
)


class _RolledBack(Exception):
    pass


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=10))
def test_the_snapshot_read_equals_the_direct_read(
    engine: Engine, clock: FixedClock, steps: list[tuple[Any, ...]]
) -> None:
    refs: list[str] = []
    with unit_of_work(engine) as s:
        for _ in range(3):
            refs.append(add_person(s, f"TS{next(_people):07d}").reference)
    for kind, *args in steps:
        pick = refs[args[0] % len(refs)] if kind in ("event", "retract", "append_read") else ""
        if kind == "append_read":
            try:
                with unit_of_work(engine) as s:
                    _next_event(s, clock, pick)
                    assert_same_as_direct(s)  # the transaction's own, uncommitted rows included
                    if args[1]:
                        raise _RolledBack
            except _RolledBack:
                pass
            continue
        if kind == "read":
            with unit_of_work(engine, read_only=args[0]) as s:
                assert_same_as_direct(s)
            continue
        if kind == "bulk":
            pop = generate_population(args[0], args[1], today=clock.today())
            load_population(engine, pop.persons, pop.events, clock=clock)
            continue
        with unit_of_work(engine) as s:
            if kind == "add":
                refs.append(add_person(s, f"TS{next(_people):07d}", nationality=args[0]).reference)
            elif kind == "event":
                _next_event(s, clock, pick)
            elif kind == "retract":
                _retract(s, clock, pick, args[1])
            elif kind == "intake":
                _intake(s, clock, sorted({refs[i % len(refs)] for i in args[0]}))
            elif kind == "rebuild":
                rebuild_projection(s, clock, workers=1)
    with unit_of_work(engine) as s:
        assert_same_as_direct(s)
    with unit_of_work(engine) as s:  # nothing written since: the snapshot serves, patched or not
        assert assert_same_as_direct(s).source == "snapshot"


# ----------------------------------------------------------------------------------------------------------
# Every writer of the projection takes a mark
# ----------------------------------------------------------------------------------------------------------


def _marks(engine: Engine) -> dict[str, int]:
    with unit_of_work(engine, read_only=True) as s:
        p = case_projection.c
        return {r[0]: int(r[1]) for r in s.execute(select(p.reference, p.change_mark))}


def _moved(before: dict[str, int], after: dict[str, int]) -> set[str]:
    """The rows whose mark is above every mark before (new rows included)."""
    top = max(before.values(), default=0)
    return {ref for ref, mark in after.items() if mark > top}


def test_each_projection_writer_takes_a_new_mark(engine: Engine, clock: FixedClock) -> None:
    pop = generate_population(4, 3, today=clock.today())
    before = _marks(engine)
    load_population(engine, pop.persons, pop.events, clock=clock)  # the bulk load (and the seed)
    after = _marks(engine)
    assert len(after) == 4 and _moved(before, after) == set(after)

    loaded = sorted(after)
    with unit_of_work(engine) as s:  # an append
        before = _marks(engine)
        append_event(
            s, loaded[0], "arrival", date(2024, 1, 2), {"route": "air"}, clock=clock, recorded_by="t"
        )
    assert _moved(before, _marks(engine)) == {loaded[0]}

    before = _marks(engine)
    with unit_of_work(engine) as s:  # a correction
        _retract(s, clock, loaded[0], 0)
    assert _moved(before, _marks(engine)) == {loaded[0]}

    before = _marks(engine)
    with unit_of_work(engine) as s:  # intake: the new person and the members who join their family unit
        _intake(s, clock, [loaded[1], loaded[2]])
    after = _marks(engine)
    assert _moved(before, after) == (set(after) - set(before)) | {loaded[1], loaded[2]}

    before = _marks(engine)
    with unit_of_work(engine) as s:  # a rebuild: every row
        rebuild_projection(s, clock, workers=1)
    after = _marks(engine)
    assert _moved(before, after) == set(after) == set(before)

    before = _marks(engine)
    with unit_of_work(engine) as s:  # a person added as the tests' helper does (the store's upsert)
        add_person(s, "TS9999999")
    assert _moved(before, _marks(engine)) == {"TS9999999"}


#: Every statement in the application that writes ``case_projection``, by file. A new one must take a
#: change mark (``casework.snapshots.next_mark``) and be added here and to the test above.
KNOWN_WRITERS = {
    "casework/store.py": [
        "update(case_projection).where(case_projection.c.case_id == person.id).values(row)",
        "session.execute(insert(case_projection).values(row))",
        "session.execute(delete(case_projection))",
    ],
    "casework/bulk.py": [
        '_fast_insert(conn, "case_projection", _MARKED_COLUMNS, marked, preformatted=True)',
    ],
}
_WRITES = re.compile(
    r"(insert|update|delete)\(\s*case_projection\b|_fast_insert\([^)]*\"case_projection\""
    r"|(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?case_projection\b",
    re.IGNORECASE,
)


def test_no_projection_writer_is_unknown() -> None:
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for line in path.read_text().splitlines():
            if _WRITES.search(line):
                found.setdefault(str(path.relative_to(SRC)), []).append(line.strip())
    assert found == KNOWN_WRITERS


# ----------------------------------------------------------------------------------------------------------
# A stale or damaged snapshot is never used
# ----------------------------------------------------------------------------------------------------------


def _caseload(engine: Engine, clock: FixedClock, n: int = 6) -> list[str]:
    refs = [f"TS{next(_people):07d}" for _ in range(n)]
    with unit_of_work(engine) as s:
        for ref in refs:
            add_person(s, ref)
    return refs


def _snapshot_taken(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        read = through_snapshot(s)
    assert read.written
    with unit_of_work(engine) as s:
        assert through_snapshot(s).source == "snapshot"


def test_a_snapshot_of_other_columns_is_not_used(engine: Engine, clock: FixedClock) -> None:
    _caseload(engine, clock)
    _snapshot_taken(engine)
    other = {k: v for k, v in SNAPSHOT_SCHEMA.items() if k != "sex"}
    with unit_of_work(engine) as s:
        read = read_projection(s, other, policy=EAGER)
        assert (read.source, read.reason) == ("direct", "the snapshot holds other columns")
        assert_frame_equal(read.frame, direct(s).drop("sex"))


def test_a_snapshot_ahead_of_the_counter_is_not_used(engine: Engine, clock: FixedClock) -> None:
    _caseload(engine, clock)
    _snapshot_taken(engine)
    with unit_of_work(engine) as s:  # the counter went back (restored from elsewhere, or set by hand)
        s.execute(text("UPDATE projection_marks SET mark = 0"))
    with unit_of_work(engine) as s:
        read = assert_same_as_direct(s)
        assert read.source == "direct" and "newer" in str(read.reason)


def test_a_lost_counter_row_goes_on_from_the_highest_mark(engine: Engine, clock: FixedClock) -> None:
    refs = _caseload(engine, clock)
    _snapshot_taken(engine)
    highest = max(_marks(engine).values())
    with unit_of_work(engine) as s:
        s.execute(text("DELETE FROM projection_marks"))
    with unit_of_work(engine) as s:  # the next writer starts the counter again, above every row's mark
        append_event(s, refs[0], "arrival", date(2024, 1, 2), {"route": "air"}, clock=clock, recorded_by="t")
    assert _marks(engine)[refs[0]] == highest + 1
    with unit_of_work(engine) as s:  # and the snapshots taken before are gone
        read = assert_same_as_direct(s)
        assert read.reason == "no snapshot"


@pytest.mark.parametrize(
    "write",
    [
        update(case_projection).values(sex="F"),
        update(case_projection).values(sex="F", change_mark=case_projection.c.change_mark),
        update(case_projection).values(sex="F", change_mark=case_projection.c.change_mark - 1),
    ],
    ids=["no mark", "the same mark", "a lower mark"],
)
def test_the_database_refuses_a_row_written_without_a_new_mark(
    engine: Engine, clock: FixedClock, write: Any
) -> None:
    _caseload(engine, clock, 2)
    with pytest.raises(Exception, match="without a new change mark"), unit_of_work(engine) as s:
        s.execute(write)
    with unit_of_work(engine) as s:  # with one it may
        s.execute(update(case_projection).values(sex="F", change_mark=snapshots.next_mark(s)))


def test_the_database_refuses_a_row_inserted_without_a_mark(engine: Engine, clock: FixedClock) -> None:
    from returnhub.people.models import Person

    with pytest.raises(Exception, match="without a new change mark"), unit_of_work(engine) as s:
        person = Person(
            reference="TS0000000",
            given_name="No",
            family_name="Mark",
            date_of_birth=date(1990, 1, 1),
            sex="F",
            nationality="ERI",
            languages=[],
            created_at=clock.now(),
        )
        s.add(person)
        s.flush()
        row = {
            "case_id": person.id,
            "reference": "TS0000000",
            "nationality": "ERI",
            "sex": "F",
            "date_of_birth": date(1990, 1, 1),
            "family_name": "Mark",
            "given_name": "No",
            "updated_at": clock.now(),
        }
        s.execute(case_projection.insert().values(row))


def test_a_snapshot_with_a_missing_or_damaged_part_is_not_used(engine: Engine, clock: FixedClock) -> None:
    _caseload(engine, clock)
    _snapshot_taken(engine)
    with unit_of_work(engine) as s:
        s.execute(text("UPDATE fact_snapshot_parts SET data = :d"), {"d": b"not arrow at all"})
    with unit_of_work(engine) as s:
        read = assert_same_as_direct(s)
        assert read.source == "direct" and "cannot be read" in str(read.reason)
    with unit_of_work(engine) as s:
        s.execute(text("DELETE FROM fact_snapshot_parts"))
    with unit_of_work(engine) as s:
        read = assert_same_as_direct(s)
        assert read.source == "direct" and "parts" in str(read.reason)


def test_a_row_count_that_disagrees_falls_back(engine: Engine, clock: FixedClock) -> None:
    refs = _caseload(engine, clock)
    _snapshot_taken(engine)
    with unit_of_work(engine) as s:  # a row removed without a mark (no writer may do this)
        s.execute(case_projection.delete().where(case_projection.c.reference == refs[2]))
    with unit_of_work(engine) as s:
        read = assert_same_as_direct(s)
        assert read.source == "direct" and "rows" in str(read.reason)


def test_a_header_that_disagrees_with_its_rows_falls_back(engine: Engine, clock: FixedClock) -> None:
    _caseload(engine, clock)
    _snapshot_taken(engine)
    with unit_of_work(engine) as s:
        s.execute(update(FactSnapshot).values(rows=FactSnapshot.rows + 1))
    with unit_of_work(engine) as s:
        read = assert_same_as_direct(s)
        assert read.source == "direct" and "header" in str(read.reason)


def test_many_changes_fall_back_and_rewrite(engine: Engine, clock: FixedClock) -> None:
    refs = _caseload(engine, clock, 8)
    _snapshot_taken(engine)
    with unit_of_work(engine) as s:
        for ref in refs[:5]:
            append_event(s, ref, "arrival", date(2024, 1, 2), {"route": "air"}, clock=clock, recorded_by="t")
    with unit_of_work(engine) as s:
        read = assert_same_as_direct(s)
        assert read.source == "direct" and "5 rows changed" in str(read.reason) and read.written
    with unit_of_work(engine) as s:
        read = assert_same_as_direct(s)
        assert (read.source, read.changed_rows) == ("snapshot", 0)


def test_a_rebuild_drops_the_snapshot(engine: Engine, clock: FixedClock) -> None:
    _caseload(engine, clock)
    _snapshot_taken(engine)
    with unit_of_work(engine) as s:
        rebuild_projection(s, clock, workers=1)
        assert s.execute(select(func.count()).select_from(FactSnapshot)).scalar_one() == 0


def test_a_migration_step_drops_the_snapshots(database_url: str, engine: Engine, clock: FixedClock) -> None:
    from returnhub.core.migrate import downgrade, upgrade

    _caseload(engine, clock)
    _snapshot_taken(engine)
    try:
        downgrade(database_url, "0019cf")  # one step, which keeps the snapshot tables
        with unit_of_work(engine) as s:
            assert s.execute(select(func.count()).select_from(FactSnapshot)).scalar_one() == 0
    finally:
        upgrade(database_url)


def test_the_caseload_facts_are_the_same_through_the_snapshot(engine: Engine, clock: FixedClock) -> None:
    refs = _caseload(engine, clock, 4)
    with unit_of_work(engine) as s:
        for event_type, on, data in REFUSED_HISTORY:
            append_event(s, refs[1], event_type, on, data, clock=clock, recorded_by="t")
    as_of = clock.today() - timedelta(days=1)
    with unit_of_work(engine) as s:
        first: dict[str, Any] = {}
        cold = caseload_facts(s, as_of, timings=first)
    with unit_of_work(engine) as s:
        second: dict[str, Any] = {}
        warm = caseload_facts(s, as_of, timings=second)
    assert (first["source"], second["source"]) == ("direct", "snapshot")
    assert_frame_equal(cold, warm, check_exact=True)


# ----------------------------------------------------------------------------------------------------------
# The patch itself
# ----------------------------------------------------------------------------------------------------------

_ROW = st.tuples(st.integers(0, 40), st.integers(0, 60), st.one_of(st.none(), st.integers(-5, 5)))


@settings(max_examples=300, deadline=None)
@given(base_rows=st.lists(_ROW, max_size=25), delta_rows=st.lists(_ROW, max_size=10))
def test_the_patch_equals_replacing_and_sorting(
    base_rows: list[tuple[int, int, int | None]], delta_rows: list[tuple[int, int, int | None]]
) -> None:
    """Whatever the delta (rows updated in place, new cases after the last or among the others, a case
    whose reference changed), the patch is the base without the delta's cases, plus the delta, sorted."""

    def frame(rows: list[tuple[int, int, int | None]]) -> pl.DataFrame:
        unique_ids = {r[0]: r for r in rows}.values()  # one row per case
        unique_refs = {f"R{r[1]:03d}": r for r in unique_ids}.values()  # and per reference
        return pl.DataFrame(
            [(case, f"R{ref:03d}", value) for case, ref, value in unique_refs],
            schema={"case_id": pl.Int64(), "reference": pl.String(), "value": pl.Int64()},
            orient="row",
        )

    base = frame(base_rows).sort("reference")
    delta = frame(delta_rows)
    # The table's rule: no two cases share a reference (drop delta rows until none takes another's).
    while True:
        others = base.filter(~pl.col("case_id").is_in(delta.get_column("case_id").implode()))
        kept = delta.filter(~pl.col("reference").is_in(others.get_column("reference").implode()))
        if kept.height == delta.height:
            break
        delta = kept
    expected = pl.concat([others, delta]).sort("reference")
    assert_frame_equal(snapshots.patch(base, delta), expected, check_exact=True)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_snapshot_taken_beside_an_uncommitted_append_never_claims_it(
    engine: Engine, clock: FixedClock
) -> None:
    """PostgreSQL, where a reader and a writer run at once: an append holds its mark uncommitted while a
    screening reads and stores a snapshot; once the append commits, the next read still finds its row
    (its mark is above the snapshot's), and equals the direct read."""
    from returnhub.core.database import end_session, open_session

    refs = _caseload(engine, clock, 4)
    writer = open_session(engine)
    try:
        append_event(
            writer, refs[0], "arrival", date(2024, 1, 2), {"route": "air"}, clock=clock, recorded_by="t"
        )
        with unit_of_work(engine) as s:  # no snapshot yet: read directly and store one
            read = through_snapshot(s)
            assert read.source == "direct" and read.written
            assert read.frame.filter(pl.col("reference") == refs[0]).item(0, "arrived_on") is None
        end_session(writer, commit=True)
    finally:
        writer.close()
    with unit_of_work(engine) as s:
        read = assert_same_as_direct(s)
        assert (read.source, read.changed_rows) == ("snapshot", 1)
        assert read.frame.filter(pl.col("reference") == refs[0]).item(0, "arrived_on") == date(2024, 1, 2)
