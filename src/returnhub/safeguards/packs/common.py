"""Derived facts and predicate builders shared by the packs.

A predicate here is written once and registered by each pack that enacts the same legal test (the EU's
"final return decision" and the UK's "appeal rights exhausted" read the same facts in the same way);
each pack gives it its own id, citations and dates. Nothing here is evaluated outside the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
import polars as pl

from returnhub.partners.agreement_terms import EXCLUDED_GROUPS, AgreementTerms
from returnhub.safeguards.facts import years_between
from returnhub.safeguards.parameters import Citation
from returnhub.safeguards.rules import Context, DerivedFact

col = pl.col


def cite(title: str, href: str, paragraph: str | None = None, note: str | None = None) -> Citation:
    return Citation(title, href, paragraph, note)


# ----------------------------------------------------------------------------------------------------------
# Derived facts
# ----------------------------------------------------------------------------------------------------------


def _effective_date_of_birth(ctx: Context) -> pl.Expr:
    # A resolved age dispute with an assessed date of birth displaces the claimed one.
    resolved_with_date = (
        col("age_dispute_outcome").is_not_null() & col("assessed_date_of_birth").is_not_null()
    )
    return pl.when(resolved_with_date).then(col("assessed_date_of_birth")).otherwise(col("date_of_birth"))


def _age_on_as_of(ctx: Context) -> pl.Expr:
    # The age from the effective date of birth, reusing the two ages already computed.
    resolved_with_date = (
        col("age_dispute_outcome").is_not_null() & col("assessed_date_of_birth").is_not_null()
    )
    return (
        pl.when(resolved_with_date)
        .then(col("age_by_assessed_date_of_birth"))
        .otherwise(col("age_by_recorded_date_of_birth"))
    )


def _is_minor(ctx: Context) -> pl.Expr:
    majority = ctx.int_param("age.majority")
    by_age = (col("age_on_as_of") < majority).fill_null(True)
    # Benefit of the doubt: while an age dispute is open the person is treated as a child.
    open_dispute = col("age_dispute_open").fill_null(False)
    # An assessment without a date of birth decides by its finding alone.
    undated = col("assessed_date_of_birth").is_null()
    assessed_minor_undated = ((col("age_dispute_outcome") == "minor") & undated).fill_null(False)
    assessed_adult_undated = ((col("age_dispute_outcome") == "adult") & undated).fill_null(False)
    return open_dispute | assessed_minor_undated | (by_age & ~assessed_adult_undated)


def _family_has_minors(ctx: Context) -> pl.Expr:
    majority = ctx.int_param("age.majority")
    return (years_between(col("family_youngest_other_date_of_birth"), ctx.as_of) < majority).fill_null(False)


def _rule39_in_force(ctx: Context) -> pl.Expr:
    granted, lifted, expires = col("rule39_granted_on"), col("rule39_lifted_on"), col("rule39_expires_on")
    # A measure "until three weeks after the final domestic decision" has no end date until that
    # decision: it stays in force. An end date is the last day the measure binds.
    return (
        granted.is_not_null()
        & (granted <= ctx.today)
        & (lifted.is_null() | (lifted > ctx.today))
        & (expires.is_null() | (ctx.today <= expires))
    )


def _is_vulnerable(ctx: Context) -> pl.Expr:
    # Each pack says which assessment makes a person vulnerable: the UK's Adults-at-Risk level, the EU's
    # own vulnerability assessment (parameter ``vulnerability.assessment``).
    if ctx.param("vulnerability.assessment") == "eu_vulnerability":
        assessed = col("vulnerable").fill_null(False)
    else:
        level = ctx.int_param("vulnerability.adults_at_risk_min_level")
        assessed = (col("adults_at_risk_level") >= level).fill_null(False)
    return (
        col("is_minor")
        | assessed
        | col("serious_medical_condition").fill_null(False)
        | (col("nrm_reasonable_grounds") == "positive").fill_null(False)
        | (col("nrm_conclusive_grounds") == "positive").fill_null(False)
    )


AGE_AND_FAMILY: tuple[DerivedFact, ...] = (
    DerivedFact(
        "effective_date_of_birth",
        pl.Date(),
        "The assessed date of birth once an age dispute is resolved with one; the recorded one otherwise.",
        _effective_date_of_birth,
    ),
    DerivedFact(
        "age_by_recorded_date_of_birth",
        pl.Int32(),
        "Whole years on the evaluation date from the recorded (claimed) date of birth.",
        lambda ctx: years_between(col("date_of_birth"), ctx.as_of),
    ),
    DerivedFact(
        "age_by_assessed_date_of_birth",
        pl.Int32(),
        "Whole years on the evaluation date from the age assessment's date of birth, if any.",
        lambda ctx: years_between(col("assessed_date_of_birth"), ctx.as_of),
    ),
    DerivedFact(
        "age_on_as_of",
        pl.Int32(),
        "Whole years on the evaluation date from the effective date of birth.",
        _age_on_as_of,
    ),
    DerivedFact(
        "is_minor",
        pl.Boolean(),
        "Under the age of majority, or an age dispute open, or assessed a minor without a date of birth "
        "(an undated finding of adulthood clears the recorded age).",
        _is_minor,
        ("age.majority",),
    ),
    DerivedFact(
        "family_has_minors",
        pl.Boolean(),
        "Another member of the person's family unit is under the age of majority on the date.",
        _family_has_minors,
        ("age.majority",),
    ),
    DerivedFact(
        "rule39_in_force",
        pl.Boolean(),
        "An ECtHR Rule 39 interim measure was granted, is not lifted and has not reached its end date.",
        _rule39_in_force,
    ),
    DerivedFact(
        "is_vulnerable",
        pl.Boolean(),
        "A child, assessed vulnerable (UK: an adult at risk at or above the pack's level; EU: the EU "
        "vulnerability assessment), a serious medical condition, or a positive NRM decision.",
        _is_vulnerable,
        ("vulnerability.assessment",),
    ),
)


def working_days_after(days: int, holidays: Sequence[date]) -> Callable[[pl.Series], pl.Series]:
    """A batch function: each date plus ``days`` working days (Monday to Friday, not a holiday).

    A date that is not itself a working day counts from the previous one ("roll back, then add n"), so a
    notice served on a Saturday runs from the following Monday. NumPy's business-day kernel gives the same
    result as Polars' ``add_business_days`` and is several times faster with a holiday calendar.
    """
    calendar = np.array(sorted(holidays), dtype="datetime64[D]")

    def shift(dates: pl.Series) -> pl.Series:
        known = dates.is_not_null()
        if not known.any():
            return dates
        values = dates.filter(known).to_numpy().astype("datetime64[D]")
        shifted = np.busday_offset(values, days, roll="backward", holidays=calendar)
        return dates.clone().scatter(known.arg_true(), pl.Series(shifted).cast(pl.Date))

    return shift


def notice_period_ends_on(ctx: Context) -> pl.Expr:
    served = col("removal_notice_served_on")
    # The period is counted in working days after the day of service, with the number of days in force
    # on the day of service and the bank holidays known on the evaluation date.
    holidays = list(ctx.param("calendar.bank_holidays"))
    return ctx.parameters["removal_notice.working_days"].piecewise(
        served,
        lambda days: served.map_batches(working_days_after(int(days), holidays), return_dtype=pl.Date()),
        pl.Date(),
    )


def nrm_recovery_ends_on(ctx: Context) -> pl.Expr:
    rg_on = col("nrm_reasonable_grounds_on")
    days = ctx.param_by_date("nrm.recovery_period_days", rg_on, pl.Int64())
    return pl.when(col("nrm_reasonable_grounds") == "positive").then(rg_on + pl.duration(days=days))


def nrm_reconsideration_window_ends_on(ctx: Context) -> pl.Expr:
    rg_on = col("nrm_reasonable_grounds_on")
    days = ctx.param_by_date("nrm.reconsideration_window_days", rg_on, pl.Int64())
    return pl.when(col("nrm_reasonable_grounds") == "negative").then(rg_on + pl.duration(days=days))


#: Why the NRM bars removal (an Enum: a string per row would cost ten times more over a caseload).
NRM_BAR_GROUNDS = pl.Enum(
    [
        "conclusive_grounds_positive",
        "recovery_period_until_conclusive_grounds",
        "recovery_period",
        "reconsideration_pending",
        "reconsideration_window",
        "reasonable_grounds_pending",
    ]
)


def _ground(name: str) -> pl.Expr:
    return pl.lit(name, dtype=NRM_BAR_GROUNDS)


def nrm_bar_ground(ctx: Context) -> pl.Expr:
    rg, cg = col("nrm_reasonable_grounds"), col("nrm_conclusive_grounds")
    requested, reconsidered = col("nrm_reconsideration_requested_on"), col("nrm_reconsideration_outcome")
    today = ctx.today
    return (
        pl.when(cg == "positive")
        .then(_ground("conclusive_grounds_positive"))
        .when((rg == "positive") & cg.is_null())
        .then(_ground("recovery_period_until_conclusive_grounds"))
        .when((rg == "positive") & (today <= col("nrm_recovery_ends_on")).fill_null(True))
        .then(_ground("recovery_period"))
        .when(requested.is_not_null() & reconsidered.is_null())
        .then(_ground("reconsideration_pending"))
        .when(
            (rg == "negative")
            & requested.is_null()
            & (today <= col("nrm_reconsideration_window_ends_on")).fill_null(False)
        )
        .then(_ground("reconsideration_window"))
        .when(col("nrm_referred_on").is_not_null() & rg.is_null())
        .then(_ground("reasonable_grounds_pending"))
        .otherwise(pl.lit(None, dtype=NRM_BAR_GROUNDS))
    )


NRM: tuple[DerivedFact, ...] = (
    DerivedFact(
        "nrm_recovery_ends_on",
        pl.Date(),
        "Positive reasonable-grounds decision date plus the recovery period then in force.",
        nrm_recovery_ends_on,
        ("nrm.recovery_period_days",),
    ),
    DerivedFact(
        "nrm_reconsideration_window_ends_on",
        pl.Date(),
        "Negative reasonable-grounds decision date plus the reconsideration window (CTK v SSHD).",
        nrm_reconsideration_window_ends_on,
        ("nrm.reconsideration_window_days",),
    ),
    DerivedFact(
        "nrm_bar_ground",
        NRM_BAR_GROUNDS,
        "Why the National Referral Mechanism bars removal on the date, if it does.",
        nrm_bar_ground,
    ),
)


# ----------------------------------------------------------------------------------------------------------
# Person predicates
# ----------------------------------------------------------------------------------------------------------


#: Decisions that refuse a claim and so leave the person removable once appeal rights are exhausted.
REFUSED_OUTCOMES = ("refuse", "certified", "inadmissible")


def finally_refused(ctx: Context) -> pl.Expr:
    """The claim is finally refused on the date: a refusal (or inadmissibility) with appeal rights
    exhausted since, or a withdrawal where the pack's dated parameter says a withdrawn claim is final.

    No decision means no final refusal: appeal rights "exhausted" without a decision prove nothing.
    """
    today = ctx.today
    decided = col("claim_decided_on") <= today
    exhausted = (
        col("claim_outcome").is_in(list(REFUSED_OUTCOMES))
        & decided
        & (col("appeal_rights_exhausted_on") <= today)
        & (col("appeal_rights_exhausted_on") >= col("claim_decided_on"))
    )
    withdrawn = pl.lit(bool(ctx.param("asylum.withdrawn_claim_is_final"))) & (
        (col("claim_outcome") == "withdrawn") & decided
    )
    return (exhausted | withdrawn).fill_null(False)


def appeal_rights_not_exhausted(ctx: Context) -> pl.Expr:
    final = (
        finally_refused(ctx)
        & ~col("appeal_pending").fill_null(True)
        & (col("article8_outcome").fill_null("") != "grant")
    )
    return ~final


def further_submissions_pending(ctx: Context) -> pl.Expr:
    return col("further_submissions_pending")


def judicial_review_or_injunction(ctx: Context) -> pl.Expr:
    return col("judicial_review_pending").fill_null(True) | col("injunction_in_force").fill_null(True)


def suspensive_remedy_pending(ctx: Context) -> pl.Expr:
    return further_submissions_pending(ctx).fill_null(True) | judicial_review_or_injunction(ctx)


def rule39_in_force(ctx: Context) -> pl.Expr:
    return col("rule39_in_force")


def unfit_to_fly(ctx: Context) -> pl.Expr:
    # Only an assessment that found the person unfit bars; no assessment is not a finding.
    return (~col("fit_to_fly")).fill_null(False)


def serious_medical_condition(ctx: Context) -> pl.Expr:
    return col("serious_medical_condition")


def is_detained(ctx: Context) -> pl.Expr:
    return col("detained").fill_null(False)


# ----------------------------------------------------------------------------------------------------------
# Agreement predicates (evaluated once per agreement; ``ctx.agreement`` is that agreement's terms)
# ----------------------------------------------------------------------------------------------------------

#: Profile tags the case record can test. Any other tag (lgbt, political, ethnicity:...) is a risk the
#: record does not capture: a senior caseworker must confirm the person does not have that profile.
RECORDED_PROFILE_PREFIXES = ("sex:",)


def unrecorded_profiles(terms: AgreementTerms) -> tuple[str, ...]:
    return tuple(sorted(t for t in terms.unsafe_for_profiles if not t.startswith(RECORDED_PROFILE_PREFIXES)))


def unknown_excluded_groups(terms: AgreementTerms) -> tuple[str, ...]:
    return tuple(sorted(g for g in terms.excluded_groups if g not in EXCLUDED_GROUPS))


def _designated_hub_not_covered(terms: AgreementTerms) -> pl.Expr:
    # Once referred to a named hub, only the agreement that runs that hub can take the person.
    designated = col("hub_referred_to")
    return designated.is_not_null() & ~designated.is_in(list(terms.hubs))


def hub_country_unsafe_or_not_in_force(ctx: Context) -> pl.Expr:
    t = ctx.agreement
    fails = pl.lit(not t.in_force)
    if "*" in t.unsafe_for_nationalities:
        fails = pl.lit(True)
    elif t.unsafe_for_nationalities:
        fails = fails | col("nationality").is_in(sorted(t.unsafe_for_nationalities))
    sexes = sorted(tag.split(":", 1)[1] for tag in t.unsafe_for_profiles if tag.startswith("sex:"))
    if sexes:
        fails = fails | col("sex").is_in(sexes)
    return fails | _designated_hub_not_covered(t)


def agreement_unmonitored(ctx: Context) -> pl.Expr:
    return pl.lit(ctx.agreement.monitoring_body is None)


def not_from_designated_safe_country(ctx: Context) -> pl.Expr:
    """The person's nationality is not on the sending state's safe-country list in the register."""
    designated = ctx.agreement.safe_countries_of_origin
    if designated is None:
        # No list registered for the agreement's sending state on the date: safety is not shown.
        return pl.lit(True)
    return ~col("nationality").is_in(sorted(designated))


def unrecorded_risk_profile(ctx: Context) -> pl.Expr:
    return pl.lit(bool(unrecorded_profiles(ctx.agreement)))


def agreement_in_force(ctx: Context) -> pl.Expr:
    return pl.lit(ctx.agreement.in_force)


def outside_agreement_scope(ctx: Context) -> pl.Expr:
    t = ctx.agreement
    fails = pl.lit(bool(unknown_excluded_groups(t)))
    if t.nationalities_in_scope is not None:
        fails = fails | ~col("nationality").is_in(sorted(t.nationalities_in_scope))
    groups = t.excluded_groups
    if "minors" in groups:
        fails = fails | col("is_minor")
    if "unaccompanied_minors" in groups:
        fails = fails | (col("is_minor") & col("family_unit_id").is_null())
    if "families_with_minors" in groups:
        fails = fails | col("family_has_minors")
    if "women" in groups:
        fails = fails | (col("sex") == "F")
    if "vulnerable" in groups:
        fails = fails | col("is_vulnerable")
    if "host_nationals" in groups:
        fails = fails | (col("nationality") == t.hub_country)
    return fails


#: Agreement facts that can be shown and fingerprinted besides the ``AgreementTerms`` attributes.
COMPUTED_TERM_FACTS: dict[str, Callable[[AgreementTerms], object]] = {
    "unrecorded_unsafe_profiles": unrecorded_profiles,
    "unknown_excluded_groups": unknown_excluded_groups,
}


def term_fact(terms: AgreementTerms, name: str) -> object:
    if name in COMPUTED_TERM_FACTS:
        return COMPUTED_TERM_FACTS[name](terms)
    return getattr(terms, name)
