"""The ``returnhub`` command. It only translates: parse, call a service in one unit of work, print.

Errors a user can cause print one line on stderr and exit 2; nothing is written.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from returnhub.core.errors import DomainError, InvalidInput
from returnhub.core.shell import (
    err,
    on_runtime,
    out,
    parse_date,
    parse_datetime,
    parse_time_of_day,
    print_json,
    progress_bar,
    runtime,
    unit_of_work,
)
from returnhub.core.shell import (
    set_runtime as set_runtime,  # tests and embedding code inject their runtime here
)

if TYPE_CHECKING:
    from returnhub.core.crypto import FieldCipher
    from returnhub.core.runtime import Runtime

#: The contexts' commands, imported only when one of them runs: the database, Polars, OR-Tools and the web
#: stack take seconds to import, and `returnhub --help` or `documents check` need none of them.
#: name -> (module with ``register(app)`` or a Typer ``app``, the one-line help shown by ``--help``).
#: tests/test_cli_start.py checks this table against what each module registers.
CONTEXT_COMMANDS: dict[str, tuple[str, str]] = {
    "partners": ("returnhub.partners.cli", "Partner countries, negotiations, agreements, hubs."),
    "hubs": ("returnhub.partners.cli", "Return hubs: sites, beds and occupancy."),
    "rules": ("returnhub.safeguards.cli", "The rule packs."),
    "explain": (
        "returnhub.safeguards.cli",
        "Why a case is eligible, barred or waiting for review: rule by rule, with facts and sources.",
    ),
    "screen": (
        "returnhub.safeguards.cli",
        "Screen the whole caseload: how many are eligible, waiting for review or barred, and by which rule.",
    ),
    "review": (
        "returnhub.safeguards.cli",
        "Record a senior caseworker's decision on a rule that sent the case for review.",
    ),
    "transfers": ("returnhub.operations.cli", "Transfers to hubs, manifests and the departure gate."),
    "stays": ("returnhub.operations.cli", "Hub stays and their clocks."),
    "documents": ("returnhub.operations.documents_cli", "Travel documents."),
    "incidents": ("returnhub.operations.cli", "Serious incidents."),
    "allocate": ("returnhub.operations.planning_cli", "The allocation optimiser (who goes where, when)."),
    "simulate": (
        "returnhub.simulation.cli",
        "Policy simulator: what return hubs would do to backlogs, costs and removals.",
    ),
    "users": ("returnhub.access.cli", "Accounts: add, list, represent a client, unlock."),
    "subject": ("returnhub.access.cli", "Data-subject rights: everything held on a person."),
    "retention": ("returnhub.access.cli", "Retention rules and what they would erase."),
    "keys": ("returnhub.access.cli", "Keys that encrypt special-category fields."),
    "notices": (
        "returnhub.notices.cli",
        "Notices to people: inbox, email outbox, local mailbox.",
    ),
    "statistics": (
        "returnhub.statistics.cli",
        "The statistics page's kept counts: `statistics check` compares them with a recount, "
        "`statistics rebuild` refills them.",
    ),
    "report": (
        "returnhub.statistics.cli",
        "The statistics tables: `report list` for the catalogue, `report TABLE --from --to` for one.",
    ),
    "import": (
        "returnhub.casework.import_cli",
        "Import events from a legacy export: every bad row is listed, and any bad row writes nothing.",
    ),
}


#: Commands that join two contexts, mounted by this root under the group people look for them in, so
#: neither context imports the other: ``notices sweep`` writes notices for operations' run-out stay clocks.
JOINED_COMMANDS: dict[str, list[tuple[str, str, str]]] = {
    "notices": [("sweep", "returnhub.operations.notices_cli", "notices_sweep")],
}


def context_commands(module_name: str) -> dict[str, Any]:
    """The click commands a context's CLI module mounts (its ``register(app)``, or its ``app``), with the
    joined commands (``JOINED_COMMANDS``) added to their groups."""
    module = importlib.import_module(module_name)
    holder = typer.Typer()
    if hasattr(module, "register"):
        module.register(holder)
    else:
        name = next(n for n, (m, _) in CONTEXT_COMMANDS.items() if m == module_name)
        holder.add_typer(module.app, name=name)
    commands = dict(typer.main.get_group(holder).commands)
    for group, joined in JOINED_COMMANDS.items():
        if group in commands:
            for name, source, function in joined:
                callback = getattr(importlib.import_module(source), function)
                command = typer.main.get_command_from_info(
                    typer.models.CommandInfo(name=name, callback=callback),
                    pretty_exceptions_short=True,
                    rich_markup_mode=None,
                )
                commands[group].add_command(command, name)  # type: ignore[attr-defined]
    return commands


class _ContextCommands(TyperGroup):
    """The root group: this module's own commands, and each context's imported the first time it is used."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(n for n in CONTEXT_COMMANDS if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in CONTEXT_COMMANDS:
            return self.commands.get(cmd_name)
        module_name, summary = CONTEXT_COMMANDS[cmd_name]
        if self._listing:  # the root help lists commands by their summary, without importing them
            return TyperCommand(cmd_name, help=summary)
        for name, command in context_commands(module_name).items():
            self.commands.setdefault(name, command)
        return self.commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    cls=_ContextCommands,
    # Rich tracebacks cost an import on every start, and main() never shows a traceback anyway.
    pretty_exceptions_enable=False,
    # The root help in plain text: Rich's help renderer costs a third of a second to import.
    rich_markup_mode=None,
    no_args_is_help=True,
    add_completion=False,
    help="returnhub: the return-hub scheme, end to end.",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
case_app = typer.Typer(no_args_is_help=True, help="The case register.")
person_app = typer.Typer(no_args_is_help=True, help="Register real people (each a new case).")
audit_app = typer.Typer(no_args_is_help=True, help="Verify the hash chains.")
projection_app = typer.Typer(no_args_is_help=True, help="The case projection.")
app.add_typer(db_app, name="db")
app.add_typer(case_app, name="case")
app.add_typer(person_app, name="person")
app.add_typer(audit_app, name="audit")
app.add_typer(projection_app, name="projection")


def _wire_the_gate() -> None:
    """The command line's composition root: the departure gate wired into casework (a new event) and
    partners (a register change), which must not import operations themselves. Run by every ``runtime()``,
    and imported only then, so that a command with no database imports none of it."""
    from returnhub.operations.transfers import register_hooks
    from returnhub.statistics.aggregates import register_hooks as keep_statistics

    register_hooks()
    keep_statistics()  # the statistics page's counts change with each append and bulk load


on_runtime(_wire_the_gate)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations to the configured database."""
    from returnhub.core.migrate import upgrade

    upgrade(runtime().settings.database_url, revision)
    err.print(f"database at revision {revision}")


def proxy_options(trusted: str | None, proxy_headers: bool | None) -> dict[str, Any]:
    """uvicorn's options for the forwarded-address headers (its ProxyHeadersMiddleware reads them): believed
    only from the proxies named, or from 127.0.0.1 with a bare ``--proxy-headers``; with no proxy named they
    are off, not uvicorn's default of trusting 127.0.0.1, which would let anything on the host pick its own
    address under the sign-in throttle."""
    if proxy_headers is None:
        proxy_headers = trusted is not None
    if not proxy_headers:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted or "127.0.0.1"}


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    proxy_headers: Annotated[
        bool | None,
        typer.Option(
            "--proxy-headers/--no-proxy-headers",
            help="Take the client's address from X-Forwarded-For (and the scheme from X-Forwarded-Proto) "
            "when the request comes from a trusted proxy. Default: on if trusted proxies are named.",
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="The trusted proxies: comma-separated addresses or networks, '*' for any "
            "(default RETURNHUB_FORWARDED_ALLOW_IPS; 127.0.0.1 with a bare --proxy-headers).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Worker processes. From 2, a supervising process starts them and starts a new one at once "
            "if one dies (killed, out of memory), so the server comes back by itself.",
        ),
    ] = 1,
) -> None:
    """Serve the web app and the API."""
    import uvicorn

    if workers > 1:
        from returnhub.core.settings import Settings

        # The supervisor opens no database: the trusted proxies come from the settings alone.
        proxy = proxy_options(forwarded_allow_ips or Settings().forwarded_allow_ips, proxy_headers)
        # uvicorn's own supervisor (its multiprocess manager) watches the workers and replaces a dead one;
        # each worker builds its app from the settings, so the supervisor itself opens no database.
        from returnhub.web.serving import run_workers

        config = uvicorn.Config(
            "returnhub.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            **proxy,
        )
        run_workers(config)  # uvicorn's supervisor, with TCP_NODELAY on the connections (web/serving.py)
        return
    from returnhub.web.app import create_app

    rt = runtime()
    proxy = proxy_options(forwarded_allow_ips or rt.settings.forwarded_allow_ips, proxy_headers)
    uvicorn.run(create_app(rt), host=host, port=port, log_level="info", **proxy)


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
        # A seed killed after the people but before the users left a demo no one could sign in to: finish
        # the steps after the people (each does nothing if its part is there).
        finished = _finish_demo(rt)
        if finished:
            err.print("finished what an interrupted seed left undone: " + "; ".join(finished))
        return
    if existing and not append:
        raise InvalidInput(f"database already holds {existing:,} cases; use --append to add more")
    started = time.perf_counter()
    reviews = 0
    users: list[str] = []
    # Named phases, each its own bar that moves with the work: the write commits in chunks small enough
    # (about a twentieth of the run, within the configured maximum) that the bar advances as it goes.
    chunk = min(rt.settings.seed_chunk_persons, max(5_000, n // 20))
    with progress_bar() as bar:
        generating = bar.add_task("generating people", total=1)
        population = generate_population(n, s, today=rt.clock.today())
        bar.update(generating, completed=1)
        writing = bar.add_task("writing cases", total=n)
        written = load_population(
            rt.engine,
            population.persons,
            population.events,
            clock=rt.clock,
            chunk_persons=chunk,
            progress=lambda k: bar.advance(writing, k),
        )
        from returnhub.partners.seed import seed_partners

        partners = bar.add_task("partners and hubs", total=1)
        with unit_of_work(rt.engine) as session:
            # The demo needs partners, agreements and hubs too; this does nothing if the register has data.
            seed_partners(session, rt.clock)
        bar.update(partners, completed=1)
        if not append:
            from returnhub.demo import seed_demo_reviews, seed_demo_users

            demo = bar.add_task("demo reviews and users", total=2)
            with unit_of_work(rt.engine) as session:
                reviews = seed_demo_reviews(session, rt.clock)
            bar.advance(demo, 1)
            with unit_of_work(rt.engine) as session:
                users = seed_demo_users(session, rt.clock, environment=rt.settings.environment)
            bar.advance(demo, 1)
    if not append:
        err.print(f"recorded {reviews:,} synthetic senior-caseworker reviews (R12P) for the demo")
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


def _finish_demo(rt: Runtime) -> list[str]:
    from returnhub.access.service import has_users
    from returnhub.casework.events import EventType
    from returnhub.casework.queries import any_event_of_type
    from returnhub.demo import seed_demo_reviews, seed_demo_users
    from returnhub.partners.seed import seed_partners

    done: list[str] = []
    with unit_of_work(rt.engine) as session:
        seed_partners(session, rt.clock)  # nothing if the register has data
    with unit_of_work(rt.engine, read_only=True) as session:
        users_exist = has_users(session)
        reviews_exist = any_event_of_type(session, EventType.REVIEW_DECIDED)
    if users_exist:
        return done
    if not reviews_exist:
        with unit_of_work(rt.engine) as session:
            done.append(f"{seed_demo_reviews(session, rt.clock):,} demo reviews")
    with unit_of_work(rt.engine) as session:
        users = seed_demo_users(session, rt.clock, environment=rt.settings.environment)
    if users:
        done.append(
            "demo users (password returnhub-demo-<role>, e.g. returnhub-demo-caseworker): " + ", ".join(users)
        )
    return done


@case_app.command("list")
def case_list(
    status: Annotated[str | None, typer.Option("--status")] = None,
    nationality: Annotated[
        str | None, typer.Option("--nationality", help="A country's name or its code (Egypt, EG, EGY).")
    ] = None,
    reference: Annotated[str | None, typer.Option("--reference")] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Any part of a name, case and accents folded.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit")] = 20,
    after: Annotated[
        str | None, typer.Option("--after", help="Cursor: the last reference of the previous page.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List cases from the projection."""
    from rich.table import Table

    from returnhub.casework.queries import search_cases
    from returnhub.partners.countries import country_code

    code = country_code(nationality, "nationality") if nationality else None
    with unit_of_work(runtime().engine, read_only=True) as session:
        rows = search_cases(
            session,
            status=status,
            nationality=code,
            reference=reference,
            name=name,
            limit=limit,
            after=after,
        )
    if as_json:
        print_json(rows)
        return
    table = Table("reference", "name", "nationality", "status", "ARE on")
    for r in rows:
        table.add_row(
            r.reference,
            r.name,
            r.nationality,
            r.status,
            r.appeal_rights_exhausted_on.isoformat() if r.appeal_rights_exhausted_on else "",
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
    from rich.table import Table

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
    ident = case.identity
    out.print(
        f"[bold]{case.reference}[/bold]  {ident.given_name} {ident.family_name}  "
        f"born {ident.date_of_birth}  {ident.nationality}  status: [bold]{case.status}[/bold]"
    )
    table = Table("#", "occurred on", "event", "details", "recorded at")
    for e in case.timeline:
        table.add_row(
            str(e.sequence),
            e.occurred_on.isoformat(),
            e.type,
            json.dumps(e.data),
            e.recorded_at.isoformat()[:19],
        )
    out.print(table)


@case_app.command("record")
def case_record(
    reference: str,
    event_type: Annotated[str, typer.Option("--type", help="Event type, e.g. rule39_granted.")],
    on: Annotated[str, typer.Option("--on", help="The date it happened in law.")],
    data: Annotated[str | None, typer.Option("--data", help="The payload as JSON.")] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="The time of day it happened, like 21:30+01:00 (UTC when no offset is given), when known: "
            "the gate compares instants.",
        ),
    ] = None,
    expected_version: Annotated[int | None, typer.Option("--expected-version")] = None,
    by: Annotated[str, typer.Option("--by", help="Who records it.")] = "cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Append one legal event to a case."""
    from returnhub.casework.store import append_event

    occurred_on = parse_date(on, "--on")
    assert occurred_on is not None
    occurred_at = parse_time_of_day(at, occurred_on, "--at")
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
            occurred_at=occurred_at,
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


@person_app.command("add")
def person_add(
    given_name: Annotated[str, typer.Option("--given", help="Given name(s).")],
    family_name: Annotated[str, typer.Option("--family", help="Family name.")],
    born: Annotated[str, typer.Option("--born", help="Date of birth, like 1990-01-31.")],
    sex: Annotated[str, typer.Option("--sex", help="M, F or X.")],
    nationality: Annotated[str, typer.Option("--nationality", help="Country name or code, like Albania.")],
    language: Annotated[list[str] | None, typer.Option("--language", help="ISO 639 code; repeat.")] = None,
    mrz: Annotated[
        list[str] | None,
        typer.Option("--mrz", help="A passport's machine-readable zone (lines separated by '\\n'); repeat."),
    ] = None,
    document: Annotated[
        list[str] | None,
        typer.Option(
            "--document",
            help='An identity document as JSON, like {"document_type": "national_identity_card", '
            '"document_number": "X1", "issuing_state": "Albania"}; repeat.',
        ),
    ] = None,
    family: Annotated[
        list[str] | None, typer.Option("--family-member", help="Reference of a registered family member.")
    ] = None,
    confirm_duplicate: Annotated[
        bool, typer.Option("--confirm-duplicate", help="Register although a likely duplicate exists.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Register a person: names, date of birth, nationality, identity documents and family links."""
    from returnhub.casework.intake import parse_person, register_person

    documents: list[dict[str, Any]] = []
    for text in document or []:
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"--document is not valid JSON: {exc.msg} at character {exc.pos}") from None
        if not isinstance(parsed, dict):
            raise InvalidInput("--document must be a JSON object")
        documents.append(parsed)
    documents += [{"document_type": "passport", "mrz": m.replace("\\n", "\n")} for m in mrz or []]
    body = parse_person(
        {
            "given_name": given_name,
            "family_name": family_name,
            "date_of_birth": born,
            "sex": sex.upper(),
            "nationality": nationality,
            "languages": language or [],
            "documents": documents,
            "family": family or [],
            "confirm_duplicate": confirm_duplicate,
        }
    )
    rt = runtime()
    with unit_of_work(rt.engine) as session:
        result = register_person(session, body, clock=rt.clock)
    if as_json:
        print_json(result)
    else:
        err.print(
            f"registered {result['reference']}: {result['given_name']} {result['family_name']}, "
            f"born {result['date_of_birth']}, {result['nationality_name']}"
        )


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="The file to write (it must not exist).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Write a consistent copy of the database while it runs (SQLite online backup; pg_dump)."""
    from returnhub.core.backup import backup as write_backup

    result = write_backup(runtime().settings.database_url, path)
    if as_json:
        print_json(result)
    else:
        err.print(
            f"backed up the {result['database']} database to {result['backup']} ({result['bytes']:,} bytes)"
        )


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A file written by `returnhub backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: the database's content is replaced.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Replace the database's content with a backup (then run `returnhub audit verify`)."""
    from returnhub.core.backup import restore as read_backup

    if not yes:
        raise InvalidInput("restore replaces everything in the database: add --yes to confirm")
    result = read_backup(runtime().settings.database_url, path)
    if as_json:
        print_json(result)
    else:
        err.print(f"restored the {result['database']} database from {result['restored']}")


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
            detail = str(exc.orig).splitlines()[0]
            if getattr(exc.orig, "sqlstate", None) == "53100" or "disk is full" in detail:
                # SQLite's SQLITE_FULL, PostgreSQL's disk_full: the advice to migrate would mislead.
                err.print(
                    f"error: the database's disk is full ({detail}); what was not committed was rolled "
                    "back: make room and run the command again",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
                sys.exit(2)
            err.print(
                f"error: database unavailable or not migrated (run `returnhub db upgrade`): {detail}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            sys.exit(2)
        raise


if __name__ == "__main__":
    main()
