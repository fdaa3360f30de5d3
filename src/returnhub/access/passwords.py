"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from returnhub.access.settings import AccessSettings


def password_hasher(settings: AccessSettings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


def verify_password(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


#: Verified against when the account does not exist, so that an unknown name costs the same time as a
#: wrong password and sign-in timing does not reveal which names have accounts.
_DECOY_PASSWORD = "not-a-password-of-anyone"


def decoy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(_DECOY_PASSWORD)
