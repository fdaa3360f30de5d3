"""Every rate the synthetic population generator uses, with its source.

Sources are cited as ``CSV <series>,<period>`` (a row of ``shared/reference/uk_published_figures.csv``, whose
last column is the URL quoted here) or ``DR §x`` (a section of ``shared/reference/domain-research.md``).
Where the reference corpus has no figure the comment says **assumption**: a plausible value chosen so that
the population looks like a UK asylum caseload and exercises every safeguard, not a published statistic.
Change a value here and the generator follows; nothing else hard-codes a rate.

Shares are probabilities per person (or per family unit, where it says so); durations are in days and are
given as the median of a log-normal draw with the stated ``sigma`` unless noted.
"""

from __future__ import annotations

from typing import Final

# --------------------------------------------------------------------------------------------------------
# Arrivals and claims
# --------------------------------------------------------------------------------------------------------

#: People claiming asylum per calendar year (main applicants and dependants). Used only as relative weights
#: for the year of arrival; the generator scales to whatever population size is asked for.
#: 2021: CSV asylum_applications_people,2021 = 56,495
#:   (https://www.dailymail.co.uk/news/article-10547123/UK-migrant-arrivals-year-95-times-higher-2018-28-500-crossed-Channel.html)
#: 2022: CSV asylum_applications_people,2022 = 99,939; 2023: CSV asylum_applications_people,2023 = 84,425
#:   (https://www.gov.uk/government/statistics/immigration-system-statistics-year-ending-december-2023/how-many-people-do-we-grant-protection-to)
#: 2024: CSV asylum_applications_people,2024 = 108,138
#:   (https://banglamirrornews.com/2025/02/27/uk-asylum-claims-hit-highest-level-since-1979/)
#: 2025: DR §3.2 "year to March 2025: 109,343 people" (weak source), used as the 2025 figure.
#: 2018-2020: assumption (no figure in the corpus; order of magnitude of the pre-2021 Home Office series,
#:   from memory: about 37k, 45k and 36k people; verify against Asy_D01).
#: Years after the last one repeat the last value (assumption).
ASYLUM_CLAIMANTS_BY_YEAR: Final[dict[int, int]] = {
    2018: 37_000,
    2019: 45_000,
    2020: 36_000,
    2021: 56_495,
    2022: 99_939,
    2023: 84_425,
    2024: 108_138,
    2025: 109_343,
}

#: Small-boat arrivals per year: CSV small_boat_arrivals,2018..2025
#: (https://thebuzzinghub.com/articles/uk-small-boat-arrivals-in-2024-up-25-compared-with-previous-year;
#: 2021 also https://kuechenkabinett.org/channel-crossings-topped-28500-in-2021-new-home-office-figures-show/;
#: 2025 https://www.collector.com.tr//966361079, weak aggregator).
SMALL_BOAT_ARRIVALS_BY_YEAR: Final[dict[int, int]] = {
    2018: 299,
    2019: 1_843,
    2020: 8_466,
    2021: 28_526,
    2022: 45_774,
    2023: 29_437,
    2024: 36_816,
    2025: 41_474,
}

#: Share of small-boat arrivals who claim asylum. Assumption (not in the corpus; nearly all do).
SMALL_BOAT_CLAIM_SHARE: Final = 0.95

#: The share of a year's claimants who came by small boat is derived, not assumed:
#: SMALL_BOAT_ARRIVALS_BY_YEAR[y] * SMALL_BOAT_CLAIM_SHARE / ASYLUM_CLAIMANTS_BY_YEAR[y], e.g.
#: 2022: 45,774 * 0.95 / 99,939 = 0.44; 2024: 36,816 * 0.95 / 108,138 = 0.32. So small boats are the largest
#: single route of recent years but not a majority of claimants. The rest split as below (assumption: the
#: corpus gives no route mix for other claimants; "air" is a claim at or soon after a flight, "other" an
#: in-country claim long after an entry the record does not describe, e.g. a visa overstay).
OTHER_ROUTE_SPLIT: Final[dict[str, float]] = {"air": 0.45, "lorry": 0.15, "other": 0.40}

#: Share of arrivals who never lodge a claim (detected, then leave or abscond). Assumption.
NO_CLAIM_SHARE: Final = 0.02

#: Days from arrival to claim. Small-boat and lorry arrivals claim at once (assumption: screening on arrival);
#: air arrivals claim at the port or later in-country; "other" are mostly in-country claims. Assumption.
CLAIM_LAG_SMALL_BOAT_MAX_DAYS: Final = 3
AIR_PORT_CLAIM_SHARE: Final = 0.4
CLAIM_LAG_AIR_IN_COUNTRY_MEAN_DAYS: Final = 90.0
CLAIM_LAG_OTHER_MEAN_DAYS: Final = 120.0

# --------------------------------------------------------------------------------------------------------
# Nationality, sex, age, families
# --------------------------------------------------------------------------------------------------------

#: Nationality mix of claimants. Assumption: the corpus has the Home Office table layouts (DR §4) but no
#: nationality breakdown; the weights follow the familiar order of the main small-boat and asylum
#: nationalities of 2021-2024 (Afghan, Iranian, Eritrean, Syrian, Sudanese, Iraqi, Albanian, Vietnamese, ...).
NATIONALITY_WEIGHTS: Final[dict[str, float]] = {
    "AFG": 0.15,
    "IRN": 0.12,
    "ERI": 0.09,
    "SYR": 0.08,
    "SDN": 0.07,
    "IRQ": 0.08,
    "ALB": 0.08,
    "VNM": 0.05,
    "PAK": 0.05,
    "IND": 0.03,
    "BGD": 0.04,
    "TUR": 0.04,
    "EGY": 0.03,
    "ETH": 0.03,
    "NGA": 0.03,
    "SOM": 0.03,
}

#: Log-odds shift of an initial grant by nationality, added to the year's calibrated intercept (so the
#: year's grant rate still hits its target). Assumption: refugee-producing countries get high grant rates,
#: designated-safe or mainly economic-migration countries low ones (DR §2.3 R13 lists Albania, Bangladesh,
#: Egypt as Italy's designated safe countries).
GRANT_LOG_ODDS_BY_NATIONALITY: Final[dict[str, float]] = {
    "AFG": 1.5,
    "IRN": 0.3,
    "ERI": 3.0,
    "SYR": 3.0,
    "SDN": 2.5,
    "IRQ": -0.5,
    "ALB": -2.5,
    "VNM": -1.0,
    "PAK": -1.5,
    "IND": -2.5,
    "BGD": -1.8,
    "TUR": 0.0,
    "EGY": -1.2,
    "ETH": 0.5,
    "NGA": -1.2,
    "SOM": 0.5,
}

#: Share of refusals that are certified clearly unfounded (no in-country appeal). Assumption: common for
#: designated-safe nationalities (DR §2.3 R13), rare otherwise.
CERTIFIED_SHARE_OF_REFUSALS: Final[dict[str, float]] = {"ALB": 0.35, "IND": 0.30, "_other": 0.02}

#: Share of people who are in a family unit (adults and children who must move together). The brief asks for
#: 10-15%. Note: the CSV implies more: dependants were 1 - 67,337/84,425 = 20% of 2023 claimants
#: (CSV asylum_applications_main/people,2023), which with families of about 3 would put about 30% of people
#: in family claims. 0.15 follows the brief; raise it to about 0.3 to follow the CSV.
FAMILY_MEMBER_SHARE: Final = 0.15

#: Size of a family unit (2..6 people). Assumption.
FAMILY_SIZE_WEIGHTS: Final[dict[int, float]] = {2: 0.28, 3: 0.30, 4: 0.24, 5: 0.12, 6: 0.06}

#: Share of two-person families that are a couple without children (else one parent and a child). Assumption.
FAMILY_OF_TWO_COUPLE_SHARE: Final = 0.4
#: Share of larger families with two parents (else one). Assumption.
FAMILY_TWO_PARENT_SHARE: Final = 0.7
#: A single-parent family is headed by a woman with this probability. Assumption.
SINGLE_PARENT_FEMALE_SHARE: Final = 0.65

#: Unaccompanied asylum-seeking children (UASC) as a share of all people. Assumption: the corpus does not
#: give it (Asy_D01 has a UASC field, DR §4); the Home Office series runs at about 4-6% of claimants.
UNACCOMPANIED_MINOR_SHARE: Final = 0.05
#: Age a UASC claims at arrival: uniformly 14..17. Assumption.
UNACCOMPANIED_MINOR_MIN_AGE: Final = 14

#: Single adults who are men. Assumption: small-boat arrivals are overwhelmingly adult men (not in corpus).
SINGLE_ADULT_MALE_SHARE: Final = 0.86
UNACCOMPANIED_MINOR_MALE_SHARE: Final = 0.92

#: Single adults' age at arrival: 18 + gamma(shape, scale) years, capped at 65. Mean about 28. Assumption.
ADULT_AGE_GAMMA_SHAPE: Final = 2.0
ADULT_AGE_GAMMA_SCALE_YEARS: Final = 5.0
PARENT_MIN_AGE: Final = 21
PARENT_MAX_AGE: Final = 50

#: Share of adults who also speak English. Assumption.
SPEAKS_ENGLISH_SHARE: Final = 0.25

# --------------------------------------------------------------------------------------------------------
# Initial decisions
# --------------------------------------------------------------------------------------------------------

#: Initial-decision grant rate (grants / (grants + refusals), withdrawals excluded) by year of decision.
#: 2023: CSV initial_decision_grant_rate,2023 = 0.67 (about);
#: 2024: CSV initial_decision_grant_rate,2024 = 0.47
#:   (https://freemovement.org.uk/increase-in-home-office-refusals-sees-number-of-asylum-appeals-soar-in-latest-tribunal-statistics)
#: 2018-2022: assumption (from memory of the Home Office series, not in the corpus; verify against Asy_D02).
#: 2025 onwards: assumption, the 2024 rate carried forward (DR §3.2: the January-March 2024 quarter was 0.43).
GRANT_RATE_BY_DECISION_YEAR: Final[dict[int, float]] = {
    2018: 0.33,
    2019: 0.50,
    2020: 0.50,
    2021: 0.72,
    2022: 0.76,
    2023: 0.67,
    2024: 0.47,
    2025: 0.47,
}

#: Share of initial decisions that are withdrawals, by year of decision. Assumption: the corpus gives no
#: figure; withdrawals rose while the legacy backlog was cleared in 2023-2024.
WITHDRAWN_SHARE_BY_DECISION_YEAR: Final[dict[int, float]] = {
    2018: 0.06,
    2019: 0.06,
    2020: 0.06,
    2021: 0.06,
    2022: 0.08,
    2023: 0.16,
    2024: 0.14,
    2025: 0.10,
}

#: Median wait from claim to initial decision, by year the claim was lodged (log-normal, sigma below).
#: Assumption, tuned so that the stock awaiting a decision is of the order the CSV gives:
#: CSV awaiting_initial_decision_people,2023-06-30 > 175,000 and ,2024-12-31 = 124,800, against 84-108k claims
#: a year, i.e. a backlog of more than a year's claims in 2023 falling to about one year's by the end of 2024.
#: Achieved (100,000 people): pending / previous year's claims = 1.40 at 2023-06-30 (CSV: 175,000 / 99,939 =
#: 1.75) and 1.18 at 2024-12-31 (CSV: 124,800 / 108,138 = 1.15).
DECISION_WAIT_MEDIAN_DAYS_BY_CLAIM_YEAR: Final[dict[int, float]] = {
    2018: 200.0,
    2019: 330.0,
    2020: 450.0,
    2021: 560.0,
    2022: 540.0,
    2023: 300.0,
    2024: 380.0,
    2025: 300.0,
}
DECISION_WAIT_SIGMA: Final = 0.55

# --------------------------------------------------------------------------------------------------------
# Appeals and appeal rights exhausted
# --------------------------------------------------------------------------------------------------------

#: Share of (non-certified) refusals that are appealed to the First-tier Tribunal. Assumption ("most"):
#: the tribunal backlog rose from 34,234 to 41,987 in one quarter (CSV tribunal_asylum_appeals_outstanding,
#: 2024-09-30 and 2024-12-31), which only a high appeal rate explains.
APPEAL_LODGED_SHARE: Final = 0.75
#: Days from refusal to lodging: uniform 3..14 (assumption: the 14-day time limit for non-detained appeals,
#: from memory of the Tribunal Procedure Rules, not in the corpus).
APPEAL_WINDOW_DAYS: Final = 14

#: Outcome shares of First-tier Tribunal asylum appeals.
#: Allowed: CSV asylum_appeals_allowed_share,2024-Q4 = 0.46
#:   (https://freemovement.org.uk/increase-in-home-office-refusals-sees-number-of-asylum-appeals-soar-in-latest-tribunal-statistics)
#: Withdrawn: assumption. Dismissed: the remainder.
APPEAL_ALLOWED_SHARE: Final = 0.46
APPEAL_WITHDRAWN_SHARE: Final = 0.06

#: Median wait from lodging to First-tier decision. Assumption: a backlog of about 42,000 (CSV,2024-12-31)
#: growing fast means waits approaching a year.
APPEAL_WAIT_MEDIAN_DAYS: Final = 300.0
APPEAL_WAIT_SIGMA: Final = 0.5

#: Share of dismissed First-tier appeals taken to the Upper Tribunal, and the share of those allowed.
#: Assumption (not in the corpus).
ONWARD_APPEAL_SHARE: Final = 0.2
ONWARD_APPEAL_ALLOWED_SHARE: Final = 0.2
ONWARD_APPEAL_WAIT_MEDIAN_DAYS: Final = 200.0

#: Appeal rights are exhausted when the time to appeal further runs out: the window plus an administrative
#: lag (exponential, this mean). Assumption.
ARE_RECORDING_LAG_MEAN_DAYS: Final = 10.0

#: Voluntary-return applications among people whose claim was withdrawn (DR §2.5 R20: withdrawing a claim
#: makes a person eligible for the Voluntary Returns Service). Rate assumption.
VOLUNTARY_RETURN_AFTER_WITHDRAWAL_SHARE: Final = 0.15

# --------------------------------------------------------------------------------------------------------
# After appeal rights are exhausted
# --------------------------------------------------------------------------------------------------------

#: Further submissions (paragraph 353, DR §7.6): rounds arrive as a Poisson process after ARE at this rate
#: per year, up to a maximum number of rounds. Assumption (repeat submissions are common; not in corpus).
FURTHER_SUBMISSIONS_PER_YEAR: Final = 0.6
FURTHER_SUBMISSIONS_MAX_ROUNDS: Final = 6
FURTHER_SUBMISSIONS_DECISION_MEDIAN_DAYS: Final = 150.0
#: Share of further submissions accepted as a fresh claim ("realistic prospect of success", DR §7.6).
#: Assumption.
FRESH_CLAIM_SHARE: Final = 0.08
#: A fresh claim is decided again; share granted. Assumption. A refused fresh claim is treated as not
#: appealed (simplification), so appeal rights are exhausted again after the window.
FRESH_CLAIM_GRANT_SHARE: Final = 0.35
FRESH_CLAIM_DECISION_MEDIAN_DAYS: Final = 180.0

#: Removal casework after ARE comes in "cycles": each may bring a travel-document request, an
#: Adults-at-Risk review, a fitness-to-fly check, a removal notice, or a detention episode (with an
#: Adults-at-Risk assessment, judicial validation, a fitness-to-fly check and a notice), and a notice may
#: bring a judicial review, an injunction or a Rule 39 measure. A cycle's events fall within its window
#: (or its detention); the next cycle starts after that plus an exponential gap with this mean. Most ARE
#: people cannot be removed (the scheme exists for them, DESIGN.md), so cycles repeat until the horizon.
#: Assumption, and the one knob that sets history length. It is tuned to the sizing figure of issue 2
#: (200,000 people, about 3,000,000 events): the mean history is about 13.5 events at today = 2026-01-01
#: (12.2 at 2025-06-01, 15.7 at 2026-11-27). This is NOT evidence: with every other rate as here, the
#: evidenced core of a history (arrival to ARE, screening, NRM, age disputes, an occasional removal
#: attempt) averages about 6 events a person, and a gap of 240 days gives 6.1. The dense cycles put the
#: rest on the ARE people (about 16% of people, about 60 events each, mostly repeated Adults-at-Risk and
#: fitness-to-fly reviews and travel-document requests), which leaves detention entries and removal
#: notices per year near their plausible level (see DETENTION_PER_CYCLE_SHARE).
REMOVAL_CYCLE_WINDOW_DAYS: Final = 10
REMOVAL_CYCLE_GAP_MEAN_DAYS: Final = 3.0
#: Travel-document requests to the country of nationality, a renewal process from the first removal
#: cycle: the first request after an exponential wait with this mean; each is answered (issued, refused, or
#: left unanswered); a new request comes after an issued document has expired, a refusal, or a chase of an
#: unanswered request, plus an exponential gap. Assumption.
TRAVEL_DOCUMENT_FIRST_REQUEST_MEAN_DAYS: Final = 30.0
TRAVEL_DOCUMENT_REREQUEST_GAP_MEAN_DAYS: Final = 60.0
TRAVEL_DOCUMENT_ISSUED_SHARE: Final = 0.4
TRAVEL_DOCUMENT_REFUSED_SHARE: Final = 0.3
TRAVEL_DOCUMENT_VALID_DAYS: Final = 180
TRAVEL_DOCUMENT_CHASE_AFTER_DAYS: Final = 120
TRAVEL_DOCUMENT_ANSWER_MEDIAN_DAYS: Final = 60.0

#: Share of cycles with a detention episode. Assumption, checked against people entering detention
#: (CSV entered_detention,2019 about 24,500; ,2024-09 (year ending) 19,335). A 1,000,000-person population
#: is about 1.7 times the UK's 2018-2025 claimants (ASYLUM_CLAIMANTS_BY_YEAR sums to 576k); it yields
#: about 22,000 removal detentions in 2024 and 33,000 in 2025 (screening holds at arrival excluded), the
#: same order as the UK figure scaled by 1.7.
DETENTION_PER_CYCLE_SHARE: Final = 0.015
#: Families with minor children are rarely detained (family returns process). Assumption.
DETENTION_FAMILY_WITH_CHILDREN_FACTOR: Final = 0.1
#: Median length of a removal detention. Assumption.
DETENTION_MEDIAN_DAYS: Final = 28.0
DETENTION_SIGMA: Final = 0.9
#: Adults-at-Risk assessment at the start of a detention (DR §2.2 R8: reassess whenever detention is
#: considered). Assumption.
AAR_AT_DETENTION_SHARE: Final = 0.9
#: An Adults-at-Risk review in a cycle without detention (new evidence, DR §2.2 R8). Assumption.
AAR_REVIEW_OUTSIDE_DETENTION_SHARE: Final = 0.5
#: Fitness-to-fly check during a detention, and outside detention. Assumption.
FITNESS_TO_FLY_IN_DETENTION_SHARE: Final = 0.5
FITNESS_TO_FLY_OUTSIDE_DETENTION_SHARE: Final = 0.45
UNFIT_TO_FLY_SHARE: Final = 0.08
SERIOUS_MEDICAL_CONDITION_SHARE: Final = 0.05
#: Removal notice served during a detention, and outside one (reporting-centre removals). Assumption.
REMOVAL_NOTICE_IN_DETENTION_SHARE: Final = 0.5
REMOVAL_NOTICE_OUTSIDE_DETENTION_SHARE: Final = 0.01

#: Judicial review lodged after a removal notice, and an injunction among those. Assumption.
JUDICIAL_REVIEW_AFTER_NOTICE_SHARE: Final = 0.15
INJUNCTION_GIVEN_JUDICIAL_REVIEW_SHARE: Final = 0.1
JUDICIAL_REVIEW_DECISION_MEDIAN_DAYS: Final = 60.0
JUDICIAL_REVIEW_GRANTED_SHARE: Final = 0.1
JUDICIAL_REVIEW_WITHDRAWN_SHARE: Final = 0.15
#: Judicial review of a rejected further submission. Assumption.
JUDICIAL_REVIEW_AFTER_REJECTED_SUBMISSION_SHARE: Final = 0.1

#: ECtHR Rule 39 interim measures (DR §2.1 R4): 161 requests against the UK in 2020-2022, 12 granted
#: (https://lawgazette.co.uk/commentary-and-opinion/from-dundee-to-donetsk-rule-39-and-why-it-matters/5115428.article;
#: DR §7.9 gives 11 granted of 178 in 2021-2023). Per person facing removal:
#:   12 grants / 3 years = 4 grants a year;
#:   people facing enforced removal a year ~ enforced returns, mean of CSV enforced_returns,2019 (7,198) and
#:   ,2023 (6,361) = 6,780 (2020-2022 are not in the CSV);
#:   4 / 6,780 = 5.9e-4 grants per person served with a removal notice.
#: Requests go with a judicial review, so the rate given a JR after a notice is
#:   5.9e-4 / JUDICIAL_REVIEW_AFTER_NOTICE_SHARE (0.15) = 3.9e-3.
#: Achieved: about 70 grants in 2018-2025 at 1,000,000 people (about 9 a year; the UK's 4 a year scaled by
#: 1.7 is 7), i.e. well under 1 person in 10,000.
RULE39_GRANTS_PER_REMOVAL_NOTICE: Final = 4 / 6_780
RULE39_GIVEN_JUDICIAL_REVIEW_SHARE: Final = (
    RULE39_GRANTS_PER_REMOVAL_NOTICE / JUDICIAL_REVIEW_AFTER_NOTICE_SHARE
)
#: Expiry of a measure: "until three weeks after the final domestic JR decision" (N.S.K. v UK, DR §2.1 R4),
#: a fixed date (R.M. and H.N., same source), or open until lifted. Shares are an assumption.
RULE39_EXPIRES_AFTER_JR_SHARE: Final = 0.5
RULE39_EXPIRES_AFTER_JR_DAYS: Final = 21
RULE39_FIXED_EXPIRY_SHARE: Final = 0.3
RULE39_OPEN_LIFTED_SHARE: Final = 0.7

#: Article 8 (family life) claims after ARE (DR §2.2 R11: "expect Article 8 claims to arise after ARE"),
#: and their outcome. Assumption.
ARTICLE8_AFTER_ARE_SHARE: Final = 0.06
ARTICLE8_FAMILY_IN_UK_SHARE: Final = 0.8
ARTICLE8_GRANT_SHARE: Final = 0.25
ARTICLE8_DECISION_MEDIAN_DAYS: Final = 180.0

#: Voluntary-return application after ARE (DR §2.5 R20; no annual total in the corpus, DR §3.3). Assumption.
VOLUNTARY_RETURN_AFTER_ARE_SHARE: Final = 0.08

# --------------------------------------------------------------------------------------------------------
# Vulnerability: screening, Adults at Risk, NRM, age disputes
# --------------------------------------------------------------------------------------------------------

#: Small-boat arrivals pass through a short-term holding facility (a detention) for screening, where an
#: Adults-at-Risk screening is recorded. Assumption (not in corpus). Release after 0..3 days.
SCREENING_DETENTION_SHARE: Final = 0.9
AAR_AT_SCREENING_SHARE: Final = 0.8
#: Other claimants get an Adults-at-Risk assessment at some point in this share. Assumption.
AAR_OTHER_CLAIMANT_SHARE: Final = 0.15

#: Adults-at-Risk evidence level 0 (no indicator) to 3 (DR §2.2 R8 and §7.2). Mostly 0-1. Assumption.
#: A person's level is drawn once; each assessment repeats it, except that this share of assessments
#: draws afresh (new evidence, or evidence that no longer holds). Assumption.
AAR_LEVEL_WEIGHTS: Final[tuple[float, float, float, float]] = (0.55, 0.30, 0.12, 0.03)
AAR_LEVEL_CHANGE_SHARE: Final = 0.2

#: National Referral Mechanism (modern slavery, DR §2.2 R9 and §7.3) referral share by nationality.
#: Assumption: the corpus has the NRM table layouts (DR §4) but no rates.
NRM_REFERRAL_SHARE: Final[dict[str, float]] = {
    "ALB": 0.18,
    "VNM": 0.20,
    "ERI": 0.08,
    "SDN": 0.06,
    "_other": 0.035,
}
NRM_REFERRAL_MEAN_DAYS_AFTER_CLAIM: Final = 250.0
#: Reasonable-grounds decision: target 5 working days (DR §2.2 R9), in practice slower. Assumption.
NRM_REASONABLE_GROUNDS_MEDIAN_DAYS: Final = 35.0
NRM_REASONABLE_GROUNDS_POSITIVE_SHARE: Final = 0.6
NRM_CONCLUSIVE_GROUNDS_MEDIAN_DAYS: Final = 450.0
NRM_CONCLUSIVE_GROUNDS_POSITIVE_SHARE: Final = 0.7
#: After a negative RG decision a reconsideration may be asked within 30 days (DR §2.2 R9, CTK v SSHD).
NRM_RECONSIDERATION_SHARE: Final = 0.15
NRM_RECONSIDERATION_WINDOW_DAYS: Final = 30
NRM_RECONSIDERATION_POSITIVE_SHARE: Final = 0.3
NRM_RECONSIDERATION_MEDIAN_DAYS: Final = 60.0

#: Age disputes: raised for this share of unaccompanied claimants (DR §2.2 R10); resolved as adult in
#: this share. Assumption.
AGE_DISPUTE_SHARE_OF_UNACCOMPANIED: Final = 0.45
AGE_DISPUTE_FOUND_ADULT_SHARE: Final = 0.5
AGE_DISPUTE_RESOLUTION_MEDIAN_DAYS: Final = 90.0

# --------------------------------------------------------------------------------------------------------
# Recording (the bitemporal side)
# --------------------------------------------------------------------------------------------------------

#: Most events are recorded the day they happen; some a few days later; a few (assessments, decisions
#: received by post) much later, after events that happened after them. Assumption.
RECORDED_SAME_DAY_SHARE: Final = 0.75
RECORDED_NEXT_DAYS_MAX: Final = 4
LATE_RECORDING_SHARE: Final = 0.05
LATE_RECORDING_MIN_DAYS: Final = 7
LATE_RECORDING_MAX_DAYS: Final = 60  # at most 127: the generator packs the lag into 7 bits
