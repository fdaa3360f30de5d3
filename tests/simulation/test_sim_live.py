"""A simulation started from the live caseload: its stocks are the projection's cases counted by status and
nationality, and its hub-eligible people are exactly those the safeguards screening finds eligible."""

from __future__ import annotations

from collections import Counter

import polars as pl

from returnhub.casework.bulk import load_population
from returnhub.casework.store import case_state
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.demo import seed_demo_reviews
from returnhub.partners.seed import seed_partners
from returnhub.safeguards.service import screen
from returnhub.simulation.live import STATUS_TO_STOCK, initial_from_database
from returnhub.synthetic import generate_population


def test_the_live_caseload_counts_every_case_once_by_its_stock(runtime: Runtime) -> None:
    today = runtime.clock.today()
    population = generate_population(400, 17, today=today)
    load_population(runtime.engine, population.persons, population.events, clock=runtime.clock)
    with unit_of_work(runtime.engine) as s:  # the senior reviews without which nobody may be referred
        seed_partners(s, runtime.clock)
    with unit_of_work(runtime.engine) as s:
        assert seed_demo_reviews(s, runtime.clock, share=0.7) > 0
    with unit_of_work(runtime.engine, read_only=True) as s:
        caseload = initial_from_database(s, as_of=today)
        results = screen(s, pack="uk", stage="hub_referral", as_of=today).results
    # The screening's outcome per case, with the person's nationality from the generator.
    states = population.persons.select("reference", "nationality").join(
        results.select("reference", "outcome"), on="reference"
    )
    # Each case folded from its own events (not read from the projection the live caseload counts).
    with unit_of_work(runtime.engine, read_only=True) as s:
        every = []
        for reference, nationality in population.persons.select("reference", "nationality").iter_rows():
            _, state = case_state(s, reference)
            every.append((reference, state.status, nationality))
    expected: dict[str, Counter[str]] = {}
    for _, status, nationality in every:
        if status not in STATUS_TO_STOCK:
            continue
        expected.setdefault(STATUS_TO_STOCK[status], Counter())[nationality] += 1
    assert caseload.awaiting_decision == dict(expected.get("awaiting_decision", {}))
    assert caseload.appeal_pending == dict(expected.get("appeal_pending", {}))
    assert caseload.appeal_rights_exhausted == dict(expected.get("appeal_rights_exhausted", {}))
    assert sum(caseload.appeal_rights_exhausted.values()) > 0  # the population reaches that stage
    are = {r for r, status, _ in every if status in ("appeal_rights_exhausted", "referred_to_hub")}
    eligible = states.filter(pl.col("outcome") == "eligible", pl.col("reference").is_in(list(are)))
    by_nationality = dict(Counter(eligible.get_column("nationality").to_list()))
    assert caseload.hub_eligible == by_nationality
    assert 0 < sum(by_nationality.values()) < len(are)  # some, not all, may be referred
