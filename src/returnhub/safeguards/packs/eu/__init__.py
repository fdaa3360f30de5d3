"""The EU pack: the draft Return Regulation's return hubs (art. 17) and the Italy-Albania protocol.

Adult men only, not vulnerable, nationals of a designated safe country of origin, no families with minors,
detention validated by a judge and within its maximum, a final return decision, and an agreement in force
with a third country that respects human rights and non-refoulement and has a monitoring mechanism.
The Regulation is a proposal (COM(2025) 101, March 2025), not adopted law: see the citations' notes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from returnhub.safeguards.packs import common as c
from returnhub.safeguards.parameters import ParameterSet
from returnhub.safeguards.rules import (
    ALL_STAGES,
    TRANSFER_STAGES,
    Context,
    DerivedFact,
    Kind,
    Rule,
    RulePack,
    Scope,
    Stage,
)

col = pl.col
PACK_START = date(2023, 11, 6)  # Italy-Albania protocol signed
SAFE_LIST_FROM = date(2024, 10, 23)  # DL 158/2024 (date UNVERIFIED, see the parameter)

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
SUSPENSIVE = c.cite(
    "The EU redefines returns (suspensive effect of appeals under the proposal)",
    "https://blogrise.altervista.org/the-european-union-redefines-returns-finding-a-balance-between-efficiency-and-fundamental-rights/",
    note="Suspension would no longer be automatic except where non-refoulement is at stake; any pending "
    "remedy is treated as suspensive here (the conservative reading).",
)


def _not_adult_man(ctx: Context) -> pl.Expr:
    return (col("sex") != "M").fill_null(True) | col("is_minor")


def _vulnerable_or_unassessed(ctx: Context) -> pl.Expr:
    return col("is_vulnerable") | col("adults_at_risk_assessed_on").is_null()


def _not_from_safe_country(ctx: Context) -> pl.Expr:
    return ~col("nationality").is_in(list(ctx.param("it.safe_countries_of_origin")))


def _family_with_minors_excluded(ctx: Context) -> pl.Expr:
    if not ctx.param("eu.return_hubs.exclude_families_with_minors"):
        return pl.lit(False)
    return col("family_has_minors") | col("is_minor")


def _detention_beyond_maximum(ctx: Context) -> pl.Expr:
    return (ctx.today > col("detention_ends_on")).fill_null(True)


def _judicial_validation_required(ctx: Context) -> pl.Expr:
    if not ctx.agreement.requires_judicial_validation_of_detention:
        return pl.lit(False)
    return ~col("detained").fill_null(False) | col("detention_validated_on").is_null()


RULES: tuple[Rule, ...] = (
    Rule(
        id="EU-R1",
        title="Final return decision (appeal rights exhausted)",
        kind=Kind.BAR,
        citations=(FINAL_DECISION, ARTICLE_17),
        in_force_from=PACK_START,
        stages=ALL_STAGES,
        facts=("claim_outcome", "appeal_pending", "appeal_rights_exhausted_on", "article8_outcome"),
        fails=c.appeal_rights_not_exhausted,
        reason_fails="no final return decision (appeal rights exhausted on {appeal_rights_exhausted_on}; "
        "appeal pending {appeal_pending}; claim outcome {claim_outcome})",
        reason_passes="final since {appeal_rights_exhausted_on}",
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
        citations=(ALBANIA_EXCLUSIONS,),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=("sex", "age_on_as_of", "age_dispute_open", "is_minor"),
        fails=_not_adult_man,
        reason_fails="sex {sex}, aged {age_on_as_of}, age dispute open {age_dispute_open}: only adult men",
        reason_passes="an adult man aged {age_on_as_of}",
    ),
    Rule(
        id="EU-R6V",
        title="Not vulnerable, on a recorded vulnerability assessment (Italy-Albania)",
        kind=Kind.BAR,
        citations=(ALBANIA_EXCLUSIONS,),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=(
            "is_vulnerable",
            "adults_at_risk_level",
            "adults_at_risk_assessed_on",
            "serious_medical_condition",
            "nrm_reasonable_grounds",
        ),
        fails=_vulnerable_or_unassessed,
        reason_fails="vulnerable {is_vulnerable} (assessment level {adults_at_risk_level} on "
        "{adults_at_risk_assessed_on}; no assessment means no transfer)",
        reason_passes="assessed on {adults_at_risk_assessed_on}: not vulnerable",
    ),
    Rule(
        id="EU-R6S",
        title="National of a designated safe country of origin (Italy-Albania)",
        kind=Kind.BAR,
        citations=(
            c.cite(
                "CJEU, Alace and Canpelli (C-758/24 and C-759/24), 1 August 2025",
                "https://agenparl.eu/2025/08/01/press-release-103-25-judgment-of-the-court-in-joined-cases-c-758-24-alace-and-c-759-24-canpelli",
                note="A designation must be open to effective judicial review with disclosable sources.",
            ),
        ),
        in_force_from=SAFE_LIST_FROM,
        stages=TRANSFER_STAGES,
        facts=("nationality",),
        fails=_not_from_safe_country,
        reason_fails="{nationality} is not on the designated safe countries of origin list",
        reason_passes="{nationality} is a designated safe country of origin",
    ),
    Rule(
        id="EU-R7",
        title="Agreement in force, hub country safe (non-refoulement) and monitored",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        citations=(ARTICLE_17,),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=("nationality", "sex", "hub_referred_to"),
        term_facts=(
            "agreement",
            "hub_country",
            "in_force",
            "monitoring_body",
            "unsafe_for_nationalities",
            "unsafe_for_profiles",
            "hubs",
        ),
        fails=c.hub_country_unsafe_or_unmonitored,
        reason_fails="agreement {agreement} ({hub_country}): in force {in_force}; monitoring body "
        "{monitoring_body}; unsafe for nationalities {unsafe_for_nationalities}, profiles "
        "{unsafe_for_profiles}; "
        "referred hub {hub_referred_to} (agreement hubs {hubs})",
        reason_passes="{agreement} is in force, monitored by {monitoring_body}, and "
        "{hub_country} is assessed "
        "safe for this person",
    ),
    Rule(
        id="EU-R7P",
        title="Hub country unsafe for a profile the case record cannot show: senior caseworker's decision",
        kind=Kind.REVIEW,
        scope=Scope.AGREEMENT,
        citations=(ARTICLE_17,),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=("nationality", "sex"),
        term_facts=("agreement", "unrecorded_unsafe_profiles"),
        fails=c.unrecorded_risk_profile,
        applies=c.agreement_in_force,
        reason_fails="{agreement}: the hub country is assessed unsafe for {unrecorded_unsafe_profiles}",
        reason_passes="{agreement}: no unsafe profile beyond what the case record shows",
        reason_not_applicable="{agreement} is not in force",
    ),
    Rule(
        id="EU-R7S",
        title="Within the agreement's scope (nationalities, excluded groups)",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        citations=(ARTICLE_17, ALBANIA_EXCLUSIONS),
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
        "groups {excluded_groups}",
        reason_passes="{agreement}: in scope and in no excluded group",
    ),
    Rule(
        id="EU-R7F",
        title="No families with minor children and no unaccompanied minors",
        kind=Kind.BAR,
        citations=(
            c.cite(
                "European Parliament draft report on the Return Regulation (11 November 2025)",
                "https://www.netherlandsbrief.com/article/868982124-european-parliament-draft-report-on-return-regulation",
                note="UNVERIFIED for the Commission text and the Council position (research 7.1).",
            ),
            ALBANIA_EXCLUSIONS,
        ),
        in_force_from=PACK_START,
        stages=TRANSFER_STAGES,
        facts=("is_minor", "family_unit_id", "family_has_minors"),
        fails=_family_with_minors_excluded,
        reason_fails="a child ({is_minor}) or a family with children ({family_has_minors})",
        reason_passes="no minor children in the family unit",
    ),
    Rule(
        id="EU-R16",
        title="Detention within its maximum",
        kind=Kind.BAR,
        citations=(
            c.cite(
                "Penale Diritto e Procedura, CPR e trattenimento fino a 18 mesi",
                "https://www.penaledp.it/immigrazione-cpr-e-trattenimento-fino-a-18-mesi/",
            ),
            c.cite(
                "Return Directive 2008/115/EC, art. 15(5)-(6) (Mahdi, C-146/14 PPU)",
                "https://eur-lex.europa.eu/legal-content/en/TXT/?uri=CELEX%3A62014CP0146",
                "art. 15(5)-(6)",
            ),
        ),
        in_force_from=PACK_START,
        stages=frozenset({Stage.MANIFEST_LOCK, Stage.DEPARTURE, Stage.ONWARD_RETURN}),
        facts=("detained", "detained_on", "detention_ends_on"),
        fails=_detention_beyond_maximum,
        applies=c.is_detained,
        reason_fails="detained since {detained_on}; the maximum ended on {detention_ends_on}: release is due",
        reason_passes="detained since {detained_on}; the maximum runs to {detention_ends_on}",
        reason_not_applicable="not detained",
    ),
    Rule(
        id="EU-R17",
        title="Detention validated by a judge where the agreement requires it",
        kind=Kind.BAR,
        scope=Scope.AGREEMENT,
        citations=(
            CPR_VALIDATION,
            c.cite(
                "InfoMigrants, monitoring group criticism of Italy's Albanian centres",
                "http://freeb.infomigrants.net/en/post/67858/migration-monitoring-group-renews-criticism-of-italys-albanian-centers",
                note="About 70% were returned to Italy because detention was not validated by a judge.",
            ),
        ),
        in_force_from=PACK_START,
        stages=frozenset({Stage.MANIFEST_LOCK, Stage.DEPARTURE}),
        facts=("detained", "detained_on", "detention_validated_on"),
        term_facts=("agreement", "requires_judicial_validation_of_detention"),
        fails=_judicial_validation_required,
        reason_fails="{agreement} requires validated detention: detained {detained} since {detained_on}, "
        "validated {detention_validated_on}",
        reason_passes="{agreement}: judicial validation not required or given ({detention_validated_on})",
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
)


def build() -> RulePack:
    here = Path(__file__).parent
    return RulePack(
        name="eu",
        title="EU: return hubs under the draft Return Regulation and the Italy-Albania protocol",
        version="2026.1",
        valid_from=PACK_START,
        rules=RULES,
        derived=DERIVED,
        parameters=ParameterSet.load(here),
        sending_states=frozenset(
            {
                "AUT",
                "BEL",
                "BGR",
                "HRV",
                "CYP",
                "CZE",
                "DNK",
                "EST",
                "FIN",
                "FRA",
                "DEU",
                "GRC",
                "HUN",
                "IRL",
                "ITA",
                "LVA",
                "LTU",
                "LUX",
                "MLT",
                "NLD",
                "POL",
                "PRT",
                "ROU",
                "SVK",
                "SVN",
                "ESP",
                "SWE",
            }
        ),
        description=__doc__ or "",
        parameter_dir=here,
    )
