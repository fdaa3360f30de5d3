"""What the safeguards' reads of a stored screening return: its headline, shared by the API (its response
model, under its schema name ``ScreeningOut``), the pages and the command line."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel


class ScreeningOut(BaseModel):
    id: int
    pack: str
    pack_version: str
    stage: str
    as_of: date
    created_at: datetime
    created_by: str
    cases: int
    eligible: int
    review: int
    barred: int
    by_rule: dict[str, int]
    seconds: float
    rules: list[dict[str, Any]]
    agreements: list[dict[str, Any]]
