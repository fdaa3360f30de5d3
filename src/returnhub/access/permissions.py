"""The declared permissions: one table from (method, path template) to the roles allowed and the record scope.

The table is the single source of truth. The request guard (``deps.guard``) looks every request up here,
and the authorisation-matrix test (``tests/access/test_matrix.py``) enumerates the live app's routes
against it, so a route that is not declared here fails the test and, at run time, is refused to every
role (fail closed). To expose a new router: declare each of its operations below.

Scopes (how far a role's view of person records reaches):

* ``NONE``: the operation names no person record (a hub register, a rule pack, a screening summary).
* ``CASE``: a path parameter names a case; a scoped role (legal representative, hub liaison) outside
  its scope gets the same 404 as for a case that does not exist, so existence does not leak.
* ``CASE_LIST``: the operation lists people and its handler narrows the list with ``scopes.case_filter``.
* ``BODY``: the request body names a case or hub and the handler checks it with ``scopes.require_in_scope``.
* ``HUB``: a path parameter names a hub; a hub liaison may act only on their own hubs.
* ``TRANSFER``: a path parameter names a transfer; a hub liaison may act only on transfers to their hubs.

``personal`` marks operations that read or write a person's record: every such request is written to the
hash-chained access log (who, when, which route, which reference, from where, outcome).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from returnhub.access.roles import ALL_ROLES, SCOPED_ROLES, Role
from returnhub.casework.events import EVENT_PAYLOADS, GATED_EVENT_TYPES, EventType


class Scope(StrEnum):
    NONE = "none"
    CASE = "case"
    CASE_LIST = "case_list"
    BODY = "body"
    HUB = "hub"
    TRANSFER = "transfer"


@dataclass(frozen=True)
class Permission:
    roles: frozenset[Role]
    scope: Scope = Scope.NONE
    #: The path parameter that holds the scoped reference (a case, hub or transfer reference).
    param: str | None = None
    personal: bool = False
    public: bool = False


def _roles(*roles: Role | Iterable[Role]) -> frozenset[Role]:
    out: set[Role] = set()
    for r in roles:
        if isinstance(r, Role):
            out.add(r)
        else:
            out.update(r)
    return frozenset(out)


R = Role
PUBLIC = Permission(roles=ALL_ROLES, public=True)

#: Read everything that names a person (the monitor reads everything; the admin is the break-glass role).
CASE_READERS = _roles(
    R.CASEWORKER,
    R.SENIOR_CASEWORKER,
    R.OPERATIONS_PLANNER,
    R.HUB_LIAISON,
    R.LEGAL_REPRESENTATIVE,
    R.INDEPENDENT_MONITOR,
    R.ADMIN,
)
#: Who may see special-category data (the sealed event fields of ``casework.events.SEALED_FIELDS``:
#: vulnerability indicators, medical details, NRM details, the grounds of a claim). Those who decide on or
#: oversee the person: caseworkers, senior caseworkers, the independent monitor, the person's own legal
#: representative (their record scope already confines them to their clients) and the admin (break
#: glass, logged). Not operations planners, hub liaisons, analysts or partnerships officers: their work
#: needs the coded facts (AAR level, NRM outcome, fit to fly), which stay in the clear; they read
#: ``"[restricted]"`` in place of each sealed value.
SPECIAL_CATEGORY_READERS = _roles(
    R.CASEWORKER, R.SENIOR_CASEWORKER, R.INDEPENDENT_MONITOR, R.LEGAL_REPRESENTATIVE, R.ADMIN
)
#: Roles that may append events to a case; each is further limited by ``EVENT_TYPES_BY_ROLE``.
CASE_WRITERS = _roles(R.CASEWORKER, R.SENIOR_CASEWORKER, R.HUB_LIAISON, R.LEGAL_REPRESENTATIVE, R.ADMIN)
#: Staff who work on cases across the whole caseload (no record scope).
CASEWORK_STAFF = _roles(
    R.CASEWORKER, R.SENIOR_CASEWORKER, R.OPERATIONS_PLANNER, R.INDEPENDENT_MONITOR, R.ADMIN
)
#: Non-personal registers (partners, agreements, hubs, assessments, rules) are readable by every role.
EVERYONE = ALL_ROLES
#: Everyone but the legal representative, whose access is confined to their clients.
ALL_STAFF = ALL_ROLES - {R.LEGAL_REPRESENTATIVE}
PARTNERS_WRITERS = _roles(R.PARTNERSHIPS_OFFICER, R.ADMIN)
#: Who may register a new person (a new case).
PERSON_REGISTRARS = _roles(R.CASEWORKER, R.SENIOR_CASEWORKER, R.ADMIN)
PLANNERS = _roles(R.OPERATIONS_PLANNER, R.ADMIN)
MONITORS = _roles(R.INDEPENDENT_MONITOR, R.ADMIN)
ADMINS = _roles(R.ADMIN)
#: Who may screen the whole caseload (the result is stored, with counts only in its summary).
SCREENERS = _roles(R.CASEWORKER, R.SENIOR_CASEWORKER, R.OPERATIONS_PLANNER, R.ANALYST, R.ADMIN)


def _case(roles: frozenset[Role], param: str = "reference") -> Permission:
    return Permission(roles=roles, scope=Scope.CASE, param=param, personal=True)


def _plain(roles: frozenset[Role], *, personal: bool = False) -> Permission:
    return Permission(roles=roles, personal=personal)


PERMISSIONS: Mapping[tuple[str, str], Permission] = {
    # --- public: health, sign-in (the OpenAPI document and /docs are not API routes; see PUBLIC_PATHS)
    ("GET", "/health"): PUBLIC,
    ("POST", "/auth/token"): PUBLIC,
    ("POST", "/auth/session"): PUBLIC,
    # --- access: who am I, sign out, accounts, the access log, monitoring notes
    ("GET", "/auth/me"): _plain(EVERYONE),
    ("POST", "/auth/sign-out"): _plain(EVERYONE),
    ("GET", "/users"): _plain(MONITORS),
    ("POST", "/users"): _plain(ADMINS),
    ("GET", "/users/{name}"): _plain(MONITORS),
    ("PATCH", "/users/{name}"): _plain(ADMINS),
    ("POST", "/users/{name}/representations"): _plain(ADMINS, personal=True),
    ("DELETE", "/users/{name}/representations/{reference}"): _plain(ADMINS, personal=True),
    ("GET", "/access-log"): _plain(MONITORS, personal=True),
    ("GET", "/access-log/verify"): _plain(MONITORS),
    ("GET", "/monitoring-notes"): _plain(_roles(MONITORS, R.SENIOR_CASEWORKER), personal=True),
    ("POST", "/monitoring-notes"): _plain(_roles(R.INDEPENDENT_MONITOR), personal=True),
    # --- casework
    ("GET", "/cases"): Permission(roles=CASE_READERS, scope=Scope.CASE_LIST, personal=True),
    ("GET", "/cases/{reference}"): _case(CASE_READERS),
    ("GET", "/cases/{reference}/events"): _case(CASE_READERS),
    ("POST", "/cases/{reference}/events"): _case(CASE_WRITERS),
    # Registering a person: the caseworkers who open cases (the answer names the new person).
    ("POST", "/persons"): _plain(PERSON_REGISTRARS, personal=True),
    # --- safeguards
    ("GET", "/cases/{reference}/eligibility"): _case(CASE_READERS),
    ("POST", "/cases/{reference}/reviews"): _case(_roles(R.SENIOR_CASEWORKER, R.ADMIN)),
    ("GET", "/rules"): _plain(EVERYONE),
    ("POST", "/screenings"): _plain(SCREENERS),
    ("GET", "/screenings/{screening_id}"): _plain(_roles(CASEWORK_STAFF, R.ANALYST)),
    ("GET", "/screenings/{screening_id}/cases"): _plain(CASEWORK_STAFF, personal=True),
    # --- partners (registers of states and sites: no person records)
    ("GET", "/partners"): _plain(EVERYONE),
    ("POST", "/partners"): _plain(PARTNERS_WRITERS),
    ("GET", "/partners/changes"): _plain(ALL_STAFF),
    ("GET", "/partners/changes/verify"): _plain(ALL_STAFF),
    ("GET", "/partners/{country}"): _plain(EVERYONE),
    ("POST", "/partners/{country}/steps"): _plain(PARTNERS_WRITERS),
    ("GET", "/agreements"): _plain(EVERYONE),
    ("POST", "/agreements"): _plain(PARTNERS_WRITERS),
    ("GET", "/agreements/terms"): _plain(EVERYONE),
    ("GET", "/agreements/{reference}"): _plain(EVERYONE),
    ("GET", "/agreements/{reference}/versions"): _plain(EVERYONE),
    ("POST", "/agreements/{reference}/versions"): _plain(PARTNERS_WRITERS),
    ("GET", "/hubs"): _plain(EVERYONE),
    ("POST", "/hubs"): _plain(PARTNERS_WRITERS),
    ("GET", "/hubs/occupancy"): _plain(EVERYONE),
    ("GET", "/hubs/{reference}"): _plain(EVERYONE),
    ("POST", "/hubs/{reference}/versions"): _plain(PARTNERS_WRITERS),
    ("POST", "/hubs/{reference}/occupancy"): Permission(
        roles=_roles(PARTNERS_WRITERS, R.HUB_LIAISON), scope=Scope.HUB, param="reference"
    ),
    ("GET", "/assessments"): _plain(EVERYONE),
    ("POST", "/assessments"): _plain(PARTNERS_WRITERS),
    ("POST", "/assessments/safe-countries-of-origin"): _plain(PARTNERS_WRITERS),
    ("GET", "/assessments/safe-countries-of-origin/{state}"): _plain(EVERYONE),
    ("GET", "/assessments/safe-countries-of-origin/{state}/history"): _plain(EVERYONE),
    ("GET", "/assessments/{country}"): _plain(EVERYONE),
    ("POST", "/assessments/{country}/versions"): _plain(PARTNERS_WRITERS),
    # --- operations: transfers (a transfer's manifest names people), stays, documents, incidents
    ("GET", "/transfers"): _plain(_roles(CASEWORK_STAFF, R.HUB_LIAISON, R.ANALYST)),
    ("POST", "/transfers"): _plain(PLANNERS),
    ("GET", "/transfers/{reference}"): Permission(
        roles=_roles(CASEWORK_STAFF, R.HUB_LIAISON), scope=Scope.TRANSFER, param="reference", personal=True
    ),
    ("POST", "/transfers/{reference}/manifest"): _plain(PLANNERS, personal=True),
    ("POST", "/transfers/{reference}/manifest/{person}/remove"): _case(PLANNERS, param="person"),
    ("POST", "/transfers/{reference}/lock"): _plain(PLANNERS, personal=True),
    ("POST", "/transfers/{reference}/depart"): _plain(PLANNERS, personal=True),
    ("POST", "/transfers/{reference}/arrive"): Permission(
        roles=_roles(PLANNERS, R.HUB_LIAISON), scope=Scope.TRANSFER, param="reference", personal=True
    ),
    ("POST", "/transfers/{reference}/cancel"): _plain(PLANNERS, personal=True),
    # A hub liaison sees the clocks at their own hubs (the handler narrows the list).
    ("GET", "/stays/clocks"): Permission(
        roles=_roles(CASEWORK_STAFF, R.HUB_LIAISON), scope=Scope.CASE_LIST, personal=True
    ),
    ("GET", "/stays/overdue"): Permission(
        roles=_roles(CASEWORK_STAFF, R.HUB_LIAISON), scope=Scope.CASE_LIST, personal=True
    ),
    ("POST", "/stays/{reference}/exit"): _case(_roles(PLANNERS, R.HUB_LIAISON)),
    ("POST", "/documents/check"): _plain(
        _roles(R.CASEWORKER, R.SENIOR_CASEWORKER, R.OPERATIONS_PLANNER, R.HUB_LIAISON, R.ADMIN)
    ),
    ("GET", "/documents/etd-times"): _plain(_roles(CASEWORK_STAFF, R.ANALYST)),
    ("GET", "/incidents"): _plain(CASEWORK_STAFF, personal=True),
    # --- operations: allocation plans (who goes to which hub on which transfer: they name people)
    ("POST", "/plans"): _plain(PLANNERS, personal=True),
    ("GET", "/plans/{plan_id}"): _plain(CASEWORK_STAFF, personal=True),
    ("POST", "/plans/{plan_id}/approve"): _plain(PLANNERS, personal=True),
    ("POST", "/plans/{plan_id}/what-if"): _plain(PLANNERS, personal=True),
    # --- simulation (synthetic scenarios: no person records)
    ("POST", "/simulations"): _plain(
        _roles(R.ANALYST, R.OPERATIONS_PLANNER, R.PARTNERSHIPS_OFFICER, R.ADMIN)
    ),
    ("GET", "/simulations/{run_id}"): _plain(ALL_STAFF),
    # --- notices: each user's own inbox (narrowed to the caller and, for a representative, to their
    # clients, by the handler); the delivery state of every email, for the monitor
    ("GET", "/notices"): Permission(roles=EVERYONE, scope=Scope.CASE_LIST, personal=True),
    ("POST", "/notices/{notice_id}/read"): Permission(roles=EVERYONE, scope=Scope.CASE_LIST, personal=True),
    ("GET", "/notices/deliveries"): _plain(MONITORS, personal=True),
    # --- statistics: aggregates only (no person named), so every member of staff may read them
    ("GET", "/reports"): _plain(ALL_STAFF),
    ("GET", "/reports/{table}"): _plain(ALL_STAFF),
    # An import writes cases and events for many people: senior caseworkers and the admin.
    ("POST", "/imports"): _plain(_roles(R.SENIOR_CASEWORKER, R.ADMIN), personal=True),
    ("POST", "/incidents"): Permission(
        roles=_roles(R.CASEWORKER, R.SENIOR_CASEWORKER, R.OPERATIONS_PLANNER, R.HUB_LIAISON, R.ADMIN),
        scope=Scope.BODY,
        personal=True,
    ),
}

#: The staff pages (``returnhub.web.ui``): HTML for people in a browser, guarded exactly like the API.
#: A page that shows a person's record is ``personal`` and logged; forms post to their own page routes.
PAGES: Mapping[tuple[str, str], Permission] = {
    ("GET", "/"): PUBLIC,  # a redirect to the home page or the sign-in page
    ("GET", "/ui/sign-in"): PUBLIC,
    ("POST", "/ui/sign-in"): PUBLIC,
    ("POST", "/ui/sign-out"): _plain(EVERYONE),
    # The home page's work queue names people (reviews due, overdue clocks, a representative's clients).
    ("GET", "/ui/"): Permission(roles=EVERYONE, scope=Scope.CASE_LIST, personal=True),
    ("POST", "/ui/screenings"): _plain(SCREENERS),
    ("GET", "/ui/cases"): Permission(roles=CASE_READERS, scope=Scope.CASE_LIST, personal=True),
    ("GET", "/ui/cases/{reference}"): _case(CASE_READERS),
    ("POST", "/ui/cases/{reference}/events"): _case(CASE_WRITERS),
    # The blank form shows no one; the monitor, who reads everything, may see it but not post it.
    ("GET", "/ui/persons/new"): _plain(_roles(PERSON_REGISTRARS, R.INDEPENDENT_MONITOR)),
    ("POST", "/ui/persons/new"): _plain(PERSON_REGISTRARS, personal=True),
    ("POST", "/ui/cases/{reference}/reviews"): _case(_roles(R.SENIOR_CASEWORKER, R.ADMIN)),
    ("GET", "/ui/partners"): _plain(ALL_STAFF),
    ("GET", "/ui/agreements/{reference}"): _plain(ALL_STAFF),
    ("GET", "/ui/hubs"): _plain(ALL_STAFF),
    ("GET", "/ui/planning"): _plain(_roles(PLANNERS, R.INDEPENDENT_MONITOR), personal=True),
    ("POST", "/ui/planning"): _plain(PLANNERS, personal=True),
    ("GET", "/ui/plans/{plan_id}"): _plain(_roles(PLANNERS, R.INDEPENDENT_MONITOR), personal=True),
    ("POST", "/ui/plans/{plan_id}/approve"): _plain(PLANNERS, personal=True),
    ("GET", "/ui/transfers"): _plain(_roles(PLANNERS, R.INDEPENDENT_MONITOR, R.HUB_LIAISON)),
    ("GET", "/ui/transfers/{reference}"): Permission(
        roles=_roles(PLANNERS, R.INDEPENDENT_MONITOR, R.HUB_LIAISON),
        scope=Scope.TRANSFER,
        param="reference",
        personal=True,
    ),
    ("POST", "/ui/transfers/{reference}/lock"): _plain(PLANNERS, personal=True),
    ("POST", "/ui/transfers/{reference}/depart"): _plain(PLANNERS, personal=True),
    ("POST", "/ui/transfers/{reference}/arrive"): Permission(
        roles=_roles(PLANNERS, R.HUB_LIAISON), scope=Scope.TRANSFER, param="reference", personal=True
    ),
    ("GET", "/ui/statistics"): _plain(ALL_STAFF),
    ("GET", "/ui/statistics/{chart}.{fmt}"): _plain(ALL_STAFF),  # fmt: svg, csv or xlsx
    ("GET", "/ui/reports"): _plain(ALL_STAFF),
    ("GET", "/ui/reports/{table}.{fmt}"): _plain(ALL_STAFF),  # fmt: csv, xlsx, ods, parquet or pdf
    ("GET", "/ui/simulations"): _plain(ALL_STAFF),  # synthetic scenarios: no person records
    ("GET", "/ui/simulations/{name}"): _plain(ALL_STAFF),
    ("GET", "/ui/simulations/{name}/charts/{chart}.svg"): _plain(ALL_STAFF),
    ("GET", "/ui/simulations/{name}/report.pdf"): _plain(ALL_STAFF),
    ("GET", "/ui/monitor"): _plain(MONITORS, personal=True),
    # Opening a notice marks it read: the caller's own notices only (the handler answers 404 otherwise).
    ("GET", "/ui/notices/{notice_id}"): Permission(roles=EVERYONE, scope=Scope.CASE_LIST, personal=True),
    ("GET", "/ui/notices/deliveries"): _plain(MONITORS, personal=True),
    ("GET", "/ui/monitor/verify"): _plain(MONITORS),
}
PERMISSIONS = {**PERMISSIONS, **PAGES}

#: Static files (stylesheets, fonts, scripts, images of GOV.UK Frontend and of returnhub): no data, so
#: they are served without sign-in, also to the sign-in page.
PUBLIC_STATIC_PREFIXES = ("/static/", "/vendor/", "/assets/")

#: Paths served without authentication that are not API operations (the OpenAPI document and its viewers).
PUBLIC_DOCUMENT_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
#: Every path reachable without credentials; anything else needs a bearer token or a session cookie.
PUBLIC_PATHS = PUBLIC_DOCUMENT_PATHS | {path for (_, path), p in PERMISSIONS.items() if p.public}

#: The notices a legal representative may lodge on behalf of a client (DESIGN.md: "lodges notices ...
#: that stop a transfer").
LEGAL_NOTICES = frozenset(
    {
        EventType.APPEAL_LODGED,
        EventType.JUDICIAL_REVIEW_LODGED,
        EventType.RULE39_GRANTED,
        EventType.FURTHER_SUBMISSIONS_LODGED,
        EventType.INJUNCTION_GRANTED,
        EventType.ARTICLE8_CLAIM_LODGED,
        EventType.NRM_REFERRAL,
    }
)
_RECORDABLE = frozenset(EVENT_PAYLOADS) - GATED_EVENT_TYPES

#: Which event types each role may append through ``POST /cases/{reference}/events``. A review decision
#: is a senior caseworker's; events that move a person are written only by the departure gate.
EVENT_TYPES_BY_ROLE: Mapping[Role, frozenset[str]] = {
    R.CASEWORKER: _RECORDABLE - {EventType.REVIEW_DECIDED},
    R.SENIOR_CASEWORKER: _RECORDABLE,
    R.ADMIN: _RECORDABLE,
    R.LEGAL_REPRESENTATIVE: frozenset(LEGAL_NOTICES),
    R.HUB_LIAISON: frozenset({EventType.SERIOUS_INCIDENT, EventType.VOLUNTARY_RETURN_APPLIED}),
}


def permission_for(method: str, path: str) -> Permission | None:
    """The declared permission of an operation, or None if it is undeclared (and so refused)."""
    return PERMISSIONS.get(("GET" if method == "HEAD" else method, path))


def may_see_special_category(role: Role) -> bool:
    return role in SPECIAL_CATEGORY_READERS


def recordable_event_types(role: Role) -> frozenset[str]:
    """The event types a role may record by hand: its own list, less the moves only the gate records."""
    return EVENT_TYPES_BY_ROLE.get(role, frozenset()) - GATED_EVENT_TYPES


def may_record(role: Role, event_type: str) -> bool:
    """Whether the role may append this event type. Unknown types and the gated ones are left to the
    catalogue, which refuses them with its own explanation (422)."""
    if event_type not in EVENT_PAYLOADS or event_type in GATED_EVENT_TYPES:
        return True
    return event_type in EVENT_TYPES_BY_ROLE.get(role, frozenset())


def inconsistencies(table: Mapping[tuple[str, str], Permission] = PERMISSIONS) -> list[str]:
    """Declarations that would leak: a scoped role on a personal operation that nothing narrows, a scope
    without its parameter, a monitor who cannot read or who may write."""
    problems: list[str] = []
    for (method, path), p in table.items():
        where = f"{method} {path}"
        if p.public:
            continue
        if p.scope in (Scope.CASE, Scope.HUB, Scope.TRANSFER):
            if p.param is None or "{" + p.param + "}" not in path:
                problems.append(f"{where}: scope {p.scope} needs a path parameter")
        if p.scope is Scope.NONE and p.personal and p.roles & SCOPED_ROLES:
            problems.append(
                f"{where}: lists people but a scoped role ({sorted(p.roles & SCOPED_ROLES)}) has no filter"
            )
        if p.scope is Scope.CASE and not p.personal:
            problems.append(f"{where}: a case operation must be written to the access log")
        monitor_allowed = Role.INDEPENDENT_MONITOR in p.roles
        if method == "GET" and not monitor_allowed:
            problems.append(f"{where}: the independent monitor reads everything")
        if method != "GET" and monitor_allowed and path not in MONITOR_WRITES:
            problems.append(f"{where}: the independent monitor writes nothing but monitoring notes")
    return problems


#: The only writes open to the monitor: their notes, ending their own session, marking their own notice read.
MONITOR_WRITES = frozenset(
    {"/monitoring-notes", "/auth/sign-out", "/ui/sign-out", "/notices/{notice_id}/read"}
)
