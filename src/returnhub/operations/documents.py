"""Travel documents: MRZ checks (ICAO Doc 9303) and how long each country takes to answer ETD requests."""

from __future__ import annotations

import statistics
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from returnhub.casework.queries import events_of_types
from returnhub.operations.views import EtdResponseTimes
from returnhub.people.mrz import check_mrz

__all__ = ["check_mrz", "etd_response_times"]


def etd_response_times(session: Session) -> list[EtdResponseTimes]:
    """Per country of origin: requests, answers, and days from request to answer (the OIG-19-28 metric)."""
    rows = events_of_types(
        session, ("travel_document_requested", "travel_document_issued", "travel_document_refused")
    )
    open_requests: dict[tuple[int, str], date] = {}
    per_country: dict[str, dict[str, Any]] = {}
    for case_id, event_type, occurred_on, data in rows:
        country = str(data.get("country", "?"))
        stats = per_country.setdefault(country, {"requests": 0, "issued": 0, "refused": 0, "days": []})
        if event_type == "travel_document_requested":
            stats["requests"] += 1
            open_requests[(case_id, country)] = occurred_on
            continue
        stats["issued" if event_type == "travel_document_issued" else "refused"] += 1
        asked = open_requests.pop((case_id, country), None)
        if asked is not None:
            stats["days"].append((occurred_on - asked).days)
    out = []
    for country, s in sorted(per_country.items()):
        days = s.pop("days")
        out.append(
            EtdResponseTimes(
                country=country,
                requests=s["requests"],
                issued=s["issued"],
                refused=s["refused"],
                pending=s["requests"] - s["issued"] - s["refused"],
                median_days_to_answer=statistics.median(days) if days else None,
                mean_days_to_answer=round(statistics.fmean(days), 1) if days else None,
            )
        )
    return out
