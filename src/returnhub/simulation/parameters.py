"""The scenario turned into month-by-month arrays, and the caseload a run starts from.

Both engines (the vectorised one and the SimPy reference) read the same compiled arrays, so a
difference between them is a difference in how people flow, never in how the YAML was read.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from returnhub.simulation.errors import ScenarioError
from returnhub.simulation.scenario import Scenario, add_months, month_index

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Status names as the casework projection reports them.
INITIAL_STATUSES = (
    "awaiting_decision",
    "refused_awaiting_appeal",
    "appeal_pending",
    "appeal_rights_exhausted",
)


@dataclass(frozen=True)
class InitialCaseload:
    """People already in the system at the start, per status and nationality.

    `hub_eligible` says how many of the appeal-rights-exhausted people the safeguards allow to be
    transferred now (from the safeguards engine run over the caseload); if it is None the engine
    splits them at random with the eligible share. `in_hub` is keyed by hub name, then nationality.
    """

    awaiting_decision: Mapping[str, int] = field(default_factory=dict)
    refused_awaiting_appeal: Mapping[str, int] = field(default_factory=dict)
    appeal_pending: Mapping[str, int] = field(default_factory=dict)
    appeal_rights_exhausted: Mapping[str, int] = field(default_factory=dict)
    hub_eligible: Mapping[str, int] | None = None
    in_hub: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @classmethod
    def from_status_counts(cls, counts: Mapping[str, Mapping[str, object]]) -> InitialCaseload:
        """Build from {status: {nationality: count}}; "in_hub" maps hub name -> {nationality: count}."""
        allowed = {*INITIAL_STATUSES, "hub_eligible", "in_hub"}
        unknown = sorted(set(counts) - allowed)
        if unknown:
            raise ScenarioError(
                f"initial caseload: unknown status {unknown}; expected some of {sorted(allowed)}"
            )

        def plain(status: str) -> dict[str, int]:
            values = counts.get(status, {})
            return {str(key): _count(f"{status}.{key}", value) for key, value in values.items()}

        in_hub_raw = counts.get("in_hub", {})
        in_hub: dict[str, dict[str, int]] = {}
        for hub_name, by_nationality in in_hub_raw.items():
            if not isinstance(by_nationality, Mapping):
                raise ScenarioError(f"initial caseload: in_hub.{hub_name} must map nationality to a count")
            in_hub[str(hub_name)] = {
                str(key): _count(f"in_hub.{hub_name}.{key}", value) for key, value in by_nationality.items()
            }
        return cls(
            awaiting_decision=plain("awaiting_decision"),
            refused_awaiting_appeal=plain("refused_awaiting_appeal"),
            appeal_pending=plain("appeal_pending"),
            appeal_rights_exhausted=plain("appeal_rights_exhausted"),
            hub_eligible=plain("hub_eligible") if "hub_eligible" in counts else None,
            in_hub=in_hub,
        )

    def total(self) -> int:
        people = sum(sum(getattr(self, status).values()) for status in INITIAL_STATUSES)
        return int(people + sum(sum(by_nat.values()) for by_nat in self.in_hub.values()))


def _count(where: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or int(value) < 0:
        raise ScenarioError(f"initial caseload: {where} must be a whole number of people >= 0, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class CompiledScenario:
    """Arrays indexed [month], [nationality] or [hub]; every rate is a monthly probability."""

    name: str
    currency: str
    start_month: date
    months: int
    nationalities: tuple[str, ...]
    hubs: tuple[str, ...]
    days_in_month: FloatArray
    arrival_mean: FloatArray  # (months, N): expected arrivals before any deterrence effect
    decision_capacity: IntArray  # (months,)
    withdrawal_share: FloatArray  # (months,)
    withdrawal_reentry: float  # of the withdrawn: back in the queue the next month
    withdrawal_departure: float  # of the withdrawn: leave the UK (asylum-related voluntary return)
    grant_rate: FloatArray  # (months, N)
    appeal_rate: FloatArray  # (N,)
    appeal_allowed_rate: FloatArray  # (N,)
    appeal_window_exit: float  # chance a refused person settles appeal-or-not this month
    appeal_decided: float  # chance a pending appeal is determined this month
    voluntary_return_rate: FloatArray  # (N,)
    enforced_return_rate: FloatArray  # (N,)
    absconding_rate: float
    eligible_share: FloatArray  # (N,)
    hub_open: BoolArray  # (months, H)
    hub_places: IntArray  # (H,)
    hub_scope: BoolArray  # (H, N)
    hub_max_stay: IntArray  # (H,)
    hub_onward_rate: FloatArray  # (H,)
    hub_sending_state_rate: FloatArray  # (H,)
    hub_absconding_rate: FloatArray  # (H,)
    hub_transfer_capacity: IntArray  # (H,), a huge number when unlimited
    hub_cost_per_place_per_day: FloatArray  # (H,)
    hub_payment_per_transfer: FloatArray  # (H,)
    fixed_payments: FloatArray  # (months,)
    cost_per_person_per_day: float
    supported_share_in_process: float
    supported_share_appeal_rights_exhausted: float
    deterrence_elasticity: float  # 0.0 when deterrence is off
    deterrence_window: int
    initial_awaiting_decision: IntArray  # (N,)
    initial_refused_awaiting_appeal: IntArray  # (N,)
    initial_appeal_pending: IntArray  # (N,)
    initial_appeal_rights_exhausted: IntArray  # (N,)
    initial_hub_eligible: IntArray | None  # (N,) or None: split at random
    initial_in_hub: IntArray  # (H, N)
    assumptions: tuple[str, ...]
    # Small-boat route's share of `arrival_mean` (months, N); zero if the scenario has no such route.
    small_boat_mean: FloatArray | None = None
    # Per-replication lever effects; None runs the scenario as compiled.
    row_effects: RowEffectsSampler | None = None

    @property
    def initial_people(self) -> IntArray:
        people: IntArray = (
            self.initial_awaiting_decision
            + self.initial_refused_awaiting_appeal
            + self.initial_appeal_pending
            + self.initial_appeal_rights_exhausted
            + self.initial_in_hub.sum(axis=0)
        )
        return people


UNLIMITED = np.int64(2**40)


@dataclass(frozen=True)
class RowEffects:
    """Parameters that differ by replication: the levers' effects, each drawn per replication from
    its stated range (`levers.py`). Shapes: (rows,), (rows, N) or (rows, H). With every lever at
    zero they equal the compiled scenario's own values exactly, so a run is the baseline run."""

    decision_capacity_extra: IntArray  # (rows,) claims concluded a month on top of the scenario's
    voluntary_return_rate: FloatArray  # (rows, N)
    enforced_return_rate: FloatArray  # (rows, N)
    withdrawal_reentry: FloatArray  # (rows,)
    small_boat_cut: FloatArray  # (rows,) share of small-boat arrivals prevented
    arrivals_factor: FloatArray  # (rows,) multiplies every route's arrivals
    enforcement_capacity: IntArray  # (rows,) extra enforced removals a month (detention and flights)
    eligible_factor: FloatArray  # (rows,) share of hub-eligible people who pass the legal gate
    hub_onward_rate: FloatArray  # (rows, H)


# Draws a block's RowEffects from the block's "levers" stream: (generator, rows, compiled) -> effects.
RowEffectsSampler = Callable[[np.random.Generator, int, "CompiledScenario"], RowEffects]


def compile_scenario(
    scenario: Scenario,
    *,
    months: int | None = None,
    initial: InitialCaseload | None = None,
    eligible_share: Mapping[str, float] | None = None,
) -> CompiledScenario:
    """Turn a validated scenario into arrays for `months` monthly steps."""
    horizon = scenario.months if months is None else months
    if horizon < 1:
        raise ScenarioError(f"months must be at least 1, got {horizon}")
    names = scenario.nationality_names
    index = {name: i for i, name in enumerate(names)}
    n = len(names)
    resolved = [scenario.resolved(name) for name in names]

    month_starts = [add_months(scenario.start_month, t) for t in range(horizon)]
    days = np.array([calendar.monthrange(m.year, m.month)[1] for m in month_starts], dtype=np.float64)
    calendar_month = np.array([m.month - 1 for m in month_starts])

    # Changes apply from their month onward; sort so later ones win.
    capacity = np.full(horizon, scenario.decisions.initial_capacity_per_month, dtype=np.int64)
    arrivals_scale = np.ones(horizon)
    grant_scale = np.ones(horizon)
    withdrawal = np.full(horizon, scenario.decisions.withdrawal_share)
    grant_base = np.repeat(np.array([r.grant_rate for r in resolved])[None, :], horizon, axis=0)
    for change in sorted(scenario.changes, key=lambda c: c.from_month):
        start = max(0, month_index(scenario.start_month, change.from_month))
        if change.decision_capacity_per_month is not None:
            capacity[start:] = change.decision_capacity_per_month
        if change.arrivals_scale is not None:
            arrivals_scale[start:] = change.arrivals_scale
        if change.withdrawal_share is not None:
            withdrawal[start:] = change.withdrawal_share
        if change.grant_rate_scale is not None:
            grant_scale[start:] = change.grant_rate_scale
        for name, rate in (change.grant_rate or {}).items():
            grant_base[start:, index[name]] = rate

    arrival_mean = np.zeros((horizon, n))
    small_boat_mean = np.zeros((horizon, n))
    default_season = np.asarray(scenario.arrivals.seasonality, dtype=np.float64)
    for route_name, route in scenario.arrivals.routes.items():
        season = (
            default_season if route.seasonality is None else np.asarray(route.seasonality, dtype=np.float64)
        )
        season = season / season.mean()
        for name, mean in route.monthly_mean.items():
            arrival_mean[:, index[name]] += mean * season[calendar_month]
            if route_name == "small_boat":
                small_boat_mean[:, index[name]] += mean * season[calendar_month]
    growth = (1.0 + scenario.arrivals.annual_growth) ** (np.arange(horizon) / 12.0)
    arrival_mean *= (scenario.arrivals.scale * growth * arrivals_scale)[:, None]
    small_boat_mean *= (scenario.arrivals.scale * growth * arrivals_scale)[:, None]

    grant_rate = np.clip(grant_base * grant_scale[:, None], 0.0, 1.0)

    shares = np.array([r.hub_eligible_share for r in resolved])
    if eligible_share is not None:
        for key, value in eligible_share.items():
            if key not in index:
                raise ScenarioError(
                    f"eligible_share: nationality {key!r} is not in scenario {scenario.name!r}"
                )
            if not 0.0 <= float(value) <= 1.0:
                raise ScenarioError(f"eligible_share: {key!r} must be between 0 and 1, got {value!r}")
            shares[index[key]] = float(value)

    hubs = scenario.hubs
    h = len(hubs)
    hub_open = np.zeros((horizon, h), dtype=np.bool_)
    hub_scope = np.zeros((h, n), dtype=np.bool_)
    fixed_payments = np.zeros(horizon)
    for j, hub in enumerate(hubs):
        opening = max(0, month_index(scenario.start_month, hub.opening_month))
        hub_open[opening:, j] = True
        in_scope = names if hub.nationalities == "all" else hub.nationalities
        for name in in_scope:
            hub_scope[j, index[name]] = True
        fixed_payments[opening:] += hub.fixed_cost_per_month
        for payment in hub.fixed_payments:
            when = month_index(scenario.start_month, payment.month)
            if 0 <= when < horizon:
                fixed_payments[when] += payment.amount

    if initial is not None:
        caseload = initial
    elif scenario.initial is not None:
        stocks = scenario.initial
        caseload = InitialCaseload(
            awaiting_decision=stocks.awaiting_decision,
            refused_awaiting_appeal=stocks.refused_awaiting_appeal,
            appeal_pending=stocks.appeal_pending,
            appeal_rights_exhausted=stocks.appeal_rights_exhausted,
            hub_eligible=stocks.hub_eligible,
            in_hub=stocks.in_hub,
        )
    else:
        caseload = InitialCaseload()
    fold = _nationality_folder(names, scenario.name)

    def vector(counts: Mapping[str, int], where: str) -> IntArray:
        out = np.zeros(n, dtype=np.int64)
        for key, value in counts.items():
            out[index[fold(key, where)]] += _count(f"{where}.{key}", value)
        return out

    hub_index = {hub.name: j for j, hub in enumerate(hubs)}
    initial_in_hub = np.zeros((h, n), dtype=np.int64)
    for hub_name, by_nationality in caseload.in_hub.items():
        if hub_name not in hub_index:
            raise ScenarioError(f"initial caseload: hub {hub_name!r} is not in scenario {scenario.name!r}")
        j = hub_index[hub_name]
        initial_in_hub[j] = vector(by_nationality, f"in_hub.{hub_name}")
        if initial_in_hub[j].sum() > hubs[j].places:
            raise ScenarioError(
                f"initial caseload: hub {hub_name!r} holds {initial_in_hub[j].sum()} people but has "
                f"{hubs[j].places} places"
            )
    are = vector(caseload.appeal_rights_exhausted, "appeal_rights_exhausted")
    initial_hub_eligible: IntArray | None = None
    if caseload.hub_eligible is not None:
        initial_hub_eligible = vector(caseload.hub_eligible, "hub_eligible")
        if np.any(initial_hub_eligible > are):
            raise ScenarioError(
                "initial caseload: hub_eligible exceeds appeal_rights_exhausted for some nationality"
            )

    max_transfers = np.array(
        [
            UNLIMITED if hub.transfer_capacity_per_month is None else hub.transfer_capacity_per_month
            for hub in hubs
        ],
        dtype=np.int64,
    )
    deterrence_on = scenario.deterrence.enabled and scenario.deterrence.elasticity > 0
    return CompiledScenario(
        name=scenario.name,
        currency=scenario.currency,
        start_month=scenario.start_month,
        months=horizon,
        nationalities=names,
        hubs=tuple(hub.name for hub in hubs),
        days_in_month=days,
        arrival_mean=arrival_mean,
        decision_capacity=capacity,
        withdrawal_share=withdrawal,
        withdrawal_reentry=scenario.decisions.withdrawal_reentry_share,
        withdrawal_departure=scenario.decisions.withdrawal_departure_share,
        grant_rate=grant_rate,
        appeal_rate=np.array([r.appeal_rate for r in resolved]),
        appeal_allowed_rate=np.array([r.appeal_allowed_rate for r in resolved]),
        appeal_window_exit=1.0 / scenario.appeals.appeal_window_months,
        appeal_decided=1.0 / scenario.appeals.mean_duration_months,
        voluntary_return_rate=np.array([r.voluntary_return_rate for r in resolved]),
        enforced_return_rate=np.array([r.enforced_return_rate for r in resolved]),
        absconding_rate=scenario.absconding_rate_per_month,
        eligible_share=shares,
        hub_open=hub_open,
        hub_places=np.array([hub.places for hub in hubs], dtype=np.int64),
        hub_scope=hub_scope,
        hub_max_stay=np.array([hub.max_stay_months for hub in hubs], dtype=np.int64),
        hub_onward_rate=np.array([hub.onward_return_rate_per_month for hub in hubs]),
        hub_sending_state_rate=np.array([hub.returned_to_sending_state_rate_per_month for hub in hubs]),
        hub_absconding_rate=np.array([hub.absconding_rate_per_month for hub in hubs]),
        hub_transfer_capacity=max_transfers,
        hub_cost_per_place_per_day=np.array([hub.cost_per_place_per_day for hub in hubs]),
        hub_payment_per_transfer=np.array([hub.payment_per_transfer for hub in hubs]),
        fixed_payments=fixed_payments,
        cost_per_person_per_day=scenario.accommodation.cost_per_person_per_day,
        supported_share_in_process=scenario.accommodation.supported_share_in_process,
        supported_share_appeal_rights_exhausted=scenario.accommodation.supported_share_appeal_rights_exhausted,
        deterrence_elasticity=scenario.deterrence.elasticity if deterrence_on else 0.0,
        deterrence_window=scenario.deterrence.window_months,
        initial_awaiting_decision=vector(caseload.awaiting_decision, "awaiting_decision"),
        initial_refused_awaiting_appeal=vector(caseload.refused_awaiting_appeal, "refused_awaiting_appeal"),
        initial_appeal_pending=vector(caseload.appeal_pending, "appeal_pending"),
        initial_appeal_rights_exhausted=are,
        initial_hub_eligible=initial_hub_eligible,
        initial_in_hub=initial_in_hub,
        assumptions=tuple(scenario.assumptions()),
        small_boat_mean=small_boat_mean,
    )


def _nationality_folder(names: tuple[str, ...], scenario_name: str) -> _Folder:
    other = next((name for name in names if name.lower() == "other"), None)
    return _Folder(frozenset(names), other, scenario_name)


@dataclass(frozen=True)
class _Folder:
    """Maps a caseload nationality to a scenario nationality; unknown ones go to "Other" if declared."""

    known: frozenset[str]
    other: str | None
    scenario_name: str

    def __call__(self, nationality: str, where: str) -> str:
        if nationality in self.known:
            return nationality
        if self.other is not None:
            return self.other
        raise ScenarioError(
            f"initial caseload: {where} has nationality {nationality!r}, which scenario "
            f"{self.scenario_name!r} does not declare (add it, or declare an 'Other' nationality "
            "to collect the rest)"
        )
