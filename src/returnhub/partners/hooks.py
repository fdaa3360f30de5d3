"""What the register tells the rest of the system when a fact changes (issue 13, finding 10).

Partners must not import operations, so a change is announced through a hook list: the composition root (the
web app factory and the CLI's main command) registers operations' re-check of the departure gate here, as it
does for the casework post-append hook. Every hook runs inside the transaction that records the change, so a
country assessed unsafe takes people off a locked manifest in that very transaction, or nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from returnhub.core.clock import Clock


@dataclass(frozen=True)
class RegisterChange:
    """One change to the register and what it touches."""

    #: In plain words, for the reason a person is taken off and for the notifications.
    what: str
    #: Agreement references whose open transfers must be re-checked.
    agreements: frozenset[str] = frozenset()
    #: Hub references whose open transfers must be re-checked.
    hubs: frozenset[str] = frozenset()


RegisterChangeHook = Callable[[Session, RegisterChange, Clock], None]

#: Run after every register change, in the same transaction, with (session, change, clock).
REGISTER_CHANGE_HOOKS: list[RegisterChangeHook] = []


def announce(session: Session, change: RegisterChange, clock: Clock) -> None:
    if not (change.agreements or change.hubs):
        return
    session.flush()  # the hooks read the register as it now stands
    for hook in list(REGISTER_CHANGE_HOOKS):
        hook(session, change, clock)
