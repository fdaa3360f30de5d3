"""REST for operations: /transfers, /stays, /documents, /incidents. Translation only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from returnhub.access.deps import CurrentUser
from returnhub.access.scopes import at_own_hubs, require_in_scope
from returnhub.core.http.conditional import IfMatch, if_match_version
from returnhub.core.http.deps import ClockDep, SessionDep
from returnhub.core.http.problems import PROBLEM_RESPONSES
from returnhub.operations import documents, incidents, stays, transfers
from returnhub.operations.views import (
    ClockReading,
    EtdResponseTimes,
    GateOutcome,
    GateResult,
    IncidentView,
    PersonTakenOff,
    StayExit,
    TransferArrival,
    TransferCancellation,
    TransferSummary,
    TransferView,
)

router = APIRouter(responses=PROBLEM_RESPONSES)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hub: str = Field(min_length=1, max_length=32)
    mode: str = Field(default="charter_flight", max_length=24)
    departs_at: datetime
    seats: int = Field(ge=1, le=1000)
    min_load: int = Field(ge=1, le=1000)
    escorts: int = Field(default=0, ge=0, le=2000)
    monitor_on_board: bool = False


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str = Field(min_length=1, max_length=16)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class DepartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accept_under_minimum: bool = False


class MrzIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mrz: str = Field(min_length=1, max_length=200)


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: str = Field(min_length=1, max_length=2000)
    severity: str = Field(max_length=16)
    occurred_at: datetime
    transfer: str | None = Field(default=None, max_length=24)
    hub: str | None = Field(default=None, max_length=32)
    case_reference: str | None = Field(default=None, max_length=16)


class ExitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=32)
    on: date
    destination: str | None = Field(default=None, max_length=3)


@router.get("/transfers", tags=["transfers"], response_model=list[TransferSummary])
def list_transfers(
    session: SessionDep,
    principal: CurrentUser,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> list[TransferSummary]:
    # A hub liaison lists the transfers to their own hubs, as on their pages.
    return at_own_hubs(session, principal, transfers.list_transfers(session, status=status))


@router.post("/transfers", tags=["transfers"], status_code=201, response_model=TransferView)
def create_transfer(
    body: TransferIn, session: SessionDep, clock: ClockDep, principal: CurrentUser
) -> TransferView:
    t = transfers.create_transfer(
        session,
        hub=body.hub,
        mode=body.mode,
        departs_at=body.departs_at,
        seats=body.seats,
        min_load=body.min_load,
        escorts=body.escorts,
        monitor_on_board=body.monitor_on_board,
        clock=clock,
        created_by=principal.name,
    )
    return transfers.transfer_view(session, t)


@router.get("/transfers/{reference}", tags=["transfers"], response_model=TransferView)
def get_transfer(reference: str, session: SessionDep) -> TransferView:
    return transfers.show_transfer(session, reference)


@router.post(
    "/transfers/{reference}/manifest", tags=["transfers"], status_code=201, response_model=list[GateOutcome]
)
def add_person(
    reference: str,
    body: PersonIn,
    session: SessionDep,
    clock: ClockDep,
    principal: CurrentUser,
    if_match: IfMatch = None,
) -> list[GateOutcome]:
    return transfers.add_to_manifest(
        session,
        reference,
        body.reference,
        clock=clock,
        recorded_by=principal.name,
        expected_version=if_match_version(if_match),
    )


@router.post(
    "/transfers/{reference}/manifest/{person}/remove", tags=["transfers"], response_model=list[PersonTakenOff]
)
def remove_person(
    reference: str, person: str, body: ReasonIn, session: SessionDep, clock: ClockDep, principal: CurrentUser
) -> list[PersonTakenOff]:
    return transfers.remove_person(
        session, reference, person, body.reason, clock=clock, recorded_by=principal.name
    )


@router.post("/transfers/{reference}/lock", tags=["transfers"], response_model=GateResult)
def lock(
    reference: str, session: SessionDep, clock: ClockDep, principal: CurrentUser, if_match: IfMatch = None
) -> GateResult:
    return transfers.lock_manifest(
        session,
        reference,
        clock=clock,
        recorded_by=principal.name,
        expected_version=if_match_version(if_match),
    )


@router.post("/transfers/{reference}/depart", tags=["transfers"], response_model=GateResult)
def depart(
    reference: str,
    session: SessionDep,
    clock: ClockDep,
    principal: CurrentUser,
    body: DepartIn | None = None,
    if_match: IfMatch = None,
) -> GateResult:
    return transfers.depart(
        session,
        reference,
        clock=clock,
        recorded_by=principal.name,
        expected_version=if_match_version(if_match),
        accept_under_minimum=body.accept_under_minimum if body else False,
    )


@router.post("/transfers/{reference}/arrive", tags=["transfers"], response_model=TransferArrival)
def arrive(
    reference: str, session: SessionDep, clock: ClockDep, principal: CurrentUser, if_match: IfMatch = None
) -> TransferArrival:
    return transfers.arrive(
        session,
        reference,
        clock=clock,
        recorded_by=principal.name,
        expected_version=if_match_version(if_match),
    )


@router.post("/transfers/{reference}/cancel", tags=["transfers"], response_model=TransferCancellation)
def cancel(
    reference: str,
    body: ReasonIn,
    session: SessionDep,
    clock: ClockDep,
    principal: CurrentUser,
    if_match: IfMatch = None,
) -> TransferCancellation:
    return transfers.cancel(
        session,
        reference,
        body.reason,
        clock=clock,
        recorded_by=principal.name,
        expected_version=if_match_version(if_match),
    )


@router.get("/stays/clocks", tags=["stays"], response_model=list[ClockReading])
def stay_clocks(
    session: SessionDep, clock: ClockDep, principal: CurrentUser, on: date | None = None
) -> list[ClockReading]:
    return at_own_hubs(session, principal, stays.clocks_on(session, on or clock.today()))


@router.get("/stays/overdue", tags=["stays"], response_model=list[ClockReading])
def stays_overdue(
    session: SessionDep, clock: ClockDep, principal: CurrentUser, on: date | None = None
) -> list[ClockReading]:
    return at_own_hubs(session, principal, stays.overdue(session, on or clock.today()))


@router.post("/stays/{reference}/exit", tags=["stays"], response_model=StayExit)
def stay_exit(
    reference: str, body: ExitIn, session: SessionDep, clock: ClockDep, principal: CurrentUser
) -> StayExit:
    return stays.record_exit(
        session,
        reference,
        body.reason,
        on=body.on,
        clock=clock,
        recorded_by=principal.name,
        destination=body.destination,
    )


@router.post("/documents/check", tags=["documents"])
def check_document(body: MrzIn, clock: ClockDep) -> dict[str, Any]:
    return documents.check_mrz(body.mrz, today=clock.today())


@router.get("/documents/etd-times", tags=["documents"], response_model=list[EtdResponseTimes])
def etd_times(session: SessionDep) -> list[EtdResponseTimes]:
    return documents.etd_response_times(session)


@router.get("/incidents", tags=["incidents"], response_model=list[IncidentView])
def list_incidents(session: SessionDep) -> list[IncidentView]:
    return incidents.list_incidents(session)


@router.post("/incidents", tags=["incidents"], status_code=201, response_model=IncidentView)
def report_incident(
    body: IncidentIn, session: SessionDep, clock: ClockDep, principal: CurrentUser
) -> IncidentView:
    # A hub liaison reports only about their hubs, the transfers to them and the people at them (404
    # otherwise, as if unknown).
    require_in_scope(
        session, principal, case_reference=body.case_reference, hub=body.hub, transfer=body.transfer
    )
    return incidents.report_incident(
        session,
        summary=body.summary,
        severity=body.severity,
        occurred_at=body.occurred_at,
        clock=clock,
        reported_by=principal.name,
        transfer=body.transfer,
        hub=body.hub,
        case_reference=body.case_reference,
    )
