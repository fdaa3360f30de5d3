"""Counts that describe a synthetic population, for tests, docs and the seed command's report."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import polars as pl

from returnhub.casework.state import LegalEvent, fold
from returnhub.synthetic.generator import Population


def case_statuses(events: pl.DataFrame) -> dict[int, str]:
    """Each person's current status, by folding their events with the casework fold (the one definition).

    ``events`` must be sorted by person, as a population's events are.
    """
    statuses: dict[int, str] = {}
    history: list[LegalEvent] = []
    current = -1
    columns = [events[name].to_list() for name in ("person_index", "sequence", "event_type", "occurred_on")]
    columns += [events["recorded_at"].to_list(), events["data"].to_list()]
    # A population has few distinct payloads; parse each once (the fold only reads them).
    parsed: dict[str, dict[str, Any]] = {}
    for person, sequence, event_type, occurred_on, recorded_at, data in zip(*columns, strict=True):
        if person != current:
            if history:
                statuses[current] = fold(history).status
            history, current = [], person
        payload = parsed.get(data)
        if payload is None:
            payload = parsed[data] = json.loads(data)
        history.append(LegalEvent(sequence, event_type, occurred_on, recorded_at, payload))
    if history:
        statuses[current] = fold(history).status
    return statuses


def population_summary(pop: Population) -> dict[str, Any]:
    """Persons and events, counts by nationality and by event type, and final status counts.

    The final status comes from folding every history, so this costs about as much as a projection
    rebuild (seconds for tens of thousands of people).
    """
    persons, events = pop.persons, pop.events
    by_nationality = dict(persons.group_by("nationality").len().sort("nationality").iter_rows())
    by_event_type = dict(events.group_by("event_type").len().sort("event_type").iter_rows())
    statuses = Counter(case_statuses(events).values())
    in_families = persons.filter(pl.col("family_index").is_not_null()).height
    return {
        "persons": persons.height,
        "events": events.height,
        "events_per_person": events.height / max(1, persons.height),
        "family_units": persons["family_index"].n_unique()
        - (1 if persons["family_index"].null_count() else 0),
        "people_in_families": in_families,
        "by_nationality": by_nationality,
        "by_event_type": by_event_type,
        "by_final_outcome": dict(sorted(statuses.items())),
    }
