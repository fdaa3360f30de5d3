"""The API names what it answers: the partners register's, the simulator's and the table catalogue's routes
declare their typed views as response models, so the OpenAPI schema names each answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnhub.core.runtime import Runtime
from returnhub.web.app import create_app

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

#: Routes that answer something other than a view: the change log's verify report (as every ledger's verify
#: route does) and a table in a format asked for (JSON rows, a file or a PDF).
NOT_VIEWS = {("get", "/partners/changes/verify"), ("get", "/reports/{table}")}


def _answer(operation: dict[str, Any]) -> str:
    """The schema a route's success answers, by name: ``X`` or ``list[X]``; ``?`` for an unnamed one."""
    success = next(v for k, v in operation["responses"].items() if k.startswith("2"))
    schema = success["content"]["application/json"]["schema"]
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array" and "$ref" in schema.get("items", {}):
        return f"list[{schema['items']['$ref'].rsplit('/', 1)[-1]}]"
    return "?"


def test_every_read_of_the_register_the_simulator_and_the_catalogue_names_its_view(runtime: Runtime) -> None:
    doc = TestClient(create_app(runtime)).get("/openapi.json").json()
    answers = {
        (method, path): _answer(operation)
        for path, operations in doc["paths"].items()
        if path.split("/")[1] in ("partners", "agreements", "hubs", "assessments", "simulations", "reports")
        for method, operation in operations.items()
        if (method, path) not in NOT_VIEWS
    }
    assert len(answers) == 27
    assert [route for route, answer in answers.items() if answer == "?"] == []
    assert answers[("get", "/partners")] == "list[PartnerSummary]"
    assert answers[("get", "/partners/{country}")] == "PartnerView"
    assert answers[("get", "/agreements/{reference}")] == "AgreementView"
    assert answers[("get", "/agreements/{reference}/versions")] == "list[TermsOut]"
    assert answers[("get", "/hubs/occupancy")] == "list[OccupancyView]"
    assert answers[("get", "/assessments/{country}")] == "CountryAssessments"
    assert answers[("get", "/simulations/{run_id}")] == "SimulationOut"
    assert answers[("get", "/reports")] == "ReportCatalogue"
