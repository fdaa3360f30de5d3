"""Hubs under an agreement: dated status and beds, recorded head counts, occupancy."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput, NotFound, StateConflict
from returnhub.partners.agreements import find_agreement
from returnhub.partners.hooks import RegisterChange, announce
from returnhub.partners.models import (
    Agreement,
    Hub,
    HubOccupancyFigure,
    HubVersion,
)
from returnhub.partners.records import (
    day_text,
    lock_register,
    not_in_future,
    provenance_of,
    stamp,
    version_on,
    visible,
    write,
)
from returnhub.partners.schemas import (
    HubAmendmentIn,
    HubIn,
    OccupancyIn,
    SourcedIn,
)
from returnhub.partners.views import HeadCount, HubVersionView, HubView, OccupancyView

#: Hub status moves. Staying in the same status is allowed (a change of beds only).
HUB_TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"planned", "operational", "closed"}),
    "operational": frozenset({"operational", "closed"}),
    "closed": frozenset({"closed", "operational"}),
}


def _hub(session: Session, reference: str, known_at: datetime | None = None) -> Hub:
    row = session.execute(select(Hub).where(Hub.reference == reference.upper())).scalar_one_or_none()
    if row is None or not visible([row], known_at):
        raise NotFound(f"no hub with reference {reference!r}")
    return row


def hub_versions(session: Session, hub_id: int) -> list[HubVersion]:
    return list(
        session.execute(
            select(HubVersion).where(HubVersion.hub_id == hub_id).order_by(HubVersion.version)
        ).scalars()
    )


def register_hub(session: Session, body: HubIn, *, clock: Clock, recorded_by: str) -> HubView:
    lock_register(session)
    agreement = find_agreement(session, body.agreement)
    if session.execute(select(Hub.id).where(Hub.reference == body.reference)).first() is not None:
        raise StateConflict(f"a hub with reference {body.reference} already exists; amend it instead")
    hub = Hub(
        reference=body.reference,
        name=body.name,
        agreement_id=agreement.id,
        locality=body.locality,
        recorded_at=clock.now(),
        recorded_by=recorded_by,
    )
    write(
        session,
        hub,
        f"hub {body.reference}",
        clock=clock,
        recorded_by=recorded_by,
        action="hub_registered",
        subject=body.reference,
        data={
            "reference": body.reference,
            "name": body.name,
            "agreement": agreement.reference,
            "locality": body.locality,
        },
        source=provenance_of(body),
    )
    _add_hub_version(
        session,
        hub,
        1,
        body.effective_from,
        body.status,
        body.beds,
        body.note,
        body,
        clock=clock,
        recorded_by=recorded_by,
    )
    return hub_on(session, hub.reference, body.effective_from)


def amend_hub(
    session: Session, reference: str, body: HubAmendmentIn, *, clock: Clock, recorded_by: str
) -> HubView:
    """A new dated version of a hub's status and beds; what is not given carries over."""
    lock_register(session)
    hub = _hub(session, reference)
    versions = hub_versions(session, hub.id)
    latest = versions[-1]
    if body.status is None and body.beds is None:
        raise InvalidInput("a hub change must give a new status or new beds")
    # Any legal date may be recorded (bitemporal): the change must fit between the version in force on its
    # date and the next later one, as known now.
    before: HubVersion | None = version_on(versions, body.effective_from)
    base = before or min(versions, key=lambda v: (v.effective_from, v.version))
    status = body.status or base.status
    if before is not None and status not in HUB_TRANSITIONS[before.status]:
        raise StateConflict(f"hub {hub.reference} cannot go from {before.status} to {status}")
    later = [v for v in versions if v.effective_from > body.effective_from]
    if later:
        following = min(later, key=lambda v: (v.effective_from, -v.version))
        if following.status not in HUB_TRANSITIONS[status]:
            raise StateConflict(
                f"hub {hub.reference} cannot be {status} from {body.effective_from}: it is recorded as "
                f"{following.status} from {following.effective_from}, and a hub cannot go from {status} "
                f"to {following.status}"
            )
    beds = body.beds if body.beds is not None else dict(base.beds)
    _add_hub_version(
        session,
        hub,
        latest.version + 1,
        body.effective_from,
        status,
        beds,
        body.note,
        body,
        clock=clock,
        recorded_by=recorded_by,
    )
    announce(
        session,
        RegisterChange(
            what=f"hub {hub.reference} is recorded as {status} from {day_text(body.effective_from)}",
            hubs=frozenset({hub.reference}),
        ),
        clock,
    )
    return hub_on(session, hub.reference, body.effective_from)


def _add_hub_version(
    session: Session,
    hub: Hub,
    version: int,
    effective_from: date,
    status: str,
    beds: dict[str, int],
    note: str | None,
    source: SourcedIn,
    *,
    clock: Clock,
    recorded_by: str,
) -> None:
    row = HubVersion(
        hub_id=hub.id,
        version=version,
        effective_from=effective_from,
        status=status,
        beds=beds,
        note=note,
        **stamp(source, clock, recorded_by),
    )
    write(
        session,
        row,
        f"hub {hub.reference}",
        clock=clock,
        recorded_by=recorded_by,
        action="hub_version_recorded",
        subject=hub.reference,
        data={
            "version": version,
            "effective_from": effective_from.isoformat(),
            "status": status,
            "beds": beds,
            "note": note,
        },
        source=provenance_of(source),
    )


def record_occupancy(
    session: Session, reference: str, body: OccupancyIn, *, clock: Clock, recorded_by: str
) -> HubView:
    """Record a head count at a hub on a date (until operations derives occupancy from stays)."""
    lock_register(session)
    hub = _hub(session, reference)
    not_in_future(body.counted_on, "counted_on", clock)
    if version_on(hub_versions(session, hub.id), body.counted_on) is None:
        raise StateConflict(f"hub {hub.reference} was not yet registered on {body.counted_on}")
    row = HubOccupancyFigure(
        hub_id=hub.id,
        counted_on=body.counted_on,
        occupied=body.occupied,
        occupied_by_bed_type=body.occupied_by_bed_type,
        note=body.note,
        **stamp(body, clock, recorded_by),
    )
    write(
        session,
        row,
        f"hub {hub.reference}",
        clock=clock,
        recorded_by=recorded_by,
        action="occupancy_recorded",
        subject=hub.reference,
        data={
            "counted_on": body.counted_on.isoformat(),
            "occupied": body.occupied,
            "occupied_by_bed_type": body.occupied_by_bed_type,
            "note": body.note,
        },
        source=provenance_of(body),
    )
    return hub_on(session, hub.reference, body.counted_on)


@dataclass(frozen=True)
class Occupied:
    """People in a hub on a date, and where that number comes from."""

    occupied: int
    by_bed_type: dict[str, int] | None = None
    counted_on: date | None = None
    source: str | None = None


#: Anything that says, for a date, how many people each hub (by reference) holds.
OccupancySource = Callable[[Session, date], Mapping[str, Occupied]]


def recorded_occupancy(
    session: Session, on: date, known_at: datetime | None = None, *, hubs: Collection[str] | None = None
) -> dict[str, Occupied]:
    """Today's source of occupancy: the latest recorded head count on or before ``on`` for each hub (of
    ``hubs`` only, when given), in one query."""
    only = [] if hubs is None else [Hub.reference.in_(list(hubs))]
    rows = session.execute(
        select(Hub.reference, HubOccupancyFigure)
        .join(HubOccupancyFigure, HubOccupancyFigure.hub_id == Hub.id)
        .where(HubOccupancyFigure.counted_on <= on, *only)
        .order_by(HubOccupancyFigure.counted_on, HubOccupancyFigure.id)
    ).all()
    latest: dict[str, Occupied] = {}
    for reference, figure in rows:  # later rows overwrite earlier ones
        if not visible([figure], known_at):
            continue
        latest[reference] = Occupied(
            occupied=figure.occupied,
            by_bed_type=figure.occupied_by_bed_type,
            counted_on=figure.counted_on,
            source=f"{figure.provenance}: {figure.source_url or figure.note or 'recorded figure'}",
        )
    return latest


def occupancy_on(
    session: Session,
    on: date,
    *,
    occupied: OccupancySource = recorded_occupancy,
    known_at: datetime | None = None,
) -> list[OccupancyView]:
    """Per hub on ``on``: beds, occupied, free.

    The seam for operations: ``occupied`` reads recorded head counts today; once hub stays are recorded,
    operations passes a source that counts stays on the date and nothing else here changes. Only an
    operational hub has free beds; a planned or closed hub reports its beds with ``free`` = 0.
    """
    counts = (
        recorded_occupancy(session, on, known_at) if occupied is recorded_occupancy else occupied(session, on)
    )
    out: list[OccupancyView] = []
    hubs = session.execute(
        select(Hub, Agreement).join(Agreement, Agreement.id == Hub.agreement_id).order_by(Hub.reference)
    ).all()
    for hub, agreement in hubs:
        if not visible([hub], known_at):
            continue
        version: HubVersion | None = version_on(hub_versions(session, hub.id), on, known_at=known_at)
        if version is None:
            continue
        beds = sum(int(n) for n in version.beds.values())
        operational = version.status == "operational"
        count = counts.get(hub.reference) if operational else None
        held = count.occupied if count else 0
        out.append(
            OccupancyView(
                hub=hub.reference,
                name=hub.name,
                agreement=agreement.reference,
                partner_country=agreement.partner_country,
                on=on,
                status=version.status,
                beds=beds,
                beds_by_type=dict(version.beds),
                occupied=held,
                occupied_by_bed_type=count.by_bed_type if count else None,
                free=beds - held if operational else 0,
                occupancy_known=count is not None or not operational,
                counted_on=count.counted_on if count else None,
                occupancy_source=count.source if count else None,
                # Provenance of the hub's facts on the date (status, beds) and of its agreement.
                provenance=version.provenance,
                source_url=version.source_url,
                source_title=version.source_title,
                agreement_provenance=agreement.provenance,
                known_at=known_at,
            )
        )
    return out


def hub_on(
    session: Session,
    reference: str,
    on: date,
    known_at: datetime | None = None,
    *,
    occupancy: Mapping[str, Occupied] | None = None,
) -> HubView:
    """One hub on ``on``. ``occupancy``: the recorded head counts already read for a list of hubs
    (``recorded_occupancy``), so that a list reads them once rather than once per hub."""
    hub = _hub(session, reference, known_at)
    agreement = session.get(Agreement, hub.agreement_id)
    assert agreement is not None
    versions = visible(hub_versions(session, hub.id), known_at)
    current: HubVersion | None = version_on(versions, on)
    if occupancy is None:
        occupancy = recorded_occupancy(session, on, known_at, hubs=[hub.reference])
    figure = occupancy.get(hub.reference)
    return HubView(
        reference=hub.reference,
        name=hub.name,
        agreement=agreement.reference,
        partner_country=agreement.partner_country,
        locality=hub.locality,
        on=on,
        known_at=known_at,
        agreement_provenance=agreement.provenance,
        provenance=current.provenance if current else None,
        source_url=current.source_url if current else None,
        source_title=current.source_title if current else None,
        status=current.status if current else None,
        beds=dict(current.beds) if current else {},
        beds_total=sum(int(n) for n in current.beds.values()) if current else 0,
        latest_count=None
        if figure is None
        else HeadCount(counted_on=figure.counted_on, occupied=figure.occupied, source=figure.source),
        versions=[HubVersionView.model_validate(v) for v in versions],
    )


def list_hubs(session: Session, on: date, known_at: datetime | None = None) -> list[HubView]:
    rows = visible(session.execute(select(Hub).order_by(Hub.reference)).scalars().all(), known_at)
    occupancy = recorded_occupancy(session, on, known_at)
    return [hub_on(session, r.reference, on, known_at, occupancy=occupancy) for r in rows]
