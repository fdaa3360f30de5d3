"""`returnhub allocate`: plan who goes to which hub on which transfer; explain; approve."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from returnhub.core import shell
from returnhub.core.database import unit_of_work
from returnhub.core.jsonable import plain
from returnhub.operations import planning


class _PlanByDefault(TyperGroup):
    """`returnhub allocate --from D --weeks N` means `returnhub allocate plan --from D --weeks N`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # Typer vendors its own click Context
        # Options of the default command come before any sub-command name, so route them here.
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["plan", *args]
        return super().parse_args(ctx, args)


Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def register(app: typer.Typer) -> None:
    allocate_app = typer.Typer(cls=_PlanByDefault, help="The allocation optimiser (who goes where, when).")
    app.add_typer(allocate_app, name="allocate")

    @allocate_app.command("plan")
    def plan(
        start: Annotated[
            str | None, typer.Option("--from", help="First day of the horizon (default today).")
        ] = None,
        weeks: Annotated[int, typer.Option("--weeks")] = 26,
        save: Annotated[
            bool, typer.Option("--save", help="Store the plan so it can be explained and approved.")
        ] = False,
        by: Annotated[str, typer.Option("--by")] = "cli",
        as_json: Json = False,
    ) -> None:
        """Compute a plan: people placed, objective, proven bound and gap, and the greedy baseline."""
        rt = shell.runtime()
        day = shell.parse_date(start, "--from") or rt.clock.today()
        with unit_of_work(rt.engine, read_only=not save) as s:
            result = planning.compute_plan(
                s,
                start=day,
                weeks=weeks,
                clock=rt.clock,
                created_by=by,
                save=save,
            )
        # A plan not stored has no id: its JSON has no plan_id, as before.
        written = result.model_dump(exclude_unset=True)
        if as_json:
            shell.print_json(written)
        else:
            shell.out.print_json(data=written)

    @allocate_app.command("explain")
    def explain(
        reference: str, plan_id: Annotated[int, typer.Option("--plan")], as_json: Json = False
    ) -> None:
        """Why a person was, or was not, placed by a stored plan."""
        with unit_of_work(shell.runtime().engine, read_only=True) as s:
            result = planning.explain_plan_person(s, plan_id, reference)
        if as_json:
            shell.print_json(result)
        else:
            shell.out.print(result.text)

    @allocate_app.command("approve")
    def approve(
        plan_id: int, by: Annotated[str, typer.Option("--by")] = "cli", as_json: Json = False
    ) -> None:
        """List a stored plan's people on manifests, through the departure gate."""
        rt = shell.runtime()
        with unit_of_work(rt.engine) as s:
            result = planning.approve_plan(s, plan_id, clock=rt.clock, approved_by=by)
        if as_json:
            shell.print_json(result)
        else:
            shell.out.print_json(data=plain(result))
