"""The same people flow written plainly in SimPy: one process per person, month ticks.

This model exists to check the vectorised engine, so it is written the obvious way and shares
nothing with it but the compiled parameters and the cost arithmetic. Each person draws their own
fate with Python's `random`: the months until they leave a stage (a geometric wait is the same as
a fixed monthly chance), and which way they leave. A caseworking process wakes once a month to
decide claims, fill hub places and admit the month's arrivals.

Timing inside month t (the interval [t, t+1)):
  t + 0.50  people leave stages on their own clocks (returns, appeals, hub exits, maximum stay);
  t + 0.75  the caseworking process decides claims and moves people to hubs; arrivals come in;
  t + 0.90  the month's end-of-month stocks are recorded.
People who enter a stage during month t first face its chances in month t + 1, as in the engine.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Generator, Mapping
from typing import Any

import numpy as np
import simpy

from returnhub.simulation.engine import COUNT_SERIES, ProgressCallback, SimulationResult, money_series
from returnhub.simulation.errors import ScenarioError
from returnhub.simulation.parameters import CompiledScenario, InitialCaseload, IntArray, compile_scenario
from returnhub.simulation.scenario import Scenario

AWAITING, REFUSED, APPEAL, EXHAUSTED, HUB, GONE = range(6)
NEVER = math.inf


class Person:
    __slots__ = ("nationality", "hub_eligible", "hazard_from", "decision", "picked", "hub")

    def __init__(self, nationality: int) -> None:
        self.nationality = nationality
        self.hub_eligible = False
        self.hazard_from = 0  # first month in which the current stage's chances apply
        self.decision: simpy.Event | None = None
        self.picked: simpy.Event | None = None
        self.hub = -1


class ReferenceRun:
    """One replication."""

    def __init__(self, compiled: CompiledScenario, seed_sequence: np.random.SeedSequence) -> None:
        self.c = compiled
        self.env = simpy.Environment()
        for_people, for_arrivals = seed_sequence.spawn(2)
        self.random = random.Random(int(for_people.generate_state(1, np.uint64)[0]))
        self.numpy_random = np.random.Generator(np.random.PCG64(for_arrivals))
        n = len(compiled.nationalities)
        months = compiled.months
        self.flows = {name: [[0] * n for _ in range(months)] for name in COUNT_SERIES}
        self.stock = {stage: [0] * n for stage in (AWAITING, REFUSED, APPEAL, EXHAUSTED, HUB)}
        self.eligible_stock = [0] * n
        self.queue: list[Person] = []
        # Insertion-ordered (a dict used as a set) so that sampling is reproducible from the seed.
        self.waiting_for_hub: list[dict[Person, None]] = [{} for _ in range(n)]
        self.hub_occupancy = [0] * len(compiled.hubs)
        self.hub_occupancy_by_month = [[0] * len(compiled.hubs) for _ in range(months)]
        self.hub_transfers_by_month = [[0] * len(compiled.hubs) for _ in range(months)]
        covered = [bool(compiled.hub_scope[:, k].any()) for k in range(n)] if compiled.hubs else [False] * n
        self.eligible_share = [float(s) if covered[i] else 0.0 for i, s in enumerate(compiled.eligible_share)]

    # -- bookkeeping -------------------------------------------------------------------------

    def month_now(self) -> int:
        return int(math.floor(self.env.now))

    def count(self, name: str, person: Person) -> None:
        month = self.month_now()
        if month < self.c.months:
            self.flows[name][month][person.nationality] += 1

    def months_until_exit(self, chance: float) -> float:
        """Months until a monthly chance first comes up: geometric on 1, 2, ..."""
        if chance <= 0.0:
            return NEVER
        if chance >= 1.0:
            return 1
        return 1 + math.floor(math.log(1.0 - self.random.random()) / math.log(1.0 - chance))

    def wait_until(self, person: Person, months: float) -> simpy.Event | None:
        """An event at the middle of the month the person leaves, or None beyond the horizon."""
        when = person.hazard_from + months - 1 + 0.5
        if when >= self.c.months:
            return None
        return self.env.timeout(when - self.env.now)

    def enter(self, stage: int, person: Person) -> None:
        self.stock[stage][person.nationality] += 1
        person.hazard_from = self.month_now() + 1

    def leave(self, stage: int, person: Person) -> None:
        self.stock[stage][person.nationality] -= 1

    # -- a person's life ---------------------------------------------------------------------

    def life(self, person: Person, stage: int, initial: bool) -> Generator[simpy.Event, Any, None]:
        c = self.c
        n = person.nationality
        rnd = self.random
        if initial:
            self.stock[stage][n] += 1
            person.hazard_from = 0
        else:
            self.enter(stage, person)
        while stage != GONE:
            if stage == AWAITING:
                person.decision = self.env.event()
                self.queue.append(person)
                yield person.decision  # the caseworking process picks this claim
                self.leave(AWAITING, person)
                if rnd.random() < c.withdrawal_share[self.month_now()]:
                    self.count("claims_withdrawn", person)
                    route = rnd.random()
                    if route < c.withdrawal_reentry:
                        # A new claim or further submissions: back in the queue for next month.
                        self.count("withdrawn_reentered", person)
                        self.enter(AWAITING, person)
                        continue
                    if route < c.withdrawal_reentry + c.withdrawal_departure:
                        self.count("withdrawn_departed", person)
                    else:
                        self.count("withdrawn_absconded", person)
                    return
                self.count("initial_decisions", person)
                if rnd.random() < c.grant_rate[self.month_now(), n]:
                    self.count("initial_grants", person)
                    stage = GONE
                else:
                    self.count("initial_refusals", person)
                    stage = REFUSED
                    self.enter(REFUSED, person)
            elif stage == REFUSED:
                wake = self.wait_until(person, self.months_until_exit(c.appeal_window_exit))
                if wake is None:
                    return
                yield wake
                self.leave(REFUSED, person)
                if rnd.random() < c.appeal_rate[n]:
                    self.count("appeals_lodged", person)
                    stage = APPEAL
                    self.enter(APPEAL, person)
                else:
                    self.count("not_appealed", person)
                    stage = self.become_exhausted(person)
            elif stage == APPEAL:
                wake = self.wait_until(person, self.months_until_exit(c.appeal_decided))
                if wake is None:
                    return
                yield wake
                self.leave(APPEAL, person)
                if rnd.random() < c.appeal_allowed_rate[n]:
                    self.count("appeals_allowed", person)
                    stage = GONE
                else:
                    self.count("appeals_dismissed", person)
                    stage = self.become_exhausted(person)
            elif stage == EXHAUSTED:
                stage = yield from self.exhausted(person)
            elif stage == HUB:
                stage = yield from self.in_hub(person)

    def become_exhausted(self, person: Person) -> int:
        person.hub_eligible = self.random.random() < self.eligible_share[person.nationality]
        self.enter(EXHAUSTED, person)
        return EXHAUSTED

    def exhausted(self, person: Person) -> Generator[simpy.Event, Any, int]:
        c = self.c
        n = person.nationality
        voluntary = float(c.voluntary_return_rate[n])
        enforced = float(c.enforced_return_rate[n])
        chance = voluntary + enforced + c.absconding_rate
        wake = self.wait_until(person, self.months_until_exit(chance))
        if person.hub_eligible:
            self.waiting_for_hub[n][person] = None
            self.eligible_stock[n] += 1
            person.picked = self.env.event()
            yield person.picked if wake is None else (wake | person.picked)
            if person.picked.triggered:
                return HUB  # the caseworking process has already moved the person
            del self.waiting_for_hub[n][person]
            self.eligible_stock[n] -= 1
        else:
            if wake is None:
                return GONE
            yield wake
        self.leave(EXHAUSTED, person)
        draw = self.random.random() * chance
        if draw < voluntary:
            self.count("voluntary_returns", person)
        elif draw < voluntary + enforced:
            self.count("enforced_returns", person)
        else:
            self.count("absconds", person)
        return GONE

    def in_hub(self, person: Person) -> Generator[simpy.Event, Any, int]:
        c = self.c
        j = person.hub
        onward = float(c.hub_onward_rate[j])
        sent = float(c.hub_sending_state_rate[j])
        chance = onward + sent + float(c.hub_absconding_rate[j])
        months = self.months_until_exit(chance)
        clock = int(c.hub_max_stay[j])
        wake = self.wait_until(person, min(months, clock))
        if wake is None:
            return GONE
        yield wake
        self.leave(HUB, person)
        self.hub_occupancy[j] -= 1
        if months > clock:
            self.count("hub_max_stay_reached", person)
            self.count("hub_returned_to_sending_state", person)
        else:
            draw = self.random.random() * chance
            if draw < onward:
                self.count("hub_onward_returns", person)
                return GONE
            if draw >= onward + sent:
                self.count("hub_absconds", person)
                return GONE
            self.count("hub_returned_to_sending_state", person)
        # Back in the sending state, not to be sent to a hub again.
        person.hub_eligible = False
        self.enter(EXHAUSTED, person)
        return EXHAUSTED

    # -- the monthly caseworking process -----------------------------------------------------

    def caseworking(self, progress: ProgressCallback | None) -> Generator[simpy.Event, Any, None]:
        c = self.c
        rnd = self.random
        n = len(c.nationalities)
        yield self.env.timeout(0.75)
        for t in range(c.months):
            # Initial decisions on claims lodged before this month, picked at random.
            how_many = min(len(self.queue), int(c.decision_capacity[t]))
            if how_many:
                chosen = set(rnd.sample(range(len(self.queue)), how_many))
                decided = [p for i, p in enumerate(self.queue) if i in chosen]
                self.queue = [p for i, p in enumerate(self.queue) if i not in chosen]
                for person in decided:
                    assert person.decision is not None
                    person.decision.succeed()

            # Hub transfers: eligible people waiting since before this month, while there is room.
            for j in range(len(c.hubs)):
                if not c.hub_open[t, j]:
                    continue
                room = min(int(c.hub_places[j]) - self.hub_occupancy[j], int(c.hub_transfer_capacity[j]))
                pool = [
                    p
                    for k in range(n)
                    if c.hub_scope[j, k]
                    for p in self.waiting_for_hub[k]
                    if p.hazard_from <= t
                ]
                if room <= 0 or not pool:
                    continue
                for person in rnd.sample(pool, min(room, len(pool))):
                    k = person.nationality
                    del self.waiting_for_hub[k][person]
                    self.eligible_stock[k] -= 1
                    self.stock[EXHAUSTED][k] -= 1
                    person.hub = j
                    self.stock[HUB][k] += 1
                    person.hazard_from = t + 1
                    self.hub_occupancy[j] += 1
                    self.hub_transfers_by_month[t][j] += 1
                    self.flows["hub_transfers"][t][k] += 1
                    assert person.picked is not None
                    person.picked.succeed()

            # The month's arrivals, each lodging a claim.
            mean = c.arrival_mean[t]
            if c.deterrence_elasticity > 0 and t > 0:
                window = range(max(0, t - c.deterrence_window), t)
                seen = sum(sum(self.flows["arrivals"][m]) for m in window)
                moved = sum(sum(self.flows["hub_transfers"][m]) for m in window)
                mean = mean * math.exp(-c.deterrence_elasticity * moved / max(seen, 1))
            for k in range(n):
                for _ in range(int(self.numpy_random.poisson(mean[k]))):
                    self.flows["arrivals"][t][k] += 1
                    self.env.process(self.life(Person(k), AWAITING, initial=False))

            yield self.env.timeout(0.15)
            self.record_stocks(t)
            if progress is not None:
                progress(t + 1, c.months)
            yield self.env.timeout(0.85)

    def record_stocks(self, t: int) -> None:
        f = self.flows
        for k in range(len(self.c.nationalities)):
            f["awaiting_decision"][t][k] = self.stock[AWAITING][k]
            f["refused_awaiting_appeal"][t][k] = self.stock[REFUSED][k]
            f["appeal_pending"][t][k] = self.stock[APPEAL][k]
            f["appeal_rights_exhausted"][t][k] = self.stock[EXHAUSTED][k]
            f["hub_eligible_waiting"][t][k] = self.eligible_stock[k]
            f["in_hub"][t][k] = self.stock[HUB][k]
        self.hub_occupancy_by_month[t] = list(self.hub_occupancy)

    def start(self, progress: ProgressCallback | None) -> None:
        c = self.c
        initial_eligible = c.initial_hub_eligible
        for k in range(len(c.nationalities)):
            for stage, count in (
                (AWAITING, c.initial_awaiting_decision[k]),
                (REFUSED, c.initial_refused_awaiting_appeal[k]),
                (APPEAL, c.initial_appeal_pending[k]),
            ):
                for _ in range(int(count)):
                    self.env.process(self.life(Person(k), stage, initial=True))
            for i in range(int(c.initial_appeal_rights_exhausted[k])):
                person = Person(k)
                if initial_eligible is None:
                    person.hub_eligible = self.random.random() < self.eligible_share[k]
                else:
                    person.hub_eligible = self.eligible_share[k] > 0 and i < int(initial_eligible[k])
                self.env.process(self.life(person, EXHAUSTED, initial=True))
            for j in range(len(c.hubs)):
                for _ in range(int(c.initial_in_hub[j, k])):
                    person = Person(k)
                    person.hub = j
                    self.hub_occupancy[j] += 1
                    self.env.process(self.life(person, HUB, initial=True))
        self.env.process(self.caseworking(progress))

    def run(self, progress: ProgressCallback | None = None) -> dict[str, IntArray]:
        self.start(progress)
        self.env.run(until=self.c.months)
        return {name: np.asarray(values, dtype=np.int64) for name, values in self.flows.items()}


def simulate_reference(
    scenario: Scenario,
    *,
    reps: int = 10,
    months: int | None = None,
    seed: int = 0,
    initial: InitialCaseload | None = None,
    eligible_share: Mapping[str, float] | None = None,
    progress: ProgressCallback | None = None,
) -> SimulationResult:
    """Run `reps` replications of the SimPy reference; replication r uses child r of
    SeedSequence(seed).spawn(reps)."""
    if reps < 1:
        raise ScenarioError(f"reps must be at least 1, got {reps}")
    compiled = compile_scenario(scenario, months=months, initial=initial, eligible_share=eligible_share)
    started = time.perf_counter()
    runs = []
    occupancy = []
    transfers = []
    for r, child in enumerate(np.random.SeedSequence(seed).spawn(reps)):
        run = ReferenceRun(compiled, child)
        runs.append(run.run())
        occupancy.append(run.hub_occupancy_by_month)
        transfers.append(run.hub_transfers_by_month)
        if progress is not None:
            progress(r + 1, reps)
    by_nationality = {name: np.stack([run[name] for run in runs]) for name in COUNT_SERIES}
    series: dict[str, Any] = {name: values.sum(axis=2) for name, values in by_nationality.items()}
    transfers_by_hub = np.asarray(transfers, dtype=np.int64).reshape(
        reps, compiled.months, len(compiled.hubs)
    )
    series.update(money_series(compiled, series, transfers_by_hub))
    return SimulationResult(
        scenario_name=compiled.name,
        currency=compiled.currency,
        engine="simpy",
        start_month=compiled.start_month,
        months=compiled.months,
        reps=reps,
        seed=seed,
        block_size=0,
        nationalities=compiled.nationalities,
        hubs=compiled.hubs,
        hub_places=tuple(int(p) for p in compiled.hub_places),
        series=series,
        hub_occupancy=np.asarray(occupancy, dtype=np.int64).reshape(
            reps, compiled.months, len(compiled.hubs)
        ),
        hub_transfers_by_hub=transfers_by_hub,
        by_nationality=by_nationality,
        initial_people=compiled.initial_people,
        assumptions=compiled.assumptions,
        seconds=time.perf_counter() - started,
    )
