"""`returnhub simulate ...`: a Typer sub-app over the pure simulator.

The commands only translate: arguments in, a core function called, a summary out. Any error a
user can cause is one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from returnhub.core import shell
from returnhub.core.jsonable import plain
from returnhub.simulation.calibrate import calibrate_to_file
from returnhub.simulation.engine import machine_threads, simulate
from returnhub.simulation.errors import ScenarioError, SimulationError
from returnhub.simulation.parameters import InitialCaseload
from returnhub.simulation.results import compare, comparison_summary, summary, write_comparison, write_results
from returnhub.simulation.scenario import load_scenario
from returnhub.simulation.sweep import sweep
from returnhub.simulation.views import Bands, ScenarioRun


class _RunByDefault(TyperGroup):
    """`returnhub simulate SCENARIO.yaml` means `returnhub simulate run SCENARIO.yaml`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # Typer vendors its own click Context
        # Options of the default command come before any sub-command name, so route them here.
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_RunByDefault,
    help="Policy simulator: what return hubs would do to backlogs, costs and removals.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_stderr = Console(stderr=True)
_stdout = Console()

#: Under var/ (ignored by git) so a run never litters the folder it was started from.
DEFAULT_OUT = Path("var") / "simulation-results"


@contextmanager
def _one_line_errors() -> Iterator[None]:
    try:
        yield
    except typer.Exit:
        raise
    except SimulationError as error:
        _fail(str(error))
    except (OSError, ValueError) as error:
        _fail(" ".join(str(error).split()) or type(error).__name__)
    except Exception as error:  # never a traceback at the command line
        _fail(f"internal error ({type(error).__name__}): {' '.join(str(error).split())}")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


@contextmanager
def _progress(label: str, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on stderr when it is a terminal; otherwise nothing."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_stderr,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def _check_counts(reps: int, months: int | None, seed: int) -> None:
    if reps < 1:
        raise ScenarioError(f"--reps must be at least 1, got {reps}")
    if months is not None and months < 1:
        raise ScenarioError(f"--months must be at least 1, got {months}")
    if seed < 0:
        raise ScenarioError(f"--seed must be >= 0, got {seed}")


def run_scenario(
    path: str | Path,
    reps: int = 1000,
    months: int | None = None,
    out: str | Path | None = None,
    seed: int = 0,
    initial: InitialCaseload | None = None,
    *,
    eligible_share: Mapping[str, float] | None = None,
    progress: Callable[[int, int], None] | None = None,
    threads: int | None = None,
) -> ScenarioRun:
    """Load a scenario, simulate it, write results to `out` (if given) and return the summary.

    `initial` replaces the scenario's own starting caseload (e.g. counts from the live database);
    `eligible_share` replaces its hub-eligible shares (e.g. from the safeguards engine); `threads`
    (default: the machine's cores, ``machine_threads``) changes the time, never the numbers.
    """
    started = time.perf_counter()
    _check_counts(reps, months, seed)
    scenario = load_scenario(path)
    result = simulate(
        scenario,
        reps=reps,
        months=months,
        seed=seed,
        initial=initial,
        eligible_share=eligible_share,
        progress=progress,
        threads=machine_threads() if threads is None else threads,
    )
    return ScenarioRun(
        **dict(summary(result)),
        scenario_file=str(path),
        initial_caseload=(
            "given by caller"
            if initial is not None
            else ("scenario file" if scenario.initial else "empty system")
        ),
        outputs=None if out is None else write_results(result, out),
        total_seconds=round(time.perf_counter() - started, 3),
    )


def _live_caseload() -> InitialCaseload:
    from returnhub.core.database import unit_of_work
    from returnhub.simulation.live import initial_from_database

    rt = shell.runtime()
    with unit_of_work(rt.engine, read_only=True) as session:
        return initial_from_database(session, as_of=rt.clock.today(), pack=rt.settings.default_pack)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(plain(data), indent=None, default=str))


def _bands_table(title: str, rows: Mapping[str, Bands | Mapping[str, float | None]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("output")
    for band in ("p5", "p25", "p50", "p75", "p95"):
        table.add_column(band, justify="right")
    for name, bands in rows.items():
        values = dict(bands) if isinstance(bands, Bands) else bands
        table.add_row(name, *(_number(values.get(band)) for band in ("p5", "p25", "p50", "p75", "p95")))
    return table


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


@app.command("run")
def run_command(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    reps: int = typer.Option(1000, "--reps", help="Monte Carlo replications."),
    months: int | None = typer.Option(None, "--months", help="Months to simulate (default: the scenario's)."),
    out: Path | None = typer.Option(
        None, "--out", help="Output folder (default: var/simulation-results/<name>)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as one JSON line."),
    seed: int = typer.Option(0, "--seed", help="Random seed; same seed, same results."),
    threads: int | None = typer.Option(
        None,
        "--threads",
        help="Run replication blocks on this many threads (default: the machine's cores; same results).",
    ),
    from_database: bool = typer.Option(
        False, "--from-database", help="Start from the live caseload (projection) instead of the scenario's."
    ),
) -> None:
    """Simulate a scenario: Parquet tables and fan charts (PNG, SVG), and a summary."""
    with _one_line_errors():
        target = out if out is not None else DEFAULT_OUT / scenario.stem
        initial = _live_caseload() if from_database else None
        with _progress("simulating", not json_output) as progress:
            digest = run_scenario(
                scenario, reps, months, target, seed, initial, progress=progress, threads=threads
            )
        if json_output:
            _print_json(digest)
            return
        _stdout.print(
            f"[bold]{digest.scenario}[/]: {digest.reps} replications, {digest.months} months "
            f"({digest.first_month} to {digest.last_month}), {digest.seconds} s"
        )
        for note in digest.assumptions:
            _stdout.print(f"assumption: {note}")
        _stdout.print(_bands_table("At the last month", dict(digest.final)))
        _stdout.print(_bands_table("Totals over the horizon", digest.totals))
        _stdout.print(_bands_table("Cost per removal", {"cost per removal": digest.cost_per_removal}))
        _stdout.print(f"written to {target}")


@app.command("compare")
def compare_command(
    scenario_a: Path = typer.Argument(..., help="Scenario A (e.g. without hubs)."),
    scenario_b: Path = typer.Argument(..., help="Scenario B (e.g. with hubs)."),
    reps: int = typer.Option(1000, "--reps"),
    months: int | None = typer.Option(None, "--months"),
    seed: int = typer.Option(0, "--seed"),
    out: Path | None = typer.Option(None, "--out", help="Write difference bands and charts here."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """B minus A, replication by replication on common random numbers, with its percentiles."""
    with _one_line_errors():
        _check_counts(reps, months, seed)
        a = load_scenario(scenario_a)
        b = load_scenario(scenario_b)
        horizon = months if months is not None else max(a.months, b.months)
        started = time.perf_counter()
        with _progress("simulating A", not json_output) as progress:
            result_a = simulate(a, reps=reps, months=horizon, seed=seed, progress=progress)
        with _progress("simulating B", not json_output) as progress:
            result_b = simulate(b, reps=reps, months=horizon, seed=seed, progress=progress)
        comparison = compare(result_a, result_b)
        digest = comparison_summary(comparison)
        digest["assumptions"] = {"a": list(result_a.assumptions), "b": list(result_b.assumptions)}
        if out is not None:
            digest["outputs"] = write_comparison(comparison, out)
        digest["seconds"] = round(time.perf_counter() - started, 3)
        if json_output:
            _print_json(digest)
            return
        _stdout.print(
            f"B = [bold]{comparison.name_b}[/] minus A = [bold]{comparison.name_a}[/], "
            f"{comparison.reps} paired replications, {digest['seconds']} s"
        )
        _stdout.print(_bands_table("Difference in totals over the horizon (B - A)", digest["totals"]))
        _stdout.print(_bands_table("Difference at the last month (B - A)", digest["final"]))
        _stdout.print(
            f"share of replications where B costs less: {digest['share_of_replications_where_b_costs_less']}"
        )


@app.command("calibrate")
def calibrate_command(
    out: Path = typer.Option(Path("PARAMS.yaml"), "--out", help="Where to write the fitted parameters."),
    reference: Path | None = typer.Option(
        None, "--reference", help="uk_published_figures.csv or its folder."
    ),
    base: Path | None = typer.Option(None, "--scenario", help="Base scenario (default: packaged UK mix)."),
    reps: int = typer.Option(40, "--reps"),
    seed: int = typer.Option(20250101, "--seed"),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Fit the main rates to the published UK series; write PARAMS.yaml and a back-test table."""
    with _one_line_errors():
        _check_counts(reps, None, seed)
        calibration = calibrate_to_file(out, base=base, reference=reference, reps=reps, seed=seed)
        if json_output:
            _print_json({"out": str(out), **calibration.to_yaml_data()})
            return
        table = Table(title="Back-test: simulated (median) against published", title_justify="left")
        for column in ("period", "series", "simulated", "published", "error", "bound", "within", "note"):
            table.add_column(column)
        for row in calibration.backtest.iter_rows(named=True):
            within = abs(row["relative_error_p50"]) <= row["bound"]
            table.add_row(
                row["period"],
                row["series"],
                _number(row["simulated_p50"]),
                _number(row["published"]),
                f"{row['relative_error_p50']:+.1%}",
                f"±{row['bound']:.0%} ({'fitted' if row['fitted'] else 'not fitted'})",
                "yes" if within else "NO",
                row["note"],
            )
        _stdout.print(table)
        _stdout.print(f"figures from {calibration.reference}; parameters written to {out}")


def _parse_grid(settings: list[str]) -> dict[str, list[Any]]:
    grid: dict[str, list[Any]] = {}
    for setting in settings:
        path, separator, values = setting.partition("=")
        if not separator or not path.strip() or not values.strip():
            raise ScenarioError(f"--set expects path=value[,value...], got {setting!r}")
        try:
            grid[path.strip()] = [yaml.safe_load(value) for value in values.split(",")]
        except yaml.YAMLError:
            raise ScenarioError(f"--set {path}: values must be plain numbers, words or booleans") from None
    return grid


@app.command("sweep")
def sweep_command(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    settings: list[str] = typer.Option([], "--set", help="path=v1,v2,... e.g. hubs.0.places=500,1000"),
    reps: int = typer.Option(200, "--reps"),
    months: int | None = typer.Option(None, "--months"),
    seed: int = typer.Option(0, "--seed"),
    backend: str = typer.Option("local", "--backend", help="local (process pool), serial or ray."),
    workers: int | None = typer.Option(None, "--workers"),
    out: Path | None = typer.Option(None, "--out", help="Write the table as Parquet."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Run the scenario over a grid of parameter values (common random numbers across points)."""
    with _one_line_errors():
        _check_counts(reps, months, seed)
        grid = _parse_grid(settings)
        base = load_scenario(scenario)
        started = time.perf_counter()
        with _progress("sweeping", not json_output) as progress:
            table = sweep(
                base,
                grid,
                reps=reps,
                months=months,
                seed=seed,
                backend=backend,
                max_workers=workers,
                on_point_done=progress,
            )
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            table.write_parquet(out)
        if json_output:
            _print_json({"points": table.to_dicts(), "seconds": round(time.perf_counter() - started, 3)})
            return
        columns = [
            *grid,
            "final.backlog.p50",
            "totals.removals.p50",
            "totals.cost_total.p50",
            "cost_per_removal.p50",
        ]
        view = Table(title=f"Sweep of {base.name}", title_justify="left")
        for column in columns:
            view.add_column(column)
        for row in table.iter_rows(named=True):
            view.add_row(*(str(row[c]) if c in grid else _number(row[c]) for c in columns))
        _stdout.print(view)


#: Where `frontier` writes its answer; the simulations pages read it from there.
DEFAULT_FRONTIER_OUT = Path("var") / "simulation-results" / "frontier"


@app.command("frontier")
def frontier_command(
    target_file: Path = typer.Argument(..., help="Target YAML (see scenarios/targets/)."),
    backend: str = typer.Option("local", "--backend", help="local (process pool), serial or ray."),
    workers: int | None = typer.Option(None, "--workers"),
    reps: int | None = typer.Option(None, "--reps", help="Replications per mix (default: the target's)."),
    seed: int | None = typer.Option(None, "--seed"),
    limit: int | None = typer.Option(None, "--limit", help="Only the first N mixes (for timing a subset)."),
    screen_reps: int | None = typer.Option(
        None,
        "--screen-reps",
        help="Screen every mix with this many replications, then run the finalists in full.",
    ),
    out: Path = typer.Option(DEFAULT_FRONTIER_OUT, "--out", help="Folder for <target>.json."),
    json_output: bool = typer.Option(False, "--json"),
) -> None:
    """Search mixes of levers for the least expected cost that reaches a target, and how surely."""
    from returnhub.simulation.frontier import load_target, search

    with _one_line_errors():
        if reps is not None and reps < 10:
            raise ScenarioError(f"--reps must be at least 10, got {reps}")
        if limit is not None and limit < 1:
            raise ScenarioError(f"--limit must be at least 1, got {limit}")
        target, scenario = load_target(target_file)
        with _progress("searching", not json_output) as progress:
            frontier = search(
                target,
                scenario,
                backend=backend,
                max_workers=workers,
                reps=reps,
                seed=seed,
                limit=limit,
                on_chunk_done=progress,
                screen_reps=screen_reps,
            )
        data = frontier.to_data()
        out.mkdir(parents=True, exist_ok=True)
        written = out / f"{target_file.stem}.json"
        written.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
        if json_output:
            _print_json({"out": str(written), **data})
            return
        chosen = data["chosen"]
        base = data["baseline"]
        screened = (
            f" (screened {data['screened_mixes']:,} mixes at {data['screen_reps']} replications first)"
            if data["screened_mixes"]
            else ""
        )
        _stdout.print(
            f"[bold]{target.name}[/bold]: {len(frontier.rows):,} mixes x {data['reps']} replications "
            f"x {target.months} months in {data['seconds']:,.1f} s ({backend}){screened}"
        )
        _stdout.print(
            f"baseline: median {base['effect_p50']:,}, chance {base['chance_of_success']:.0%}, "
            f"expected total cost £{base['expected_total_cost']:,}"
        )
        if chosen is None:
            _stdout.print(" ".join(data["notes"]))
        else:
            _stdout.print(
                f"least expected cost reaching it: {chosen['mix']}; chance {chosen['chance_of_success']:.0%} "
                f"(at least {chosen['chance_lower_95']:.0%} at 95%); levers "
                f"£{chosen['lever_spend_per_year']:,} a year; expected total cost "
                f"£{chosen['expected_total_cost']:,}"
            )
            plain = data["chosen_without_deterrence"]
            if plain is not None and plain["mix"] != chosen["mix"]:
                _stdout.print(
                    f"without counting on deterrence: {plain['mix']}; "
                    f"chance {plain['chance_of_success']:.0%}; "
                    f"levers £{plain['lever_spend_per_year']:,} a year; expected total cost "
                    f"£{plain['expected_total_cost']:,}"
                )
        table = Table(
            title="Is there a silver bullet? Each lever alone, then the best mixes", title_justify="left"
        )
        for column in ("", "levers", "effect (median)", "chance", "levers a year", "total cost"):
            table.add_column(column)
        for row in data["silver_bullet"]:
            table.add_row(
                row["kind"],
                row["mix"],
                _number(row["effect_p50"]),
                f"{row['chance_of_success']:.0%}",
                f"£{row['lever_spend_per_year']:,}",
                f"£{row['expected_total_cost']:,}",
            )
        _stdout.print(table)
        _stdout.print(f"written to {written}")
