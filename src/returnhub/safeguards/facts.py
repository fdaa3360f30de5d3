"""Case facts: one flat, typed record per case, as a row of a Polars frame.

The base facts are every scalar field of :class:`~returnhub.casework.state.CaseState` (the very columns of
the ``case_projection`` table), the person's identity (nationality, sex, date of birth, family unit), the
youngest date of birth among the other members of the person's family unit, and the senior caseworkers'
review decisions. One case (folded at ``as_of``/``known_at``) and the whole caseload (read from the
projection) produce frames of exactly this schema, so the rules see one shape whatever the path.

The derived facts (ages, the end of a notice period, whether a Rule 39 measure is in force...) are
computed from these by the pack's :class:`~returnhub.safeguards.rules.DerivedFact` expressions, inside the
engine, for both paths alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any, get_args, get_origin, get_type_hints

import orjson
import polars as pl

from returnhub.casework.state import CaseState

#: The person's identity as the rules read it.
IDENTITY_SCHEMA: dict[str, pl.DataType] = {
    "case_id": pl.Int64(),
    "reference": pl.String(),
    "nationality": pl.String(),
    "sex": pl.String(),
    "date_of_birth": pl.Date(),
    "family_unit_id": pl.Int64(),
    #: The youngest (latest) date of birth among the other members of the family unit, if any.
    "family_youngest_other_date_of_birth": pl.Date(),
}

REVIEW_DECISION_DTYPE = pl.Struct(
    {
        "rule": pl.String(),
        "decision": pl.String(),
        "decided_on": pl.Date(),
        "decided_by": pl.String(),
        "reasoning": pl.String(),
        "facts_fingerprint": pl.String(),
        "sequence": pl.Int64(),
    }
)
REVIEW_DECISIONS_DTYPE = pl.List(REVIEW_DECISION_DTYPE)


def _polars_type(annotation: Any) -> pl.DataType | None:
    args = [a for a in get_args(annotation) if a is not type(None)] or [annotation]
    base = args[0]
    if get_origin(base) is tuple or base is tuple or get_origin(annotation) is tuple:
        return None
    if base is datetime:
        return pl.Datetime("us", "UTC")
    if base is date:
        return pl.Date()
    if base is bool:
        return pl.Boolean()
    if base is int:
        return pl.Int64()
    if base is str:
        return pl.String()
    return None


def _state_schema() -> dict[str, pl.DataType]:
    hints = get_type_hints(CaseState)
    schema: dict[str, pl.DataType] = {}
    for f in fields(CaseState):
        dtype = _polars_type(hints[f.name])
        if dtype is not None:
            schema[f.name] = dtype
    return schema


#: Every scalar ``CaseState`` field (the projection's state columns).
STATE_SCHEMA: dict[str, pl.DataType] = _state_schema()

#: The base case-facts schema: identity, state, review decisions.
FACTS_SCHEMA: dict[str, pl.DataType] = {
    **IDENTITY_SCHEMA,
    **STATE_SCHEMA,
    "review_decisions": REVIEW_DECISIONS_DTYPE,
}


def facts_row(
    state: CaseState,
    *,
    reference: str,
    nationality: str,
    sex: str,
    date_of_birth: date,
    family_unit_id: int | None = None,
    family_youngest_other_date_of_birth: date | None = None,
    case_id: int | None = None,
) -> dict[str, Any]:
    """One case's base facts as a plain dict (the one-case path)."""
    row: dict[str, Any] = {
        "case_id": case_id,
        "reference": reference,
        "nationality": nationality,
        "sex": sex,
        "date_of_birth": date_of_birth,
        "family_unit_id": family_unit_id,
        "family_youngest_other_date_of_birth": family_youngest_other_date_of_birth,
    }
    for name in STATE_SCHEMA:
        row[name] = getattr(state, name)
    row["review_decisions"] = [
        {
            "rule": d.rule,
            "decision": d.decision,
            "decided_on": d.decided_on,
            "decided_by": d.decided_by,
            "reasoning": d.reasoning,
            "facts_fingerprint": d.facts_fingerprint,
            "sequence": d.sequence,
        }
        for d in state.review_decisions
    ]
    return row


_BASE_SCHEMA = {k: v for k, v in FACTS_SCHEMA.items() if k != "review_decisions"}
EMPTY_DECISIONS = pl.Series("review_decisions", [[]], dtype=REVIEW_DECISIONS_DTYPE)


def decisions_series(per_row: Sequence[Sequence[Mapping[str, Any]] | None]) -> pl.Series:
    """The ``review_decisions`` column for rows holding lists of decision dicts (most of them empty).

    Built flat and grouped: Polars builds a list-of-struct column from Python objects one element at a
    time, which is slow for a large caseload with few decisions.
    """
    fields = list(REVIEW_DECISION_DTYPE.to_schema())
    if len(per_row) <= 16:
        # A few rows (one case): building the column directly is quicker than grouping.
        values = [[{f: d.get(f) for f in fields} for d in decisions or ()] for decisions in per_row]
        return pl.Series("review_decisions", values, dtype=REVIEW_DECISIONS_DTYPE)
    index: list[int] = []
    flat: dict[str, list[Any]] = {f: [] for f in fields}
    for i, decisions in enumerate(per_row):
        for d in decisions or ():
            index.append(i)
            for f in fields:
                flat[f].append(d.get(f))
    rows = pl.DataFrame({"__row": pl.int_range(len(per_row), eager=True, dtype=pl.UInt32)})
    grouped = (
        pl.DataFrame(
            {"__row": index, **flat}, schema={"__row": pl.UInt32(), **REVIEW_DECISION_DTYPE.to_schema()}
        )
        .group_by("__row", maintain_order=True)
        .agg(pl.struct(fields).alias("review_decisions"))
    )
    joined = rows.join(grouped, on="__row", how="left", maintain_order="left")
    return joined.get_column("review_decisions").fill_null(pl.lit(EMPTY_DECISIONS).first())


def facts_frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """A facts frame of the standard schema from rows (missing keys are null)."""
    materialised = list(rows)
    base = pl.DataFrame(
        [tuple(row.get(name) for name in _BASE_SCHEMA) for row in materialised],
        schema=_BASE_SCHEMA,
        orient="row",
    )
    decisions = decisions_series([row.get("review_decisions") for row in materialised])
    return base.with_columns(decisions)


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Add any missing base-fact column as null and cast the rest to the standard types.

    Callers that build their own frames (the simulator, the benchmark) may omit facts they do not model;
    a missing fact is unknown, and the rules treat unknown conservatively.
    """
    schema = dict(zip(frame.columns, frame.dtypes, strict=True))
    if schema == FACTS_SCHEMA:
        return frame
    columns = []
    for name, dtype in FACTS_SCHEMA.items():
        if name in schema:
            column = pl.col(name)
            if schema[name] != dtype:
                column = column.cast(dtype)
            columns.append(column)
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
    extra = [c for c in schema if c not in FACTS_SCHEMA]
    return frame.select(*columns, *extra)


def family_youngest_other(members: pl.DataFrame) -> pl.DataFrame:
    """For each person of a family unit, the latest date of birth among the *other* members.

    ``members`` has ``case_id``, ``family_unit_id`` and ``date_of_birth``. The same function serves one
    case (its family's few rows) and the whole caseload.
    """
    units = members.filter(pl.col("family_unit_id").is_not_null()).select(
        "case_id", "family_unit_id", "date_of_birth"
    )
    pairs = units.join(units, on="family_unit_id", suffix="_other").filter(
        pl.col("case_id") != pl.col("case_id_other")
    )
    return pairs.group_by("case_id").agg(
        pl.col("date_of_birth_other").max().alias("family_youngest_other_date_of_birth")
    )


def decisions_from_json(raw: Any) -> list[dict[str, Any]]:
    """Review decisions as stored in the projection's JSON column, typed for the facts frame."""
    if raw is None:
        return []
    if isinstance(raw, str | bytes):
        raw = orjson.loads(raw)
    out: list[dict[str, Any]] = []
    for d in raw:
        decided_on = d.get("decided_on")
        out.append(
            {
                "rule": d.get("rule"),
                "decision": d.get("decision"),
                "decided_on": date.fromisoformat(decided_on) if isinstance(decided_on, str) else decided_on,
                "decided_by": d.get("decided_by"),
                "reasoning": d.get("reasoning"),
                "facts_fingerprint": d.get("facts_fingerprint"),
                "sequence": d.get("sequence"),
            }
        )
    return out


def years_between(born: pl.Expr, on: date) -> pl.Expr:
    """Whole years from ``born`` to the date ``on``: a birthday counts from the day itself.

    Dates become ``yyyymmdd`` integers, so the age is their difference divided by 10,000: someone born on
    29 February comes of age on 1 March in a common year.
    """
    on_key = on.year * 10_000 + on.month * 100 + on.day
    born_key = born.dt.year().cast(pl.Int32) * 10_000 + born.dt.month().cast(pl.Int32) * 100 + born.dt.day()
    return (pl.lit(on_key, dtype=pl.Int32) - born_key) // 10_000
