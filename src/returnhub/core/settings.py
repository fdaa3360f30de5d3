"""Typed settings read once from the environment (prefix ``RETURNHUB_``) and injected."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[3]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RETURNHUB_", env_ignore_empty=True, extra="ignore")

    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'var' / 'returnhub.db'}")
    environment: str = "development"
    seed_persons: int = 20_000
    seed: int = 20_251_127
    #: Persons per transaction when seeding or bulk loading (each chunk commits whole persons).
    seed_chunk_persons: int = 50_000
    #: The rule pack used when a command does not name one.
    default_pack: str = "uk"
    #: The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto `returnhub serve` believes
    #: (comma-separated addresses or networks, "*" for any). Unset: none, so the headers are ignored and a
    #: client cannot choose the address it is throttled and logged under. Set it to the proxy's address
    #: (often 127.0.0.1), or every user behind the proxy shares one source.
    forwarded_allow_ips: str | None = None

    @field_validator("database_url")
    @classmethod
    def _normalise_driver(cls, value: str) -> str:
        # psycopg 3 is the driver we ship; accept the common spellings of a PostgreSQL URL.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
