"""Registering a real person: a new case with identity documents and family links.

Until now only ``seed`` created people. ``register_person`` is the one path for the CLI (``returnhub person
add``), the API (``POST /persons``) and the page (``/ui/persons/new``):

* the nationality is given by name or code and resolved (ISO 3166-1, plus Kosovo);
* an identity document with a machine-readable zone is read with ``people.mrz`` (ICAO 9303): a zone that
  fails its check digits is refused, and its date of birth and nationality must agree with the person's;
* family links name existing references: the new person joins their family unit (one is created if none
  of them has one), so the family moves together or not at all;
* a likely duplicate (the same name once folded - accents, case, order and punctuation aside - with the
  same date of birth and nationality) is refused with its reference, until the caller confirms that this is
  a different person.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnhub.casework.state import fold
from returnhub.casework.store import case_state, get_person, upsert_projection
from returnhub.core import bounds
from returnhub.core.clock import Clock
from returnhub.core.errors import InvalidInput, StateConflict
from returnhub.partners.countries import country_name, resolve_country
from returnhub.people.models import FamilyUnit, IdentityDocument, Person
from returnhub.people.mrz import MrzError, parse_mrz

DOCUMENT_TYPES = (
    "passport",
    "national_identity_card",
    "travel_document",
    "emergency_travel_document",
    "other",
)


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_type: Literal[
        "passport", "national_identity_card", "travel_document", "emergency_travel_document", "other"
    ] = "passport"
    document_number: str | None = Field(default=None, min_length=1, max_length=32)
    issuing_state: str | None = Field(default=None, min_length=1, max_length=60)
    expiry_date: date | None = None
    mrz: str | None = Field(default=None, min_length=30, max_length=200, description="One line per MRZ line.")


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date
    sex: Literal["M", "F", "X"]
    nationality: str = Field(min_length=2, max_length=60, description="A country name or ISO code.")
    languages: list[str] = Field(default_factory=list, max_length=10)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=10)
    family: list[str] = Field(
        default_factory=list, max_length=20, description="References of family members already registered."
    )
    confirm_duplicate: bool = Field(
        default=False, description="Register even though a likely duplicate exists (checked by a person)."
    )


class LikelyDuplicate(StateConflict):
    """A person with the same folded name, date of birth and nationality is already registered."""

    title = "Likely duplicate"
    slug = "likely-duplicate"


def parse_person(data: dict[str, Any]) -> PersonIn:
    try:
        return PersonIn.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "person"
        raise InvalidInput(f"invalid person: {where}: {first['msg']}") from None


def fold_name(*parts: str) -> tuple[str, ...]:
    """A name as compared for duplicates: accents removed, case folded, words sorted (so a given and a
    family name entered the other way round still match)."""
    text = unicodedata.normalize("NFKD", " ".join(parts))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return tuple(sorted(w for w in re.split(r"[^\w]+", text) if w))


def likely_duplicates(
    session: Session, *, given_name: str, family_name: str, date_of_birth: date, nationality: str
) -> list[str]:
    """References of people with the same folded name, date of birth and nationality."""
    wanted = fold_name(given_name, family_name)
    rows = session.execute(
        select(Person.reference, Person.given_name, Person.family_name).where(
            Person.date_of_birth == date_of_birth, Person.nationality == nationality
        )
    ).all()
    return sorted(r.reference for r in rows if fold_name(r.given_name, r.family_name) == wanted)


def _country(text: str, what: str) -> str:
    return resolve_country(text, what).alpha_3


def _country_name(code: str) -> str:
    return country_name(code)


def _document(i: int, doc: DocumentIn, body: PersonIn, nationality: str, today: date) -> dict[str, Any]:
    where = f"identity document {i}"
    number, state, expiry = doc.document_number, doc.issuing_state, doc.expiry_date
    issuing = _country(state, f"{where}: issuing state") if state else None
    checked: dict[str, Any] | None = None
    if doc.mrz:
        try:
            read = parse_mrz(doc.mrz.strip(), today=today)
        except MrzError as exc:
            raise InvalidInput(f"{where}: the machine-readable zone cannot be read: {exc}") from None
        failed = [c.name for c in read.checks if not c.ok]
        if failed or read.issues:
            problems = "; ".join(read.issues) or ", ".join(failed)
            raise InvalidInput(f"{where}: the machine-readable zone fails its checks: {problems}")
        if read.date_of_birth is not None and read.date_of_birth != body.date_of_birth:
            raise InvalidInput(
                f"{where}: the machine-readable zone gives the date of birth {read.date_of_birth}, "
                f"not {body.date_of_birth}"
            )
        try:
            mrz_nationality = _country(read.nationality, "nationality")
        except InvalidInput:
            mrz_nationality = None  # an ICAO code that is not an ISO country (a stateless person's XXA)
        if mrz_nationality is not None and mrz_nationality != nationality:
            raise InvalidInput(
                f"{where}: the machine-readable zone gives the nationality {_country_name(mrz_nationality)}, "
                f"not {_country_name(nationality)}"
            )
        if number and number.replace(" ", "").upper() != read.document_number:
            raise InvalidInput(
                f"{where}: the number {number} differs from the machine-readable zone's "
                f"{read.document_number}"
            )
        number = read.document_number
        try:
            issuing = issuing or _country(read.issuing_state, "issuing state")
        except InvalidInput:
            issuing = None
        expiry = expiry or read.expiry_date
        checked = {"checks_passed": True, "expired": read.expired}
    if not number or not issuing:
        raise InvalidInput(f"{where}: give its number and issuing state, or its machine-readable zone")
    return {
        "document_type": doc.document_type,
        "document_number": number.replace(" ", "").upper(),
        "issuing_state": issuing,
        "expiry_date": expiry,
        "mrz": doc.mrz.strip() if doc.mrz else None,
        "mrz_check": checked,
    }


def _give_reference(session: Session, row: Any, prefix: str) -> None:
    """The reference the bulk loader would give (prefix and row id), or the next free number if a
    hand-numbered row already holds it."""
    session.add(row)
    session.flush()
    wanted = f"{prefix}{row.id:07d}"
    model = type(row)
    if session.execute(select(model.id).where(model.reference == wanted)).first() is not None:
        last = session.execute(
            select(func.max(model.reference)).where(
                model.reference.like(f"{prefix}%"), func.length(model.reference) == len(prefix) + 7
            )
        ).scalar_one()
        wanted = f"{prefix}{int(last[len(prefix) :]) + 1:07d}"
    row.reference = wanted
    session.flush()


def register_person(session: Session, body: PersonIn, *, clock: Clock) -> dict[str, Any]:
    """Register a new person (and so a new case), in the caller's transaction."""
    today = clock.today()
    nationality = _country(body.nationality, "nationality")
    if body.date_of_birth > today:
        raise InvalidInput(f"the date of birth {body.date_of_birth} is in the future")
    bounds.check_birth_date(body.date_of_birth, today)
    documents = [_document(i, d, body, nationality, today) for i, d in enumerate(body.documents, start=1)]
    family = [get_person(session, r.strip().upper()) for r in dict.fromkeys(body.family)]
    units = {p.family_unit_id for p in family if p.family_unit_id is not None}
    if len(units) > 1:
        raise InvalidInput(
            "the family members named belong to different family units: name the members of one family"
        )
    duplicates = likely_duplicates(
        session,
        given_name=body.given_name,
        family_name=body.family_name,
        date_of_birth=body.date_of_birth,
        nationality=nationality,
    )
    if duplicates and not body.confirm_duplicate:
        raise LikelyDuplicate(
            f"{', '.join(duplicates)} has the same name, date of birth ({body.date_of_birth}) and "
            f"nationality ({_country_name(nationality)}): likely the same person. Check the case; if this is "
            "a different person, confirm to register them",
            duplicates=duplicates,
        )
    now = clock.now()
    unit_id: int | None = next(iter(units)) if units else None
    if family and unit_id is None:
        unit = FamilyUnit(reference=f"new-{now.timestamp()}")
        _give_reference(session, unit, "FU")
        unit_id = unit.id
        for member in family:  # the existing members join the new unit; their projection rows follow
            member.family_unit_id = unit_id
            session.flush()
            upsert_projection(session, member, case_state(session, member.reference)[1], now)
    person = Person(
        reference=f"new-{now.timestamp()}"[:16],
        given_name=body.given_name.strip(),
        family_name=body.family_name.strip(),
        date_of_birth=body.date_of_birth,
        sex=body.sex,
        nationality=nationality,
        languages=[code.strip().lower() for code in body.languages if code.strip()],
        family_unit_id=unit_id,
        created_at=now,
    )
    _give_reference(session, person, "RH")
    for d in documents:
        session.add(
            IdentityDocument(
                person_id=person.id,
                document_type=d["document_type"],
                document_number=d["document_number"],
                issuing_state=d["issuing_state"],
                expiry_date=d["expiry_date"],
                mrz=d["mrz"],
                recorded_at=now,
            )
        )
    upsert_projection(session, person, fold([]), now)
    session.flush()
    members = (
        list(
            session.execute(
                select(Person.reference).where(Person.family_unit_id == unit_id).order_by(Person.id)
            ).scalars()
        )
        if unit_id is not None
        else [person.reference]
    )
    return {
        "reference": person.reference,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "sex": person.sex,
        "nationality": nationality,
        "nationality_name": _country_name(nationality),
        "family": members,
        "documents": [
            {
                **{k: v for k, v in d.items() if k != "mrz"},
                "expiry_date": d["expiry_date"].isoformat() if d["expiry_date"] else None,
            }
            for d in documents
        ],
        "likely_duplicates_confirmed": duplicates,
    }
