"""Encryption at rest of special-category fields (health, vulnerability, trafficking, sexuality).

The cipher itself (Fernet under a ``MultiFernet`` of the configured keys) is ``core.crypto.FieldCipher``,
re-exported here; this module adds the access context's settings and rotation of every stored value.
Rotation, step by step (documented in docs/access.md):

1. ``returnhub keys generate`` prints a new key; put it FIRST in ``RETURNHUB_FIELD_KEYS`` (keep the old).
2. ``returnhub keys rotate`` re-encrypts every stored value under the new key, in one transaction.
3. Remove the old key from ``RETURNHUB_FIELD_KEYS``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.access.models import MonitoringNote
from returnhub.access.settings import AccessSettings
from returnhub.casework.sealed import rotate_sealed
from returnhub.core.crypto import (
    DEVELOPMENT_KEY,
    FieldCipher,
    FieldKeyError,
    cipher_for,
    generate_key,
)

__all__ = [
    "DEVELOPMENT_KEY",
    "FieldCipher",
    "FieldKeyError",
    "field_cipher",
    "generate_key",
    "rotate_stored_fields",
]


def field_cipher(settings: AccessSettings, environment: str) -> FieldCipher:
    return cipher_for(settings.field_keys, environment)


def rotate_stored_fields(session: Session, cipher: FieldCipher) -> dict[str, int]:
    """Re-encrypt every encrypted column under the newest key (caller commits). Returns rows per table."""
    notes = list(session.execute(select(MonitoringNote)).scalars())
    for note in notes:
        note.body_encrypted = cipher.rotate(note.body_encrypted)
    session.flush()
    return {"monitoring_notes": len(notes), "sealed_values": rotate_sealed(session, cipher)}
