"""The field cipher: encryption at rest of special-category values (health, vulnerability, trafficking,
sexuality).

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) under a ``MultiFernet`` of the configured
keys: the first key encrypts, every key decrypts. It lives in ``core`` because both the event store
(sealed event fields) and the access context (monitoring notes, rotation) use it; ``access.crypto``
re-exports it and adds rotation of the stored values.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class FieldKeySettings(BaseSettings):
    """The one declaration of ``RETURNHUB_FIELD_KEYS``; ``AccessSettings`` inherits it."""

    model_config = SettingsConfigDict(env_prefix="RETURNHUB_", env_ignore_empty=True, extra="ignore")

    #: Fernet keys for special-category fields, comma-separated, NEWEST FIRST. Rotation: put a new key in
    #: front, run ``returnhub keys rotate``, then drop the old key. Empty: a fixed development key is used
    #: outside production, and production refuses to start (see ``cipher_for``).
    field_keys: str = ""


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
        except (InvalidToken, UnicodeError):
            raise FieldKeyError(
                "a stored value cannot be decrypted with any configured key (was a key removed before "
                "`returnhub keys rotate` ran?)"
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """The same plaintext, re-encrypted under the first (newest) key."""
        try:
            return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise FieldKeyError("a stored value cannot be decrypted with any configured key") from None


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def cipher_for(field_keys: str, environment: str) -> FieldCipher:
    """The cipher of a comma-separated key list; the public development key when none is set outside
    production."""
    keys = [k for k in field_keys.split(",") if k.strip()]
    if not keys:
        if environment == "production":
            raise FieldKeyError("RETURNHUB_FIELD_KEYS must be set in production")
        keys = [DEVELOPMENT_KEY]
    return FieldCipher(keys)


def default_field_cipher() -> FieldCipher:
    """The cipher configured in the environment, for callers that were not handed one (a script, a
    service that appends an event with a sealed field)."""
    from returnhub.core.settings import get_settings

    return cipher_for(FieldKeySettings().field_keys, get_settings().environment)
