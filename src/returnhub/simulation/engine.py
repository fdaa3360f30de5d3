"""The vectorised engine: exact binomial and hypergeometric flows over cohorts.

State is a handful of integer arrays shaped (replications, nationalities); a month is about thirty
NumPy calls whatever the number of people, so a UK-scale run of a thousand replications takes
seconds. The design and its seeding are argued in docs/simulation.md; in short:

* Every transition in month t is drawn from the stocks as they stood at the start of month t;
  people who enter a stage during the month first face its chances the next month.
* Competing exits (voluntary return, enforced return, absconding) are a multinomial, drawn as
  a chain of conditional binomials. Capacity-limited choices (which claims are decided, who gets
  the free hub places) are uniform draws without replacement: a multivariate hypergeometric, drawn
  as a chain of conditional hypergeometrics.
* Hub occupants are held by the month they arrived, so the maximum-stay clock is exact.
* Replications run in blocks of `block_size` rows (the last may be shorter). Block b uses child
  b of SeedSequence(seed).spawn(n_blocks), split again into one stream per process (arrivals,
  decisions, appeals, eligibility, returns, hubs). With block_size=1 that is one SeedSequence child per
  replication, drawing its own row.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from returnhub.simulation.errors import ScenarioError
from returnhub.simulation.parameters import (
    CompiledScenario,
    FloatArray,
    InitialCaseload,
    IntArray,
    compile_scenario,
)
from returnhub.simulation.scenario import Scenario, add_months

# "levers" comes last: SeedSequence.spawn gives child i the same stream whatever the count, so
# adding it left the other processes' streams as they were.
PROCESSES = ("arrivals", "decisions", "appeals", "eligibility", "returns", "hubs", "levers")
DEFAULT_BLOCK_SIZE = 500


def machine_threads() -> int:
    """The cores this process may run on: the default thread count of `returnhub simulate run`.

    Threads change no number (each block has its own streams), only the time; NumPy's samplers release the
    GIL, so each thread uses a core. Blocks are the unit of work, so more threads than blocks idle."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)


FLOWS = (
    "arrivals",
    "claims_withdrawn",
    "withdrawn_reentered",
    "withdrawn_departed",
    "withdrawn_absconded",
    "initial_decisions",
    "initial_grants",
    "initial_refusals",
    "appeals_lodged",
    "not_appealed",
    "appeals_allowed",
    "appeals_dismissed",
    "voluntary_returns",
    "enforced_returns",
    "capacity_enforced_returns",
    "absconds",
    "hub_transfers",
    "hub_onward_returns",
    "hub_returned_to_sending_state",
    "hub_max_stay_reached",
    "hub_absconds",
)
STOCKS = (
    "awaiting_decision",
    "refused_awaiting_appeal",
    "appeal_pending",
    "appeal_rights_exhausted",
    "hub_eligible_waiting",
    "in_hub",
)
COUNT_SERIES = FLOWS + STOCKS
MONEY_SERIES = (
    "people_in_accommodation",
    "cost_accommodation",
    "cost_hub_places",
    "cost_hub_payments",
    "cost_total",
)
# "capacity_enforced_returns" is the part of "enforced_returns" made by extra enforcement capacity
# (a lever), not a separate exit.
# Ways of leaving the system for good; "hub_returned_to_sending_state" and "withdrawn_reentered"
# are not (people come back).
EXITS = (
    "withdrawn_departed",
    "withdrawn_absconded",
    "initial_grants",
    "appeals_allowed",
    "voluntary_returns",
    "enforced_returns",
    "absconds",
    "hub_onward_returns",
    "hub_absconds",
)
# Stocks that partition everyone still in the system (hub_eligible_waiting is part of ARE).
PEOPLE_STOCKS = (
    "awaiting_decision",
    "refused_awaiting_appeal",
    "appeal_pending",
    "appeal_rights_exhausted",
    "in_hub",
)

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class SimulationResult:
    """Monthly series per replication; every array has replications on axis 0 and months on axis 1."""

    scenario_name: str
    currency: str
    engine: str
    start_month: date
    months: int
    reps: int
    seed: int
    block_size: int  # replications per random-number block; 0 for the SimPy reference
    nationalities: tuple[str, ...]
    hubs: tuple[str, ...]
    hub_places: tuple[int, ...]
    series: dict[str, npt.NDArray[np.float64] | IntArray]  # name -> (reps, months)
    hub_occupancy: IntArray  # (reps, months, hubs), end of month
    hub_transfers_by_hub: IntArray  # (reps, months, hubs)
    by_nationality: dict[str, IntArray] | None  # name -> (reps, months, nationalities)
    initial_people: IntArray  # (nationalities,)
    assumptions: tuple[str, ...]
    seconds: float

    def month_labels(self) -> list[str]:
        return [add_months(self.start_month, t).strftime("%Y-%m") for t in range(self.months)]


def simulate(
    scenario: Scenario,
    *,
    reps: int = 1000,
    months: int | None = None,
    seed: int = 0,
    initial: InitialCaseload | None = None,
    eligible_share: Mapping[str, float] | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    record_by_nationality: bool = False,
    progress: ProgressCallback | None = None,
    threads: int = 1,
) -> SimulationResult:
    """Run `reps` Monte Carlo replications of the scenario with the vectorised engine.

    Replications are simulated in blocks of `block_size` rows (the last block may be shorter).
    A replication in a complete block depends only on (seed, block_size, its index): asking for
    more replications never changes it. `threads` > 1 runs blocks side by side, with the same
    results.
    """
    if reps < 1:
        raise ScenarioError(f"reps must be at least 1, got {reps}")
    if block_size < 1:
        raise ScenarioError(f"block_size must be at least 1, got {block_size}")
    if seed < 0:
        raise ScenarioError(f"seed must be >= 0, got {seed}")
    if threads < 1:
        raise ScenarioError(f"threads must be at least 1, got {threads}")
    compiled = compile_scenario(scenario, months=months, initial=initial, eligible_share=eligible_share)
    return simulate_compiled(
        compiled,
        reps=reps,
        seed=seed,
        block_size=block_size,
        record_by_nationality=record_by_nationality,
        progress=progress,
        threads=threads,
    )


def block_streams(seed: int, block: int, n_blocks: int) -> dict[str, np.random.Generator]:
    """The independent generators of one block, one per process, so paired scenarios stay in step.

    Child b of SeedSequence(seed).spawn(n) is the same whatever n is, so a block's streams do
    not depend on how many blocks there are.
    """
    block_sequence = np.random.SeedSequence(seed).spawn(n_blocks)[block]
    return {
        name: np.random.Generator(np.random.PCG64(child))
        for name, child in zip(PROCESSES, block_sequence.spawn(len(PROCESSES)), strict=True)
    }


def simulate_compiled(
    compiled: CompiledScenario,
    *,
    reps: int,
    seed: int = 0,
    block_size: int = DEFAULT_BLOCK_SIZE,
    record_by_nationality: bool = False,
    progress: ProgressCallback | None = None,
    threads: int = 1,
) -> SimulationResult:
    started = time.perf_counter()
    n_blocks = math.ceil(reps / block_size)
    total_units = n_blocks * compiled.months
    done = 0
    lock = threading.Lock()

    def report(_month: int) -> None:
        nonlocal done
        with lock:
            done += 1
            if progress is not None:
                progress(done, total_units)

    def run_block(block: int) -> _BlockOutput:
        streams = block_streams(seed, block, n_blocks)
        rows = min(block_size, reps - block * block_size)
        return _simulate_block(compiled, streams, rows, record_by_nationality, report)

    if threads > 1 and n_blocks > 1:
        # Blocks have their own streams, so running them side by side changes no number; NumPy's
        # samplers release the GIL, so a second core does real work.
        with ThreadPoolExecutor(max_workers=threads) as pool:
            blocks = list(pool.map(run_block, range(n_blocks)))
    else:
        blocks = [run_block(block) for block in range(n_blocks)]

    def join(arrays: list[IntArray]) -> IntArray:
        return np.concatenate(arrays, axis=0)[:reps]

    series: dict[str, npt.NDArray[np.float64] | IntArray] = {
        name: join([b.series[name] for b in blocks]) for name in COUNT_SERIES
    }
    hub_transfers_by_hub = join([b.hub_transfers_by_hub for b in blocks])
    series.update(money_series(compiled, series, hub_transfers_by_hub))
    by_nationality = None
    if record_by_nationality:
        by_nationality = {
            name: join([b.by_nationality[name] for b in blocks]) for name in blocks[0].by_nationality
        }
    return SimulationResult(
        scenario_name=compiled.name,
        currency=compiled.currency,
        engine="vectorised",
        start_month=compiled.start_month,
        months=compiled.months,
        reps=reps,
        seed=seed,
        block_size=block_size,
        nationalities=compiled.nationalities,
        hubs=compiled.hubs,
        hub_places=tuple(int(p) for p in compiled.hub_places),
        series=series,
        hub_occupancy=join([b.hub_occupancy for b in blocks]),
        hub_transfers_by_hub=hub_transfers_by_hub,
        by_nationality=by_nationality,
        initial_people=compiled.initial_people,
        assumptions=compiled.assumptions,
        seconds=time.perf_counter() - started,
    )


def money_series(
    compiled: CompiledScenario,
    series: Mapping[str, npt.NDArray[np.float64] | IntArray],
    hub_transfers_by_hub: IntArray,
) -> dict[str, FloatArray]:
    """Accounting from the people counts: the same arithmetic for both engines."""
    in_process = series["awaiting_decision"] + series["refused_awaiting_appeal"] + series["appeal_pending"]
    people = (
        compiled.supported_share_in_process * in_process
        + compiled.supported_share_appeal_rights_exhausted * series["appeal_rights_exhausted"]
    )
    days = compiled.days_in_month[None, :]
    accommodation = people * compiled.cost_per_person_per_day * days
    # A contracted place costs from the opening month whether or not it is filled.
    place_cost = (
        compiled.hub_open * (compiled.hub_places * compiled.hub_cost_per_place_per_day)[None, :]
    ).sum(axis=1)
    hub_places = np.broadcast_to(place_cost[None, :] * days, accommodation.shape).astype(np.float64)
    payments = (hub_transfers_by_hub * compiled.hub_payment_per_transfer[None, None, :]).sum(axis=2)
    hub_payments = payments + compiled.fixed_payments[None, :]
    return {
        "people_in_accommodation": people.astype(np.float64),
        "cost_accommodation": accommodation.astype(np.float64),
        "cost_hub_places": hub_places,
        "cost_hub_payments": hub_payments.astype(np.float64),
        "cost_total": (accommodation + hub_places + hub_payments).astype(np.float64),
    }


@dataclass
class _BlockOutput:
    series: dict[str, IntArray]
    hub_occupancy: IntArray
    hub_transfers_by_hub: IntArray
    by_nationality: dict[str, IntArray]


def multivariate_hypergeometric(
    rng: np.random.Generator, colours: IntArray, draws: IntArray, columns: Sequence[int] | None = None
) -> IntArray:
    """Row-wise uniform draws without replacement: take draws[r] people from the groups colours[r, :].

    `columns` lists the groups that may be non-empty (the others must be zero in every row); it
    only saves work. Drawn as a chain of conditional hypergeometrics, which is exact.
    """
    total = colours.sum(axis=1)
    if np.all(draws >= total):
        return colours.copy()
    order = list(range(colours.shape[1])) if columns is None else list(columns)
    out = np.zeros_like(colours)
    if not order:
        return out
    remaining_pool = total
    remaining_draws = np.minimum(draws, total)
    for k in order[:-1]:
        good = colours[:, k]
        bad = remaining_pool - good
        picked = rng.hypergeometric(good, bad, remaining_draws)
        out[:, k] = picked
        remaining_draws = remaining_draws - picked
        remaining_pool = bad
    out[:, order[-1]] = remaining_draws
    return out


def _conditional(rate: FloatArray, already: FloatArray) -> FloatArray:
    """P(exit by this route | no earlier route in the chain), safe when nothing is left."""
    left = 1.0 - already
    safe = np.where(left > 1e-12, left, 1.0)
    return np.asarray(np.clip(np.where(left > 1e-12, rate / safe, 0.0), 0.0, 1.0), dtype=np.float64)


def _share(part: FloatArray, whole: FloatArray) -> FloatArray:
    """part / whole as a chance, 0 where whole is 0."""
    safe = np.where(whole > 0, whole, 1.0)
    return np.asarray(np.clip(np.where(whole > 0, part / safe, 0.0), 0.0, 1.0), dtype=np.float64)


def _simulate_block(
    c: CompiledScenario,
    streams: dict[str, np.random.Generator],
    rows: int,
    record_by_nationality: bool,
    report: Callable[[int], None],
) -> _BlockOutput:
    arrivals_rng = streams["arrivals"]
    decisions_rng = streams["decisions"]
    appeals_rng = streams["appeals"]
    # Its own stream: whether hubs exist changes how many eligibility draws are made, and that
    # must not shift the appeal draws of paired scenarios.
    eligibility_rng = streams["eligibility"]
    returns_rng = streams["returns"]
    hubs_rng = streams["hubs"]
    levers_rng = streams["levers"]
    n = len(c.nationalities)
    h = len(c.hubs)
    months = c.months
    # Lever effects differ by replication (each drawn from its stated range); without levers the
    # compiled values apply to every row.
    fx = c.row_effects(levers_rng, rows, c) if c.row_effects is not None else None
    voluntary_rate = c.voluntary_return_rate if fx is None else fx.voluntary_return_rate
    enforced_rate = c.enforced_return_rate if fx is None else fx.enforced_return_rate
    reentry = np.float64(c.withdrawal_reentry) if fx is None else fx.withdrawal_reentry[:, None]
    onward_rate = c.hub_onward_rate if fx is None else fx.hub_onward_rate
    returnable = enforced_rate > 0

    def fill(vector: IntArray) -> IntArray:
        return np.repeat(vector[None, :], rows, axis=0).astype(np.int64)

    awaiting = fill(c.initial_awaiting_decision)
    refused = fill(c.initial_refused_awaiting_appeal)
    pending = fill(c.initial_appeal_pending)
    # Eligibility is tracked only where some hub agreement covers the nationality: elsewhere it
    # could never be used, and the zero cells cost nothing to draw.
    covered = c.hub_scope.any(axis=0) if h else np.zeros(n, dtype=np.bool_)
    eligible_share = np.where(covered, c.eligible_share, 0.0)
    if fx is not None:
        # Legal attrition at the hub's gate: only a share of the eligible get through.
        eligible_share = eligible_share[None, :] * fx.eligible_factor[:, None]
    are = fill(c.initial_appeal_rights_exhausted)
    if c.initial_hub_eligible is None:
        eligible = eligibility_rng.binomial(are, eligible_share)
    else:
        eligible = fill(np.where(covered, c.initial_hub_eligible, 0))
    not_eligible = are - eligible
    # Hub occupants by the month they were transferred, in a ring of `slots` entries: the cohort
    # transferred in month e sits in slot e % slots and leaves on the clock in month e + max stay.
    # People already in a hub at the start count as transferred in month -1.
    slots = int(c.hub_max_stay.max()) if h else 1
    in_hub = np.zeros((rows, h, n, slots), dtype=np.int64)
    if h:
        in_hub[:, :, :, -1 % slots] = c.initial_in_hub[None, :, :]
    occupancy_by_nationality = in_hub.sum(axis=3)
    hub_by_nationality = occupancy_by_nationality.sum(axis=1)

    # One array for every count series, month first, so a month's totals are written in one contiguous
    # step; out[name] is its (rows, months) view.
    totals = np.zeros((months, len(COUNT_SERIES), rows), dtype=np.int64)
    out = {name: totals[:, i, :].T for i, name in enumerate(COUNT_SERIES)}
    ones = np.ones(n, dtype=np.int64)  # summing over nationalities as a product is faster than .sum(axis=2)
    by_nationality: dict[str, IntArray] = {}
    if record_by_nationality:
        by_nationality = {name: np.zeros((rows, months, n), dtype=np.int64) for name in COUNT_SERIES}
    hub_occupancy = np.zeros((rows, months, h), dtype=np.int64)
    hub_transfers = np.zeros((rows, months, h), dtype=np.int64)

    enforced_given_not_voluntary = _conditional(enforced_rate, voluntary_rate)
    abscond_given_neither = _conditional(np.full(n, c.absconding_rate), voluntary_rate + enforced_rate)
    departure_given_not_reentered = _conditional(np.asarray(c.withdrawal_departure), np.asarray(reentry))
    # Appeal rights exhausted: each person leaves in a month by voluntary return, enforced return or
    # absconding with these chances (the chain of conditional chances above, multiplied out). Whether
    # someone is hub-eligible changes none of them, so each group draws only how many leave, and the
    # leavers of both groups are then split by route together: a multinomial drawn in four binomials
    # instead of six (the returns stream differs from the chained draw; the distribution does not).
    voluntary_chance = voluntary_rate
    enforced_chance = (1.0 - voluntary_chance) * enforced_given_not_voluntary
    abscond_chance = (1.0 - voluntary_chance - enforced_chance) * abscond_given_neither
    leave_chance = np.clip(voluntary_chance + enforced_chance + abscond_chance, 0.0, 1.0)
    voluntary_share = _share(voluntary_chance, leave_chance)
    enforced_share = _share(enforced_chance, enforced_chance + abscond_chance)
    # Leaving chances for the (rows, eligible or not, nationality) cells.
    leave_cells = leave_chance if fx is None else leave_chance[:, None, :]
    hub_exit = onward_rate + c.hub_sending_state_rate + c.hub_absconding_rate
    onward_given_exit = np.where(hub_exit > 0, onward_rate / np.where(hub_exit > 0, hub_exit, 1.0), 0.0)
    sending_given_not_onward = _conditional(
        np.where(hub_exit > 0, c.hub_sending_state_rate / np.where(hub_exit > 0, hub_exit, 1.0), 0.0),
        onward_given_exit,
    )
    # Hub chances as (rows or 1, hubs) so one expression serves per-replication and shared rates.
    if fx is None:
        hub_exit, onward_given_exit, sending_given_not_onward = (
            hub_exit[None, :],
            onward_given_exit[None, :],
            sending_given_not_onward[None, :],
        )
    hub_exit_cells = hub_exit[:, :, None, None]
    scope_columns = [np.flatnonzero(c.hub_scope[j]).tolist() for j in range(h)]

    for t in range(months):
        # Arrivals: Poisson, optionally damped by the deterrence assumption.
        mean = np.broadcast_to(c.arrival_mean[t][None, :], (rows, n))
        if fx is not None and c.small_boat_mean is not None:
            cut = c.small_boat_mean[t][None, :] * fx.small_boat_cut[:, None]
            mean = (c.arrival_mean[t][None, :] - cut) * fx.arrivals_factor[:, None]
        if c.deterrence_elasticity > 0 and t > 0:
            window = slice(max(0, t - c.deterrence_window), t)
            seen = out["arrivals"][:, window].sum(axis=1)
            moved = out["hub_transfers"][:, window].sum(axis=1)
            share = moved / np.maximum(seen, 1)
            mean = mean * np.exp(-c.deterrence_elasticity * share)[:, None]
        arrivals = arrivals_rng.poisson(mean).astype(np.int64)

        # Claims concluded: the month's capacity, taken at random from the queue; some withdrawn.
        capacity = np.minimum(
            awaiting.sum(axis=1),
            c.decision_capacity[t] if fx is None else c.decision_capacity[t] + fx.decision_capacity_extra,
        )
        concluded = multivariate_hypergeometric(decisions_rng, awaiting, capacity)
        withdrawn = decisions_rng.binomial(concluded, c.withdrawal_share[t])
        decided = concluded - withdrawn
        grants = decisions_rng.binomial(decided, c.grant_rate[t])
        refusals = decided - grants
        # A withdrawal has a route: back into the queue, a departure, or lost contact.
        reentered = decisions_rng.binomial(withdrawn, reentry)
        departed = decisions_rng.binomial(withdrawn - reentered, departure_given_not_reentered)
        withdrawn_absconded = withdrawn - reentered - departed

        # Appeal window, then the tribunal.
        settled = appeals_rng.binomial(refused, c.appeal_window_exit)
        lodged = appeals_rng.binomial(settled, c.appeal_rate)
        not_appealed = settled - lodged
        determined = appeals_rng.binomial(pending, c.appeal_decided)
        allowed = appeals_rng.binomial(determined, c.appeal_allowed_rate)
        dismissed = determined - allowed
        newly_exhausted = not_appealed + dismissed
        newly_eligible = eligibility_rng.binomial(newly_exhausted, eligible_share)

        # Appeal rights exhausted: competing monthly chances of leaving, for both eligibility groups.
        exhausted = np.stack((eligible, not_eligible), axis=1)
        leaving_exhausted = returns_rng.binomial(exhausted, leave_cells)
        left = exhausted - leaving_exhausted
        gone = leaving_exhausted.sum(axis=1)
        voluntary = returns_rng.binomial(gone, voluntary_share)
        enforced = returns_rng.binomial(gone - voluntary, enforced_share)
        absconded = gone - voluntary - enforced
        # Extra enforcement capacity (detention places and flights, a lever) removes up to its
        # monthly number, chosen at random among returnable people still here.
        capacity_removed = np.zeros((rows, n), dtype=np.int64)
        if fx is not None and fx.enforcement_capacity.any():
            pool = (left * np.broadcast_to(returnable, (rows, n))[:, None, :]).reshape(rows, 2 * n)
            taken = multivariate_hypergeometric(
                levers_rng, pool, np.minimum(fx.enforcement_capacity, pool.sum(axis=1))
            ).reshape(rows, 2, n)
            left = left - taken
            capacity_removed = taken.sum(axis=1)
        candidates = left[:, 0]
        still_not_eligible = left[:, 1]

        onward = np.zeros((rows, n), dtype=np.int64)
        sent_back = np.zeros((rows, n), dtype=np.int64)
        max_stay = np.zeros((rows, n), dtype=np.int64)
        hub_absconded = np.zeros((rows, n), dtype=np.int64)
        transfers = np.zeros((rows, n), dtype=np.int64)
        if h:
            # One draw per (hub, nationality, month of arrival) cell; the kind of exit is then split
            # on the totals, since it does not depend on how long someone has stayed.
            leaving = hubs_rng.binomial(in_hub, hub_exit_cells)
            in_hub -= leaving
            leaving_by_nationality = leaving.sum(axis=3)
            onward_by_hub = hubs_rng.binomial(leaving_by_nationality, onward_given_exit[:, :, None])
            rest = leaving_by_nationality - onward_by_hub
            sent_by_hub = hubs_rng.binomial(rest, sending_given_not_onward[:, :, None])
            hub_absconded = (rest - sent_by_hub).sum(axis=1)
            onward = onward_by_hub.sum(axis=1)
            occupancy_by_nationality -= leaving_by_nationality
            for j in range(h):
                due = (t - int(c.hub_max_stay[j])) % slots
                max_stay += in_hub[:, j, :, due]
                occupancy_by_nationality[:, j, :] -= in_hub[:, j, :, due]
                in_hub[:, j, :, due] = 0
            sent_back = sent_by_hub.sum(axis=1) + max_stay
            occupancy = occupancy_by_nationality.sum(axis=2)
            for j in range(h):
                if not c.hub_open[t, j]:
                    continue
                room = np.minimum(c.hub_places[j] - occupancy[:, j], c.hub_transfer_capacity[j])
                pool = candidates * c.hub_scope[j][None, :]
                taken = multivariate_hypergeometric(
                    hubs_rng, pool, np.minimum(room, pool.sum(axis=1)), scope_columns[j]
                )
                candidates = candidates - taken
                in_hub[:, j, :, t % slots] += taken
                occupancy_by_nationality[:, j, :] += taken
                transfers += taken
                hub_transfers[:, t, j] = taken.sum(axis=1)
                occupancy[:, j] += taken.sum(axis=1)
            hub_by_nationality = occupancy_by_nationality.sum(axis=1)
            hub_occupancy[:, t, :] = occupancy

        awaiting = awaiting - concluded + arrivals + reentered
        refused = refused - settled + refusals
        pending = pending - determined + lodged
        eligible = candidates + newly_eligible
        not_eligible = np.asarray(
            still_not_eligible + (newly_exhausted - newly_eligible) + sent_back, dtype=np.int64
        )

        month = {
            "arrivals": arrivals,
            "claims_withdrawn": withdrawn,
            "withdrawn_reentered": reentered,
            "withdrawn_departed": departed,
            "withdrawn_absconded": withdrawn_absconded,
            "initial_decisions": decided,
            "initial_grants": grants,
            "initial_refusals": refusals,
            "appeals_lodged": lodged,
            "not_appealed": not_appealed,
            "appeals_allowed": allowed,
            "appeals_dismissed": dismissed,
            "voluntary_returns": voluntary,
            "enforced_returns": enforced + capacity_removed,
            "capacity_enforced_returns": capacity_removed,
            "absconds": absconded,
            "hub_transfers": transfers,
            "hub_onward_returns": onward,
            "hub_returned_to_sending_state": sent_back,
            "hub_max_stay_reached": max_stay,
            "hub_absconds": hub_absconded,
            "awaiting_decision": awaiting,
            "refused_awaiting_appeal": refused,
            "appeal_pending": pending,
            "appeal_rights_exhausted": eligible + not_eligible,
            "hub_eligible_waiting": eligible,
            "in_hub": hub_by_nationality,
        }
        stacked = np.stack([month[name] for name in COUNT_SERIES])
        totals[t] = stacked @ ones
        if record_by_nationality:
            for i, name in enumerate(COUNT_SERIES):
                by_nationality[name][:, t, :] = stacked[i]
        report(t)

    return _BlockOutput(
        series=out,
        hub_occupancy=hub_occupancy,
        hub_transfers_by_hub=hub_transfers,
        by_nationality=by_nationality,
    )
