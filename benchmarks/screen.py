"""Benchmark: screen a synthetic caseload on every rule, against the per-case path over the same predicates.

    .venv/bin/python benchmarks/screen.py --cases 1000000

Builds a random but realistic facts frame (no database), screens it at the departure stage (the stage
every UK rule guards) against three agreements, keeping every per-rule outcome. The reference is the
per-case path: the same compiled predicates evaluated on one-row frames, one case at a time (the path
``returnhub explain`` takes); it is timed on a sample and scaled to the full size, and its outcomes must
be identical to the vectorised ones on that sample. ``explain_ms`` is ``evaluate_case`` for one case read
from a SQLite database (median of repeated calls), i.e. the full explain path including the fold.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from returnhub.safeguards.engine import evaluate, make_plan, screen_evaluation  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000, help="Cases run through the per-case path.")
    parser.add_argument("--runs", type=int, default=3, help="Vectorised runs (the median is reported).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain-repeats", type=int, default=50)
    args = parser.parse_args()

    pack = get_pack("uk")
    terms = synthetic_terms(AS_OF)
    plan = make_plan(pack, "departure", AS_OF, terms)
    facts = synthetic_facts(args.cases, as_of=AS_OF, seed=args.seed)
    screen_evaluation(evaluate(facts.head(1_000), plan))  # compile the plan and warm Polars up

    runs = []
    results = pl.DataFrame()
    for _ in range(args.runs):
        started = time.perf_counter()
        results = screen_evaluation(evaluate(facts, plan))
        runs.append(time.perf_counter() - started)
    seconds = statistics.median(runs)

    sample = min(args.sample, args.cases)
    per_case = []
    started = time.perf_counter()
    for i in range(sample):
        per_case.append(screen_evaluation(evaluate(facts.slice(i, 1), plan)))
    sample_seconds = time.perf_counter() - started
    reference_seconds = sample_seconds * args.cases / sample
    identical = pl.concat(per_case).equals(results.head(sample))

    counts = dict(results.group_by("outcome").len().iter_rows())
    print(
        json.dumps(
            {
                "benchmark": "screen",
                "n": args.cases,
                "seconds": round(seconds, 3),
                "reference": "per_case_loop",
                "reference_seconds": round(reference_seconds, 1),
                "ratio": round(reference_seconds / seconds, 1),
                "sample_identical": identical,
                "sample": sample,
                "sample_seconds": round(sample_seconds, 2),
                "explain_ms": round(explain_ms(args.explain_repeats), 2),
                "rules": len(plan.rules),
                "agreements": len(plan.terms),
                "columns_kept": len(results.columns),
                "seconds_min": round(min(runs), 3),
                "eligible": counts.get("eligible", 0),
                "review": counts.get("review", 0),
                "barred": counts.get("barred", 0),
            }
        )
    )


if __name__ == "__main__":
    main()
