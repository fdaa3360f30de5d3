"""The one ledger: its verify names the first broken row, reads in batches, and catches a cut end."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine

from returnhub.casework.models import StoredEvent
from returnhub.casework.store import verify_chain
from returnhub.core import ledger
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.time import canonical_stored_time, canonical_time
from tests.casework.helpers import REFUSED_HISTORY, add_person, record

WORDS = ledger.Words("a row", "rows")


def _chain(bodies: list[bytes]) -> list[ledger.Link]:
    links: list[ledger.Link] = []
    prev = ledger.GENESIS_HASH
    for n, body in enumerate(bodies, start=1):
        digest = ledger.chain_digest(prev, body)
        links.append((n, prev, digest, body))
        prev = digest
    return links


def test_verify_names_the_first_broken_row() -> None:
    links = _chain([ledger.encode({"n": n}) for n in range(5)])
    head = ledger.Head(5, links[-1][2], 5)
    assert ledger.verify(links, head, WORDS) == ledger.Verdict(5, True)
    edited = [*links[:2], (3, links[2][1], links[2][2], ledger.encode({"n": 99})), *links[3:]]
    assert ledger.verify(edited, head, WORDS) == ledger.Verdict(
        2, False, 3, "content does not match its hash"
    )
    removed = links[:2] + links[3:]
    verdict = ledger.verify(removed, head, WORDS)
    assert (verdict.ok, verdict.first_broken_id, verdict.rows) == (False, 4, 2)
    assert "link broken" in (verdict.problem or "")


def _in_parts(links: list[ledger.Link], cuts: tuple[int, ...], head: ledger.Head | None) -> ledger.Verdict:
    bounds = [0, *cuts, len(links)]
    parts = [ledger.verify_segment(links[a:b]) for a, b in itertools.pairwise(bounds)]
    return ledger.join(parts, head, WORDS)


def test_a_chain_checked_in_parts_has_the_verdict_of_one_pass() -> None:
    links = _chain([ledger.encode({"n": n}) for n in range(6)])
    head = ledger.Head(6, links[-1][2], 6)
    edited = [(*link[:3], ledger.encode({"n": 99})) if link[0] == 4 else link for link in links]
    swapped = [links[0], links[2], links[1], *links[3:]]
    re_chained = _chain([ledger.encode({"n": n}) for n in (0, 1, 2)]) + links[3:]  # a rewritten start
    tampered: list[list[ledger.Link]] = [
        links,
        edited,
        links[:3] + links[4:],  # a row removed (at a joint, for some cuts)
        swapped,
        links[:4],  # the end cut
        [links[0], (99, links[0][2], *links[1][2:]), *links[1:]],  # a row inserted
        re_chained,
        [],
    ]
    for chain in tampered:
        for verdict_head in (head, None):
            one_pass = ledger.verify(chain, verdict_head, WORDS)
            for cuts in itertools.combinations(range(len(chain) + 1), 2):
                assert _in_parts(chain, cuts, verdict_head) == one_pass, (chain, cuts)
            for cut in range(len(chain) + 1):
                assert _in_parts(chain, (cut,), verdict_head) == one_pass, (chain, cut)


def test_verify_catches_a_cut_end_and_a_missing_head() -> None:
    links = _chain([ledger.encode({"n": n}) for n in range(3)])
    cut = ledger.verify(links[:2], ledger.Head(3, links[-1][2], 3), WORDS)
    assert not cut.ok and cut.first_broken_id is None and "removed from the end" in (cut.problem or "")
    headless = ledger.verify(links, None, WORDS)
    assert not headless.ok and "head is missing" in (headless.problem or "")
    assert ledger.verify([], None, WORDS).ok


def test_stored_times_read_raw_are_canonical() -> None:
    instant = datetime(2024, 2, 29, 21, 30, 0, 5, tzinfo=UTC)
    assert canonical_stored_time("2024-02-29 21:30:00.000005") == canonical_time(instant)
    assert canonical_stored_time("2024-02-29T22:30:00.000005+01:00") == canonical_time(instant)
    assert canonical_stored_time(instant.astimezone(timezone(timedelta(hours=-3)))) == canonical_time(instant)


def test_event_chain_verified_in_small_batches_names_case_and_sequence(
    engine: Engine, clock: FixedClock
) -> None:
    with unit_of_work(engine) as s:
        for reference in ("RH0000001", "RH0000002"):
            add_person(s, reference)
            for event_type, on, data in REFUSED_HISTORY:
                record(s, clock, reference, event_type, on, data)
                clock.advance(timedelta(minutes=1))
    with unit_of_work(engine, read_only=True) as s:
        assert verify_chain(s, batch=4).as_dict() == {"events": 12, "ok": True}
    with engine.begin() as conn:
        conn.execute(
            update(StoredEvent)
            .where(StoredEvent.case_id == 2, StoredEvent.sequence == 3)
            .values(recorded_by="someone.else")
        )
    with unit_of_work(engine, read_only=True) as s:
        report = verify_chain(s, batch=4)
    assert report.as_dict() == {
        "events": 8,
        "ok": False,
        "first_broken_event_id": 9,
        "case": "RH0000002",
        "sequence": 3,
        "problem": "content does not match its hash",
    }


def test_event_chain_verified_by_two_processes_finds_what_one_finds(
    engine: Engine, clock: FixedClock
) -> None:
    with unit_of_work(engine) as s:
        for reference in ("RH0000001", "RH0000002", "RH0000003"):
            add_person(s, reference)
            for event_type, on, data in REFUSED_HISTORY:
                record(s, clock, reference, event_type, on, data)
                clock.advance(timedelta(minutes=1))

    def both() -> tuple[dict[str, object], dict[str, object]]:
        with unit_of_work(engine, read_only=True) as s:
            one = verify_chain(s, workers=1).as_dict()
        with unit_of_work(engine, read_only=True) as s:
            two = verify_chain(s, workers=2).as_dict()
        return one, two

    one, two = both()
    assert one == two == {"events": 18, "ok": True}
    with engine.begin() as conn:  # an edit in the worker's half, and a removal in this process's
        conn.execute(update(StoredEvent).where(StoredEvent.id == 3).values(recorded_by="someone.else"))
        conn.execute(delete(StoredEvent).where(StoredEvent.id == 14))
    one, two = both()
    assert one == two and (one["first_broken_event_id"], one["problem"]) == (
        3,
        "content does not match its hash",
    )
    with engine.begin() as conn:  # the edit undone: the removal is the first break
        conn.execute(update(StoredEvent).where(StoredEvent.id == 3).values(recorded_by="test"))
    one, two = both()
    assert one == two and one["first_broken_event_id"] == 15 and "link broken" in str(one["problem"])
