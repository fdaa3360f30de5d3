"""Seats, beds and quota places as one vector of capacities, and what one unit of each option takes from it.

The greedy baseline, the optimiser's rounding and the reasons for the unplaced all ask the same question,
"does one more family of class c fit on transfer t?", so they share this table. The checker does not: it
recounts everything from the raw frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from returnhub.operations.allocation.classes import Classes

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Resources:
    """capacity[r] for r = transfers' seats (0..n_t-1), then bed pools, then quotas.

    uses[o] lists (r, need) for option o: its transfer's seats (need = family size), every bed pool and every
    quota it draws on.
    """

    capacity: IntArray
    n_transfers: int
    n_pools: int
    uses: list[list[tuple[int, int]]]

    def pool_index(self, pool: int) -> int:
        return self.n_transfers + pool

    def quota_index(self, q: int) -> int:
        return self.n_transfers + self.n_pools + q

    def remaining(self, counts: IntArray) -> IntArray:
        """Capacity left once ``counts[o]`` units of every option are placed."""
        left = self.capacity.copy()
        for o in np.flatnonzero(counts):
            k = int(counts[o])
            for r, need in self.uses[o]:
                left[r] -= k * need
        return left

    def room(self, o: int, left: IntArray | list[int]) -> int:
        """How many more units of option o fit into ``left``."""
        most = -1
        for r, need in self.uses[o]:
            fit = int(left[r]) // need
            if most < 0 or fit < most:
                most = fit
        return max(most, 0)


def build_resources(classes: Classes) -> Resources:
    transfers = classes.transfers
    n_t = transfers.height
    n_pools = classes.pools.height
    capacity = np.concatenate(
        [
            transfers["seats"].to_numpy().astype(np.int64),
            classes.pools["free_beds"].to_numpy().astype(np.int64),
            classes.quotas["limit"].to_numpy().astype(np.int64),
        ]
    )
    incidence = pl.concat(
        [
            classes.options.select(["o", pl.col("t").alias("r"), pl.col("size").alias("need")]),
            classes.bed_use.select(["o", (pl.col("pool") + n_t).alias("r"), "need"]),
            classes.quota_use.select(["o", (pl.col("q") + n_t + n_pools).alias("r"), "need"]),
        ]
    ).sort(["o", "r"])
    # Every option has its seats row, so grouping by o yields one entry per option, in order.
    grouped = incidence.group_by("o").agg("r", "need").sort("o")
    uses = [
        list(zip(resource, need, strict=True))
        for resource, need in zip(grouped["r"].to_list(), grouped["need"].to_list(), strict=True)
    ]
    return Resources(capacity=capacity, n_transfers=n_t, n_pools=n_pools, uses=uses)
