"""Planning: build the optimiser's problem from the live register, store plans, approve them through the gate.

The optimiser (``operations.allocation``) is pure; this module is its shell. Choices where the issue is
silent (documented in docs/allocation.md):

* people: cases the safeguards clear at every stage the move will pass (``hub_referral``, ``manifest_lock``
  and ``departure``) on the plan's first day, as known when the plan is computed, each hub under its own law
  (the pack of its agreement's sender, ``operations.law``), not yet allocated or moved; a person cleared for
  referral but barred at a later stage (unfit to fly on record, say) is not planned and the plan says why;
  a family is offered only if every member is cleared (a family moves together or not at all);
* bed type: ``family`` for members of a family unit, else ``adult_female`` or ``single_adult_male``;
* priority: months since appeal rights were exhausted, plus weeks in detention;
* transfers: planned transfers in the horizon, plus one candidate charter per operational hub per week where
  there is none (``CANDIDATE_*`` below); approving a plan creates the candidates it uses;
* beds: week 0 takes the free beds today (beds minus occupancy); every later week takes the expected
  exits, the beds divided by the maximum stay in weeks (a steady state), never more than the free beds;
* quotas: the agreement's annual quota, pro-rated to the horizon and split across its hubs by beds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.casework.queries import case_versions, cases_with_status, family_sizes
from returnhub.core.clock import Clock
from returnhub.core.errors import DomainError, InvalidInput, NotFound, StateConflict
from returnhub.operations.allocation.explain import explain as explain_person
from returnhub.operations.allocation.model import AllocationConfig, AllocationPlan, AllocationProblem
from returnhub.operations.allocation.summary import allocate, summary
from returnhub.operations.allocation.whatif import AddTransfer, Change, SetHubBeds, SetQuotaLimit, what_if
from returnhub.operations.law import law_name, law_of_agreement
from returnhub.operations.models import AllocationPlanRecord, Transfer
from returnhub.operations.transfers import _load, add_to_manifest, create_transfer
from returnhub.operations.views import (
    PlanApproval,
    PlanListing,
    PlanPersonExplanation,
    PlanSummary,
    PlanView,
    WhatIfDifference,
    WhatIfResult,
)
from returnhub.partners.service import DatabaseTermsProvider, agreement_on, list_hubs, occupancy_on
from returnhub.partners.views import HubView
from returnhub.safeguards.engine import eligible_agreements_evaluation, evaluate, make_plan
from returnhub.safeguards.engine import screen_evaluation as screen_rows
from returnhub.safeguards.packs import get_pack
from returnhub.safeguards.service import caseload_facts, default_terms_provider

CANDIDATE_SEATS = 80
CANDIDATE_MIN_LOAD = 40
CANDIDATE_COST_PER_PERSON = 1_500.0
CANDIDATE_DEPARTURE = time(18, 0)
MOVABLE_STATUSES = ("appeal_rights_exhausted", "referred_to_hub")


@dataclass(frozen=True)
class Planned:
    problem: AllocationProblem
    versions: dict[str, int]
    candidates: dict[str, dict[str, Any]]
    #: hub -> the law its transfers are judged under.
    laws: dict[str, str]
    #: People cleared for referral but barred at a later stage, with the plain reason.
    not_planned: list[dict[str, str]]


#: The stages a move passes, in order; planning screens all of them.
PLANNING_STAGES = ("hub_referral", "manifest_lock", "departure")
_STAGE_NAMES = {"hub_referral": "referral", "manifest_lock": "manifest lock", "departure": "departure"}


def _hub_laws(session: Session, hubs: list[HubView], on: date) -> dict[str, str]:

    laws: dict[str, str] = {}
    for hub in hubs:
        try:
            laws[hub.reference] = law_of_agreement(session, hub.agreement, on)
        except DomainError:
            continue  # no pack judges moves under this agreement: its hub is not offered (fail closed)
    return laws


def _unresolved_rules(row: dict[str, Any], rules: Any) -> list[str]:
    found = []
    for rule in rules:
        label = row.get(rule.id)
        if label == "bar" or (label == "review" and row.get(f"{rule.id}:review") != "approved"):
            found.append(f"{rule.id} ({rule.title})")
    return found


def screen_stages(
    session: Session, *, start: date, laws: dict[str, str]
) -> tuple[pl.DataFrame, list[dict[str, str]]]:
    """Who may be planned: the hubs each person is cleared for at every stage, under each hub's law.

    Returns a frame (``reference``, ``hubs``) of people cleared for at least one hub at every stage, and the
    people cleared for referral but barred later, each with a plain reason naming the stage and the rules.
    """

    facts = caseload_facts(session, start)
    frames: list[pl.DataFrame] = []
    referral_cleared: set[str] = set()
    later: dict[tuple[str, str], Any] = {}
    for law in sorted(set(laws.values())):
        pack = get_pack(law)
        if start < pack.valid_from:
            continue  # the law does not cover the plan's first day: its hubs clear nobody
        terms = default_terms_provider(session, pack).terms_on(start)
        own_hubs = [h for h, hub_law in laws.items() if hub_law == law]
        own = pl.lit(pl.Series([own_hubs], dtype=pl.List(pl.String()))).first()
        per_stage: pl.DataFrame | None = None
        for stage in PLANNING_STAGES:
            evaluation = evaluate(facts, make_plan(pack, stage, start, terms))
            cleared = eligible_agreements_evaluation(evaluation).select(
                "reference", pl.col("hubs").list.set_intersection(own).alias(stage)
            )
            if stage == "hub_referral":
                referral_cleared |= set(cleared.filter(pl.col(stage).list.len() > 0)["reference"].to_list())
            else:
                later[(law, stage)] = evaluation
            per_stage = (
                cleared
                if per_stage is None
                else per_stage.join(cleared, on="reference").select(
                    "reference", pl.col("hubs").list.set_intersection(pl.col(stage)).alias("hubs")
                )
            )
            per_stage = per_stage.rename({stage: "hubs"}) if stage in per_stage.columns else per_stage
        if per_stage is not None:
            frames.append(per_stage)
    if not frames:
        return pl.DataFrame(schema={"reference": pl.String, "hubs": pl.List(pl.String)}), []
    combined = (
        pl.concat(frames)
        .group_by("reference")
        .agg(pl.col("hubs").explode().drop_nulls().unique().sort())
        .filter(pl.col("hubs").list.len() > 0)
    )
    barred_later = sorted(referral_cleared - set(combined["reference"].to_list()))
    not_planned: list[dict[str, str]] = []
    if barred_later:
        reasons: dict[str, list[str]] = {r: [] for r in barred_later}
        for (law, stage), evaluation in later.items():
            rows = screen_rows(evaluation).filter(pl.col("reference").is_in(barred_later)).to_dicts()
            for row in rows:
                named = _unresolved_rules(row, evaluation.plan.rules)
                if named:
                    reasons[row["reference"]].append(
                        f"at {_STAGE_NAMES[stage]} under {law_name(law)}: {', '.join(named)}"
                    )
        not_planned = [
            {
                "person_id": r,
                "reason": f"{r} is cleared for referral but not planned, because a later stage of the move "
                f"is already barred as known on {start.isoformat()}: "
                + ("; ".join(reasons[r]) or "no hub clears every stage"),
            }
            for r in barred_later
        ]
    return combined, not_planned


def _week_start(start: date, week: int) -> date:
    return start + timedelta(weeks=week)


def build_problem(session: Session, *, start: date, weeks: int) -> Planned:

    if not 1 <= weeks <= 104:
        raise InvalidInput("the horizon must be between 1 and 104 weeks")
    laws = _hub_laws(session, [h for h in list_hubs(session, start) if h.status == "operational"], start)
    cleared, not_planned = screen_stages(session, start=start, laws=laws)
    rows = cases_with_status(
        session,
        MOVABLE_STATUSES,
        columns=(
            "reference",
            "nationality",
            "sex",
            "family_unit_id",
            "version",
            "appeal_rights_exhausted_on",
            "detained",
            "detained_on",
        ),
    )
    cases = pl.DataFrame(
        [tuple(r) for r in rows],
        schema={
            "reference": pl.String,
            "nationality": pl.String,
            "sex": pl.String,
            "family_unit_id": pl.Int64,
            "version": pl.Int64,
            "are_on": pl.Date,
            "detained": pl.Boolean,
            "detained_on": pl.Date,
        },
        orient="row",
    )
    people = cases.join(cleared.select("reference", pl.col("hubs").alias("eligible_hubs")), on="reference")
    # A family is offered only whole: every member of the unit must be cleared and movable.
    unit_sizes = family_sizes(session, people["family_unit_id"].drop_nulls().unique().to_list())
    people = people.with_columns(pl.len().over("family_unit_id").alias("_members")).filter(
        pl.col("family_unit_id").is_null()
        | (pl.col("_members") == pl.col("family_unit_id").replace_strict(unit_sizes, default=0))
    )
    days_are = (pl.lit(start) - pl.col("are_on")).dt.total_days().fill_null(0).clip(lower_bound=0)
    days_detained = (
        pl.when(pl.col("detained"))
        .then((pl.lit(start) - pl.col("detained_on")).dt.total_days().fill_null(0).clip(lower_bound=0))
        .otherwise(0)
    )
    people_frame = people.select(
        pl.col("reference").alias("person_id"),
        pl.when(pl.col("family_unit_id").is_null())
        .then(pl.lit("P") + pl.col("reference"))
        .otherwise(pl.lit("F") + pl.col("family_unit_id").cast(pl.String))
        .alias("family_id"),
        "nationality",
        pl.when(pl.col("family_unit_id").is_not_null())
        .then(pl.lit("family"))
        .when(pl.col("sex") == "F")
        .then(pl.lit("adult_female"))
        .otherwise(pl.lit("single_adult_male"))
        .alias("bed_type"),
        (days_are / 30.0 + days_detained / 7.0).cast(pl.Float64).alias("priority"),
        "eligible_hubs",
    )

    hubs = [h for h in list_hubs(session, start) if h.status == "operational" and h.reference in laws]
    terms = {t.agreement: t for t in DatabaseTermsProvider(session).terms_on(start)}
    occupancy = {o.hub: o for o in occupancy_on(session, start)}
    horizon_end = datetime.combine(_week_start(start, weeks), time(0), tzinfo=UTC)
    planned = list(
        session.execute(
            select(Transfer).where(
                Transfer.status == "planned",
                Transfer.departs_at >= datetime.combine(start, time(0), tzinfo=UTC),
                Transfer.departs_at < horizon_end,
            )
        ).scalars()
    )
    transfer_rows: list[dict[str, Any]] = []
    candidates: dict[str, dict[str, Any]] = {}
    taken = set()
    for t in planned:
        week = (t.departs_at.date() - start).days // 7
        taken.add((t.hub, week))
        loaded = _listed(session, t)
        transfer_rows.append(
            {
                "transfer_id": t.reference,
                "hub_id": t.hub,
                "week": week,
                "departs_on": t.departs_at.date(),
                "seats": t.seats - loaded,
                "min_load": max(0, t.min_load - loaded) or 1,
                "cost_per_person": CANDIDATE_COST_PER_PERSON,
                "escorts_per_person": 1.0,
            }
        )
    bed_rows: list[dict[str, Any]] = []
    quota_rows: list[dict[str, Any]] = []
    for hub in hubs:
        ref = hub.reference
        for week in range(weeks):
            if (ref, week) in taken:
                continue
            tid = f"NEW-{ref}-W{week:02d}"
            departs_on = _week_start(start, week) + timedelta(days=2)
            candidates[tid] = {
                "hub": ref,
                "law": laws[ref],
                "departs_on": departs_on.isoformat(),
                "seats": CANDIDATE_SEATS,
                "min_load": CANDIDATE_MIN_LOAD,
            }
            transfer_rows.append(
                {
                    "transfer_id": tid,
                    "hub_id": ref,
                    "week": week,
                    "departs_on": departs_on,
                    "seats": CANDIDATE_SEATS,
                    "min_load": CANDIDATE_MIN_LOAD,
                    "cost_per_person": CANDIDATE_COST_PER_PERSON,
                    "escorts_per_person": 1.0,
                }
            )
        agreement = terms.get(hub.agreement)
        stay_weeks = max(1.0, (agreement.max_stay_days or 365) / 7) if agreement else 52.0
        counted = occupancy.get(ref)
        occupied_total = counted.occupied if counted else 0
        beds_total = max(1, hub.beds_total)
        for bed_type, beds in hub.beds.items():
            share = int(beds) / beds_total
            free_now = max(0, int(beds) - round(occupied_total * share))
            turnover = int(math.floor(int(beds) / stay_weeks))
            remaining = free_now + turnover * (weeks - 1)
            for week in range(weeks):
                free = free_now if week == 0 else turnover
                free = min(free, remaining)
                remaining -= free
                bed_rows.append({"hub_id": ref, "bed_type": bed_type, "week": week, "free_beds": free})
        if agreement is not None:
            quota = _annual_quota(session, agreement.agreement, start)
            if quota:
                hub_share = beds_total / max(
                    1, sum(h.beds_total for h in hubs if h.agreement == hub.agreement)
                )
                quota_rows.append(
                    {
                        "quota_id": f"{agreement.agreement}:{ref}",
                        "hub_id": ref,
                        "nationality": "*",
                        "period_start_week": 0,
                        "period_end_week": weeks - 1,
                        "limit": int(quota * weeks / 52 * hub_share),
                    }
                )
    problem = AllocationProblem(
        people=people_frame,
        transfers=pl.DataFrame(transfer_rows, schema=_schema("transfers")),
        hub_beds=pl.DataFrame(bed_rows, schema=_schema("hub_beds")),
        quotas=pl.DataFrame(quota_rows, schema=_schema("quotas")),
        config=AllocationConfig(horizon_weeks=weeks),
    )
    versions = dict(zip(people["reference"].to_list(), people["version"].to_list(), strict=True))
    return Planned(problem, versions, candidates, laws, not_planned)


def _schema(name: str) -> dict[str, pl.DataType]:
    from returnhub.operations.allocation import model

    return {
        "transfers": model.TRANSFERS_SCHEMA,
        "hub_beds": model.HUB_BEDS_SCHEMA,
        "quotas": model.QUOTAS_SCHEMA,
    }[name]


def _listed(session: Session, transfer: Transfer) -> int:

    return _load(session, transfer)


def _annual_quota(session: Session, agreement: str, on: date) -> int | None:

    try:
        terms = agreement_on(session, agreement, on)
    except DomainError:
        return None
    value = terms.terms.annual_quota if terms.terms else None
    return value or None


def _plan_json(plan: AllocationPlan, planned: Planned) -> dict[str, Any]:
    assignments = plan.assignments.with_columns(pl.col("departs_on").cast(pl.String)).to_dicts()
    for a in assignments:
        a["law"] = planned.laws.get(a["hub_id"])
    return {
        "assignments": assignments,
        "unplaced": plan.unplaced.to_dicts(),
        "not_planned": planned.not_planned,
        "transfer_loads": plan.transfer_loads.to_dicts(),
        "laws": planned.laws,
        "status": plan.status,
        "reason": plan.reason,
    }


def plan_laws(laws: dict[str, str]) -> str:
    """The laws a plan is judged under, for its ``pack`` column (``eu+uk`` when it spans both)."""
    return "+".join(sorted(set(laws.values()))) or "none"


def compute_plan(
    session: Session, *, start: date, weeks: int, clock: Clock, created_by: str, save: bool
) -> PlanSummary:
    planned = build_problem(session, start=start, weeks=weeks)
    outcome = allocate(planned.problem)
    result = PlanSummary.model_validate(
        {
            **summary(outcome),
            "status": outcome.plan.status,
            "reason": outcome.plan.reason,
            "laws": planned.laws,
            "not_planned": len(planned.not_planned),
        }
    )
    if save:
        record = AllocationPlanRecord(
            status="computed",
            start=start,
            weeks=weeks,
            pack=plan_laws(planned.laws),
            created_by=created_by,
            created_at=clock.now(),
            summary=result.model_dump(exclude={"plan_id"}),
            plan=_plan_json(outcome.plan, planned),
            input_versions=planned.versions,
            candidates=planned.candidates,
        )
        session.add(record)
        session.flush()
        result.plan_id = record.id
    return result


def _record(session: Session, plan_id: int, *, for_update: bool = False) -> AllocationPlanRecord:
    # An approval's steps lock the plan row (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
    # writers), so two planners pressing Approve together cannot both claim a computed plan.
    record = session.get(AllocationPlanRecord, plan_id, with_for_update=for_update)
    if record is None:
        raise NotFound(f"no plan {plan_id}")
    return record


def recent_plans(session: Session, *, limit: int = 20) -> list[PlanListing]:
    """The last ``limit`` stored plans, newest first."""
    rows = session.execute(
        select(
            AllocationPlanRecord.id,
            AllocationPlanRecord.status,
            AllocationPlanRecord.start,
            AllocationPlanRecord.weeks,
            AllocationPlanRecord.created_by,
            AllocationPlanRecord.summary,
        )
        .order_by(AllocationPlanRecord.id.desc())
        .limit(limit)
    ).all()
    return [
        PlanListing(
            id=r.id,
            status=r.status,
            start=r.start,
            weeks=r.weeks,
            created_by=r.created_by,
            placed=(r.summary or {}).get("people_placed"),
            eligible=(r.summary or {}).get("people_eligible"),
        )
        for r in rows
    ]


def plan_view(session: Session, plan_id: int) -> PlanView:
    r = _record(session, plan_id)
    return PlanView(
        id=r.id,
        status=r.status,
        start=r.start,
        weeks=r.weeks,
        pack=r.pack,
        created_by=r.created_by,
        summary=r.summary,
        assignments=r.plan["assignments"],
        unplaced=r.plan["unplaced"],
        not_planned=r.plan.get("not_planned", []),
        laws=r.plan.get("laws", {}),
        transfer_loads=r.plan["transfer_loads"],
        approval=r.approval,
    )


def explain_plan_person(session: Session, plan_id: int, reference: str) -> PlanPersonExplanation:
    r = _record(session, plan_id)
    reference = reference.upper()
    for a in r.plan["assignments"]:
        if a["person_id"] == reference:
            return PlanPersonExplanation(
                reference=reference,
                placed=True,
                text=f"{reference} is placed on {a['transfer_id']} to {a['hub_id']}, "
                f"week {a['week'] + 1}, departing {a['departs_on']}",
                **a,
            )
    for u in r.plan["unplaced"] + r.plan.get("not_planned", []):
        if u["person_id"] == reference:
            return PlanPersonExplanation(reference=reference, placed=False, text=u["reason"], **u)
    raise NotFound(f"{reference} was not among the people eligible when plan {plan_id} was computed")


#: A plan whose approval is under way; its progress is in ``approval`` and it is touched at every step.
APPROVING = "approving"
#: An approval untouched for this long was cut off (its process stopped): asking again carries it on.
APPROVAL_STALE_AFTER = timedelta(minutes=10)


def approve_plan(session: Session, plan_id: int, *, clock: Clock, approved_by: str) -> PlanApproval:
    """Turn a plan into manifests through the departure gate: every family is re-checked as it is listed.

    People whose case changed since the plan was computed are re-checked like everyone else (the gate always
    re-checks) and reported; a family the gate refuses is left off and reported, never forced.

    All in the caller's transaction. A caller that must not hold a write lock for the whole approval (a page
    job on SQLite) runs the same three steps, ``begin_approval``, ``list_families`` per batch and
    ``finish_approval``, each in a short transaction of its own.
    """
    families = begin_approval(session, plan_id, clock=clock, approved_by=approved_by)
    list_families(session, plan_id, families, clock=clock)
    return finish_approval(session, plan_id, clock=clock)


def begin_approval(session: Session, plan_id: int, *, clock: Clock, approved_by: str) -> list[str]:
    """Claim a computed plan for approval (status ``approving``, so a second approval is refused) and create
    the candidate transfers it uses; return the families still to list, in listing order.

    A plan left ``approving`` by an approval that stopped (untouched for ``APPROVAL_STALE_AFTER``) is carried
    on from where it stopped: what was listed stays listed, through the gate that listed it."""

    record = _record(session, plan_id, for_update=True)
    progress = dict(record.approval or {})
    stopped = (
        record.status == APPROVING
        and clock.now() - datetime.fromisoformat(str(progress.get("touched_at"))) >= APPROVAL_STALE_AFTER
    )
    if record.status != "computed" and not stopped:
        if record.status == APPROVING:
            raise StateConflict(f"plan {plan_id} is being approved; wait for that approval to finish")
        raise StateConflict(f"plan {plan_id} is {record.status}; only a computed plan can be approved")
    assignments = record.plan["assignments"]
    if not stopped:
        references = [a["person_id"] for a in assignments]
        current = case_versions(session, references)
        progress = {
            "approved_by": approved_by,
            "listed": [],
            "refused": [],
            "changed_since_computed": sorted(
                r for r in references if current.get(r) != record.input_versions.get(r)
            ),
            "transfers_created": {},
            "families_done": [],
        }
    created: dict[str, str] = dict(progress["transfers_created"])
    families: list[str] = []
    for a in sorted(assignments, key=lambda x: (x["transfer_id"], x["family_id"])):
        if a["family_id"] not in families:
            families.append(a["family_id"])
        tid = a["transfer_id"]
        if tid in record.candidates and tid not in created:
            c = record.candidates[tid]
            departs = datetime.combine(date.fromisoformat(c["departs_on"]), CANDIDATE_DEPARTURE, tzinfo=UTC)
            t = create_transfer(
                session,
                hub=c["hub"],
                mode="charter_flight",
                departs_at=departs,
                seats=c["seats"],
                min_load=c["min_load"],
                clock=clock,
                created_by=str(progress["approved_by"]),
            )
            created[tid] = t.reference
    record.status = APPROVING
    record.approval = {**progress, "transfers_created": created, "touched_at": clock.now().isoformat()}
    done = set(progress["families_done"])
    return [f for f in families if f not in done]


def list_families(session: Session, plan_id: int, families: list[str], *, clock: Clock) -> None:
    """List these families of a plan being approved, each through the departure gate, and keep the progress
    in the plan (in the same transaction as the listings, so the two always agree)."""

    record = _record(session, plan_id, for_update=True)
    if record.status != APPROVING:
        raise StateConflict(f"plan {plan_id} is {record.status}, not being approved")
    progress = dict(record.approval or {})
    created: dict[str, str] = progress["transfers_created"]
    wanted = set(families)
    listed, refused = list(progress["listed"]), list(progress["refused"])
    for a in sorted(record.plan["assignments"], key=lambda x: (x["transfer_id"], x["family_id"])):
        if a["family_id"] not in wanted:
            continue
        wanted.discard(a["family_id"])  # a family is listed once, with its first member's assignment
        target = created.get(a["transfer_id"], a["transfer_id"])
        try:
            with session.begin_nested():
                outcomes = add_to_manifest(
                    session, target, a["person_id"], clock=clock, recorded_by=str(progress["approved_by"])
                )
            listed.extend(o.reference for o in outcomes)
        except DomainError as exc:
            refused.append({"reference": a["person_id"], "transfer": target, "reason": exc.detail})
    record.approval = {
        **progress,
        "listed": listed,
        "refused": refused,
        "families_done": [*progress["families_done"], *families],
        "touched_at": clock.now().isoformat(),
    }


def finish_approval(session: Session, plan_id: int, *, clock: Clock) -> PlanApproval:
    """Mark a plan whose families are all listed as approved; return what approving it did."""
    record = _record(session, plan_id, for_update=True)
    if record.status != APPROVING:
        raise StateConflict(f"plan {plan_id} is {record.status}, not being approved")
    progress = dict(record.approval or {})
    record.status = "approved"
    record.approval = {
        "approved_by": progress["approved_by"],
        "approved_at": clock.now().isoformat(),
        "listed": progress["listed"],
        "refused": progress["refused"],
        "changed_since_computed": progress["changed_since_computed"],
        "transfers_created": progress["transfers_created"],
    }
    return PlanApproval.model_validate({"plan_id": plan_id, **record.approval})


def what_if_plan(session: Session, plan_id: int, changes: list[dict[str, Any]]) -> WhatIfResult:
    """Re-plan the stored plan's inputs with changes; nothing live is touched."""
    from returnhub.operations.allocation.solver import solve

    record = _record(session, plan_id)
    planned = build_problem(session, start=record.start, weeks=record.weeks)
    parsed: list[Change] = []
    for change in changes:
        kind = change.get("kind")
        try:
            if kind == "add_transfer":
                parsed.append(
                    AddTransfer(
                        transfer_id=str(change["transfer_id"]),
                        hub_id=str(change["hub_id"]),
                        week=int(change["week"]),
                        departs_on=date.fromisoformat(str(change["departs_on"])),
                        seats=int(change["seats"]),
                        min_load=int(change["min_load"]),
                        cost_per_person=float(change.get("cost_per_person", CANDIDATE_COST_PER_PERSON)),
                    )
                )
            elif kind == "set_hub_beds":
                parsed.append(
                    SetHubBeds(
                        hub_id=str(change["hub_id"]),
                        bed_type=str(change["bed_type"]),
                        week=int(change["week"]),
                        free_beds=int(change["free_beds"]),
                    )
                )
            elif kind == "set_quota_limit":
                parsed.append(SetQuotaLimit(quota_id=str(change["quota_id"]), limit=int(change["limit"])))
            else:
                raise InvalidInput(
                    f"unknown change kind {kind!r}: add_transfer, set_hub_beds or set_quota_limit"
                )
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidInput(f"change {change!r} is incomplete or malformed: {exc}") from None
    result = what_if(planned.problem, parsed, lambda prob: solve(prob))
    d = result.difference
    return WhatIfResult(
        plan_id=plan_id,
        people_placed=result.plan.people_placed,
        objective=result.plan.objective,
        difference=WhatIfDifference(
            people_placed_before=d.people_placed_before,
            people_placed_after=d.people_placed_after,
            objective_before=d.objective_before,
            objective_after=d.objective_after,
        ),
    )


__all__ = [
    "approve_plan",
    "begin_approval",
    "finish_approval",
    "list_families",
    "build_problem",
    "compute_plan",
    "explain_plan_person",
    "plan_view",
    "what_if_plan",
    "explain_person",
]
