"""Synthetic allocation instances for tests and the benchmark (no real person is ever in the repository).

The shape follows the scheme: a handful of nationalities with different agreement scopes per hub, safeguard
profiles that bar some people from some hub countries, about 12% of people in families of 2-6, three bed
types, one transfer per hub per week, and quarterly quotas per hub (overall and for some nationalities).
Capacity (seats, beds) scales with the number of people so that the load stays comparable across sizes.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import polars as pl

from returnhub.operations.allocation.model import (
    ANY,
    HUB_BEDS_SCHEMA,
    PEOPLE_SCHEMA,
    QUOTAS_SCHEMA,
    TRANSFERS_SCHEMA,
    AllocationConfig,
    AllocationProblem,
)

NATIONALITIES = ("ALB", "IRQ", "IRN", "AFG", "ERI", "SYR", "VNM", "SDN", "PAK", "IND")
NATIONALITY_SHARES = np.array([0.2, 0.15, 0.12, 0.1, 0.1, 0.08, 0.08, 0.07, 0.05, 0.05])
BED_TYPES = ("single_adult_male", "adult_female", "family")
FAMILY_SIZES = np.array([2, 3, 4, 5, 6])
FAMILY_SIZE_SHARES = np.array([0.35, 0.3, 0.2, 0.1, 0.05])
FIRST_DEPARTURE = date(2026, 1, 5)
QUOTA_PERIOD_WEEKS = 13
# Safeguard profiles: share of people, and which hubs (as a fraction of all hubs) each profile bars.
PROFILE_SHARES = np.array([0.85, 0.08, 0.05, 0.02])


def hub_ids(n_hubs: int) -> list[str]:
    return [f"H{h:02d}" for h in range(n_hubs)]


def make_instance(
    n_people: int,
    n_hubs: int = 20,
    n_weeks: int = 26,
    seed: int = 0,
    *,
    family_share: float = 0.12,
    seats_per_person: float = 0.8,
    config: AllocationConfig | None = None,
) -> AllocationProblem:
    """A reproducible instance. ``seats_per_person`` is total seats over people (below 1: not all fit)."""
    if n_people < 0 or n_hubs < 1 or n_weeks < 1:
        raise ValueError("need n_people >= 0, n_hubs >= 1, n_weeks >= 1")
    rng = np.random.default_rng(seed)
    hubs = hub_ids(n_hubs)
    n_nat = len(NATIONALITIES)

    # Agreement scope: each hub takes 4-8 nationalities; every nationality is taken by at least one hub.
    scope = np.zeros((n_hubs, n_nat), dtype=bool)
    for h in range(n_hubs):
        scope[h, rng.choice(n_nat, size=int(rng.integers(4, 9)), replace=False)] = True
    for n in range(n_nat):
        if not scope[:, n].any():
            scope[int(rng.integers(n_hubs)), n] = True
    # Profile 0 bars nothing; 1 bars one hub country (hubs 0..n/4); 2 bars hubs without medical care;
    # 3 (serious medical needs) may only go to two hubs.
    barred = np.zeros((len(PROFILE_SHARES), n_hubs), dtype=bool)
    barred[1, : max(1, n_hubs // 4)] = True
    barred[2, rng.random(n_hubs) < 0.3] = True
    allowed_for_3 = rng.choice(n_hubs, size=min(2, n_hubs), replace=False)
    barred[3, :] = True
    barred[3, allowed_for_3] = False

    # Families: draw family sizes until the family share is reached, the rest are single people.
    target_in_families = int(round(n_people * family_share))
    sizes: list[int] = []
    in_families = 0
    while in_families < target_in_families:
        size = int(rng.choice(FAMILY_SIZES, p=FAMILY_SIZE_SHARES))
        size = min(size, target_in_families - in_families) if target_in_families - in_families >= 2 else 0
        if size < 2:
            break
        sizes.append(size)
        in_families += size
    n_families = len(sizes)
    n_singles = n_people - in_families
    unit_size = np.concatenate([np.array(sizes, dtype=np.int64), np.ones(n_singles, dtype=np.int64)])
    n_units = unit_size.size
    unit_nat = rng.choice(n_nat, size=n_units, p=NATIONALITY_SHARES)
    unit_profile = rng.choice(len(PROFILE_SHARES), size=n_units, p=PROFILE_SHARES)
    unit_is_family = np.arange(n_units) < n_families

    person_unit = np.repeat(np.arange(n_units), unit_size)
    person_nat = unit_nat[person_unit].copy()
    person_profile = unit_profile[person_unit].copy()
    person_in_family = unit_is_family[person_unit]
    # A few family members hold another nationality or profile, so a family's hubs are an intersection.
    odd = person_in_family & (rng.random(n_people) < 0.03)
    person_nat[odd] = rng.choice(n_nat, size=int(odd.sum()), p=NATIONALITY_SHARES)
    odd_profile = person_in_family & (rng.random(n_people) < 0.02)
    person_profile[odd_profile] = rng.choice(
        len(PROFILE_SHARES), size=int(odd_profile.sum()), p=PROFILE_SHARES
    )

    bed_code = np.where(person_in_family, 2, np.where(rng.random(n_people) < 0.22, 1, 0))
    # Priority: years since appeal rights were exhausted, plus a sentence term for foreign national offenders.
    priority = rng.gamma(2.0, 1.0, size=n_people)
    offender = rng.random(n_people) < 0.08
    priority[offender] += rng.uniform(1.0, 10.0, size=int(offender.sum())) * 0.8
    priority = np.round(priority, 3)

    allowed = scope[:, person_nat].T & ~barred[person_profile]  # person x hub
    # Eligible hub lists built column-wise, not in a Python loop over people.
    eligible = pl.DataFrame(
        {
            "row": np.repeat(np.arange(n_people), n_hubs)[allowed.ravel()],
            "hub": np.tile(np.array(hubs), n_people)[allowed.ravel()],
        }
    )
    eligible_lists = (
        eligible.group_by("row").agg(pl.col("hub").alias("eligible_hubs"))
        if n_people
        else pl.DataFrame(schema={"row": pl.Int64(), "eligible_hubs": pl.List(pl.String())})
    )
    nat_names = np.array(NATIONALITIES)
    bed_names = np.array(BED_TYPES)
    people = (
        (
            pl.DataFrame(
                {
                    "row": np.arange(n_people),
                    "unit": person_unit,
                    "nationality": nat_names[person_nat] if n_people else np.array([], dtype=str),
                    "bed_type": bed_names[bed_code] if n_people else np.array([], dtype=str),
                    "priority": priority,
                },
                schema_overrides={"row": pl.Int64()},
            )
            .join(eligible_lists.with_columns(pl.col("row").cast(pl.Int64())), on="row", how="left")
            .with_columns(
                pl.col("eligible_hubs").fill_null(pl.lit([], dtype=pl.List(pl.String()))),
                ("P" + pl.col("row").cast(pl.String()).str.zfill(7)).alias("person_id"),
                ("F" + pl.col("unit").cast(pl.String()).str.zfill(7)).alias("family_id"),
            )
            .select(list(PEOPLE_SCHEMA))
            .sort("person_id")  # joins need not keep row order; the instance must be reproducible
        )
        if n_people
        else pl.DataFrame(schema=PEOPLE_SCHEMA)
    )

    # Transfers: one per hub per week, seats scaled so that total seats = seats_per_person * people.
    mean_seats = max(4.0, seats_per_person * max(n_people, 1) / (n_hubs * n_weeks))
    hub_size = rng.uniform(0.6, 1.4, size=n_hubs)
    hub_cost = rng.uniform(400.0, 2500.0, size=n_hubs)
    t_hub = np.repeat(np.arange(n_hubs), n_weeks)
    t_week = np.tile(np.arange(n_weeks), n_hubs)
    seats = np.maximum(2, np.round(mean_seats * hub_size[t_hub] * rng.uniform(0.85, 1.15, t_hub.size)))
    min_load = np.ceil(seats * rng.uniform(0.3, 0.6, t_hub.size))
    transfers = pl.DataFrame(
        {
            "transfer_id": [f"T-{hubs[h]}-W{w:02d}" for h, w in zip(t_hub, t_week, strict=True)],
            "hub_id": [hubs[h] for h in t_hub],
            "week": t_week,
            "departs_on": [
                FIRST_DEPARTURE + timedelta(days=int(7 * w + h % 5))
                for h, w in zip(t_hub, t_week, strict=True)
            ],
            "seats": seats.astype(np.int64),
            "min_load": min_load.astype(np.int64),
            "cost_per_person": np.round(hub_cost[t_hub] * rng.uniform(0.9, 1.1, t_hub.size), 2),
            "escorts_per_person": np.round(rng.uniform(0.5, 1.5, t_hub.size), 2),
        },
        schema=TRANSFERS_SCHEMA,
    )

    # Beds: weekly intake by bed type; a quarter of hubs have no family rooms; a few weeks a hub is closed.
    family_share_of_beds = np.where(rng.random(n_hubs) < 0.25, 0.0, rng.uniform(0.1, 0.25, n_hubs))
    female_share = rng.uniform(0.12, 0.3, n_hubs)
    male_share = 1.0 - family_share_of_beds - female_share
    shares = np.stack([male_share, female_share, family_share_of_beds], axis=1)  # hub x bed type
    weekly = mean_seats * hub_size[:, None] * rng.uniform(0.75, 1.15, (n_hubs, n_weeks))
    weekly[rng.random((n_hubs, n_weeks)) < 0.04] = 0.0
    beds = np.floor(weekly[:, :, None] * shares[:, None, :] * 1.1).astype(np.int64)  # hub x week x bed
    b_hub, b_week, b_bed = np.meshgrid(np.arange(n_hubs), np.arange(n_weeks), np.arange(3), indexing="ij")
    hub_beds = pl.DataFrame(
        {
            "hub_id": np.array(hubs)[b_hub.ravel()],
            "bed_type": bed_names[b_bed.ravel()],
            "week": b_week.ravel(),
            "free_beds": beds.ravel(),
        },
        schema=HUB_BEDS_SCHEMA,
    )

    # Quotas per quarter: an overall cap per hub (sometimes binding) and caps for some nationalities.
    quota_rows: list[tuple[str, str, str, int, int, int]] = []
    seats_by_hub_week = seats.reshape(n_hubs, n_weeks)
    for start in range(0, n_weeks, QUOTA_PERIOD_WEEKS):
        end = min(start + QUOTA_PERIOD_WEEKS, n_weeks) - 1
        for h in range(n_hubs):
            period_seats = float(seats_by_hub_week[h, start : end + 1].sum())
            quota_rows.append(
                (
                    f"Q-{hubs[h]}-ALL-P{start // QUOTA_PERIOD_WEEKS}",
                    hubs[h],
                    ANY,
                    start,
                    end,
                    int(math.floor(period_seats * rng.uniform(0.75, 1.0))),
                )
            )
            for nat_index in np.flatnonzero(scope[h]).tolist():
                if rng.random() < 0.3:
                    quota_rows.append(
                        (
                            f"Q-{hubs[h]}-{NATIONALITIES[nat_index]}-P{start // QUOTA_PERIOD_WEEKS}",
                            hubs[h],
                            NATIONALITIES[nat_index],
                            start,
                            end,
                            int(math.floor(period_seats * rng.uniform(0.03, 0.12))),
                        )
                    )
    quotas = pl.DataFrame(quota_rows, schema=QUOTAS_SCHEMA, orient="row")
    return AllocationProblem(
        people=people,
        transfers=transfers,
        hub_beds=hub_beds,
        quotas=quotas,
        config=config if config is not None else AllocationConfig(horizon_weeks=n_weeks),
    )
