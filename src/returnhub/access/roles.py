"""The roles of DESIGN.md ("Who uses it"), plus the administrator who manages accounts."""

from __future__ import annotations

from enum import StrEnum

from returnhub.core.errors import InvalidInput


class Role(StrEnum):
    CASEWORKER = "caseworker"
    SENIOR_CASEWORKER = "senior_caseworker"
    OPERATIONS_PLANNER = "operations_planner"
    HUB_LIAISON = "hub_liaison"
    PARTNERSHIPS_OFFICER = "partnerships_officer"
    ANALYST = "analyst"
    INDEPENDENT_MONITOR = "independent_monitor"
    LEGAL_REPRESENTATIVE = "legal_representative"
    ADMIN = "admin"


ALL_ROLES: frozenset[Role] = frozenset(Role)

#: Roles whose view of person records is limited to a scope: a legal representative to their clients
#: (``representations``), a hub liaison to the people at their hubs (``hub_assignments``).
SCOPED_ROLES: frozenset[Role] = frozenset({Role.LEGAL_REPRESENTATIVE, Role.HUB_LIAISON})


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {value!r}; roles: {known}") from None
