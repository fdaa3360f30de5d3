"""Record scopes: how far a principal's view of person records reaches.

A legal representative sees their clients (``representations``); a hub liaison sees the people whose case
projection places them at one of their hubs (``hub_assignments``); every other role is unscoped (its reach
is limited by the permissions table instead). A record outside the scope answers exactly like a record
that does not exist (404, same message), so a scoped user cannot learn that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from returnhub.access.models import HubAssignment, Representation
from returnhub.access.roles import Role
from returnhub.access.service import Principal, hubs_of
from returnhub.casework.queries import case_meets, cases_among, cases_at_hubs
from returnhub.core.errors import NotFound


def case_not_found(reference: str) -> NotFound:
    # Word for word the casework store's message for a missing case (``casework.store.get_person``).
    return NotFound(f"no case with reference {reference.strip().upper()!r}")


def _represents(principal: Principal, reference: str) -> ColumnElement[bool]:
    return exists().where(
        Representation.user_id == principal.user_id, Representation.case_reference == reference
    )


def _assigned_hubs(principal: Principal) -> ColumnElement[bool]:
    return cases_at_hubs(select(HubAssignment.hub).where(HubAssignment.user_id == principal.user_id))


def case_in_scope(session: Session, principal: Principal, reference: str) -> bool:
    ref = reference.strip().upper()
    if principal.role is Role.LEGAL_REPRESENTATIVE:
        return bool(session.execute(select(_represents(principal, ref))).scalar())
    if principal.role is Role.HUB_LIAISON:
        return case_meets(session, ref, _assigned_hubs(principal))
    return True


def case_filter(principal: Principal) -> ColumnElement[bool] | None:
    """A condition on ``case_projection`` that keeps the rows in the principal's scope (None: all rows)."""
    if principal.role is Role.LEGAL_REPRESENTATIVE:
        return cases_among(
            select(Representation.case_reference).where(Representation.user_id == principal.user_id)
        )
    if principal.role is Role.HUB_LIAISON:
        return _assigned_hubs(principal)
    return None


def hub_in_scope(session: Session, principal: Principal, hub: str) -> bool:
    if principal.role is Role.HUB_LIAISON:
        found = session.execute(
            select(HubAssignment.id).where(
                HubAssignment.user_id == principal.user_id, HubAssignment.hub == hub.strip().upper()
            )
        ).first()
        return found is not None
    return principal.role is not Role.LEGAL_REPRESENTATIVE


#: How a transfer's hub is found. Operations registers it (``operations.transfers.register_hooks``, run by
#: the composition roots), since access does not import operations.
_transfer_hub: Callable[[Session, str], str | None] | None = None


def register_transfer_hub(lookup: Callable[[Session, str], str | None]) -> None:
    global _transfer_hub
    _transfer_hub = lookup


def transfer_in_scope(session: Session, principal: Principal, transfer: str) -> bool:
    """A hub liaison acts on transfers to their hubs only (arrivals at their hub)."""
    if principal.role is not Role.HUB_LIAISON:
        return principal.role is not Role.LEGAL_REPRESENTATIVE
    if _transfer_hub is None:
        raise RuntimeError("no transfer lookup registered: operations.transfers.register_hooks() wires it")
    hub = _transfer_hub(session, transfer)
    return hub is not None and hub_in_scope(session, principal, hub)


class AtAHub(Protocol):
    """A typed view that names a hub (a transfer, a stay clock)."""

    @property
    def hub(self) -> str: ...


HubRow = TypeVar("HubRow", bound=AtAHub)


def at_own_hubs(session: Session, principal: Principal, rows: list[HubRow]) -> list[HubRow]:
    """Rows that name a ``hub`` (transfers, stay clocks), narrowed to a hub liaison's own hubs; any other
    role's rows are returned as they are (the permissions table decides whether it may see them at all)."""
    if principal.role is not Role.HUB_LIAISON:
        return rows
    mine = set(hubs_of(session, principal.user_id))
    return [r for r in rows if r.hub in mine]


def require_in_scope(
    session: Session,
    principal: Principal,
    *,
    case_reference: str | None = None,
    hub: str | None = None,
    transfer: str | None = None,
) -> None:
    """For references named in a request body: refuse, as not found, what the principal may not touch."""
    if case_reference is not None and not case_in_scope(session, principal, case_reference):
        raise case_not_found(case_reference)
    if hub is not None and not hub_in_scope(session, principal, hub):
        raise NotFound(f"no hub {hub.strip().upper()!r}")
    if transfer is not None and not transfer_in_scope(session, principal, transfer):
        raise NotFound(f"no transfer {transfer.strip().upper()!r}")
