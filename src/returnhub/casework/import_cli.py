"""`returnhub import`: a legacy export (CSV or XLSX, one row per event), all or nothing, idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from returnhub.core import shell


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_events(
        file: Annotated[Path, typer.Argument(help="A CSV or XLSX file (columns: docs/import.md).")],
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row; write nothing.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    ) -> None:
        """Import events from a legacy export: every bad row is listed, and any bad row writes nothing."""
        from returnhub.casework.imports import import_file, read_table
        from returnhub.core.errors import InvalidInput

        if not file.is_file():
            raise InvalidInput(f"no file at {file}")
        rt = shell.runtime()
        frame = read_table(file)
        with shell.progress_bar() as bar:
            task = bar.add_task("importing", total=frame.height)
            report = import_file(
                rt.engine, frame, clock=rt.clock, dry_run=dry_run, progress=lambda k: bar.advance(task, k)
            )
        result = report.as_dict()
        if as_json:
            shell.print_json(result)
        else:
            for e in report.errors[:50]:
                shell.err.print(
                    f"row {e['row']}, {e['column']}: {e['message']}", markup=False, highlight=False
                )
            if report.bad_rows > 50:
                shell.err.print(f"... and more: {report.bad_rows:,} bad rows in all (--json lists them)")
            done = (
                f"{report.new_rows:,} new (a dry run: nothing written)"
                if dry_run
                else f"imported {report.imported:,}"
            )
            shell.err.print(
                f"{report.rows:,} rows: {done}, {report.already_imported:,} already imported, "
                f"{report.bad_rows:,} bad",
                markup=False,
                highlight=False,
            )
        if report.errors and not dry_run:
            raise typer.Exit(2)
