"""What access's reads return: an account as an administrator sees it. Shared by the API (its response
model, under its schema name ``UserOut``), the pages and the command line."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from returnhub.access.roles import Role


class UserOut(BaseModel):
    name: str
    role: Role
    active: bool
    locked: bool
    locked_until: datetime | None
    failed_sign_ins: int
    last_sign_in_at: datetime | None
    created_at: datetime
    created_by: str
    version: int
    hubs: list[str]
    clients: list[str]
