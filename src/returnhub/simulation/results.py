"""Monte Carlo summaries: percentile bands, Parquet files, fan charts and scenario comparison."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl

from returnhub.simulation.engine import SimulationResult
from returnhub.simulation.errors import SimulationError
from returnhub.simulation.views import Bands, FinalBands, SimulationSummary

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FloatArray = npt.NDArray[np.float64]
PERCENTILES = (5, 25, 50, 75, 95)

# Series that get a band per month (the derived ones are computed below).
BAND_SERIES = (
    "awaiting_decision",
    "people_in_accommodation",
    "appeal_rights_exhausted",
    "in_hub",
    "voluntary_returns",
    "enforced_returns",
    "hub_transfers",
    "hub_onward_returns",
    "hub_returned_to_sending_state",
    "removals",
    "cost_total",
    "cumulative_cost",
    "cost_per_removal",
)
FLOW_TOTALS = (
    "arrivals",
    "claims_withdrawn",
    "withdrawn_reentered",
    "withdrawn_departed",
    "withdrawn_absconded",
    "initial_grants",
    "appeals_allowed",
    "voluntary_returns",
    "enforced_returns",
    "absconds",
    "hub_transfers",
    "hub_onward_returns",
    "hub_returned_to_sending_state",
    "hub_max_stay_reached",
    "hub_absconds",
    "removals",
    "cost_accommodation",
    "cost_hub_places",
    "cost_hub_payments",
    "cost_total",
)
FINAL_STOCKS = (
    "awaiting_decision",
    "appeal_pending",
    "appeal_rights_exhausted",
    "people_in_accommodation",
    "in_hub",
)


def derived_series(result: SimulationResult) -> dict[str, FloatArray]:
    """Removals and cost ratios, per replication and month."""
    s = result.series
    # Departures from the UK of people in the asylum system: returns after appeal rights are
    # exhausted, departures after a withdrawn claim, and onward returns from hubs.
    removals = (
        s["voluntary_returns"] + s["enforced_returns"] + s["withdrawn_departed"] + s["hub_onward_returns"]
    ).astype(np.float64)
    cumulative_removals = np.cumsum(removals, axis=1)
    cumulative_cost = np.cumsum(s["cost_total"], axis=1, dtype=np.float64)
    hub_cost = np.cumsum(s["cost_hub_places"] + s["cost_hub_payments"], axis=1)
    onward = np.cumsum(s["hub_onward_returns"], axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost_per_removal = np.where(cumulative_removals > 0, cumulative_cost / cumulative_removals, np.nan)
        hub_cost_per_onward = np.where(onward > 0, hub_cost / onward, np.nan)
    return {
        "removals": removals,
        "cumulative_removals": cumulative_removals,
        "cumulative_cost": cumulative_cost,
        "cost_per_removal": cost_per_removal,
        "hub_cost_per_onward_return": hub_cost_per_onward,
    }


def all_series(result: SimulationResult) -> dict[str, FloatArray]:
    merged = {name: np.asarray(values, dtype=np.float64) for name, values in result.series.items()}
    merged.update(derived_series(result))
    return merged


def _percentiles(values: FloatArray, axis: int = 0) -> FloatArray:
    """Percentiles that ignore NaN (cost per removal is undefined until someone is removed)."""
    if np.isnan(values).all():
        shape = list(values.shape)
        shape.pop(axis)
        return np.full((len(PERCENTILES), *shape), np.nan)
    with warnings.catch_warnings():
        # All-NaN columns (no removal yet in some month) are expected; they give NaN bands.
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanpercentile(values, PERCENTILES, axis=axis), dtype=np.float64)


def percentile_bands(result: SimulationResult, names: Sequence[str] = BAND_SERIES) -> pl.DataFrame:
    """One row per series and month: p5, p25, p50, p75, p95 across replications."""
    series = all_series(result)
    labels = result.month_labels()
    frames = []
    for name in names:
        bands = _percentiles(series[name])
        frames.append(
            pl.DataFrame(
                {
                    "series": [name] * result.months,
                    "month": labels,
                    "month_index": list(range(result.months)),
                    **{f"p{q}": bands[i] for i, q in enumerate(PERCENTILES)},
                }
            )
        )
    # NaN (cost per removal before any removal) is stored as a missing value.
    return pl.concat(frames).fill_nan(None)


def replication_outcomes(result: SimulationResult) -> pl.DataFrame:
    """One row per replication: horizon totals of flows and end-of-horizon stocks."""
    series = all_series(result)
    columns: dict[str, Any] = {"replication": np.arange(result.reps)}
    for name in FLOW_TOTALS:
        columns[f"total_{name}"] = series[name].sum(axis=1)
    for name in FINAL_STOCKS:
        columns[f"final_{name}"] = series[name][:, -1]
    columns["cost_per_removal"] = series["cost_per_removal"][:, -1]
    columns["hub_cost_per_onward_return"] = series["hub_cost_per_onward_return"][:, -1]
    columns["peak_hub_occupancy"] = series["in_hub"].max(axis=1)
    return pl.DataFrame(columns).fill_nan(None)


def _band_dict(values: FloatArray) -> dict[str, float | None]:
    bands = _percentiles(values)
    return {f"p{q}": _clean(float(bands[i])) for i, q in enumerate(PERCENTILES)}


def _bands(values: FloatArray) -> Bands:
    return Bands.model_validate(_band_dict(values))


def _clean(value: float) -> float | None:
    if math.isnan(value):
        return None
    return round(value, 2)


def summary(result: SimulationResult) -> SimulationSummary:
    """The summary: percentiles across replications of the main outputs."""
    outcomes = replication_outcomes(result)
    labels = result.month_labels()
    return SimulationSummary(
        scenario=result.scenario_name,
        engine=result.engine,
        reps=result.reps,
        months=result.months,
        first_month=labels[0],
        last_month=labels[-1],
        seed=result.seed,
        currency=result.currency,
        assumptions=list(result.assumptions),
        hubs=dict(zip(result.hubs, result.hub_places, strict=True)),
        final=FinalBands(
            backlog=_bands(outcomes["final_awaiting_decision"].to_numpy()),
            appeal_pending=_bands(outcomes["final_appeal_pending"].to_numpy()),
            appeal_rights_exhausted=_bands(outcomes["final_appeal_rights_exhausted"].to_numpy()),
            people_in_accommodation=_bands(outcomes["final_people_in_accommodation"].to_numpy()),
            in_hub=_bands(outcomes["final_in_hub"].to_numpy()),
        ),
        totals={name: _bands(outcomes[f"total_{name}"].to_numpy()) for name in FLOW_TOTALS},
        cost_per_removal=_bands(outcomes["cost_per_removal"].to_numpy()),
        hub_cost_per_onward_return=_bands(outcomes["hub_cost_per_onward_return"].to_numpy()),
        seconds=round(result.seconds, 3),
    )


def replication_paths(result: SimulationResult) -> pl.DataFrame:
    """Every replication's monthly path for the main series (long on replication and month)."""
    series = all_series(result)
    reps, months = result.reps, result.months
    columns: dict[str, Any] = {
        "replication": np.repeat(np.arange(reps, dtype=np.int32), months),
        "month_index": np.tile(np.arange(months, dtype=np.int32), reps),
    }
    for name in BAND_SERIES:
        columns[name] = series[name].reshape(-1)
    return pl.DataFrame(columns)


def write_results(result: SimulationResult, out_dir: str | Path) -> dict[str, str]:
    """Parquet tables and fan charts (PNG and SVG) in `out_dir`; returns the paths written."""
    directory = Path(out_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        paths = {
            "bands": directory / "bands.parquet",
            "replications": directory / "replications.parquet",
            "paths": directory / "paths.parquet",
        }
        percentile_bands(result).write_parquet(paths["bands"])
        replication_outcomes(result).write_parquet(paths["replications"])
        replication_paths(result).write_parquet(paths["paths"], compression="zstd")
        charts = fan_chart(result, directory / "fan_chart")
    except OSError as error:
        raise SimulationError(f"cannot write results to {directory}: {error.strerror or error}") from None
    written = {key: str(path) for key, path in paths.items()}
    written.update({f"chart_{path.suffix.lstrip('.')}": str(path) for path in charts})
    return written


# -- charts ------------------------------------------------------------------------------------

_PANELS = (
    ("awaiting_decision", "Backlog: awaiting initial decision", "people"),
    ("people_in_accommodation", "People in accommodation", "people"),
    ("in_hub", "Hub occupancy", "people"),
    (None, "Returns per month, by type", "people"),
    ("cost_total", "Cost per month", "currency"),
    ("cost_per_removal", "Cumulative cost per removal", "currency"),
)
_RETURN_TYPES = (
    ("voluntary_returns", "voluntary", "tab:green"),
    ("enforced_returns", "enforced", "tab:red"),
    ("hub_onward_returns", "onward from hub", "tab:purple"),
)


def _fan(axes: Axes, x: FloatArray, values: FloatArray, colour: str, label: str | None = None) -> None:
    bands = _percentiles(values)
    axes.fill_between(x, bands[0], bands[4], color=colour, alpha=0.15, linewidth=0)
    axes.fill_between(x, bands[1], bands[3], color=colour, alpha=0.30, linewidth=0)
    axes.plot(x, bands[2], color=colour, linewidth=1.4, label=label)


def fan_chart(result: SimulationResult, stem: str | Path) -> list[Path]:
    """A 2x3 grid of fan charts (median, 25-75 and 5-95 bands); writes stem.png and stem.svg."""
    # Imported here: the engine and summaries should not pay for matplotlib. Figure (not pyplot)
    # draws with the Agg canvas and touches no global backend state.
    from matplotlib.figure import Figure

    series = all_series(result)
    x = np.arange(result.months, dtype=np.float64)
    labels = result.month_labels()
    figure = Figure(figsize=(15, 8.5))
    # A fixed layout: the constrained layout engine doubles the drawing time of every save.
    figure.subplots_adjust(left=0.05, right=0.99, bottom=0.06, top=0.91, hspace=0.28, wspace=0.2)
    grid = figure.subplots(2, 3)
    for axes, (name, title, unit) in zip(grid.flat, _PANELS, strict=True):
        if name is None:
            for key, label, colour in _RETURN_TYPES:
                _fan(axes, x, series[key], colour, label)
            axes.legend(loc="upper left", fontsize=8)
        else:
            _fan(axes, x, series[name], "tab:blue")
        if name == "in_hub" and result.hubs:
            axes.axhline(sum(result.hub_places), color="grey", linestyle="--", linewidth=1, label="places")
            axes.legend(loc="upper left", fontsize=8)
        axes.set_title(title, fontsize=10)
        axes.set_ylabel(result.currency if unit == "currency" else unit, fontsize=8)
        ticks = list(range(0, result.months, max(1, result.months // 6)))
        axes.set_xticks(ticks, [labels[t] for t in ticks], fontsize=7)
        axes.tick_params(axis="y", labelsize=7)
        axes.grid(alpha=0.3)
    figure.suptitle(
        f"{result.scenario_name}: {result.reps} replications ({result.engine}); "
        f"bands 5-95% and 25-75%, line median. {'; '.join(result.assumptions)}",
        fontsize=10,
    )
    stem_path = Path(stem)
    written = []
    for suffix in (".png", ".svg"):
        path = stem_path.with_suffix(suffix)
        figure.savefig(path, dpi=110)
        written.append(path)
    return written


# -- comparison --------------------------------------------------------------------------------

COMPARED_TOTALS = (
    "removals",
    "voluntary_returns",
    "enforced_returns",
    "hub_transfers",
    "hub_onward_returns",
    "hub_returned_to_sending_state",
    "absconds",
    "cost_total",
)
COMPARED_FINAL = ("awaiting_decision", "appeal_rights_exhausted", "people_in_accommodation", "in_hub")
COMPARED_MONTHLY = ("awaiting_decision", "people_in_accommodation", "cumulative_removals", "cumulative_cost")


@dataclass(frozen=True)
class Comparison:
    """B minus A, replication by replication when the runs are paired."""

    name_a: str
    name_b: str
    paired: bool
    reps: int
    months: int
    totals: dict[str, FloatArray]  # name -> (reps,) differences over the horizon
    final: dict[str, FloatArray]  # name -> (reps,) differences at the last month
    monthly: dict[str, FloatArray]  # name -> (reps, months) differences
    cost_per_removal_a: FloatArray
    cost_per_removal_b: FloatArray
    month_labels: list[str]


def compare(a: SimulationResult, b: SimulationResult) -> Comparison:
    """Differences B - A. Runs are paired (common random numbers) when engine, seed and
    replication count match; otherwise the two sets of replications are independent, and the
    differences are taken between independent draws in replication order."""
    if a.months != b.months:
        raise SimulationError(f"cannot compare runs of {a.months} and {b.months} months")
    reps = min(a.reps, b.reps)
    paired = (a.engine, a.seed, a.reps, a.block_size) == (b.engine, b.seed, b.reps, b.block_size)
    series_a = all_series(a)
    series_b = all_series(b)
    return Comparison(
        name_a=a.scenario_name,
        name_b=b.scenario_name,
        paired=paired,
        reps=reps,
        months=a.months,
        totals={n: series_b[n][:reps].sum(axis=1) - series_a[n][:reps].sum(axis=1) for n in COMPARED_TOTALS},
        final={n: series_b[n][:reps, -1] - series_a[n][:reps, -1] for n in COMPARED_FINAL},
        monthly={n: series_b[n][:reps] - series_a[n][:reps] for n in COMPARED_MONTHLY},
        cost_per_removal_a=series_a["cost_per_removal"][:reps, -1],
        cost_per_removal_b=series_b["cost_per_removal"][:reps, -1],
        month_labels=a.month_labels(),
    )


def comparison_summary(comparison: Comparison) -> dict[str, Any]:
    c = comparison
    return {
        "a": c.name_a,
        "b": c.name_b,
        "difference": "b - a",
        "paired_common_random_numbers": c.paired,
        "reps": c.reps,
        "months": c.months,
        "totals": {name: _band_dict(values) for name, values in c.totals.items()},
        "final": {name: _band_dict(values) for name, values in c.final.items()},
        "cost_per_removal": {
            "a": _band_dict(c.cost_per_removal_a),
            "b": _band_dict(c.cost_per_removal_b),
            "b_minus_a": _band_dict(c.cost_per_removal_b - c.cost_per_removal_a),
        },
        "share_of_replications_where_b_costs_less": round(float(np.mean(c.totals["cost_total"] < 0)), 4),
        "share_of_replications_where_b_removes_more": round(float(np.mean(c.totals["removals"] > 0)), 4),
    }


def comparison_bands(comparison: Comparison) -> pl.DataFrame:
    frames = []
    for name, values in comparison.monthly.items():
        bands = _percentiles(values)
        frames.append(
            pl.DataFrame(
                {
                    "series": [f"{name}_difference"] * comparison.months,
                    "month": comparison.month_labels,
                    "month_index": list(range(comparison.months)),
                    **{f"p{q}": bands[i] for i, q in enumerate(PERCENTILES)},
                }
            )
        )
    return pl.concat(frames).fill_nan(None)


def write_comparison(comparison: Comparison, out_dir: str | Path) -> dict[str, str]:
    directory = Path(out_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        bands_path = directory / "comparison_bands.parquet"
        comparison_bands(comparison).write_parquet(bands_path)
        from matplotlib.figure import Figure

        figure = Figure(figsize=(12, 7))
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.07, top=0.9, hspace=0.3, wspace=0.2)
        grid = figure.subplots(2, 2)
        x = np.arange(comparison.months, dtype=np.float64)
        for axes, (name, values) in zip(grid.flat, comparison.monthly.items(), strict=True):
            _fan(axes, x, values, "tab:orange")
            axes.axhline(0.0, color="grey", linewidth=0.8)
            axes.set_title(f"{name.replace('_', ' ')}: B - A", fontsize=10)
            ticks = list(range(0, comparison.months, max(1, comparison.months // 6)))
            axes.set_xticks(ticks, [comparison.month_labels[t] for t in ticks], fontsize=7)
            axes.grid(alpha=0.3)
        figure.suptitle(
            f"B = {comparison.name_b} minus A = {comparison.name_a}"
            f" ({'paired, common random numbers' if comparison.paired else 'independent runs'})",
            fontsize=10,
        )
        written = {"bands": str(bands_path)}
        for suffix in ("png", "svg"):
            path = directory / f"comparison.{suffix}"
            figure.savefig(path, dpi=110)
            written[f"chart_{suffix}"] = str(path)
    except OSError as error:
        raise SimulationError(f"cannot write results to {directory}: {error.strerror or error}") from None
    return written
