"""Request-scoped dependencies: the runtime, one unit of work per request, and who is asking (``Requester``:
the access guard stores it on every admitted request, so a context's router asks about the signed-in user
without importing access, which builds on the contexts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Protocol

import anyio.to_thread
from anyio import CancelScope
from fastapi import Depends, Request
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from returnhub.core.clock import Clock
from returnhub.core.crypto import FieldCipher
from returnhub.core.database import end_session, open_session
from returnhub.core.errors import NotAuthenticated
from returnhub.core.runtime import Runtime


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# The small dependencies are async although they do no I/O: FastAPI runs a plain ``def`` dependency in a
# worker thread, and each such hand-off costs more than the work itself on a busy machine.
async def get_runtime(request: Request) -> Runtime:
    return runtime_of(request)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, committed when the handler returns, rolled back on error.

    The same unit of work as ``core.database.unit_of_work``, written as an async dependency so that a
    request does not pay two thread hand-offs for it: opening a session does no I/O, so it happens on the
    event loop; ending it (commit or rollback, then close) runs in a worker thread whenever a transaction
    is open, and inline only when there is nothing left to end (a read's guard has committed already).
    """
    runtime = runtime_of(request)
    session = open_session(runtime.engine, read_only=request.method in ("GET", "HEAD"))
    try:
        yield session
    except BaseException:
        await _end(session, commit=False)
        raise
    await _end(session, commit=True)


async def _end(session: Session, *, commit: bool) -> None:
    if not session.in_transaction():
        end_session(session, commit=commit)  # no transaction, no connection: no I/O
        return
    # Shielded like FastAPI's own generator dependencies: a cancelled request still ends its transaction.
    with CancelScope(shield=True):
        await anyio.to_thread.run_sync(lambda: end_session(session, commit=commit))


async def get_clock(request: Request) -> Clock:
    return runtime_of(request).clock


# scope="function": the transaction commits when the handler returns, before the response is sent, so a
# failed commit is an error response, never a 2xx for a write that did not happen.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ClockDep = Annotated[Clock, Depends(get_clock)]


class Requester(Protocol):
    """Who is asking, as a router needs to know them (access's ``SignedIn`` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def role_name(self) -> str: ...

    def may_record(self, event_type: str) -> bool:
        """Whether they may append an event of this type by hand."""
        ...

    def case_filter(self) -> ColumnElement[bool] | None:
        """A condition on the case projection keeping the cases in their scope (None: every case)."""
        ...

    def field_cipher(self) -> FieldCipher:
        """The cipher a write seals special-category fields with."""
        ...

    def special_category_cipher(self) -> FieldCipher | None:
        """The cipher to open sealed fields with, or None for a role that may not see them."""
        ...


async def current_requester(request: Request) -> Requester:
    requester: Requester | None = getattr(request.state, "requester", None)
    if requester is None:
        raise NotAuthenticated("sign in first")
    return requester


#: The signed-in user of a request (``recorded_by=requester.name``).
RequesterDep = Annotated[Requester, Depends(current_requester)]


async def write_cipher(requester: RequesterDep) -> FieldCipher:
    return requester.field_cipher()


async def read_cipher(requester: RequesterDep) -> FieldCipher | None:
    return requester.special_category_cipher()


#: For a write that may seal special-category fields.
WriteCipher = Annotated[FieldCipher, Depends(write_cipher)]
#: For a read that shows sealed fields: the cipher to open them with, or None for a role that may not.
ReadCipher = Annotated[FieldCipher | None, Depends(read_cipher)]
