"""The ``returnhub`` command. It only translates: parse, call a service in one unit of work, print.

Errors a user can cause print one line on stderr and exit 2; nothing is written.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from returnhub.core.crypto import FieldCipher
from returnhub.core.database import unit_of_work
from returnhub.core.errors import DomainError, InvalidInput
from returnhub.core.runtime import Runtime

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="returnhub: the return-hub scheme, end to end."
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
case_app = typer.Typer(no_args_is_help=True, help="The case register.")
audit_app = typer.Typer(no_args_is_help=True, help="Verify the hash chains.")
projection_app = typer.Typer(no_args_is_help=True, help="The case projection.")
app.add_typer(db_app, name="db")
app.add_typer(case_app, name="case")
app.add_typer(audit_app, name="audit")
app.add_typer(projection_app, name="projection")

err = Console(stderr=True)
out = Console()

_runtime: Runtime | None = None


def runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = Runtime.from_settings()
    return _runtime


def set_runtime(value: Runtime | None) -> None:
    """Tests and embedding code inject their own runtime (database, clock)."""
    global _runtime
    _runtime = value


def fail(message: str, code: int = 2) -> None:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, default=str, ensure_ascii=False) + "\n")


def parse_date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2025-06-14, not {value!r}") from None


def parse_datetime(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a date-time like 2025-06-14T10:00:00Z, not {value!r}") from None
    if parsed.tzinfo is None:
        from datetime import UTC

        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations to the configured database."""
    from returnhub.core.migrate import upgrade

    upgrade(runtime().settings.database_url, revision)
    err.print(f"database at revision {revision}")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web app and the API."""
    import uvicorn

    from returnhub.web.app import create_app

    uvicorn.run(create_app(runtime()), host=host, port=port, log_level="info")


@app.command()
def seed(
    persons: Annotated[int | None, typer.Option("--persons", help="How many synthetic people.")] = None,
    seed_value: Annotated[int | None, typer.Option("--seed", help="Random seed (reproducible).")] = None,
    append: Annotated[bool, typer.Option("--append", help="Add to a non-empty database.")] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing if the database has cases.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Seed a synthetic population (never real people)."""
    import time

    from returnhub.casework.bulk import load_population
    from returnhub.casework.store import count_cases
    from returnhub.synthetic import generate_population

    rt = runtime()
    n = persons if persons is not None else rt.settings.seed_persons
    s = seed_value if seed_value is not None else rt.settings.seed
    if n < 1:
        raise InvalidInput("--persons must be at least 1")
    with unit_of_work(rt.engine, read_only=True) as session:
        existing = count_cases(session)
    if existing and if_empty:
        err.print(f"database already holds {existing:,} cases; not seeding")
        return
    if existing and not append:
        raise InvalidInput(f"database already holds {existing:,} cases; use --append to add more")
    started = time.perf_counter()
    population = generate_population(n, s, today=rt.clock.today())
    with progress_bar() as bar:
        task = bar.add_task("seeding", total=n)
        written = load_population(
            rt.engine,
            population.persons,
            population.events,
            clock=rt.clock,
            chunk_persons=rt.settings.seed_chunk_persons,
            progress=lambda k: bar.advance(task, k),
        )
    from returnhub.partners.seed import seed_partners

    with unit_of_work(rt.engine) as session:
        # The demo needs partners, agreements and hubs too; this does nothing if the register has data.
        seed_partners(session, rt.clock)
    if not append:
        from returnhub.demo import seed_demo_reviews

        with unit_of_work(rt.engine) as session:
            reviews = seed_demo_reviews(session, rt.clock)
        err.print(f"recorded {reviews:,} synthetic senior-caseworker reviews (R12P) for the demo")
        from returnhub.demo import seed_demo_users

        with unit_of_work(rt.engine) as session:
            users = seed_demo_users(session, rt.clock, environment=rt.settings.environment)
        if users:
            err.print(
                "demo users (password returnhub-demo-<role>, e.g. returnhub-demo-caseworker): "
                + ", ".join(users)
            )
    result = {
        "persons": written[0],
        "events": written[1],
        "seed": s,
        "seconds": round(time.perf_counter() - started, 2),
    }
    if as_json:
        print_json(result)
    else:
        err.print(f"seeded {written[0]:,} people with {written[1]:,} events in {result['seconds']} s")


@case_app.command("list")
def case_list(
    status: Annotated[str | None, typer.Option("--status")] = None,
    nationality: Annotated[str | None, typer.Option("--nationality")] = None,
    reference: Annotated[str | None, typer.Option("--reference")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 20,
    after: Annotated[
        str | None, typer.Option("--after", help="Cursor: the last reference of the previous page.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List cases from the projection."""
    from returnhub.casework.queries import search_cases

    with unit_of_work(runtime().engine, read_only=True) as session:
        rows = search_cases(
            session, status=status, nationality=nationality, reference=reference, limit=limit, after=after
        )
    if as_json:
        print_json(rows)
        return
    table = Table("reference", "name", "nationality", "status", "ARE on")
    for r in rows:
        table.add_row(
            r["reference"],
            f"{r['given_name']} {r['family_name']}",
            r["nationality"],
            r["status"],
            r["appeal_rights_exhausted_on"] or "",
        )
    out.print(table)


def _field_cipher(rt: Runtime) -> FieldCipher:
    from returnhub.access.crypto import field_cipher
    from returnhub.access.settings import AccessSettings

    return field_cipher(AccessSettings(), rt.settings.environment)


@case_app.command("show")
def case_show(
    reference: str,
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    known_at: Annotated[str | None, typer.Option("--known-at")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Identity, current status and the timeline (optionally as of a date, as known at a time).

    An operator's tool: sealed special-category fields are shown decrypted (docs/access.md)."""
    from returnhub.casework.queries import show_case

    rt = runtime()
    with unit_of_work(rt.engine, read_only=True) as session:
        case = show_case(
            session,
            reference.upper(),
            as_of=parse_date(as_of, "--as-of"),
            known_at=parse_datetime(known_at, "--known-at"),
            cipher=_field_cipher(rt),
        )
    if as_json:
        print_json(case)
        return
    ident = case["identity"]
    out.print(
        f"[bold]{case['reference']}[/bold]  {ident['given_name']} {ident['family_name']}  "
        f"born {ident['date_of_birth']}  {ident['nationality']}  status: [bold]{case['status']}[/bold]"
    )
    table = Table("#", "occurred on", "event", "details", "recorded at")
    for e in case["timeline"]:
        table.add_row(
            str(e["sequence"]), e["occurred_on"], e["type"], json.dumps(e["data"]), e["recorded_at"][:19]
        )
    out.print(table)


@case_app.command("record")
def case_record(
    reference: str,
    event_type: Annotated[str, typer.Option("--type", help="Event type, e.g. rule39_granted.")],
    on: Annotated[str, typer.Option("--on", help="The date it happened in law.")],
    data: Annotated[str | None, typer.Option("--data", help="The payload as JSON.")] = None,
    expected_version: Annotated[int | None, typer.Option("--expected-version")] = None,
    by: Annotated[str, typer.Option("--by", help="Who records it.")] = "cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Append one legal event to a case."""
    from returnhub.casework.store import append_event

    occurred_on = parse_date(on, "--on")
    assert occurred_on is not None
    try:
        payload = json.loads(data) if data else {}
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"--data is not valid JSON: {exc.msg} at character {exc.pos}") from None
    if not isinstance(payload, dict):
        raise InvalidInput("--data must be a JSON object")
    rt = runtime()
    with unit_of_work(rt.engine) as session:
        result = append_event(
            session,
            reference.upper(),
            event_type,
            occurred_on,
            payload,
            clock=rt.clock,
            recorded_by=by,
            expected_version=expected_version,
            cipher=_field_cipher(rt),
        )
    summary = {
        "reference": reference.upper(),
        "sequence": result.sequence,
        "hash": result.hash,
        "status": result.state.status,
    }
    if as_json:
        print_json(summary)
    else:
        err.print(
            f"recorded {event_type} as event {result.sequence} of {reference.upper()}; "
            f"status {result.state.status}"
        )


@audit_app.command("verify")
def audit_verify(
    log: Annotated[str, typer.Option("--log", help="Which chain: events or access.")] = "events",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Recompute a hash chain. Exit 0 when intact, 1 naming the first broken entry."""
    if log == "access":
        _verify_access_log(as_json)
        return
    from returnhub.casework.store import verify_chain

    if log != "events":
        raise InvalidInput(f"unknown log {log!r}; known logs: events, access")
    with unit_of_work(runtime().engine, read_only=True) as session:
        report = verify_chain(session)
    if as_json:
        print_json(report.as_dict())
    elif report.ok:
        err.print(f"chain intact: {report.events:,} events")
    else:
        err.print(
            f"chain BROKEN at event id {report.first_broken_id} (case {report.first_broken_case}, "
            f"sequence {report.first_broken_sequence}): {report.problem}"
        )
    if not report.ok:
        raise typer.Exit(1)


def _verify_access_log(as_json: bool) -> None:
    from returnhub.access.audit import verify_access_log

    with unit_of_work(runtime().engine, read_only=True) as session:
        report = verify_access_log(session)
    if as_json:
        print_json(report.as_dict())
    elif report.ok:
        err.print(f"access log intact: {report.entries:,} entries")
    else:
        where = f"entry id {report.first_broken_id}" if report.first_broken_id is not None else "its end"
        err.print(f"access log BROKEN at {where}: {report.problem}")
    if not report.ok:
        raise typer.Exit(1)


@projection_app.command("rebuild")
def projection_rebuild(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Refill the case projection from the events."""
    import time

    from returnhub.casework.store import count_cases, rebuild_projection

    rt = runtime()
    started = time.perf_counter()
    with unit_of_work(rt.engine, read_only=True) as session:
        total = count_cases(session)  # for the progress bar only
    # A fresh unit of work, so that the rebuild may fold in worker processes (``bulk.rebuild_workers``).
    with unit_of_work(rt.engine) as session:
        with progress_bar() as bar:
            task = bar.add_task("rebuilding", total=total)
            n = rebuild_projection(session, rt.clock, progress=lambda k: bar.advance(task, k))
    result = {"cases": n, "seconds": round(time.perf_counter() - started, 2)}
    if as_json:
        print_json(result)
    else:
        err.print(f"projection rebuilt: {n:,} cases in {result['seconds']} s")


from returnhub.partners.cli import register as register_partners  # noqa: E402  (mounts `partners`, `hubs`)

register_partners(app)

from returnhub.safeguards.cli import register as register_safeguards  # noqa: E402  (rules, explain, screen, review)

register_safeguards(app)

from returnhub.operations.cli import register as register_operations  # noqa: E402  (transfers, stays, …)

register_operations(app)

from returnhub.operations.planning_cli import register as register_planning  # noqa: E402  (allocate)

register_planning(app)

from returnhub.simulation.cli import app as simulation_app  # noqa: E402

app.add_typer(simulation_app, name="simulate")

from returnhub.access.cli import register as register_access  # noqa: E402  (users, subject, retention, keys)

register_access(app)

from returnhub.notices.cli import register as register_notices  # noqa: E402  (notices)

register_notices(app)


def main() -> None:
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except DomainError as exc:
        err.print(f"error: {exc.detail}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # usage errors and the like: one line, never a traceback
        # Typer vendors its own click, so match usage errors by shape rather than by class.
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            err.print(f"error: {exc.format_message()}", markup=False, highlight=False, soft_wrap=True)
            sys.exit(int(exc.exit_code) or 2)
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            err.print(
                "error: database unavailable or not migrated (run `returnhub db upgrade`): "
                f"{str(exc.orig).splitlines()[0]}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            sys.exit(2)
        raise


if __name__ == "__main__":
    main()
