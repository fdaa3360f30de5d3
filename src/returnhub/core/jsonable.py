"""The record's JSON for the command line and the exports: typed views (Pydantic models) dumped, dates and
instants in their ISO forms (an instant in UTC, written ``+00:00``), as the services wrote them when they
returned plain dicts. The API writes the same views through its response models."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import PlainSerializer

from returnhub.core.time import utc


def plain(value: Any) -> Any:
    """``value`` with every model, date and instant in it turned into JSON's own types (recursively)."""
    if hasattr(value, "model_dump") and not isinstance(value, type):
        return plain(value.model_dump())
    if is_dataclass(value) and not isinstance(value, type):  # a plain value a view holds (a gate outcome)
        return plain(asdict(value))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


#: An instant in a typed view, written as the record writes it (ISO 8601 in UTC, ``+00:00``) wherever the
#: view is written: the API's JSON, the command line's, the exports.
Instant = Annotated[datetime, PlainSerializer(lambda value: utc(value).isoformat(), return_type=str)]
