"""From people to classes of interchangeable family units, and the resources each class would use.

A *family unit* is a family (or a single person). Two units are interchangeable for every constraint when they
can go to the same hubs and need the same beds and quota places: same eligible hub set (the intersection over
members, restricted to hubs with a transfer in the horizon) and the same multiset of (nationality, bed type)
over members, which fixes the size. Such units form a *class*; within a class only priority tells units
apart, and priority enters the objective linearly and independently of the transfer, so the best plan always
takes a class's units in descending priority (see docs/allocation.md). All per-person work here is Polars,
not Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from returnhub.operations.allocation.model import ANY, AllocationProblem

SEPARATOR = "|"


@dataclass(frozen=True)
class Classes:
    """Everything the optimiser, the greedy baseline and the reasons need, derived once from a problem.

    families:  family_id, class_id, size, family_priority (sum over members), lead_priority (max over
               members), has_eligible_hub (non-empty intersection of members' eligible hubs), rank (0 = most
               urgent within its class, by family_priority descending then family_id)
    classes:   class_id, hubs (list[str]), composition (list[str] "NAT/bed"), size, n_families
    transfers: transfers inside the horizon, with t (0..n-1), earliness = (H - week) / H
    options:   one row per option o = (class_id, t) a unit of the class could take on its own: hub
               eligible, beds of each needed type, seats and every applicable quota large enough; with
               ``most`` = the most units of the class that transfer could take alone, and ``value`` =
               objective of one unit without its priority term
    bed_use:   (o, class_id, t, pool, need): option uses ``need`` beds of pool (hub, bed_type, week)
    pools:     pool, hub_id, bed_type, week, free_beds (clipped at 0)
    quota_use: (o, class_id, t, q, need): option uses ``need`` places of quota q
    quotas:    q, quota_id, limit
    """

    families: pl.DataFrame
    classes: pl.DataFrame
    transfers: pl.DataFrame
    options: pl.DataFrame
    bed_use: pl.DataFrame
    pools: pl.DataFrame
    quota_use: pl.DataFrame
    quotas: pl.DataFrame
    blocked: pl.DataFrame
    quota_blocking: pl.DataFrame

    @property
    def n_classes(self) -> int:
        return self.classes.height


def transfers_in_horizon(problem: AllocationProblem) -> pl.DataFrame:
    horizon = problem.horizon_weeks
    return (
        problem.transfers.filter((pl.col("week") >= 0) & (pl.col("week") < horizon))
        .sort(["week", "departs_on", "transfer_id"])
        .with_row_index("t")
        .with_columns(
            pl.col("t").cast(pl.Int64()),
            ((horizon - pl.col("week")) / horizon).alias("earliness"),
        )
    )


def build_classes(problem: AllocationProblem) -> Classes:
    weights = problem.weights
    people = problem.people
    transfers = transfers_in_horizon(problem)
    hubs_with_transfers = transfers["hub_id"].unique().to_list()

    families = _families(people, hubs_with_transfers)
    class_keys = (
        families.select(["hubs_key", "composition_key"])
        .unique()
        .sort(["hubs_key", "composition_key"])
        .with_row_index("class_id")
        .with_columns(pl.col("class_id").cast(pl.Int64()))
    )
    families = (
        families.join(class_keys, on=["hubs_key", "composition_key"])
        .sort(["class_id", "family_priority", "family_id"], descending=[False, True, False])
        .with_columns(pl.int_range(pl.len()).over("class_id").cast(pl.Int64()).alias("rank"))
    )
    classes = (
        families.group_by("class_id", maintain_order=True)
        .agg(
            pl.col("hubs").first(),
            pl.col("composition_key").first().alias("composition"),
            pl.col("size").first(),
            pl.len().cast(pl.Int64()).alias("n_families"),
        )
        .with_columns(pl.col("composition").str.split(","))
        .sort("class_id")
    )
    families = families.select(
        ["family_id", "class_id", "size", "family_priority", "lead_priority", "has_eligible_hub", "rank"]
    )

    # Beds and quota places a unit of each class needs, by bed type and by nationality.
    members = (
        classes.select(["class_id", "composition"])
        .explode("composition")
        .with_columns(
            pl.col("composition").str.split_exact("/", 1).struct.rename_fields(["nationality", "bed_type"])
        )
        .unnest("composition")
    )
    bed_need = members.group_by(["class_id", "bed_type"]).agg(pl.len().cast(pl.Int64()).alias("need"))
    nationality_need = members.group_by(["class_id", "nationality"]).agg(
        pl.len().cast(pl.Int64()).alias("need")
    )

    pools = (
        problem.hub_beds.filter(pl.col("week").is_between(0, problem.horizon_weeks - 1))
        .with_columns(pl.col("free_beds").clip(lower_bound=0))
        .sort(["hub_id", "week", "bed_type"])
        .with_row_index("pool")
        .with_columns(pl.col("pool").cast(pl.Int64()))
    )
    quotas = problem.quotas.sort("quota_id").with_row_index("q").with_columns(pl.col("q").cast(pl.Int64()))

    # Candidate options: class x transfer at an eligible hub.
    class_hubs = classes.select(["class_id", "hubs", "size"]).explode("hubs").rename({"hubs": "hub_id"})
    options = class_hubs.drop_nulls("hub_id").join(
        transfers.select(["t", "hub_id", "week", "seats", "cost_per_person", "earliness"]), on="hub_id"
    )
    # Beds: every needed bed type must have a pool row with room for at least one unit.
    bed_use = (
        options.select(["class_id", "t", "hub_id", "week"])
        .join(bed_need, on="class_id")
        .join(
            pools.select(["pool", "hub_id", "bed_type", "week", "free_beds"]),
            on=["hub_id", "bed_type", "week"],
            how="left",
        )
        .with_columns(pl.col("free_beds").fill_null(0))
    )
    bed_most = bed_use.group_by(["class_id", "t"]).agg(
        (pl.col("free_beds") // pl.col("need")).min().alias("bed_most")
    )
    bed_use = bed_use.filter(pl.col("pool").is_not_null()).select(["class_id", "t", "pool", "need"])
    # Quotas: a quota applies to an option when hub and week match; it counts members of matching nationality.
    quota_scope = quotas.select(
        ["q", "hub_id", "nationality", "period_start_week", "period_end_week", "limit"]
    )
    option_weeks = options.select(["class_id", "t", "hub_id", "week"])
    # Hub-specific quotas join on the hub (cheap); quotas for every hub ("*") are few, so a cross join is
    # fine.
    with_need = option_weeks.join(nationality_need, on="class_id")
    scope_columns = ["q", "nationality_q", "period_start_week", "period_end_week", "limit"]
    quota_scope = quota_scope.rename({"nationality": "nationality_q"})
    by_hub = with_need.join(quota_scope.filter(pl.col("hub_id") != ANY), on="hub_id").select(
        ["class_id", "t", "week", "nationality", "need", *scope_columns]
    )
    every_hub = with_need.join(
        quota_scope.filter(pl.col("hub_id") == ANY).drop("hub_id"), how="cross"
    ).select(["class_id", "t", "week", "nationality", "need", *scope_columns])
    quota_use = (
        pl.concat([by_hub, every_hub])
        .filter(
            ((pl.col("nationality") == pl.col("nationality_q")) | (pl.col("nationality_q") == ANY))
            & pl.col("week").is_between(pl.col("period_start_week"), pl.col("period_end_week"))
        )
        .group_by(["class_id", "t", "q"])
        .agg(pl.col("need").sum(), pl.col("limit").first())
    )
    # The quotas that alone rule an option out (limit below one unit's need), to name them to the unplaced.
    quota_blocking = quota_use.filter(pl.col("limit") < pl.col("need")).select(["class_id", "t", "q"])
    quota_most = quota_use.group_by(["class_id", "t"]).agg(
        (pl.col("limit") // pl.col("need")).min().alias("quota_most")
    )
    options = (
        options.join(bed_most, on=["class_id", "t"], how="left")
        .join(quota_most, on=["class_id", "t"], how="left")
        .join(classes.select(["class_id", "n_families"]), on="class_id")
        .with_columns(
            pl.min_horizontal(
                pl.col("n_families"),
                pl.col("seats") // pl.col("size"),
                pl.col("bed_most").fill_null(0),
                pl.col("quota_most").fill_null(np.iinfo(np.int64).max),
            ).alias("most"),
            (pl.col("seats") // pl.col("size")).alias("seat_most"),
            pl.col("bed_most").fill_null(0),
            pl.col("quota_most").fill_null(np.iinfo(np.int64).max),
            (
                pl.col("size")
                * (
                    weights.per_person
                    + weights.earliness * pl.col("earliness")
                    - weights.per_cost_unit * pl.col("cost_per_person")
                )
            ).alias("value"),
        )
        .sort(["class_id", "t"])
    )
    # Candidates that no unit of the class could ever take stay out of the model but explain the unplaced.
    blocked = options.filter(pl.col("most") <= 0).select(
        ["class_id", "t", "seat_most", "bed_most", "quota_most"]
    )
    options = (
        options.filter(pl.col("most") > 0)
        .select(["class_id", "t", "size", "most", "value"])
        .with_row_index("o")
        .with_columns(pl.col("o").cast(pl.Int64()))
    )
    return Classes(
        families=families,
        classes=classes,
        transfers=transfers,
        options=options,
        bed_use=bed_use.join(options.select(["class_id", "t", "o"]), on=["class_id", "t"])
        .select(["o", "class_id", "t", "pool", "need"])
        .sort(["pool", "o"]),
        pools=pools.select(["pool", "hub_id", "bed_type", "week", "free_beds"]),
        quota_use=quota_use.join(options.select(["class_id", "t", "o"]), on=["class_id", "t"])
        .select(["o", "class_id", "t", "q", "need"])
        .sort(["q", "o"]),
        quotas=quotas.select(
            ["q", "quota_id", "hub_id", "nationality", "period_start_week", "period_end_week", "limit"]
        ),
        blocked=blocked,
        quota_blocking=quota_blocking.join(blocked.select(["class_id", "t"]), on=["class_id", "t"]).sort(
            ["class_id", "t", "q"]
        ),
    )


def _families(people: pl.DataFrame, hubs_with_transfers: list[str]) -> pl.DataFrame:
    """One row per family: size, priorities, the hubs open to every member, and its class key.

    Single people are most of a caseload and share a few dozen distinct hub lists, so their lists are
    canonicalised once per distinct list, and only real families go through a group-by and an explode.
    """
    people = people.with_columns(
        pl.len().over("family_id").cast(pl.Int64()).alias("size"),
        (pl.col("nationality") + "/" + pl.col("bed_type")).alias("member_kind"),
    )
    singles = people.filter(pl.col("size") == 1).select(
        [
            "family_id",
            "size",
            pl.col("priority").alias("family_priority"),
            pl.col("priority").alias("lead_priority"),
            pl.col("member_kind").alias("composition_key"),
            pl.col("eligible_hubs").list.join(SEPARATOR).alias("listed"),
        ]
    )
    members = people.filter(pl.col("size") > 1)
    # A hub stays open to a family if every member lists it.
    common = (
        members.select(["family_id", "size", pl.col("eligible_hubs").list.unique()])
        .explode("eligible_hubs")
        .drop_nulls("eligible_hubs")
        .group_by(["family_id", "eligible_hubs"])
        .agg(pl.len().alias("members"), pl.col("size").first())
        .filter(pl.col("members") == pl.col("size"))
        .group_by("family_id")
        .agg(pl.col("eligible_hubs").sort().str.join(SEPARATOR).alias("listed"))
    )
    families = (
        members.group_by("family_id")
        .agg(
            pl.len().cast(pl.Int64()).alias("size"),
            pl.col("priority").sum().alias("family_priority"),
            pl.col("priority").max().alias("lead_priority"),
            pl.col("member_kind").sort().str.join(",").alias("composition_key"),
        )
        .join(common, on="family_id", how="left")
        .with_columns(pl.col("listed").fill_null(""))
        .select(singles.columns)
    )
    families = pl.concat([singles, families])
    # Canonical hub set per distinct listed string: unique, sorted, and only hubs with a transfer.
    offered = pl.lit(pl.Series(hubs_with_transfers, dtype=pl.String()).implode())
    canonical = (
        families.select("listed")
        .unique()
        .with_columns(
            pl.col("listed")
            .str.split(SEPARATOR)
            .list.eval(pl.element().filter(pl.element() != ""))
            .list.unique()
            .alias("open")
        )
        .with_columns(
            (pl.col("open").list.len() > 0).alias("has_eligible_hub"),
            pl.col("open").list.set_intersection(offered).list.sort().alias("hubs"),
        )
        .with_columns(pl.col("hubs").list.join(SEPARATOR).alias("hubs_key"))
        .drop("open")
    )
    return families.join(canonical, on="listed", how="left").drop("listed")
