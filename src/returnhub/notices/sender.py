"""Sends the outbox after commit: claim, send, mark; retries with exponential backoff.

The contract is **at least once, deduplicated by key**. A row is claimed (``sending``, with the time) in
one transaction, handed to the mail server, and marked ``sent`` in another transaction only after the server
accepted it. A sender killed between the server's acceptance and the mark leaves the row ``sending``; once
its lease has run out another sender (or the restarted one) sends it again with the same Message-ID
(``notice-<outbox id>@<mail domain>``). So no notice is ever lost, and a duplicate can only arise from a
crash in that window (at most one per message in flight); the receiving mailbox drops a Message-ID it
already holds (the local server in ``mailbox.py`` does; GOV.UK Notify gets the key as its ``reference``).
Exactly once is impossible across two systems that do not share a transaction, so we do not claim it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import smtplib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine

from returnhub.core.clock import Clock
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput
from returnhub.notices.models import OutboxMessage
from returnhub.notices.settings import NoticesSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingEmail:
    outbox_id: int
    message_id: str
    to: str
    subject: str
    body: str
    template: str


class EmailAdapter(Protocol):
    """Hands one email to a delivery service; returns only once the service has accepted it."""

    def send(self, email: OutgoingEmail) -> None: ...

    def close(self) -> None: ...


class SmtpAdapter:
    """Any SMTP server (the demo's local one, or a relay). One connection is reused across a batch."""

    def __init__(self, settings: NoticesSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            s = self.settings
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
            # smtplib writes the message and its closing dot separately: without this, Nagle's algorithm
            # holds the second write until the server's delayed ACK (about 40 ms a message on Linux).
            if smtp.sock is not None:
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
            self._smtp = smtp
        return self._smtp

    def send(self, email: OutgoingEmail) -> None:
        message = EmailMessage()
        message["Message-ID"] = email.message_id
        message["From"] = self.settings.mail_from
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Date"] = formatdate(usegmt=True)
        message["X-Returnhub-Template"] = email.template
        message.set_content(email.body)
        try:
            self._connection().send_message(message)
        except BaseException:
            self.close()  # a broken connection is not reused
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except Exception:  # noqa: BLE001 - closing a dead connection
                pass
            self._smtp = None


class NotifyAdapter:
    """GOV.UK Notify (https://docs.notifications.service.gov.uk/rest-api.html): one email template in Notify
    with ((subject)) and ((body)) placeholders; the Message-ID travels as the ``reference``.

    ``post`` is injectable (tests, a proxy); by default it is httpx. Not exercised against the live service.
    """

    URL = "https://api.notifications.service.gov.uk/v2/notifications/email"

    def __init__(
        self,
        settings: NoticesSettings,
        post: Callable[[str, dict[str, str], dict[str, Any]], int] | None = None,
    ) -> None:
        if not settings.notify_api_key or not settings.notify_template_id:
            raise InvalidInput(
                "the Notify adapter needs RETURNHUB_NOTIFY_API_KEY and RETURNHUB_NOTIFY_TEMPLATE_ID"
            )
        self.settings = settings
        self.post = post or _httpx_post

    def _token(self) -> str:
        # A Notify API key ends with the service id and the secret, each a 36-character UUID.
        key = self.settings.notify_api_key or ""
        service_id, secret = key[-73:-37], key[-36:]

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        header = b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
        claims = b64(json.dumps({"iss": service_id, "iat": int(time.time())}).encode())
        signature = hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
        return f"{header}.{claims}.{b64(signature)}"

    def send(self, email: OutgoingEmail) -> None:
        payload = {
            "email_address": email.to,
            "template_id": self.settings.notify_template_id,
            "personalisation": {"subject": email.subject, "body": email.body},
            "reference": email.message_id,
        }
        status = self.post(self.URL, {"Authorization": f"Bearer {self._token()}"}, payload)
        if status != 201:
            raise RuntimeError(f"GOV.UK Notify answered {status}")

    def close(self) -> None:
        return None


def _httpx_post(url: str, headers: dict[str, str], payload: dict[str, Any]) -> int:
    import httpx

    return httpx.post(url, headers=headers, json=payload, timeout=10.0).status_code


def adapter_for(settings: NoticesSettings) -> EmailAdapter:
    if settings.notices_adapter == "notify":
        return NotifyAdapter(settings)
    if settings.notices_adapter == "smtp":
        return SmtpAdapter(settings)
    raise InvalidInput(f"RETURNHUB_NOTICES_ADAPTER must be smtp or notify, not {settings.notices_adapter!r}")


def backoff(attempts: int, settings: NoticesSettings) -> float:
    """Seconds to wait after the ``attempts``-th failure: doubling from the base, capped."""
    return float(
        min(settings.notices_backoff_cap_seconds, settings.notices_backoff_seconds * 2 ** (attempts - 1))
    )


def _claim(engine: Engine, clock: Clock, settings: NoticesSettings, batch: int) -> list[OutgoingEmail]:
    now = clock.now()
    expired = now - timedelta(seconds=settings.notices_lease_seconds)
    with unit_of_work(engine) as session:
        query = (
            select(OutboxMessage)
            .where(
                or_(
                    and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
                    # A sender died holding it: the lease has run out, so send it again (same key).
                    and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < expired),
                )
            )
            .order_by(OutboxMessage.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        rows = list(session.execute(query).scalars())
        for row in rows:
            row.status, row.claimed_at, row.attempts = "sending", now, row.attempts + 1
        return [OutgoingEmail(r.id, r.message_id, r.to_address, r.subject, r.body, r.template) for r in rows]


def _mark_sent(engine: Engine, outbox_id: int, clock: Clock) -> None:
    with unit_of_work(engine) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == outbox_id, OutboxMessage.status == "sending")
            .values(status="sent", sent_at=clock.now(), last_error=None)
        )


def _mark_failed(engine: Engine, outbox_id: int, error: str, clock: Clock, settings: NoticesSettings) -> None:
    with unit_of_work(engine) as session:
        row = session.get(OutboxMessage, outbox_id, with_for_update=True)
        if row is None or row.status != "sending":
            return
        row.last_error = error[:2000]
        if row.attempts >= settings.notices_max_attempts:
            row.status = "failed"
        else:
            row.status = "pending"
            row.next_attempt_at = clock.now() + timedelta(seconds=backoff(row.attempts, settings))


def send_due(
    engine: Engine, adapter: EmailAdapter, *, clock: Clock, settings: NoticesSettings, batch: int = 20
) -> dict[str, int]:
    """Send what is due now: each email marked sent right after the server accepted it (so a crash can
    repeat at most the one email in flight)."""
    counts = {"sent": 0, "failed": 0}
    for email in _claim(engine, clock, settings, batch):
        outbox_id = email.outbox_id
        try:
            adapter.send(email)
        except Exception as exc:  # noqa: BLE001 - any delivery failure is retried later
            _mark_failed(engine, outbox_id, f"{type(exc).__name__}: {exc}", clock, settings)
            counts["failed"] += 1
            continue
        _mark_sent(engine, outbox_id, clock)
        counts["sent"] += 1
    return counts


def run_loop(
    engine: Engine,
    adapter: EmailAdapter,
    *,
    clock: Clock,
    settings: NoticesSettings,
    interval: float = 1.0,
    batch: int = 20,
    should_stop: Callable[[], bool] = lambda: False,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Send forever (until ``should_stop``): a full batch is followed at once by the next; idle waits."""
    if on_ready is not None:
        on_ready()
    try:
        while not should_stop():
            try:
                counts = send_due(engine, adapter, clock=clock, settings=settings, batch=batch)
            except Exception:  # noqa: BLE001 - the database is busy or away: the loop must outlive it
                log.exception("sending the outbox failed; trying again")
                counts = {"sent": 0, "failed": 0}
            if counts["sent"] + counts["failed"] < batch:
                time.sleep(interval)
    finally:
        adapter.close()


def background_sender(runtime: Any, settings: NoticesSettings, interval: float = 1.0) -> Callable[[], None]:
    """Run the send loop in a daemon thread; returns the function that stops it (and waits for it)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_loop,
        args=(runtime.engine, adapter_for(settings)),
        kwargs={
            "clock": runtime.clock,
            "settings": settings,
            "interval": interval,
            "should_stop": stop.is_set,
        },
        name="notices-sender",
        daemon=True,
    )
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(timeout=interval + 15)

    return halt
