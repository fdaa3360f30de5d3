"""The command line's shell helpers, shared by every context's CLI: the consoles, the runtime, one unit of
work per command, one-line errors, JSON out, dates in.

Here rather than in ``returnhub.cli`` (the composition root, which imports every context's commands) so that
a context's CLI imports no other context through its helpers. The root wires the departure gate in by
:func:`on_runtime`; this module knows no context.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import is_dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import typer

from returnhub.core.errors import InvalidInput

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from rich.console import Console
    from rich.progress import Progress
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from returnhub.core.clock import Clock
    from returnhub.core.runtime import Runtime


class _Console:
    """A Rich console made on first use: importing Rich costs a start that prints nothing."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._made: Console | None = None

    def console(self) -> Console:
        if self._made is None:
            from rich.console import Console

            self._made = Console(stderr=self._stderr)
        return self._made

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console(), name)


err = _Console(stderr=True)
out = _Console(stderr=False)

_runtime: Runtime | None = None
#: Called by every :func:`runtime`: the composition root's wiring (the departure gate's hooks).
_composers: list[Callable[[], None]] = []


def on_runtime(compose: Callable[[], None]) -> None:
    """The composition root (``returnhub.cli``) wires what the contexts must not import themselves."""
    if compose not in _composers:
        _composers.append(compose)


def runtime() -> Runtime:
    """The database and the clock, for a command that records or reads the record.

    Wired here rather than at start so that a command with no database (``--help``, ``documents check``)
    imports none of it."""
    global _runtime
    for compose in _composers:
        compose()
    if _runtime is None:
        from returnhub.core.runtime import Runtime

        _runtime = Runtime.from_settings()
    return _runtime


def clock() -> Clock:
    """Today for commands that need no database: the injected runtime's clock, else the system's."""
    if _runtime is not None:
        return _runtime.clock
    from returnhub.core.clock import SystemClock

    return SystemClock()


def set_runtime(value: Runtime | None) -> None:
    """Tests and embedding code inject their own runtime (database, clock)."""
    global _runtime
    _runtime = value


def unit_of_work(engine: Engine, *, read_only: bool = False) -> AbstractContextManager[Session]:
    """One transaction per command (``core.database.unit_of_work``), imported when a command needs it."""
    from returnhub.core.database import unit_of_work as transaction

    return transaction(engine, read_only=read_only)


def fail(message: str, code: int = 2) -> None:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _encode(value: Any) -> Any:
    if hasattr(value, "model_dump") or is_dataclass(value):  # a typed view: as the record writes it
        from returnhub.core.jsonable import plain

        return plain(value)
    return str(value)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, default=_encode, ensure_ascii=False) + "\n")


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


def parse_time_of_day(value: str | None, on: date, name: str) -> datetime | None:
    """A time of day on ``on`` (``21:30``, ``21:30+01:00``), or a whole date-time; UTC without an offset."""
    if value is None:
        return None
    from datetime import UTC, time

    if "T" in value:
        return parse_datetime(value, name)
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a time of day like 21:30 or 21:30+01:00, not {value!r}") from None
    return datetime.combine(on, parsed.replace(tzinfo=parsed.tzinfo or UTC))


def progress_bar() -> Progress:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err.console(),
        transient=False,  # the finished phases stay on screen, so the run reads as what it did
    )
