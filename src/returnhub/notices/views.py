"""What notices' reads return: a notice as its reader sees it, and an email's delivery as the independent
monitor and the planners see it. Shared by the API (its response models), the pages and the command line."""

from __future__ import annotations

from pydantic import BaseModel

from returnhub.core.jsonable import Instant


class NoticeView(BaseModel):
    id: int
    cause: str
    subject: str
    body: str
    link: str
    case_reference: str | None
    transfer: str | None
    created_at: Instant
    read: bool
    read_at: Instant | None


class DeliveryView(BaseModel):
    outbox_id: int
    notice_id: int
    recipient: str
    subject: str
    case_reference: str | None
    transfer: str | None
    status: str
    attempts: int
    last_error: str | None
    message_id: str
    created_at: Instant
    sent_at: Instant | None
