"""What the safeguards' reads of a stored screening return: its headline, shared by the API (its response
model, under its schema name ``ScreeningOut``), the pages and the command line."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from returnhub.core.time import utc


class ScreeningOut(BaseModel):
    """Read straight from the stored ``Screening`` row (``from_attributes``)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    pack: str
    pack_version: str
    stage: str
    as_of: date
    created_at: Annotated[datetime, AfterValidator(utc)]  # SQLite gives it back naive
    created_by: str
    cases: int
    eligible: int
    review: int
    barred: int
    by_rule: dict[str, int]
    seconds: float
    rules: list[dict[str, Any]]
    agreements: list[dict[str, Any]]
