"""The UK pack's rules: each bar and review one Polars expression over the facts, with its citations and
dates; the overrides that displace a rule's own test (R10's age disputes); the facts the rules derive
(age, family, the notice period, the NRM). ``pack.py`` assembles them with the exclusions."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from returnhub.safeguards.packs import common as c
from returnhub.safeguards.rules import (
    ALL_STAGES,
    TRANSFER_STAGES,
    Context,
    DerivedFact,
    Kind,
    Outcome,
    Override,
    Rule,
    Scope,
    Stage,
)

col = pl.col
PACK_START = date(2022, 4, 14)  # the first UK third-country arrangement (UK-Rwanda MEDP)
STATUTORY_NOTICE = date(2023, 11, 20)  # s.46 NABA 2022 commenced (research 7.7)

HOME_OFFICE_JR = c.cite(
    "Home Office, Judicial reviews, injunctions and applications to the ECtHR (v3.0, 13 May 2024)",
    "https://www.gov.uk/government/publications/returns-preparation/judicial-reviews-injunctions-and-applications-to-the-european-court-of-human-rights-accessible-version",
)
AAR_GUIDANCE = c.cite(
    "Home Office, Adults at risk in immigration detention (v10.0, 21 May 2024)",
    "https://gov.uk/government/publications/offender-management/adults-at-risk-in-immigration-detention-accessible",
    note="Levels 1-3 wording in v10.0 UNVERIFIED (research 7.2).",
)
WITHDRAWN_CLAIMS = c.cite(
    "Immigration Rules, Part 11, paragraph 333C (withdrawal of asylum applications)",
    "https://www.gov.uk/guidance/immigration-rules/immigration-rules-part-11-asylum",
    "333C",
    "A withdrawn claim is not decided, so it carries no right of appeal (a refusal of a protection claim "
    "is what s.82 NIAA 2002 makes appealable): it is final when withdrawn.",
)
UK_HUB_TALKS = c.cite(
    "The National, UK begins talks to send failed asylum seekers abroad (15 May 2025)",
    "https://www.thenationalnews.com/news/uk/2025/05/15/uk-begins-talks-to-send-failed-asylum-seekers-abroad/",
    note="Hubs are for people who have exhausted all appeal routes.",
)
AAA = c.cite(
    "R (AAA) v SSHD [2023] UKSC 42 (press summary)",
    "https://caselaw.nationalarchives.gov.uk/uksc/2023/42/press-summary/1",
)


def _notice_not_served_or_running(ctx: Context) -> pl.Expr:
    served, ends = col("removal_notice_served_on"), col("notice_period_ends_on")
    # A notice served before the latest decision that made the person removable (a refusal of further
    # submissions, a dismissed appeal...) was about a decision since replaced: it no longer counts.
    stale = (served < col("removability_decided_on")).fill_null(False)
    return served.is_null() | stale | (ctx.today <= ends).fill_null(True)


def _departure_details_missing(ctx: Context) -> pl.Expr:
    details = col("departure_details_served_on")
    # The departure details must follow the notice of intention they complete, and the latest decision.
    before_notice = (details < col("removal_notice_served_on")).fill_null(True)
    before_decision = (details < col("removability_decided_on")).fill_null(False)
    return details.is_null() | (details > ctx.today) | before_notice | before_decision


def _fitness_assessment_out_of_date(ctx: Context) -> pl.Expr:
    days = ctx.int_param("fitness_to_fly.valid_days")
    return col("fitness_assessed_on") < pl.lit(ctx.as_of - timedelta(days=days), dtype=pl.Date)


def _unfit_on_a_current_assessment(ctx: Context) -> pl.Expr:
    # An old finding either way calls for a fresh assessment (FTFS), not a bar or a pass.
    return c.unfit_to_fly(ctx) & ~_fitness_assessment_out_of_date(ctx).fill_null(False)


def _aar_at_or_above_review_level(ctx: Context) -> pl.Expr:
    return col("adults_at_risk_level") >= ctx.int_param("adults_at_risk.review_level")


def _nrm_bars(ctx: Context) -> pl.Expr:
    return col("nrm_bar_ground").is_not_null()


def _family_or_article8(ctx: Context) -> pl.Expr:
    return (
        col("article8_pending").fill_null(True)
        | col("family_in_uk").fill_null(True)
        | col("family_has_minors")
    )


def _under_age_by_recorded_birth(ctx: Context) -> pl.Expr:
    return col("age_by_recorded_date_of_birth") < ctx.int_param("age.majority")


def _age_dispute_open(ctx: Context) -> pl.Expr:
    return col("age_dispute_open")


def _resolved(ctx: Context) -> pl.Expr:
    # An unknown dispute status reads as "not open", as in ``is_minor``.
    return col("age_dispute_outcome").is_not_null() & ~col("age_dispute_open").fill_null(False)


def _assessed_adult(ctx: Context) -> pl.Expr:
    majority = ctx.int_param("age.majority")
    with_date = col("assessed_date_of_birth").is_not_null() & (
        col("age_by_assessed_date_of_birth") >= majority
    )
    without_date = col("assessed_date_of_birth").is_null() & (col("age_dispute_outcome") == "adult")
    return _resolved(ctx) & (with_date | without_date)


def _assessed_minor(ctx: Context) -> pl.Expr:
    majority = ctx.int_param("age.majority")
    with_date = col("assessed_date_of_birth").is_not_null() & (
        col("age_by_assessed_date_of_birth") < majority
    )
    without_date = col("assessed_date_of_birth").is_null() & (col("age_dispute_outcome") == "minor")
    return _resolved(ctx) & (with_date | without_date)


AGE_DISPUTE_SOURCE = c.cite(
    "Home Office, Assessing age (version 6.0, published for Home Office staff on 31 March 2023)",
    "https://www.gov.uk/government/publications/assessing-age-instruction/assessing-age-accessible",
    note="A person whose claim to be a child is doubted is treated as a child until their age is assessed "
    "(benefit of the doubt), unless their appearance and demeanour very strongly suggest they are "
    "significantly over 18 (this pack does not code that exception: an open dispute always bars).",
)
NABA_AGE = c.cite(
    "Nationality and Borders Act 2022, Part 4, ss.49-58 (age assessments)",
    "https://www.legislation.gov.uk/ukpga/2022/36/part/4",
    "ss.49-58",
    "Statutory age assessments (National Age Assessment Board from 31 March 2023) and the appeal against "
    "them; the sections' wording was not read in the research (UNVERIFIED).",
)
MAJORITY = c.cite(
    "Family Law Reform Act 1969, section 1",
    "https://www.legislation.gov.uk/ukpga/1969/46/section/1",
    "s.1(1)",
)

RULES: tuple[Rule, ...] = (
    Rule(
        id="R1",
        title="Claim finally refused: a refusal or inadmissibility with appeal rights exhausted, or a "
        "withdrawal, and no leave granted",
        kind=Kind.BAR,
        citations=(
            c.cite(
                "Nationality, Immigration and Asylum Act 2002, s.78 (no removal while appeal pending)",
                "https://www.legislation.gov.uk/ukpga/2002/41/section/78",
                "s.78(1)",
            ),
            UK_HUB_TALKS,
            WITHDRAWN_CLAIMS,
        ),
        in_force_from=PACK_START,
        stages=ALL_STAGES,
        facts=(
            "claim_outcome",
            "claim_decided_on",
            "appeal_pending",
            "appeal_rights_exhausted_on",
            "article8_outcome",
        ),
        fails=c.appeal_rights_not_exhausted,
        reason_fails="the claim is not finally refused (decision: {claim_outcome} on {claim_decided_on}; "
        "appeal rights exhausted on: {appeal_rights_exhausted_on}; appeal pending: {appeal_pending}; "
        "Article 8 outcome: {article8_outcome})",
        reason_passes="claim finally refused (decision: {claim_outcome} on {claim_decided_on}; appeal rights "
        "exhausted on {appeal_rights_exhausted_on}), no appeal pending, no leave",
        description="A refusal, certification or inadmissibility decision needs appeal rights exhausted "
        "after it; a withdrawn claim is final when withdrawn while the dated parameter "
        "asylum.withdrawn_claim_is_final says so (paragraph 333C). No decision recorded means not final.",
    ),
    Rule(
        id="R2",
        title="No further submissions awaiting a decision (paragraph 353A)",
        kind=Kind.BAR,
        citations=(
            c.cite(
                "Immigration Rules, Part 12, paragraphs 353 and 353A",
                "https://www.gov.uk/guidance/immigration-rules/immigration-rules-part-12-procedure-and-rights-of-appeal",
                "353A",
                "An applicant who has made further submissions shall not be removed before they "
                "are considered.",
            ),
        ),
        in_force_from=PACK_START,
        stages=ALL_STAGES,
        facts=("further_submissions_pending", "further_submissions_lodged_on", "further_submissions_outcome"),
        fails=c.further_submissions_pending,
        reason_fails="further submissions lodged on {further_submissions_lodged_on} are not yet decided",
        reason_passes="no further submissions awaiting a decision",
    ),
    Rule(
        id="R3",
        title="No judicial review pending and no injunction in force",
        kind=Kind.BAR,
        citations=(HOME_OFFICE_JR,),
        in_force_from=PACK_START,
        stages=ALL_STAGES,
        facts=(
            "judicial_review_pending",
            "judicial_review_lodged_on",
            "injunction_in_force",
            "injunction_granted_on",
        ),
        fails=c.judicial_review_or_injunction,
        reason_fails="judicial review pending: {judicial_review_pending} (lodged "
        "{judicial_review_lodged_on}); "
        "injunction in force: {injunction_in_force} (granted {injunction_granted_on})",
        reason_passes="no judicial review pending and no injunction in force",
        description="Any pending judicial review is treated as suspensive (the conservative reading).",
    ),
    Rule(
        id="R4",
        title="No ECtHR Rule 39 interim measure in force",
        kind=Kind.BAR,
        citations=(
            c.cite(
                "N.S.K. v United Kingdom (28774/22), interim measure of 14 June 2022",
                "https://beta.bailii.org/eu/cases/ECHR/2022/585.html",
                note="Not to be removed until three weeks after the final domestic decision.",
            ),
            c.cite(
                "Rule 39 of the Rules of Court as amended (in force 28 March 2024)",
                "https://insights.doughtystreet.co.uk/post/102j49b/interim-measures-at-the-european-court-of-human-rights-form-substance-future",
                "Rule 39(1)",
            ),
        ),
        in_force_from=PACK_START,
        stages=ALL_STAGES,
        facts=(
            "rule39_granted_on",
            "rule39_expires_on",
            "rule39_expires_after_event",
            "rule39_expires_after_days",
            "rule39_lifted_on",
            "rule39_in_force",
        ),
        fails=c.rule39_in_force,
        reason_fails="Rule 39 measure granted on {rule39_granted_on} is in force (ends on "
        "{rule39_expires_on}; "
        "or {rule39_expires_after_days} days after {rule39_expires_after_event})",
        reason_passes="no Rule 39 measure in force (granted {rule39_granted_on}, lifted {rule39_lifted_on}, "
        "ended {rule39_expires_on})",
    ),
    Rule(
        id="R5",
        title="Notice of removal served and its notice period over",
        kind=Kind.BAR,
        citations=(
            c.cite(
                "Immigration and Asylum Act 1999, s.10A (inserted by s.46 Nationality and Borders Act 2022)",
                "https://www.legislation.gov.uk/ukpga/1999/33/section/10A",
                "s.10A(2)",
            ),
            c.cite(
                "Home Office, Enforced removals: notice periods (v2.0, 13 May 2024)",
                "https://gov.uk/government/publications/returns-preparation/enforced-removals-notice-periods-accessible-version",
            ),
        ),
        in_force_from=STATUTORY_NOTICE,
        stages=frozenset({Stage.DEPARTURE}),
        facts=("removal_notice_served_on", "notice_period_ends_on", "removability_decided_on", "detained"),
        fails=_notice_not_served_or_running,
        reason_fails="no notice of intention to remove served since the latest decision of "
        "{removability_decided_on}, or its period has not ended (served on {removal_notice_served_on}; "
        "removal barred up to and including {notice_period_ends_on})",
        reason_passes="notice served on {removal_notice_served_on}, after the latest decision of "
        "{removability_decided_on}; the period ended on {notice_period_ends_on}",
    ),
    Rule(
        id="R5D",
        title="Notice of departure details served",
        kind=Kind.BAR,
        citations=(
            c.cite(
                "Immigration and Asylum Act 1999, s.10A (inserted by s.46 Nationality and Borders Act 2022)",
                "https://www.legislation.gov.uk/ukpga/1999/33/section/10A",
                "s.10A(2)",
                "Removal needs a notice of intention to remove and a notice of departure details (research "
                "7.7). Any separate period for the departure-details notice is UNVERIFIED: none is applied.",
            ),
            c.cite(
                "Home Office, Service of removal notices and departure details (Detention Services Order, "
                "December 2023)",
                "https://fly1.wordsworth.site/government/publications/notification-of-removal-directions-to-detainees/service-of-removal-notices-and-departure-details-accessible-version",
            ),
        ),
        in_force_from=STATUTORY_NOTICE,
        stages=frozenset({Stage.DEPARTURE}),
        facts=("departure_details_served_on", "removal_notice_served_on", "removability_decided_on"),
        fails=_departure_details_missing,
        reason_fails="no notice of departure details served after the notice of intention of "
        "{removal_notice_served_on} and the latest decision of {removability_decided_on} (departure "
        "details served on {departure_details_served_on})",
        reason_passes="departure details served on {departure_details_served_on}",
    ),
    Rule(
        id="R8",
        title="Adult at risk (evidence level 2 or above): senior caseworker's decision",
        kind=Kind.REVIEW,
        citations=(
            AAR_GUIDANCE,
            c.cite(
                "Immigration Act 2016, s.59 (guidance on detention of vulnerable persons)",
                "https://www.legislation.gov.uk/ukpga/2016/19/section/59",
            ),
        ),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=("adults_at_risk_level", "adults_at_risk_assessed_on"),
        fails=_aar_at_or_above_review_level,
        applies=lambda ctx: col("adults_at_risk_level").is_not_null(),
        reason_fails="assessed as an adult at risk at level {adults_at_risk_level} on "
        "{adults_at_risk_assessed_on}",
        reason_passes="adult-at-risk level {adults_at_risk_level} is below the review level",
        reason_not_applicable="no Adults-at-Risk assessment recorded",
    ),
    Rule(
        id="R9",
        title="No NRM protection running (referral, recovery period, reconsideration)",
        kind=Kind.BAR,
        citations=(
            c.cite(
                "Nationality and Borders Act 2022, s.64 (s.50A Modern Slavery Act 2015)",
                "https://legislation.gov.uk/ukpga/2022/36/section/64/data.html",
                note="Removal barred until the later of the CG decision and RG + recovery "
                "period (research 7.3).",
            ),
            c.cite(
                "CTK v SSHD [2025] EWCA Civ 1264 (reconsideration window)",
                "https://www.casemine.com/commentary/uk/no-removal-while-your-own-guidance-promises-a-30%E2%80%91day-nrm-reconsideration:-secretary-of-state-must-preserve-reconsideration-opportunity-offered-under-statutory-guidance/view",
            ),
            c.cite(
                "Nationality and Borders Act 2022, s.63 (public-order disqualification)",
                "https://legislation.gov.uk/ukpga/2022/36/section/63",
                note="Not encoded: the event catalogue has no s.63 determination, so protection "
                "never ends early.",
            ),
        ),
        in_force_from=PACK_START,
        stages=ALL_STAGES,
        facts=(
            "nrm_referred_on",
            "nrm_reasonable_grounds",
            "nrm_reasonable_grounds_on",
            "nrm_conclusive_grounds",
            "nrm_conclusive_grounds_on",
            "nrm_reconsideration_requested_on",
            "nrm_reconsideration_outcome",
            "nrm_recovery_ends_on",
            "nrm_reconsideration_window_ends_on",
            "nrm_bar_ground",
        ),
        fails=_nrm_bars,
        reason_fails="NRM bars removal: {nrm_bar_ground} (RG {nrm_reasonable_grounds} on "
        "{nrm_reasonable_grounds_on}; recovery to {nrm_recovery_ends_on}; reconsideration window to "
        "{nrm_reconsideration_window_ends_on}; CG {nrm_conclusive_grounds})",
        reason_passes="no NRM referral, or its protections have ended",
    ),
    Rule(
        id="R10",
        title="Not a child, and no age dispute open",
        kind=Kind.BAR,
        citations=(MAJORITY, AGE_DISPUTE_SOURCE, NABA_AGE),
        in_force_from=PACK_START,
        stages=ALL_STAGES,
        facts=(
            "date_of_birth",
            "age_by_recorded_date_of_birth",
            "age_dispute_open",
            "age_dispute_outcome",
            "assessed_date_of_birth",
            "age_by_assessed_date_of_birth",
        ),
        fails=_under_age_by_recorded_birth,
        reason_fails="aged {age_by_recorded_date_of_birth} by the recorded date of birth {date_of_birth}",
        reason_passes="aged {age_by_recorded_date_of_birth} by the recorded date of birth {date_of_birth}",
    ),
    Rule(
        id="R11",
        title="Family life in the UK or an Article 8 claim: senior caseworker's decision",
        kind=Kind.REVIEW,
        citations=(
            c.cite(
                "European Convention on Human Rights, Article 8 (Human Rights Act 1998, Schedule 1)",
                "https://www.legislation.gov.uk/ukpga/1998/42/schedule/1",
                "Article 8",
            ),
            c.cite(
                "Express & Star, UK to begin talks on return hubs (15 May 2025)",
                "https://cdn-www.expressandstar.mna.arcpublishing.com/uk-news/2025/05/15/uk-to-begin-talks-on-return-hubs-for-failed-asylum-seekers",
                note="Article 8 claims arise after appeal rights are exhausted: checked at "
                "every transfer step.",
            ),
        ),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=(
            "article8_pending",
            "article8_lodged_on",
            "article8_outcome",
            "family_in_uk",
            "family_has_minors",
        ),
        fails=_family_or_article8,
        reason_fails="Article 8 claim pending: {article8_pending}; family in the UK: {family_in_uk}; "
        "children in the family unit: {family_has_minors}",
        reason_passes="no Article 8 claim pending and no family in the UK recorded",
    ),
    Rule(
        id="R12",
        title="Agreement in force and hub country safe for this person",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        citations=(
            AAA,
            c.cite(
                "11KBW, Supreme Court rules Rwanda deportation policy unlawful",
                "https://11kbw.com/knowledge-events/case/supreme-court-rules-rwanda-deportation-policy-unlawful",
            ),
        ),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=("nationality", "sex", "hub_referred_to"),
        term_facts=(
            "agreement",
            "hub_country",
            "in_force",
            "unsafe_for_nationalities",
            "unsafe_for_profiles",
            "hubs",
        ),
        fails=c.hub_country_unsafe_or_not_in_force,
        reason_fails="agreement {agreement} ({hub_country}): in force {in_force}; unsafe for nationalities "
        "{unsafe_for_nationalities}; unsafe for profiles {unsafe_for_profiles}; referred hub "
        "{hub_referred_to} "
        "(agreement hubs {hubs})",
        reason_passes="agreement {agreement} is in force and {hub_country} is assessed safe for a {sex} "
        "national of {nationality}",
    ),
    Rule(
        id="R12P",
        title="Hub country unsafe for a profile the case record cannot show: senior caseworker's decision",
        kind=Kind.REVIEW,
        scope=Scope.AGREEMENT,
        citations=(AAA,),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=("nationality", "sex"),
        term_facts=("agreement", "unrecorded_unsafe_profiles"),
        fails=c.unrecorded_risk_profile,
        applies=c.agreement_in_force,
        reason_fails="{agreement}: the hub country is assessed unsafe for "
        "{unrecorded_unsafe_profiles}; confirm "
        "the person does not have that profile",
        reason_passes="{agreement}: no unsafe profile beyond what the case record shows",
        reason_not_applicable="{agreement} is not in force",
    ),
    Rule(
        id="R14",
        title="Within the agreement's scope (nationalities, excluded groups)",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        citations=(
            c.cite(
                "Government of the Netherlands, The Netherlands and Uganda make agreements on "
                "return via Uganda",
                "https://openrijk.nl/en/ministeries/justitie-en-veiligheid/artikel/fd843daf-30c6-4622-a52e-9df70224198b/the-netherlands-and-uganda-make-agreements-on-return-via-uganda",
                note="Nationality scope of a hub agreement (R14 model).",
            ),
        ),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=("nationality", "sex", "is_minor", "family_unit_id", "family_has_minors", "is_vulnerable"),
        term_facts=(
            "agreement",
            "hub_country",
            "nationalities_in_scope",
            "excluded_groups",
            "unknown_excluded_groups",
        ),
        fails=c.outside_agreement_scope,
        reason_fails="{agreement}: nationality {nationality} against scope "
        "{nationalities_in_scope}; excluded "
        "groups {excluded_groups} (minor {is_minor}, children in family {family_has_minors}, vulnerable "
        "{is_vulnerable}, sex {sex}); unknown groups {unknown_excluded_groups}",
        reason_passes="{agreement}: nationality {nationality} in scope and in no excluded group",
    ),
    Rule(
        id="FTF",
        title="Fit to fly",
        kind=Kind.BAR,
        citations=(
            c.cite(
                "Home Office, Arranging removal (v5.0, 13 May 2024): fitness to fly",
                "https://gov.uk/government/publications/returns-preparation/arranging-removal-accessible",
                "Fitness to fly: considerations",
            ),
        ),
        in_force_from=PACK_START,
        stages=frozenset({Stage.MANIFEST_LOCK, Stage.DEPARTURE, Stage.ONWARD_RETURN}),
        facts=("fit_to_fly", "fitness_assessed_on"),
        fails=_unfit_on_a_current_assessment,
        reason_fails="assessed unfit to fly on {fitness_assessed_on}",
        reason_passes="not assessed unfit to fly on a current assessment (last assessment "
        "{fitness_assessed_on})",
    ),
    Rule(
        id="FTFS",
        title="Fitness-to-fly assessment out of date: a fresh assessment, with a senior caseworker's "
        "decision",
        kind=Kind.REVIEW,
        citations=(
            c.cite(
                "Home Office, Arranging removal (v5.0, 13 May 2024): fitness to fly",
                "https://gov.uk/government/publications/returns-preparation/arranging-removal-accessible",
                "Fitness to fly: considerations",
                "How long an assessment stays valid is an ASSUMPTION of this pack (parameter "
                "fitness_to_fly.valid_days).",
            ),
        ),
        in_force_from=PACK_START,
        stages=frozenset({Stage.MANIFEST_LOCK, Stage.DEPARTURE, Stage.ONWARD_RETURN}),
        facts=("fit_to_fly", "fitness_assessed_on"),
        fails=_fitness_assessment_out_of_date,
        applies=lambda ctx: col("fitness_assessed_on").is_not_null(),
        reason_fails="the last fitness-to-fly assessment, of {fitness_assessed_on}, is too old to rely on: "
        "a fresh assessment is needed",
        reason_passes="fitness to fly assessed on {fitness_assessed_on}, recently enough",
        reason_not_applicable="no fitness-to-fly assessment recorded",
    ),
    Rule(
        id="MED",
        title="Serious medical condition: senior caseworker's decision",
        kind=Kind.REVIEW,
        citations=(
            AAR_GUIDANCE,
            c.cite(
                "Ombudsmen's visit to Gjadër: 15 releases for health incompatibility (secondary copy)",
                "https://1zixun.com/?p=2365",
            ),
        ),
        in_force_from=PACK_START,
        stages=ALL_STAGES,
        facts=("serious_medical_condition", "fitness_assessed_on"),
        fails=c.serious_medical_condition,
        reason_fails="a serious medical condition was recorded on {fitness_assessed_on}",
        reason_passes="no serious medical condition recorded",
    ),
)

OVERRIDES: tuple[Override, ...] = (
    Override(
        id="R10.dispute_open",
        rule="R10",
        title="An open age dispute bars, whatever the recorded age",
        priority=2,
        outcome=Outcome.BAR,
        when=_age_dispute_open,
        citations=(AGE_DISPUTE_SOURCE,),
        in_force_from=PACK_START,
        reason="age dispute raised on {age_dispute_raised_on} is open",
        facts=("age_dispute_open", "age_dispute_raised_on"),
    ),
    Override(
        id="R10.assessed_adult",
        rule="R10",
        title="A resolved age assessment finding an adult displaces the recorded date of birth",
        priority=1,
        outcome=Outcome.PASS,
        when=_assessed_adult,
        citations=(AGE_DISPUTE_SOURCE, MAJORITY),
        in_force_from=PACK_START,
        reason="age dispute resolved on {age_dispute_resolved_on}: assessed an adult (aged "
        "{age_by_assessed_date_of_birth} by the assessed date of birth {assessed_date_of_birth})",
        facts=("age_dispute_outcome", "age_dispute_resolved_on", "assessed_date_of_birth"),
    ),
    Override(
        id="R10.assessed_minor",
        rule="R10",
        title="A resolved age assessment finding a child displaces the recorded date of birth",
        priority=1,
        outcome=Outcome.BAR,
        when=_assessed_minor,
        citations=(AGE_DISPUTE_SOURCE, MAJORITY),
        in_force_from=PACK_START,
        reason="age dispute resolved on {age_dispute_resolved_on}: assessed a child (aged "
        "{age_by_assessed_date_of_birth} by the assessed date of birth {assessed_date_of_birth})",
        facts=("age_dispute_outcome", "age_dispute_resolved_on", "assessed_date_of_birth"),
    ),
)

DERIVED: tuple[DerivedFact, ...] = (
    *c.AGE_AND_FAMILY,
    DerivedFact(
        "notice_period_ends_on",
        pl.Date(),
        "Last working day of the removal notice period (notice date plus the working days then in force).",
        c.notice_period_ends_on,
        ("removal_notice.working_days", "calendar.bank_holidays"),
    ),
    *c.NRM,
)
