"""The EU pack's rules: each bar and review one Polars expression over the facts, with its citations and
dates (the draft Return Regulation's proposals never decide; the Italy-Albania protocol's rules bind
Italy's agreements only); the facts the rules derive (age, family, detention periods). ``pack.py``
assembles them with the exclusions."""

from __future__ import annotations

from datetime import date

import polars as pl

from returnhub.safeguards.packs import common as c
from returnhub.safeguards.rules import (
    ALL_STAGES,
    TRANSFER_STAGES,
    Context,
    DerivedFact,
    Kind,
    Rule,
    Scope,
    Stage,
    Status,
)

col = pl.col
PACK_START = date(2023, 11, 6)  # Italy-Albania protocol signed
SAFE_LIST_FROM = date(2024, 10, 23)  # DL 158/2024 (the register's list says when it applies)
ITALY = frozenset({"ITA"})

ARTICLE_17 = c.cite(
    "Proposal for a Return Regulation, COM(2025) 101, art. 17 (return hubs)",
    "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:52025PC0101",
    "art. 17",
    "UNVERIFIED verbatim text (research 7.1): agreement or arrangement, human-rights standards and "
    "non-refoulement, monitoring mechanism confirmed from secondary sources. A proposal, not adopted law.",
)
FINAL_DECISION = c.cite(
    "New proposal for a regulation establishing a common return system (summary)",
    "https://dev.infinity-dt.com/news/new-proposal-regulation-establishing-common-return-system-has-been-released",
    note="A hub may receive only a person with a final return decision.",
)
ALBANIA_EXCLUSIONS = c.cite(
    "Sky TG24, Albania - Italy begins transferring migrants",
    "https://video.sky.it/news/mondo/video/albania-litalia-inizia-il-trasferimento-dei-migranti-958476/amp",
    note="Only adult men who are not vulnerable; children, women and vulnerable people go to Italy.",
)
CPR_VALIDATION = c.cite(
    "Italy News, Italy transfers 40 migrants under new repatriation scheme (April 2025)",
    "https://italynews.online/news-from-italy-in-english/italy-transfers-40-migrants-under-new-repatriation-scheme",
    note="Gjadër as a CPR for people with deportation orders and judicial validation of detention.",
)
NON_REFOULEMENT = c.cite(
    "European Convention on Human Rights, Article 3 (no return to a real risk of ill-treatment)",
    "https://www.echr.coe.int/documents/d/echr/convention_ENG",
    "Article 3",
    "Binding on every EU sending state; with the protocol's own terms it is the law behind EU-R7.",
)
PROTOCOL = c.cite(
    "UIS Journal, Italy-Albania migrant protocol to the Court of Justice",
    "https://uisjournal.com/italy-albania-migrant-protocol-to-the-court-of-justice-what-are-the-points-and-possible-developments/",
    note="The protocol of 6 November 2023, applied under Italian law.",
)
VALIDATION_48H = c.cite(
    "Morning Italy, Rome judges halt validation of Albania detentions (no validation within the legally "
    "required 48 hours)",
    "https://morningitaly.com/?p=14238",
    note="From the first transfers in October 2024 every detention order for Gjadër had to be validated by "
    "a Rome judge within 48 hours, else the person was released and brought to Italy.",
)
ROME_COURT = c.cite(
    "Reuters, Rome court rejects orders to detain migrants in Albania (18 October 2024)",
    "https://d2233.cms.socastsrm.com/?p=1387801",
)
SUSPENSIVE = c.cite(
    "The EU redefines returns (suspensive effect of appeals under the proposal)",
    "https://blogrise.altervista.org/the-european-union-redefines-returns-finding-a-balance-between-efficiency-and-fundamental-rights/",
    note="Suspension would no longer be automatic except where non-refoulement is at stake; any pending "
    "remedy is treated as suspensive here (the conservative reading).",
)


def _not_adult_man(ctx: Context) -> pl.Expr:
    return (col("sex") != "M").fill_null(True) | col("is_minor")


def _vulnerable_or_unassessed(ctx: Context) -> pl.Expr:
    # The EU vulnerability assessment, not the UK Adults-at-Risk level; no assessment, no transfer.
    return col("is_vulnerable") | col("vulnerability_assessed_on").is_null()


def _family_with_minors_excluded(ctx: Context) -> pl.Expr:
    if not ctx.param("eu.return_hubs.exclude_families_with_minors"):
        return pl.lit(False)
    return col("family_has_minors") | col("is_minor")


def _detention_beyond_maximum(ctx: Context) -> pl.Expr:
    today = ctx.today
    beyond_maximum = (today > col("detention_ends_on")).fill_null(True)
    # Past the first period each extension needs a judge: the latest validation must cover today.
    unextended = (today > col("detention_initial_ends_on")).fill_null(True) & (
        (today > col("detention_extension_ends_on")).fill_null(True)
    )
    return beyond_maximum | unextended


def _judicial_validation_required(ctx: Context) -> pl.Expr:
    if not ctx.agreement.requires_judicial_validation_of_detention:
        return pl.lit(False)
    detained_on, validated_on = col("detained_on"), col("detention_validated_on")
    window = ctx.int_param("it.detention.validation_window_days")
    # The first validation must come within the window; later ones are extensions (EU-R16).
    late = (col("detention_first_validated_on") > detained_on + pl.duration(days=window)).fill_null(True)
    refused_on = col("detention_validation_refused_on")
    refused = refused_on.is_not_null() & (validated_on.is_null() | (refused_on >= validated_on)).fill_null(
        True
    )
    return ~col("detained").fill_null(False) | validated_on.is_null() | late | refused


RULES: tuple[Rule, ...] = (
    Rule(
        id="EU-R1",
        title="Final return decision (appeal rights exhausted)",
        kind=Kind.BAR,
        citations=(FINAL_DECISION, ARTICLE_17),
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
        reason_fails="no final return decision (decision {claim_outcome} on {claim_decided_on}; "
        "appeal rights "
        "exhausted on {appeal_rights_exhausted_on}; appeal pending {appeal_pending})",
        reason_passes="final since {appeal_rights_exhausted_on} (decision {claim_outcome} on "
        "{claim_decided_on})",
    ),
    Rule(
        id="EU-R3",
        title="No remedy pending (further submissions, judicial review, injunction)",
        kind=Kind.BAR,
        citations=(SUSPENSIVE,),
        in_force_from=PACK_START,
        stages=ALL_STAGES,
        facts=("further_submissions_pending", "judicial_review_pending", "injunction_in_force"),
        fails=c.suspensive_remedy_pending,
        reason_fails="remedy pending: further submissions {further_submissions_pending}, judicial review "
        "{judicial_review_pending}, injunction {injunction_in_force}",
        reason_passes="no remedy pending",
        codes=(2,),
    ),
    Rule(
        id="EU-R4",
        title="No ECtHR Rule 39 interim measure in force",
        kind=Kind.BAR,
        citations=(
            c.cite(
                "Rule 39 of the Rules of Court as amended (in force 28 March 2024)",
                "https://insights.doughtystreet.co.uk/post/102j49b/interim-measures-at-the-european-court-of-human-rights-form-substance-future",
                "Rule 39(1)",
            ),
        ),
        in_force_from=PACK_START,
        stages=ALL_STAGES,
        facts=("rule39_granted_on", "rule39_expires_on", "rule39_lifted_on", "rule39_in_force"),
        fails=c.rule39_in_force,
        reason_fails="Rule 39 measure granted on {rule39_granted_on} is in force (ends {rule39_expires_on})",
        reason_passes="no Rule 39 measure in force",
    ),
    Rule(
        id="EU-R6A",
        title="Adult men only (Italy-Albania)",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        law_of=ITALY,
        citations=(ALBANIA_EXCLUSIONS,),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=("sex", "age_on_as_of", "age_dispute_open", "is_minor"),
        term_facts=("agreement",),
        fails=_not_adult_man,
        reason_fails="sex {sex}, aged {age_on_as_of}, age dispute open {age_dispute_open}: only adult men",
        reason_passes="an adult man aged {age_on_as_of}",
        codes=(10,),
    ),
    Rule(
        id="EU-R6V",
        title="Not vulnerable, on a recorded EU vulnerability assessment (Italy-Albania)",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        law_of=ITALY,
        citations=(ALBANIA_EXCLUSIONS,),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=(
            "is_vulnerable",
            "vulnerable",
            "vulnerability_assessed_on",
            "serious_medical_condition",
            "nrm_reasonable_grounds",
        ),
        term_facts=("agreement",),
        fails=_vulnerable_or_unassessed,
        reason_fails="vulnerable {is_vulnerable} (EU vulnerability assessment of "
        "{vulnerability_assessed_on}: "
        "vulnerable {vulnerable}; no assessment means no transfer)",
        reason_passes="assessed on {vulnerability_assessed_on}: not vulnerable",
        codes=(8, 9),
    ),
    Rule(
        id="EU-R6S",
        title="National of a country on Italy's safe-country list in the partners register (Italy-Albania)",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        law_of=ITALY,
        citations=(
            c.cite(
                "CJEU, Alace and Canpelli (C-758/24 and C-759/24), 1 August 2025",
                "https://agenparl.eu/2025/08/01/press-release-103-25-judgment-of-the-court-in-joined-cases-c-758-24-alace-and-c-759-24-canpelli",
                note="A designation must be open to effective judicial review with disclosable sources: the "
                "register keeps each list with its sources and leaves out entries with exceptions.",
            ),
        ),
        in_force_from=SAFE_LIST_FROM,
        stages=TRANSFER_STAGES,
        facts=("nationality",),
        term_facts=("agreement", "safe_countries_of_origin"),
        fails=c.not_from_designated_safe_country,
        reason_fails="{agreement}: nationality {nationality} is not on the sending state's registered "
        "safe-country list ({safe_countries_of_origin})",
        reason_passes="{agreement}: nationality {nationality} is on the sending state's registered "
        "safe-country "
        "list",
        codes=(13,),
    ),
    Rule(
        id="EU-R7",
        title="Agreement in force and hub country safe (non-refoulement)",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        citations=(NON_REFOULEMENT, PROTOCOL),
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
        "{unsafe_for_nationalities}, profiles {unsafe_for_profiles}; referred hub {hub_referred_to} "
        "(agreement "
        "hubs {hubs})",
        reason_passes="{agreement} is in force and {hub_country} is assessed safe for this person",
        codes=(12,),
    ),
    Rule(
        id="EU-R7M",
        title="The arrangement has a monitoring mechanism (draft Return Regulation)",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        status=Status.PROPOSAL,
        citations=(ARTICLE_17,),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=(),
        term_facts=("agreement", "monitoring_body"),
        fails=c.agreement_unmonitored,
        reason_fails="{agreement} names no monitoring body",
        reason_passes="{agreement} is monitored by {monitoring_body}",
    ),
    Rule(
        id="EU-R7P",
        title="Hub country unsafe for a profile the case record cannot show: senior caseworker's decision",
        kind=Kind.REVIEW,
        scope=Scope.AGREEMENT,
        citations=(NON_REFOULEMENT,),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=("nationality", "sex"),
        term_facts=("agreement", "unrecorded_unsafe_profiles"),
        fails=c.unrecorded_risk_profile,
        applies=c.agreement_in_force,
        reason_fails="{agreement}: the hub country is assessed unsafe for {unrecorded_unsafe_profiles}",
        reason_passes="{agreement}: no unsafe profile beyond what the case record shows",
        reason_not_applicable="{agreement} is not in force",
        codes=(12,),
    ),
    Rule(
        id="EU-R7S",
        title="Within the agreement's scope (nationalities, excluded groups)",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        citations=(PROTOCOL, ALBANIA_EXCLUSIONS),
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
        reason_fails="{agreement}: nationality {nationality} against scope {nationalities_in_scope}; "
        "excluded "
        "groups {excluded_groups}",
        reason_passes="{agreement}: in scope and in no excluded group",
        codes=(14, 11),
    ),
    Rule(
        id="EU-R7F",
        title="No families with minor children and no unaccompanied minors (draft Return Regulation)",
        kind=Kind.BAR,
        status=Status.PROPOSAL,
        citations=(
            c.cite(
                "European Parliament draft report on the Return Regulation (11 November 2025)",
                "https://www.netherlandsbrief.com/article/868982124-european-parliament-draft-report-on-return-regulation",
                note="UNVERIFIED for the Commission text and the Council position (research 7.1).",
            ),
            ARTICLE_17,
        ),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=("is_minor", "family_unit_id", "family_has_minors"),
        fails=_family_with_minors_excluded,
        reason_fails="a child ({is_minor}) or a family with children ({family_has_minors})",
        reason_passes="no minor children in the family unit",
        description="A proposal: under the Italy-Albania protocol children and families are excluded by the "
        "agreement's own terms (EU-R7S).",
    ),
    Rule(
        id="EU-R16",
        title="Detention within Italy's maximum, extended by a judge past the first period",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        law_of=ITALY,
        citations=(
            c.cite(
                "Penale Diritto e Procedura, CPR e trattenimento fino a 18 mesi",
                "https://www.penaledp.it/immigrazione-cpr-e-trattenimento-fino-a-18-mesi/",
                "art. 14(5) d.lgs. 286/1998",
                "Six months, extendable by a judge at the Questore's request in three-month steps to 18 "
                "months "
                "in total (research 7.4).",
            ),
            c.cite(
                "Return Directive 2008/115/EC, art. 15(5)-(6) (Mahdi, C-146/14 PPU)",
                "https://eur-lex.europa.eu/legal-content/en/TXT/?uri=CELEX%3A62014CP0146",
                "art. 15(5)-(6)",
            ),
        ),
        in_force_from=PACK_START,
        stages=frozenset({Stage.MANIFEST_LOCK, Stage.DEPARTURE, Stage.ONWARD_RETURN}),
        facts=(
            "detained",
            "detained_on",
            "detention_initial_ends_on",
            "detention_validated_on",
            "detention_extension_ends_on",
            "detention_ends_on",
        ),
        term_facts=("agreement",),
        fails=_detention_beyond_maximum,
        applies=c.is_detained,
        reason_fails="detained since {detained_on}: past the first period ({detention_initial_ends_on}) "
        "without "
        "a judge's extension covering today (last validation {detention_validated_on}, to "
        "{detention_extension_ends_on}), or past the maximum of {detention_ends_on}: release is due",
        reason_passes="detained since {detained_on}, within the first period to "
        "{detention_initial_ends_on} or "
        "a judge's extension to {detention_extension_ends_on}; the maximum runs to {detention_ends_on}",
        reason_not_applicable="not detained",
    ),
    Rule(
        id="EU-R17",
        title="Detention validated by a judge within 48 hours where the agreement requires it",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        citations=(
            VALIDATION_48H,
            ROME_COURT,
            CPR_VALIDATION,
            c.cite(
                "InfoMigrants, monitoring group criticism of Italy's Albanian centres",
                "http://freeb.infomigrants.net/en/post/67858/migration-monitoring-group-renews-criticism-of-italys-albanian-centers",
                note="About 70% were returned to Italy because detention was not validated by a judge.",
            ),
        ),
        in_force_from=PACK_START,
        stages=frozenset({Stage.MANIFEST_LOCK, Stage.DEPARTURE}),
        facts=(
            "detained",
            "detained_on",
            "detention_first_validated_on",
            "detention_validated_on",
            "detention_validation_refused_on",
        ),
        term_facts=("agreement", "requires_judicial_validation_of_detention"),
        fails=_judicial_validation_required,
        reason_fails="{agreement} requires detention validated by a judge within 48 hours: detained "
        "{detained} "
        "since {detained_on}, first validated {detention_first_validated_on}, validation refused "
        "{detention_validation_refused_on}",
        reason_passes="{agreement}: judicial validation not required, or given on {detention_validated_on}",
    ),
)

DERIVED: tuple[DerivedFact, ...] = (
    *c.AGE_AND_FAMILY,
    DerivedFact(
        "detention_ends_on",
        pl.Date(),
        "Detention start plus the maximum in force on that day.",
        lambda ctx: col("detained_on").dt.offset_by(
            ctx.param_by_date("it.cpr.maximum_detention", col("detained_on"), pl.String())
        ),
        ("it.cpr.maximum_detention",),
    ),
    DerivedFact(
        "detention_initial_ends_on",
        pl.Date(),
        "Detention start plus the first period (before any judicial extension) in force on that day.",
        lambda ctx: col("detained_on").dt.offset_by(
            ctx.param_by_date("it.cpr.initial_detention", col("detained_on"), pl.String())
        ),
        ("it.cpr.initial_detention",),
    ),
    DerivedFact(
        "detention_extension_ends_on",
        pl.Date(),
        "The latest judicial validation plus one extension step in force on the day detention began.",
        lambda ctx: col("detention_validated_on").dt.offset_by(
            ctx.param_by_date("it.cpr.extension_step", col("detained_on"), pl.String())
        ),
        ("it.cpr.extension_step",),
    ),
)
