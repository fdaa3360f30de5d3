"""Staff pages: partners. The negotiation pipeline by status, one agreement's terms on a date with every
version over time, and the hubs with their beds and occupancy on a date.

Every page reads the partners register as it stood on ``?on=YYYY-MM-DD`` (today by default).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from returnhub.core.http.deps import ClockDep, SessionDep
from returnhub.partners import service as partners
from returnhub.partners.countries import country_name
from returnhub.partners.pipeline import NegotiationStatus
from returnhub.partners.views import Scope, TermsOut
from returnhub.web.ui import labels
from returnhub.web.ui.templating import FormErrors, page

router = APIRouter(prefix="/ui", include_in_schema=False)

#: The pipeline as a reader follows it: what is working first, then what is on the way, then what ended.
STATUS_ORDER: tuple[str | None, ...] = (
    NegotiationStatus.IN_FORCE.value,
    NegotiationStatus.MEMORANDUM_SIGNED.value,
    NegotiationStatus.IN_TALKS.value,
    NegotiationStatus.EXPLORATORY.value,
    NegotiationStatus.SUSPENDED.value,
    NegotiationStatus.DECLINED.value,
    NegotiationStatus.TERMINATED.value,
    None,  # registered, but its first step is after the date asked about
)

#: The terms of an agreement version as the page lists them, in reading order.
TERM_LABELS: dict[str, str] = {
    "places": "Places",
    "annual_quota": "Annual quota",
    "scope": "Nationalities in scope",
    "excluded_groups": "Groups excluded",
    "max_stay_days": "Longest stay (days)",
    "cost_per_place_per_day": "Cost per place per day",
    "cost_currency": "Cost currency",
    "fixed_payments": "Fixed payments",
    "monitoring_body": "Monitoring body",
    "consequences_of_breach": "Consequences of a breach",
    "requires_judicial_validation_of_detention": "Detention must be validated by a judge",
    "note": "Note",
}


def _on(value: str, today: date, errors: FormErrors) -> date:
    """The date asked about; a malformed one is reported on the page and today is shown instead."""
    if not value:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.add("on", "Enter the date as YYYY-MM-DD, like 2026-06-01")
        return today


def _status(errors: FormErrors) -> int:
    return 422 if errors else 200


def _scope_text(scope: Scope | None) -> str:
    if not scope:
        return "–"
    kind = scope.kind
    if kind == "list":
        return ", ".join(labels.country_name(c) for c in scope.countries or [])
    if kind == "region":
        return f"Region: {scope.region}"
    if kind == "safe_countries_of_origin":
        return "The sending state's safe-countries-of-origin list in force on the day"
    return "All nationalities"


def _term_text(name: str, value: Any, currency: str | None = None) -> str:
    """One term as a reader sees it (the template prints text only); ``currency``: the version's
    ``cost_currency``, for its cost."""
    if name == "scope":
        return _scope_text(value)
    if value is None or value == []:
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "cost_per_place_per_day":
        return labels.money(value, currency)
    if name == "fixed_payments":
        payments = []
        for p in value:
            kind = p.kind.replace("_", " ")
            amount = labels.money(p.amount, p.currency)
            payments.append(f"{p.description}: {amount} ({kind})")
        return "; ".join(payments)
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _changes(before: TermsOut, after: TermsOut) -> list[str]:
    """What a version changed from the one before it, term by term."""
    out: list[str] = []
    for name, label in TERM_LABELS.items():
        old, new = getattr(before, name), getattr(after, name)
        if name == "note" or old == new:
            continue  # a note explains its own version; it is shown, not diffed
        if name == "scope" and old.kind == new.kind == "list":
            added = sorted(set(new.countries or []) - set(old.countries or []))
            removed = sorted(set(old.countries or []) - set(new.countries or []))
            parts = ([f"added {', '.join(added)}"] if added else []) + (
                [f"removed {', '.join(removed)}"] if removed else []
            )
            out.append(f"{label}: {'; '.join(parts)}")
        else:
            was = _term_text(name, old, before.cost_currency)
            out.append(f"{label}: {was} → {_term_text(name, new, after.cost_currency)}")
    return out


def _version_history(versions: list[TermsOut]) -> list[dict[str, Any]]:
    """Each version with the day its successor took over (the day before it, inclusive) and its changes."""
    out = []
    for i, version in enumerate(versions):
        following = versions[i + 1] if i + 1 < len(versions) else None
        out.append(
            {
                **dict(version),
                "effective_to": following.effective_from - timedelta(days=1) if following else None,
                "changes": ["First version"] if i == 0 else _changes(versions[i - 1], version),
            }
        )
    return out


@router.get("/partners", response_class=HTMLResponse)
def partners_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    on: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    errors = FormErrors()
    day = _on(on, clock.today(), errors)
    pipelines = partners.list_partners(session, day)
    agreements = {a.reference: a for a in partners.list_agreements(session, day)}
    groups = []
    for status in STATUS_ORDER:
        rows = [
            {
                **dict(row),
                "sending_state_name": country_name(row.sending_state),
                "agreements": [agreements[r] for r in row.agreements],
            }
            for row in pipelines
            if row.status == status
        ]
        if rows:
            groups.append({"status": status, "rows": rows})
    context = {"groups": groups, "on": day, "on_input": on, "errors": errors, "today": clock.today()}
    return page(request, "partners/index.html", context, title="Partners", status_code=_status(errors))


@router.get("/agreements/{reference}", response_class=HTMLResponse)
def agreement_page(
    reference: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    on: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    errors = FormErrors()
    day = _on(on, clock.today(), errors)
    agreement = partners.agreement_on(session, reference, day)  # NotFound for an unknown reference
    terms = agreement.terms
    context = {
        "agreement": agreement,
        "terms": (
            None
            if terms is None
            else [
                (label, _term_text(n, getattr(terms, n), terms.cost_currency))
                for n, label in TERM_LABELS.items()
            ]
        ),
        "versions": _version_history(partners.agreement_versions(session, reference)),
        "on": day,
        "on_input": on,
        "errors": errors,
        "today": clock.today(),
    }
    title = f"{agreement.title} ({agreement.reference})"
    return page(request, "partners/agreement.html", context, title=title, status_code=_status(errors))


@router.get("/hubs", response_class=HTMLResponse)
def hubs_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    on: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    errors = FormErrors()
    day = _on(on, clock.today(), errors)
    hubs = partners.occupancy_on(session, day)
    context = {"hubs": hubs, "on": day, "on_input": on, "errors": errors, "today": clock.today()}
    return page(request, "partners/hubs.html", context, title="Hubs", status_code=_status(errors))
