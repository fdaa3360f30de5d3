"""Safeguards: legal rules as code, with citations, explanations and whole-caseload screening.

The public API (kept stable for operations, allocation and the simulator; see docs/safeguards.md):

- :func:`evaluate_case` - one case, one stage, one date, as known at a time -> :class:`Explanation`
- :func:`caseload_facts` - every case's facts on a date as a Polars frame
- :func:`screen_frame` - outcomes per case and rule over any facts frame (pure)
- :func:`eligible_agreements` - per case, the agreements and hubs the person may go to (pure)
- :func:`facts_fingerprint`, :func:`review_fingerprint`, :func:`record_review_decision` - review decisions
"""

from __future__ import annotations

from returnhub.safeguards.engine import eligible_agreements, facts_fingerprint, screen_frame
from returnhub.safeguards.explain import Explanation
from returnhub.safeguards.rules import Outcome, Stage
from returnhub.safeguards.service import (
    caseload_eligible_agreements,
    caseload_facts,
    evaluate_case,
    record_review_decision,
    review_fingerprint,
    screen,
)

__all__ = [
    "Explanation",
    "Outcome",
    "Stage",
    "caseload_eligible_agreements",
    "caseload_facts",
    "eligible_agreements",
    "evaluate_case",
    "facts_fingerprint",
    "record_review_decision",
    "review_fingerprint",
    "screen",
    "screen_frame",
]
