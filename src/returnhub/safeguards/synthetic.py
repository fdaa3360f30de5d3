"""Random but realistic case-facts frames (synthetic only), for the benchmark, tests and what-if runs.

Proportions are illustrative, loosely shaped on the research's UK figures (most claims in a returns
caseload finally refused, a minority with remedies, NRM referrals, age disputes or vulnerabilities); they
are not statistics. Every date is on or before ``as_of``, as in a real fold at that date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import polars as pl

from returnhub.partners.agreement_terms import AgreementTerms
from returnhub.safeguards.facts import FACTS_SCHEMA, conform, decisions_series

NATIONALITIES = [
    "ALB",
    "AFG",
    "ERI",
    "IRN",
    "IRQ",
    "SYR",
    "SDN",
    "VNM",
    "BGD",
    "EGY",
    "TUR",
    "PAK",
    "IND",
    "GEO",
    "TUN",
]
HUBS = ["HUB-A1", "HUB-B1", "HUB-C1"]


def _dates(rng: np.random.Generator, n: int, as_of: date, max_days_back: int, share: float) -> pl.Series:
    """Dates up to ``max_days_back`` before ``as_of`` for a ``share`` of rows, null for the rest."""
    base = np.datetime64(as_of, "D")
    offsets = rng.integers(0, max_days_back, n).astype("timedelta64[D]")
    values = (base - offsets).astype("datetime64[D]")
    mask = rng.random(n) >= share
    return pl.Series(values).cast(pl.Date).scatter(np.flatnonzero(mask), None)


def _choice(rng: np.random.Generator, n: int, options: Sequence[str | None], p: list[float]) -> pl.Series:
    index = rng.choice(len(options), size=n, p=p)
    return pl.Series([options[i] for i in range(len(options))], dtype=pl.String()).gather(index)


def synthetic_facts(n: int, *, as_of: date, seed: int = 7, decision_share: float = 0.01) -> pl.DataFrame:
    """``n`` cases' base facts on ``as_of`` (the facts schema; the pure path's input)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1, dtype=np.int64)
    born = np.datetime64(as_of, "D") - rng.integers(15 * 365, 65 * 365, n).astype("timedelta64[D]")
    flags = {
        name: rng.random(n) for name in ("appeal", "fs", "jr", "inj", "a8", "fam", "det", "val", "fit", "med")
    }
    family_ids = np.where(rng.random(n) < 0.2, rng.integers(1, max(2, n // 3), n), -1)
    frame = pl.DataFrame(
        {
            "case_id": ids,
            "nationality": _choice(rng, n, NATIONALITIES, [1 / len(NATIONALITIES)] * len(NATIONALITIES)),
            "sex": _choice(rng, n, ["M", "F", "X"], [0.8, 0.19, 0.01]),
            "date_of_birth": pl.Series(born.astype("datetime64[D]")).cast(pl.Date),
            "family_unit_id": pl.Series(family_ids).replace(-1, None),
            "family_youngest_other_date_of_birth": _dates(rng, n, as_of, 50 * 365, 0.2),
            "claim_outcome": _choice(
                rng, n, ["refuse", "certified", "grant", "withdrawn", None], [0.78, 0.05, 0.08, 0.04, 0.05]
            ),
            "appeal_pending": flags["appeal"] < 0.08,
            "appeal_rights_exhausted_on": _dates(rng, n, as_of, 3 * 365, 0.72),
            "further_submissions_pending": flags["fs"] < 0.05,
            "further_submissions_lodged_on": _dates(rng, n, as_of, 400, 0.1),
            "judicial_review_pending": flags["jr"] < 0.03,
            "injunction_in_force": flags["inj"] < 0.005,
            "rule39_granted_on": _dates(rng, n, as_of, 200, 0.01),
            "rule39_expires_on": _dates(rng, n, as_of + timedelta(days=60), 120, 0.5),
            "nrm_referred_on": _dates(rng, n, as_of, 500, 0.08),
            "nrm_reasonable_grounds": _choice(rng, n, [None, "positive", "negative"], [0.93, 0.05, 0.02]),
            "nrm_reasonable_grounds_on": _dates(rng, n, as_of, 400, 1.0),
            "nrm_conclusive_grounds": _choice(rng, n, [None, "positive", "negative"], [0.96, 0.02, 0.02]),
            "nrm_conclusive_grounds_on": _dates(rng, n, as_of, 300, 1.0),
            "nrm_reconsideration_requested_on": _dates(rng, n, as_of, 300, 0.005),
            "age_dispute_open": rng.random(n) < 0.02,
            "age_dispute_outcome": _choice(rng, n, [None, "adult", "minor"], [0.96, 0.03, 0.01]),
            "assessed_date_of_birth": _dates(rng, n, as_of, 40 * 365, 0.02),
            "adults_at_risk_level": pl.Series(rng.integers(0, 4, n)).scatter(
                np.flatnonzero(rng.random(n) < 0.6), None
            ),
            "adults_at_risk_assessed_on": _dates(rng, n, as_of, 600, 0.4),
            "fit_to_fly": pl.Series(flags["fit"] >= 0.01).scatter(np.flatnonzero(flags["fit"] > 0.3), None),
            "fitness_assessed_on": _dates(rng, n, as_of, 300, 0.3),
            "serious_medical_condition": flags["med"] < 0.03,
            "article8_pending": flags["a8"] < 0.04,
            "family_in_uk": flags["fam"] < 0.05,
            "detained": flags["det"] < 0.1,
            "detained_on": _dates(rng, n, as_of, 700, 0.1),
            "detention_validated_on": pl.Series(
                np.where(flags["val"] < 0.5, np.datetime64(as_of, "D"), np.datetime64("NaT"))
            ).cast(pl.Date),
            "removal_notice_served_on": _dates(rng, n, as_of, 60, 0.3),
            "hub_referred_to": _choice(rng, n, [None, *HUBS], [0.94, 0.02, 0.02, 0.02]),
        }
    ).with_columns(
        pl.format("RH{}", pl.col("case_id").cast(pl.String).str.zfill(8)).alias("reference"),
        # Events that follow one another keep their order: a reasonable-grounds decision after the referral.
        pl.when(pl.col("nrm_reasonable_grounds").is_not_null())
        .then(pl.coalesce("nrm_reasonable_grounds_on", "nrm_referred_on"))
        .alias("nrm_reasonable_grounds_on"),
        pl.when(pl.col("nrm_conclusive_grounds").is_not_null())
        .then(pl.coalesce("nrm_conclusive_grounds_on", "nrm_referred_on"))
        .alias("nrm_conclusive_grounds_on"),
        pl.when(pl.col("rule39_granted_on").is_not_null())
        .then(pl.col("rule39_expires_on"))
        .alias("rule39_expires_on"),
        pl.when(pl.col("age_dispute_outcome").is_not_null())
        .then(pl.col("assessed_date_of_birth"))
        .alias("assessed_date_of_birth"),
    )
    decisions = _decisions(rng, n, as_of, decision_share)
    return conform(frame.with_columns(decisions))


def _decisions(rng: np.random.Generator, n: int, as_of: date, share: float) -> pl.Series:
    """Senior caseworkers' decisions on a few cases. Their fingerprints are random: they have lapsed."""
    chosen = np.flatnonzero(rng.random(n) < share)
    values: list[list[dict[str, object]]] = [[] for _ in range(n)]
    for i in chosen:
        values[int(i)] = [
            {
                "rule": ("R8", "R11", "MED", "FTFS")[int(i) % 4],
                "decision": "approve",
                "decided_on": as_of,
                "decided_by": "senior-1",
                "reasoning": "synthetic",
                "facts_fingerprint": f"v1:{int(i):064x}",
                "sequence": 1,
            }
        ]
    return decisions_series(values)


def synthetic_terms(as_of: date, sending_state: str = "GBR") -> list[AgreementTerms]:
    """Three illustrative agreements in force: open, nationality-scoped, and one with an unsafe profile."""
    return [
        AgreementTerms(
            agreement="SYN-A",
            hub_country="SRB",
            on=as_of,
            in_force=True,
            excluded_groups=frozenset({"host_nationals", "unaccompanied_minors"}),
            monitoring_body="Synthetic monitor",
            unsafe_for_nationalities=frozenset({"SYR"}),
            hubs=("HUB-A1",),
            sending_state=sending_state,
        ),
        AgreementTerms(
            agreement="SYN-B",
            hub_country="MKD",
            on=as_of,
            in_force=True,
            nationalities_in_scope=frozenset({"ALB", "IRQ", "VNM", "GEO", "TUR"}),
            excluded_groups=frozenset({"women", "vulnerable", "families_with_minors"}),
            monitoring_body="Synthetic monitor",
            hubs=("HUB-B1",),
            sending_state=sending_state,
        ),
        AgreementTerms(
            agreement="SYN-C",
            hub_country="XKX",
            on=as_of,
            in_force=True,
            unsafe_for_profiles=frozenset({"sex:F", "lgbt"}),
            monitoring_body="Synthetic monitor",
            hubs=("HUB-C1",),
            sending_state=sending_state,
        ),
    ]


__all__ = ["FACTS_SCHEMA", "synthetic_facts", "synthetic_terms"]
