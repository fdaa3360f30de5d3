"""``returnhub rules list``, ``returnhub explain``, ``returnhub screen`` and ``returnhub review``.

Mounted on the main Typer app by :func:`register`. Each command parses, calls a safeguards service in one
unit of work and prints; user errors are ``DomainError`` (one line on stderr, exit 2).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from returnhub.core import shell
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput

out, err = shell.out, shell.err

PackOption = Annotated[
    str | None, typer.Option("--pack", help="Rule pack: uk or eu (default from settings).")
]
StageOption = Annotated[
    str, typer.Option("--stage", help="hub_referral, manifest_lock, departure or onward_return.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ProposalsOption = Annotated[
    bool,
    typer.Option(
        "--include-proposals",
        help="Also screen the pack's proposals (drafts that are not law): shown, never deciding a move.",
    ),
]


def _pack_name(pack: str | None) -> str:
    return pack or str(shell.runtime().settings.default_pack)


def rules_list(pack: PackOption = None, as_json: JsonOption = False) -> None:
    """Every rule of a pack with its citations, dates and stages."""
    from returnhub.safeguards.service import list_rules

    meta = list_rules(_pack_name(pack))
    if as_json:
        shell.print_json(meta)
        return
    table = Table(
        "id",
        "kind",
        "status",
        "title",
        "stages",
        "in force",
        "citations",
        title=f"{meta['pack']} {meta['version']}",
    )
    for r in meta["rules"]:
        law_of = f" (law of {', '.join(r['law_of'])} only)" if r["law_of"] else ""
        table.add_row(
            r["id"],
            r["kind"],
            r["status"] + law_of,
            r["title"],
            ", ".join(r["stages"]),
            f"{r['in_force_from']} to {r['in_force_to'] or 'now'}",
            "\n".join(f"{c['title']} <{c['href']}>" for c in r["citations"]),
        )
    out.print(table)
    for o in meta["exceptions"]:
        out.print(
            f"exception {o['id']} of {o['rule']} (priority {o['priority']}, {o['outcome']}): {o['title']}"
        )
    excluded = Table("id", "title", "why it is not coded", "source", title="Not coded here, with the reason")
    for x in meta["exclusions"]:
        excluded.add_row(
            x["id"], x["title"], x["reason"], "\n".join(f"{c['title']} <{c['href']}>" for c in x["citations"])
        )
    out.print(excluded)


def explain(
    reference: str,
    pack: PackOption = None,
    stage: StageOption = "hub_referral",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Legal date (default today).")] = None,
    known_at: Annotated[
        str | None, typer.Option("--known-at", help="As the system knew it at this time.")
    ] = None,
    as_json: JsonOption = False,
    include_proposals: ProposalsOption = False,
) -> None:
    """Why a case is eligible, barred or waiting for review: rule by rule, with facts and sources."""
    from returnhub.safeguards.service import evaluate_case

    rt = shell.runtime()
    with unit_of_work(rt.engine, read_only=True) as session:
        explanation = evaluate_case(
            session,
            reference.upper(),
            pack=_pack_name(pack),
            stage=stage,
            as_of=shell.parse_date(as_of, "--as-of"),
            known_at=shell.parse_datetime(known_at, "--known-at"),
            clock=rt.clock,
            include_proposals=include_proposals,
        )
    if as_json:
        shell.print_json(explanation.as_dict())
        return
    out.print(
        f"[bold]{explanation.reference}[/bold] at {explanation.stage} on {explanation.as_of}: "
        f"[bold]{explanation.outcome}[/bold]  ({explanation.pack_version})"
    )
    table = Table("rule", "outcome", "reason", "source")
    for r in explanation.rules:
        review = f" [{r.review['status']}]" if r.review and r.review.get("status") else ""
        table.add_row(r.id, r.outcome + review, r.reason, r.citations[0]["href"] if r.citations else "")
    out.print(table)
    if explanation.proposal_note:
        out.print(f"Proposals: {explanation.proposal_note}")


def screen(
    pack: PackOption = None,
    stage: StageOption = "hub_referral",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Legal date (default today).")] = None,
    store: Annotated[bool, typer.Option("--store", help="Store the result (as POST /screenings).")] = False,
    as_json: JsonOption = False,
    include_proposals: ProposalsOption = False,
) -> None:
    """Screen the whole caseload: how many are eligible, waiting for review or barred, and by which rule."""
    from returnhub.safeguards.service import run_screening
    from returnhub.safeguards.service import screen as screen_caseload

    rt = shell.runtime()
    on: date = shell.parse_date(as_of, "--as-of") or rt.clock.today()
    summary: dict[str, Any]
    if store and include_proposals:
        # A stored screening is the record the review queue reads: it holds law only.
        raise InvalidInput("--include-proposals cannot be stored: a proposal is not law")
    with unit_of_work(rt.engine, read_only=not store) as session:
        if store:
            row = run_screening(
                session, pack=_pack_name(pack), stage=stage, as_of=on, clock=rt.clock, created_by="cli"
            )
            from returnhub.core.jsonable import plain
            from returnhub.safeguards.service import screening_summary

            # The stored screening's headline, printed as the live one is (a dict, without its rules).
            summary = plain(screening_summary(row))
            summary.pop("rules")
        else:
            summary = screen_caseload(
                session, pack=_pack_name(pack), stage=stage, as_of=on, include_proposals=include_proposals
            ).summary
    if as_json:
        shell.print_json(summary)
        return
    out.print(
        f"{summary['cases']:,} cases on {on}: {summary['eligible']:,} eligible, "
        f"{summary['review']:,} review, "
        f"{summary['barred']:,} barred ({summary['seconds']} s)"
    )
    table = Table("rule", "barred or waiting for review")
    for rule_id, n in summary["by_rule"].items():
        table.add_row(rule_id, f"{n:,}")
    out.print(table)
    if "barred_under_proposals" in summary:
        out.print(
            f"{summary['barred_under_proposals']:,} more would be barred under the proposals "
            "(drafts that are not law: they stop no move)"
        )


def review(
    reference: str,
    rule: str,
    decision: Annotated[str, typer.Option("--decision", help="approve or refuse.")],
    reasoning: Annotated[str, typer.Option("--reasoning", help="Why (kept with the decision).")],
    by: Annotated[str, typer.Option("--by", help="The senior caseworker deciding.")],
    pack: PackOption = None,
    stage: StageOption = "hub_referral",
    agreement: Annotated[str | None, typer.Option("--agreement", help="For a per-agreement rule.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a senior caseworker's decision on a rule that sent the case for review."""
    from returnhub.safeguards.service import record_review_decision

    rt = shell.runtime()
    with unit_of_work(rt.engine) as session:
        result = record_review_decision(
            session,
            reference.upper(),
            rule=rule,
            decision=decision,
            reasoning=reasoning,
            decided_by=by,
            pack=_pack_name(pack),
            stage=stage,
            agreement=agreement,
            clock=rt.clock,
        )
    summary = {
        "reference": reference.upper(),
        "rule": rule,
        "decision": decision,
        "sequence": result.sequence,
        "facts_fingerprint": result.state.review_decisions[-1].facts_fingerprint,
    }
    if as_json:
        shell.print_json(summary)
    else:
        err.print(f"recorded {decision} on {rule} for {summary['reference']} as event {result.sequence}")


def register(app: typer.Typer) -> None:
    """Mount the safeguards commands on the main app."""
    rules_app = typer.Typer(no_args_is_help=True, help="The rule packs.")
    rules_app.command("list")(rules_list)
    app.add_typer(rules_app, name="rules")
    app.command("explain")(explain)
    app.command("screen")(screen)
    app.command("review")(review)
