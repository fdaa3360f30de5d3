"""Sealed event fields: special-category values encrypted at rest, outside the hash-chained payload.

On append, each present field of ``events.SEALED_FIELDS`` is encrypted with the field cipher and stored
in ``sealed_values``; the event's payload keeps ``{"$sealed": "<id>"}`` in its place and the chain hashes
that marker. So re-encrypting under a new key, or erasing a value, leaves every event hash as it was.
The plaintext encrypted is ``{"id", "field", "value"}``: Fernet has no associated data, and naming the row
inside the ciphertext means a token copied onto another row (another person's) is refused when opened.

Reading replaces each sealed field by its value for a caller who may see special-category data (the
caller passes the cipher), by ``"[restricted]"`` for anyone else, and by ``"[erased]"`` once erased.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from returnhub.casework.events import SEALED_FIELDS, SEALED_MARKER, sealed_fields_present
from returnhub.casework.models import SealedValue
from returnhub.casework.views import EventOut
from returnhub.core.crypto import FieldCipher, FieldKeyError
from returnhub.core.errors import DomainError

RESTRICTED = "[restricted]"
ERASED = "[erased]"
#: Ids per ``IN (...)`` when opening or rotating many values (well under every driver's parameter limit).
_BATCH = 1_000


class SealedValueError(DomainError):
    """A sealed value that cannot be opened: altered, moved, missing, or under a key no longer configured."""

    status = 500
    title = "Sealed value cannot be opened"
    slug = "sealed-value"


def seal_payload(
    event_type: str,
    payload: Mapping[str, Any],
    *,
    cipher: FieldCipher,
    case_reference: str,
    sequence: int,
    sealed_at: datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The payload to store (markers in place of sealed values) and the ``sealed_values`` rows to insert."""
    stored = dict(payload)
    rows: list[dict[str, Any]] = []
    for name in sealed_fields_present(event_type, payload):
        sealed_id = uuid.uuid4().hex
        plaintext = orjson.dumps({"id": sealed_id, "field": name, "value": payload[name]}).decode()
        rows.append(
            {
                "id": sealed_id,
                "case_reference": case_reference,
                "event_sequence": sequence,
                "field": name,
                "ciphertext": cipher.encrypt(plaintext),
                "sealed_at": sealed_at,
                "erased_at": None,
            }
        )
        stored[name] = {SEALED_MARKER: sealed_id}
    return stored, rows


def store_sealed(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(SealedValue.__table__.insert(), rows)  # type: ignore[attr-defined]


def _marker_id(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get(SEALED_MARKER), str):
        return str(value[SEALED_MARKER])
    return None


def open_events(
    session: Session, reference: str, events: Iterable[EventOut], *, cipher: FieldCipher | None
) -> None:
    """Resolve the sealed fields of event views (each with a ``data`` dict the caller owns) in place.
    ``cipher`` None means the caller may not see special-category data.

    Values written before sealing existed (plain text in the payload) are shown or restricted the same way.
    """
    wanted: dict[str, tuple[dict[str, Any], str, int]] = {}
    for event in events:
        fields = SEALED_FIELDS.get(event.type)
        if not fields:
            continue
        data = event.data
        for name in fields.intersection(data):
            if cipher is None:
                data[name] = RESTRICTED
            elif (sealed_id := _marker_id(data[name])) is not None:
                wanted[sealed_id] = (data, name, event.sequence)
    if not wanted:
        return
    assert cipher is not None
    ids = list(wanted)
    found: dict[str, SealedValue] = {}
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        found.update(
            (row.id, row)
            for row in session.execute(select(SealedValue).where(SealedValue.id.in_(chunk))).scalars()
        )
    for sealed_id, (data, name, sequence) in wanted.items():
        where = f"the sealed {name} of event {sequence} of case {reference}"
        row = found.get(sealed_id)
        if row is None or row.case_reference != reference or row.field != name:
            raise SealedValueError(f"{where} is missing from sealed_values (id {sealed_id})")
        data[name] = ERASED if row.ciphertext is None else _open(cipher, row, where)


def _open(cipher: FieldCipher, row: SealedValue, where: str) -> Any:
    assert row.ciphertext is not None
    try:
        content = orjson.loads(cipher.decrypt(row.ciphertext))
    except FieldKeyError:
        raise SealedValueError(
            f"{where} cannot be opened: its ciphertext was altered, or it is under a key no longer "
            "configured (run `returnhub keys rotate` before removing a key)"
        ) from None
    except orjson.JSONDecodeError:
        raise SealedValueError(f"{where} does not hold a sealed value") from None
    if not isinstance(content, dict) or content.get("id") != row.id or content.get("field") != row.field:
        raise SealedValueError(f"{where} holds a ciphertext sealed for another row (it was moved)")
    return content.get("value")


def sealed_rows(session: Session, reference: str, *, cipher: FieldCipher | None) -> list[dict[str, Any]]:
    """A person's sealed values as rows (for the subject export), opened when ``cipher`` is given."""
    rows = session.execute(
        select(SealedValue)
        .where(SealedValue.case_reference == reference)
        .order_by(SealedValue.event_sequence, SealedValue.field)
    ).scalars()
    out: list[dict[str, Any]] = []
    for row in rows:
        where = f"the sealed {row.field} of event {row.event_sequence} of case {reference}"
        if row.ciphertext is None:
            value: Any = ERASED
        elif cipher is None:
            value = RESTRICTED
        else:
            value = _open(cipher, row, where)
        out.append(
            {
                "id": row.id,
                "event_sequence": row.event_sequence,
                "field": row.field,
                "sealed_at": row.sealed_at,
                "erased_at": row.erased_at,
                "value": value,
            }
        )
    return out


def erase_sealed(session: Session, reference: str, *, erased_at: datetime) -> int:
    """Blank every sealed value of a case that is not already erased (caller commits). Returns how many.

    Only the ciphertext goes: the row stays, so the event's marker still resolves (to ``"[erased]"``) and
    the chain, which never covered the value, still verifies."""
    result = session.execute(
        update(SealedValue)
        .where(SealedValue.case_reference == reference, SealedValue.erased_at.is_(None))
        .values(ciphertext=None, erased_at=erased_at)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def rotate_sealed(session: Session, cipher: FieldCipher) -> int:
    """Re-encrypt every sealed value under the newest key, in batches (caller commits). Returns how many."""
    table = SealedValue.__table__
    statement = (
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("b_id"))
        .values(ciphertext=bindparam("b_ciphertext"))
    )
    count = 0
    last = ""
    while True:
        batch = session.execute(
            select(SealedValue.id, SealedValue.ciphertext)
            .where(SealedValue.id > last, SealedValue.ciphertext.is_not(None))
            .order_by(SealedValue.id)
            .limit(_BATCH)
        ).all()
        if not batch:
            return count
        session.execute(
            statement,
            [
                {"b_id": sealed_id, "b_ciphertext": cipher.rotate(text)}
                for sealed_id, text in batch
                if text is not None
            ],
        )
        count += len(batch)
        last = batch[-1].id
