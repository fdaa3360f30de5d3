"""The caseload (search, filter, paginate) and the case page (identity, family, eligibility rule by rule,
timeline, the as-of view, and the forms to record an event or a review decision)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache, partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from returnhub.access.deps import CurrentUser, FieldCipherDep, SpecialCategoryCipher
from returnhub.access.permissions import recordable_event_types
from returnhub.access.roles import Role
from returnhub.access.scopes import case_filter
from returnhub.casework.events import EventType
from returnhub.casework.queries import MAX_AMONG, MAX_PAGE, search_cases, show_case
from returnhub.casework.state import CASE_STATUSES
from returnhub.casework.store import append_event
from returnhub.casework.views import CaseSummary, CaseView, EventOut
from returnhub.core import bounds
from returnhub.core.crypto import FieldCipher
from returnhub.core.errors import DomainError, VersionConflict
from returnhub.core.http.deps import ClockDep, RuntimeDep, SessionDep
from returnhub.operations import stays
from returnhub.safeguards import service as safeguards
from returnhub.safeguards.views import ScreeningOut
from returnhub.web.ui import event_forms, labels
from returnhub.web.ui.templating import FormErrors, page, refusal_message, templates

router = APIRouter(prefix="/ui", include_in_schema=False)

PAGE_SIZE = 50
STAGES = ("hub_referral", "manifest_lock", "departure", "onward_return")
SPECIAL_REVIEWERS = frozenset({Role.SENIOR_CASEWORKER, Role.ADMIN})


def _statuses() -> list[tuple[str, str]]:
    return [(s, s.replace("_", " ").capitalize()) for s in CASE_STATUSES]


@router.get("/cases", response_class=HTMLResponse)
def caseload(
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    clock: ClockDep,
    reference: Annotated[str, Query(max_length=16)] = "",
    name: Annotated[str, Query(max_length=100)] = "",
    nationality: Annotated[str, Query(max_length=60)] = "",
    born: Annotated[str, Query(max_length=20)] = "",
    status: Annotated[str, Query(max_length=40)] = "",
    eligibility: Annotated[str, Query(max_length=10)] = "",
    clock_state: Annotated[str, Query(alias="clock", max_length=10)] = "",
    after: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    errors = FormErrors()
    nationality_code = labels.country_code(nationality) if nationality.strip() else None
    if nationality.strip() and nationality_code is None:
        errors.add(
            "nationality", f"There is no country called “{nationality.strip()}”: enter its name, like Egypt"
        )
    born_on: date | None = None
    if born.strip():
        born_on = _loose_date(born)
        if born_on is None:
            errors.add("born", "Enter the date of birth as a day, month and year, like 27 3 1990")
    if status and status not in {s for s, _ in _statuses()}:
        errors.add("status", "Choose a status from the list")
    if eligibility and eligibility not in OUTCOMES:
        errors.add("eligibility", "Choose an eligibility outcome from the list")
    if clock_state and clock_state not in CLOCK_STATES:
        errors.add("clock", "Choose a clock state from the list")
    rows: list[CaseSummary] = []
    screening: ScreeningOut | None = None
    if not errors:
        among: list[str] | None = None
        if eligibility:
            screening, among = _screened(session, eligibility)
        if clock_state:
            timed = sorted(
                {c.reference for c in stays.clocks_on(session, clock.today(), only=(clock_state,))}
            )
            among = timed if among is None else sorted(set(among) & set(timed))
        search = partial(
            search_cases,
            session,
            status=status or None,
            nationality=nationality_code,
            born=born_on,
            reference=reference.strip() or None,
            name=name.strip() or None,
            within=case_filter(principal),  # a representative or liaison sees only their scope
        )
        if among is None:
            rows = search(limit=PAGE_SIZE, after=after or None)
        else:
            # The candidates are in reference order; walk them in slices until a page is full.
            candidates = [r for r in among if r > after] if after else among
            for start in range(0, len(candidates), MAX_AMONG):
                rows += search(limit=PAGE_SIZE - len(rows), among=candidates[start : start + MAX_AMONG])
                if len(rows) == PAGE_SIZE:
                    break
    filters = {
        "reference": reference,
        "name": name,
        "nationality": nationality,
        "born": born,
        "status": status,
        "eligibility": eligibility,
        "clock": clock_state,
    }
    query = urlencode({k: v for k, v in filters.items() if v})
    context = {
        "rows": rows,
        "filters": filters,
        "statuses": _statuses(),
        "errors": errors,
        "next_after": rows[-1].reference if len(rows) == PAGE_SIZE else None,
        "query": query,
        "after": after,
        "outcomes": [(o, o.capitalize()) for o in OUTCOMES],
        "clock_states": [(c, c.replace("_", " ").capitalize()) for c in CLOCK_STATES],
        "screening": screening,
    }
    if request.headers.get("HX-Request"):
        # htmx drops a 4xx answer, so the fragment with its error summary comes back as 200.
        context["partial"] = True
        return page(request, "cases/_results.html", context, title="Caseload")
    return page(request, "cases/list.html", context, title="Caseload", status_code=422 if errors else 200)


OUTCOMES = safeguards.SCREENING_OUTCOMES
CLOCK_STATES = ("overdue", "due_soon", "running")


def _screened(session: Session, outcome: str) -> tuple[ScreeningOut | None, list[str]]:
    latest = safeguards.latest_screening(session)
    if latest is None:
        return None, []
    return safeguards.screening_summary(latest), safeguards.screening_references(latest, outcome)


def _loose_date(text: str) -> date | None:
    """A date typed as ``27 3 1990``, ``27/3/1990`` or ``1990-03-27``."""
    parts = [p for p in text.replace("/", " ").replace(".", " ").split() if p]
    try:
        if len(parts) == 3:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _parse_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        bounds.check_instant(parsed, "the system time")
    except DomainError as exc:
        raise ValueError(exc.detail) from None
    return parsed


def _by_hand(role: Role) -> frozenset[str]:
    """The event types this page's event form records: a review decision has its own form beside the rule
    (it carries the fingerprint of the facts it relied on, which no one types)."""
    return recordable_event_types(role) - {EventType.REVIEW_DECIDED}


@cache
def _event_forms(event_types: tuple[str, ...]) -> tuple[event_forms.EventForm, ...]:
    return tuple(event_forms.event_forms(list(event_types)))


@cache
def _blank_fields(event_type: str) -> Markup:
    """One event type's fields, empty and without errors: the same HTML on every case page, so it is
    rendered once per process (the fifty forms were a third of the page's time)."""
    macro = templates.env.get_template("cases/_event_form.html").module.event_fields  # type: ignore[attr-defined]
    return Markup(macro(event_forms.event_form(event_type), {}, FormErrors()))


def _case_context(
    session: Session,
    runtime: Any,
    clock: Any,
    principal: Any,
    reference: str,
    *,
    as_of: date | None,
    known_at: datetime | None,
    stage: str,
    cipher: FieldCipher | None,
) -> dict[str, Any]:
    # Sealed special-category fields are opened only for roles that may see them ("[restricted]" otherwise).
    case = show_case(session, reference, as_of=as_of, known_at=known_at, cipher=cipher)
    explanation = safeguards.evaluate_case(
        session,
        reference,
        pack=runtime.settings.default_pack,
        stage=stage,
        as_of=as_of,
        known_at=known_at,
        clock=clock,
    ).as_dict()
    recordable = sorted(_by_hand(principal.role))
    # Family members by name, linked only where this user may open their case (a representative's client's
    # relative is named as such, with no link and no reference to a "Page not found").
    others = [r for r in case.family_unit if r != case.reference]
    visible = {
        r.reference: r.name
        for r in search_cases(
            session, limit=MAX_PAGE, among=others[:MAX_AMONG], within=case_filter(principal)
        )
    }
    family = [{"reference": r, "name": visible.get(r), "visible": r in visible} for r in others]
    return {
        "case": case,
        "explanation": explanation,
        "stage": stage,
        "stages": STAGES,
        "recordable": sorted(((str(t), labels.event_label(str(t))) for t in recordable), key=lambda o: o[1]),
        "event_forms": _event_forms(tuple(str(t) for t in recordable)),
        "blank_fields": _blank_fields,
        "may_review": principal.role in SPECIAL_REVIEWERS,
        "timeline": list(reversed(case.timeline)),
        "family": family,
    }


@router.get("/cases/{reference}", response_class=HTMLResponse)
def case_page(
    reference: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    clock: ClockDep,
    principal: CurrentUser,
    cipher: SpecialCategoryCipher,
    stage: Annotated[str, Query(max_length=20)] = "hub_referral",
    as_of: Annotated[str, Query(max_length=10)] = "",
    known_at: Annotated[str, Query(max_length=32)] = "",
    since: Annotated[str, Query(max_length=9)] = "",
) -> Response:
    errors = FormErrors()
    as_of_date: date | None = None
    known: datetime | None = None
    if stage not in STAGES:
        errors.add("stage", "Choose a stage from the list")
        stage = "hub_referral"
    if as_of:
        try:
            as_of_date = date.fromisoformat(as_of)
        except ValueError:
            errors.add("as_of", "Enter the legal date as YYYY-MM-DD, like 2026-06-01")
    if known_at:
        try:
            known = _parse_datetime(known_at)
        except ValueError:
            errors.add("known_at", "Enter the system time as YYYY-MM-DD or YYYY-MM-DDTHH:MM")
    context = _case_context(
        session,
        runtime,
        clock,
        principal,
        reference.upper(),
        as_of=as_of_date,
        known_at=known,
        stage=stage,
        cipher=cipher,
    )
    context.update(
        errors=errors,
        as_of=as_of,
        known_at=known_at,
        form={"occurred_on": clock.today().isoformat()},
        as_of_view=bool(as_of_date or known),
    )
    case: CaseView = context["case"]
    name = f"{case.identity.given_name} {case.identity.family_name}"
    if since.isdigit():
        context["consequences"] = _consequences(case.timeline, int(since), name)
    return page(
        request,
        "cases/show.html",
        context,
        title=f"{name} ({reference.upper()})",
        status_code=422 if errors else 200,
    )


def _consequences(timeline: list[EventOut], since: int, name: str) -> list[str]:
    """What the event just recorded did besides itself, as sentences: the gate's re-check may have taken
    the person (and their family) off a transfer. Read from the events written after it."""
    said: list[str] = []
    for e in sorted(timeline, key=lambda e: e.sequence):
        if e.sequence <= since:
            continue
        data = e.data
        if e.type == "removed_from_manifest":
            reason = str(data.get("reason", "")).rstrip(".")
            found = f" The departure gate's check found: {reason}." if reason else ""
            said.append(f"{name} was taken off transfer {data.get('transfer')}.{found}")
    return said


def _form_date(day: str, month: str, year: str) -> date:
    if not (day.strip() and month.strip() and year.strip()):
        raise ValueError("Enter the date the event happened, with a day, month and year")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError("The date the event happened must be a real date") from None


async def _posted(request: Request) -> FormData:
    """The submitted form as a whole: an event's fields depend on its type (``event_forms``)."""
    return await request.form()


@router.post("/cases/{reference}/events", response_model=None)
def record_event(
    reference: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    clock: ClockDep,
    principal: CurrentUser,
    cipher: FieldCipherDep,
    reveal: SpecialCategoryCipher,
    posted: Annotated[FormData, Depends(_posted)],
    event_type: Annotated[str, Form(max_length=48)] = "",
    occurred_on_day: Annotated[str, Form(max_length=2)] = "",
    occurred_on_month: Annotated[str, Form(max_length=2)] = "",
    occurred_on_year: Annotated[str, Form(max_length=4)] = "",
    expected_version: Annotated[str, Form(max_length=12)] = "",
    occurred_at: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    reference = reference.upper()
    errors = FormErrors()
    if not event_type:
        errors.add("event_type", "Choose the type of event")
    elif event_type not in _by_hand(principal.role):
        role = labels.code_label(principal.role.value).lower()
        errors.add("event_type", f"A {role} cannot record “{labels.event_label(event_type).lower()}”")
    occurred_on: date | None = None
    try:
        occurred_on = _form_date(occurred_on_day, occurred_on_month, occurred_on_year)
    except ValueError as exc:
        errors.add("occurred_on-day", str(exc))
    payload: dict[str, Any] = {}
    if event_type and not errors:
        parsed = event_forms.parse(event_type, posted)
        payload = parsed.payload
        for field_id, message in parsed.errors:
            errors.add(field_id, message)
    version: int | None = None
    try:
        version = bounds.parse_count(expected_version, "The version of the case")
    except DomainError:
        errors.add("event_type", "The page was out of date or altered: reload the case and try again")
    instant: datetime | None = None
    if occurred_at.strip():
        try:
            at_time = time.fromisoformat(occurred_at.strip())
        except ValueError:
            errors.add("occurred_at", "Enter the time of day on the 24-hour clock, like 20:30")
        else:
            if occurred_on is not None:
                instant = datetime.combine(occurred_on, at_time.replace(tzinfo=UTC))
    if not errors:
        assert occurred_on is not None
        try:
            appended = append_event(
                session,
                reference,
                event_type,
                occurred_on,
                payload,
                clock=clock,
                recorded_by=principal.name,
                expected_version=version,
                cipher=cipher,
                occurred_at=instant,
            )
            # The page then says what recording it did (e.g. who was taken off which transfer, and why),
            # read from the events written after this one, not from the link.
            return RedirectResponse(
                f"/ui/cases/{reference}?done=recorded&since={appended.sequence}", status_code=303
            )
        except DomainError as exc:
            message = refusal_message(session, exc)
            if isinstance(exc, VersionConflict):
                message = "The case changed since you opened it: check the timeline, then record again"
            errors.add("occurred_at" if message.startswith("The time ") else "event_type", message)
    form = {
        "event_type": event_type,
        "day": occurred_on_day,
        "month": occurred_on_month,
        "year": occurred_on_year,
        "occurred_at": occurred_at,
        "values": {k: posted.getlist(k) if len(posted.getlist(k)) > 1 else posted.get(k) for k in posted},
    }
    return _show_again(
        request,
        session,
        reference,
        "hub_referral",
        errors,
        form,
        runtime=runtime,
        clock=clock,
        principal=principal,
        cipher=reveal,
    )


@router.post("/cases/{reference}/reviews", response_model=None)
def record_review(
    reference: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    clock: ClockDep,
    principal: CurrentUser,
    cipher: SpecialCategoryCipher,
    rule: Annotated[str, Form(max_length=16)] = "",
    decision: Annotated[str, Form(max_length=10)] = "",
    reasoning: Annotated[str, Form(max_length=4000)] = "",
    stage: Annotated[str, Form(max_length=20)] = "hub_referral",
) -> Response:
    reference = reference.upper()
    errors = FormErrors()
    if decision not in ("approve", "refuse"):
        errors.add(f"decision-{rule}", "Choose whether to approve or refuse")
    if not reasoning.strip():
        errors.add(f"reasoning-{rule}", "Give the reasons for the decision")
    if stage not in STAGES:
        stage = "hub_referral"
    if not errors:
        try:
            safeguards.record_review_decision(
                session,
                reference,
                rule=rule,
                decision=decision,
                reasoning=reasoning,
                decided_by=principal.name,
                pack=runtime.settings.default_pack,
                stage=stage,
                agreement=None,
                clock=clock,
            )
            return RedirectResponse(f"/ui/cases/{reference}?stage={stage}&done=reviewed", status_code=303)
        except DomainError as exc:
            errors.add(f"reasoning-{rule}", refusal_message(session, exc))
    form = {"occurred_on": clock.today().isoformat()}
    return _show_again(
        request,
        session,
        reference,
        stage,
        errors,
        form,
        runtime=runtime,
        clock=clock,
        principal=principal,
        cipher=cipher,
    )


def _show_again(
    request: Request,
    session: Session,
    reference: str,
    stage: str,
    errors: FormErrors,
    form: dict[str, Any],
    *,
    runtime: Any,
    clock: Any,
    principal: Any,
    cipher: FieldCipher | None,
) -> Response:
    """The case page again, as it is now, with the refused form's errors and what was typed."""
    context = _case_context(
        session, runtime, clock, principal, reference, as_of=None, known_at=None, stage=stage, cipher=cipher
    )
    context.update(errors=errors, as_of="", known_at="", as_of_view=False, form=form)
    return page(
        request, "cases/show.html", context, status_code=422, title=f"{reference}: there is a problem"
    )
