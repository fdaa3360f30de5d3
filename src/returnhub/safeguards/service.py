"""Safeguards services: one case's explanation, the caseload's facts and screening, review decisions.

These are the functions other contexts call (operations' departure gate and allocation, the simulator);
their signatures are documented in ``docs/safeguards.md`` and kept stable. They take the caller's
``Session`` and never commit: the caller's unit of work does.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, object_session

from returnhub.casework.queries import family_births
from returnhub.casework.state import fold_as_of
from returnhub.casework.store import AppendResult, append_event, case_state, load_legal_events_of
from returnhub.core import bounds
from returnhub.core.clock import Clock, SystemClock
from returnhub.core.errors import InvalidInput, NotFound, StateConflict
from returnhub.core.time import utc
from returnhub.partners.agreement_terms import AgreementTerms, AgreementTermsProvider
from returnhub.partners.service import DatabaseTermsProvider, safe_countries_of_origin_on
from returnhub.safeguards.default_terms import YamlTermsProvider
from returnhub.safeguards.engine import (
    Evaluation,
    applicable_terms,
    eligible_agreements_evaluation,
    evaluate,
    fact_columns,
    facts_fingerprint,
    make_plan,
    rule_facts,
    screen_evaluation,
)
from returnhub.safeguards.explain import Explanation, explain_evaluation
from returnhub.safeguards.facts import (
    EMPTY_DECISIONS,
    FACTS_SCHEMA,
    IDENTITY_SCHEMA,
    decisions_from_json,
    decisions_series,
    facts_frame,
    facts_row,
    family_youngest_other,
)
from returnhub.safeguards.models import Screening
from returnhub.safeguards.packs import as_pack
from returnhub.safeguards.rules import Kind, Outcome, RulePack, Scope, Stage
from returnhub.safeguards.views import ScreeningOut

# ----------------------------------------------------------------------------------------------------------
# Agreement terms
# ----------------------------------------------------------------------------------------------------------


class RegisterOrPackDefaults:
    """The partners register's agreements for the pack's sending states; the pack's defaults if none.

    Before any agreement of the pack's sending states is registered (or before the partners tables exist)
    the pack's dated YAML defaults apply; once the register holds one, the register alone is the source.
    With ``known_at`` the register is read as it was known then (it is bitemporal, like the case events).
    """

    def __init__(self, session: Session, pack: RulePack, known_at: datetime | None = None) -> None:
        self._session = session
        self._pack = pack
        self._known_at = known_at
        self._defaults = YamlTermsProvider(pack.parameters)

    def terms_on(self, on: date) -> list[AgreementTerms]:
        registered: list[AgreementTerms] = []
        try:
            # A savepoint, so that a register not yet migrated cannot poison the caller's transaction.
            with self._session.begin_nested():
                registered = DatabaseTermsProvider(self._session, self._known_at).terms_on(on)
        except SQLAlchemyError as exc:
            if not _register_missing(exc):
                raise  # a lost connection or a deadlock is no reason to judge under the defaults
            registered = []
        kept = applicable_terms(self._pack, registered)
        if kept:
            return list(kept)
        # The pack's default terms hold no safe-country list: the register is its one source.
        return [self._with_register_lists(t, on) for t in self._defaults.terms_on(on)]

    def _with_register_lists(self, terms: AgreementTerms, on: date) -> AgreementTerms:
        if terms.sending_state is None:
            return terms
        try:
            with self._session.begin_nested():
                designated = safe_countries_of_origin_on(
                    self._session, terms.sending_state, on, self._known_at
                )
        except SQLAlchemyError as exc:
            if not _register_missing(exc):
                raise
            designated = None
        return replace(terms, safe_countries_of_origin=designated)


def _register_missing(exc: SQLAlchemyError) -> bool:
    """Whether the error says the register's tables are not there (a database not yet migrated): the one
    failure the pack's defaults stand in for. Any other (the server restarting, a deadlock, a lock timeout)
    is raised, so that the transaction fails rather than the gate judge under terms it did not read."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == "42P01":  # PostgreSQL's undefined_table
        return True
    return "no such table" in str(orig if orig is not None else exc)


def default_terms_provider(
    session: Session, pack: RulePack | str, known_at: datetime | None = None
) -> AgreementTermsProvider:
    return RegisterOrPackDefaults(session, as_pack(pack), known_at)


def _terms(
    session: Session,
    pack: RulePack,
    on: date,
    provider: AgreementTermsProvider | None,
    known_at: datetime | None = None,
) -> list[AgreementTerms]:
    return (provider or default_terms_provider(session, pack, known_at)).terms_on(on)


# ----------------------------------------------------------------------------------------------------------
# One case
# ----------------------------------------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    try:
        return utc(value)
    except OverflowError:
        raise InvalidInput(f"known_at {value.isoformat()} is outside the representable range") from None


def case_facts(
    session: Session,
    reference: str,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    at: datetime | None = None,
) -> pl.DataFrame:
    """One case's base facts (one row), folded at ``as_of`` from what was recorded by ``known_at``; with
    ``at``, events that carry an instant count only if they happened by then (the gate's instant)."""
    if known_at is not None:
        known_at = _utc(known_at)
    person, state = case_state(
        session, reference, as_of=as_of, known_at=known_at, at=None if at is None else _utc(at)
    )
    youngest: date | None = None
    if person.family_unit_id is not None:
        members = family_births(session, person.family_unit_id)
        family = family_youngest_other(
            pl.DataFrame(
                [tuple(m) for m in members],
                schema={"case_id": pl.Int64(), "family_unit_id": pl.Int64(), "date_of_birth": pl.Date()},
                orient="row",
            )
        ).filter(pl.col("case_id") == person.id)
        if family.height:
            youngest = family.item(0, "family_youngest_other_date_of_birth")
    row = facts_row(
        state,
        reference=person.reference,
        nationality=person.nationality,
        sex=person.sex,
        date_of_birth=person.date_of_birth,
        family_unit_id=person.family_unit_id,
        family_youngest_other_date_of_birth=youngest,
        case_id=person.id,
    )
    return facts_frame([row])


def _evaluate_case(
    session: Session,
    reference: str,
    *,
    pack: RulePack | str,
    stage: Stage | str,
    as_of: date | None,
    known_at: datetime | None,
    terms_provider: AgreementTermsProvider | None,
    clock: Clock | None,
    at: datetime | None = None,
    include_proposals: bool = False,
) -> tuple[Evaluation, date, datetime | None]:
    rule_pack = as_pack(pack)
    stage = Stage.parse(stage)
    if known_at is not None:
        known_at = _utc(known_at)
    on = as_of or (known_at.date() if known_at is not None else (clock or SystemClock()).today())
    rule_pack.check_date(on)
    facts = case_facts(session, reference, as_of=on, known_at=known_at, at=at)
    # The register as known at ``known_at`` too: the as-of view shows what was known when, facts and terms.
    plan = make_plan(
        rule_pack,
        stage,
        on,
        _terms(session, rule_pack, on, terms_provider, known_at),
        include_proposals=include_proposals,
    )
    return evaluate(facts, plan, trace=True), on, known_at


def evaluate_case(
    session: Session,
    reference: str,
    *,
    pack: RulePack | str,
    stage: Stage | str,
    as_of: date | None = None,
    known_at: datetime | None = None,
    terms_provider: AgreementTermsProvider | None = None,
    clock: Clock | None = None,
    at: datetime | None = None,
    include_proposals: bool = False,
) -> Explanation:
    """Whether one case may be moved at ``stage`` on ``as_of`` (default: today), as known at ``known_at``.

    ``at`` is the instant of the move (the departure gate's): an event recorded with its time of day
    counts only if it happened by then, so a Rule 39 measure at 23:00 does not stand at a 22:30 departure.

    The facts are the case's events folded at (``as_of``, ``known_at``); the agreements are those in force
    on ``as_of`` from ``terms_provider`` (default: the partners register, or the pack's dated defaults).
    Raises ``NotFound`` (no such case), ``UnknownPack``, ``UnknownStage``, ``DateOutOfRange``,
    ``NoApplicableRule`` or ``RuleConflict``; never returns a partial answer. ``include_proposals`` also
    screens the pack's proposals (shown, and ``outcome_under_proposals``; they never change ``outcome``).
    """
    evaluation, _, known = _evaluate_case(
        session,
        reference,
        pack=pack,
        stage=stage,
        as_of=as_of,
        known_at=known_at,
        terms_provider=terms_provider,
        clock=clock,
        at=at,
        include_proposals=include_proposals,
    )
    return explain_evaluation(evaluation, reference=reference, known_at=known)


def review_fingerprint(
    session: Session,
    reference: str,
    rule: str,
    *,
    pack: RulePack | str,
    stage: Stage | str = Stage.HUB_REFERRAL,
    as_of: date | None = None,
    agreement: str | None = None,
    terms_provider: AgreementTermsProvider | None = None,
    clock: Clock | None = None,
) -> str:
    """The fingerprint to store with a senior caseworker's decision on ``rule`` for this case now.

    For a destination review rule (R12P, EU-R7P) name the ``agreement`` the decision is about.
    """
    evaluation, _, _ = _evaluate_case(
        session,
        reference,
        pack=pack,
        stage=stage,
        as_of=as_of,
        known_at=None,
        terms_provider=terms_provider,
        clock=clock,
    )
    fingerprint, _ = _fingerprint_and_outcome(evaluation, rule, agreement)
    return fingerprint


def _fingerprint_and_outcome(
    evaluation: Evaluation, rule_id: str, agreement: str | None
) -> tuple[str, Outcome]:
    plan = evaluation.plan
    rule = next((r for r in plan.rules if r.id == rule_id), None)
    if rule is None:
        known = ", ".join(r.id for r in plan.rules if r.kind is Kind.REVIEW)
        raise InvalidInput(
            f"rule {rule_id!r} does not guard stage {plan.stage.value} in pack {plan.pack.name}; "
            f"review rules there: {known}"
        )
    if rule.kind is not Kind.REVIEW:
        raise InvalidInput(f"rule {rule_id} is a bar: it has no review to decide")
    row = evaluation.frame.row(0, named=True)
    if rule.scope is Scope.PERSON:
        return facts_fingerprint(rule.id, rule_facts(rule, row, None)), Outcome(int(row[rule.id]))
    for i, terms in enumerate(plan.terms):
        if terms.agreement == agreement:
            code = Outcome(int(row[f"{rule.id}@{i}"]))
            return facts_fingerprint(rule.id, rule_facts(rule, row, terms)), code
    known = ", ".join(t.agreement for t in plan.terms) or "none"
    raise InvalidInput(f"rule {rule_id} is decided per agreement: name one of: {known}")


def record_review_decision(
    session: Session,
    reference: str,
    *,
    rule: str,
    decision: str,
    reasoning: str,
    decided_by: str,
    pack: RulePack | str,
    stage: Stage | str = Stage.HUB_REFERRAL,
    clock: Clock,
    agreement: str | None = None,
    terms_provider: AgreementTermsProvider | None = None,
) -> AppendResult:
    """Record a senior caseworker's decision (``review_decided``) with the fingerprint of today's facts.

    Refused unless the rule is a review rule that currently calls for review for this case.
    """
    if decision not in ("approve", "refuse"):
        raise InvalidInput("decision must be approve or refuse")
    evaluation, on, _ = _evaluate_case(
        session,
        reference,
        pack=pack,
        stage=stage,
        as_of=clock.today(),
        known_at=None,
        terms_provider=terms_provider,
        clock=clock,
    )
    fingerprint, outcome = _fingerprint_and_outcome(evaluation, rule, agreement)
    if outcome is not Outcome.REVIEW:
        raise StateConflict(
            f"rule {rule} does not call for a review of case {reference} on {on.isoformat()} "
            f"(its outcome is {outcome.label})"
        )
    return append_event(
        session,
        reference,
        "review_decided",
        on,
        {
            "rule": rule,
            "decision": decision,
            "reasoning": reasoning,
            "decided_by": decided_by,
            "facts_fingerprint": fingerprint,
        },
        clock=clock,
        recorded_by=decided_by,
    )


# ----------------------------------------------------------------------------------------------------------
# The caseload
# ----------------------------------------------------------------------------------------------------------

_PROJECTED = [
    name for name in FACTS_SCHEMA if name not in ("review_decisions", "family_youngest_other_date_of_birth")
]
#: Read whatever facts are asked for: the identity (a refold rebuilds it) and the latest legal date (which
#: says whether a case must be refolded at an earlier date).
_ALWAYS_READ = frozenset({*IDENTITY_SCHEMA, "last_occurred_on"})


#: The columns the projection's snapshot keeps for the facts (``casework.snapshots``): every projected
#: fact, and the review decisions as the JSON text stored. One schema for every plan, so one snapshot
#: serves them all; a plan reads only its columns from it.
SNAPSHOT_SCHEMA: dict[str, pl.DataType] = {
    **{n: FACTS_SCHEMA[n] for n in _PROJECTED},
    "review_decisions": pl.String(),
}


def caseload_facts(
    session: Session,
    as_of: date,
    *,
    columns: Collection[str] | None = None,
    timings: dict[str, Any] | None = None,
) -> pl.DataFrame:
    """Every case's base facts on ``as_of``, one row per case, in reference order.

    Read column-wise from the ``case_projection`` table (the current fold of every case), through its
    columnar snapshot (:func:`returnhub.casework.snapshots.read_projection`: the same rows as
    :func:`returnhub.core.columnar.read_columns` reads in this transaction). A case with an event after
    ``as_of`` is folded again from its events at ``as_of``, so the frame is exact for any date. The result
    has the schema of :func:`case_facts`; with ``columns`` (e.g.
    :func:`~returnhub.safeguards.engine.fact_columns` of a plan) only those facts and the case's identity
    are read, and the others are left out of the frame (the engine treats a missing fact as unknown, so a
    plan must be given every fact it reads). ``timings``, if given, receives how the read went (its
    source, the rows patched, seconds per phase).
    """
    from returnhub.casework.snapshots import read_projection

    wanted = [n for n in _PROJECTED if columns is None or n in columns or n in _ALWAYS_READ]
    read = read_projection(session, SNAPSHOT_SCHEMA, columns=[*wanted, "review_decisions"])
    if timings is not None:
        timings.update(
            source=read.source,
            reason=read.reason,
            changed_rows=read.changed_rows,
            written=read.written,
            seconds=read.seconds,
        )
    frame = read.frame
    text = pl.col("review_decisions")
    decided = frame.filter(text.is_not_null() & (text != "[]")).select("case_id", "review_decisions")
    decisions = pl.DataFrame(
        {
            "case_id": decided.get_column("case_id"),
            "review_decisions": decisions_series(
                [decisions_from_json(t) for t in decided.get_column("review_decisions")]
            ),
        }
    )
    family = family_youngest_other(frame.select("case_id", "family_unit_id", "date_of_birth"))
    kept = set(wanted) | {"family_youngest_other_date_of_birth", "review_decisions"}
    # The two joined columns, lined up with the frame's rows (joining the whole frame would copy every
    # column of a national caseload twice).
    joined = (
        frame.select("case_id")
        .join(family, on="case_id", how="left", maintain_order="left")
        .join(decisions, on="case_id", how="left", maintain_order="left")
        .with_columns(pl.col("review_decisions").fill_null(pl.lit(EMPTY_DECISIONS).first()))
    )
    frame = (
        frame.drop("review_decisions")
        .hstack(joined.drop("case_id").get_columns())
        .select([n for n in FACTS_SCHEMA if n in kept])
    )
    stale = frame.filter(pl.col("last_occurred_on") > as_of)
    if stale.height:
        frame = _refold(session, frame, stale, as_of)
    return frame


def _refold(session: Session, frame: pl.DataFrame, stale: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Replace the rows of cases with events after ``as_of`` by their fold at ``as_of``."""
    ids = stale.get_column("case_id").to_list()
    events = load_legal_events_of(session, ids)
    rows = []
    for ident in stale.select(list(IDENTITY_SCHEMA)).iter_rows(named=True):
        state = fold_as_of(events[ident["case_id"]], as_of=as_of)
        rows.append(facts_row(state, **ident))
    refolded = facts_frame(rows).select(frame.columns)
    kept = frame.filter(~pl.col("case_id").is_in(ids))
    return pl.concat([kept, refolded]).sort("reference")


@dataclass(frozen=True)
class ScreeningRun:
    pack: RulePack
    stage: Stage
    as_of: date
    terms: tuple[AgreementTerms, ...]
    results: pl.DataFrame
    summary: dict[str, Any]


def summarise(results: pl.DataFrame, rule_ids: Iterable[str]) -> dict[str, Any]:
    """Counts by overall outcome, and per rule the cases it barred or left waiting for a review."""
    counts = dict.fromkeys(("eligible", "review", "barred"), 0)
    for outcome, n in results.group_by("outcome").len().iter_rows():
        counts[str(outcome)] = int(n)
    by_rule: dict[str, int] = {}
    for rule_id in rule_ids:
        status = f"{rule_id}:review"
        unresolved = pl.col(rule_id) == "review"
        if status in results.columns:
            unresolved = unresolved & (pl.col(status).fill_null("") != "approved")
        by_rule[rule_id] = int(results.select(((pl.col(rule_id) == "bar") | unresolved).sum()).item())
    return {"cases": results.height, **counts, "by_rule": by_rule}


def screen(
    session: Session,
    *,
    pack: RulePack | str,
    stage: Stage | str,
    as_of: date,
    terms_provider: AgreementTermsProvider | None = None,
    include_proposals: bool = False,
) -> ScreeningRun:
    """Screen the whole caseload on ``as_of``: per case, per rule outcomes and the overall result.

    With ``include_proposals`` the summary also counts ``barred_under_proposals``: people the proposals
    would bar who are not barred by law (a proposal never changes ``outcome``).
    """
    started = time.perf_counter()
    rule_pack = as_pack(pack)
    plan = make_plan(
        rule_pack,
        stage,
        as_of,
        _terms(session, rule_pack, as_of, terms_provider),
        include_proposals=include_proposals,
    )
    read: dict[str, Any] = {}
    facts = caseload_facts(session, as_of, columns=fact_columns(plan), timings=read)
    facts_seconds = time.perf_counter() - started
    evaluation = evaluate(facts, plan)
    results = screen_evaluation(evaluation)
    seconds = time.perf_counter() - started
    summary = summarise(results, [r.id for r in plan.rules])
    if plan.has_proposals:
        summary["barred_under_proposals"] = int(
            results.select(
                ((pl.col("outcome_under_proposals") == "barred") & (pl.col("outcome") != "barred")).sum()
            ).item()
        )
    summary.update(
        pack=rule_pack.name,
        pack_version=rule_pack.full_version,
        stage=plan.stage.value,
        as_of=as_of.isoformat(),
        agreements=[t.agreement for t in plan.terms],
        seconds=round(seconds, 3),
        facts_seconds=round(facts_seconds, 3),
        screen_seconds=round(seconds - facts_seconds, 3),
        # How the facts were read: through the snapshot (patched with the rows changed since) or directly.
        facts_read={
            "source": read["source"],
            "reason": read["reason"],
            "changed_rows": read["changed_rows"],
            "snapshot_written": read["written"],
            **{f"{k}_seconds": round(v, 3) for k, v in read["seconds"].items()},
        },
    )
    return ScreeningRun(rule_pack, plan.stage, as_of, plan.terms, results, summary)


def caseload_eligible_agreements(
    session: Session,
    *,
    pack: RulePack | str,
    stage: Stage | str = Stage.HUB_REFERRAL,
    as_of: date,
    terms_provider: AgreementTermsProvider | None = None,
) -> pl.DataFrame:
    """Per case, the agreements and hubs the person may go to on ``as_of`` (for the allocation optimiser)."""
    rule_pack = as_pack(pack)
    plan = make_plan(rule_pack, stage, as_of, _terms(session, rule_pack, as_of, terms_provider))
    facts = caseload_facts(session, as_of, columns=fact_columns(plan))
    return eligible_agreements_evaluation(evaluate(facts, plan))


# ----------------------------------------------------------------------------------------------------------
# Stored screenings
# ----------------------------------------------------------------------------------------------------------


def _terms_record(t: AgreementTerms) -> dict[str, Any]:
    return {
        "agreement": t.agreement,
        "hub_country": t.hub_country,
        "sending_state": t.sending_state,
        "in_force": t.in_force,
        "hubs": list(t.hubs),
        "sources": list(t.sources),
    }


def run_screening(
    session: Session,
    *,
    pack: RulePack | str,
    stage: Stage | str,
    as_of: date,
    clock: Clock,
    created_by: str,
    terms_provider: AgreementTermsProvider | None = None,
) -> Screening:
    """Screen the caseload and store the result with the pack's version (in the caller's transaction).

    A caller that must not hold a write lock while the caseload is read (a page job on SQLite) calls
    ``screen`` in a read-only transaction and ``store_screening`` in a short write transaction instead."""
    bounds.check_screening_day(as_of, clock.today())
    run = screen(session, pack=pack, stage=stage, as_of=as_of, terms_provider=terms_provider)
    return store_screening(session, run, clock=clock, created_by=created_by)


def store_screening(
    session: Session, run: ScreeningRun, *, clock: Clock, created_by: str, as_of: date | None = None
) -> Screening:
    """Store a screening's per-case outcomes (Parquet) and summary as one row (in the caller's transaction).

    ``as_of``, when given, must be the day the run screened (a page job passes it back)."""
    if as_of is not None and as_of != run.as_of:
        raise InvalidInput(f"the screening was run as of {run.as_of.isoformat()}, not {as_of.isoformat()}")
    as_of = run.as_of
    bounds.check_screening_day(as_of, clock.today())
    buffer = io.BytesIO()
    run.results.write_parquet(buffer, compression="zstd")
    rule_ids = {r.id for r in run.pack.rules_for(run.stage)}
    row = Screening(
        pack=run.pack.name,
        pack_version=run.pack.full_version,
        stage=run.stage.value,
        as_of=as_of,
        created_at=clock.now(),
        created_by=created_by,
        cases=run.summary["cases"],
        eligible=run.summary["eligible"],
        review=run.summary["review"],
        barred=run.summary["barred"],
        by_rule=run.summary["by_rule"],
        rules=[r.metadata() for r in run.pack.rules if r.id in rule_ids],
        agreements=[_terms_record(t) for t in run.terms],
        seconds=float(run.summary["seconds"]),
        results=buffer.getvalue(),
    )
    session.add(row)
    session.flush()
    return row


def get_screening(session: Session, screening_id: int) -> Screening:
    row = session.get(Screening, screening_id)
    if row is None:
        raise NotFound(f"no screening with id {screening_id}")
    return row


def latest_screening_summary(session: Session) -> ScreeningOut | None:
    """The headline of the most recent stored caseload screening, or None if none has been run.

    Reads the headline's columns only: the per-case results stored beside them are never loaded here.
    """
    row = (
        session.execute(
            select(*(getattr(Screening, name) for name in ScreeningOut.model_fields))
            .order_by(Screening.created_at.desc(), Screening.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return None if row is None else ScreeningOut.model_validate(dict(row))


def latest_screening(session: Session) -> Screening | None:
    """The most recent stored screening with its per-case results, or None."""
    return session.execute(
        select(Screening).order_by(Screening.created_at.desc(), Screening.id.desc()).limit(1)
    ).scalar()


def screening_summary(row: Screening) -> ScreeningOut:
    return ScreeningOut.model_validate(row)


def screening_results(row: Screening) -> pl.DataFrame:
    """The stored per-case outcomes, exactly as computed."""
    return pl.read_parquet(io.BytesIO(row.results))


#: A case's overall outcome in a screening.
SCREENING_OUTCOMES = ("eligible", "review", "barred")
#: Parsed outcomes of the latest screening, keyed by (database, screening id, digest of the stored results):
#: an id alone is not unique across two databases in one process, a restore or a truncation, and a review
#: queue must never show another database's people.
_REFERENCES_BY_SCREENING: dict[tuple[str, int, str], dict[str, list[str]]] = {}


def _screening_key(row: Screening) -> tuple[str, int, str]:
    session = object_session(row)
    database = ""
    if session is not None:
        # The URL names the database (file path, or host and database name); the password is left out.
        database = session.get_bind().engine.url.render_as_string(hide_password=True)
    # A digest of the stored results: a restored or re-created screening with a reused id differs here.
    return database, row.id, hashlib.blake2b(row.results, digest_size=16).hexdigest()


def screening_references(row: Screening, outcome: str) -> list[str]:
    """The references a stored screening gave ``outcome`` (eligible, review or barred), in reference order.

    Parsed once per screening and kept for the next call (a caseload page walks them 50 at a time)."""
    if outcome not in SCREENING_OUTCOMES:
        raise InvalidInput("outcome must be eligible, review or barred")
    key = _screening_key(row)
    cached = _REFERENCES_BY_SCREENING.get(key)
    if cached is None:
        frame = pl.read_parquet(io.BytesIO(row.results), columns=["reference", "outcome"])
        frame = frame.with_columns(pl.col("outcome").cast(pl.String)).sort("reference")
        cached = {
            o: frame.filter(pl.col("outcome") == o)["reference"].to_list()
            for o in ("eligible", "review", "barred")
        }
        _REFERENCES_BY_SCREENING.clear()  # keep only the latest one
        _REFERENCES_BY_SCREENING[key] = cached
    return cached[outcome]


#: Per screening (same key as above), the review rules each case waiting for review waits on.
_WAITS_BY_SCREENING: dict[tuple[str, int, str], dict[str, list[str]]] = {}


def screening_waits(row: Screening, references: Iterable[str] | None = None) -> dict[str, list[str]]:
    """The review rules each case the stored screening left waiting for review waits on: the rule gave
    ``review`` and no senior caseworker's approval covered it (the same test as ``summarise``'s count).

    Read from the stored results, never by re-screening: only the review rules' columns are parsed, once
    per screening, so the home page's queue pays a dictionary look-up."""
    key = _screening_key(row)
    waits = _WAITS_BY_SCREENING.get(key)
    if waits is None:
        names = pl.read_parquet_schema(io.BytesIO(row.results))
        rules = [c.removesuffix(":review") for c in names if c.endswith(":review")]
        frame = pl.read_parquet(
            io.BytesIO(row.results),
            columns=["reference", "outcome", *rules, *(f"{r}:review" for r in rules)],
        ).filter(pl.col("outcome").cast(pl.String) == "review")
        waiting = [
            pl.when(
                (pl.col(r).cast(pl.String) == "review")
                & (pl.col(f"{r}:review").cast(pl.String).fill_null("") != "approved")
            )
            .then(pl.lit(r))
            .otherwise(None)
            for r in rules
        ]
        waits = {}
        if rules:  # no review rule, no case waiting on one
            frame = frame.select("reference", pl.concat_list(waiting).list.drop_nulls().alias("rules"))
            waits = {str(ref): [str(r) for r in ids or []] for ref, ids in frame.iter_rows()}
        _WAITS_BY_SCREENING.clear()  # keep only the latest one
        _WAITS_BY_SCREENING[key] = waits
    if references is None:
        return waits
    return {r: waits.get(r, []) for r in references}


def screening_cases(
    row: Screening, *, outcome: str | None = None, rule: str | None = None, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    results = screening_results(row)
    if outcome is not None:
        if outcome not in SCREENING_OUTCOMES:
            raise InvalidInput("outcome must be eligible, review or barred")
        results = results.filter(pl.col("outcome").cast(pl.String) == outcome)
    if rule is not None:
        if rule not in results.columns:
            raise InvalidInput(f"screening {row.id} has no rule {rule!r}")
        results = results.filter(pl.col(rule).cast(pl.String).is_in(["bar", "review"]))
    page = results.slice(offset, limit)
    return [
        {k: (str(v) if v is not None and k != "case_id" else v) for k, v in r.items()}
        for r in page.to_dicts()
    ]


def list_rules(pack: RulePack | str) -> dict[str, Any]:
    """Every rule of the pack with its citations, dates, stages and exceptions, and its parameters."""
    return as_pack(pack).metadata()
