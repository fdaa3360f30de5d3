"""What casework's reads return: one typed view each, shared by the API (its response models), the staff
pages and the command line.

The names are the API's schema names (``CaseSummary``, ``CaseView``, ``EventOut``), so the OpenAPI
document keeps them. Dates and instants are ``date`` and ``datetime`` (UTC); the API writes them as
JSON through Pydantic, the command line through ``core.jsonable`` (the record's own ISO forms).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class CaseSummary(BaseModel):
    """One case as the projection holds it: a row of a search or a list."""

    reference: str
    given_name: str
    family_name: str
    nationality: str
    sex: str
    date_of_birth: date
    status: str
    version: int | None
    appeal_rights_exhausted_on: date | None
    last_occurred_on: date | None

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class CasePage(BaseModel):
    data: list[CaseSummary]
    next_cursor: str | None = Field(
        description="Pass as `after` to get the next page; null on the last page."
    )


class EventOut(BaseModel):
    """One event of a case's timeline, its sealed fields opened or restricted for the reader."""

    sequence: int
    type: str
    occurred_on: date
    occurred_at: datetime | None = None
    recorded_at: datetime
    recorded_by: str
    data: dict[str, Any] = Field(
        description='The payload. A special-category field reads "[restricted]" unless your role may see '
        'such data, and "[erased]" once erased.'
    )
    hash: str


class Identity(BaseModel):
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    nationality: str
    languages: list[str]


class CaseView(BaseModel):
    """One case: identity, the state (as of a legal date, as known at a time, if given) and the timeline."""

    reference: str
    identity: Identity
    family_unit: list[str] = Field(
        description="This case and the family members whose cases you may open (a legal representative sees "
        "only their clients; a hub liaison the people at their hubs)."
    )
    as_of: date | None
    known_at: datetime | None
    status: str
    version: int
    state: dict[str, Any]
    timeline: list[EventOut]


class CaseDetail(CaseView):
    """A case as a user may see it: its family narrowed to the members whose cases they may open."""

    family_members_not_shown: int = Field(
        default=0, description="Family members whose cases you may not open: counted, never named."
    )
