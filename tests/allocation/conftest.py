"""Small allocation problems: hand-written ones and a Hypothesis strategy for random ones.

The random problems are built frame by frame (not with ``make_instance``) so that they reach corners the
generator avoids: zero seats, minimum loads above seats, missing bed rows, tiny quotas, big families,
members of one family with different eligibility, and transfers outside the horizon.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from hypothesis import strategies as st

from returnhub.operations.allocation.model import (
    HUB_BEDS_SCHEMA,
    PEOPLE_SCHEMA,
    QUOTAS_SCHEMA,
    TRANSFERS_SCHEMA,
    AllocationConfig,
    AllocationProblem,
)

BED_TYPES = ("single_adult_male", "adult_female", "family")
NATIONALITIES = ("ALB", "IRQ", "ERI")
START = date(2026, 1, 5)


def problem_from_rows(
    people: list[tuple[str, str, str, str, float, list[str]]],
    transfers: list[tuple[str, str, int, int, int, float]],
    beds: list[tuple[str, str, int, int]],
    quotas: list[tuple[str, str, str, int, int, int]] = (),  # type: ignore[assignment]
    horizon: int = 4,
) -> AllocationProblem:
    """people: (person_id, family_id, nationality, bed_type, priority, eligible_hubs);
    transfers: (transfer_id, hub_id, week, seats, min_load, cost_per_person)."""
    return AllocationProblem(
        people=pl.DataFrame(people, schema=PEOPLE_SCHEMA, orient="row"),
        transfers=pl.DataFrame(
            [
                (tid, hub, week, START + timedelta(days=7 * week), seats, min_load, cost, 1.0)
                for tid, hub, week, seats, min_load, cost in transfers
            ],
            schema=TRANSFERS_SCHEMA,
            orient="row",
        ),
        hub_beds=pl.DataFrame(beds, schema=HUB_BEDS_SCHEMA, orient="row"),
        quotas=pl.DataFrame(list(quotas), schema=QUOTAS_SCHEMA, orient="row"),
        config=AllocationConfig(horizon_weeks=horizon),
    )


@st.composite
def tiny_problems(draw: Any) -> AllocationProblem:
    n_hubs = draw(st.integers(1, 3))
    hubs = [f"H{h}" for h in range(n_hubs)]
    weeks = draw(st.integers(1, 3))
    people: list[tuple[str, str, str, str, float, list[str]]] = []
    n_families = draw(st.integers(0, 9))
    for f in range(n_families):
        size = draw(st.sampled_from([1, 1, 1, 2, 3, 5]))
        nationality = draw(st.sampled_from(NATIONALITIES))
        family_hubs = draw(st.lists(st.sampled_from(hubs), unique=True, max_size=n_hubs))
        for m in range(size):
            # Now and then a member has other hubs, so the family's hubs are an intersection.
            own_hubs = (
                family_hubs
                if draw(st.integers(0, 5))
                else draw(st.lists(st.sampled_from(hubs), unique=True, max_size=n_hubs))
            )
            bed = "family" if size > 1 else draw(st.sampled_from(BED_TYPES[:2]))
            priority = draw(st.floats(0, 10, allow_nan=False).map(lambda p: round(p, 2)))
            people.append((f"P{f}-{m}", f"F{f}", nationality, bed, priority, own_hubs))
    transfers = []
    for h in hubs:
        for w in range(-1, weeks + 1):  # one week either side of the horizon: never to be used
            if draw(st.booleans()):
                seats = draw(st.integers(0, 8))
                transfers.append(
                    (
                        f"T-{h}-{w}",
                        h,
                        w,
                        seats,
                        draw(st.integers(0, 6)),
                        draw(st.sampled_from([0.0, 300.0, 1500.0])),
                    )
                )
    beds = []
    for h in hubs:
        for w in range(weeks):
            for b in BED_TYPES:
                if draw(st.integers(0, 4)):
                    beds.append((h, b, w, draw(st.integers(-1, 7))))
    quotas = []
    for q in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, weeks - 1))
        quotas.append(
            (
                f"Q{q}",
                draw(st.sampled_from([*hubs, "*"])),
                draw(st.sampled_from([*NATIONALITIES, "*"])),
                start,
                draw(st.integers(start, weeks - 1)),
                draw(st.integers(0, 6)),
            )
        )
    return problem_from_rows(people, transfers, beds, quotas, horizon=weeks)
