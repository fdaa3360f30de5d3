"""Start a simulation from the live caseload: stocks from the projection, hub eligibility from the safeguards.

This is the only module of the simulator that reads the database. The eligible share per nationality comes
from the safeguards engine run vectorised over the caseload (``safeguards.screen``), never from a second
implementation of the rules.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from returnhub.casework.queries import cases_with_status, count_cases_by
from returnhub.simulation.parameters import InitialCaseload

#: Projection status -> simulator stock. Granted, returned and other closed cases are not stocks.
STATUS_TO_STOCK = {
    "arrived": "awaiting_decision",
    "claim_pending": "awaiting_decision",
    "refused": "refused_awaiting_appeal",
    "appeal_pending": "appeal_pending",
    "appeal_rights_exhausted": "appeal_rights_exhausted",
    "referred_to_hub": "appeal_rights_exhausted",
    "allocated": "appeal_rights_exhausted",
}


def status_counts(session: Session) -> dict[str, dict[str, int]]:
    rows = count_cases_by(session, "status", "nationality", "hub")
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    in_hub: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for status, nationality, hub, n in rows:
        if status in ("in_hub", "in_transit") and hub:
            in_hub[hub][nationality] += int(n)
        stock = STATUS_TO_STOCK.get(status)
        if stock is not None:
            counts[stock][nationality] += int(n)
    out: dict[str, Any] = {k: dict(v) for k, v in counts.items()}
    if in_hub:
        out["in_hub"] = {h: dict(v) for h, v in in_hub.items()}
    return out


def hub_eligible_counts(session: Session, *, as_of: date, pack: str = "uk") -> dict[str, int]:
    """ARE people whom the safeguards allow to be referred to a hub, by nationality."""
    from returnhub.safeguards.service import screen

    run = screen(session, pack=pack, stage="hub_referral", as_of=as_of)
    results = run.results
    if results.is_empty():
        return {}
    eligible = results.filter(pl.col("outcome") == "eligible").select("reference")
    are = cases_with_status(
        session, ("appeal_rights_exhausted", "referred_to_hub"), columns=("reference", "nationality")
    )
    frame = pl.DataFrame(
        {"reference": [r[0] for r in are], "nationality": [r[1] for r in are]},
        schema={"reference": pl.String, "nationality": pl.String},
    )
    joined = frame.join(eligible, on="reference", how="inner").group_by("nationality").len()
    return {row[0]: int(row[1]) for row in joined.iter_rows()}


def initial_from_database(session: Session, *, as_of: date, pack: str = "uk") -> InitialCaseload:
    counts: dict[str, Any] = status_counts(session)
    counts["hub_eligible"] = hub_eligible_counts(session, as_of=as_of, pack=pack)
    return InitialCaseload.from_status_counts(counts)
