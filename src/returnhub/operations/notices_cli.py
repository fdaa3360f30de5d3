"""``returnhub notices sweep``: notices for hub-stay clocks that have run out.

The clocks are operations', so the command lives here; the composition root (``returnhub.cli``,
``JOINED_COMMANDS``) mounts it under ``notices``, where people look for it, and notices imports nothing of
operations. Operations' services are imported when the sweep runs, so every other ``notices`` command (the
sender among them) starts without them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from returnhub.core import shell
from returnhub.core.database import unit_of_work

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def notices_sweep(as_json: Json = False) -> None:
    """Notices for hub-stay clocks that have run out (idempotent: run it as often as you like)."""
    from returnhub.operations.stays import sweep  # when run only (above)

    rt = shell.runtime()
    with unit_of_work(rt.engine) as s:
        counts = sweep(s, clock=rt.clock)
    shell.print_json(counts) if as_json else shell.out.print(
        f"{counts['stay_overdue']} stay notices and {counts['validation_overdue']} validation notices written"
    )
