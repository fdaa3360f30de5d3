"""The scenario report people read: fan charts, a yearly table, the assumptions with their sources,
the levers and the frontier, in plain words and pounds (or euros), on a page and as a PDF.

The shipped scenarios live in `scenarios/` at the repository root and the frontier answers in
`var/simulation-results/frontier/` (written by `returnhub simulate frontier`), falling back to the
answers shipped in `scenarios/targets/results/`. A scenario's run is cached per file version, so
the page, its charts and its PDF share one run.
"""

from __future__ import annotations

import functools
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from returnhub.simulation.engine import SimulationResult, simulate
from returnhub.simulation.errors import ScenarioError
from returnhub.simulation.levers import lever_table
from returnhub.simulation.results import all_series
from returnhub.simulation.scenario import Scenario, add_months, load_scenario

REPOSITORY = Path(__file__).resolve().parents[3]
SCENARIOS_DIR = REPOSITORY / "scenarios"
TARGETS_DIR = SCENARIOS_DIR / "targets"
FRONTIER_DIRS = (REPOSITORY / "var" / "simulation-results" / "frontier", TARGETS_DIR / "results")
REPORT_REPS = 200
REPORT_SEED = 0
SYMBOLS = {"GBP": "£", "EUR": "€"}

#: The charts of a report: series, title, what the axis counts.
CHARTS = {
    "backlog": ("awaiting_decision", "People waiting for an initial decision", "people"),
    "accommodation": ("people_in_accommodation", "People in asylum accommodation", "people"),
    "removals": ("removals", "Departures a month (returns and onward returns)", "people a month"),
    "cost": ("cumulative_cost", "Money spent since the start", "money"),
}


_SERIES_NAME = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def plain(text: str) -> str:
    """A source note in words: "csv: small_boat_arrivals 2024" -> "published figure: small boat
    arrivals 2024" (the file's series names are for the fitting code, not for readers)."""
    text = text.replace("csv: ", "published figure: ")
    # The scenario files mark what nothing published supports in capitals, for their authors.
    text = text.replace("ASSUMPTION", "assumed (nothing published)").replace("ILLUSTRATIVE", "illustrative")
    return _SERIES_NAME.sub(lambda match: match.group(0).replace("_", " "), text)


def plain_lever_table() -> list[dict[str, str]]:
    return [{key: plain(str(value)) for key, value in row.items()} for row in lever_table()]


def scenario_names() -> list[str]:
    return sorted(path.stem for path in SCENARIOS_DIR.glob("*.yaml"))


def scenario_path(name: str) -> Path:
    if name not in scenario_names():
        raise ScenarioError(f"there is no shipped scenario called {name!r}")
    return SCENARIOS_DIR / f"{name}.yaml"


def money(value: float, currency: str) -> str:
    """Whole amounts in words people use: £950,000, £12.4m, £1.05bn."""
    symbol = SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e9:
        return f"{sign}{symbol}{value / 1e9:,.2f}bn"
    if value >= 1e6:
        return f"{sign}{symbol}{value / 1e6:,.1f}m"
    return f"{sign}{symbol}{value:,.0f}"


@dataclass(frozen=True)
class ScenarioReport:
    name: str
    scenario: Scenario
    result: SimulationResult
    yearly: list[dict[str, str]]
    sources: list[dict[str, str]]
    headline: list[tuple[str, str]]

    @property
    def currency(self) -> str:
        return self.scenario.currency


@functools.lru_cache(maxsize=8)
def _cached(name: str, version: float) -> ScenarioReport:
    del version  # part of the cache key only: a changed file is run again
    scenario = load_scenario(scenario_path(name))
    result = simulate(scenario, reps=REPORT_REPS, seed=REPORT_SEED)
    series = all_series(result)
    currency = scenario.currency
    yearly = []
    for end in range(11, result.months, 12):
        label = add_months(result.start_month, end).strftime("%B %Y")
        year = slice(end - 11, end + 1)

        def band(values: Any, *, as_money: bool = False) -> str:
            p5, p50, p95 = np.percentile(values, [5, 50, 95])
            if as_money:
                return f"{money(p50, currency)} ({money(p5, currency)} to {money(p95, currency)})"
            return f"{p50:,.0f} ({p5:,.0f} to {p95:,.0f})"

        yearly.append(
            {
                "Year to": label,
                "Waiting for an initial decision": band(series["awaiting_decision"][:, end]),
                "In asylum accommodation": band(series["people_in_accommodation"][:, end]),
                "Departures in the year": band(series["removals"][:, year].sum(axis=1)),
                "Sent to hubs in the year": band(series["hub_transfers"][:, year].sum(axis=1)),
                "Spent in the year": band(series["cost_total"][:, year].sum(axis=1), as_money=True),
            }
        )
    total_cost = series["cost_total"].sum(axis=1)
    removals = series["removals"].sum(axis=1)
    last = add_months(result.start_month, result.months - 1).strftime("%B %Y")
    headline = [
        ("Runs", f"{result.reps} replications of {result.months} months from {result.start_month:%B %Y}"),
        (
            "Waiting for a decision in " + last,
            f"{np.median(series['awaiting_decision'][:, -1]):,.0f} (median)",
        ),
        ("Departures over the run", f"{np.median(removals):,.0f} (median)"),
        ("Spent over the run", f"{money(float(np.median(total_cost)), currency)} (median)"),
        (
            "Cost per departure",
            money(float(np.median(total_cost / np.maximum(removals, 1))), currency) + " (median)",
        ),
        ("Deterrence", "; ".join(result.assumptions)),
    ]
    sources = [
        {"What": plain(n.what), "Value": plain(n.value), "Source": plain(n.source)} for n in scenario.sources
    ]
    return ScenarioReport(name, scenario, result, yearly, sources, headline)


def scenario_report(name: str) -> ScenarioReport:
    path = scenario_path(name)
    return _cached(name, path.stat().st_mtime)


def fan_chart(report: ScenarioReport, chart: str, fmt: str = "svg") -> bytes:
    """One fan chart: median line, 25-75 and 5-95 in 100 runs, labelled months and plain units."""
    if chart not in CHARTS:
        raise ScenarioError(f"there is no chart called {chart!r}")
    name, title, unit = CHARTS[chart]
    values = np.asarray(all_series(report.result)[name], dtype=np.float64)
    return _figure(report, values, title, unit, fmt)


def _figure(report: ScenarioReport, values: Any, title: str, unit: str, fmt: str) -> bytes:
    # Figure, not pyplot: the Agg canvas touches no global backend state (pages run in threads).
    from matplotlib.figure import Figure

    divisor, axis_label = 1.0, unit
    if unit == "money":
        divisor = 1e6
        axis_label = f"{SYMBOLS.get(report.currency, report.currency)} million"
    values = values / divisor
    p5, p25, p50, p75, p95 = np.percentile(values, [5, 25, 50, 75, 95], axis=0)
    x = np.arange(report.result.months)
    figure = Figure(figsize=(7.5, 3.0), dpi=110)
    axes = figure.add_subplot()
    axes.fill_between(x, p5, p95, color="#1d70b8", alpha=0.18, label="5 to 95 in 100 runs")
    axes.fill_between(x, p25, p75, color="#1d70b8", alpha=0.35, label="25 to 75 in 100 runs")
    axes.plot(x, p50, color="#0b0c0c", linewidth=1.5, label="median")
    ticks = list(range(0, report.result.months, max(1, report.result.months // 6)))
    axes.set_xticks(ticks, [add_months(report.result.start_month, t).strftime("%b %Y") for t in ticks])
    axes.set_title(title, fontsize=10)
    axes.set_ylabel(axis_label, fontsize=8)
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize=7)
    figure.subplots_adjust(left=0.1, right=0.98, bottom=0.13, top=0.9)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt)
    return buffer.getvalue()


@dataclass(frozen=True)
class FrontierAnswer:
    key: str
    name: str
    description: str
    scenario: str  # shipped scenario name the target starts from
    data: dict[str, Any] | None  # None: not run yet
    origin: str


def frontier_answers() -> list[FrontierAnswer]:
    import yaml

    answers = []
    for path in sorted(TARGETS_DIR.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        data = None
        origin = ""
        for folder in FRONTIER_DIRS:
            found = folder / f"{path.stem}.json"
            if found.is_file():
                data = json.loads(found.read_text(encoding="utf-8"))
                origin = (
                    "this installation's latest search"
                    if folder == FRONTIER_DIRS[0]
                    else "the shipped search"
                )
                break
        answers.append(
            FrontierAnswer(
                key=path.stem,
                name=str(spec.get("name", path.stem)),
                description=str(spec.get("description", "")),
                scenario=Path(str(spec.get("scenario", ""))).stem,
                data=data,
                origin=origin,
            )
        )
    return answers


def frontier_rows(answer: FrontierAnswer, currency: str = "GBP") -> list[dict[str, str]]:
    """The silver-bullet table in words."""
    if answer.data is None:
        return []
    measure = answer.data["target"]["measure"]
    rows = []
    for row in answer.data["silver_bullet"]:
        effect = (
            f"{row['effect_p50']:,.0f} waiting"
            if measure == "backlog_at_end"
            else f"{row['effect_p50']:.2f} times the departures"
        )
        rows.append(
            {
                "Kind": {"one lever": "One lever alone", "best mix": "Best mix"}.get(
                    row["kind"], "Closest mix"
                ),
                "Levers": row["mix"],
                "Effect (median)": effect,
                "Chance of reaching the target": f"{row['chance_of_success']:.0%}",
                "Spent on the levers a year": money(row["lever_spend_per_year"], currency),
                "Total public cost over the run": money(row["expected_total_cost"], currency),
            }
        )
    return rows


def report_pdf(report: ScenarioReport) -> bytes:
    """The report as a PDF, drawn the way the statistics reports are (ReportLab, matplotlib PNGs)."""
    import polars as pl
    from reportlab.platypus import PageBreak, Paragraph, Spacer

    from returnhub.core.pdf import document as _document
    from returnhub.core.pdf import image as _image
    from returnhub.core.pdf import styles as _styles
    from returnhub.core.pdf import table_flowable as _table_flowable

    styles = _styles()
    story: list[Any] = [
        Paragraph(f"Policy simulation: {report.scenario.name}", styles["Title"]),
        Paragraph(report.scenario.description or "", styles["BodyText"]),
        Spacer(1, 6),
        _table_flowable(pl.DataFrame([{"": k, "Result": v} for k, v in report.headline])),
        Spacer(1, 6),
    ]
    series = all_series(report.result)
    for name, title, unit in CHARTS.values():
        story.append(_image(_figure(report, np.asarray(series[name], dtype=np.float64), title, unit, "png")))
    story += [
        Paragraph("Year by year: median (5 to 95 in 100 runs)", styles["Heading2"]),
        _table_flowable(pl.DataFrame(report.yearly)) if report.yearly else Spacer(1, 1),
        PageBreak(),
        Paragraph("Assumptions and their sources", styles["Heading2"]),
        *_table_flowable(pl.DataFrame(report.sources or [{"What": "-", "Value": "-", "Source": "-"}])),
        Paragraph("The levers the frontier can pull", styles["Heading2"]),
        *_table_flowable(pl.DataFrame(plain_lever_table())),
    ]
    for answer in frontier_answers():
        if answer.scenario != report.name or answer.data is None:
            continue
        chosen = answer.data.get("chosen")
        story += [
            Paragraph(f"Frontier: {answer.name}", styles["Heading2"]),
            Paragraph(
                "Cheapest mix that reaches it: "
                + (chosen["mix"] if chosen else "none within the budget")
                + f". {answer.data['mixes']:,} mixes x {answer.data['reps']} replications.",
                styles["BodyText"],
            ),
            *_table_flowable(pl.DataFrame(frontier_rows(answer, report.currency))),
        ]
    flat: list[Any] = []
    for item in story:
        flat.extend(item if isinstance(item, list) else [item])
    return _document(flat, f"Policy simulation: {report.scenario.name}")
