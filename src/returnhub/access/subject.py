"""Data-subject access: everything held on one person, machine-readable, with the access log.

Completeness matters more than layering here, so the export does not rely on each context remembering to
offer an export function: it sweeps every table of the schema for rows that point at the person (a foreign
key to ``persons.id``, a ``case_reference`` column, or a column listed in ``REFERENCE_COLUMNS``). A new
table that names people in one of those ways is exported without any change here.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Table, or_, select
from sqlalchemy.orm import Session

from returnhub.access import audit
from returnhub.access.crypto import FieldCipher
from returnhub.access.models import MonitoringNote
from returnhub.casework.queries import show_case
from returnhub.casework.sealed import erase_sealed, sealed_rows
from returnhub.casework.store import get_person
from returnhub.core.clock import Clock
from returnhub.core.database import Base
from returnhub.core.jsonable import plain
from returnhub.core.time import utc

EXPORT_FORMAT = "returnhub-subject-export/1"
#: Columns that hold a person's case reference under another name.
REFERENCE_COLUMNS = {"hub_stays": "reference"}
#: Stored encrypted; exported decrypted, by ``_monitoring_notes`` and ``casework.sealed.sealed_rows``.
ENCRYPTED_TABLES = frozenset({"monitoring_notes", "sealed_values"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _conditions(table: Table, person_id: int, reference: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for column in table.columns:
        if any(fk.column.table.name == "persons" and fk.column.name == "id" for fk in column.foreign_keys):
            conditions.append(column == person_id)
    if table.name == "persons":
        conditions.append(table.c.id == person_id)
    if "case_reference" in table.c:
        conditions.append(table.c.case_reference == reference)
    extra = REFERENCE_COLUMNS.get(table.name)
    if extra is not None and extra in table.c:
        conditions.append(table.c[extra] == reference)
    return conditions


def _monitoring_notes(session: Session, reference: str, cipher: FieldCipher) -> list[dict[str, Any]]:
    notes = session.execute(
        select(MonitoringNote).where(MonitoringNote.subject == reference).order_by(MonitoringNote.id)
    ).scalars()
    return [
        {
            "id": n.id,
            "subject": n.subject,
            "written_at": utc(n.written_at).isoformat(),
            "written_by": n.written_by,
            "text": cipher.decrypt(n.body_encrypted),
        }
        for n in notes
    ]


def export_subject(
    session: Session, reference: str, *, cipher: FieldCipher, clock: Clock, requested_by: str
) -> dict[str, Any]:
    """Everything held on the person, and an access-log entry for the export itself (in the caller's
    transaction, so an export that cannot be logged is not produced). Sealed special-category values are
    exported decrypted: the export is for the person they are about."""
    ref = reference.strip().upper()
    person = get_person(session, ref)
    _log_operator(session, ref, "EXPORT", "returnhub subject export", clock=clock, by=requested_by)
    records: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in ENCRYPTED_TABLES:
            continue
        conditions = _conditions(table, person.id, ref)
        if not conditions:
            continue
        order = list(table.primary_key.columns)
        rows = session.execute(select(table).where(or_(*conditions)).order_by(*order)).mappings().all()
        if rows:
            records[table.name] = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
    notes = _monitoring_notes(session, ref, cipher)
    if notes:
        records["monitoring_notes"] = notes
    sealed = sealed_rows(session, ref, cipher=cipher)
    if sealed:
        records["sealed_values"] = [{k: _jsonable(v) for k, v in row.items()} for row in sealed]
    return {
        "format": EXPORT_FORMAT,
        "subject": ref,
        "exported_at": clock.now().isoformat(),
        "exported_by": requested_by,
        "case": plain(show_case(session, ref, cipher=cipher)),
        "records": records,
    }


def erase_special_category(session: Session, reference: str, *, clock: Clock, requested_by: str) -> int:
    """Erase every sealed special-category value of a person (caller commits). Returns how many.

    The ciphertexts are blanked; the events keep their ``$sealed`` markers, which read ``"[erased]"``
    from then on, and the hash chain still verifies (it never covered the values). The erasure is written
    to the access log in the same transaction: both happen or neither does."""
    ref = reference.strip().upper()
    get_person(session, ref)
    _log_operator(session, ref, "ERASE", "returnhub subject erase-sealed", clock=clock, by=requested_by)
    return erase_sealed(session, ref, erased_at=clock.now())


def _log_operator(
    session: Session, reference: str, method: str, route: str, *, clock: Clock, by: str
) -> None:
    audit.record_access(
        session,
        audit.AccessRecord(
            user_name=by,
            role="operator",
            method=method,
            route=route,
            path="",
            query="",
            case_reference=reference,
            client="command line",
            outcome=audit.GRANTED,
            status=200,
        ),
        clock=clock,
    )
