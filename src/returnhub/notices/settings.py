"""Settings of the notices context (prefix ``RETURNHUB_``): the mail server, delivery deadlines, retries."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from returnhub.core.settings import PROJECT_ROOT


class NoticesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RETURNHUB_", env_ignore_empty=True, extra="ignore")

    #: ``smtp`` (any SMTP server, the local one in the demo) or ``notify`` (GOV.UK Notify, production).
    notices_adapter: str = "smtp"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "returnhub <notices@returnhub.example>"
    #: Users have no email column: a user's address is ``<user name>@<mail domain>`` (the directory's
    #: convention); the Message-ID's right-hand side is the same domain.
    mail_domain: str = "returnhub.example"
    #: The address the links in a notice start with.
    base_url: str = "http://127.0.0.1:8000"
    notify_api_key: str | None = None
    notify_template_id: str | None = None
    #: A notice whose email is not accepted by the mail server within this many minutes raises an alert on
    #: the planners' home page.
    notices_deliver_within_minutes: int = Field(default=15, ge=1)
    notices_max_attempts: int = Field(default=8, ge=1)
    #: Backoff after the n-th failure: base * 2**(n-1) seconds, at most the cap.
    notices_backoff_seconds: float = Field(default=2.0, gt=0)
    notices_backoff_cap_seconds: float = Field(default=600.0, gt=0)
    #: A message claimed by a sender that died is sent again after this many seconds.
    notices_lease_seconds: float = Field(default=60.0, gt=0)
    #: Send the outbox from a thread of ``returnhub serve`` too (off: a separate ``notices send --loop``).
    notices_send_in_serve: bool = False
    #: Where the demo's local SMTP server keeps what it receives (a Maildir).
    mailbox_dir: Path = PROJECT_ROOT / "var" / "mail"


@lru_cache(maxsize=1)
def get_notices_settings() -> NoticesSettings:
    return NoticesSettings()
