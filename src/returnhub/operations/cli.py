"""`returnhub transfers|stays|incidents`: translate to operations services, print."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from returnhub.core import shell
from returnhub.core.database import unit_of_work
from returnhub.core.jsonable import plain
from returnhub.operations import incidents, stays, transfers
from returnhub.operations.law import law_name

# Module-level aliases: Typer resolves the (postponed) annotations against the module's globals.
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Version = Annotated[int | None, typer.Option("--expected-version", help="The version you last read.")]
By = Annotated[str, typer.Option("--by", help="Who does it.")]


def register(app: typer.Typer) -> None:
    transfers_app = typer.Typer(
        no_args_is_help=True, help="Transfers to hubs, manifests and the departure gate."
    )
    stays_app = typer.Typer(no_args_is_help=True, help="Hub stays and their clocks.")
    incidents_app = typer.Typer(no_args_is_help=True, help="Serious incidents.")
    app.add_typer(transfers_app, name="transfers")
    app.add_typer(stays_app, name="stays")
    app.add_typer(incidents_app, name="incidents")

    def show(value: Any, as_json: bool, title: str) -> None:
        if as_json:
            shell.print_json(value)
        else:
            shell.out.print(title)
            shell.out.print_json(data=plain(value))

    @transfers_app.command("list")
    def transfers_list(
        status: Annotated[str | None, typer.Option("--status")] = None, as_json: Json = False
    ) -> None:
        """Transfers by departure time."""
        with unit_of_work(shell.runtime().engine, read_only=True) as s:
            rows = transfers.list_transfers(s, status=status)
        if as_json:
            shell.print_json(rows)
            return
        table = Table("reference", "hub", "law", "departs", "status", "load", "seats", "min", "flag")
        for r in rows:
            table.add_row(
                r.reference,
                r.hub,
                law_name(r.law),
                r.departs_at.isoformat()[:16],
                r.status,
                str(r.load),
                str(r.seats),
                str(r.min_load),
                "FLAGGED" if r.flagged_for_decision else "",
            )
        shell.out.print(table)

    @transfers_app.command("show")
    def transfers_show(reference: str, as_json: Json = False) -> None:
        """A transfer with its manifest and the gate's results."""
        with unit_of_work(shell.runtime().engine, read_only=True) as s:
            view = transfers.show_transfer(s, reference)
        show(view, as_json, f"transfer {view.reference}")

    @transfers_app.command("create")
    def transfers_create(
        hub: Annotated[str, typer.Option("--hub")],
        departs_at: Annotated[str, typer.Option("--departs-at", help="e.g. 2026-07-01T18:00Z")],
        seats: Annotated[int, typer.Option("--seats")],
        min_load: Annotated[int, typer.Option("--min-load")],
        mode: Annotated[str, typer.Option("--mode")] = "charter_flight",
        escorts: Annotated[int, typer.Option("--escorts")] = 0,
        monitor: Annotated[bool, typer.Option("--monitor-on-board")] = False,
        by: By = "cli",
        as_json: Json = False,
    ) -> None:
        """Plan a transfer to an operational hub."""
        rt = shell.runtime()
        when = shell.parse_datetime(departs_at, "--departs-at")
        assert when is not None
        with unit_of_work(rt.engine) as s:
            t = transfers.create_transfer(
                s,
                hub=hub,
                mode=mode,
                departs_at=when,
                seats=seats,
                min_load=min_load,
                escorts=escorts,
                monitor_on_board=monitor,
                clock=rt.clock,
                created_by=by,
            )
            view = transfers.transfer_view(s, t)
        show(view, as_json, f"planned {view.reference}")

    @transfers_app.command("add")
    def transfers_add(
        transfer: str, reference: str, version: Version = None, by: By = "cli", as_json: Json = False
    ) -> None:
        """List a person (and their family) on a planned transfer, through the gate."""
        rt = shell.runtime()
        with unit_of_work(rt.engine) as s:
            outcomes = transfers.add_to_manifest(
                s, transfer, reference, clock=rt.clock, recorded_by=by, expected_version=version
            )
        show(outcomes, as_json, f"listed on {transfer.upper()}")

    @transfers_app.command("remove")
    def transfers_remove(
        transfer: str,
        reference: str,
        reason: Annotated[str, typer.Option("--reason")],
        by: By = "cli",
        as_json: Json = False,
    ) -> None:
        """Take a person (and their family) off a manifest."""
        rt = shell.runtime()
        with unit_of_work(rt.engine) as s:
            removed = transfers.remove_person(s, transfer, reference, reason, clock=rt.clock, recorded_by=by)
        show(removed, as_json, "taken off")

    @transfers_app.command("lock")
    def transfers_lock(transfer: str, version: Version = None, by: By = "cli", as_json: Json = False) -> None:
        """Lock the manifest: re-check every safeguard for everyone on it."""
        rt = shell.runtime()
        with unit_of_work(rt.engine) as s:
            result = transfers.lock_manifest(
                s, transfer, clock=rt.clock, recorded_by=by, expected_version=version
            )
        show(result, as_json, f"locked {result.transfer}")

    @transfers_app.command("depart")
    def transfers_depart(
        transfer: str,
        version: Version = None,
        accept_under_minimum: Annotated[bool, typer.Option("--accept-under-minimum")] = False,
        by: By = "cli",
        as_json: Json = False,
    ) -> None:
        """Depart: re-check everyone; only people who pass are recorded as departed."""
        rt = shell.runtime()
        with unit_of_work(rt.engine) as s:
            result = transfers.depart(
                s,
                transfer,
                clock=rt.clock,
                recorded_by=by,
                expected_version=version,
                accept_under_minimum=accept_under_minimum,
            )
        show(
            result,
            as_json,
            f"{result.transfer}: {'departed' if result.departed else 'NOT departed'}",
        )
        if not result.departed:
            raise typer.Exit(1)

    @transfers_app.command("arrive")
    def transfers_arrive(
        transfer: str, version: Version = None, by: By = "cli", as_json: Json = False
    ) -> None:
        """Record arrival at the hub and open each person's stay."""
        rt = shell.runtime()
        with unit_of_work(rt.engine) as s:
            result = transfers.arrive(s, transfer, clock=rt.clock, recorded_by=by, expected_version=version)
        show(result, as_json, f"arrived {transfer.upper()}")

    @transfers_app.command("cancel")
    def transfers_cancel(
        transfer: str,
        reason: Annotated[str, typer.Option("--reason")],
        version: Version = None,
        by: By = "cli",
        as_json: Json = False,
    ) -> None:
        """Cancel a planned or locked transfer; everyone on it is taken off with the reason."""
        rt = shell.runtime()
        with unit_of_work(rt.engine) as s:
            result = transfers.cancel(
                s, transfer, reason, clock=rt.clock, recorded_by=by, expected_version=version
            )
        show(result, as_json, f"cancelled {transfer.upper()}")

    @stays_app.command("overdue")
    def stays_overdue(on: Annotated[str | None, typer.Option("--on")] = None, as_json: Json = False) -> None:
        """Hub-stay clocks that have run out (maximum stay, detention order, judicial validation)."""
        rt = shell.runtime()
        day = shell.parse_date(on, "--on") or rt.clock.today()
        with unit_of_work(rt.engine, read_only=True) as s:
            rows = stays.overdue(s, day)
        if as_json:
            shell.print_json(rows)
            return
        table = Table("reference", "hub", "clock", "due on", "days over")
        for r in rows:
            table.add_row(r.reference, r.hub, r.clock, r.due_on.isoformat(), str(-r.days_left))
        shell.out.print(table)

    @stays_app.command("clocks")
    def stays_clocks(on: Annotated[str | None, typer.Option("--on")] = None, as_json: Json = False) -> None:
        """Every running clock, overdue first."""
        rt = shell.runtime()
        day = shell.parse_date(on, "--on") or rt.clock.today()
        with unit_of_work(rt.engine, read_only=True) as s:
            show(stays.clocks_on(s, day), as_json, "clocks")

    @stays_app.command("exit")
    def stays_exit(
        reference: str,
        reason: Annotated[str, typer.Option("--reason")],
        on: Annotated[str | None, typer.Option("--on")] = None,
        destination: Annotated[str | None, typer.Option("--destination")] = None,
        by: By = "cli",
        as_json: Json = False,
    ) -> None:
        """Record a person leaving a hub."""
        rt = shell.runtime()
        day = shell.parse_date(on, "--on") or rt.clock.today()
        with unit_of_work(rt.engine) as s:
            show(
                stays.record_exit(
                    s, reference, reason, on=day, clock=rt.clock, recorded_by=by, destination=destination
                ),
                as_json,
                "exit recorded",
            )

    @incidents_app.command("list")
    def incidents_list(as_json: Json = False) -> None:
        """Serious incidents, newest first."""
        with unit_of_work(shell.runtime().engine, read_only=True) as s:
            show(incidents.list_incidents(s), as_json, "incidents")
