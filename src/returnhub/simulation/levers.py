"""The armoury: levers a government can pull, each with its effect range, evidence and cost.

A lever has a setting in its own units (caseworkers, agreements, places, flights, pounds) and an
effect per unit that nobody knows exactly. Each replication draws every effect from its stated
range (uniform), so the spread of the results carries the uncertainty of the levers as well as the
randomness of the flows. Where no published figure stands behind a range it says ASSUMPTION, and
a range that starts at zero says that there is no evidence the lever works at all.

Common random numbers: the effects are drawn from the block's own "levers" stream, the same
uniforms in the same order whatever the settings, so replication r sees the same luck in every
mix, and a mix with every lever at zero is the baseline run exactly (tested).

Costs are point figures (stated, mostly ASSUMPTIONS) applied to the lever's setting or to the
flows it causes; they are added to `cost_total` as `cost_levers`, while a hub's places and
payments go through the scenario's own hub cost lines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from returnhub.simulation.engine import DEFAULT_BLOCK_SIZE, SimulationResult, simulate_compiled
from returnhub.simulation.errors import ScenarioError
from returnhub.simulation.parameters import (
    CompiledScenario,
    FloatArray,
    InitialCaseload,
    RowEffects,
    compile_scenario,
)
from returnhub.simulation.scenario import Scenario, add_months


@dataclass(frozen=True)
class Lever:
    key: str
    label: str
    unit: str
    maximum: float
    whole: bool  # settings must be whole numbers
    effect: str  # what one unit does, with the range drawn per replication
    evidence: str
    cost: str
    phrase: str = "{value:,.0f}"  # the setting in plain words

    def describe(self, value: float) -> str:
        return self.phrase.format(value=value, percent=value * 100, millions=value)


LEVERS: dict[str, Lever] = {
    lever.key: lever
    for lever in (
        Lever(
            key="caseworkers",
            label="More asylum caseworkers",
            unit="extra decision-makers",
            maximum=5000,
            whole=True,
            effect="each concludes 3 to 6 more claims a month",
            evidence=(
                "ASSUMPTION: no published output per decision-maker in the reference files; the fitted "
                "12,424 claims concluded a month (calibrate) sets the scale"
            ),
            cost="£50,000 a year each (ASSUMPTION: salary and on-costs)",
            phrase="{value:,.0f} more caseworkers",
        ),
        Lever(
            key="returns_agreements",
            label="Returns agreements with countries of origin",
            unit="new agreements (least cooperative nationalities first)",
            maximum=6,
            whole=True,
            effect=(
                "for each nationality covered: returns rise towards the best-cooperating level times its "
                "own acceptance rate of 30% to 80%, slowed by its own emergency travel document answer "
                "time of 1 to 6 months (both drawn per nationality)"
            ),
            evidence=(
                "ASSUMPTION for both ranges; the EU returns about 20% of those ordered to leave "
                "(research §3.3), so acceptance well below 100% is the norm"
            ),
            cost="£20m a year per agreement (ASSUMPTION: aid and partnership package)",
            phrase="{value:,.0f} new returns agreements",
        ),
        Lever(
            key="detention_places",
            label="Immigration detention places",
            unit="extra places",
            maximum=5000,
            whole=True,
            effect=(
                "each place turns over 0.6 to 1.2 people a month; 30% to 60% of them can go on scheduled "
                "flights with escorts, the rest need charter seats"
            ),
            evidence=(
                "turnover derived from csv: entered_detention year ending September 2024 (19,335, about "
                "1,600 a month) over an ASSUMED estate of about 2,000 places; the scheduled-flight share "
                "is an ASSUMPTION"
            ),
            cost="£120 a place a day (ASSUMPTION) and £3,000 in escorts per removal (ASSUMPTION)",
            phrase="{value:,.0f} more detention places",
        ),
        Lever(
            key="charter_flights",
            label="Charter flights for removals",
            unit="extra flights a month",
            maximum=20,
            whole=True,
            effect="20 to 50 people removed per flight, if detention places hold them",
            evidence=(
                "csv: charter_flights 2024-07-05/2025-03-22 (46 flights in 8.5 months, about 5 a month); "
                "seats filled per flight are an ASSUMPTION"
            ),
            cost="£250,000 a flight (ASSUMPTION)",
            phrase="{value:,.0f} more charter flights a month",
        ),
        Lever(
            key="voluntary_incentive",
            label="Payment for voluntary return",
            unit="pounds per person",
            maximum=3000,
            whole=False,
            effect="each £1,000 raises the monthly voluntary return rate by 5% to 30%",
            evidence=(
                "the Voluntary Returns Service pays up to £3,000 (research §2.5); the response to the "
                "amount is an ASSUMPTION"
            ),
            cost="the payment, to everyone who leaves voluntarily (also those who would have left anyway)",
            phrase="£{value:,.0f} paid for each voluntary return",
        ),
        Lever(
            key="hub_places",
            label="Return hub abroad",
            unit="places as built",
            maximum=3000,
            whole=True,
            effect=(
                "opens 6 months in; onward return 2% to 10% a month; 30% to 90% of eligible people stopped "
                "at the gate by courts (legal attrition)"
            ),
            evidence=(
                "Italy-Albania: 880 + 144 places built, about 140 people through, 37 repatriated "
                "(csv: italy_albania_built_places_asylum, italy_albania_cpr_people_passed_through, "
                "italy_albania_cpr_repatriated); the first transfers were all sent back by the courts "
                "(research §3.5)"
            ),
            cost=(
                "£92 a place a day (csv: italy_albania_cost_per_day_cpr 108.04 EUR at an ASSUMED 0.85) and "
                "£20,000 per transfer (csv: rwanda_payment_per_person_relocated)"
            ),
            phrase="a return hub of {value:,.0f} places",
        ),
        Lever(
            key="deterrence",
            label="Deterrence (credibility of the whole package)",
            unit="share of the assumed effect, 0 to 1",
            maximum=1,
            whole=False,
            effect=(
                "two channels: arrivals fall by 0% to 10%; people already here return voluntarily 0% to 50% "
                "more and come back with new claims or further submissions 0% to 50% less"
            ),
            evidence=(
                "ASSUMPTION, not evidence: the 15 May 2025 announcement names both mechanisms; no published "
                "estimate, so every range starts at zero. It acts only when the mix holds something to be "
                "deterred by (a hub, detention places or a returns agreement)"
            ),
            cost="none counted here (it is a side effect of the other levers)",
            phrase="deterrence at {percent:.0f}% of the assumed effect",
        ),
        Lever(
            key="anti_smuggling",
            label="Enforcement against smuggling gangs",
            unit="£ million a year",
            maximum=500,
            whole=False,
            effect="each £100m a year prevents 0% to 10% of small-boat arrivals (at most 90%)",
            evidence=(
                "mixed: small-boat arrivals fell 36% from 2022 to 2023 as joint enforcement grew, then rose "
                "25% in 2024 (csv: small_boat_arrivals 2022-2024); the range is an ASSUMPTION that starts at "
                "zero"
            ),
            cost="the spending itself",
            phrase="£{millions:,.0f}m a year against smuggling gangs",
        ),
    )
}

# Unit costs (pounds); see each lever's `cost`.
CASEWORKER_COST_PER_YEAR = 50_000.0
AGREEMENT_COST_PER_YEAR = 20_000_000.0
DETENTION_COST_PER_PLACE_PER_DAY = 120.0
ESCORT_COST_PER_REMOVAL = 3_000.0
CHARTER_COST_PER_FLIGHT = 250_000.0
HUB_COST_PER_PLACE_PER_DAY = 92.0
HUB_PAYMENT_PER_TRANSFER = 20_000.0
HUB_OPENS_AFTER_MONTHS = 6
LEVER_HUB = "Return hub (lever)"

# The order in which the uniforms are drawn: fixed, so every mix sees the same luck.
_DRAWS = (
    "caseworker_output",
    "detention_turnover",
    "scheduled_share",
    "charter_seats",
    "incentive_response",
    "hub_onward",
    "hub_attrition",
    "deterrence_arrivals",
    "deterrence_behaviour",
    "smuggling_effect",
)
# Drawn per replication and nationality, after the others.
_NATIONALITY_DRAWS = ("agreement_acceptance", "agreement_etd_months")


def _between(u: FloatArray, low: float, high: float) -> FloatArray:
    return np.asarray(low + (high - low) * u, dtype=np.float64)


def check_settings(settings: Mapping[str, float]) -> dict[str, float]:
    """Validated settings with every lever present (absent ones at zero)."""
    unknown = sorted(set(settings) - set(LEVERS))
    if unknown:
        raise ScenarioError(f"unknown lever {unknown[0]!r}; levers are {', '.join(LEVERS)}")
    checked: dict[str, float] = {}
    for key, lever in LEVERS.items():
        value = settings.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(f"lever {key}: expected a number, got {value!r}")
        if not 0 <= value <= lever.maximum:
            raise ScenarioError(f"lever {key}: {value:g} is outside 0 to {lever.maximum:g} {lever.unit}")
        if lever.whole and value != int(value):
            raise ScenarioError(f"lever {key}: expected a whole number of {lever.unit}, got {value:g}")
        checked[key] = float(value)
    return checked


@dataclass(frozen=True)
class LeverEffects:
    """Draws one block's per-replication effects (a picklable callable for process pools).

    `mixes` holds one or more settings; with several, the block's rows are the mixes one after the
    other, each `rows / len(mixes)` replications long, and replication r of every mix draws the same
    effect uniforms (a stacked screening run: one engine call for many mixes).
    """

    mixes: tuple[tuple[tuple[str, float], ...], ...]
    agreement_order: tuple[int, ...]  # nationality indices, least cooperative first

    def __call__(self, rng: np.random.Generator, rows: int, c: CompiledScenario) -> RowEffects:
        count = len(self.mixes)
        if rows % count:
            raise ScenarioError(f"{rows} rows cannot be split evenly between {count} lever mixes")
        per = rows // count
        s = {key: np.repeat([dict(mix)[key] for mix in self.mixes], per).astype(np.float64) for key in LEVERS}
        u = {name: np.tile(rng.random(per), count) for name in _DRAWS}
        # Each nationality's agreement has its own acceptance rate and document answer time.
        n = len(c.nationalities)
        by_nationality = {name: np.tile(rng.random((per, n)), (count, 1)) for name in _NATIONALITY_DRAWS}
        voluntary = np.repeat(c.voluntary_return_rate[None, :], rows, axis=0)
        enforced = np.repeat(c.enforced_return_rate[None, :], rows, axis=0)
        reentry = np.full(rows, c.withdrawal_reentry)

        extra = np.floor(s["caseworkers"] * _between(u["caseworker_output"], 3.0, 6.0)).astype(np.int64)

        agreements = s["returns_agreements"]
        if agreements.any():
            acceptance = _between(by_nationality["agreement_acceptance"], 0.3, 0.8)
            etd_months = _between(by_nationality["agreement_etd_months"], 1.0, 6.0)
            best_enforced = float(c.enforced_return_rate.max())
            best_voluntary = float(c.voluntary_return_rate.max())
            # A document answer that takes e months adds e months to the expected wait.
            target = acceptance * best_enforced
            effective = np.where(target > 0, 1.0 / (1.0 / np.maximum(target, 1e-12) + etd_months), 0.0)
            for position, k in enumerate(self.agreement_order):
                covered = agreements > position
                enforced[:, k] = np.where(
                    covered, np.maximum(enforced[:, k], effective[:, k]), enforced[:, k]
                )
                voluntary[:, k] = np.where(
                    covered, np.maximum(voluntary[:, k], acceptance[:, k] * best_voluntary), voluntary[:, k]
                )

        if s["voluntary_incentive"].any():
            response = _between(u["incentive_response"], 0.05, 0.30)
            voluntary = voluntary * (1.0 + s["voluntary_incentive"] / 1000.0 * response)[:, None]

        arrivals_factor = np.ones(rows)
        # Deterrence is the credibility of removal: with no hub, detention or agreement in the mix
        # there is nothing new to be deterred by, so it does nothing on its own.
        credible = (s["hub_places"] > 0) | (s["detention_places"] > 0) | (s["returns_agreements"] > 0)
        deterrence = s["deterrence"] * credible
        if deterrence.any():
            arrivals_factor = 1.0 - deterrence * _between(u["deterrence_arrivals"], 0.0, 0.10)
            behaviour = deterrence * _between(u["deterrence_behaviour"], 0.0, 0.5)
            voluntary = voluntary * (1.0 + behaviour)[:, None]
            reentry = reentry * (1.0 - behaviour)
        # Keep the three competing chances a valid split of one month.
        room = 1.0 - c.absconding_rate
        over = voluntary + enforced > room
        if over.any():
            scale = np.where(over, room / np.maximum(voluntary + enforced, 1e-12), 1.0)
            voluntary, enforced = voluntary * scale, enforced * scale

        capacity = np.zeros(rows, dtype=np.int64)
        if s["detention_places"].any():
            throughput = s["detention_places"] * _between(u["detention_turnover"], 0.6, 1.2)
            scheduled = throughput * _between(u["scheduled_share"], 0.3, 0.6)
            seats = s["charter_flights"] * _between(u["charter_seats"], 20.0, 50.0)
            capacity = np.floor(np.minimum(throughput, scheduled + seats)).astype(np.int64)

        smuggling_cut = np.minimum(
            0.9, s["anti_smuggling"] / 100.0 * _between(u["smuggling_effect"], 0.0, 0.10)
        )

        onward = np.repeat(c.hub_onward_rate[None, :], rows, axis=0)
        eligible_factor = np.ones(rows)
        if s["hub_places"].any() and LEVER_HUB in c.hubs:
            j = c.hubs.index(LEVER_HUB)
            with_hub = s["hub_places"] > 0
            onward[:, j] = np.where(with_hub, _between(u["hub_onward"], 0.02, 0.10), onward[:, j])
            eligible_factor = np.where(with_hub, 1.0 - _between(u["hub_attrition"], 0.3, 0.9), 1.0)
        return RowEffects(
            decision_capacity_extra=extra,
            voluntary_return_rate=voluntary,
            enforced_return_rate=enforced,
            withdrawal_reentry=reentry,
            small_boat_cut=np.asarray(smuggling_cut, dtype=np.float64),
            arrivals_factor=np.asarray(arrivals_factor, dtype=np.float64),
            enforcement_capacity=capacity,
            eligible_factor=np.asarray(eligible_factor, dtype=np.float64),
            hub_onward_rate=onward,
        )


def with_lever_hub(scenario: Scenario, places: int) -> Scenario:
    """The scenario with a hub of `places` places added (no change when places is zero)."""
    if places <= 0:
        return scenario
    if any(hub.name == LEVER_HUB for hub in scenario.hubs):
        raise ScenarioError(f"scenario {scenario.name!r} already has a hub called {LEVER_HUB!r}")
    hub = {
        "name": LEVER_HUB,
        "country": "a partner country (hypothetical)",
        "opening_month": add_months(scenario.start_month, HUB_OPENS_AFTER_MONTHS).strftime("%Y-%m"),
        "places": places,
        "max_stay_months": 12,
        # Drawn per replication by the lever (2% to 10% a month); this value is not used.
        "onward_return_rate_per_month": 0.06,
        "returned_to_sending_state_rate_per_month": 0.02,
        "absconding_rate_per_month": 0.0,
        "transfer_capacity_per_month": 300,
        "cost_per_place_per_day": HUB_COST_PER_PLACE_PER_DAY,
        "payment_per_transfer": HUB_PAYMENT_PER_TRANSFER,
    }
    hubs = [h.model_dump(mode="python") for h in scenario.hubs]
    return scenario.with_overrides({"hubs": [*hubs, hub]})


def compile_with_levers(
    scenario: Scenario,
    settings: Mapping[str, float],
    *,
    months: int | None = None,
    initial: InitialCaseload | None = None,
) -> CompiledScenario:
    checked = check_settings(settings)
    compiled = compile_scenario(
        with_lever_hub(scenario, int(checked["hub_places"])), months=months, initial=initial
    )
    # Least cooperative first: lowest enforced return rate, then the largest stock of refused people.
    order = sorted(
        range(len(compiled.nationalities)),
        key=lambda k: (compiled.enforced_return_rate[k], -compiled.initial_appeal_rights_exhausted[k]),
    )
    effects = LeverEffects(mixes=(tuple(checked.items()),), agreement_order=tuple(order))
    return dataclasses.replace(compiled, row_effects=effects)


def simulate_stacked(
    scenario: Scenario,
    mixes: Sequence[Mapping[str, float]],
    *,
    reps: int,
    months: int | None = None,
    seed: int = 0,
) -> SimulationResult:
    """One engine run holding several mixes that share a hub setting, `reps` rows each (mix i is
    rows i*reps to (i+1)*reps). Faster than one run per mix when replications are few, since a
    month costs about the same NumPy calls whatever the rows; the mixes do not share the flows'
    random numbers, only the levers' (a screening tool, not a comparison on common numbers)."""
    checked = [check_settings(mix) for mix in mixes]
    places = {mix["hub_places"] for mix in checked}
    if len(places) != 1:
        raise ScenarioError("stacked mixes must share one hub setting")
    compiled = compile_with_levers(scenario, checked[0], months=months)
    effects = dataclasses.replace(
        compiled.row_effects,  # type: ignore[type-var]
        mixes=tuple(tuple(mix.items()) for mix in checked),
    )
    compiled = dataclasses.replace(compiled, row_effects=effects)
    rows = reps * len(checked)
    return simulate_compiled(compiled, reps=rows, seed=seed, block_size=rows)


def lever_costs(result: SimulationResult, settings: Mapping[str, float]) -> dict[str, FloatArray]:
    """Monthly cost of each lever per replication, (reps, months), in pounds.

    The hub's cost is the scenario's hub lines (places from opening, payments per transfer).
    """
    s = check_settings(settings)
    series = result.series
    shape = series["arrivals"].shape
    days = np.array(
        [
            (add_months(result.start_month, t + 1) - add_months(result.start_month, t)).days
            for t in range(result.months)
        ],
        dtype=np.float64,
    )[None, :]
    flat = np.ones(shape)
    costs = {
        "caseworkers": flat * s["caseworkers"] * CASEWORKER_COST_PER_YEAR / 12,
        "returns_agreements": flat * s["returns_agreements"] * AGREEMENT_COST_PER_YEAR / 12,
        "detention_places": flat * s["detention_places"] * DETENTION_COST_PER_PLACE_PER_DAY * days
        + ESCORT_COST_PER_REMOVAL * np.asarray(series["capacity_enforced_returns"], dtype=np.float64),
        "charter_flights": flat * s["charter_flights"] * CHARTER_COST_PER_FLIGHT,
        "voluntary_incentive": s["voluntary_incentive"]
        * np.asarray(series["voluntary_returns"] + series["withdrawn_departed"], dtype=np.float64),
        "hub_places": (
            np.asarray(series["cost_hub_places"] + series["cost_hub_payments"], dtype=np.float64)
            if s["hub_places"]
            else np.zeros(shape)
        ),
        "deterrence": np.zeros(shape),
        "anti_smuggling": flat * s["anti_smuggling"] * 1_000_000 / 12,
    }
    return {key: np.asarray(value, dtype=np.float64) for key, value in costs.items()}


def simulate_levers(
    scenario: Scenario,
    settings: Mapping[str, float],
    *,
    reps: int = 200,
    months: int | None = None,
    seed: int = 0,
    initial: InitialCaseload | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> SimulationResult:
    """Run the scenario with the levers set; `cost_levers` is added to the series and to `cost_total`."""
    if reps < 1:
        raise ScenarioError(f"reps must be at least 1, got {reps}")
    compiled = compile_with_levers(scenario, settings, months=months, initial=initial)
    result = simulate_compiled(compiled, reps=reps, seed=seed, block_size=block_size)
    costs = lever_costs(result, settings)
    # The hub's cost is already in cost_total through the scenario's hub lines.
    extra = sum(value for key, value in costs.items() if key != "hub_places")
    result.series["cost_levers"] = np.asarray(extra, dtype=np.float64)
    result.series["cost_total"] = np.asarray(result.series["cost_total"], dtype=np.float64) + extra
    return result


def lever_table() -> list[dict[str, Any]]:
    """Every lever with its units, effect range, evidence and cost, for pages and reports."""
    return [
        {
            "lever": lever.label,
            "setting": lever.unit,
            "most tried": lever.maximum,
            "effect (drawn per replication)": lever.effect,
            "evidence": lever.evidence,
            "cost": lever.cost,
        }
        for lever in LEVERS.values()
    ]
