"""Request-scoped dependencies: the runtime, and one unit of work per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from returnhub.core.clock import Clock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed when the handler returns, rolled back on error."""
    runtime = get_runtime(request)
    with unit_of_work(runtime.engine, read_only=request.method in ("GET", "HEAD")) as session:
        yield session


def get_clock(request: Request) -> Clock:
    return get_runtime(request).clock


# scope="function": the transaction commits when the handler returns, before the response is sent, so a
# failed commit is an error response, never a 2xx for a write that did not happen.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ClockDep = Annotated[Clock, Depends(get_clock)]
