"""The synthetic generator's building blocks: day numbers (days since 1970-01-01, ``NEVER`` for a stage that
does not happen), the legal order of the event types it writes, seeded random draws in the shapes it needs,
its payloads (each distinct one validated once) and the event log it collects stage by stage.

The generator (``generator.py``) draws whole legal histories with these; nothing here knows a stage.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from returnhub.casework.events import validate_payload

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

#: A day no history reaches: "this stage does not happen".
NEVER: Final = 100_000_000
EPOCH: Final = date(1970, 1, 1)
DAYS_PER_YEAR: Final = 365.25
ADULT_AGE_DAYS: Final = 6575  # 18 years
SECONDS_PER_DAY: Final = 86_400
WORKDAY_START_SECONDS: Final = 8 * 3600
WORKDAY_LENGTH_SECONDS: Final = 10 * 3600

#: Every event type the generator writes, in legal order for events on the same day (the index is the
#: tie-break rank). Transfers, hub events, reviews and retractions are written by operations, never here.
EVENT_ORDER: Final[tuple[str, ...]] = (
    "arrival",
    "asylum_claim_lodged",
    "age_dispute_raised",
    "age_dispute_resolved",
    "asylum_claim_decided",
    "appeal_lodged",
    "appeal_decided",
    "appeal_rights_exhausted",
    "further_submissions_lodged",
    "further_submissions_decided",
    "article8_claim_lodged",
    "article8_claim_decided",
    "nrm_referral",
    "nrm_reasonable_grounds_decided",
    "nrm_reconsideration_requested",
    "nrm_reconsideration_decided",
    "nrm_conclusive_grounds_decided",
    "travel_document_requested",
    "travel_document_issued",
    "travel_document_refused",
    "detained",
    "adults_at_risk_assessed",
    "fitness_to_fly_assessed",
    "removal_notice_served",
    "departure_details_served",
    "judicial_review_lodged",
    "injunction_granted",
    "rule39_granted",
    "judicial_review_decided",
    "injunction_discharged",
    "rule39_lifted",
    "released",
    "voluntary_return_applied",
)
RANK: Final[dict[str, int]] = {event_type: rank for rank, event_type in enumerate(EVENT_ORDER)}

#: Events that may reach the system long after they happened (assessments and decisions sent by post),
#: so that some histories are recorded out of legal order, as real ones are.
LATE_RECORDABLE: Final = frozenset(
    {
        "adults_at_risk_assessed",
        "fitness_to_fly_assessed",
        "nrm_reasonable_grounds_decided",
        "nrm_conclusive_grounds_decided",
        "article8_claim_lodged",
        "travel_document_issued",
        "travel_document_refused",
    }
)


def day_number(d: date) -> int:
    return (d - EPOCH).days


def year_of(days: I64) -> I64:
    finite = np.minimum(days, NEVER)
    years: I64 = finite.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return years


def by_year(table: Mapping[int, float], years: I64) -> F64:
    """Look a per-year rate up; years outside the table take the nearest year's value."""
    first, last = min(table), max(table)
    lookup = np.array([table[min(max(y, first), last)] for y in range(first, last + 1)], dtype=np.float64)
    out: F64 = lookup[np.clip(years, first, last) - first]
    return out


def by_nationality(table: Mapping[str, float], codes: Sequence[str], nationality: I64) -> F64:
    default = table.get("_other", 0.0)
    lookup = np.array([table.get(code, default) for code in codes], dtype=np.float64)
    out: F64 = lookup[nationality]
    return out


class Draw:
    """Random draws in the shapes the generator needs, all from one seeded generator."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def chance(self, p: float | F64, size: int) -> Mask:
        out: Mask = self.rng.random(size) < p
        return out

    def lognormal_days(self, median: float | F64, sigma: float, size: int) -> I64:
        raw = np.asarray(median) * np.exp(sigma * self.rng.standard_normal(size))
        out: I64 = np.maximum(1, np.rint(raw)).astype(np.int64)
        return out

    def exponential_days(self, mean: float, size: int) -> I64:
        out: I64 = np.rint(self.rng.exponential(mean, size)).astype(np.int64)
        return out

    def uniform_days(self, low: int, high: int, size: int) -> I64:
        """Whole days, ``low`` to ``high`` inclusive."""
        out: I64 = self.rng.integers(low, high + 1, size, dtype=np.int64)
        return out

    def fraction_of(self, lengths: I64) -> I64:
        """A whole number of days in ``[0, length]`` for each length."""
        out: I64 = np.floor(self.rng.random(lengths.size) * (lengths + 1)).astype(np.int64)
        return out

    def choice(self, weights: Sequence[float], size: int) -> I64:
        p = np.asarray(weights, dtype=np.float64)
        out: I64 = self.rng.choice(p.size, size=size, p=p / p.sum()).astype(np.int64)
        return out

    def index(self, n: int, size: int) -> I64:
        out: I64 = self.rng.integers(0, n, size, dtype=np.int64)
        return out


class Payloads:
    """The distinct payloads of the population, each validated once and stored as compact JSON."""

    def __init__(self) -> None:
        self.strings: list[str] = ["{}"]
        self._by_string: dict[str, int] = {"{}": 0}
        self._by_input: dict[tuple[str, str], int] = {}

    def code(self, event_type: str, data: Mapping[str, Any] | None = None) -> int:
        key = (event_type, json.dumps(data or {}, sort_keys=True, default=str))
        found = self._by_input.get(key)
        if found is None:
            normalised = validate_payload(event_type, dict(data or {}))
            text = json.dumps(normalised, sort_keys=True, separators=(",", ":"))
            found = self._by_string.setdefault(text, len(self.strings))
            if found == len(self.strings):
                self.strings.append(text)
            self._by_input[key] = found
        return found

    def codes(self, event_type: str, options: Sequence[Mapping[str, Any]]) -> I64:
        return np.array([self.code(event_type, option) for option in options], dtype=np.int64)

    def dated(self, event_type: str, field: str, days: I64, **fixed: Any) -> I64:
        """Payloads that carry a date: one template, validated once, filled in for each distinct date."""
        distinct, inverse = np.unique(days, return_inverse=True)
        if distinct.size == 0:
            return np.zeros(0, dtype=np.int64)
        iso = np.datetime_as_string(distinct.astype("datetime64[D]")).tolist()
        self.code(event_type, {field: date.fromisoformat(iso[0]), **fixed})  # validates the template
        marker = "\u0000"
        template = json.dumps({field: marker, **fixed}, sort_keys=True, separators=(",", ":"))
        before, after = template.split(json.dumps(marker))
        codes = np.empty(distinct.size, dtype=np.int64)
        for i, text in enumerate(f'{before}"{day}"{after}' for day in iso):
            found = self._by_string.setdefault(text, len(self.strings))
            if found == len(self.strings):
                self.strings.append(text)
            codes[i] = found
        out: I64 = codes[inverse.reshape(-1)]
        return out


class EventLog:
    """Events collected stage by stage as parallel arrays; anything after the last day is dropped."""

    def __init__(self, last_day: int) -> None:
        self.last_day = last_day
        self.persons: list[I64] = []
        self.types: list[I64] = []
        self.days: list[I64] = []
        self.payloads: list[I64] = []

    def add(self, persons: I64, event_type: str, days: I64, payloads: I64 | int = 0) -> None:
        keep = days <= self.last_day
        if not keep.any():
            return
        count = int(keep.sum())
        self.persons.append(persons[keep])
        self.types.append(np.full(count, RANK[event_type], dtype=np.int64))
        self.days.append(days[keep])
        if isinstance(payloads, int):
            self.payloads.append(np.full(count, payloads, dtype=np.int64))
        else:
            self.payloads.append(payloads[keep])
