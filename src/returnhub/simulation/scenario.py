"""A policy scenario: the YAML a planner writes, validated into one immutable model.

Every default rate names its source. "csv:" means a row of
`shared/reference/uk_published_figures.csv` (series, period); "research §" means a section of
`shared/reference/domain-research.md`. A default with no published figure behind it says ASSUMPTION.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from returnhub.simulation.errors import ScenarioError

_MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?$")


def _parse_month(value: object) -> date:
    """Accept "YYYY-MM", "YYYY-MM-DD" or a date; a month is always its first day."""
    if isinstance(value, date):
        return date(value.year, value.month, 1)
    if isinstance(value, str):
        match = _MONTH_PATTERN.match(value.strip())
        if match and 1 <= int(match.group(2)) <= 12:
            return date(int(match.group(1)), int(match.group(2)), 1)
    raise ValueError(f"expected a month as YYYY-MM, got {value!r}")


Month = Annotated[date, BeforeValidator(_parse_month)]
Rate = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


def month_index(start: date, month: date) -> int:
    """Months from the scenario start to `month` (negative if before the start)."""
    return (month.year - start.year) * 12 + (month.month - start.month)


def add_months(start: date, months: int) -> date:
    total = start.year * 12 + (start.month - 1) + months
    return date(total // 12, total % 12 + 1, 1)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NationalityDefaults(_Strict):
    """Rates used for any nationality that does not set its own."""

    # csv: initial_decision_grant_rate, 2024 (0.47, share of initial decisions that grant).
    grant_rate: Rate = 0.47
    # ASSUMPTION: no published share of refused people who appeal. Most do: the tribunal's asylum
    # backlog rose from 34,234 to 41,987 in Q4 2024 (csv: tribunal_asylum_appeals_outstanding).
    appeal_rate: Rate = 0.75
    # csv: asylum_appeals_allowed_share, 2024-Q4 (0.46).
    appeal_allowed_rate: Rate = 0.46
    # Key into `returns.by_cooperation`.
    cooperation: str = "medium"
    # ASSUMPTION: no published figure. Callers should pass the share the safeguards engine allows
    # for the real caseload (engine argument `eligible_share`); this is only the fallback.
    hub_eligible_share: Rate = 0.5


class NationalityParameters(_Strict):
    """Per-nationality overrides; any field left out falls back to `defaults`."""

    grant_rate: Rate | None = None
    appeal_rate: Rate | None = None
    appeal_allowed_rate: Rate | None = None
    cooperation: str | None = None
    voluntary_return_rate_per_month: Rate | None = None
    enforced_return_rate_per_month: Rate | None = None
    hub_eligible_share: Rate | None = None


class Route(_Strict):
    """Mean arrivals per month on one route, by nationality, before seasonality and scaling."""

    monthly_mean: dict[str, NonNegative]
    # Jan..Dec; None means the arrivals-wide profile.
    seasonality: list[Annotated[float, Field(gt=0.0)]] | None = None

    @model_validator(mode="after")
    def _twelve_factors(self) -> Route:
        if self.seasonality is not None and len(self.seasonality) != 12:
            raise ValueError(f"seasonality needs 12 monthly factors, got {len(self.seasonality)}")
        return self


class Arrivals(_Strict):
    routes: dict[str, Route] = Field(min_length=1)
    # Jan..Dec factors, rescaled to average 1 so that they move arrivals between months without
    # changing the annual total. Flat by default: the reference files hold no monthly series.
    seasonality: list[Annotated[float, Field(gt=0.0)]] = Field(default_factory=lambda: [1.0] * 12)
    # ASSUMPTION: no trend unless the scenario says so.
    annual_growth: Annotated[float, Field(gt=-1.0)] = 0.0
    # Multiplies every route; calibration sets it so the annual total matches the published claims.
    scale: NonNegative = 1.0

    @model_validator(mode="after")
    def _twelve_factors(self) -> Arrivals:
        if len(self.seasonality) != 12:
            raise ValueError(f"seasonality needs 12 monthly factors, got {len(self.seasonality)}")
        return self


class Decisions(_Strict):
    """Claims concluded each month (initial decisions plus withdrawals), taken from the queue."""

    # Derived from csv: initial_decision_grants_people 2024 (39,616) / initial_decision_grant_rate
    # 2024 (0.47) / 12 = about 7,024 initial decisions (people) a month; `calibrate` also fits
    # withdrawals, which the published backlog fall from 175,000 (2023-06-30) to 124,800
    # (2024-12-31) requires.
    initial_capacity_per_month: Annotated[int, Field(ge=0)] = 7024
    # Share of concluded claims that are withdrawn rather than decided. ASSUMPTION: none by default.
    withdrawal_share: Rate = 0.0
    # Where a withdrawn claimant goes: a withdrawal is not an exit by itself. No published split in
    # the reference files (research §6 lists withdrawn-claim outcomes as a gap), so both shares are
    # ASSUMPTIONS: a quarter come back with a new claim or further submissions (re-entry to the
    # queue the next month), one in twenty leave the UK of their own accord (counted as asylum-related
    # voluntary returns), and the rest lose contact (absconding).
    withdrawal_reentry_share: Rate = 0.25
    withdrawal_departure_share: Rate = 0.05

    @model_validator(mode="after")
    def _routes_add_up(self) -> Decisions:
        if self.withdrawal_reentry_share + self.withdrawal_departure_share > 1.0 + 1e-12:
            raise ValueError("withdrawal_reentry_share + withdrawal_departure_share add up to more than 1")
        return self


class Appeals(_Strict):
    # ASSUMPTION: refused people decide whether to appeal within about a month (one monthly step).
    appeal_window_months: Annotated[float, Field(ge=1.0)] = 1.0
    # Derived by Little's law from csv: tribunal_asylum_appeals_outstanding 2024-12-31 (41,987)
    # over appeals lodged in 2024 (refusals 84,289 - 39,616 = 44,673, times appeal_rate 0.75),
    # about 1.25 years.
    mean_duration_months: Annotated[float, Field(ge=1.0)] = 15.0


class ReturnRates(_Strict):
    voluntary_rate_per_month: Rate
    enforced_rate_per_month: Rate


def _default_cooperation() -> dict[str, ReturnRates]:
    # Fitted by `calibrate.py` (packaged UK mix, back-test July 2023 - May 2025) to the
    # asylum-related returns of 5 July 2024 - 22 March 2025 (research §3.3: 6,781), enforced in the
    # share of all returns in that window (csv: enforced_returns / returns_all_types; ASSUMPTION
    # for the asylum-related part). The spread between levels (high = 2 x medium, low = medium / 4)
    # is an ASSUMPTION.
    return {
        "high": ReturnRates(voluntary_rate_per_month=0.008782, enforced_rate_per_month=0.005838),
        "medium": ReturnRates(voluntary_rate_per_month=0.004391, enforced_rate_per_month=0.002907),
        "low": ReturnRates(voluntary_rate_per_month=0.001087, enforced_rate_per_month=0.000739),
        "none": ReturnRates(voluntary_rate_per_month=0.0, enforced_rate_per_month=0.0),
    }


class Returns(_Strict):
    """Monthly return rates for people whose appeal rights are exhausted, by country cooperation."""

    by_cooperation: dict[str, ReturnRates] = Field(default_factory=_default_cooperation)


class Accommodation(_Strict):
    # Derived from csv: asylum_support_cost 2024-25 (4.0bn GBP) / people_in_home_office_accommodation
    # 2024-12-31 (110,000) / 365 = about 99.6 a person a day (all accommodation types together).
    cost_per_person_per_day: NonNegative = 99.6
    # Fitted by `calibrate.py`: the back-test's end-2024 stocks matched to csv:
    # people_in_home_office_accommodation 2024-12-31 (110,000), given the ARE share below.
    supported_share_in_process: Rate = 0.56
    # ASSUMPTION: no published figure for refused people still supported (section 4 support).
    supported_share_appeal_rights_exhausted: Rate = 0.25


class FixedPayment(_Strict):
    month: Month
    amount: NonNegative
    description: str = ""


class Hub(_Strict):
    """A return hub in a partner country, on the terms of its agreement."""

    name: str = Field(min_length=1)
    country: str = ""
    opening_month: Month
    places: Annotated[int, Field(ge=1)]
    nationalities: list[str] | Literal["all"] = "all"
    # ASSUMPTION: no agreed UK term; Italy's centres in Albania ran on detention-order clocks.
    max_stay_months: Annotated[int, Field(ge=1, le=120)] = 12
    # ASSUMPTION informed by research §3.5: Italy's CPR in Albania repatriated 37 of 140 people who
    # passed through (csv: italy_albania_cpr_repatriated, italy_albania_cpr_people_passed_through).
    onward_return_rate_per_month: Rate = 0.10
    # People sent back to the sending state (court order, collapse of the placement). ASSUMPTION.
    returned_to_sending_state_rate_per_month: Rate = 0.0
    # ASSUMPTION: closed centres; no published figure.
    absconding_rate_per_month: Rate = 0.0
    # Transfers a month (flights, escorts); None means limited only by free places.
    transfer_capacity_per_month: Annotated[int, Field(ge=0)] | None = None
    # csv: italy_albania_cost_per_day_cpr 2024 (108.04 EUR a person a day), charged here on every
    # place once open because a contracted place costs whether or not it is filled. Convert to the
    # scenario's currency.
    cost_per_place_per_day: NonNegative = 108.04
    # csv: rwanda_payment_per_person_relocated (20,000 GBP) is an example; none by default.
    payment_per_transfer: NonNegative = 0.0
    fixed_payments: list[FixedPayment] = Field(default_factory=list)
    # Running costs that do not depend on places or people (staff, security, charters booked on a
    # schedule), every month from the opening month. None by default.
    fixed_cost_per_month: NonNegative = 0.0


class Deterrence(_Strict):
    """An explicit ASSUMPTION that hub transfers reduce arrivals; off unless switched on."""

    enabled: bool = False
    # Semi-elasticity: arrivals are multiplied by exp(-elasticity * x), where x is the share of the
    # last `window_months` of arrivals that were transferred to hubs in that window.
    elasticity: NonNegative = 0.0
    window_months: Annotated[int, Field(ge=1, le=60)] = 12
    note: str = "ASSUMPTION, not evidence: arrivals respond to hub transfers with the elasticity given."

    @model_validator(mode="after")
    def _explicit(self) -> Deterrence:
        if not self.enabled and self.elasticity > 0:
            raise ValueError(
                "elasticity is set but enabled is false; set enabled: true to use this assumption"
            )
        return self


class Change(_Strict):
    """A policy or operational change from a month onward (later changes win field by field)."""

    from_month: Month
    decision_capacity_per_month: Annotated[int, Field(ge=0)] | None = None
    arrivals_scale: NonNegative | None = None
    withdrawal_share: Rate | None = None
    # New grant rates for the nationalities named (the others keep theirs), then any scale on top.
    grant_rate: dict[str, Rate] | None = None
    grant_rate_scale: NonNegative | None = None


Count = Annotated[int, Field(ge=0)]


class InitialStocks(_Strict):
    """People already in the system at the start month (a run may replace this with the live caseload)."""

    source: str = ""
    awaiting_decision: dict[str, Count] = Field(default_factory=dict)
    refused_awaiting_appeal: dict[str, Count] = Field(default_factory=dict)
    appeal_pending: dict[str, Count] = Field(default_factory=dict)
    appeal_rights_exhausted: dict[str, Count] = Field(default_factory=dict)
    hub_eligible: dict[str, Count] | None = None
    in_hub: dict[str, dict[str, Count]] = Field(default_factory=dict)


class SourceNote(_Strict):
    """One assumption of a scenario in plain words: what, the value used, and where it comes from."""

    what: str = Field(min_length=1)
    value: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Scenario(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    currency: str = "GBP"
    start_month: Month
    months: Annotated[int, Field(ge=1, le=600)] = 120
    defaults: NationalityDefaults = Field(default_factory=NationalityDefaults)
    nationalities: dict[str, NationalityParameters] = Field(min_length=1)
    arrivals: Arrivals
    decisions: Decisions = Field(default_factory=Decisions)
    appeals: Appeals = Field(default_factory=Appeals)
    returns: Returns = Field(default_factory=Returns)
    # ASSUMPTION: no published absconding rate in the reference files; monthly, for people whose
    # appeal rights are exhausted.
    absconding_rate_per_month: Rate = 0.005
    accommodation: Accommodation = Field(default_factory=Accommodation)
    hubs: list[Hub] = Field(default_factory=list)
    deterrence: Deterrence = Field(default_factory=Deterrence)
    changes: list[Change] = Field(default_factory=list)
    initial: InitialStocks | None = None
    # The assumptions a reader must see, each with its source ("ASSUMPTION" when there is none);
    # the simulations pages and the report print them. A file that extends another adds to its list.
    sources: list[SourceNote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        known = set(self.nationalities)
        for route_name, route in self.arrivals.routes.items():
            unknown = sorted(set(route.monthly_mean) - known)
            if unknown:
                raise ValueError(f"route {route_name!r} names undeclared nationalities {unknown}")
        cooperation_levels = set(self.returns.by_cooperation)
        if self.defaults.cooperation not in cooperation_levels:
            raise ValueError(
                f"defaults.cooperation {self.defaults.cooperation!r} is not in returns.by_cooperation"
            )
        names: set[str] = set()
        for hub in self.hubs:
            if hub.name in names:
                raise ValueError(f"hub name {hub.name!r} is used twice")
            names.add(hub.name)
            if hub.nationalities != "all":
                unknown = sorted(set(hub.nationalities) - known)
                if unknown:
                    raise ValueError(f"hub {hub.name!r} names undeclared nationalities {unknown}")
            exits = (
                hub.onward_return_rate_per_month
                + hub.returned_to_sending_state_rate_per_month
                + hub.absconding_rate_per_month
            )
            if exits > 1.0 + 1e-12:
                raise ValueError(f"hub {hub.name!r}: monthly exit rates add up to {exits:.3f}, more than 1")
        for change in self.changes:
            unknown = sorted(set(change.grant_rate or {}) - known)
            if unknown:
                raise ValueError(f"changes: grant_rate names undeclared nationalities {unknown}")
        if self.initial is not None:
            stocks = self.initial
            named = [
                *stocks.awaiting_decision,
                *stocks.refused_awaiting_appeal,
                *stocks.appeal_pending,
                *stocks.appeal_rights_exhausted,
                *(stocks.hub_eligible or {}),
                *(key for by_nationality in stocks.in_hub.values() for key in by_nationality),
            ]
            unknown = sorted(set(named) - known)
            if unknown:
                raise ValueError(f"initial names undeclared nationalities {unknown}")
            unknown_hubs = sorted(set(stocks.in_hub) - names)
            if unknown_hubs:
                raise ValueError(f"initial.in_hub names undeclared hubs {unknown_hubs}")
        for nationality in self.nationalities:
            rates = self.resolved(nationality)
            total = rates.voluntary_return_rate + rates.enforced_return_rate + self.absconding_rate_per_month
            if total > 1.0 + 1e-12:
                raise ValueError(
                    f"nationality {nationality!r}: voluntary + enforced return + absconding rates add up to "
                    f"{total:.3f}, more than 1"
                )
        return self

    def resolved(self, nationality: str) -> ResolvedNationality:
        """The rates for one nationality, with defaults and cooperation levels filled in."""
        own = self.nationalities[nationality]
        cooperation = own.cooperation if own.cooperation is not None else self.defaults.cooperation
        if cooperation not in self.returns.by_cooperation:
            raise ValueError(
                f"nationality {nationality!r}: cooperation {cooperation!r} is not in returns.by_cooperation"
            )
        level = self.returns.by_cooperation[cooperation]

        def pick(value: float | None, fallback: float) -> float:
            return fallback if value is None else value

        return ResolvedNationality(
            name=nationality,
            grant_rate=pick(own.grant_rate, self.defaults.grant_rate),
            appeal_rate=pick(own.appeal_rate, self.defaults.appeal_rate),
            appeal_allowed_rate=pick(own.appeal_allowed_rate, self.defaults.appeal_allowed_rate),
            cooperation=cooperation,
            voluntary_return_rate=pick(own.voluntary_return_rate_per_month, level.voluntary_rate_per_month),
            enforced_return_rate=pick(own.enforced_return_rate_per_month, level.enforced_rate_per_month),
            hub_eligible_share=pick(own.hub_eligible_share, self.defaults.hub_eligible_share),
        )

    @property
    def nationality_names(self) -> tuple[str, ...]:
        return tuple(self.nationalities)

    def assumptions(self) -> list[str]:
        """Plain statements of the assumptions a reader of the results must see."""
        notes = []
        if self.deterrence.enabled and self.deterrence.elasticity > 0:
            notes.append(f"deterrence ON (elasticity {self.deterrence.elasticity:g}): {self.deterrence.note}")
        else:
            notes.append("deterrence OFF: arrivals do not respond to hub transfers")
        return notes

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """A copy with dotted-path values replaced, e.g. {"hubs.0.places": 2000}; re-validated."""
        data = self.model_dump(mode="python")
        for path, value in overrides.items():
            _set_path(data, path, value)
        return scenario_from_dict(data, source=f"{self.name} with overrides")

    def scaled(self, factor: float, *, months: int | None = None) -> Scenario:
        """The same scenario with every head count multiplied by ``factor``: arrivals, decision capacity
        (and its changes), hub places and transfer capacity, the starting caseload. Rates are left alone,
        so a scaled run has the same dynamics with fewer people: the SimPy reference, which follows each
        person, can then afford many replications. Counts are rounded; capacities stay at least 1."""
        if factor <= 0:
            raise ScenarioError(f"the scale factor must be positive, got {factor}")

        def count(value: int) -> int:
            return round(value * factor)

        def capacity(value: int) -> int:
            return max(1, count(value))

        data = self.model_dump(mode="python")
        data["arrivals"]["scale"] = self.arrivals.scale * factor
        data["decisions"]["initial_capacity_per_month"] = capacity(self.decisions.initial_capacity_per_month)
        for change in data["changes"]:
            if change["decision_capacity_per_month"] is not None:
                change["decision_capacity_per_month"] = capacity(change["decision_capacity_per_month"])
        for hub in data["hubs"]:
            hub["places"] = capacity(hub["places"])
            if hub["transfer_capacity_per_month"] is not None:
                hub["transfer_capacity_per_month"] = capacity(hub["transfer_capacity_per_month"])
        if data["initial"] is not None:
            initial = data["initial"]
            for status in (
                "awaiting_decision",
                "refused_awaiting_appeal",
                "appeal_pending",
                "appeal_rights_exhausted",
            ):
                initial[status] = {name: count(n) for name, n in initial[status].items()}
            if initial["hub_eligible"] is not None:
                initial["hub_eligible"] = {name: count(n) for name, n in initial["hub_eligible"].items()}
            initial["in_hub"] = {
                hub: {name: count(n) for name, n in people.items()}
                for hub, people in initial["in_hub"].items()
            }
        if months is not None:
            data["months"] = months
        return scenario_from_dict(data, source=f"{self.name} scaled by {factor:g}")


class ResolvedNationality(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    grant_rate: float
    appeal_rate: float
    appeal_allowed_rate: float
    cooperation: str
    voluntary_return_rate: float
    enforced_return_rate: float
    hub_eligible_share: float


def _set_path(data: Any, path: str, value: Any) -> None:
    keys = path.split(".")
    node = data
    try:
        for key in keys[:-1]:
            node = node[int(key)] if isinstance(node, list) else node[key]
        last = keys[-1]
        if isinstance(node, list):
            node[int(last)] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise TypeError
    except (KeyError, IndexError, ValueError, TypeError):
        raise ScenarioError(f"override {path!r}: no such field in the scenario") from None


def _describe_validation_error(error: ValidationError) -> str:
    problems = error.errors()
    first = problems[0]
    where = ".".join(str(part) for part in first["loc"]) or "scenario"
    message = str(first["msg"]).removeprefix("Value error, ")
    text = f"{where}: {message}"
    if first["type"] not in {"missing", "value_error", "model_type", "dict_type"} and "input" in first:
        shown = repr(first["input"])
        text += f" (got {shown[:60]})"
    if len(problems) > 1:
        text += f"; and {len(problems) - 1} more problem(s)"
    return text


def scenario_from_dict(data: object, *, source: str = "scenario") -> Scenario:
    """Validate plain data into a Scenario, raising ScenarioError with one clear line."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(f"{source}: {_describe_validation_error(error)}") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    A file may start from another with `extends: other.yaml` (relative to itself): mappings are
    merged key by key, `sources` lists are joined, and anything else (other lists included) in the
    extending file replaces the base.
    """
    file = Path(path)
    return scenario_from_dict(_read_with_extends(file, ()), source=str(file))


def _merge(base: dict[str, Any], extension: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extension.items():
        if key == "sources" and isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *value]
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_with_extends(file: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    data = _read_yaml(file)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(f"{file}: extends must be a file name, got {parent!r}")
    parent_file = (file.parent / parent).resolve()
    if parent_file in seen or parent_file == file.resolve():
        raise ScenarioError(f"{file}: extends {parent} in a cycle")
    return _merge(_read_with_extends(parent_file, (*seen, file.resolve())), data)


def _read_yaml(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{file}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{file}: cannot read ({error})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "syntax error"
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ScenarioError(f"{file}: not valid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{file}: expected a mapping at the top level, got {type(data).__name__}")
    return data
