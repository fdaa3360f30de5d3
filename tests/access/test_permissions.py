"""The declared permissions table is consistent (pure, no database)."""

from __future__ import annotations

from returnhub.access.permissions import (
    EVENT_TYPES_BY_ROLE,
    LEGAL_NOTICES,
    PERMISSIONS,
    Permission,
    Scope,
    inconsistencies,
    may_record,
    permission_for,
)
from returnhub.access.roles import ALL_ROLES, Role


def test_the_table_is_consistent() -> None:
    assert inconsistencies() == []


def test_leaky_declarations_are_caught() -> None:
    leaky = {
        # a list of people open to a legal representative with nothing to narrow it
        ("GET", "/stays/clocks"): Permission(roles=ALL_ROLES, personal=True),
        # a case route that is not written to the access log
        ("GET", "/cases/{reference}"): Permission(roles=ALL_ROLES, scope=Scope.CASE, param="reference"),
        # a scope whose parameter is not in the path
        ("POST", "/hubs"): Permission(
            roles=frozenset({Role.ADMIN, Role.INDEPENDENT_MONITOR}), scope=Scope.HUB, param="reference"
        ),
        # a read the monitor cannot make
        ("GET", "/rules"): Permission(roles=frozenset({Role.ADMIN})),
    }
    found = inconsistencies(leaky)
    assert len(found) == 5, found  # the /hubs one is both unscoped and a monitor write
    assert any("no filter" in f for f in found)
    assert any("access log" in f for f in found)
    assert any("needs a path parameter" in f for f in found)
    assert any("reads everything" in f for f in found)
    assert any("writes nothing but monitoring notes" in f for f in found)


def test_lookup_treats_head_as_get_and_unknown_as_undeclared() -> None:
    assert permission_for("HEAD", "/cases") is PERMISSIONS[("GET", "/cases")]
    assert permission_for("GET", "/nowhere") is None


def test_who_may_record_which_events() -> None:
    for notice in LEGAL_NOTICES:
        assert may_record(Role.LEGAL_REPRESENTATIVE, notice)
    assert not may_record(Role.LEGAL_REPRESENTATIVE, "asylum_claim_decided")
    assert not may_record(Role.LEGAL_REPRESENTATIVE, "rule39_lifted")
    assert not may_record(Role.CASEWORKER, "review_decided")
    assert may_record(Role.SENIOR_CASEWORKER, "review_decided")
    assert not may_record(Role.HUB_LIAISON, "appeal_decided")
    assert not may_record(Role.OPERATIONS_PLANNER, "appeal_lodged")
    # Unknown and gated types are the catalogue's to refuse, with its own explanation (422).
    assert may_record(Role.LEGAL_REPRESENTATIVE, "no_such_event")
    assert may_record(Role.LEGAL_REPRESENTATIVE, "departed")
    assert set(EVENT_TYPES_BY_ROLE) <= {
        r
        for (m, p), perm in PERMISSIONS.items()
        if (m, p) == ("POST", "/cases/{reference}/events")
        for r in perm.roles
    }
