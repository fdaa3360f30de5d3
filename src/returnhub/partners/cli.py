"""``returnhub partners ...`` and ``returnhub hubs ...``: parse, call a service in one unit of work, print.

Mounted by ``register(app)`` from ``returnhub.cli``. Errors are DomainError subclasses, which the main
command prints as one line (exit 2); a failed command writes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from returnhub.core.database import unit_of_work
from returnhub.core.shell import err, out, parse_date, parse_datetime, print_json, runtime
from returnhub.partners import service

partners_app = typer.Typer(no_args_is_help=True, help="Partner countries, negotiations, agreements, hubs.")
hubs_app = typer.Typer(no_args_is_help=True, help="Return hubs: sites, beds and occupancy.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
OnOption = Annotated[str | None, typer.Option("--on", help="Read as of this date (default: today).")]
KnownAtOption = Annotated[
    str | None,
    typer.Option(
        "--known-at", help="Read as the register knew it at this time (default: everything recorded)."
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(partners_app, name="partners")
    app.add_typer(hubs_app, name="hubs")


def _on(value: str | None) -> Any:
    return parse_date(value, "--on") or runtime().clock.today()


def _known_at(value: str | None) -> Any:
    return parse_datetime(value, "--known-at")


def _as_known(known_at: Any) -> str:
    return f", as known at {known_at.isoformat()}" if known_at is not None else ""


@partners_app.command("list")
def partners_list(on: OnOption = None, known_at: KnownAtOption = None, as_json: JsonFlag = False) -> None:
    """Every pipeline: partner, sending state, status on the date with its provenance, agreements, hubs."""
    day, known = _on(on), _known_at(known_at)
    with unit_of_work(runtime().engine, read_only=True) as session:
        rows = service.list_partners(session, day, known)
    if as_json:
        print_json(rows)
        return
    table = Table(
        "partner",
        "sending state",
        f"status on {day}{_as_known(known)}",
        "since",
        "agreements",
        "hubs",
        title="provenance: sourced (a cited source), reported (a report, not confirmed), "
        "illustrative (invented for the demo, not a fact)",
    )
    # Never squeezed out of a narrow terminal: whether a fact is sourced, reported or invented must show.
    table.add_column("provenance", min_width=12, no_wrap=True)
    for r in rows:
        table.add_row(
            f"{r.partner_name} ({r.partner_country})",
            r.sending_state,
            (r.status or "").replace("_", " "),
            str(r.since or ""),
            ", ".join(f"{a} ({p})" for a, p in r.agreement_provenance.items()),
            str(r.hubs),
            r.provenance or "",
        )
    out.print(table)


@partners_app.command("show")
def partners_show(
    country: str, on: OnOption = None, known_at: KnownAtOption = None, as_json: JsonFlag = False
) -> None:
    """One partner country: its pipelines, agreements (terms in force on the date), hubs and assessments."""
    day, known = _on(on), _known_at(known_at)
    with unit_of_work(runtime().engine, read_only=True) as session:
        partner = service.show_partner(session, country, day, known)
    if as_json:
        print_json(partner)
        return
    out.print(f"[bold]{partner.name}[/bold] ({partner.country}) as of {day}{_as_known(known)}")
    for n in partner.negotiations:
        out.print(
            f"\n[bold]Pipeline with {n.sending_state_name}[/bold]: "
            f"{(n.status or 'not started').replace('_', ' ')} ({n.provenance or 'no step yet'})"
        )
        steps = Table("#", "on", "status", "reason", "provenance", "source", "recorded at")
        for s in n.steps:
            steps.add_row(
                str(s.sequence),
                str(s.occurred_on),
                s.status.replace("_", " "),
                s.reason or "",
                s.provenance,
                s.source_url or s.source_title or "",
                str(s.recorded_at),
            )
        out.print(steps)
    for a in partner.agreements:
        terms = a.terms
        out.print(
            f"\n[bold]Agreement {a.reference}[/bold] ({a.provenance}): {a.title}; "
            f"in force on {day}: {'yes' if a.in_force else 'no'}"
            + (" (in the demo only, not a fact)" if a.in_force and a.provenance == "illustrative" else "")
        )
        if terms:
            scope = a.nationalities_in_scope
            out.print(
                f"  terms v{terms.version} from {terms.effective_from} ({terms.provenance}): "
                f"places {terms.places}, "
                f"quota {terms.annual_quota}, max stay {terms.max_stay_days} days, "
                f"scope {'all' if scope is None else ', '.join(scope) or 'nobody'}, "
                f"excluded {', '.join(g.replace('_', ' ') for g in terms.excluded_groups) or 'none'}"
            )
    if partner.hubs:
        hubs = Table("hub", "name", "status", "beds", "provenance", "source")
        for h in partner.hubs:
            hubs.add_row(
                h.reference,
                h.name,
                h.status or "",
                str(h.beds_total),
                h.provenance or "",
                h.source_url or h.source_title or "",
            )
        out.print(hubs)
    for found in partner.assessments:
        verdict = "safe" if found.safe else "UNSAFE"
        unsafe = ", ".join(found.unsafe_for_profiles + found.unsafe_for_nationalities)
        out.print(
            f"\nAssessment by {found.assessing_state} v{found.version} of {found.assessed_on} "
            f"({found.provenance}): {verdict}{f'; unsafe for {unsafe}' if unsafe else ''}"
        )


@partners_app.command("step")
def partners_step(
    country: str,
    sending_state: Annotated[str, typer.Option("--sending-state", help="e.g. GBR")],
    status: Annotated[str, typer.Option("--status", help="in_talks, declined, memorandum_signed, ...")],
    on: Annotated[str, typer.Option("--on", help="The date of the step.")],
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    source_url: Annotated[str | None, typer.Option("--source-url")] = None,
    source_title: Annotated[str | None, typer.Option("--source-title")] = None,
    illustrative: Annotated[bool, typer.Option("--illustrative", help="Not sourced: a demo record.")] = False,
    by: Annotated[str, typer.Option("--by", help="Who records it.")] = "cli",
    as_json: JsonFlag = False,
) -> None:
    """Append a dated step to a pipeline (opening it if this is the first step)."""
    from returnhub.partners.countries import country_code
    from returnhub.partners.schemas import NegotiationIn, parse

    body = parse(
        NegotiationIn,
        {
            "sending_state": sending_state,
            "partner_country": country,
            "status": status,
            "occurred_on": parse_date(on, "--on"),
            "reason": reason,
            "provenance": "illustrative" if illustrative else "sourced",
            "source_url": source_url,
            "source_title": source_title,
        },
    )
    rt = runtime()
    with unit_of_work(rt.engine) as session:
        pair = service.find_negotiation(
            session, country_code(body.sending_state), country_code(body.partner_country)
        )
        if pair is None:
            view = service.open_negotiation(session, body, clock=rt.clock, recorded_by=by)
        else:
            view = service.record_step(session, country, body, clock=rt.clock, recorded_by=by)
    if as_json:
        print_json(view)
    else:
        err.print(f"{view.sending_state}-{view.partner_country}: {view.status} since {view.since}")


@partners_app.command("seed")
def partners_seed(as_json: JsonFlag = False) -> None:
    """Load the demo register (sourced facts and clearly marked illustrative records)."""
    from returnhub.partners.seed import seed_partners

    rt = runtime()
    with unit_of_work(rt.engine) as session:
        result = seed_partners(session, rt.clock)
    if as_json:
        print_json(result)
    elif result["seeded"]:
        err.print(
            f"seeded {result['negotiations']} pipelines, {result['agreements']} agreements, "
            f"{result['hubs']} hubs, {result['assessments']} assessments"
        )
    else:
        err.print(f"not seeded: {result['reason']}")


@partners_app.command("verify")
def partners_verify(as_json: JsonFlag = False) -> None:
    """Recompute the hash chain of the partners change log. Exit 1 if it is broken."""
    from returnhub.partners.changes import verify_changes

    with unit_of_work(runtime().engine, read_only=True) as session:
        report = verify_changes(session)
    if as_json:
        print_json(report.as_dict())
    elif report.ok:
        err.print(f"partner change log intact: {report.changes} changes")
    else:
        err.print(f"partner change log BROKEN at change {report.first_broken_id}: {report.problem}")
    if not report.ok:
        raise typer.Exit(1)


@hubs_app.command("occupancy")
def hubs_occupancy(on: OnOption = None, known_at: KnownAtOption = None, as_json: JsonFlag = False) -> None:
    """Per hub on a date: beds, occupied, free, and where the figures come from."""
    day, known = _on(on), _known_at(known_at)
    with unit_of_work(runtime().engine, read_only=True) as session:
        rows = service.occupancy_on(session, day, known_at=known)
    if as_json:
        print_json(rows)
        return
    table = Table(
        "hub (agreement)",
        "status",
        "beds",
        "occupied",
        "free",
        "counted on",
        title=f"hubs on {day}{_as_known(known)}",
    )
    # Never squeezed out of a narrow terminal: whether a hub is a fact or an invention must show.
    table.add_column("provenance", min_width=12, no_wrap=True)
    for r in rows:
        table.add_row(
            f"{r.hub} ({r.agreement})",
            r.status,
            str(r.beds),
            str(r.occupied),
            str(r.free),
            str(r.counted_on or "no count"),
            r.provenance
            if r.provenance == r.agreement_provenance
            else f"{r.provenance} (agreement: {r.agreement_provenance})",
        )
    out.print(table)
