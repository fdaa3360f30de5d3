"""Safe-countries-of-origin lists (R13), versioned by the date they take effect."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput
from returnhub.partners.countries import country_code, country_name
from returnhub.partners.hooks import RegisterChange, announce
from returnhub.partners.models import SafeCountryList
from returnhub.partners.records import (
    agreements_between,
    day_text,
    lock_register,
    provenance_of,
    source_view,
    stamp,
    version_on,
    write,
)
from returnhub.partners.schemas import SafeListIn
from returnhub.partners.views import Evidence, SafeListEntry, SafeListOn, SafeListView

#: Why a safe-country entry with carve-outs does not count as designated.
ALACE_CANPELLI = (
    "CJEU C-758/24 and C-759/24 (Alace and Canpelli), 1 August 2025: a country may be designated safe "
    "only if it protects its entire population; a designation with exceptions for regions or groups "
    "is invalid"
)


def _safe_lists(session: Session, state: str) -> list[SafeCountryList]:
    return list(
        session.execute(
            select(SafeCountryList)
            .where(SafeCountryList.designating_state == state)
            .order_by(SafeCountryList.version)
        ).scalars()
    )


def record_safe_country_list(
    session: Session, body: SafeListIn, *, clock: Clock, recorded_by: str
) -> SafeListView:
    """A new version of a state's list from a date: the whole list, each entry with its evidence."""
    lock_register(session)
    state = country_code(body.designating_state, "designating_state")
    # Any legal date: a past list may be entered after a later one (bitemporal; see the module docstring).
    versions = _safe_lists(session, state)
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in body.entries:
        code = country_code(entry.country, "safe-country entry")
        if code in seen:
            raise InvalidInput(f"{code} is listed twice")
        seen.add(code)
        entries.append(
            {
                "country": code,
                "evidence": [e.model_dump() for e in entry.evidence],
                "exceptions": list(entry.exceptions),
            }
        )
    entries.sort(key=lambda e: e["country"])
    row = SafeCountryList(
        designating_state=state,
        version=(versions[-1].version + 1) if versions else 1,
        effective_from=body.effective_from,
        legal_basis=body.legal_basis,
        entries=entries,
        note=body.note,
        **stamp(body, clock, recorded_by),
    )
    write(
        session,
        row,
        f"{state}'s safe-country list",
        clock=clock,
        recorded_by=recorded_by,
        action="safe_country_list_recorded",
        subject=f"{state}-SCO",
        data={
            "version": row.version,
            "effective_from": body.effective_from.isoformat(),
            "legal_basis": body.legal_basis,
            "entries": entries,
            "note": body.note,
        },
        source=provenance_of(body),
    )
    announce(
        session,
        RegisterChange(
            what=(
                f"{country_name(state)}'s list of safe countries of origin was withdrawn from "
                f"{day_text(body.effective_from)}"
                if not entries
                else f"{country_name(state)}'s list of safe countries of origin changed from "
                f"{day_text(body.effective_from)} (version {row.version})"
            ),
            agreements=agreements_between(session, state),
        ),
        clock,
    )
    return _safe_list_view(row)


def _safe_list_view(row: SafeCountryList) -> SafeListView:
    list_source = [Evidence(url=row.source_url, title=row.source_title)] if row.source_url else []
    return SafeListView(
        designating_state=row.designating_state,
        version=row.version,
        effective_from=row.effective_from,
        legal_basis=row.legal_basis,
        note=row.note,
        entries=[
            SafeListEntry(
                country=e["country"],
                name=country_name(e["country"]),
                designated=not e["exceptions"],
                exceptions=e["exceptions"],
                invalid_because=ALACE_CANPELLI if e["exceptions"] else None,
                # The evidence must be disclosable (R13); an entry without its own falls back to the list's.
                evidence=[Evidence.model_validate(v) for v in e["evidence"]] or list_source,
            )
            for e in row.entries
        ],
        **dict(source_view(row)),
    )


def safe_country_list_on(
    session: Session, state: str, on: date, known_at: datetime | None = None
) -> SafeListOn | None:
    row = version_on(_safe_lists(session, country_code(state, "designating_state")), on, known_at=known_at)
    if row is None:
        return None
    return SafeListOn(on=on, known_at=known_at, **dict(_safe_list_view(row)))


def safe_country_list_history(session: Session, state: str) -> list[SafeListView]:
    return [_safe_list_view(r) for r in _safe_lists(session, country_code(state, "designating_state"))]


def safe_countries_of_origin_on(
    session: Session, state: str, on: date, known_at: datetime | None = None
) -> frozenset[str] | None:
    """The state's designated safe countries of origin on ``on`` (entries without exceptions), as known at
    ``known_at``, or None when no list of that state is registered on that date. The safeguards read the list
    through here."""
    designated, row = designated_on(session, state, on, known_at)
    return None if row is None else designated


def designated_on(
    session: Session, state: str, on: date, known_at: datetime | None = None
) -> tuple[frozenset[str], SafeCountryList | None]:
    row = version_on(_safe_lists(session, state), on, known_at=known_at)
    if row is None:
        return frozenset(), None
    return frozenset(e["country"] for e in row.entries if not e["exceptions"]), row
