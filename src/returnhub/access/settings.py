"""Settings of the access context, read from the environment (prefix ``RETURNHUB_``) like the core settings.

They live here rather than in ``core.settings`` so that the access context owns its own knobs: sign-in
lock-out, token lifetime, password hashing cost, request size, field-encryption keys and retention periods.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from returnhub.core.crypto import FieldKeySettings


class AccessSettings(FieldKeySettings):
    model_config = SettingsConfigDict(env_prefix="RETURNHUB_", env_ignore_empty=True, extra="ignore")

    #: Lifetime of a bearer token or a web session, in minutes (a working day by default).
    token_ttl_minutes: int = Field(default=480, ge=1, le=7 * 24 * 60)
    #: Sign-in throttling (``access.throttle``; no lock-out): failures allowed before the next attempt must
    #: wait, per source (client address), per account from one source and per account from anywhere; the
    #: wait doubles from 1 s with each further failure up to the ceilings; failures are forgotten after a
    #: quiet period. The account-wide ceiling is low so that the owner, elsewhere, is never locked out.
    sign_in_free_failures_per_source: int = Field(default=10, ge=1, le=1000)
    sign_in_free_failures_per_account: int = Field(default=3, ge=1, le=1000)
    sign_in_free_failures_per_account_anywhere: int = Field(default=10, ge=1, le=1000)
    sign_in_max_delay_seconds: int = Field(default=900, ge=1)
    sign_in_account_max_delay_seconds: int = Field(default=30, ge=1, le=300)
    sign_in_forget_minutes: int = Field(default=60, ge=1)
    min_password_length: int = Field(default=12, ge=8)
    #: Argon2id cost. The defaults are OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane).
    argon2_memory_kib: int = Field(default=19_456, ge=8)
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_parallelism: int = Field(default=1, ge=1)
    #: Largest request body accepted, in bytes (413 above it).
    max_request_bytes: int = Field(default=1_048_576, ge=1_024)
    #: The web session cookie is sent only over HTTPS unless this is switched off (local development).
    session_cookie_secure: bool = True
    # ``field_keys`` (RETURNHUB_FIELD_KEYS) is inherited from ``core.crypto.FieldKeySettings``: the event
    # store reads it too.
    #: Retention periods (dry-run report only; see ``retention.py``), in days.
    retain_closed_cases_days: int = Field(default=6 * 365, ge=1)
    retain_access_log_days: int = Field(default=6 * 365, ge=1)
    retain_spent_tokens_days: int = Field(default=90, ge=1)
    retain_monitoring_notes_days: int = Field(default=6 * 365, ge=1)
    #: Sealed special-category values of a closed case, counted from its last legal event.
    retain_sealed_values_days: int = Field(default=6 * 365, ge=1)


@lru_cache(maxsize=1)
def get_access_settings() -> AccessSettings:
    return AccessSettings()
