"""The synthetic population generator: whole legal histories for up to millions of synthetic people.

Every stage of a history is drawn for everyone at once as NumPy arrays of day numbers (days since
1970-01-01). A stage that does not happen to someone gets the day ``NEVER``; because every later stage is
dated from an earlier one, ``NEVER`` propagates, and cutting the history at the last day before ``today``
is one comparison. The events of all stages are then packed into one sort key, sorted once, and turned
into a Polars frame. No Python loop runs per person.

Family units draw their asylum track once (dependants share the main applicant's claim, decision and
appeals) and every member gets the events; personal events (screening, Adults-at-Risk assessments, NRM
referrals, age disputes) are drawn per person.

Histories are cut at the day before ``today``, and every ``recorded_at`` is before ``today`` 00:00 UTC,
so a population seeded at any hour of ``today`` contains nothing the system could not yet know.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from returnhub.synthetic import rates
from returnhub.synthetic.draws import (
    ADULT_AGE_DAYS,
    DAYS_PER_YEAR,
    EVENT_ORDER,
    F64,
    I64,
    LATE_RECORDABLE,
    NEVER,
    RANK,
    SECONDS_PER_DAY,
    WORKDAY_LENGTH_SECONDS,
    WORKDAY_START_SECONDS,
    Draw,
    EventLog,
    Mask,
    Payloads,
    by_nationality,
    by_year,
    day_number,
    year_of,
)
from returnhub.synthetic.names import NAME_POOLS, NATIONALITY_LANGUAGES, NATIONALITY_NAME_REGION

_ROUTES: Final[tuple[str, ...]] = ("small_boat", "air", "lorry", "other")
_PORTS: Final[dict[str, tuple[str | None, ...]]] = {
    "small_boat": ("Dover",),
    "air": ("Heathrow", "Gatwick", "Manchester", "Birmingham", "Stansted"),
    "lorry": ("Dover", "Folkestone", "Purfleet"),
    "other": (None,),
}
_SCREENING_PLACE_BEFORE_2022: Final = "Kent Intake Unit"
_SCREENING_PLACE_FROM_2022: Final = "Manston"
_REMOVAL_CENTRES: Final[tuple[str, ...]] = (
    "Brook House",
    "Colnbrook",
    "Harmondsworth",
    "Yarl's Wood",
    "Dungavel",
    "Derwentside",
    "Tinsley House",
)
_INJUNCTION_COURTS: Final[tuple[str, ...]] = ("High Court", "Upper Tribunal")

# Outcome codes of the initial decision.
_GRANT, _REFUSE, _WITHDRAWN, _CERTIFIED = 0, 1, 2, 3
_DECISION_OUTCOMES: Final[tuple[str, ...]] = ("grant", "refuse", "withdrawn", "certified")
_APPEAL_ALLOWED, _APPEAL_DISMISSED, _APPEAL_WITHDRAWN = 0, 1, 2
_APPEAL_OUTCOMES: Final[tuple[str, ...]] = ("allowed", "dismissed", "withdrawn")


@dataclass(frozen=True)
class Population:
    """A synthetic population: one row per person, and every person's legal events.

    ``persons``: person_index, reference, given_name, family_name, date_of_birth, sex, nationality,
    languages, family_index. ``events``: person_index, sequence, event_type, occurred_on, recorded_at,
    data (compact JSON, keys sorted), sorted by person_index and sequence.
    """

    persons: pl.DataFrame
    events: pl.DataFrame


# ------------------------------------------------------------------------------------------------------
# The generator
# ------------------------------------------------------------------------------------------------------


class _Generator:
    def __init__(self, n_persons: int, seed: int, today: date, start_year: int) -> None:
        self.n = n_persons
        self.draw = Draw(np.random.default_rng(seed))
        self.today = day_number(today)
        self.last_day = self.today - 1
        self.start_day = day_number(date(start_year, 1, 1))
        self.start_year = start_year
        self.nationalities: tuple[str, ...] = tuple(rates.NATIONALITY_WEIGHTS)
        self.payloads = Payloads()
        self.log = EventLog(self.last_day)

    # -- who is who ------------------------------------------------------------------------------------

    def build_units(self) -> None:
        """Family units (2-6 people) and single people, in random order; members are consecutive."""
        d = self.draw
        target = round(self.n * rates.FAMILY_MEMBER_SHARE)
        sizes_table = list(rates.FAMILY_SIZE_WEIGHTS)
        family_sizes = np.array(sizes_table, dtype=np.int64)[
            d.choice(list(rates.FAMILY_SIZE_WEIGHTS.values()), target // 2 + 1)
        ]
        family_sizes = family_sizes[np.cumsum(family_sizes) <= min(target, self.n)]
        singles = self.n - int(family_sizes.sum())
        sizes = np.concatenate([family_sizes, np.ones(singles, dtype=np.int64)])
        sizes = sizes[d.rng.permutation(sizes.size)]
        self.unit_size: I64 = sizes
        self.units = sizes.size
        self.unit_start: I64 = np.cumsum(sizes) - sizes
        self.unit_of_person: I64 = np.repeat(np.arange(self.units, dtype=np.int64), sizes)
        self.position_in_unit: I64 = np.arange(self.n, dtype=np.int64) - self.unit_start[self.unit_of_person]
        is_family = sizes > 1
        self.unit_is_family: Mask = is_family
        self.family_index_of_unit: I64 = np.where(is_family, np.cumsum(is_family) - 1, -1)

    def members(self, units: I64) -> tuple[I64, I64]:
        """The persons of ``units`` and, for each, its position in ``units`` (not in unit order)."""
        sizes = self.unit_size[units]
        # Most units are single people: only families need expanding.
        single = np.flatnonzero(sizes == 1)
        family = np.flatnonzero(sizes > 1)
        family_sizes = sizes[family]
        source = np.repeat(family, family_sizes)
        offsets = np.arange(source.size, dtype=np.int64) - np.repeat(
            np.cumsum(family_sizes) - family_sizes, family_sizes
        )
        persons: I64 = np.concatenate(
            [self.unit_start[units[single]], self.unit_start[units[source]] + offsets]
        )
        return persons, np.concatenate([single, source])

    # -- arrival, claim, decision ------------------------------------------------------------------------

    def draw_arrivals(self) -> None:
        d, u = self.draw, self.units
        first_year = self.start_year
        last_year = int(year_of(np.array([self.last_day]))[0])
        if last_year < first_year:
            raise ValueError("start_year must be before today")
        years = np.arange(first_year, last_year + 1, dtype=np.int64)
        year_start = np.array([day_number(date(int(y), 1, 1)) for y in years], dtype=np.int64)
        year_end = np.minimum(np.append(year_start[1:], day_number(date(last_year + 1, 1, 1))), self.today)
        claimants = by_year({k: float(v) for k, v in rates.ASYLUM_CLAIMANTS_BY_YEAR.items()}, years)
        # A year that is only partly over weighs in proportion to the part that is over.
        weights = claimants * (year_end - year_start) / 365.0
        year_index = d.choice(weights.tolist(), u)
        self.arrival: I64 = year_start[year_index] + np.floor(
            d.rng.random(u) * (year_end - year_start)[year_index]
        ).astype(np.int64)

        arrival_year = years[year_index]
        small_boats = by_year(
            {k: float(v) for k, v in rates.SMALL_BOAT_ARRIVALS_BY_YEAR.items()}, arrival_year
        )
        small_boat_share = np.minimum(
            0.95, small_boats * rates.SMALL_BOAT_CLAIM_SHARE / claimants[year_index]
        )
        other = d.choice(list(rates.OTHER_ROUTE_SPLIT.values()), u) + 1  # air, lorry, other
        self.route: I64 = np.where(d.chance(small_boat_share, u), 0, other)
        self.nationality: I64 = d.choice(list(rates.NATIONALITY_WEIGHTS.values()), u)

        lag = np.select(
            [self.route == 0, self.route == 2, self.route == 1],
            [
                d.uniform_days(0, rates.CLAIM_LAG_SMALL_BOAT_MAX_DAYS, u),
                d.uniform_days(0, 7, u),
                np.where(
                    d.chance(rates.AIR_PORT_CLAIM_SHARE, u),
                    0,
                    d.exponential_days(rates.CLAIM_LAG_AIR_IN_COUNTRY_MEAN_DAYS, u),
                ),
            ],
            d.exponential_days(rates.CLAIM_LAG_OTHER_MEAN_DAYS, u),
        )
        self.claim: I64 = np.where(d.chance(rates.NO_CLAIM_SHARE, u), NEVER, self.arrival + lag)

    def draw_people(self) -> None:
        """Sex, age and role of each person; a family's adults come first in the unit."""
        d, n = self.draw, self.n
        unit = self.unit_of_person
        size = self.unit_size[unit]
        pos = self.position_in_unit
        in_family = size > 1
        two_adults_unit = np.where(
            self.unit_size == 2,
            d.chance(rates.FAMILY_OF_TWO_COUPLE_SHARE, self.units),
            d.chance(rates.FAMILY_TWO_PARENT_SHARE, self.units),
        )
        adults_in_unit = np.where(self.unit_size > 1, np.where(two_adults_unit, 2, 1), 1)
        is_parent = in_family & (pos < adults_in_unit[unit])
        is_child = in_family & ~is_parent
        single_share = max(1e-9, 1.0 - rates.FAMILY_MEMBER_SHARE)
        unaccompanied_unit = ~self.unit_is_family & d.chance(
            min(1.0, rates.UNACCOMPANIED_MINOR_SHARE / single_share), self.units
        )
        is_unaccompanied = unaccompanied_unit[unit]
        self.is_unaccompanied: Mask = is_unaccompanied
        self.is_family_child: Mask = is_child
        self.unit_has_children: Mask = np.zeros(self.units, dtype=np.bool_)
        np.logical_or.at(self.unit_has_children, unit[is_child], True)

        parent_age = rates.PARENT_MIN_AGE + d.rng.random(n) * (rates.PARENT_MAX_AGE - rates.PARENT_MIN_AGE)
        # A child is at least 16 years younger than the unit's first parent.
        first_parent_age = parent_age[self.unit_start][unit]
        age_years = np.select(
            [is_unaccompanied, is_parent, is_child],
            [
                rates.UNACCOMPANIED_MINOR_MIN_AGE
                + d.rng.random(n) * (17.99 - rates.UNACCOMPANIED_MINOR_MIN_AGE),
                parent_age,
                d.rng.random(n) * np.minimum(17.99, first_parent_age - 16.0),
            ],
            np.minimum(
                65.0, 18 + d.rng.gamma(rates.ADULT_AGE_GAMMA_SHAPE, rates.ADULT_AGE_GAMMA_SCALE_YEARS, n)
            ),
        )
        arrival = self.arrival[unit]
        self.date_of_birth: I64 = arrival - np.floor(age_years * DAYS_PER_YEAR).astype(np.int64) - 1

        single_parent_female = d.chance(rates.SINGLE_PARENT_FEMALE_SHARE, n)
        parent_male = np.where(adults_in_unit[unit] == 2, pos == 0, ~single_parent_female)
        male = np.select(
            [is_unaccompanied, is_parent, is_child],
            [d.chance(rates.UNACCOMPANIED_MINOR_MALE_SHARE, n), parent_male, d.chance(0.5, n)],
            d.chance(rates.SINGLE_ADULT_MALE_SHARE, n),
        )
        self.male: Mask = male
        self.aar_level: I64 = d.choice(rates.AAR_LEVEL_WEIGHTS, n)

    def draw_decisions(self) -> None:
        d, u = self.draw, self.units
        claim_year = year_of(self.claim)
        wait = d.lognormal_days(
            by_year(rates.DECISION_WAIT_MEDIAN_DAYS_BY_CLAIM_YEAR, claim_year), rates.DECISION_WAIT_SIGMA, u
        )
        self.decision: I64 = self.claim + wait
        decision_year = year_of(self.decision)
        withdrawn = d.chance(by_year(rates.WITHDRAWN_SHARE_BY_DECISION_YEAR, decision_year), u)

        # The year's grant rate is a target: solve each year's intercept so that, over the decisions of
        # that year (weighted by people), the nationality effects average out to it exactly.
        effect = np.array(
            [rates.GRANT_LOG_ODDS_BY_NATIONALITY[c] for c in self.nationalities], dtype=np.float64
        )[self.nationality]
        decided = (self.decision <= self.last_day) & ~withdrawn
        weight = self.unit_size.astype(np.float64)
        # Decisions after today are never written; they take the latest year's rate.
        latest = float(by_year(rates.GRANT_RATE_BY_DECISION_YEAR, np.array([9999]))[0])
        intercept = np.full(u, _solve_intercept(effect, weight, latest))
        for year in np.unique(decision_year[decided]):
            in_year = decided & (decision_year == year)
            target = float(by_year(rates.GRANT_RATE_BY_DECISION_YEAR, np.array([year]))[0])
            intercept[decision_year == year] = _solve_intercept(effect[in_year], weight[in_year], target)
        grant = d.rng.random(u) < 1.0 / (1.0 + np.exp(-(intercept + effect)))
        certified = d.chance(
            by_nationality(rates.CERTIFIED_SHARE_OF_REFUSALS, self.nationalities, self.nationality), u
        )
        self.outcome: I64 = np.select(
            [withdrawn, grant, certified], [_WITHDRAWN, _GRANT, _CERTIFIED], _REFUSE
        ).astype(np.int64)

    def draw_appeals(self) -> None:
        d, u = self.draw, self.units
        refused = self.outcome == _REFUSE
        appealed = refused & d.chance(rates.APPEAL_LODGED_SHARE, u)
        self.appeal_lodged: I64 = np.where(
            appealed, self.decision + d.uniform_days(3, rates.APPEAL_WINDOW_DAYS, u), NEVER
        )
        self.appeal_decided: I64 = self.appeal_lodged + d.lognormal_days(
            rates.APPEAL_WAIT_MEDIAN_DAYS, rates.APPEAL_WAIT_SIGMA, u
        )
        self.appeal_outcome: I64 = d.choice(
            [
                rates.APPEAL_ALLOWED_SHARE,
                1.0 - rates.APPEAL_ALLOWED_SHARE - rates.APPEAL_WITHDRAWN_SHARE,
                rates.APPEAL_WITHDRAWN_SHARE,
            ],
            u,
        )
        onward = (
            appealed & (self.appeal_outcome == _APPEAL_DISMISSED) & d.chance(rates.ONWARD_APPEAL_SHARE, u)
        )
        self.onward_lodged: I64 = np.where(onward, self.appeal_decided + d.uniform_days(5, 14, u), NEVER)
        self.onward_decided: I64 = self.onward_lodged + d.lognormal_days(
            rates.ONWARD_APPEAL_WAIT_MEDIAN_DAYS, 0.5, u
        )
        self.onward_allowed: Mask = d.chance(rates.ONWARD_APPEAL_ALLOWED_SHARE, u)

        lag = 1 + d.exponential_days(rates.ARE_RECORDING_LAG_MEAN_DAYS, u)
        window = rates.APPEAL_WINDOW_DAYS
        self.exhausted: I64 = np.select(
            [
                self.outcome == _CERTIFIED,
                refused & ~appealed,
                appealed & (self.appeal_outcome == _APPEAL_WITHDRAWN),
                appealed & (self.appeal_outcome == _APPEAL_DISMISSED) & ~onward,
                onward & ~self.onward_allowed,
            ],
            [
                self.decision + lag,
                self.decision + window + lag,
                self.appeal_decided + lag,
                self.appeal_decided + window + lag,
                self.onward_decided + window + lag,
            ],
            NEVER,
        ).astype(np.int64)

    # -- after appeal rights are exhausted ---------------------------------------------------------------

    def draw_after_exhaustion(self) -> None:
        """Further submissions, Article 8 claims and voluntary returns; they set each unit's horizon."""
        d = self.draw
        are_units = np.flatnonzero(self.exhausted <= self.last_day)
        self.are_units = are_units
        m = are_units.size
        exhausted = self.exhausted[are_units]

        # Further submissions: rounds one after another; the first accepted as a fresh claim ends them.
        rounds = rates.FURTHER_SUBMISSIONS_MAX_ROUNDS
        gaps = d.exponential_days(365.0 / rates.FURTHER_SUBMISSIONS_PER_YEAR, m * rounds).reshape(m, rounds)
        waits = d.lognormal_days(rates.FURTHER_SUBMISSIONS_DECISION_MEDIAN_DAYS, 0.6, m * rounds).reshape(
            m, rounds
        )
        lodged = exhausted[:, None] + np.cumsum(gaps + 1, axis=1) + np.cumsum(waits, axis=1) - waits
        decided = lodged + waits
        fresh = d.chance(rates.FRESH_CLAIM_SHARE, m * rounds).reshape(m, rounds)
        earlier_fresh: I64 = np.cumsum(fresh, axis=1) - fresh
        live: Mask = earlier_fresh == 0
        fresh_day = np.where(fresh & live, decided, NEVER).min(axis=1)

        # A fresh claim is decided again; a refusal exhausts appeal rights again.
        second = fresh_day + d.lognormal_days(rates.FRESH_CLAIM_DECISION_MEDIAN_DAYS, 0.5, m)
        second_grant = d.chance(rates.FRESH_CLAIM_GRANT_SHARE, m)
        second_exhausted = np.where(
            second_grant, NEVER, second + rates.APPEAL_WINDOW_DAYS + 1 + d.exponential_days(10.0, m)
        )

        article8 = d.chance(rates.ARTICLE8_AFTER_ARE_SHARE, m)
        a8_lodged = np.where(article8, exhausted + 1 + d.exponential_days(500.0, m), NEVER)
        a8_decided = a8_lodged + d.lognormal_days(rates.ARTICLE8_DECISION_MEDIAN_DAYS, 0.5, m)
        a8_grant = d.chance(rates.ARTICLE8_GRANT_SHARE, m)
        voluntary = np.where(
            d.chance(rates.VOLUNTARY_RETURN_AFTER_ARE_SHARE, m),
            exhausted + 1 + d.exponential_days(600.0, m),
            NEVER,
        )
        # Removal work stops when a fresh claim or leave reopens the case, or the person asks to go home.
        self.horizon: I64 = np.minimum.reduce(
            [fresh_day - 1, np.where(a8_grant, a8_decided - 1, NEVER), voluntary, np.full(m, self.last_day)]
        )
        live &= lodged <= self.horizon[:, None]

        row = np.repeat(np.arange(m, dtype=np.int64), rounds).reshape(m, rounds)
        keep = live.reshape(-1)
        fs_units = are_units[row.reshape(-1)[keep]]
        fs_lodged, fs_decided = lodged.reshape(-1)[keep], decided.reshape(-1)[keep]
        fs_fresh = fresh.reshape(-1)[keep]
        p = self.payloads
        self.emit_units(fs_units, "further_submissions_lodged", fs_lodged)
        fs_codes = p.codes(
            "further_submissions_decided", [{"outcome": "fresh_claim"}, {"outcome": "rejected"}]
        )
        self.emit_units(
            fs_units, "further_submissions_decided", fs_decided, fs_codes[(~fs_fresh).astype(np.int64)]
        )

        # A rejected submission is sometimes challenged by judicial review.
        challenged = ~fs_fresh & d.chance(
            rates.JUDICIAL_REVIEW_AFTER_REJECTED_SUBMISSION_SHARE, fs_units.size
        )
        jr_units = fs_units[challenged]
        jr_lodged = fs_decided[challenged] + d.uniform_days(3, 90, jr_units.size)
        self.emit_judicial_reviews(jr_units, jr_lodged, injunction=None, rule39=None)

        decision_codes = p.codes("asylum_claim_decided", [{"outcome": "grant"}, {"outcome": "refuse"}])
        self.emit_units(
            are_units, "asylum_claim_decided", second, decision_codes[(~second_grant).astype(np.int64)]
        )
        self.emit_units(are_units, "appeal_rights_exhausted", second_exhausted)

        in_uk = d.chance(rates.ARTICLE8_FAMILY_IN_UK_SHARE, m)
        a8_lodged_codes = p.codes("article8_claim_lodged", [{"family_in_uk": True}, {"family_in_uk": False}])
        self.emit_units(
            are_units, "article8_claim_lodged", a8_lodged, a8_lodged_codes[(~in_uk).astype(np.int64)]
        )
        a8_codes = p.codes("article8_claim_decided", [{"outcome": "grant"}, {"outcome": "refuse"}])
        self.emit_units(
            are_units, "article8_claim_decided", a8_decided, a8_codes[(~a8_grant).astype(np.int64)]
        )
        self.emit_units(are_units, "voluntary_return_applied", voluntary)

    def draw_removal_cycles(self) -> None:
        """Attempts to remove ARE people: documents, detention, notices, and the challenges they bring."""
        d, p = self.draw, self.payloads
        are_units = self.are_units
        # Nobody is detained for removal as a child: cycles start once the youngest single is an adult.
        detention_share = np.where(
            self.unit_has_children[are_units],
            rates.DETENTION_PER_CYCLE_SHARE * rates.DETENTION_FAMILY_WITH_CHILDREN_FACTOR,
            rates.DETENTION_PER_CYCLE_SHARE,
        )
        first = np.maximum(
            self.exhausted[are_units] + d.uniform_days(14, 180, are_units.size),
            self.unit_adult_from[are_units],
        )

        def cycle_step(rows: I64, size: int) -> dict[str, npt.NDArray[Any]]:
            detained = d.rng.random((rows.size, size)) < detention_share[rows][:, None]
            length = np.zeros(detained.shape, dtype=np.int64)
            length[detained] = d.lognormal_days(
                rates.DETENTION_MEDIAN_DAYS, rates.DETENTION_SIGMA, int(detained.sum())
            )
            gap = d.exponential_days(rates.REMOVAL_CYCLE_GAP_MEAN_DAYS, detained.size).reshape(detained.shape)
            # A cycle's own events fall in its window, or within its detention; the next starts after both.
            span = rates.REMOVAL_CYCLE_WINDOW_DAYS + np.where(detained, 30 + length, 0) + gap
            return {"span": span, "detained": detained, "length": length}

        rows, start, steps = _renewal(first, self.horizon, cycle_step)
        units, length, detained = are_units[rows], steps["length"], steps["detained"]

        # Travel documents from the country of nationality: a new request waits until an issued document
        # has expired, a refusal has come, or an unanswered request is chased.
        answer_weights = [
            rates.TRAVEL_DOCUMENT_ISSUED_SHARE,
            rates.TRAVEL_DOCUMENT_REFUSED_SHARE,
            1.0 - rates.TRAVEL_DOCUMENT_ISSUED_SHARE - rates.TRAVEL_DOCUMENT_REFUSED_SHARE,
        ]

        def document_step(rows: I64, size: int) -> dict[str, npt.NDArray[Any]]:
            shape = (rows.size, size)
            answer = d.choice(answer_weights, rows.size * size).reshape(shape)
            answer_lag = d.lognormal_days(rates.TRAVEL_DOCUMENT_ANSWER_MEDIAN_DAYS, 0.7, answer.size)
            answer_lag = answer_lag.reshape(shape)
            blocked = np.select(
                [answer == 0, answer == 1],
                [answer_lag + rates.TRAVEL_DOCUMENT_VALID_DAYS, answer_lag],
                rates.TRAVEL_DOCUMENT_CHASE_AFTER_DAYS,
            )
            gap = d.exponential_days(rates.TRAVEL_DOCUMENT_REREQUEST_GAP_MEAN_DAYS, answer.size).reshape(
                shape
            )
            return {"span": blocked + 1 + gap, "answer": answer, "answer_lag": answer_lag}

        first_request = first + d.exponential_days(rates.TRAVEL_DOCUMENT_FIRST_REQUEST_MEAN_DAYS, first.size)
        td_rows, td_day, td_steps = _renewal(first_request, self.horizon, document_step)
        td_units, answer = are_units[td_rows], td_steps["answer"]
        answer_day = td_day + td_steps["answer_lag"]
        td_nat = self.nationality[td_units]
        for event_type, mask, day in (
            ("travel_document_requested", np.ones(td_units.size, dtype=np.bool_), td_day),
            ("travel_document_issued", answer == 0, answer_day),
            ("travel_document_refused", answer == 1, answer_day),
        ):
            codes = p.codes(event_type, [{"country": code} for code in self.nationalities])
            self.emit_units(td_units[mask], event_type, day[mask], codes[td_nat[mask]])

        window = rates.REMOVAL_CYCLE_WINDOW_DAYS
        fitness_codes = p.codes(
            "fitness_to_fly_assessed",
            [
                {"fit": True, "serious_medical_condition": False},
                {"fit": False, "serious_medical_condition": False},
                {"fit": True, "serious_medical_condition": True},
                {"fit": False, "serious_medical_condition": True},
            ],
        )

        def fitness_payloads(size: int) -> I64:
            unfit = d.chance(rates.UNFIT_TO_FLY_SHARE, size).astype(np.int64)
            serious = d.chance(rates.SERIOUS_MEDICAL_CONDITION_SHARE, size).astype(np.int64)
            out: I64 = fitness_codes[unfit + 2 * serious]
            return out

        # Detention episodes: the person is assessed, and fitness checks and notices fall within it. UK
        # immigration detention has no judicial validation (the population is calibrated to the UK), so
        # no ``detention_validated`` event is written.
        held = np.flatnonzero(detained)
        h_units, h_length = units[held], length[held]
        h = held.size
        detained_on = start[held] + d.uniform_days(0, 30, h)
        released_on = detained_on + h_length
        centre_codes = p.codes("detained", [{"place": place} for place in _REMOVAL_CENTRES])
        self.emit_units(h_units, "detained", detained_on, centre_codes[d.index(len(_REMOVAL_CENTRES), h)])
        self.emit_units(h_units, "released", released_on)
        assessed = d.chance(rates.AAR_AT_DETENTION_SHARE, h)
        self.emit_assessments(h_units[assessed], detained_on[assessed])
        checked = d.chance(rates.FITNESS_TO_FLY_IN_DETENTION_SHARE, h)
        checked_on = detained_on + d.fraction_of(h_length)
        self.emit_units(
            h_units[checked], "fitness_to_fly_assessed", checked_on[checked], fitness_payloads(h)[checked]
        )
        served_in_detention = d.chance(rates.REMOVAL_NOTICE_IN_DETENTION_SHARE, h)
        served_on_in_detention = (detained_on + d.fraction_of(h_length))[served_in_detention]

        # Cycles without detention: Adults-at-Risk reviews when new evidence arrives, fitness checks,
        # and now and then a notice served at a reporting centre.
        free = np.flatnonzero(~detained)
        f_units, f_start = units[free], start[free]
        f = free.size
        reviewed = d.chance(rates.AAR_REVIEW_OUTSIDE_DETENTION_SHARE, f)
        self.emit_assessments(
            f_units[reviewed], f_start[reviewed] + d.uniform_days(0, window, int(reviewed.sum()))
        )
        checked = d.chance(rates.FITNESS_TO_FLY_OUTSIDE_DETENTION_SHARE, f)
        k = int(checked.sum())
        self.emit_units(
            f_units[checked],
            "fitness_to_fly_assessed",
            f_start[checked] + d.uniform_days(0, window, k),
            fitness_payloads(k),
        )
        served_outside = d.chance(rates.REMOVAL_NOTICE_OUTSIDE_DETENTION_SHARE, f)
        served_on_outside = f_start[served_outside] + d.uniform_days(0, window, int(served_outside.sum()))

        notice_units = np.concatenate([h_units[served_in_detention], f_units[served_outside]])
        notice_day = np.concatenate([served_on_in_detention, served_on_outside])
        notice_codes = p.codes(
            "removal_notice_served", [{"destination": code} for code in self.nationalities]
        )
        self.emit_units(
            notice_units, "removal_notice_served", notice_day, notice_codes[self.nationality[notice_units]]
        )
        # The notice of departure details (s.10A(2) Immigration and Asylum Act 1999) follows the notice of
        # intention once a flight is booked: ASSUMPTION, one to ten days later.
        self.emit_units(
            notice_units, "departure_details_served", notice_day + d.uniform_days(1, 10, notice_units.size)
        )

        # A notice brings a judicial review now and then, rarely an injunction, very rarely Rule 39.
        challenged = d.chance(rates.JUDICIAL_REVIEW_AFTER_NOTICE_SHARE, notice_units.size)
        jr_units = notice_units[challenged]
        jr_lodged = notice_day[challenged] + d.uniform_days(0, 5, jr_units.size)
        self.emit_judicial_reviews(
            jr_units,
            jr_lodged,
            injunction=d.chance(rates.INJUNCTION_GIVEN_JUDICIAL_REVIEW_SHARE, jr_units.size),
            rule39=d.chance(rates.RULE39_GIVEN_JUDICIAL_REVIEW_SHARE, jr_units.size),
        )

    def emit_judicial_reviews(
        self, units: I64, lodged: I64, *, injunction: Mask | None, rule39: Mask | None
    ) -> None:
        d, p = self.draw, self.payloads
        j = units.size
        decided = lodged + d.lognormal_days(rates.JUDICIAL_REVIEW_DECISION_MEDIAN_DAYS, 0.6, j)
        outcome = d.choice(
            [
                rates.JUDICIAL_REVIEW_GRANTED_SHARE,
                1.0 - rates.JUDICIAL_REVIEW_GRANTED_SHARE - rates.JUDICIAL_REVIEW_WITHDRAWN_SHARE,
                rates.JUDICIAL_REVIEW_WITHDRAWN_SHARE,
            ],
            j,
        )
        codes = p.codes(
            "judicial_review_decided", [{"outcome": o} for o in ("granted", "refused", "withdrawn")]
        )
        self.emit_units(units, "judicial_review_lodged", lodged)
        self.emit_units(units, "judicial_review_decided", decided, codes[outcome])
        # Interim relief comes before the court decides the claim (at the latest the day it is lodged).
        room = decided - lodged - 1
        if injunction is not None:
            courts = p.codes("injunction_granted", [{"court": court} for court in _INJUNCTION_COURTS])
            granted_on = lodged + np.minimum(d.uniform_days(0, 3, j), room)
            court = courts[d.index(len(_INJUNCTION_COURTS), j)]
            self.emit_units(
                units[injunction], "injunction_granted", granted_on[injunction], court[injunction]
            )
            self.emit_units(units[injunction], "injunction_discharged", decided[injunction])
        if rule39 is not None and rule39.any():
            r_units, r_lodged, r_decided = units[rule39], lodged[rule39], decided[rule39]
            r = r_units.size
            granted_on = r_lodged + np.minimum(d.uniform_days(0, 3, r), room[rule39])
            kind = d.choice(
                [
                    rates.RULE39_EXPIRES_AFTER_JR_SHARE,
                    rates.RULE39_FIXED_EXPIRY_SHARE,
                    1.0 - rates.RULE39_EXPIRES_AFTER_JR_SHARE - rates.RULE39_FIXED_EXPIRY_SHARE,
                ],
                r,
            )
            after_jr = p.code(
                "rule39_granted",
                {
                    "expires_after": {
                        "event_type": "judicial_review_decided",
                        "days": rates.RULE39_EXPIRES_AFTER_JR_DAYS,
                    }
                },
            )
            fixed = p.dated("rule39_granted", "expires_on", granted_on + d.uniform_days(7, 42, r))
            codes_r39 = np.select(
                [kind == 0, kind == 1], [np.full(r, after_jr), fixed], p.code("rule39_granted", {})
            )
            self.emit_units(r_units, "rule39_granted", granted_on, codes_r39)
            lifted = (kind == 2) & d.chance(rates.RULE39_OPEN_LIFTED_SHARE, r)
            lifted_on = np.maximum(granted_on, r_decided) + d.lognormal_days(60.0, 0.5, r)
            self.emit_units(r_units[lifted], "rule39_lifted", lifted_on[lifted])

    # -- personal events ---------------------------------------------------------------------------------

    def draw_screening_and_vulnerability(self) -> None:
        d, p, n = self.draw, self.payloads, self.n
        unit = self.unit_of_person
        everyone = np.arange(n, dtype=np.int64)
        arrival = self.arrival[unit]
        claim = self.claim[unit]

        # Small-boat arrivals are held for screening in a short-term holding facility.
        screened_unit = (self.route == 0) & d.chance(rates.SCREENING_DETENTION_SHARE, self.units)
        screened = screened_unit[unit]
        release_lag = self.draw.choice([0.5, 0.3, 0.15, 0.05], self.units)[unit]
        place = np.where(
            arrival < day_number(date(2022, 1, 1)),
            p.code("detained", {"place": _SCREENING_PLACE_BEFORE_2022}),
            p.code("detained", {"place": _SCREENING_PLACE_FROM_2022}),
        )
        self.log.add(everyone[screened], "detained", arrival[screened], place[screened])
        self.log.add(everyone[screened], "released", (arrival + release_lag)[screened])
        at_screening = screened & d.chance(rates.AAR_AT_SCREENING_SHARE, n)
        later = ~screened & (claim < NEVER) & d.chance(rates.AAR_OTHER_CLAIMANT_SHARE, n)
        assessed_on = np.where(at_screening, arrival, claim + 1 + d.exponential_days(200.0, n))
        chosen = at_screening | later
        self.emit_assessments_of_persons(everyone[chosen], assessed_on[chosen])

        # NRM referrals (children in families are referred with their parents' case, not separately).
        referred = (
            ~self.is_family_child
            & (claim < NEVER)
            & d.chance(
                by_nationality(rates.NRM_REFERRAL_SHARE, self.nationalities, self.nationality[unit]), n
            )
        )
        who = everyone[referred]
        r = who.size
        referral = claim[referred] + d.exponential_days(rates.NRM_REFERRAL_MEAN_DAYS_AFTER_CLAIM, r)
        rg_on = referral + d.lognormal_days(rates.NRM_REASONABLE_GROUNDS_MEDIAN_DAYS, 0.7, r)
        rg_positive = d.chance(rates.NRM_REASONABLE_GROUNDS_POSITIVE_SHARE, r)

        def nrm(event_type: str, positive: Mask) -> I64:
            codes = p.codes(event_type, [{"outcome": "positive"}, {"outcome": "negative"}])
            out: I64 = codes[(~positive).astype(np.int64)]
            return out

        self.log.add(who, "nrm_referral", referral)
        self.log.add(
            who, "nrm_reasonable_grounds_decided", rg_on, nrm("nrm_reasonable_grounds_decided", rg_positive)
        )
        cg_on = np.where(
            rg_positive, rg_on + d.lognormal_days(rates.NRM_CONCLUSIVE_GROUNDS_MEDIAN_DAYS, 0.5, r), NEVER
        )
        cg_positive = d.chance(rates.NRM_CONCLUSIVE_GROUNDS_POSITIVE_SHARE, r)
        self.log.add(
            who, "nrm_conclusive_grounds_decided", cg_on, nrm("nrm_conclusive_grounds_decided", cg_positive)
        )
        asked = ~rg_positive & d.chance(rates.NRM_RECONSIDERATION_SHARE, r)
        asked_on = np.where(asked, rg_on + d.uniform_days(1, rates.NRM_RECONSIDERATION_WINDOW_DAYS, r), NEVER)
        answered_on = asked_on + d.lognormal_days(rates.NRM_RECONSIDERATION_MEDIAN_DAYS, 0.5, r)
        reconsidered_positive = d.chance(rates.NRM_RECONSIDERATION_POSITIVE_SHARE, r)
        self.log.add(who, "nrm_reconsideration_requested", asked_on)
        self.log.add(
            who,
            "nrm_reconsideration_decided",
            answered_on,
            nrm("nrm_reconsideration_decided", reconsidered_positive),
        )

        # Age disputes for unaccompanied claimants who look older than they say.
        disputed = (
            self.is_unaccompanied & (claim < NEVER) & d.chance(rates.AGE_DISPUTE_SHARE_OF_UNACCOMPANIED, n)
        )
        who = everyone[disputed]
        a = who.size
        raised_on = claim[disputed] + d.uniform_days(0, 14, a)
        claimed_dob = self.date_of_birth[disputed]
        self.log.add(
            who,
            "age_dispute_raised",
            raised_on,
            p.dated("age_dispute_raised", "claimed_date_of_birth", claimed_dob),
        )
        resolved_on = raised_on + d.lognormal_days(rates.AGE_DISPUTE_RESOLUTION_MEDIAN_DAYS, 0.5, a)
        found_adult = d.chance(rates.AGE_DISPUTE_FOUND_ADULT_SHARE, a)
        assessed_dob = np.where(
            found_adult,
            arrival[disputed] - np.floor((19 + d.rng.random(a) * 6) * DAYS_PER_YEAR).astype(np.int64),
            claimed_dob,
        )
        resolved_codes = np.empty(a, dtype=np.int64)
        for outcome, mask in (("adult", found_adult), ("minor", ~found_adult)):
            resolved_codes[mask] = p.dated(
                "age_dispute_resolved", "assessed_date_of_birth", assessed_dob[mask], outcome=outcome
            )
        self.log.add(who, "age_dispute_resolved", resolved_on, resolved_codes)

        # When removal work may begin: a single person once an adult (or found to be one), a family at once.
        adult_from = self.date_of_birth + ADULT_AGE_DAYS
        adult_from[who[found_adult]] = np.minimum(adult_from[who[found_adult]], resolved_on[found_adult])
        self.unit_adult_from: I64 = np.where(self.unit_is_family, 0, adult_from[self.unit_start])

    # -- emitting ----------------------------------------------------------------------------------------

    def emit_units(self, units: I64, event_type: str, days: I64, payloads: I64 | int = 0) -> None:
        """Write a unit-level event to every member of each unit."""
        if units.size == 0:
            return
        persons, source = self.members(units)
        codes = payloads if isinstance(payloads, int) else payloads[source]
        self.log.add(persons, event_type, days[source], codes)

    def emit_everyone(self, event_type: str, days: I64, payloads: I64 | int = 0) -> None:
        """Write a unit-level event (one value per unit) to every person."""
        codes = payloads if isinstance(payloads, int) else payloads[self.unit_of_person]
        self.log.add(np.arange(self.n, dtype=np.int64), event_type, days[self.unit_of_person], codes)

    def aar_codes(self, persons: I64) -> I64:
        """Adults-at-Risk payloads: the person's level (0-3) only. The indicators are special-category text,
        sealed at append (``events.SEALED_FIELDS``); the bulk loader refuses them, so none are generated."""
        d, p = self.draw, self.payloads
        level = np.where(
            d.chance(rates.AAR_LEVEL_CHANGE_SHARE, persons.size),
            d.choice(rates.AAR_LEVEL_WEIGHTS, persons.size),
            self.aar_level[persons],
        )
        return p.codes("adults_at_risk_assessed", [{"level": lv} for lv in range(4)])[level]

    def emit_assessments_of_persons(self, persons: I64, days: I64) -> None:
        # The policy is for adults: a child is not assessed under it.
        adult = days - self.date_of_birth[persons] >= ADULT_AGE_DAYS
        persons, days = persons[adult], days[adult]
        self.log.add(persons, "adults_at_risk_assessed", days, self.aar_codes(persons))

    def emit_assessments(self, units: I64, days: I64) -> None:
        persons, source = self.members(units)
        self.emit_assessments_of_persons(persons, days[source])

    def emit_core_track(self) -> None:
        """Arrival, claim, decision, appeals and ARE: the asylum track each unit shares."""
        p = self.payloads
        all_units = np.arange(self.units, dtype=np.int64)
        route_codes: list[I64] = []
        for route in _ROUTES:
            route_codes.append(p.codes("arrival", [{"route": route, "port": port} for port in _PORTS[route]]))
        port_choice = self.draw.rng.random(self.units)
        arrival_codes = np.empty(self.units, dtype=np.int64)
        for r, codes in enumerate(route_codes):
            chosen = self.route == r
            arrival_codes[chosen] = codes[np.floor(port_choice[chosen] * codes.size).astype(np.int64)]
        self.emit_everyone("arrival", self.arrival, arrival_codes)
        self.emit_everyone("asylum_claim_lodged", self.claim)
        decided = p.codes("asylum_claim_decided", [{"outcome": o} for o in _DECISION_OUTCOMES])
        self.emit_everyone("asylum_claim_decided", self.decision, decided[self.outcome])
        self.emit_everyone(
            "appeal_lodged", self.appeal_lodged, p.code("appeal_lodged", {"tier": "first_tier"})
        )
        first_tier = p.codes(
            "appeal_decided", [{"tier": "first_tier", "outcome": o} for o in _APPEAL_OUTCOMES]
        )
        self.emit_everyone("appeal_decided", self.appeal_decided, first_tier[self.appeal_outcome])
        self.emit_everyone(
            "appeal_lodged",
            self.onward_lodged,
            p.code("appeal_lodged", {"tier": "upper_tribunal"}),
        )
        upper = p.codes(
            "appeal_decided",
            [
                {"tier": "upper_tribunal", "outcome": "allowed"},
                {"tier": "upper_tribunal", "outcome": "dismissed"},
            ],
        )
        self.emit_everyone(
            "appeal_decided", self.onward_decided, upper[(~self.onward_allowed).astype(np.int64)]
        )
        self.emit_everyone("appeal_rights_exhausted", self.exhausted)
        withdrawn = self.outcome == _WITHDRAWN
        voluntary = withdrawn & self.draw.chance(rates.VOLUNTARY_RETURN_AFTER_WITHDRAWAL_SHARE, self.units)
        self.emit_units(
            all_units[voluntary],
            "voluntary_return_applied",
            self.decision[voluntary] + 1 + self.draw.exponential_days(60.0, int(voluntary.sum())),
        )

    # -- assembling the frames ---------------------------------------------------------------------------

    def persons_frame(self) -> pl.DataFrame:
        d, n = self.draw, self.n
        unit = self.unit_of_person
        nationality = self.nationality[unit]
        regions = sorted(set(NATIONALITY_NAME_REGION.values()))
        region_of_nationality = np.array(
            [regions.index(NATIONALITY_NAME_REGION[c]) for c in self.nationalities], dtype=np.int64
        )
        region = region_of_nationality[nationality]

        # Names: one pool per (sex, region); a family shares its family name.
        given_pools = [NAME_POOLS[r][0] for r in regions] + [NAME_POOLS[r][1] for r in regions]
        given = _pick_names(given_pools, region + len(regions) * (~self.male), d.rng.random(n))
        family_pools = [NAME_POOLS[r][2] for r in regions]
        family_name = _pick_names(family_pools, region, d.rng.random(self.units)[unit])

        # Languages: one main language of the nationality (shared in a family) and, for some adults, English.
        language_choice = d.rng.random(self.units)[unit]
        adult = ~self.is_family_child & ~self.is_unaccompanied
        english = adult & d.chance(rates.SPEAKS_ENGLISH_SHARE, n)
        options: list[list[str]] = []
        most = max(len(NATIONALITY_LANGUAGES[c]) for c in self.nationalities)
        option_index = np.zeros((len(self.nationalities), most, 2), dtype=np.int64)
        for ni, code in enumerate(self.nationalities):
            for li in range(most):
                spoken = NATIONALITY_LANGUAGES[code]
                main = spoken[min(li, len(spoken) - 1)]
                for with_english in (0, 1):
                    chosen = [main] + (["en"] if with_english and main != "en" else [])
                    option_index[ni, li, with_english] = len(options)
                    options.append(chosen)
        n_main = np.array([len(NATIONALITY_LANGUAGES[c]) for c in self.nationalities], dtype=np.int64)
        main_index = np.floor(language_choice * n_main[nationality]).astype(np.int64)
        languages = pl.Series(options, dtype=pl.List(pl.String)).gather(
            option_index[nationality, main_index, english.astype(np.int64)]
        )

        index = np.arange(n, dtype=np.int64)
        return pl.DataFrame(
            {
                "person_index": index,
                "reference": pl.Series(index + 1).cast(pl.String).str.zfill(7),
                "given_name": given,
                "family_name": family_name,
                "date_of_birth": pl.Series(self.date_of_birth.astype(np.int32)).cast(pl.Date),
                "sex": pl.Series(np.where(self.male, "M", "F")).cast(pl.String),
                "nationality": pl.Series(self.nationalities, dtype=pl.String).gather(nationality),
                "languages": languages,
                "family_index": self.family_index_of_unit[unit],
            }
        ).with_columns(
            ("RH" + pl.col("reference")).alias("reference"),
            pl.when(pl.col("family_index") >= 0).then(pl.col("family_index")).alias("family_index"),
        )

    def events_frame(self) -> pl.DataFrame:
        log, d = self.log, self.draw
        person = np.concatenate(log.persons)
        kind = np.concatenate(log.types)
        occurred = np.concatenate(log.days)
        payload = np.concatenate(log.payloads)
        m = person.size

        # When the system learnt of each event: mostly the same working day, sometimes days later, and
        # for assessments and postal decisions now and then weeks later (after later events).
        late_recordable = np.array([t in LATE_RECORDABLE for t in EVENT_ORDER])
        late = late_recordable[kind] & d.chance(rates.LATE_RECORDING_SHARE, m)
        lag = np.where(
            d.chance(rates.RECORDED_SAME_DAY_SHARE, m), 0, d.uniform_days(1, rates.RECORDED_NEXT_DAYS_MAX, m)
        )
        lag[late] = d.uniform_days(
            rates.LATE_RECORDING_MIN_DAYS, rates.LATE_RECORDING_MAX_DAYS, int(late.sum())
        )
        is_arrival = kind == RANK["arrival"]
        lag[is_arrival] = 0
        lag = np.minimum(occurred + lag, self.last_day) - occurred  # nothing is recorded today or later

        # Recording order: legal order (day, then the causal rank), except that a late event takes its
        # place on the day it was recorded. The arrival always opens a history. Everything the frame
        # needs is packed into two integers, so the sort moves two arrays, not six.
        base = self.start_day - 1
        occurred_offset = occurred - base
        place_day = occurred_offset + np.where(late, lag, 0)
        if place_day.max(initial=0) >= 1 << 14 or occurred_offset.min(initial=1) < 0:
            raise ValueError("history spans more than 44 years or starts before start_year")
        key = (
            (person << 35)
            | ((~is_arrival).astype(np.int64) << 34)
            | (place_day << 20)
            | (occurred_offset << 6)
            | kind
        )
        extra = (payload << 7) | lag  # lag <= LATE_RECORDING_MAX_DAYS < 128
        order = np.argsort(key, kind="stable")
        key, extra = key[order], extra[order]
        person = key >> 35
        kind = key & 0x3F
        occurred = ((key >> 6) & 0x3FFF) + base
        payload = extra >> 7
        recorded_day = occurred + (extra & 0x7F)

        # recorded_at strictly increasing within a person: a running maximum of (time - position) per
        # person, then add the position back; person blocks are kept apart by a large offset.
        seconds = recorded_day * SECONDS_PER_DAY + WORKDAY_START_SECONDS + d.index(WORKDAY_LENGTH_SECONDS, m)
        position = np.arange(m, dtype=np.int64)
        block = person << 36
        recorded = np.maximum.accumulate(seconds - position + block) - block + position
        counts = np.bincount(person, minlength=self.n)
        starts = np.cumsum(counts) - counts
        sequence = position - starts[person] + 1

        return pl.DataFrame(
            {
                "person_index": person,
                "sequence": sequence,
                "event_type": pl.Series(EVENT_ORDER, dtype=pl.String).gather(kind),
                "occurred_on": pl.Series(occurred.astype(np.int32)).cast(pl.Date),
                "recorded_at": pl.Series(recorded * 1_000_000).cast(pl.Datetime("us", "UTC")),
                "data": pl.Series(self.payloads.strings, dtype=pl.String).gather(payload),
            }
        )


def _renewal(
    first: I64,
    horizon: I64,
    draw_steps: Callable[[I64, int], dict[str, npt.NDArray[Any]]],
    block: int = 32,
) -> tuple[I64, I64, dict[str, npt.NDArray[Any]]]:
    """A renewal process per row: steps of random length from ``first`` until ``horizon``.

    ``draw_steps(rows, block)`` draws ``block`` steps for each of ``rows`` as arrays of shape
    ``(len(rows), block)``, one of them ``span`` (days to the next step). Steps are drawn a block at a
    time and laid out with a cumulative sum, so the Python loop runs once per block, not per step.
    Returns the row, the start day and the drawn values of every step that starts by the row's horizon.
    """
    rows_out: list[I64] = []
    starts_out: list[I64] = []
    values_out: dict[str, list[npt.NDArray[Any]]] = {}
    active = np.flatnonzero(first <= horizon)
    next_start = first[active]
    while True:
        steps = draw_steps(active, block)
        span = steps["span"]
        starts = next_start[:, None] + np.cumsum(span, axis=1) - span
        kept = starts <= horizon[active][:, None]
        row_index, _ = np.nonzero(kept)
        rows_out.append(active[row_index])
        starts_out.append(starts[kept])
        for name, drawn in steps.items():
            values_out.setdefault(name, []).append(drawn[kept])
        still = kept[:, -1]
        next_start = (starts[:, -1] + span[:, -1])[still]
        active = active[still]
        if active.size == 0:
            break
    values = {name: np.concatenate(parts) for name, parts in values_out.items()}
    return np.concatenate(rows_out), np.concatenate(starts_out), values


def _pick_names(pools: Sequence[tuple[str, ...]], pool: I64, pick: F64) -> pl.Series:
    """For each person, the name at fraction ``pick`` of pool ``pool``."""
    names = [name for names_in_pool in pools for name in names_in_pool]
    sizes = np.array([len(names_in_pool) for names_in_pool in pools], dtype=np.int64)
    offsets = np.cumsum(sizes) - sizes
    index = offsets[pool] + np.floor(pick * sizes[pool]).astype(np.int64)
    return pl.Series(names, dtype=pl.String).gather(index)


def _solve_intercept(effect: F64, weight: F64, target: float) -> float:
    """The intercept a such that the weighted mean of sigmoid(a + effect) is ``target`` (bisection)."""
    if effect.size == 0:
        return float(np.log(target / (1.0 - target)))
    # Few distinct effects (one per nationality): bisect over those, not over every unit.
    distinct, inverse = np.unique(effect, return_inverse=True)
    totals = np.bincount(inverse.reshape(-1), weights=weight, minlength=distinct.size)
    low, high = -20.0, 20.0
    for _ in range(60):
        middle = (low + high) / 2
        mean = float((totals / (1.0 + np.exp(-(middle + distinct)))).sum() / totals.sum())
        if mean < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def generate_population(n_persons: int, seed: int, *, today: date, start_year: int = 2018) -> Population:
    """Draw ``n_persons`` synthetic people and their legal histories up to the day before ``today``.

    The same ``(n_persons, seed, today, start_year)`` always gives the same population.
    """
    if n_persons < 1:
        raise ValueError("n_persons must be at least 1")
    if n_persons > 9_999_999:
        raise ValueError("n_persons must be at most 9,999,999 (references have seven digits)")
    if date(start_year, 1, 1) >= today:
        raise ValueError("start_year must begin before today")
    g = _Generator(n_persons, seed, today, start_year)
    g.build_units()
    g.draw_arrivals()
    g.draw_people()
    g.draw_decisions()
    g.draw_appeals()
    g.draw_screening_and_vulnerability()
    g.emit_core_track()
    g.draw_after_exhaustion()
    g.draw_removal_cycles()
    return Population(persons=g.persons_frame(), events=g.events_frame())
