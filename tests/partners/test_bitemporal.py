"""The register is bitemporal (issue 13, finding 9): each versioned fact has a legal date and a recorded
time; a version with an earlier legal date can be entered after a later one, and the as-of view shows what
was known when."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.errors import StateConflict
from returnhub.partners import service
from returnhub.partners.schemas import AssessmentVersionIn, HubAmendmentIn, SafeListIn, StepIn

from .helpers import ILLUSTRATIVE, SOURCED, agreement_in_force, amend_scope, assess, hub, open_pipeline


def _safe_list(on: date, countries: list[str]) -> SafeListIn:
    return SafeListIn(
        designating_state="ITA",
        effective_from=on,
        legal_basis="test decree",
        entries=[{"country": c} for c in countries],  # type: ignore[misc]
        **SOURCED,
    )


def test_a_past_safe_country_list_entered_late_and_the_view_as_known_then(
    engine: Engine, clock: FixedClock
) -> None:
    with unit_of_work(engine) as s:
        service.record_safe_country_list(
            s, _safe_list(date(2024, 10, 23), ["ALB", "EGY"]), clock=clock, recorded_by="t"
        )
    before_late_entry = clock.now()
    clock.advance(timedelta(days=1))
    # The earlier list, from 2023, is entered only now: it used to be refused as "must start later".
    with unit_of_work(engine) as s:
        service.record_safe_country_list(
            s, _safe_list(date(2023, 5, 1), ["ALB", "NGA"]), clock=clock, recorded_by="t"
        )
    with unit_of_work(engine, read_only=True) as s:
        now = service.safe_country_list_on(s, "ITA", date(2024, 1, 1))
        then = service.safe_country_list_on(s, "ITA", date(2024, 1, 1), known_at=before_late_entry)
        later = service.safe_country_list_on(s, "ITA", date(2025, 1, 1))
    assert now is not None and [e.country for e in now.entries] == ["ALB", "NGA"]
    assert then is None  # as known before the late entry, there was no list in force on 1 January 2024
    assert later is not None and [e.country for e in later.entries] == ["ALB", "EGY"]


def test_assessment_and_terms_as_of_and_as_known(engine: Engine, clock: FixedClock) -> None:
    with unit_of_work(engine) as s:
        agreement_in_force(s, clock)
        assess(s, clock, "SRB", date(2026, 3, 1))
        amend_scope(s, clock, "GBR-SRB-TEST", date(2026, 4, 1), ["ALB", "IND", "PAK"])
    known_before = clock.now()
    clock.advance(timedelta(hours=2))
    with unit_of_work(engine) as s:
        # An earlier finding, dated January, recorded after the March one: Serbia unsafe for everyone.
        service.record_assessment(
            s,
            AssessmentVersionIn(
                assessing_state="GBR",
                assessed_on=date(2026, 1, 15),
                safe=False,
                summary="late-recorded finding",
                evidence=[{"url": "https://example.org/e", "title": "E"}],  # type: ignore[list-item]
                **ILLUSTRATIVE,
            ),
            "SRB",
            clock=clock,
            recorded_by="t",
            amend=True,
        )
        # A correction of the April amendment, for the same legal date.
        amend_scope(s, clock, "GBR-SRB-TEST", date(2026, 4, 1), ["ALB"])
    with unit_of_work(engine, read_only=True) as s:
        feb_now = service.assessment_on(s, "GBR", "SRB", date(2026, 2, 1))
        feb_then = service.assessment_on(s, "GBR", "SRB", date(2026, 2, 1), known_at=known_before)
        march = service.assessment_on(s, "GBR", "SRB", date(2026, 3, 15))
        april_now = service.agreement_on(s, "GBR-SRB-TEST", date(2026, 4, 2))
        april_then = service.agreement_on(s, "GBR-SRB-TEST", date(2026, 4, 2), known_before)
        terms_then = {t.agreement: t for t in service.terms_on(s, date(2026, 2, 1), known_before)}
        terms_now = {t.agreement: t for t in service.terms_on(s, date(2026, 2, 1))}
    assert feb_now is not None and feb_now.safe is False
    assert feb_then is None
    assert march is not None and march.safe is True  # the March finding still governs from March
    assert april_now.nationalities_in_scope == ["ALB"]
    assert april_then.nationalities_in_scope == ["ALB", "IND", "PAK"]
    # The safeguards read the register as known then: with no assessment known, every nationality is
    # unsafe; as known now, the January finding makes it unsafe for everyone as well, from its own source.
    assert "late-recorded" not in " ".join(terms_then["GBR-SRB-TEST"].sources)
    assert "v2 of 2026-01-15" in " ".join(terms_now["GBR-SRB-TEST"].sources)


def test_a_late_step_and_a_late_hub_version_must_fit_their_neighbours(
    engine: Engine, clock: FixedClock
) -> None:
    with unit_of_work(engine) as s:
        agreement_in_force(s, clock)
        hub(s, clock, "GBR-SRB-H1", "GBR-SRB-TEST", "planned", date(2026, 1, 1), {"single_adult_male": 10})
        service.amend_hub(
            s,
            "GBR-SRB-H1",
            HubAmendmentIn(effective_from=date(2026, 3, 1), status="operational", **ILLUSTRATIVE),
            clock=clock,
            recorded_by="t",
        )
    with unit_of_work(engine) as s:
        # A February closure recorded after the March opening fits between planned and operational.
        service.amend_hub(
            s,
            "GBR-SRB-H1",
            HubAmendmentIn(effective_from=date(2026, 2, 1), status="closed", **ILLUSTRATIVE),
            clock=clock,
            recorded_by="t",
        )
    # A late step between the memorandum (1 December 2025) and entry into force (1 January 2026) that the
    # pipeline does not allow before the later step is refused, naming that step.
    with pytest.raises(StateConflict, match="cannot come before"), unit_of_work(engine) as s:
        service.record_step(
            s,
            "SRB",
            StepIn(
                sending_state="GBR",
                status="terminated",
                occurred_on=date(2025, 12, 15),
                reason="late",
                **ILLUSTRATIVE,
            ),
            clock=clock,
            recorded_by="t",
        )
    with unit_of_work(engine, read_only=True) as s:
        assert service.hub_on(s, "GBR-SRB-H1", date(2026, 2, 15)).status == "closed"
        assert service.hub_on(s, "GBR-SRB-H1", date(2026, 3, 15)).status == "operational"


def test_a_late_talks_step_is_placed_at_its_date(engine: Engine, clock: FixedClock) -> None:
    with unit_of_work(engine) as s:
        open_pipeline(s, clock, "SRB", status="in_talks")  # 15 May 2025
        service.record_step(
            s,
            "SRB",
            StepIn(
                sending_state="GBR",
                status="declined",
                occurred_on=date(2025, 9, 1),
                reason="no",
                **ILLUSTRATIVE,
            ),
            clock=clock,
            recorded_by="t",
        )
    with unit_of_work(engine) as s:
        # Exploratory contacts in March, before the talks: recorded late, in their place.
        service.record_step(
            s,
            "SRB",
            StepIn(sending_state="GBR", status="exploratory", occurred_on=date(2025, 3, 1), **ILLUSTRATIVE),
            clock=clock,
            recorded_by="t",
        )
    with pytest.raises(
        StateConflict
    ):  # exploratory then... is fine; but declined cannot come before in_talks
        with unit_of_work(engine) as s:
            service.record_step(
                s,
                "SRB",
                StepIn(sending_state="GBR", status="in_force", occurred_on=date(2025, 4, 1), **ILLUSTRATIVE),
                clock=clock,
                recorded_by="t",
            )
    with unit_of_work(engine, read_only=True) as s:
        partner = service.list_partners(s, date(2025, 4, 1))[0]
    assert partner.status == "exploratory" and partner.provenance == "illustrative"


def test_a_withdrawn_list_is_announced_to_the_register_change_hooks(
    engine: Engine, clock: FixedClock
) -> None:
    """Issue 13, finding 10: a withdrawn safe-country list is announced, naming the agreements it touches,
    so that operations can re-check the people listed under them."""
    from returnhub.partners.hooks import REGISTER_CHANGE_HOOKS, RegisterChange
    from returnhub.partners.seed import seed_partners

    heard: list[RegisterChange] = []

    def listen(_session: object, change: RegisterChange, _clock: object) -> None:
        heard.append(change)

    with unit_of_work(engine) as s:
        seed_partners(s, clock)
    REGISTER_CHANGE_HOOKS.append(listen)
    try:
        with unit_of_work(engine) as s:
            service.record_safe_country_list(s, _safe_list(clock.today(), []), clock=clock, recorded_by="t")
    finally:
        REGISTER_CHANGE_HOOKS.remove(listen)
    (change,) = heard
    assert change.agreements == frozenset({"ITA-ALB-PROTOCOL"})
    assert change.what.startswith("Italy's list of safe countries of origin was withdrawn from")
    with unit_of_work(engine, read_only=True) as s:
        (italy,) = [t for t in service.terms_on(s, clock.today()) if t.agreement == "ITA-ALB-PROTOCOL"]
        (before,) = [
            t
            for t in service.terms_on(s, clock.today() - timedelta(days=1))
            if t.agreement == "ITA-ALB-PROTOCOL"
        ]
    assert italy.nationalities_in_scope == frozenset() and before.nationalities_in_scope
