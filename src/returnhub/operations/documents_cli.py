"""`returnhub documents`: travel documents. Checking an MRZ needs no database, so this module imports none
until a command reads one (the command starts in a fraction of a second)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from returnhub.core import shell

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def register(app: typer.Typer) -> None:
    documents_app = typer.Typer(no_args_is_help=True, help="Travel documents.")
    app.add_typer(documents_app, name="documents")

    def show(value: Any, as_json: bool, title: str) -> None:
        if as_json:
            shell.print_json(value)
        else:
            shell.out.print(title)
            shell.out.print_json(data=value)

    @documents_app.command("check")
    def documents_check(mrz_text: str, as_json: Json = False) -> None:
        """Parse an MRZ (TD1, TD2 or TD3; lines separated by newlines or given as one string)."""
        from returnhub.people.mrz import check_mrz

        result = check_mrz(mrz_text.replace("\\n", "\n"), today=shell.clock().today())
        show(result, as_json, "valid" if result["valid"] else "NOT valid")

    @documents_app.command("etd-times")
    def documents_etd(as_json: Json = False) -> None:
        """How long each country of origin takes to answer emergency travel document requests."""
        from returnhub.operations.documents import etd_response_times

        with shell.unit_of_work(shell.runtime().engine, read_only=True) as s:
            show([r.model_dump() for r in etd_response_times(s)], as_json, "ETD answers by country")
