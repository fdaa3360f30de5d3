"""Operations' API names what it answers: every route of /transfers, /stays, /plans, /incidents and
/documents declares a typed view of operations/views.py as its response model, so the OpenAPI schema names
each answer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from returnhub.core.runtime import Runtime
from returnhub.web.app import create_app
from tests.web.test_read_models import _answer

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

#: The MRZ check answers with the people context's parse of the zone, not an operations view.
NOT_VIEWS = {("post", "/documents/check")}


def test_every_route_of_operations_names_its_view(runtime: Runtime) -> None:
    doc = TestClient(create_app(runtime)).get("/openapi.json").json()
    answers = {
        (method, path): _answer(operation)
        for path, operations in doc["paths"].items()
        if path.split("/")[1] in ("transfers", "stays", "plans", "incidents", "documents")
        for method, operation in operations.items()
        if (method, path) not in NOT_VIEWS
    }
    assert answers == {
        ("get", "/transfers"): "list[TransferSummary]",
        ("post", "/transfers"): "TransferView",
        ("get", "/transfers/{reference}"): "TransferView",
        ("post", "/transfers/{reference}/manifest"): "list[GateOutcome]",
        ("post", "/transfers/{reference}/manifest/{person}/remove"): "list[PersonTakenOff]",
        ("post", "/transfers/{reference}/lock"): "GateResult",
        ("post", "/transfers/{reference}/depart"): "GateResult",
        ("post", "/transfers/{reference}/arrive"): "TransferArrival",
        ("post", "/transfers/{reference}/cancel"): "TransferCancellation",
        ("get", "/stays/clocks"): "list[ClockReading]",
        ("get", "/stays/overdue"): "list[ClockReading]",
        ("post", "/stays/{reference}/exit"): "StayExit",
        ("get", "/documents/etd-times"): "list[EtdResponseTimes]",
        ("get", "/incidents"): "list[IncidentView]",
        ("post", "/incidents"): "IncidentView",
        ("post", "/plans"): "PlanSummary",
        ("get", "/plans/{plan_id}"): "PlanView",
        ("post", "/plans/{plan_id}/approve"): "PlanApproval",
        ("post", "/plans/{plan_id}/what-if"): "WhatIfResult",
    }
