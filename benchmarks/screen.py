"""Benchmark: the rules pass over a synthetic caseload, against a bare NumPy pass over the same predicates.

    .venv/bin/python benchmarks/screen.py --cases 1000000

Builds a random but realistic facts frame (no database; ``screen_db.py`` measures the path from the
database), screens it at the departure stage (the stage every UK rule guards) against three agreements,
keeping every per-rule outcome. Target: within 3x of the limit.

* The limit (``reference``): ``_bare_rules.py``'s bare NumPy pass over the same predicates (the same
  derived facts, rules, exceptions and best-agreement choice, with the engine's three-valued logic for
  unknown facts), on the same facts already as NumPy arrays (their conversion is reported, not timed).
* The second reference: the same predicates in plain Python, one case at a time (what a naive system would
  do), timed on a sample and scaled to the full size.

Both references must give the engine's outcome for every rule of every case they run (``numpy_identical``,
``python_identical``), or their times mean nothing. The caseload holds no review decisions (the references
do not model them). ``explain_ms`` is ``evaluate_case`` for one case read from a SQLite database (median
of repeated calls), i.e. the full explain path including the fold. Prints one JSON line, with CPU seconds
and the load average beside the wall times.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bare_rules  # noqa: E402
from _common import emit  # noqa: E402

from returnhub.safeguards.engine import evaluate, make_plan, screen_evaluation  # noqa: E402
from returnhub.safeguards.facts import conform  # noqa: E402
from returnhub.safeguards.packs import get_pack  # noqa: E402
from returnhub.safeguards.synthetic import synthetic_facts, synthetic_terms  # noqa: E402

AS_OF = date(2026, 6, 1)


def explain_ms(repeats: int) -> float:
    """Median wall time of ``evaluate_case`` for one case in a fresh SQLite database."""
    from returnhub.casework.state import fold
    from returnhub.casework.store import append_event, upsert_projection
    from returnhub.core.clock import FixedClock
    from returnhub.core.database import create_engine, unit_of_work
    from returnhub.core.migrate import upgrade
    from returnhub.people.models import Person
    from returnhub.safeguards.default_terms import YamlTermsProvider
    from returnhub.safeguards.service import evaluate_case

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = create_engine(url)
        clock = FixedClock(datetime(2026, 6, 1, 9, tzinfo=UTC))
        history = [
            ("arrival", date(2023, 5, 1), {"route": "small_boat"}),
            ("asylum_claim_lodged", date(2023, 5, 2), {}),
            ("asylum_claim_decided", date(2024, 2, 1), {"outcome": "refuse"}),
            ("appeal_lodged", date(2024, 2, 10), {"tier": "first_tier"}),
            ("appeal_decided", date(2024, 9, 1), {"tier": "first_tier", "outcome": "dismissed"}),
            ("appeal_rights_exhausted", date(2024, 9, 20), {}),
            ("adults_at_risk_assessed", date(2025, 1, 5), {"level": 2}),
            ("removal_notice_served", date(2026, 5, 11), {}),
        ]
        with unit_of_work(engine) as session:
            person = Person(
                reference="RH0000001",
                given_name="Synthetic",
                family_name="Person",
                date_of_birth=date(1995, 3, 1),
                sex="M",
                nationality="ERI",
                languages=["ti"],
                created_at=clock.now(),
            )
            session.add(person)
            session.flush()
            upsert_projection(session, person, fold([]), clock.now())
            for event_type, on, data in history:
                append_event(session, "RH0000001", event_type, on, data, clock=clock, recorded_by="bench")
        provider = YamlTermsProvider(get_pack("uk").parameters)
        times = []
        for _ in range(repeats + 3):
            with unit_of_work(engine, read_only=True) as session:
                started = time.perf_counter()
                evaluate_case(
                    session, "RH0000001", pack="uk", stage="departure", terms_provider=provider, clock=clock
                )
                times.append(time.perf_counter() - started)
        engine.dispose()
    return statistics.median(times[3:]) * 1000


def caseload(n: int, seed: int) -> pl.DataFrame:
    """``synthetic_facts`` with the two facts it leaves out and every departure needs (the date of the
    claim's decision, the notice of departure details), so that some cases clear every rule."""
    rng = np.random.default_rng(seed + 1)
    facts = conform(synthetic_facts(n, as_of=AS_OF, seed=seed, decision_share=0.0))
    decided = pl.col("appeal_rights_exhausted_on") - pl.duration(days=pl.lit(rng.integers(30, 400, n)))
    details = pl.col("removal_notice_served_on") + pl.duration(days=pl.lit(rng.integers(0, 20, n)))
    return facts.with_columns(
        decided.alias("claim_decided_on"),
        pl.when(pl.lit(rng.random(n) < 0.8)).then(details).alias("departure_details_served_on"),
    )


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn: object, runs: int) -> tuple[float, float, object]:
    """Median wall seconds, median CPU seconds and the last result of ``runs`` calls."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), cpu_seconds()
        result = fn()  # type: ignore[operator]
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_seconds() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000, help="Cases run through plain Python.")
    parser.add_argument("--runs", type=int, default=5, help="Timed runs (the median is reported).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain-repeats", type=int, default=50)
    args = parser.parse_args()

    pack = get_pack("uk")
    terms = synthetic_terms(AS_OF)
    plan = make_plan(pack, "departure", AS_OF, terms)
    facts = caseload(args.cases, args.seed)
    screen_evaluation(evaluate(facts.head(1_000), plan))  # compile the plan and warm Polars up

    def engine() -> pl.DataFrame:
        return screen_evaluation(evaluate(facts, plan))

    seconds, cpu, results = timed(engine, args.runs)
    assert isinstance(results, pl.DataFrame)
    codes = evaluate(facts, plan).frame

    started = time.perf_counter()
    ops = _bare_rules.NumpyOps(facts)
    numpy_prepare = time.perf_counter() - started
    numpy_seconds, numpy_cpu, bare = timed(lambda: _bare_rules.evaluate(ops, plan), args.runs)
    assert isinstance(bare, dict)
    numpy_identical = all(np.array_equal(codes.get_column(k).to_numpy(), v) for k, v in bare.items())

    sample = min(args.sample, args.cases)
    rows = _bare_rules.python_rows(facts.head(sample))
    started = time.perf_counter()
    per_case = [_bare_rules.evaluate(_bare_rules.PythonOps(row), plan) for row in rows]
    python_sample_seconds = time.perf_counter() - started
    python_seconds = python_sample_seconds * args.cases / sample
    python_identical = all(
        [case[k] for case in per_case] == codes.get_column(k).head(sample).to_list() for k in bare
    )

    counts = dict(results.group_by("outcome").len().iter_rows())
    emit(
        "screen",
        args.cases,
        seconds,
        "bare_numpy_pass",
        numpy_seconds,
        times_the_limit=round(seconds / numpy_seconds, 2),
        target_times_the_limit=3.0,
        numpy_identical=numpy_identical,
        numpy_cpu_seconds=round(numpy_cpu, 4),
        numpy_prepare_seconds=round(numpy_prepare, 3),
        cpu_seconds=round(cpu, 4),
        python_per_case_seconds=round(python_seconds, 2),
        python_ratio=round(python_seconds / seconds, 1),
        python_sample=sample,
        python_identical=python_identical,
        explain_ms=round(explain_ms(args.explain_repeats), 2),
        rules=len(plan.rules),
        agreements=len(plan.terms),
        columns_kept=len(results.columns),
        eligible=counts.get("eligible", 0),
        review=counts.get("review", 0),
        barred=counts.get("barred", 0),
        runs=args.runs,
        load_average=[round(x, 2) for x in os.getloadavg()],
    )


if __name__ == "__main__":
    main()
