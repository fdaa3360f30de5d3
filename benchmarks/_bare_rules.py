"""The UK pack's departure-stage rules written out by hand, for the screen benchmark's two references.

The same predicates as ``safeguards/packs`` (the 13 person and 3 agreement rules, the derived facts they
read, R10's exceptions, the choice of the best agreement), written once against a small set of operations
and run by two back ends:

* ``NumpyOps``: a bare NumPy pass over whole columns (the limit: no query engine, no labels, no plan);
* ``PythonOps``: plain Python, one case at a time over a dict of values (what a naive system would do).

Unknown facts follow the engine's (Polars') three-valued logic: a truth value is 0 (false), 1 (unknown) or
2 (true), so "and" is the minimum, "or" the maximum and "not" is 2 - x. The benchmark checks that both
references give the engine's outcome for every rule and every case before it reports a time, so a
reference that drifted from the rules could not flatter or shame the engine unnoticed. Review decisions
are not modelled: the benchmark's caseload holds none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from returnhub.safeguards.engine import Plan
from returnhub.safeguards.packs.common import REFUSED_OUTCOMES, unknown_excluded_groups, unrecorded_profiles

F, N, T = 0, 1, 2
NA, PASS, REVIEW, BAR = 0, 1, 2, 3
EPOCH = date(1970, 1, 1)
PERSON_RULES = ("R1", "R2", "R3", "R4", "R5", "R5D", "R8", "R9", "R10", "R11", "FTF", "FTFS", "MED")
AGREEMENT_RULES = ("R12", "R12P", "R14")


def _days(d: date) -> int:
    return (d - EPOCH).days


class NumpyOps:
    """Whole columns: dates and integers as float64 days/values with NaN for unknown, text as codes."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.n = frame.height
        self.columns: dict[str, Any] = {}
        for name, dtype in frame.schema.items():
            s = frame.get_column(name)
            if dtype == pl.Date:
                self.columns[name] = s.cast(pl.Int32).cast(pl.Float64).fill_null(np.nan).to_numpy()
            elif dtype == pl.Boolean:
                self.columns[name] = (s.cast(pl.Int8) * 2).fill_null(N).to_numpy().astype(np.int8)
            elif dtype.is_integer():
                self.columns[name] = s.cast(pl.Float64).fill_null(np.nan).to_numpy()
            elif dtype == pl.String:
                categories = s.drop_nulls().unique().sort()
                lookup = {v: i for i, v in enumerate(categories.to_list())}
                codes = s.replace_strict(lookup, default=-1, return_dtype=pl.Int32).to_numpy()
                self.columns[name] = (codes, lookup)

    def col(self, name: str) -> Any:
        return self.columns[name]

    # truth values
    def tv(self, value: Any, known: Any) -> Any:
        return np.where(known, value.view(np.int8) * np.int8(2), np.int8(N))

    def lit(self, truth: bool) -> Any:
        return np.full(self.n, T if truth else F, dtype=np.int8)

    def and_(self, *xs: Any) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = np.minimum(out, x)
        return out

    def or_(self, *xs: Any) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = np.maximum(out, x)
        return out

    def not_(self, x: Any) -> Any:
        return np.int8(2) - x

    def fill(self, x: Any, value: bool) -> Any:
        return np.where(x == N, np.int8(T if value else F), x)

    def is_true(self, x: Any) -> Any:
        return x == T

    # values
    def is_null(self, a: Any) -> Any:
        if isinstance(a, tuple):
            return self.tv(a[0] < 0, True)
        if a.dtype == np.int8:
            return self.tv(a == N, True)
        return self.tv(np.isnan(a), True)

    def _num(self, a: Any) -> Any:
        if a is None:
            return np.full(self.n, np.nan)
        return np.full(self.n, float(a)) if isinstance(a, int | float) else a

    def cmp(self, a: Any, op: str, b: Any) -> Any:
        a, b = self._num(a), self._num(b)
        known = ~(np.isnan(a) | np.isnan(b))
        with np.errstate(invalid="ignore"):
            value = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        return self.tv(value, known)

    def eq(self, a: Any, text: str) -> Any:
        codes, lookup = a
        return self.tv(codes == lookup.get(text, -2), codes >= 0)

    def is_in(self, a: Any, texts: Sequence[str]) -> Any:
        codes, lookup = a
        # A look-up table indexed by the code (the last entry, for -1, stands for unknown).
        table = np.zeros(len(lookup) + 1, dtype=bool)
        table[[lookup[t] for t in texts if t in lookup]] = True
        return self.tv(table[codes], codes >= 0)

    def where(self, cond: Any, then: Any, otherwise: Any) -> Any:
        return np.where(cond == T, self._num(then), self._num(otherwise))

    def null(self) -> Any:
        return np.full(self.n, np.nan)

    def years_between(self, born: Any, on: date) -> Any:
        known = ~np.isnan(born)
        # Year, month and day from day numbers in integer arithmetic (H. Hinnant's civil_from_days):
        # NumPy's datetime64 unit conversions cost several times more.
        z = np.where(known, born, 0).astype(np.int64) + 719_468
        era = z // 146_097
        doe = z - era * 146_097
        yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
        doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
        mp = (5 * doy + 2) // 153
        day = doy - (153 * mp + 2) // 5 + 1
        month = np.where(mp < 10, mp + 3, mp - 9)
        year = yoe + era * 400 + (month <= 2)
        on_key = on.year * 10_000 + on.month * 100 + on.day
        return np.where(known, (on_key - (year * 10_000 + month * 100 + day)) // 10_000, np.nan)

    def working_days_after(self, served: Any, days: int, holidays: Any) -> Any:
        known = ~np.isnan(served)
        values = np.where(known, served, 0).astype(np.int64).astype("datetime64[D]")
        shifted = np.busday_offset(values, days, roll="backward", holidays=holidays)
        return np.where(known, shifted.astype(np.int64), np.nan)

    def code(self, cond: Any, then: int, otherwise: Any) -> Any:
        return np.where(cond == T, np.int8(then), otherwise)

    def const(self, value: int) -> Any:
        return np.full(self.n, value, dtype=np.int8)

    def max_(self, *xs: Any) -> Any:
        return self.or_(*xs)

    def min_(self, *xs: Any) -> Any:
        return self.and_(*xs)


class PythonOps:
    """One case: plain Python values (None for unknown), dates as day numbers."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def col(self, name: str) -> Any:
        return self.row[name]

    def tv(self, value: Any, known: Any) -> int:
        return (T if value else F) if known else N

    def lit(self, truth: bool) -> int:
        return T if truth else F

    def and_(self, *xs: int) -> int:
        return min(xs)

    def or_(self, *xs: int) -> int:
        return max(xs)

    def not_(self, x: int) -> int:
        return 2 - x

    def fill(self, x: int, value: bool) -> int:
        return (T if value else F) if x == N else x

    def is_true(self, x: int) -> bool:
        return x == T

    def is_null(self, a: Any) -> int:
        return T if a is None else F

    def cmp(self, a: Any, op: str, b: Any) -> int:
        if a is None or b is None:
            return N
        if op == "<":
            return T if a < b else F
        if op == "<=":
            return T if a <= b else F
        if op == ">":
            return T if a > b else F
        return T if a >= b else F

    def eq(self, a: Any, text: str) -> int:
        return N if a is None else (T if a == text else F)

    def is_in(self, a: Any, texts: Sequence[str]) -> int:
        return N if a is None else (T if a in texts else F)

    def where(self, cond: int, then: Any, otherwise: Any) -> Any:
        return then if cond == T else otherwise

    def null(self) -> Any:
        return None

    def years_between(self, born: Any, on: date) -> Any:
        if born is None:
            return None
        d = EPOCH + timedelta(days=born)
        return (
            (on.year * 10_000 + on.month * 100 + on.day) - (d.year * 10_000 + d.month * 100 + d.day)
        ) // 10_000

    def working_days_after(self, served: Any, days: int, holidays: Any) -> Any:
        if served is None:
            return None
        day = np.datetime64(EPOCH + timedelta(days=served), "D")
        return int(np.busday_offset(day, days, roll="backward", holidays=holidays).astype(np.int64))

    def code(self, cond: int, then: int, otherwise: int) -> int:
        return then if cond == T else otherwise

    def const(self, value: int) -> int:
        return value

    def max_(self, *xs: int) -> int:
        return max(xs)

    def min_(self, *xs: int) -> int:
        return min(xs)


def python_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Each case as a dict of plain values: dates as day numbers, yes/no as truth values (the plain-Python
    evaluator's input)."""
    flags = [n for n, d in frame.schema.items() if d == pl.Boolean]
    rows = []
    for row in frame.iter_rows(named=True):
        case = {k: _days(v) if isinstance(v, date) else v for k, v in row.items()}
        for name in flags:
            value = row[name]
            case[name] = N if value is None else (T if value else F)
        rows.append(case)
    return rows


def evaluate(ops: Any, plan: Plan) -> dict[str, Any]:
    """Every rule's outcome code (person rules, ``R12@i``... per agreement) and ``__overall``."""
    as_of = plan.as_of
    params = plan.pack.parameters
    today = _days(as_of)
    majority = params["age.majority"].value_on(as_of)
    col, fill, and_, or_, not_, cmp, eq = ops.col, ops.fill, ops.and_, ops.or_, ops.not_, ops.cmp, ops.eq
    is_null = ops.is_null

    def rule(fails: Any, kind_code: int, applies: Any = None) -> Any:
        code = ops.code(fill(fails, True), kind_code, ops.const(PASS))
        if applies is not None:
            code = ops.code(not_(fill(applies, True)), NA, code)
        return code

    # Derived facts
    ado, ass_dob = col("age_dispute_outcome"), col("assessed_date_of_birth")
    age_rec = ops.years_between(col("date_of_birth"), as_of)
    age_ass = ops.years_between(ass_dob, as_of)
    resolved_with_date = and_(not_(is_null(ado)), not_(is_null(ass_dob)))
    age_on = ops.where(resolved_with_date, age_ass, age_rec)
    by_age = fill(cmp(age_on, "<", majority), True)
    open_dispute = fill(col("age_dispute_open"), False)
    undated = is_null(ass_dob)
    minor_undated = fill(and_(eq(ado, "minor"), undated), False)
    adult_undated = fill(and_(eq(ado, "adult"), undated), False)
    is_minor = or_(open_dispute, minor_undated, and_(by_age, not_(adult_undated)))
    family_has_minors = fill(
        cmp(ops.years_between(col("family_youngest_other_date_of_birth"), as_of), "<", majority), False
    )
    granted, lifted, expires = col("rule39_granted_on"), col("rule39_lifted_on"), col("rule39_expires_on")
    rule39 = and_(
        not_(is_null(granted)),
        cmp(granted, "<=", today),
        or_(is_null(lifted), cmp(lifted, ">", today)),
        or_(is_null(expires), cmp(today, "<=", expires)),
    )
    aar = col("adults_at_risk_level")
    level = params["vulnerability.adults_at_risk_min_level"].value_on(as_of)
    rg, cg = col("nrm_reasonable_grounds"), col("nrm_conclusive_grounds")
    is_vulnerable = or_(
        is_minor,
        fill(cmp(aar, ">=", level), False),
        fill(col("serious_medical_condition"), False),
        fill(eq(rg, "positive"), False),
        fill(eq(cg, "positive"), False),
    )
    served = col("removal_notice_served_on")
    holidays = np.array(sorted(params["calendar.bank_holidays"].value_on(as_of)), dtype="datetime64[D]")
    notice_ends = ops.null()
    for entry in params["removal_notice.working_days"].values:
        notice_ends = ops.where(
            cmp(served, ">=", _days(entry.start)),
            ops.working_days_after(served, int(entry.value), holidays),
            notice_ends,
        )
    rg_on = col("nrm_reasonable_grounds_on")

    def by_date(name: str) -> Any:
        value = ops.null()
        for entry in params[name].values:
            value = ops.where(cmp(rg_on, ">=", _days(entry.start)), entry.value, value)
        return value

    recovery_ends = ops.where(
        eq(rg, "positive"), _plus(ops, rg_on, by_date("nrm.recovery_period_days")), None
    )
    window_ends = ops.where(
        eq(rg, "negative"), _plus(ops, rg_on, by_date("nrm.reconsideration_window_days")), None
    )
    requested, reconsidered = col("nrm_reconsideration_requested_on"), col("nrm_reconsideration_outcome")
    nrm_bars = or_(
        fill(eq(cg, "positive"), False),
        fill(and_(eq(rg, "positive"), is_null(cg)), False),
        fill(and_(eq(rg, "positive"), fill(cmp(today, "<=", recovery_ends), True)), False),
        fill(and_(not_(is_null(requested)), is_null(reconsidered)), False),
        fill(and_(eq(rg, "negative"), is_null(requested), fill(cmp(today, "<=", window_ends), False)), False),
        fill(and_(not_(is_null(col("nrm_referred_on"))), is_null(rg)), False),
    )

    # Person rules
    decided_on, exhausted_on, outcome = (
        col("claim_decided_on"),
        col("appeal_rights_exhausted_on"),
        col("claim_outcome"),
    )
    decided = cmp(decided_on, "<=", today)
    exhausted = and_(
        ops.is_in(outcome, REFUSED_OUTCOMES),
        decided,
        cmp(exhausted_on, "<=", today),
        cmp(exhausted_on, ">=", decided_on),
    )
    withdrawn = and_(
        ops.lit(bool(params["asylum.withdrawn_claim_is_final"].value_on(as_of))),
        and_(eq(outcome, "withdrawn"), decided),
    )
    finally_refused = fill(or_(exhausted, withdrawn), False)
    article8 = col("article8_outcome")
    not_granted = not_(fill(eq(article8, "grant"), False))
    final = and_(finally_refused, not_(fill(col("appeal_pending"), True)), not_granted)
    codes: dict[str, Any] = {}
    codes["R1"] = rule(not_(final), BAR)
    codes["R2"] = rule(col("further_submissions_pending"), BAR)
    codes["R3"] = rule(
        or_(fill(col("judicial_review_pending"), True), fill(col("injunction_in_force"), True)), BAR
    )
    codes["R4"] = rule(rule39, BAR)
    decided_removable = col("removability_decided_on")
    codes["R5"] = rule(
        or_(
            is_null(served),
            fill(cmp(served, "<", decided_removable), False),
            fill(cmp(today, "<=", notice_ends), True),
        ),
        BAR,
    )
    details = col("departure_details_served_on")
    codes["R5D"] = rule(
        or_(
            is_null(details),
            cmp(details, ">", today),
            fill(cmp(details, "<", served), True),
            fill(cmp(details, "<", decided_removable), False),
        ),
        BAR,
    )
    review_level = params["adults_at_risk.review_level"].value_on(as_of)
    codes["R8"] = rule(cmp(aar, ">=", review_level), REVIEW, applies=not_(is_null(aar)))
    codes["R9"] = rule(nrm_bars, BAR)
    r10 = rule(cmp(age_rec, "<", majority), BAR)
    resolved = and_(not_(is_null(ado)), not_(fill(col("age_dispute_open"), False)))
    assessed_adult = and_(
        resolved,
        or_(
            and_(not_(is_null(ass_dob)), cmp(age_ass, ">=", majority)),
            and_(is_null(ass_dob), eq(ado, "adult")),
        ),
    )
    assessed_minor = and_(
        resolved,
        or_(
            and_(not_(is_null(ass_dob)), cmp(age_ass, "<", majority)),
            and_(is_null(ass_dob), eq(ado, "minor")),
        ),
    )
    # Lowest priority first, so the highest-priority exception decides (as the engine applies them).
    r10 = ops.code(fill(assessed_adult, False), PASS, r10)
    r10 = ops.code(fill(assessed_minor, False), BAR, r10)
    codes["R10"] = ops.code(fill(col("age_dispute_open"), False), BAR, r10)
    codes["R11"] = rule(
        or_(fill(col("article8_pending"), True), fill(col("family_in_uk"), True), family_has_minors), REVIEW
    )
    assessed_on = col("fitness_assessed_on")
    valid_days = params["fitness_to_fly.valid_days"].value_on(as_of)
    out_of_date = cmp(assessed_on, "<", _days(as_of - timedelta(days=valid_days)))
    unfit = fill(not_(col("fit_to_fly")), False)
    codes["FTF"] = rule(and_(unfit, not_(fill(out_of_date, False))), BAR)
    codes["FTFS"] = rule(out_of_date, REVIEW, applies=not_(is_null(assessed_on)))
    codes["MED"] = rule(col("serious_medical_condition"), REVIEW)
    person = ops.max_(*(codes[r] for r in PERSON_RULES))

    # Agreement rules, per agreement; the most favourable agreement decides (ties: reference order).
    nationality, sex, hub = col("nationality"), col("sex"), col("hub_referred_to")
    best_key = None
    for i, t in enumerate(plan.terms):
        fails = ops.lit(not t.in_force)
        if "*" in t.unsafe_for_nationalities:
            fails = ops.lit(True)
        elif t.unsafe_for_nationalities:
            fails = or_(fails, ops.is_in(nationality, sorted(t.unsafe_for_nationalities)))
        sexes = sorted(tag.split(":", 1)[1] for tag in t.unsafe_for_profiles if tag.startswith("sex:"))
        if sexes:
            fails = or_(fails, ops.is_in(sex, sexes))
        fails = or_(fails, and_(not_(is_null(hub)), not_(ops.is_in(hub, list(t.hubs)))))
        codes[f"R12@{i}"] = rule(fails, BAR)
        codes[f"R12P@{i}"] = rule(ops.lit(bool(unrecorded_profiles(t))), REVIEW, applies=ops.lit(t.in_force))
        scope = ops.lit(bool(unknown_excluded_groups(t)))
        if t.nationalities_in_scope is not None:
            scope = or_(scope, not_(ops.is_in(nationality, sorted(t.nationalities_in_scope))))
        groups = t.excluded_groups
        if "minors" in groups:
            scope = or_(scope, is_minor)
        if "unaccompanied_minors" in groups:
            scope = or_(scope, and_(is_minor, is_null(col("family_unit_id"))))
        if "families_with_minors" in groups:
            scope = or_(scope, family_has_minors)
        if "women" in groups:
            scope = or_(scope, eq(sex, "F"))
        if "vulnerable" in groups:
            scope = or_(scope, is_vulnerable)
        if "host_nationals" in groups:
            scope = or_(scope, eq(nationality, t.hub_country))
        codes[f"R14@{i}"] = rule(scope, BAR)
        agreement = ops.max_(*(codes[f"{r}@{i}"] for r in AGREEMENT_RULES))
        key = _key(ops, agreement, i)
        best_key = key if best_key is None else ops.min_(best_key, key)
    destination = _destination(ops, best_key)
    codes["__overall"] = ops.max_(person, destination)
    return codes


def _plus(ops: Any, days: Any, extra: Any) -> Any:
    if isinstance(ops, PythonOps):
        return None if days is None or extra is None else days + extra
    return days + extra


def _key(ops: Any, agreement: Any, index: int) -> Any:
    if isinstance(ops, PythonOps):
        return agreement * 1000 + index
    return agreement.astype(np.int32) * 1000 + index


def _destination(ops: Any, best_key: Any) -> Any:
    if isinstance(ops, PythonOps):
        return best_key // 1000
    return (best_key // 1000).astype(np.int8)
