"""The partners register on SQLite and PostgreSQL: dated terms, no edits in place, the pipeline, the terms
the safeguards read, assessments, occupancy and the hash-chained change log."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput, NotFound, StateConflict
from returnhub.partners import service
from returnhub.partners.agreement_terms import AgreementTermsProvider
from returnhub.partners.changes import verify_changes
from returnhub.partners.models import AgreementVersion, NegotiationStep, PartnerChange
from returnhub.partners.schemas import AmendmentIn, AssessmentVersionIn, OccupancyIn, SafeListIn
from returnhub.partners.service import DatabaseTermsProvider, Occupied, occupancy_on

from .helpers import ILLUSTRATIVE, agreement_in_force, amend_scope, assess, hub, step


def _count(engine: Engine, model: Any) -> int:
    with unit_of_work(engine, read_only=True) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.fixture
def register(engine: Engine, clock: FixedClock) -> Engine:
    with unit_of_work(engine) as s:
        agreement_in_force(s, clock)
        amend_scope(s, clock, "GBR-SRB-TEST", date(2026, 3, 1), ["ALB", "IND", "PAK"])
        assess(s, clock, "SRB", date(2025, 11, 1), unsafe_for_profiles=["lgbt"])
    return engine


def test_reading_an_agreement_as_of_a_date_returns_the_terms_in_force_that_day(
    register: Engine,
) -> None:
    with unit_of_work(register, read_only=True) as s:
        before = service.agreement_on(s, "GBR-SRB-TEST", date(2025, 12, 31))
        first = service.agreement_on(s, "GBR-SRB-TEST", date(2026, 2, 28))
        second = service.agreement_on(s, "gbr-srb-test", date(2026, 3, 1))
    assert before.terms is None and before.in_force is False
    assert before.pipeline_status == "memorandum_signed"
    assert first.terms.version == 1 and first.nationalities_in_scope == ["ALB", "IND"]
    assert first.in_force is True
    assert second.terms.version == 2 and second.nationalities_in_scope == ["ALB", "IND", "PAK"]
    # An amendment changes only what it names; the rest carries over, and version 1 stays readable.
    assert second.terms.cost_per_place_per_day == first.terms.cost_per_place_per_day == "80.50"
    assert second.terms.max_stay_days == 90 and second.terms.excluded_groups == [
        "minors",
        "vulnerable",
    ]
    assert [v.version for v in second.versions] == [1, 2]


def test_a_term_cannot_be_edited_in_place(register: Engine, clock: FixedClock) -> None:
    # Through the ORM: the flush that would update the row is refused.
    with pytest.raises(StateConflict, match="never edited in place"), unit_of_work(register) as s:
        row = s.execute(select(AgreementVersion).where(AgreementVersion.version == 1)).scalar_one()
        row.max_stay_days = 365
        s.flush()
    # Through raw SQL: the database trigger refuses any UPDATE.
    with pytest.raises(DBAPIError, match="append-only"), register.begin() as conn:
        conn.execute(text("UPDATE partner_agreement_versions SET max_stay_days = 365"))
    # A version for an existing legal date is a correction recorded beside it, never an overwrite: the
    # earlier version stays readable (the register is bitemporal, issue 13 finding 9).
    with unit_of_work(register) as s:
        service.amend_agreement(
            s,
            "GBR-SRB-TEST",
            AmendmentIn(effective_from=date(2026, 3, 1), max_stay_days=365, **ILLUSTRATIVE),
            clock=clock,
            recorded_by="test",
        )
    with unit_of_work(register, read_only=True) as s:
        stays = s.execute(select(AgreementVersion.max_stay_days).order_by(AgreementVersion.version)).scalars()
        assert list(stays) == [90, 90, 365]
    # No update path exists in the API either (see test_api), and the audit log is intact.
    with unit_of_work(register, read_only=True) as s:
        assert verify_changes(s).ok


def test_a_status_change_that_skips_the_pipeline_is_refused_and_nothing_is_written(
    engine: Engine, clock: FixedClock
) -> None:
    with unit_of_work(engine) as s:
        from .helpers import open_pipeline

        open_pipeline(s, clock, "ALB")
        step(s, clock, "ALB", "declined", date(2025, 5, 15), reason="loyal to our marriage with Italy")
    steps, changes = _count(engine, NegotiationStep), _count(engine, PartnerChange)
    with (
        pytest.raises(StateConflict, match="does not go from declined to in_force"),
        unit_of_work(engine) as s,
    ):
        step(s, clock, "ALB", "in_force", date(2025, 6, 1))
    assert (_count(engine, NegotiationStep), _count(engine, PartnerChange)) == (steps, changes)
    with unit_of_work(engine, read_only=True) as s:
        albania = service.show_partner(s, "Albania", date(2026, 6, 1))
    (pipeline,) = albania.negotiations
    assert pipeline.status == "declined"
    assert pipeline.steps[-1].reason == "loyal to our marriage with Italy"


def test_terms_provider_answers_differently_before_and_after_a_term_takes_effect(register: Engine) -> None:
    with unit_of_work(register, read_only=True) as s:
        provider: AgreementTermsProvider = DatabaseTermsProvider(s)
        (before,) = provider.terms_on(date(2026, 2, 28))
        (after,) = provider.terms_on(date(2026, 3, 1))
        (not_yet,) = provider.terms_on(date(2025, 12, 15))
    assert before.nationalities_in_scope == frozenset({"ALB", "IND"})
    assert after.nationalities_in_scope == frozenset({"ALB", "IND", "PAK"})
    assert "PAK" not in before.nationalities_in_scope and "PAK" in after.nationalities_in_scope
    assert before.in_force and after.in_force and not not_yet.in_force
    assert (after.hub_country, after.sending_state, after.max_stay_days) == ("SRB", "GBR", 90)
    assert after.excluded_groups == frozenset({"minors", "vulnerable"})
    assert after.unsafe_for_profiles == frozenset({"lgbt"}) and after.unsafe_for_nationalities == frozenset()
    assert any("v2 from 2026-03-01" in source for source in after.sources)
    assert any("v1 from 2026-01-01" in source for source in before.sources)


def test_without_an_assessment_or_with_an_unsafe_one_the_hub_country_is_unsafe_for_everyone(
    engine: Engine, clock: FixedClock
) -> None:
    with unit_of_work(engine) as s:
        agreement_in_force(s, clock, "MKD")
    with unit_of_work(engine, read_only=True) as s:
        (unassessed,) = service.terms_on(s, date(2026, 2, 1))
    assert {"ALB", "IND", "AFG", "XKX"} <= unassessed.unsafe_for_nationalities
    assert any("no assessment" in source for source in unassessed.sources)
    with unit_of_work(engine) as s:
        assess(s, clock, "MKD", date(2026, 1, 15), unsafe_for_nationalities=["ir"])
        service.record_assessment(
            s,
            AssessmentVersionIn.model_validate(
                {
                    "assessing_state": "GBR",
                    "assessed_on": date(2026, 4, 1),
                    "safe": False,
                    "summary": "unsafe after a change of government",
                    "evidence": [{"url": "https://example.org/report", "title": "Report"}],
                    **ILLUSTRATIVE,
                }
            ),
            "MKD",
            clock=clock,
            recorded_by="test",
            amend=True,
        )
    with unit_of_work(engine, read_only=True) as s:
        (assessed,) = service.terms_on(s, date(2026, 2, 1))
        (unsafe,) = service.terms_on(s, date(2026, 4, 1))
        history = service.assessment_history(s, "MKD")
    assert assessed.unsafe_for_nationalities == frozenset({"IRN"})
    assert {"ALB", "IND"} <= unsafe.unsafe_for_nationalities
    assert [h.version for h in history] == [1, 2]
    assert [e.model_dump() for e in history[1].evidence] == [
        {"url": "https://example.org/report", "title": "Report"}
    ]


def test_a_safe_country_scope_follows_the_list_in_force_and_ignores_invalid_carve_outs(
    engine: Engine, clock: FixedClock
) -> None:
    with unit_of_work(engine) as s:
        agreement_in_force(s, clock)
        service.amend_agreement(
            s,
            "GBR-SRB-TEST",
            AmendmentIn(
                effective_from=date(2026, 2, 1), scope={"kind": "safe_countries_of_origin"}, **ILLUSTRATIVE
            ),
            clock=clock,
            recorded_by="test",
        )
        for on, entries in (
            (date(2026, 2, 1), [{"country": "ALB"}, {"country": "EGY", "exceptions": ["LGBT people"]}]),
            (date(2026, 4, 1), [{"country": "ALB"}, {"country": "GEO"}]),
        ):
            service.record_safe_country_list(
                s,
                SafeListIn.model_validate(
                    {
                        "designating_state": "GB",
                        "effective_from": on,
                        "legal_basis": "test order",
                        "entries": entries,
                        **ILLUSTRATIVE,
                    }
                ),
                clock=clock,
                recorded_by="test",
            )
    with unit_of_work(engine, read_only=True) as s:
        (feb,) = service.terms_on(s, date(2026, 2, 1))
        (apr,) = service.terms_on(s, date(2026, 4, 1))
        listed = service.safe_country_list_on(s, "GBR", date(2026, 2, 1))
    assert feb.nationalities_in_scope == frozenset({"ALB"})  # EGY's carve-out invalidates its designation
    assert apr.nationalities_in_scope == frozenset({"ALB", "GEO"})
    assert listed is not None
    egypt = next(e for e in listed.entries if e.country == "EGY")
    assert egypt.designated is False and "C-758/24" in egypt.invalid_because


def test_occupancy_reads_recorded_figures_and_has_a_seam_for_stays(engine: Engine, clock: FixedClock) -> None:
    with unit_of_work(engine) as s:
        agreement_in_force(s, clock)
        hub(
            s,
            clock,
            "GBR-SRB-H1",
            "GBR-SRB-TEST",
            "operational",
            date(2026, 1, 1),
            {"single_adult_male": 100},
        )
        hub(s, clock, "GBR-SRB-H2", "GBR-SRB-TEST", "planned", date(2026, 1, 1), {"adult_female": 20})
        for on, n in ((date(2026, 2, 1), 30), (date(2026, 3, 1), 45)):
            service.record_occupancy(
                s,
                "GBR-SRB-H1",
                OccupancyIn(counted_on=on, occupied=n, **ILLUSTRATIVE),
                clock=clock,
                recorded_by="t",
            )
        with pytest.raises(InvalidInput, match="future"):
            service.record_occupancy(
                s,
                "GBR-SRB-H1",
                OccupancyIn(counted_on=date(2026, 7, 1), occupied=1, **ILLUSTRATIVE),
                clock=clock,
                recorded_by="t",
            )
    with unit_of_work(engine, read_only=True) as s:
        feb = {r.hub: r for r in occupancy_on(s, date(2026, 2, 15))}
        mar = {r.hub: r for r in occupancy_on(s, date(2026, 3, 15))}
        derived = {
            r.hub: r
            for r in occupancy_on(s, date(2026, 3, 15), occupied=lambda _s, _d: {"GBR-SRB-H1": Occupied(7)})
        }
        (terms,) = service.terms_on(s, date(2026, 3, 15))
    assert (feb["GBR-SRB-H1"].occupied, feb["GBR-SRB-H1"].free) == (30, 70)
    assert (mar["GBR-SRB-H1"].occupied, mar["GBR-SRB-H1"].free) == (45, 55)
    assert (mar["GBR-SRB-H2"].status, mar["GBR-SRB-H2"].beds, mar["GBR-SRB-H2"].free) == (
        "planned",
        20,
        0,
    )
    assert derived["GBR-SRB-H1"].free == 93
    assert terms.hubs == ("GBR-SRB-H1",)  # only operational hubs take transfers


def test_unknown_records_and_bad_references_are_clear_errors(register: Engine, clock: FixedClock) -> None:
    with unit_of_work(register, read_only=True) as s:
        with pytest.raises(NotFound, match="no agreement"):
            service.agreement_on(s, "GBR-XXX-1", date(2026, 1, 1))
        with pytest.raises(NotFound, match="not in the partners register"):
            service.show_partner(s, "Chile", date(2026, 1, 1))
    with pytest.raises(InvalidInput, match="unknown region"), unit_of_work(register) as s:
        service.amend_agreement(
            s,
            "GBR-SRB-TEST",
            AmendmentIn(
                effective_from=date(2026, 5, 1),
                scope={"kind": "region", "region": "atlantis"},
                **ILLUSTRATIVE,
            ),
            clock=clock,
            recorded_by="t",
        )
    assert _count(register, AgreementVersion) == 2


def test_the_change_log_records_who_when_and_source_and_detects_removal(register: Engine) -> None:
    with unit_of_work(register, read_only=True) as s:
        report = verify_changes(s)
        rows = s.execute(select(PartnerChange).order_by(PartnerChange.id)).scalars().all()
    assert report.ok and report.changes == len(rows)
    actions = [r.action for r in rows]
    assert actions[:2] == ["negotiation_opened", "negotiation_step_recorded"]
    assert "terms_amended" in actions and "assessment_recorded" in actions
    amended = next(r for r in rows if r.action == "terms_amended")
    assert amended.recorded_by == "test" and amended.provenance == "illustrative"
    assert amended.data["scope"]["countries"] == ["ALB", "IND", "PAK"]
    with register.begin() as conn:
        conn.execute(delete(PartnerChange).where(PartnerChange.id == rows[3].id))
    with unit_of_work(register, read_only=True) as s:
        broken = verify_changes(s)
    assert not broken.ok and broken.first_broken_id == rows[4].id


def test_a_list_of_hubs_reads_every_hubs_head_count_at_once(engine: Engine, clock: FixedClock) -> None:
    with unit_of_work(engine) as s:
        agreement_in_force(s, clock)
        for i in range(1, 5):
            reference = f"GBR-SRB-H{i}"
            hub(s, clock, reference, "GBR-SRB-TEST", "operational", date(2026, 1, 1), {"adult_female": 50})
            figure = OccupancyIn(counted_on=date(2026, 2, i), occupied=10 * i, **ILLUSTRATIVE)
            service.record_occupancy(s, reference, figure, clock=clock, recorded_by="t")
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with unit_of_work(engine, read_only=True) as s:
        event.listen(engine, "before_cursor_execute", seen)
        try:
            listed = service.list_hubs(s, date(2026, 3, 1))
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        one_by_one = [service.hub_on(s, h.reference, date(2026, 3, 1)) for h in listed]
    assert sum("partner_hub_occupancy" in q for q in statements) == 1
    assert listed == one_by_one
    assert [h.latest_count.occupied for h in listed] == [10, 20, 30, 40]


def test_terms_read_again_after_any_register_change_even_within_the_transaction(
    engine: Engine, clock: FixedClock
) -> None:
    # The terms are read once per state of the register (keyed by the change log's head): a change, committed
    # or still pending in the same transaction (the gate re-checks everyone listed right after it), is seen.
    on = date(2026, 3, 15)
    with unit_of_work(engine) as s:
        agreement_in_force(s, clock)
        (first,) = service.terms_on(s, on)
        assert service.terms_on(s, on) == [first]
        amend_scope(s, clock, "GBR-SRB-TEST", date(2026, 3, 1), ["ALB"])
        (pending,) = service.terms_on(s, on)
    with unit_of_work(engine, read_only=True) as s:
        (committed,) = service.terms_on(s, on)
    with unit_of_work(engine) as s:
        hub(s, clock, "GBR-SRB-H9", "GBR-SRB-TEST", "operational", date(2026, 1, 1), {"adult_female": 5})
        (with_hub,) = service.terms_on(s, on)
    assert first.nationalities_in_scope == frozenset({"ALB", "IND"})
    assert pending.nationalities_in_scope == committed.nationalities_in_scope == frozenset({"ALB"})
    assert first.hubs == () and with_hub.hubs == ("GBR-SRB-H9",)
