"""`returnhub report`: the table catalogue, and any table for a period as a file; `returnhub statistics`:
the statistics page's kept counts, checked against a recount or refilled."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from returnhub.core import shell


def register(app: typer.Typer) -> None:
    statistics_app = typer.Typer(
        no_args_is_help=True,
        help="The statistics page's kept counts: `statistics check` compares them with a recount, "
        "`statistics rebuild` refills them.",
    )
    app.add_typer(statistics_app, name="statistics")

    @statistics_app.command("rebuild")
    def rebuild(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Refill the statistics page's counts from the case projection (after a restore, a projection
        rebuild, or any write made without the hooks); appends wait until it commits."""
        import time

        from returnhub.statistics import aggregates

        started = time.perf_counter()
        with shell.unit_of_work(shell.runtime().engine) as session:
            result = aggregates.rebuild(session.connection())
        summary = {**result, "seconds": round(time.perf_counter() - started, 2)}
        if as_json:
            shell.print_json(summary)
            return
        shell.err.print(
            f"statistics rebuilt: {result['yearly_rows']:,} yearly counts and {result['hub_day_rows']:,} hub "
            f"days, reflecting {result['events']:,} events, in {summary['seconds']} s",
            markup=False,
            highlight=False,
        )

    @statistics_app.command("check")
    def check(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Compare the kept counts with a recount of the case projection; exit 1 if they differ."""
        from returnhub.statistics import aggregates

        with shell.unit_of_work(shell.runtime().engine, read_only=True) as session:
            state = aggregates.freshness(session)
            kept, counted = aggregates.kept(session), aggregates.recount(session)
        differing = sorted(set(kept) ^ set(counted) | {k for k in kept if kept[k] != counted.get(k)}, key=str)
        ok = state.current and not differing
        if as_json:
            shell.print_json(
                {
                    "ok": ok,
                    "events_counted": state.counted,
                    "events_recorded": state.recorded,
                    "differing_counts": len(differing),
                }
            )
        elif ok:
            shell.err.print(
                f"statistics counts agree with a recount ({state.recorded:,} events)", markup=False
            )
        else:
            shell.err.print(
                f"statistics counts are stale: they reflect {state.counted:,} of {state.recorded:,} events "
                f"and {len(differing):,} differ from a recount; run `returnhub statistics rebuild`",
                markup=False,
                highlight=False,
            )
        if not ok:
            raise typer.Exit(1)

    @app.command("report")
    def report(
        table: Annotated[
            str,
            typer.Argument(
                help="A table from `report list`; `list`; or `monthly` (the PDF for --from's month)."
            ),
        ],
        start: Annotated[str | None, typer.Option("--from", help="First day, e.g. 2026-01-01.")] = None,
        end: Annotated[str | None, typer.Option("--to", help="Last day, e.g. 2026-03-31.")] = None,
        as_at: Annotated[
            str | None, typer.Option("--as-at", help="The record as it stood at the end of this day.")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="csv, xlsx, ods, parquet or pdf.")] = "csv",
        out: Annotated[
            Path | None, typer.Option("--out", help="Write here (default: standard output).")
        ] = None,
        suppress_below: Annotated[
            int, typer.Option("--suppress-below", help="Show counts below this as ':' (0: none).")
        ] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="`list` as JSON.")] = False,
    ) -> None:
        """The statistics tables: `report list` for the catalogue, `report TABLE --from --to` for one."""
        import sys

        from returnhub.core.errors import InvalidInput
        from returnhub.statistics import exports, tables

        if table == "list":
            entries = tables.catalogue()
            if as_json:
                shell.print_json(entries)
                return
            for entry in entries:
                shell.out.print(f"{entry.table}: {entry.title}", markup=False, highlight=False)
                shell.out.print(f"    {entry.description}", markup=False, highlight=False)
                shell.out.print(f"    Source: {entry.source}", markup=False, highlight=False)
            return
        if table == "monthly":
            from returnhub.statistics.pdf import monthly_report

            if out is None:
                raise InvalidInput("the monthly report is a PDF: give --out PATH")
            day = shell.parse_date(start, "--from") or shell.clock().today().replace(day=1)
            with shell.unit_of_work(shell.runtime().engine, read_only=True) as session:
                data = monthly_report(session, day.year, day.month, as_at=shell.parse_date(as_at, "--as-at"))
            out.write_bytes(data)
            shell.err.print(f"monthly report for {day:%B %Y} written to {out}", markup=False, highlight=False)
            return
        spec = tables.table(table)
        fmt = exports.check_format(fmt)
        first = shell.parse_date(start, "--from")
        last = shell.parse_date(end, "--to")
        if first is None or last is None:
            raise InvalidInput("give the period with --from and --to (dates like 2026-01-01)")
        period = tables.Period(first, last, shell.parse_date(as_at, "--as-at"))
        if suppress_below < 0:
            raise InvalidInput("--suppress-below must be 0 or more")
        if fmt in ("xlsx", "ods", "parquet", "pdf") and out is None and sys.stdout.isatty():
            raise InvalidInput(f"a {fmt} file is not for the terminal: give --out PATH")
        with shell.unit_of_work(shell.runtime().engine, read_only=True) as session:
            frame = tables.produce(session, spec.slug, period, suppress_below=suppress_below)
            if fmt == "pdf":
                from returnhub.statistics.pdf import table_pdf

                data = table_pdf(frame, title=tables.title_for(spec, period), source=spec.source)
            else:
                data = exports.to_bytes(frame, fmt, title=tables.title_for(spec, period), sheet=spec.slug)
        if out is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            out.write_bytes(data)
            shell.err.print(
                f"{spec.slug}: {frame.height:,} rows written to {out}", markup=False, highlight=False
            )
