"""Operations' bulk reads for other contexts (the statistics tables): its transfers and the departure
gate's checks, column-wise, so that no other context reads operations' tables (``models``)."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from returnhub.operations.models import GateCheck, Transfer


def transfer_seats(session: Session) -> pl.DataFrame:
    """Every transfer's ``reference``, ``hub`` and ``seats``: one row per transfer."""
    rows = session.execute(select(Transfer.reference, Transfer.hub, Transfer.seats)).all()
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"reference": pl.String, "hub": pl.String, "seats": pl.Int64},
        orient="row",
    )


def gate_stops_by_rule(
    session: Session, since: datetime, before: datetime, *, known_at: datetime | None = None
) -> pl.DataFrame:
    """Moves the departure gate stopped in its checks at or after ``since`` and before ``before`` (and not
    after ``known_at`` when given), by the rule that stopped them (``rule``, ``stopped``): a person stopped
    by two rules counts under both, and a stop with no rule recorded counts under ``"not recorded"``."""
    query = select(GateCheck.results).where(GateCheck.checked_at >= since, GateCheck.checked_at < before)
    if known_at is not None:
        query = query.where(GateCheck.checked_at <= known_at)
    counts: dict[str, int] = {}
    for (results,) in session.execute(query).all():
        for result in results or []:
            if result.get("outcome") != "eligible":
                for rule in result.get("barring_rules") or ["not recorded"]:
                    counts[str(rule)] = counts.get(str(rule), 0) + 1
    return pl.DataFrame(
        {"rule": list(counts), "stopped": list(counts.values())},
        schema={"rule": pl.String, "stopped": pl.Int64},
    )
