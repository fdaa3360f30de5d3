"""Signing in to the staff pages as a browser would: a session cookie, a CSRF cookie, HTML answers.

with page_client(runtime, "caseworker") as browser:
    page = browser.get("/ui/cases")
    browser.post(f"/ui/cases/{ref}/events", data=browser.form({...}))   # adds the CSRF token
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from fastapi.testclient import TestClient

from returnhub.access.roles import Role
from returnhub.core.runtime import Runtime
from returnhub.web.ui.auth_pages import SIGN_IN_COOKIE
from returnhub.web.ui.templating import CSRF_COOKIE, CSRF_FIELD
from tests.auth_helpers import PASSWORD, make_user

HTML = {"accept": "text/html,application/xhtml+xml"}


class PageClient(TestClient):
    def form(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The fields of a form, with the session's CSRF token as the page would put it."""
        return {CSRF_FIELD: self.cookies.get(CSRF_COOKIE, ""), **fields}


def sign_in_token(client: TestClient) -> str:
    """Open the sign-in page, as a browser does before posting it, and return its form token."""
    client.get("/ui/sign-in")
    return str(client.cookies.get(SIGN_IN_COOKIE, ""))


def page_client(
    runtime: Runtime,
    role: str | Role = "admin",
    *,
    hubs: Iterable[str] = (),
    clients: Iterable[str] = (),
) -> PageClient:
    """A client signed in through the sign-in page as a new user of ``role``."""
    from returnhub.web.app import create_app
    from tests.auth_helpers import CHEAP_HASHING

    app = create_app(runtime)
    app.state.access_settings = CHEAP_HASHING
    make_user(
        runtime,
        role,
        name=(name := f"page-{Role(role).value.replace('_', '-')}-{id(app)}"),
        hubs=hubs,
        clients=clients,
    )
    client = PageClient(app, headers=HTML)
    answer = client.post(
        "/ui/sign-in",
        data={"name": name, "password": PASSWORD, "sign_in_token": sign_in_token(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:500]
    return client


def held(work: Any, release: threading.Event) -> Any:
    """The work, held until the test has seen the progress page: slow by the test's say, not by a sleep."""

    def _slow(*args: object) -> object:
        release.wait(timeout=60)
        return work(*args)

    return _slow


def outcome(client: TestClient, location: str) -> Any:
    """Polls the job's page until it stops showing progress (a loaded machine may take seconds)."""
    deadline = time.monotonic() + 60
    while True:
        answer = client.get(location, follow_redirects=False)
        if 'id="job-progress"' not in answer.text or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def settled(client: TestClient, answer: Any) -> Any:
    """The answer a page job ends with: a post that went to its progress page (``?job=``, the work took
    longer than the inline wait, as on a loaded machine) is followed to its outcome, so a test never
    depends on a job finishing within the two seconds a request waits."""
    location = answer.headers.get("location", "") if answer.status_code == 303 else ""
    if "job=" in location:
        return outcome(client, location)
    return answer
