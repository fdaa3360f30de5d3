"""Property-based API testing with schemathesis: every operation of the OpenAPI document, authenticated as
each role, with generated requests; no answer may be a 5xx or disagree with the document."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from returnhub.access.models import User
from returnhub.access.permissions import PAGES, PERMISSIONS
from returnhub.access.roles import Role
from returnhub.access.service import issue_token
from returnhub.core.clock import FixedClock
from returnhub.core.database import create_engine, unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.core.settings import Settings
from returnhub.partners.seed import seed_partners
from returnhub.web.app import create_app
from tests.auth_helpers import CHEAP_HASHING, make_user

from .conftest import HUB_IN, IN_SCOPE, build_people

EXAMPLES_PER_OPERATION = 4
NEGATIVE_EXAMPLES_PER_OPERATION = 1
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.slow
def test_every_operation_as_every_role(sqlite_url: str, clock: FixedClock) -> None:
    runtime = Runtime(
        settings=Settings(database_url=sqlite_url), engine=create_engine(sqlite_url), clock=clock
    )
    build_people(runtime)
    with unit_of_work(runtime.engine) as s:
        seed_partners(s, clock)  # so that reads of the registers have something to answer with
    tokens = {
        role: make_user(
            runtime,
            role,
            f"st.{role.value}",
            clients=[IN_SCOPE] if role is Role.LEGAL_REPRESENTATIVE else (),
            hubs=[HUB_IN] if role is Role.HUB_LIAISON else (),
        )
        for role in Role
    }
    app = create_app(runtime)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every API operation; the staff pages (HTML, in the same permission table) are not in the OpenAPI.
    assert {(o.method.upper(), o.path) for o in operations} == set(PERMISSIONS) - set(PAGES)

    requests: Counter[int] = Counter()
    failures: list[str] = []
    started = time.perf_counter()

    def fresh_token(role: Role) -> str:
        # Signing out revokes the token it is called with; give that operation a token of its own.
        with unit_of_work(runtime.engine) as s:
            user = s.execute(select(User).where(User.name == f"st.{role.value}")).scalar_one()
            return issue_token(s, user, settings=CHEAP_HASHING, clock=clock, ttl=timedelta(days=1)).token

    # One generated request per example, sent as every role in turn: generation is the slow part, and
    # the same request under nine identities is also a sharper test of the guard.
    def exercise_operation(operation: schemathesis.APIOperation, mode: GenerationMode, examples: int) -> None:
        signs_out = operation.path == "/auth/sign-out"

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: schemathesis.Case) -> None:
            for role in Role:
                token = fresh_token(role) if signs_out else tokens[role]
                try:
                    response = case.call(headers={"Authorization": f"Bearer {token}"})
                except Exception as exc:  # noqa: BLE001 - the in-process client re-raises a server error
                    requests[500] += 1
                    failures.append(
                        f"{role.value} {operation.label} raised {type(exc).__name__}: {exc!s:.300}"
                    )
                    continue
                requests[response.status_code] += 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except FailureGroup as exc:  # collect every failure, report them together
                    found = "; ".join(f"{f.title}: {f.message[:200]}" for f in exc.exceptions)
                    failures.append(f"{role.value} {operation.label} -> {response.status_code}: {found}")

        exercise()

    for operation in operations:
        exercise_operation(operation, GenerationMode.POSITIVE, EXAMPLES_PER_OPERATION)
        # Requests that break the schema (wrong types, missing fields): each must be a clean 4xx.
        try:
            exercise_operation(operation, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES_PER_OPERATION)
        except Unsatisfiable:
            pass  # nothing to break: the operation takes no parameters and no body (GET /health)
    seconds = time.perf_counter() - started
    total = sum(requests.values())
    print(f"schemathesis: {total} requests in {seconds:.1f} s, by status {dict(sorted(requests.items()))}")
    assert not failures, "\n".join(sorted(set(failures))[:80])
    assert total >= 2000
    assert not any(status >= 500 for status in requests)
    # The roles must actually get through: a sizeable share of answers are successes.
    assert sum(n for status, n in requests.items() if status < 300) > total // 10
