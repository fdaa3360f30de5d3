"""The rules engine: one evaluation over a facts frame, whether it holds one case or a million.

Steps, for a pack, a stage, a date and the agreements in force:

1. :func:`make_plan` selects the rules guarding the stage (an unknown stage, a date the pack does not
   cover, or a stage with no rule in force is an error) and the agreements of the pack's sending states.
2. :func:`evaluate` adds the pack's derived facts to the frame and one outcome column per rule (and, for
   destination rules, one per rule and agreement), as ``UInt8`` codes (``Outcome``). Exceptions are
   applied by priority; equal-priority exceptions that both hold and disagree raise ``RuleConflict``.
3. Review outcomes are checked against the senior caseworkers' decisions: a decision resolves a review
   only while the fingerprint of the facts it relied on is unchanged (:func:`facts_fingerprint`).
4. The overall result is the maximum over the person rules and the best agreement (the agreement with the
   most favourable combined destination outcome): ``eligible`` (nothing above pass), ``review``, ``barred``.

:func:`screen_frame` returns the per-case, per-rule outcomes;
:func:`~returnhub.safeguards.explain.explain_evaluation` turns a one-row evaluation into an
:class:`~returnhub.safeguards.explain.Explanation`. Both read the same columns.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
import polars as pl

from returnhub.partners.agreement_terms import AgreementTerms
from returnhub.safeguards.errors import NoApplicableRule, RuleConflict
from returnhub.safeguards.facts import conform
from returnhub.safeguards.packs import as_pack
from returnhub.safeguards.packs.common import term_fact
from returnhub.safeguards.rules import (
    CODE,
    OUTCOME_DTYPE,
    OUTCOME_LABELS,
    OVERALL_DTYPE,
    OVERALL_LABELS,
    Context,
    Kind,
    Outcome,
    Override,
    Rule,
    RulePack,
    Scope,
    Stage,
)

FINGERPRINT_VERSION = "v1"
APPROVED, REFUSED, LAPSED = "approved", "refused", "lapsed"
_OUTCOME_SERIES = pl.Series(OUTCOME_LABELS, dtype=OUTCOME_DTYPE)
_OVERALL_SERIES = pl.Series(OVERALL_LABELS, dtype=OVERALL_DTYPE)
_MAX_AGREEMENTS = 1000  # the best-agreement key packs (code, index) into one integer


# ----------------------------------------------------------------------------------------------------------
# Fingerprints of the facts a review decision relied on
# ----------------------------------------------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return sorted((_canonical(v) for v in value), key=lambda v: orjson.dumps(v))
    return str(value)


def facts_fingerprint(rule_id: str, facts: Mapping[str, Any]) -> str:
    """``v1:`` + SHA-256 of the canonical JSON ``{"rule": id, "facts": {name: value}}``.

    Canonical: keys sorted; dates as ISO 8601; collections as sorted lists (they are sets in law); None as
    null. The facts are the rule's declared ``facts`` (and ``term_facts`` for a destination rule) as the
    engine evaluated them. The same function computes the fingerprint when a decision is recorded and when
    it is checked, so a decision lapses exactly when one of those facts has changed.
    """
    body = orjson.dumps(
        {"rule": rule_id, "facts": {k: _canonical(v) for k, v in facts.items()}},
        option=orjson.OPT_SORT_KEYS,
    )
    return f"{FINGERPRINT_VERSION}:{hashlib.sha256(body).hexdigest()}"


def rule_facts(rule: Rule, row: Mapping[str, Any], terms: AgreementTerms | None) -> dict[str, Any]:
    facts = {name: row.get(name) for name in rule.facts}
    if terms is not None:
        facts.update({name: term_fact(terms, name) for name in rule.term_facts})
    return facts


def review_status(rule: Rule, row: Mapping[str, Any], terms: AgreementTerms | None) -> str | None:
    """approved / refused / lapsed for the latest decision on ``rule`` in the row, or None without one."""
    decision = latest_decision(rule.id, row.get("review_decisions"))
    if decision is None:
        return None
    current = facts_fingerprint(rule.id, rule_facts(rule, row, terms))
    if decision.get("facts_fingerprint") != current:
        # Unfingerprinted decisions cannot be checked against the facts: they never resolve a review.
        return LAPSED
    return APPROVED if decision.get("decision") == "approve" else REFUSED


def latest_decision(rule_id: str, decisions: Iterable[Mapping[str, Any]] | None) -> Mapping[str, Any] | None:
    found: Mapping[str, Any] | None = None
    for d in decisions or ():
        if d.get("rule") == rule_id and (
            found is None or (d.get("sequence") or 0) >= (found.get("sequence") or 0)
        ):
            found = d
    return found


# ----------------------------------------------------------------------------------------------------------
# Plan
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleColumn:
    """One outcome column: a rule, and for a destination rule the agreement it was evaluated for."""

    column: str
    rule: Rule
    terms: AgreementTerms | None = None
    agreement_index: int | None = None


@dataclass(frozen=True)
class Plan:
    pack: RulePack
    stage: Stage
    as_of: date
    terms: tuple[AgreementTerms, ...]
    person_rules: tuple[Rule, ...]
    agreement_rules: tuple[Rule, ...]
    include_proposals: bool = False

    @property
    def law_agreement_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.agreement_rules if not r.is_proposal)

    @property
    def has_proposals(self) -> bool:
        return any(r.is_proposal for r in self.rules)

    @property
    def context(self) -> Context:
        return Context(self.as_of, self.pack.parameters)

    @property
    def person_columns(self) -> list[RuleColumn]:
        return [RuleColumn(r.id, r) for r in self.person_rules]

    def agreement_columns(self, index: int) -> list[RuleColumn]:
        terms = self.terms[index]
        return [RuleColumn(f"{r.id}@{index}", r, terms, index) for r in self.agreement_rules]

    @property
    def all_columns(self) -> list[RuleColumn]:
        cols = self.person_columns
        for i in range(len(self.terms)):
            cols.extend(self.agreement_columns(i))
        return cols

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.person_rules + self.agreement_rules


def applicable_terms(pack: RulePack, terms: Iterable[AgreementTerms]) -> tuple[AgreementTerms, ...]:
    """The agreements of the pack's sending states, in reference order.

    Terms that do not say which state sends people under them are not applied (fail closed): an
    Italian agreement must never clear a UK case.
    """
    kept = [t for t in terms if t.sending_state in pack.sending_states]
    return tuple(sorted(kept, key=lambda t: t.agreement))


def make_plan(
    pack: RulePack,
    stage: Stage | str,
    as_of: date,
    terms: Iterable[AgreementTerms] = (),
    *,
    include_proposals: bool = False,
) -> Plan:
    """The rules guarding ``stage`` on ``as_of``; proposals only when asked for (they never decide)."""
    stage = Stage.parse(stage)
    pack.check_date(as_of)
    rules = pack.rules_for(stage, include_proposals=include_proposals)
    if not any(r.in_force_on(as_of) and not r.is_proposal for r in rules):
        raise NoApplicableRule(
            f"no rule of pack {pack.name} guards stage {stage.value} on {as_of.isoformat()}: "
            "the engine cannot clear anyone"
        )
    kept = applicable_terms(pack, terms)
    if len(kept) >= _MAX_AGREEMENTS:
        raise NoApplicableRule(f"too many agreements ({len(kept)}) for one evaluation")
    return Plan(
        pack=pack,
        stage=stage,
        as_of=as_of,
        terms=kept,
        person_rules=tuple(r for r in rules if r.scope is Scope.PERSON),
        agreement_rules=tuple(r for r in rules if r.scope is Scope.AGREEMENT),
        include_proposals=include_proposals,
    )


# ----------------------------------------------------------------------------------------------------------
# Evaluation
# ----------------------------------------------------------------------------------------------------------


def _lit(code: Outcome | int) -> pl.Expr:
    return pl.lit(int(code), dtype=CODE)


def _fail_code(rule: Rule) -> Outcome:
    return Outcome.BAR if rule.kind is Kind.BAR else Outcome.REVIEW


def _in_force_overrides(plan: Plan, rule: Rule) -> list[Override]:
    return sorted(
        (o for o in plan.pack.overrides_of(rule.id) if o.in_force_on(plan.as_of)),
        key=lambda o: (o.priority, o.id),
    )


def _code_expr(rule: Rule, ctx: Context, overrides: Sequence[Override]) -> pl.Expr:
    if not rule.in_force_on(ctx.as_of):
        return _lit(Outcome.NOT_APPLICABLE)
    if ctx.terms is not None and not rule.is_law_for(ctx.terms.sending_state):
        # Another state's law says nothing about this agreement (Italy's list and a Dutch agreement).
        return _lit(Outcome.NOT_APPLICABLE)
    code = pl.when(rule.fails(ctx).fill_null(True)).then(_lit(_fail_code(rule))).otherwise(_lit(Outcome.PASS))
    if rule.applies is not None:
        code = pl.when(rule.applies(ctx).fill_null(True)).then(code).otherwise(_lit(Outcome.NOT_APPLICABLE))
    # Lowest priority first, so that the highest-priority exception is the outermost test and wins.
    for o in overrides:
        code = pl.when(o.when(ctx).fill_null(False)).then(_lit(o.outcome)).otherwise(code)
    return code


def _conflict_exprs(
    column: str, ctx: Context, overrides: Sequence[Override]
) -> dict[str, tuple[pl.Expr, str]]:
    found: dict[str, tuple[pl.Expr, str]] = {}
    for i, a in enumerate(overrides):
        for b in overrides[i + 1 :]:
            if a.priority == b.priority and a.outcome != b.outcome:
                name = f"__conflict:{column}:{a.id}:{b.id}"
                both = a.when(ctx).fill_null(False) & b.when(ctx).fill_null(False)
                message = (
                    f"exceptions {a.id} ({a.outcome.label}) and {b.id} ({b.outcome.label}) of rule {a.rule} "
                    f"have the same priority {a.priority} and both apply"
                )
                found[name] = (both, message)
    return found


def _review_columns(plan: Plan) -> list[RuleColumn]:
    return [rc for rc in plan.all_columns if rc.rule.kind is Kind.REVIEW and rc.rule.in_force_on(plan.as_of)]


@dataclass(frozen=True)
class Evaluation:
    """The evaluated frame (facts, derived facts, codes, review statuses, overall) and its plan."""

    plan: Plan
    frame: pl.DataFrame


def _layers(derived: Sequence[pl.Expr]) -> tuple[tuple[pl.Expr, ...], ...]:
    """Group derived facts into steps: a fact goes one step after the latest derived fact it reads.

    Each step is one ``with_columns``; fewer steps make a one-case evaluation several times faster.
    """
    layer_of: dict[str, int] = {}
    layers: list[list[pl.Expr]] = []
    for expr in derived:
        name = expr.meta.output_name()
        reads = set(expr.meta.root_names())
        layer = 1 + max((layer_of[r] for r in reads if r in layer_of), default=-1)
        layer_of[name] = layer
        while len(layers) <= layer:
            layers.append([])
        layers[layer].append(expr)
    return tuple(tuple(layer) for layer in layers)


@dataclass(frozen=True)
class _Compiled:
    derived: tuple[tuple[pl.Expr, ...], ...]
    codes: tuple[pl.Expr, ...]
    conflicts: tuple[tuple[str, str], ...]
    pack: RulePack  # held so that the cache key's id() cannot be reused while the entry lives


_COMPILED: OrderedDict[tuple[Any, ...], _Compiled] = OrderedDict()
_COMPILED_MAX = 64
_COMPILED_LOCK = threading.Lock()  # web requests evaluate from several threads


def _compile(plan: Plan, trace: bool) -> _Compiled:
    """The plan's expressions, built once per (pack, stage, date, agreements) and reused."""
    key = (id(plan.pack), plan.pack.digest, plan.stage, plan.as_of, plan.terms, plan.include_proposals, trace)
    with _COMPILED_LOCK:
        cached = _COMPILED.get(key)
        if cached is not None:
            _COMPILED.move_to_end(key)
            return cached
    ctx = plan.context
    derived = _layers([d.build(ctx).cast(d.dtype).alias(d.name) for d in plan.pack.derived])
    codes: list[pl.Expr] = []
    conflicts: list[tuple[str, str]] = []
    for rc in plan.all_columns:
        rule_ctx = Context(plan.as_of, plan.pack.parameters, rc.terms)
        overrides = _in_force_overrides(plan, rc.rule) if rc.rule.in_force_on(plan.as_of) else []
        codes.append(_code_expr(rc.rule, rule_ctx, overrides).alias(rc.column))
        for name, (expr, message) in _conflict_exprs(rc.column, rule_ctx, overrides).items():
            codes.append(expr.alias(name))
            conflicts.append((name, message))
        if trace:
            codes.extend(
                o.when(rule_ctx).fill_null(False).alias(f"__override:{rc.column}:{o.id}") for o in overrides
            )
    compiled = _Compiled(derived, tuple(codes), tuple(conflicts), plan.pack)
    with _COMPILED_LOCK:
        _COMPILED[key] = compiled
        if len(_COMPILED) > _COMPILED_MAX:
            _COMPILED.popitem(last=False)
    return compiled


def fact_columns(plan: Plan) -> frozenset[str] | None:
    """The base facts the plan reads (fact column pruning): every column its derived facts, rules and
    exceptions read, every fact a review rule declares (its decisions' fingerprints cover those) and the
    case's identity and review decisions. ``None`` (read everything) if an expression names columns by
    pattern.
    """
    from returnhub.safeguards.facts import FACTS_SCHEMA

    compiled = _compile(plan, trace=False)
    derived = {d.name for d in plan.pack.derived}
    reads: set[str] = {"case_id", "reference", "review_decisions"}
    for expr in (*(e for layer in compiled.derived for e in layer), *compiled.codes):
        reads.update(expr.meta.root_names())
    for rule in plan.rules:
        if rule.kind is Kind.REVIEW:
            # A review decision's fingerprint covers the rule's declared facts; a bar's declared facts
            # only explain one case (its own path, which folds the case and reads every fact).
            reads.update(rule.facts)
    unknown = reads - set(FACTS_SCHEMA) - derived
    if unknown:
        return None  # a pattern or a name the facts do not have: prune nothing rather than guess
    return frozenset(reads & set(FACTS_SCHEMA))


#: Frames up to this many rows skip Polars' query optimiser: for one case it costs more than it saves.
_SMALL = 64


def evaluate(facts: pl.DataFrame, plan: Plan, *, trace: bool = False) -> Evaluation:
    """Evaluate every rule of the plan over ``facts`` (one row per case).

    ``trace`` adds one boolean column per exception saying whether it held (for explanations).
    """
    compiled = _compile(plan, trace)
    facts = conform(facts)
    lf = facts.lazy()
    # Derived facts may read earlier ones: one step per layer of dependencies.
    for layer in compiled.derived:
        lf = lf.with_columns(layer)
    lf = lf.with_columns(compiled.codes)
    flags = pl.QueryOptFlags.none() if facts.height <= _SMALL else pl.QueryOptFlags()
    decisions = facts.get_column("review_decisions").list.len().fill_null(0).gt(0).any()
    if decisions and _review_columns(plan):
        frame = _resolve_reviews(lf.collect(optimizations=flags), plan)
        frame = _combine(frame.lazy(), plan, frame.columns).collect(optimizations=flags)
    else:
        # No decision to check: the whole evaluation is one query.
        frame = _combine(lf, plan, [*facts.columns, *(rc.column for rc in plan.all_columns)]).collect(
            optimizations=flags
        )
    for name, message in compiled.conflicts:
        hits = frame.get_column(name)
        if hits.any():
            first = frame.get_column("reference")[int(hits.arg_true()[0])]
            raise RuleConflict(f"{message} for case {first} on {plan.as_of.isoformat()}")
    return Evaluation(plan, frame)


def _resolve_reviews(frame: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """Add ``<column>:review`` statuses where a decision exists for a review outcome.

    Only the few rows holding any decision are visited (in Python: the fingerprint is SHA-256 over the
    rule's facts, the same function that stamped the decision).
    """
    review_columns = _review_columns(plan)
    if not review_columns or frame.height == 0:
        return frame
    has_decisions = frame.get_column("review_decisions").list.len().fill_null(0) > 0
    indices = has_decisions.arg_true()
    if indices.len() == 0:
        return frame
    holding = frame[indices]
    decided_rules = holding.get_column("review_decisions").list.eval(pl.element().struct.field("rule"))
    added = []
    for rc in review_columns:
        # Rows under review on this rule that hold a decision on it: usually a handful.
        wanted = (holding.get_column(rc.column) == int(Outcome.REVIEW)) & decided_rules.list.contains(
            rc.rule.id
        )
        if not wanted.any():
            continue
        rows = holding.filter(wanted).select(list(dict.fromkeys(["review_decisions", *rc.rule.facts])))
        statuses = [review_status(rc.rule, row, rc.terms) for row in rows.iter_rows(named=True)]
        column = pl.repeat(None, frame.height, dtype=pl.String(), eager=True)
        positions = indices.filter(wanted)
        added.append(
            column.scatter(positions, pl.Series(statuses, dtype=pl.String())).alias(f"{rc.column}:review")
        )
    return frame.with_columns(added) if added else frame


def _effective(frame_columns: Sequence[str], rc: RuleColumn) -> pl.Expr:
    """The code that counts for the overall result: an approved review passes, a refused one bars."""
    status = f"{rc.column}:review"
    if status not in frame_columns:
        return pl.col(rc.column)
    return (
        pl.when(pl.col(status) == APPROVED)
        .then(_lit(Outcome.PASS))
        .when(pl.col(status) == REFUSED)
        .then(_lit(Outcome.BAR))
        .otherwise(pl.col(rc.column))
    )


def _no_agreement_code(rule: Rule, as_of: date) -> Outcome:
    # With no agreement at all a destination bar cannot pass; a destination review has nothing to review.
    if not rule.in_force_on(as_of) or rule.kind is Kind.REVIEW:
        return Outcome.NOT_APPLICABLE
    return Outcome.BAR


class _Columns:
    """Names of the engine's working columns."""

    person = "__person"
    destination = "__destination"
    best = "__best"
    overall = "__overall"

    @staticmethod
    def agreement(index: int) -> str:
        return f"__agreement:{index}"


def _combination_exprs(plan: Plan, columns: Sequence[str]) -> list[pl.Expr]:
    """Person maximum, per-agreement maxima, the best agreement and the overall code, in one step.

    Only law decides: proposals are left out of these columns. When the plan includes proposals, the same
    combination over every rule gives ``__overall_proposals`` ("would be barred under the proposal").
    """
    exprs = _combined(plan, columns, lambda r: not r.is_proposal, "")
    if plan.has_proposals:
        exprs += _combined(plan, columns, lambda r: True, "_proposals")
    return exprs


def _combined(
    plan: Plan, columns: Sequence[str], counts: Callable[[Rule], bool], suffix: str
) -> list[pl.Expr]:
    none = _lit(Outcome.NOT_APPLICABLE)
    effective = [_effective(columns, rc) for rc in plan.person_columns if counts(rc.rule)]
    person = pl.max_horizontal(effective) if effective else none
    exprs: list[pl.Expr] = [person.alias(_Columns.person + suffix)]
    best: pl.Expr = pl.lit(None, dtype=pl.Int32())
    agreement_rules = [r for r in plan.agreement_rules if counts(r)]
    if not agreement_rules:
        destination = none
    elif not plan.terms:
        destination = pl.max_horizontal([_lit(_no_agreement_code(r, plan.as_of)) for r in agreement_rules])
    else:
        keys = []
        for i in range(len(plan.terms)):
            codes = [_effective(columns, rc) for rc in plan.agreement_columns(i) if counts(rc.rule)]
            agreement = pl.max_horizontal(codes)
            exprs.append(agreement.alias(_Columns.agreement(i) + suffix))
            keys.append(agreement.cast(pl.Int32) * _MAX_AGREEMENTS + i)
        best_key = pl.min_horizontal(keys)
        destination = (best_key // _MAX_AGREEMENTS).cast(CODE)
        best = (best_key % _MAX_AGREEMENTS).cast(pl.Int32)
    exprs.append(destination.alias(_Columns.destination + suffix))
    exprs.append(best.alias(_Columns.best + suffix))
    exprs.append(pl.max_horizontal(person, destination).alias(_Columns.overall + suffix))
    return exprs


def _combine(lf: pl.LazyFrame, plan: Plan, columns: Sequence[str]) -> pl.LazyFrame:
    return lf.with_columns(_combination_exprs(plan, columns))


# ----------------------------------------------------------------------------------------------------------
# Outputs
# ----------------------------------------------------------------------------------------------------------


def _label(code: pl.Expr) -> pl.Expr:
    return pl.lit(_OUTCOME_SERIES).gather(code)


def overall_label(code: pl.Expr) -> pl.Expr:
    """eligible (not applicable or pass), review, barred."""
    return pl.lit(_OVERALL_SERIES).gather((code.cast(pl.Int16) - 1).clip(0, 2))


def _reported(plan: Plan, rule: Rule, columns: frozenset[str], suffix: str = "") -> pl.Expr:
    """A destination rule's column as reported for the case: its value for the best agreement."""
    if not plan.terms:
        return pl.lit(None, dtype=pl.String()) if suffix else _lit(_no_agreement_code(rule, plan.as_of))
    expr: pl.Expr = pl.lit(None, dtype=pl.String() if suffix else CODE)
    for i in reversed(range(len(plan.terms))):
        column = f"{rule.id}@{i}{suffix}"
        value = pl.col(column) if column in columns else pl.lit(None, dtype=pl.String())
        expr = pl.when(pl.col(_Columns.best) == i).then(value).otherwise(expr)
    return expr


def outcome_exprs(evaluation: Evaluation) -> list[pl.Expr]:
    """Per rule (label and review status), the chosen agreement, and the overall outcome."""
    plan, frame = evaluation.plan, evaluation.frame
    columns = frozenset(frame.columns)
    exprs: list[pl.Expr] = []
    for rc in plan.person_columns:
        exprs.append(_label(pl.col(rc.column)).alias(rc.rule.id))
        if rc.rule.kind is Kind.REVIEW:
            status = f"{rc.column}:review"
            value = pl.col(status) if status in frame.columns else pl.lit(None, dtype=pl.String())
            exprs.append(value.alias(f"{rc.rule.id}:review"))
    for rule in plan.agreement_rules:
        if plan.terms:
            exprs.append(_label(_reported(plan, rule, columns)).alias(rule.id))
        else:
            no_agreement = _no_agreement_code(rule, plan.as_of).label
            exprs.append(pl.lit(no_agreement, dtype=OUTCOME_DTYPE).alias(rule.id))
        if rule.kind is Kind.REVIEW:
            exprs.append(_reported(plan, rule, columns, ":review").alias(f"{rule.id}:review"))
    if plan.agreement_rules:
        agreement: pl.Expr = pl.lit(None, dtype=pl.String())
        for i, t in enumerate(plan.terms):
            agreement = pl.when(pl.col(_Columns.best) == i).then(pl.lit(t.agreement)).otherwise(agreement)
        exprs.append(agreement.alias("agreement"))
    exprs.append(overall_label(pl.col(_Columns.overall)).alias("outcome"))
    if plan.has_proposals:
        exprs.append(overall_label(pl.col(_Columns.overall + "_proposals")).alias("outcome_under_proposals"))
    return exprs


ID_COLUMNS = ("case_id", "reference")


def screen_evaluation(evaluation: Evaluation) -> pl.DataFrame:
    return evaluation.frame.select(*ID_COLUMNS, *outcome_exprs(evaluation))


def screen_frame(
    facts_frame: pl.DataFrame,
    *,
    pack: RulePack | str,
    stage: Stage | str,
    as_of: date,
    terms: Iterable[AgreementTerms] = (),
) -> pl.DataFrame:
    """Screen a whole facts frame: one row per case with every rule's outcome and the overall result.

    Columns: ``case_id``, ``reference``; one ``Enum(not_applicable, pass, review, bar)`` column per rule
    guarding the stage (destination rules as for the chosen agreement); ``<rule>:review`` (approved,
    refused, lapsed or null) for each review rule; ``agreement`` (the most favourable agreement, when the
    stage has destination rules); ``outcome`` (``Enum(eligible, review, barred)``).
    """
    plan = make_plan(as_pack(pack), stage, as_of, terms)
    return screen_evaluation(evaluate(facts_frame, plan))


def eligible_agreements_evaluation(evaluation: Evaluation) -> pl.DataFrame:
    plan, frame = evaluation.plan, evaluation.frame
    ok: list[pl.Expr] = []
    names: list[pl.Expr] = []
    hubs: list[pl.Expr] = []
    for i, t in enumerate(plan.terms):
        cleared = pl.max_horizontal(_Columns.person, _Columns.agreement(i)) <= int(Outcome.PASS)
        ok.append(cleared)
        names.append(pl.when(cleared).then(pl.lit(t.agreement)).otherwise(pl.lit(None, dtype=pl.String())))
        hubs.append(
            pl.when(cleared)
            .then(pl.lit(pl.Series([list(t.hubs)], dtype=pl.List(pl.String()))).first())
            .otherwise(pl.lit(pl.Series([[]], dtype=pl.List(pl.String()))).first())
        )
    if not plan.law_agreement_rules or not plan.terms:
        empty = pl.lit(pl.Series([[]], dtype=pl.List(pl.String()))).first()
        return frame.select(
            *ID_COLUMNS,
            overall_label(pl.col(_Columns.overall)).alias("outcome"),
            empty.alias("agreements"),
            empty.alias("hubs"),
        )
    return frame.select(
        *ID_COLUMNS,
        overall_label(pl.col(_Columns.overall)).alias("outcome"),
        pl.concat_list(names).list.drop_nulls().alias("agreements"),
        pl.concat_list(hubs).list.unique(maintain_order=True).alias("hubs"),
    )


def eligible_agreements(
    facts_frame: pl.DataFrame,
    *,
    pack: RulePack | str,
    stage: Stage | str = Stage.HUB_REFERRAL,
    as_of: date,
    terms: Iterable[AgreementTerms] = (),
) -> pl.DataFrame:
    """Which agreements (and their hubs) each case may go to: for the allocation optimiser.

    An agreement is listed when the person rules and that agreement's destination rules together leave
    nothing above ``pass`` (reviews count only once approved). Columns: ``case_id``, ``reference``,
    ``outcome`` (overall, with the most favourable agreement), ``agreements`` and ``hubs`` (lists).
    """
    plan = make_plan(as_pack(pack), stage, as_of, terms)
    return eligible_agreements_evaluation(evaluate(facts_frame, plan))
