"""The fold: pure, order-aware, and equal to replaying events one by one (Hypothesis)."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from returnhub.casework.events import validate_payload
from returnhub.casework.state import CaseState, LegalEvent, apply, effective_events, fold, fold_as_of

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)

# Event types with a strategy for a valid payload each.
PAYLOADS = {
    "arrival": st.sampled_from([{"route": r} for r in ("small_boat", "air", "lorry", "other")]),
    "asylum_claim_lodged": st.just({}),
    "asylum_claim_decided": st.sampled_from(
        [{"outcome": o} for o in ("grant", "refuse", "withdrawn", "certified", "inadmissible")]
    ),
    "appeal_lodged": st.just({"tier": "first_tier"}),
    "appeal_decided": st.sampled_from(
        [{"tier": "first_tier", "outcome": o} for o in ("allowed", "dismissed")]
    ),
    "appeal_rights_exhausted": st.just({}),
    "further_submissions_lodged": st.just({}),
    "further_submissions_decided": st.sampled_from([{"outcome": "fresh_claim"}, {"outcome": "rejected"}]),
    "judicial_review_lodged": st.just({}),
    "judicial_review_decided": st.sampled_from([{"outcome": "granted"}, {"outcome": "refused"}]),
    "injunction_granted": st.just({}),
    "injunction_discharged": st.just({}),
    "rule39_granted": st.sampled_from(
        [
            {},
            {"expires_on": "2024-03-01"},
            {"expires_after": {"event_type": "judicial_review_decided", "days": 21}},
        ]
    ),
    "rule39_lifted": st.just({}),
    "nrm_referral": st.just({}),
    "nrm_reasonable_grounds_decided": st.sampled_from([{"outcome": "positive"}, {"outcome": "negative"}]),
    "nrm_conclusive_grounds_decided": st.sampled_from([{"outcome": "positive"}, {"outcome": "negative"}]),
    "age_dispute_raised": st.just({}),
    "age_dispute_resolved": st.sampled_from([{"outcome": "adult"}, {"outcome": "minor"}]),
    "adults_at_risk_assessed": st.integers(0, 3).map(lambda lv: {"level": lv, "indicators": []}),
    "fitness_to_fly_assessed": st.booleans().map(lambda b: {"fit": b}),
    "article8_claim_lodged": st.just({}),
    "detained": st.just({}),
    "detention_validated": st.just({}),
    "detention_reviewed": st.sampled_from(
        [{"outcome": "maintain"}, {"outcome": "release", "reviewer": "HO"}]
    ),
    "released": st.just({}),
    "removal_notice_served": st.just({}),
    "departure_details_served": st.just({}),
    "detention_validation_refused": st.just({}),
    "vulnerability_assessed": st.booleans().map(lambda b: {"vulnerable": b}),
    "review_decided": st.just({"rule": "R8", "decision": "approve", "reasoning": "ok", "decided_by": "sc1"}),
}


@st.composite
def histories(draw: st.DrawFn) -> list[LegalEvent]:
    n = draw(st.integers(0, 25))
    events: list[LegalEvent] = []
    for i in range(n):
        event_type = draw(st.sampled_from(sorted(PAYLOADS)))
        data = validate_payload(event_type, draw(PAYLOADS[event_type]))
        occurred = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 400)))
        events.append(LegalEvent(i + 1, event_type, occurred, T0 + timedelta(hours=i), data))
    if events and draw(st.booleans()):
        target = draw(st.integers(1, len(events)))
        events.append(
            LegalEvent(
                len(events) + 1,
                "event_retracted",
                date(2025, 6, 1),
                T0 + timedelta(days=900),
                validate_payload("event_retracted", {"sequence": target, "reason": "entered in error"}),
            )
        )
    return events


@settings(max_examples=300, deadline=None)
@given(histories())
def test_fold_equals_replay_one_by_one(events: list[LegalEvent]) -> None:
    ordered, _ = effective_events(events)
    replayed = functools.reduce(apply, ordered, CaseState())
    folded = fold(events)
    # Everything but the bookkeeping the fold adds at the end must agree.
    for name in ("status", "version", "retracted_sequences"):
        setattr(replayed, name, getattr(folded, name))
    assert folded == replayed


@settings(max_examples=200, deadline=None)
@given(histories(), st.randoms())
def test_fold_does_not_depend_on_storage_order(events: list[LegalEvent], rnd: object) -> None:
    shuffled = list(events)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert fold(shuffled) == fold(events)


def _ev(
    seq: int, event_type: str, on: date, data: dict[str, object] | None = None, hours: int = 0
) -> LegalEvent:
    return LegalEvent(
        seq, event_type, on, T0 + timedelta(hours=seq + hours), validate_payload(event_type, data or {})
    )


def test_refused_history_reaches_appeal_rights_exhausted() -> None:
    state = fold(
        [
            _ev(1, "arrival", date(2023, 5, 1), {"route": "small_boat"}),
            _ev(2, "asylum_claim_lodged", date(2023, 5, 2)),
            _ev(3, "asylum_claim_decided", date(2024, 2, 1), {"outcome": "refuse"}),
            _ev(4, "appeal_lodged", date(2024, 2, 10)),
            _ev(5, "appeal_decided", date(2024, 9, 1), {"outcome": "dismissed"}),
            _ev(6, "appeal_rights_exhausted", date(2024, 9, 20)),
        ]
    )
    assert state.status == "appeal_rights_exhausted"
    assert state.appeal_rights_exhausted_on == date(2024, 9, 20)
    assert not state.appeal_pending
    assert state.version == 6


def test_late_recorded_event_is_placed_where_it_happened_in_law() -> None:
    # The appeal was lodged on 10 Feb but the system learnt of it after ARE was recorded.
    state = fold(
        [
            _ev(1, "asylum_claim_decided", date(2024, 2, 1), {"outcome": "refuse"}),
            _ev(2, "appeal_rights_exhausted", date(2024, 3, 1)),
            _ev(3, "appeal_lodged", date(2024, 2, 10)),
        ]
    )
    assert state.appeal_pending is False
    assert state.appeal_rights_exhausted_on == date(2024, 3, 1)


def test_rule39_expiry_waits_for_the_named_event() -> None:
    grant = _ev(
        1,
        "rule39_granted",
        date(2022, 6, 14),
        {"expires_after": {"event_type": "judicial_review_decided", "days": 21}},
    )
    assert fold([grant]).rule39_expires_on is None
    decided = _ev(2, "judicial_review_decided", date(2022, 12, 19), {"outcome": "refused"})
    assert fold([grant, decided]).rule39_expires_on == date(2023, 1, 9)


def test_retraction_withdraws_an_event_without_deleting_it() -> None:
    events = [
        _ev(1, "asylum_claim_decided", date(2024, 2, 1), {"outcome": "refuse"}),
        _ev(2, "appeal_rights_exhausted", date(2024, 3, 1)),
        _ev(3, "event_retracted", date(2024, 3, 5), {"sequence": 2, "reason": "appeal still in time"}),
    ]
    state = fold(events)
    assert state.appeal_rights_exhausted_on is None
    assert state.retracted_sequences == (2,)
    assert state.version == 3


def test_as_of_ignores_later_events_and_later_knowledge() -> None:
    events = [
        _ev(1, "asylum_claim_decided", date(2024, 2, 1), {"outcome": "refuse"}),
        _ev(2, "appeal_rights_exhausted", date(2024, 3, 1)),
        _ev(3, "rule39_granted", date(2024, 3, 10), hours=100),
    ]
    # Occurred after as_of: not seen.
    assert fold_as_of(events, as_of=date(2024, 3, 5)).rule39_granted_on is None
    # Occurred before as_of but recorded after known_at: not seen either.
    known_before = events[2].recorded_at - timedelta(seconds=1)
    assert fold_as_of(events, as_of=date(2024, 4, 1), known_at=known_before).rule39_granted_on is None
    assert fold_as_of(events, as_of=date(2024, 4, 1)).rule39_granted_on == date(2024, 3, 10)
    # A retraction known at the time applies to every legal date.
    retract = _ev(4, "event_retracted", date(2024, 5, 1), {"sequence": 2, "reason": "error"})
    assert fold_as_of([*events, retract], as_of=date(2024, 3, 5)).appeal_rights_exhausted_on is None


def test_detention_record_start_validation_reviews_release() -> None:
    state = fold(
        [
            _ev(1, "detained", date(2025, 1, 1), {"place": "IRC"}),
            _ev(2, "detention_validated", date(2025, 1, 2)),
            _ev(3, "detention_reviewed", date(2025, 2, 1), {"outcome": "maintain"}),
            _ev(4, "detention_reviewed", date(2025, 3, 1), {"outcome": "maintain"}),
        ]
    )
    assert (state.detained, state.detention_validated_on, state.detention_reviews) == (
        True,
        date(2025, 1, 2),
        2,
    )
    assert state.detention_reviewed_on == date(2025, 3, 1)
    released = fold(
        [
            *[
                _ev(i, t, d, p)
                for i, t, d, p in (
                    (1, "detained", date(2025, 1, 1), {}),
                    (2, "released", date(2025, 4, 1), {}),
                )
            ]
        ]
    )
    assert not released.detained and released.released_on == date(2025, 4, 1)
