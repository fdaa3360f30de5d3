"""Encryption at rest of special-category fields (health, vulnerability, trafficking, sexuality).

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) under a ``MultiFernet`` of the configured
keys: the first key encrypts, every key decrypts. Rotation, step by step (documented in docs/access.md):

1. ``returnhub keys generate`` prints a new key; put it FIRST in ``RETURNHUB_FIELD_KEYS`` (keep the old).
2. ``returnhub keys rotate`` re-encrypts every stored value under the new key, in one transaction.
3. Remove the old key from ``RETURNHUB_FIELD_KEYS``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.access.models import MonitoringNote
from returnhub.access.settings import AccessSettings
from returnhub.core.errors import DomainError

#: Used only outside production when no key is configured, so that a development database works out of
#: the box. It is public (it is derived from this string), so it protects nothing.
DEVELOPMENT_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"returnhub development field key - public, not for production").digest()
).decode("ascii")


class FieldKeyError(DomainError):
    status = 500
    title = "Field encryption misconfigured"
    slug = "field-keys"


class FieldCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise FieldKeyError("no field-encryption key is configured (RETURNHUB_FIELD_KEYS)")
        try:
            self._fernet = MultiFernet([Fernet(k.strip().encode("ascii")) for k in keys])
        except (ValueError, TypeError) as exc:
            raise FieldKeyError(f"a key in RETURNHUB_FIELD_KEYS is not a Fernet key: {exc}") from None

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise FieldKeyError(
                "a stored value cannot be decrypted with any configured key (was a key removed before "
                "`returnhub keys rotate` ran?)"
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """The same plaintext, re-encrypted under the first (newest) key."""
        try:
            return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise FieldKeyError("a stored value cannot be decrypted with any configured key") from None


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def field_cipher(settings: AccessSettings, environment: str) -> FieldCipher:
    keys = [k for k in settings.field_keys.split(",") if k.strip()]
    if not keys:
        if environment == "production":
            raise FieldKeyError("RETURNHUB_FIELD_KEYS must be set in production")
        keys = [DEVELOPMENT_KEY]
    return FieldCipher(keys)


def rotate_stored_fields(session: Session, cipher: FieldCipher) -> dict[str, int]:
    """Re-encrypt every encrypted column under the newest key (caller commits). Returns rows per table."""
    notes = list(session.execute(select(MonitoringNote)).scalars())
    for note in notes:
        note.body_encrypted = cipher.rotate(note.body_encrypted)
    session.flush()
    return {"monitoring_notes": len(notes)}
