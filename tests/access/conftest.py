"""A small world for access tests: two people at two hubs, two transfers, one user of every role.

RH0000001 is "in scope": the legal representative's client, and at the hub liaison's hub (GBR-MKD-H1).
RH0000002 is "out of scope": nobody's client, at the other hub (GBR-MKD-H2).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from returnhub.access.roles import Role
from returnhub.casework.models import case_projection
from returnhub.casework.snapshots import next_mark
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.operations.transfers import create_transfer
from returnhub.partners.seed import seed_partners
from returnhub.web.app import create_app
from tests.auth_helpers import make_user
from tests.casework.helpers import REFUSED_HISTORY, add_person, record

IN_SCOPE = "RH0000001"
OUT_OF_SCOPE = "RH0000002"
MISSING = "RH9999999"
HUB_IN = "GBR-MKD-H1"
HUB_OUT = "GBR-MKD-H2"


@dataclass
class World:
    runtime: Runtime
    app: FastAPI
    client: TestClient
    tokens: dict[Role, str] = field(default_factory=dict)
    transfer_in: str = ""
    transfer_out: str = ""

    def headers(self, role: Role | str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[Role(role)]}"}


def build_people(runtime: Runtime) -> None:
    with unit_of_work(runtime.engine) as s:
        for reference, hub in ((IN_SCOPE, HUB_IN), (OUT_OF_SCOPE, HUB_OUT)):
            add_person(s, reference, nationality="ALB")
            for event_type, on, data in REFUSED_HISTORY:
                record(s, runtime.clock, reference, event_type, on, data)
            # Placing someone at a hub takes the whole departure-gate flow; the scope reads only the
            # projection's hub column, so the test sets that column directly.
            s.execute(
                update(case_projection)
                .where(case_projection.c.reference == reference)
                .values(hub=hub, change_mark=next_mark(s))
            )


@pytest.fixture
def world(runtime: Runtime) -> Iterator[World]:
    build_people(runtime)
    with unit_of_work(runtime.engine) as s:
        seed_partners(s, runtime.clock)
        departs = datetime.combine(runtime.clock.today() + timedelta(days=3), datetime.min.time(), tzinfo=UTC)
        refs = []
        for hub in (HUB_IN, HUB_OUT):
            t = create_transfer(
                s,
                hub=hub,
                mode="charter_flight",
                departs_at=departs + timedelta(hours=18),
                seats=10,
                min_load=1,
                escorts=2,
                monitor_on_board=False,
                clock=runtime.clock,
                created_by="planner",
            )
            refs.append(t.reference)
    tokens: dict[Role, str] = {}
    for role in Role:
        tokens[role] = make_user(
            runtime,
            role,
            clients=[IN_SCOPE] if role is Role.LEGAL_REPRESENTATIVE else (),
            hubs=[HUB_IN] if role is Role.HUB_LIAISON else (),
        )
    app = create_app(runtime)
    with TestClient(app) as client:
        yield World(runtime, app, client, tokens, refs[0], refs[1])
