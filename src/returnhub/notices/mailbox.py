"""The demo's local mail server (aiosmtpd): stores what it receives in a Maildir, one copy per Message-ID.

Every delivery attempt is also appended to ``deliveries.log`` (one Message-ID a line), so a test or a
person can count both what arrived (the Maildir) and how often the sender tried (the log): the difference
is the duplicates the at-least-once sender produced and the mailbox dropped.
"""

from __future__ import annotations

import email
import mailbox
import threading
import time
from email.policy import default
from pathlib import Path
from typing import Any

DELIVERIES_LOG = "deliveries.log"


class MaildirHandler:
    """An aiosmtpd handler: keeps the first copy of each Message-ID, logs every delivery with its time."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(str(self.directory / "Maildir"), create=True)
        self.log = self.directory / DELIVERIES_LOG
        self._lock = threading.Lock()
        self.seen: set[str] = {str(m["Message-ID"]) for m in self.maildir}
        #: Message-ID -> time.time() of its first arrival (the latency benchmark reads it).
        self.arrivals: dict[str, float] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        content = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        message = email.message_from_bytes(content, policy=default)
        message_id = str(message.get("Message-ID", "")).strip()
        with self._lock:
            with self.log.open("a", encoding="utf-8") as log:
                log.write(message_id + "\n")
            if message_id and message_id in self.seen:
                return "250 Message accepted (already delivered: duplicate dropped)"
            self.maildir.add(content)
            self.seen.add(message_id)
            self.arrivals.setdefault(message_id, time.time())
        return "250 Message accepted for delivery"


def start_server(directory: Path, host: str = "127.0.0.1", port: int = 8025) -> Any:
    """Start the local SMTP server in a background thread; returns the aiosmtpd controller (``.stop()``)."""
    from aiosmtpd.controller import Controller

    handler = MaildirHandler(directory)
    controller = Controller(handler, hostname=host, port=port)
    controller.start()
    return controller


def read_mailbox(directory: Path) -> dict[str, Any]:
    """What the local server holds: each stored message (newest last) and the count of delivery attempts."""
    directory = Path(directory)
    box = mailbox.Maildir(str(directory / "Maildir"), create=True)
    messages = []
    for key in box.keys():
        raw = box.get_bytes(key)
        m = email.message_from_bytes(raw, policy=default)
        body = m.get_body(preferencelist=("plain",))
        messages.append(
            {
                "message_id": str(m.get("Message-ID", "")),
                "to": str(m.get("To", "")),
                "subject": str(m.get("Subject", "")),
                "date": str(m.get("Date", "")),
                "body": body.get_content() if body is not None else "",
            }
        )
    messages.sort(key=lambda m: _outbox_order(m["message_id"]))
    log = directory / DELIVERIES_LOG
    attempts = log.read_text(encoding="utf-8").split() if log.exists() else []
    return {
        "messages": messages,
        "stored": len(messages),
        "unique_message_ids": len({m["message_id"] for m in messages}),
        "deliveries": len(attempts),
        "duplicates_dropped": len(attempts) - len(set(attempts)),
    }


def _outbox_order(message_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in message_id.split("@", 1)[0] if ch.isdigit())
    return (int(digits) if digits else 0, message_id)
