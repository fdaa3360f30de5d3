"""The law a transfer is judged under: the rule pack of its agreement's sending state.

A move under the Italy-Albania protocol is an Italian (EU) return and is judged by the ``eu`` pack; a move
under a UK agreement by the ``uk`` pack. The sender is read from the partners register (the agreement
named on the transfer); the pack is the one whose ``sending_states`` hold it, so the packs stay the one
list of which states each law covers. An agreement whose sender no pack covers is refused: no move is
judged under a law that is not its own (fail closed).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from returnhub.core.errors import StateConflict
from returnhub.partners.countries import country_name
from returnhub.partners.service import agreement_on
from returnhub.safeguards.packs import get_pack, pack_names

#: Plain names of the laws, for messages people read.
LAW_NAMES = {"uk": "UK law", "eu": "EU law"}


def law_name(law: str) -> str:
    return LAW_NAMES.get(law, f"the {law} rules")


def law_of_sender(sending_state: str) -> str | None:
    """The pack judging moves sent by ``sending_state`` (ISO alpha-3), or None if no pack covers it."""

    for name in pack_names():
        if sending_state in get_pack(name).sending_states:
            return name
    return None


def law_of_agreement(session: Session, agreement: str, on: date) -> str:
    """The law of ``agreement`` (its sender read through the partners service)."""

    sender = agreement_on(session, agreement, on).sending_state
    law = law_of_sender(sender)
    if law is None:
        raise StateConflict(
            f"no rule pack covers moves sent by {country_name(sender)} under agreement {agreement}: "
            "a transfer is judged only under its own law"
        )
    return law
