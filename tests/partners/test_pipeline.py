"""The negotiation pipeline as a state machine, and the country and region lookups (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from returnhub.core.errors import InvalidInput, StateConflict
from returnhub.partners.countries import all_country_codes, region, resolve_country
from returnhub.partners.pipeline import (
    ALLOWED_TRANSITIONS,
    INITIAL_STATUSES,
    Step,
    check_step,
    status_on,
)
from returnhub.partners.pipeline import (
    NegotiationStatus as S,
)

TODAY = date(2026, 6, 1)


def _history(*statuses: S) -> list[Step]:
    return [Step(i + 1, s, date(2025, 1, 1 + i)) for i, s in enumerate(statuses)]


@pytest.mark.parametrize(
    ("history", "status"),
    [
        ((S.IN_TALKS, S.DECLINED), S.IN_FORCE),
        ((S.IN_TALKS,), S.IN_FORCE),
        ((S.EXPLORATORY,), S.MEMORANDUM_SIGNED),
        ((S.MEMORANDUM_SIGNED, S.IN_FORCE, S.TERMINATED), S.IN_FORCE),
        ((S.MEMORANDUM_SIGNED,), S.SUSPENDED),
    ],
)
def test_a_step_that_skips_the_pipeline_is_refused(history: tuple[S, ...], status: S) -> None:
    with pytest.raises(StateConflict, match=f"does not go from {history[-1].value} to {status.value}"):
        check_step(_history(*history), status, date(2025, 2, 1), "why", TODAY)


def test_every_allowed_transition_is_accepted_and_nothing_else() -> None:
    for current in S:
        for target in S:
            history = _history(S.IN_TALKS, current) if current is not S.IN_TALKS else _history(current)
            if target in ALLOWED_TRANSITIONS[current]:
                check_step(history, target, date(2025, 3, 1), "why", TODAY)
            else:
                with pytest.raises(StateConflict):
                    check_step(history, target, date(2025, 3, 1), "why", TODAY)


def test_a_pipeline_starts_only_at_an_initial_stage() -> None:
    for status in S:
        if status in INITIAL_STATUSES:
            check_step([], status, date(2025, 1, 1), None, TODAY)
        else:
            with pytest.raises(StateConflict, match="cannot start at"):
                check_step([], status, date(2025, 1, 1), "why", TODAY)


def test_steps_are_dated_in_order_not_in_the_future_and_refusals_give_a_reason() -> None:
    history = _history(S.IN_TALKS)
    with pytest.raises(InvalidInput, match="date order"):
        check_step(history, S.DECLINED, date(2024, 12, 31), "why", TODAY)
    with pytest.raises(InvalidInput, match="future"):
        check_step(history, S.DECLINED, date(2026, 6, 2), "why", TODAY)
    with pytest.raises(InvalidInput, match="reason"):
        check_step(history, S.DECLINED, date(2025, 5, 15), "  ", TODAY)


def test_status_on_a_date_is_the_last_step_taken_by_then() -> None:
    history = [
        Step(1, S.IN_TALKS, date(2025, 5, 15)),
        Step(2, S.DECLINED, date(2025, 5, 15)),
        Step(3, S.IN_TALKS, date(2025, 9, 1)),
    ]
    assert status_on(history, date(2025, 5, 14)) is None
    assert status_on(history, date(2025, 5, 15)) is S.DECLINED
    assert status_on(history, date(2025, 8, 31)) is S.DECLINED
    assert status_on(history, date(2025, 9, 1)) is S.IN_TALKS


def test_countries_come_from_iso_and_kosovo_uses_the_user_assigned_code() -> None:
    assert resolve_country("mk").alpha_3 == "MKD"
    assert resolve_country("North Macedonia").alpha_3 == "MKD"
    assert resolve_country("UK").alpha_3 == "GBR"
    assert resolve_country("XK").alpha_3 == resolve_country("Kosovo").alpha_3 == "XKX"
    assert "XKX" in all_country_codes() and "GBR" in all_country_codes()
    with pytest.raises(InvalidInput, match="not an ISO 3166-1 country"):
        resolve_country("Narnia")


def test_regions_are_documented_iso_code_lists() -> None:
    balkans = region("western_balkans").countries
    assert {"ALB", "MKD", "SRB", "XKX"} <= balkans and "ITA" not in balkans
    assert "UGA" in region("eastern_africa").countries
    with pytest.raises(InvalidInput, match="unknown region"):
        region("atlantis")
