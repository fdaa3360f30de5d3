"""The synthetic population: reproducible, valid, foldable, and calibrated to the published figures."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pycountry
import pytest

from returnhub.casework.events import DEPARTURE_EVENT_TYPES, EVENT_PAYLOADS, validate_payload
from returnhub.casework.state import LegalEvent, fold
from returnhub.synthetic import Population, generate_population, population_summary

TODAY = date(2026, 1, 1)

#: Events only operations may write; the generator must never emit them.
OPERATIONS_ONLY = {
    "allocated_to_transfer",
    "departed",
    "arrived_at_hub",
    "hub_exit",
    "hub_referral",
    "review_decided",
    "event_retracted",
}

#: Statuses a history without operations events can fold to.
SENSIBLE_STATUSES = {
    "arrived",
    "claim_pending",
    "granted",
    "refused",
    "withdrawn",
    "appeal_pending",
    "appeal_rights_exhausted",
}


@pytest.fixture(scope="module")
def population() -> Population:
    """Large enough for the rate checks to sit well inside their tolerances (about 1 s to draw)."""
    return generate_population(40_000, 20260101, today=TODAY)


def _rows_as_legal_events(history: pl.DataFrame) -> list[LegalEvent]:
    return [
        LegalEvent(sequence, event_type, occurred_on, recorded_at, json.loads(data))
        for sequence, event_type, occurred_on, recorded_at, data in history.select(
            "sequence", "event_type", "occurred_on", "recorded_at", "data"
        ).iter_rows()
    ]


# -- reproducibility -----------------------------------------------------------------------------------


def test_same_seed_gives_identical_population() -> None:
    first = generate_population(3_000, 7, today=TODAY)
    second = generate_population(3_000, 7, today=TODAY)
    assert first.persons.equals(second.persons)
    assert first.events.equals(second.events)


def test_different_seeds_give_different_populations() -> None:
    first = generate_population(3_000, 7, today=TODAY)
    second = generate_population(3_000, 8, today=TODAY)
    assert not first.persons.equals(second.persons)
    assert not first.events.equals(second.events)


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        generate_population(0, 1, today=TODAY)
    with pytest.raises(ValueError):
        generate_population(10, 1, today=date(2017, 6, 1))


def test_a_tiny_population_still_has_whole_histories() -> None:
    tiny = generate_population(1, 3, today=TODAY)
    assert tiny.persons.height == 1
    assert tiny.events["event_type"][0] == "arrival"


# -- persons -------------------------------------------------------------------------------------------


def test_persons_frame_shape_and_identifiers(population: Population) -> None:
    persons = population.persons
    assert persons.columns == [
        "person_index",
        "reference",
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "nationality",
        "languages",
        "family_index",
    ]
    assert persons["person_index"].to_list() == list(range(persons.height))
    assert persons["reference"][0] == "RH0000001"
    assert persons["reference"].str.contains(r"^RH\d{7}$").all()
    assert persons["reference"].n_unique() == persons.height
    assert set(persons["sex"].unique()) == {"M", "F"}
    assert persons["given_name"].str.len_chars().min() > 0
    assert persons["family_name"].str.len_chars().min() > 0


def test_nationalities_and_languages_are_iso_codes(population: Population) -> None:
    persons = population.persons
    for code in persons["nationality"].unique():
        assert pycountry.countries.get(alpha_3=code) is not None, code
    languages = persons["languages"].explode().unique().to_list()
    for code in languages:
        found = pycountry.languages.get(alpha_2=code) or pycountry.languages.get(alpha_3=code)
        assert found is not None, code
    assert persons["languages"].list.len().min() >= 1


def test_families_share_nationality_name_and_arrival(population: Population) -> None:
    persons = population.persons
    arrivals = population.events.filter(pl.col("event_type") == "arrival").select(
        "person_index", pl.col("occurred_on").alias("arrived_on")
    )
    families = (
        persons.filter(pl.col("family_index").is_not_null())
        .join(arrivals, on="person_index")
        .group_by("family_index")
        .agg(
            pl.len().alias("size"),
            pl.col("nationality").n_unique().alias("nationalities"),
            pl.col("family_name").n_unique().alias("family_names"),
            pl.col("arrived_on").n_unique().alias("arrival_days"),
        )
    )
    assert families["size"].min() >= 2 and families["size"].max() <= 6
    assert (families["nationalities"] == 1).all()
    assert (families["family_names"] == 1).all()
    assert (families["arrival_days"] == 1).all()
    share_in_families = families["size"].sum() / persons.height
    assert 0.10 <= share_in_families <= 0.16


def test_minors_are_present_in_families_and_alone(population: Population) -> None:
    persons = population.persons.join(
        population.events.filter(pl.col("event_type") == "arrival").select(
            "person_index", pl.col("occurred_on").alias("arrived_on")
        ),
        on="person_index",
    )
    minors = persons.filter(pl.col("date_of_birth").dt.offset_by("18y") > pl.col("arrived_on"))
    assert minors.filter(pl.col("family_index").is_not_null()).height > 0
    alone = minors.filter(pl.col("family_index").is_null())
    assert alone.height / persons.height == pytest.approx(0.05, abs=0.015)
    # Every child in a family arrived with an adult of that family.
    family_adults = (
        persons.filter(pl.col("family_index").is_not_null())
        .with_columns((pl.col("date_of_birth").dt.offset_by("18y") <= pl.col("arrived_on")).alias("adult"))
        .group_by("family_index")
        .agg(pl.col("adult").any())
    )
    assert family_adults["adult"].all()


# -- events: shape, validity and time ------------------------------------------------------------------


def test_every_payload_validates_and_is_in_normal_form(population: Population) -> None:
    distinct = population.events.select("event_type", "data").unique()
    for event_type, data in distinct.iter_rows():
        assert event_type in EVENT_PAYLOADS
        normalised = validate_payload(event_type, json.loads(data))
        assert json.dumps(normalised, sort_keys=True, separators=(",", ":")) == data


def test_no_operations_events(population: Population) -> None:
    assert not set(population.events["event_type"].unique()) & OPERATIONS_ONLY


def test_events_sorted_with_contiguous_sequences(population: Population) -> None:
    events = population.events
    assert events.columns == ["person_index", "sequence", "event_type", "occurred_on", "recorded_at", "data"]
    keys = events.select("person_index", "sequence").to_numpy()
    order = np.lexsort((keys[:, 1], keys[:, 0]))
    assert (order == np.arange(events.height)).all()
    gaps = events.select(pl.col("sequence").diff().over("person_index").drop_nulls())
    assert (gaps["sequence"] == 1).all()
    assert events.filter(pl.col("sequence") == 1).height == population.persons.height


def test_recorded_at_strictly_increasing_and_never_after_today(population: Population) -> None:
    events = population.events
    assert events.schema["recorded_at"] == pl.Datetime("us", "UTC")
    steps = events.select(pl.col("recorded_at").diff().over("person_index").drop_nulls())
    assert steps["recorded_at"].min() > timedelta(0)
    end_of_today = datetime(TODAY.year, TODAY.month, TODAY.day, 23, 59, 59, 999999, tzinfo=UTC)
    assert events["recorded_at"].max() <= end_of_today
    assert events["occurred_on"].max() <= TODAY
    # Never recorded before it happened.
    assert events.filter(pl.col("recorded_at").dt.date() < pl.col("occurred_on")).is_empty()


def test_arrival_opens_every_history_and_nothing_precedes_it(population: Population) -> None:
    events = population.events
    first = events.filter(pl.col("sequence") == 1)
    assert (first["event_type"] == "arrival").all()
    assert events.filter(pl.col("event_type") == "arrival").height == population.persons.height
    arrivals = first.select("person_index", pl.col("occurred_on").alias("arrived_on"))
    early = events.join(arrivals, on="person_index").filter(pl.col("occurred_on") < pl.col("arrived_on"))
    assert early.is_empty()


def test_some_events_are_recorded_after_later_ones(population: Population) -> None:
    # Bitemporal realism: a late-recorded assessment sits after events that happened after it.
    back_in_time = population.events.select(pl.col("occurred_on").diff().over("person_index").dt.total_days())
    assert (back_in_time["occurred_on"] < 0).sum() > 0


def test_a_pending_claim_is_one_whose_decision_falls_after_today() -> None:
    earlier = generate_population(5_000, 11, today=date(2024, 1, 1))
    later = generate_population(5_000, 11, today=TODAY)
    assert earlier.events["occurred_on"].max() < date(2024, 1, 1)
    decided = later.events.filter(pl.col("event_type") == "asylum_claim_decided")
    assert decided["occurred_on"].min() < date(2024, 1, 1) < decided["occurred_on"].max()


# -- calibration ---------------------------------------------------------------------------------------


def _outcome(events: pl.DataFrame) -> pl.Series:
    return events["data"].str.extract(r'"outcome":"(\w+)"')


def test_grant_rates_by_year_of_decision(population: Population) -> None:
    decided = population.events.filter(pl.col("event_type") == "asylum_claim_decided").with_columns(
        _outcome(population.events.filter(pl.col("event_type") == "asylum_claim_decided")).alias("outcome"),
        pl.col("occurred_on").dt.year().alias("year"),
    )

    def grant_rate(year: int) -> float:
        outcomes = decided.filter(pl.col("year") == year)["outcome"]
        grants = (outcomes == "grant").sum()
        refusals = outcomes.is_in(["refuse", "certified"]).sum()
        return float(grants / (grants + refusals))

    assert grant_rate(2024) == pytest.approx(0.47, abs=0.03)
    assert grant_rate(2023) == pytest.approx(0.67, abs=0.03)
    assert (decided["outcome"] == "withdrawn").sum() > 0


def test_about_46_percent_of_first_tier_appeals_allowed(population: Population) -> None:
    appeals = population.events.filter(
        (pl.col("event_type") == "appeal_decided") & pl.col("data").str.contains('"tier":"first_tier"')
    )
    allowed = (_outcome(appeals) == "allowed").mean()
    assert allowed == pytest.approx(0.46, abs=0.03)


def test_rule39_is_rare_and_well_formed() -> None:
    big = generate_population(100_000, 39, today=TODAY)
    measures = big.events.filter(pl.col("event_type") == "rule39_granted")
    # Per section 2 R4: 12 of 161 requests granted in three years; a handful in a national caseload.
    assert 0 < measures.height < 0.001 * big.persons.height
    for data in measures["data"]:
        payload = json.loads(data)
        if "expires_after" in payload:
            assert payload["expires_after"] == {"event_type": "judicial_review_decided", "days": 21}


def test_mean_history_length_is_national_sizing(population: Population) -> None:
    mean = population.events.height / population.persons.height
    assert 12 <= mean <= 18


def test_routes_small_boat_is_the_largest(population: Population) -> None:
    routes = (
        population.events.filter(pl.col("event_type") == "arrival")["data"]
        .str.extract(r'"route":"(\w+)"')
        .value_counts(sort=True)
    )
    assert routes["data"][0] == "small_boat"
    assert set(routes["data"]) == {"small_boat", "air", "lorry", "other"}


def test_age_disputes_only_for_claimed_minors(population: Population) -> None:
    events, persons = population.events, population.persons
    raised = events.filter(pl.col("event_type") == "age_dispute_raised").join(persons, on="person_index")
    assert raised.height > 0
    claimed = raised["data"].str.extract(r'"claimed_date_of_birth":"([\d-]+)"').str.to_date()
    assert (claimed == raised["date_of_birth"]).all()
    arrivals = events.filter(pl.col("event_type") == "arrival").select(
        "person_index", pl.col("occurred_on").alias("arrived_on")
    )
    young = raised.join(arrivals, on="person_index").filter(
        pl.col("date_of_birth").dt.offset_by("18y") > pl.col("arrived_on")
    )
    assert young.height == raised.height
    assert raised["family_index"].is_null().all()


def test_adults_at_risk_levels_are_mostly_low(population: Population) -> None:
    levels = (
        population.events.filter(pl.col("event_type") == "adults_at_risk_assessed")["data"]
        .str.extract(r'"level":(\d)')
        .cast(pl.Int64)
    )
    assert set(levels.unique()) == {0, 1, 2, 3}
    assert (levels <= 1).mean() > 0.7


def test_the_uk_population_has_no_judicial_validation_of_detention(population: Population) -> None:
    # Issue 13, item 7: UK immigration detention is not validated by a judge, so the seed writes none.
    assert population.events.filter(pl.col("event_type") == "detention_validated").height == 0
    assert population.events.filter(pl.col("event_type") == "departure_details_served").height > 0


def test_every_stage_of_the_catalogue_appears(population: Population) -> None:
    present = set(population.events["event_type"].unique())
    # Periodic detention reviews are recorded by operations; the generator does not simulate them yet. The
    # population is calibrated to the UK, which has no judicial validation of immigration detention and
    # no EU vulnerability assessment: those events belong to EU (Italian) cases only.
    not_generated = {
        "removed_from_manifest",
        "serious_incident",
        "detention_reviewed",
        "detention_validated",
        "detention_validation_refused",
        "vulnerability_assessed",
        # Returns from the UK (issue 18) are recorded and imported, but the generator does not simulate them
        # yet: they pass the departure gate one by one, which the bulk loader does not run.
        *DEPARTURE_EVENT_TYPES,
        "removal_directions_set",
        "voluntary_return_consented",
        "deportation_order_made",
        "deportation_order_revoked",
        "entry_ban_imposed",
        "removal_failed",
        "travel_document_chased",
    }
    expected = set(EVENT_PAYLOADS) - OPERATIONS_ONLY - not_generated
    # Rule 39 is too rare to be sure of in 40,000 people; injunctions and NRM reconsiderations are not.
    assert expected - present <= {"rule39_granted", "rule39_lifted"}


# -- folding -------------------------------------------------------------------------------------------


def test_a_sample_of_histories_folds_to_sensible_states(population: Population) -> None:
    rng = np.random.default_rng(0)
    sample = rng.choice(population.persons.height, size=500, replace=False)
    chosen = population.events.filter(pl.col("person_index").is_in(sample.tolist()))
    statuses = {}
    for (person,), history in chosen.group_by("person_index"):
        state = fold(_rows_as_legal_events(history))
        statuses[person] = state.status
        assert state.arrived_on is not None
        if state.status == "appeal_rights_exhausted":
            assert state.claim_outcome in ("refuse", "certified")
            assert not state.appeal_pending
    assert len(statuses) == 500
    assert set(statuses.values()) <= SENSIBLE_STATUSES
    counts = {status: list(statuses.values()).count(status) for status in SENSIBLE_STATUSES}
    # A realistic stock: many granted, a good share ARE, and claims and appeals still pending.
    assert counts["granted"] > 100
    assert counts["appeal_rights_exhausted"] > 40
    assert counts["claim_pending"] > 30
    assert counts["appeal_pending"] > 5


def test_population_summary_counts_add_up() -> None:
    small = generate_population(2_000, 5, today=TODAY)
    summary = population_summary(small)
    assert summary["persons"] == 2_000
    assert summary["events"] == small.events.height
    assert sum(summary["by_nationality"].values()) == 2_000
    assert sum(summary["by_event_type"].values()) == small.events.height
    assert sum(summary["by_final_outcome"].values()) == 2_000
    assert set(summary["by_final_outcome"]) <= SENSIBLE_STATUSES
    assert summary["people_in_families"] == small.persons["family_index"].is_not_null().sum()
    assert re.fullmatch(r"[A-Z]{3}", next(iter(summary["by_nationality"])))
