"""Rendering of the staff pages: the Jinja2 environment, the page context and the page security headers.

Page handlers stay thin: they call the same services as the API and hand the result to a template. No
business logic lives in templates or handlers; templates only lay out what a service returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from returnhub.access.permissions import PAGES
from returnhub.access.roles import Role
from returnhub.access.service import Principal
from returnhub.core.errors import DomainError
from returnhub.core.http.problems import wants_page
from returnhub.operations.law import LAW_NAMES
from returnhub.web.ui import labels

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

#: The CSRF token of the web session, kept in its own HttpOnly cookie so that pages can put it in their
#: forms (the server stores only its hash, beside the session; see ``access.service.issue_token``).
CSRF_COOKIE = "returnhub_csrf"
#: Every form that changes something carries the session's CSRF token in this field; the access middleware
#: lifts it into the ``X-CSRF-Token`` header that the guard checks.
CSRF_FIELD = "csrf_token"

#: Pages load only what this server serves: no inline script, no inline style, no CDN.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))  # autoescapes .html
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


templates.env.filters.update(
    humanise=labels.label,
    label=labels.label,
    day=labels.day,
    when=labels.when,
    days_ago=labels.days_ago,
    number=labels.number,
    money=labels.money,
    country=labels.country_name,
    languages=labels.languages,
    sex=labels.sex_label,
    event=labels.event_label,
    rule=labels.rule_label,
    field=labels.field_label,
    plain=labels.plain,
    action=labels.audit_action,
    outcome=labels.audit_outcome,
)
#: The law a transfer is judged under, in words (``uk`` -> "UK law").
templates.env.globals["law_names"] = LAW_NAMES


#: The menu: a page appears for exactly the roles its declared permission lets open it.
NAVIGATION = (
    ("Home", "/ui/"),
    ("Caseload", "/ui/cases"),
    ("Partners", "/ui/partners"),
    ("Planning", "/ui/planning"),
    ("Transfers", "/ui/transfers"),
    ("Statistics", "/ui/statistics"),
    ("Reports", "/ui/reports"),
    ("Simulations", "/ui/simulations"),
    ("Monitor", "/ui/monitor"),
)


def _navigation_for(role: Role) -> list[tuple[str, str]]:
    return [(label, href) for label, href in NAVIGATION if role in PAGES[("GET", href)].roles]


@dataclass
class FormErrors:
    """Errors of one form submission, in the GOV.UK error-summary pattern: each message links to its field."""

    items: list[tuple[str, str]] = field(default_factory=list)  # (field id, message)

    def add(self, field_id: str, message: str) -> None:
        self.items.append((field_id, message))

    def of(self, field_id: str) -> str | None:
        for fid, message in self.items:
            if fid == field_id:
                return message
        return None

    def __bool__(self) -> bool:
        return bool(self.items)


FLASH_MESSAGES = {
    "recorded": "The event was recorded.",
    "registered": "The person was registered. Record their history as events below.",
    "reviewed": "The review decision was recorded.",
    "planned": "The plan was computed.",
    "approved": "The plan was approved: its transfers were created and the people added through the gate.",
    "locked": "The manifest was locked.",
    "departed": "The transfer departed.",
    "arrived": "The arrival at the hub was recorded; everyone's stay clocks have started.",
    "removed": "The person was taken off the manifest.",
    "verified": "The chains were verified.",
    "signed-out": "You have signed out.",
    "screened": "The caseload was screened; the review queue below is from this screening.",
}


def _problem(request: Request, status: int, errors: FormErrors, title: str) -> Response:
    from returnhub.core.http.problems import problem

    detail = "; ".join(message for _, message in errors.items) or title or "the request was refused"
    return problem(
        status,
        "Invalid input" if status == 422 else title,
        detail,
        "invalid-input" if status == 422 else "page-error",
        request.url.path,
        errors=[{"field": field_id, "msg": message} for field_id, message in errors.items],
    )


def refusal_message(session: Session, exc: DomainError, statuses: tuple[int, ...] = (409, 422)) -> str:
    """A service refused a form's request: roll back whatever it began (nothing of it is written) and give
    its reason as a sentence for the error summary. Any other error goes on to the error page."""
    if exc.status not in statuses:
        raise exc
    session.rollback()
    detail = str(exc.detail)
    return detail[:1].upper() + detail[1:]


def principal_of(request: Request) -> Principal | None:
    return getattr(request.state, "principal", None)


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    title: str = "",
) -> Response:
    principal = principal_of(request)
    current = request.url.path
    nav = []
    if principal is not None:
        for label, href in _navigation_for(principal.role):
            active = current == href or (href != "/ui/" and current.startswith(href))
            nav.append({"label": label, "href": href, "active": active})
    request.state.answer_status = status_code  # the access log records what the user saw
    ctx: dict[str, Any] = {
        "request": request,
        "principal": principal,
        "navigation": nav,
        "csrf_field": CSRF_FIELD,
        "csrf_token": request.cookies.get(CSRF_COOKIE, ""),
        "title": title,
        "errors": FormErrors(),
        # A redirect after a successful form names what was done; only these fixed messages are shown, so
        # a crafted link cannot put words on our page.
        "flash": FLASH_MESSAGES.get(request.query_params.get("done", "")),
    }
    ctx.update(context or {})
    if status_code >= 400 and not wants_page(request.url.path, request.headers.get("accept", "")):
        # A client that did not ask for HTML (a script posting a form) gets the API's problem+json.
        return _problem(request, status_code, ctx["errors"], title)
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response
