"""Explanations: rule by rule, which outcome, which facts, which source, and any review decision.

Built from a one-row :class:`~returnhub.safeguards.engine.Evaluation`, i.e. from the very columns the
vectorised screening computes; the texts are filled from the facts the rule declares it reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from returnhub.safeguards.engine import (
    APPROVED,
    LAPSED,
    REFUSED,
    Evaluation,
    RuleColumn,
    _Columns,
    _no_agreement_code,
    facts_fingerprint,
    latest_decision,
    rule_facts,
)
from returnhub.safeguards.rules import Kind, Outcome, Override, Rule, format_reason

#: Sets of codes longer than this are shown as a count (the fingerprint still uses every value).
_SHOW_AT_MOST = 12


def _shown(value: Any) -> Any:
    if isinstance(value, frozenset | set | tuple | list):
        items = sorted(str(v) for v in value)
        if len(items) > _SHOW_AT_MOST:
            return f"{len(items)} entries"
        return items
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class RuleResult:
    id: str
    title: str
    kind: str
    outcome: str
    reason: str
    facts: dict[str, Any]
    citations: list[dict[str, Any]]
    agreement: str | None = None
    exception: dict[str, Any] | None = None
    review: dict[str, Any] | None = None
    status: str = "law"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "status": self.status,
            "outcome": self.outcome,
            "reason": self.reason,
            "facts": {k: _shown(v) for k, v in self.facts.items()},
            "citations": self.citations,
        }
        if self.agreement is not None:
            out["agreement"] = self.agreement
        if self.exception is not None:
            out["exception"] = self.exception
        if self.review is not None:
            out["review"] = self.review
        return out


@dataclass(frozen=True)
class AgreementResult:
    agreement: str
    hub_country: str
    in_force: bool
    outcome: str
    hubs: list[str]
    sources: list[str]
    rules: list[RuleResult]

    def as_dict(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "hub_country": self.hub_country,
            "in_force": self.in_force,
            "outcome": self.outcome,
            "hubs": self.hubs,
            "sources": self.sources,
            "rules": [r.as_dict() for r in self.rules],
        }


@dataclass(frozen=True)
class Explanation:
    """Why a case is eligible, barred or waiting for review, at one stage, on one date, as known then."""

    reference: str
    pack: str
    pack_version: str
    stage: str
    as_of: date
    known_at: datetime | None
    outcome: str
    rules: list[RuleResult]
    agreement: str | None = None
    agreements: list[AgreementResult] = field(default_factory=list)
    eligible_agreements: list[str] = field(default_factory=list)
    derived_facts: dict[str, Any] = field(default_factory=dict)
    #: With proposals included: the outcome had the proposals been law (they never decide a move).
    outcome_under_proposals: str | None = None

    @property
    def proposal_note(self) -> str | None:
        """Plain words for what the proposals would change, if they were screened."""
        if self.outcome_under_proposals is None:
            return None
        if self.outcome_under_proposals == "barred" and self.outcome != "barred":
            return "would be barred under the proposal (a draft that is not law: it does not stop a move)"
        if self.outcome_under_proposals == "review" and self.outcome == "eligible":
            return "would need a senior caseworker's review under the proposal (a draft that is not law)"
        return "the proposal would not change the outcome"

    def rule(self, rule_id: str) -> RuleResult:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "pack": self.pack,
            "pack_version": self.pack_version,
            "stage": self.stage,
            "as_of": self.as_of.isoformat(),
            "known_at": self.known_at.isoformat() if self.known_at else None,
            "outcome": self.outcome,
            "agreement": self.agreement,
            "eligible_agreements": self.eligible_agreements,
            "rules": [r.as_dict() for r in self.rules],
            "agreements": [a.as_dict() for a in self.agreements],
            "derived_facts": {k: _shown(v) for k, v in self.derived_facts.items()},
            "outcome_under_proposals": self.outcome_under_proposals,
            "proposal_note": self.proposal_note,
        }


def _overall(code: int) -> str:
    return "eligible" if code <= Outcome.PASS else ("review" if code == Outcome.REVIEW else "barred")


def _deciding_override(evaluation: Evaluation, row: Mapping[str, Any], rc: RuleColumn) -> Override | None:
    held = [
        o
        for o in evaluation.plan.pack.overrides_of(rc.rule.id)
        if row.get(f"__override:{rc.column}:{o.id}") is True
    ]
    return max(held, key=lambda o: o.priority) if held else None


def _review(rule: Rule, row: Mapping[str, Any], rc: RuleColumn, outcome: Outcome) -> dict[str, Any] | None:
    if rule.kind is not Kind.REVIEW:
        return None
    current = facts_fingerprint(rule.id, rule_facts(rule, row, rc.terms))
    decision = latest_decision(rule.id, row.get("review_decisions"))
    status = row.get(f"{rc.column}:review")
    out: dict[str, Any] = {"status": status or ("none" if outcome is Outcome.REVIEW else None)}
    out["facts_fingerprint"] = current
    if decision is not None:
        out["decision"] = {
            "decision": decision.get("decision"),
            "decided_by": decision.get("decided_by"),
            "decided_on": _shown(decision.get("decided_on")),
            "reasoning": decision.get("reasoning"),
            "facts_fingerprint": decision.get("facts_fingerprint"),
        }
        if status == LAPSED:
            out["note"] = "the facts this decision relied on have changed since: the decision has lapsed"
        elif status in (APPROVED, REFUSED) and outcome is Outcome.REVIEW:
            out["note"] = f"resolved by a senior caseworker's decision ({status})"
    return out


def _result(evaluation: Evaluation, row: Mapping[str, Any], rc: RuleColumn) -> RuleResult:
    plan, rule = evaluation.plan, rc.rule
    outcome = Outcome(int(row[rc.column]))
    facts = rule_facts(rule, row, rc.terms)
    exception = None
    override = _deciding_override(evaluation, row, rc) if rule.in_force_on(plan.as_of) else None
    if override is not None:
        facts.update({name: row.get(name) for name in override.facts})
        exception = {"id": override.id, "title": override.title, "priority": override.priority}
    template_facts = {**facts, "as_of": plan.as_of}
    if rc.terms is not None and not rule.is_law_for(rc.terms.sending_state):
        states = ", ".join(sorted(rule.law_of or ()))
        reason = f"not applicable to {rc.terms.agreement}: this rule is the law of {states} only"
    elif not rule.in_force_on(plan.as_of):
        until = f" to {rule.in_force_to.isoformat()}" if rule.in_force_to else ""
        since = rule.in_force_from.isoformat()
        reason = f"not in force on {plan.as_of.isoformat()} (in force from {since}{until})"
    elif override is not None:
        reason = format_reason(override.reason, template_facts)
    elif outcome is Outcome.NOT_APPLICABLE:
        reason = format_reason(rule.reason_not_applicable, template_facts)
    elif outcome is Outcome.PASS:
        reason = format_reason(rule.reason_passes, template_facts)
    else:
        reason = format_reason(rule.reason_fails, template_facts)
    if rule.is_proposal:
        if outcome is Outcome.BAR:
            reason = f"would be barred under the proposal (not law, does not stop a move): {reason}"
        elif outcome is Outcome.REVIEW:
            reason = f"would need review under the proposal (not law, does not stop a move): {reason}"
        else:
            reason = f"proposal (not law): {reason}"
    citations = [c.as_dict() for c in rule.citations]
    if override is not None:
        citations += [c.as_dict() for c in override.citations if c not in rule.citations]
    return RuleResult(
        id=rule.id,
        title=rule.title,
        kind=rule.kind.value,
        outcome=outcome.label,
        reason=reason,
        facts=facts,
        citations=citations,
        agreement=rc.terms.agreement if rc.terms is not None else None,
        exception=exception,
        review=_review(rule, row, rc, outcome),
        status=rule.status.value,
    )


def _no_agreement_result(evaluation: Evaluation, rule: Rule) -> RuleResult:
    plan = evaluation.plan
    outcome = _no_agreement_code(rule, plan.as_of)
    return RuleResult(
        id=rule.id,
        title=rule.title,
        kind=rule.kind.value,
        outcome=outcome.label,
        reason=f"no agreement of pack {plan.pack.name}'s sending states "
        f"({', '.join(sorted(plan.pack.sending_states))}) is known on {plan.as_of.isoformat()}",
        facts={},
        citations=[c.as_dict() for c in rule.citations],
        status=rule.status.value,
    )


def explain_evaluation(
    evaluation: Evaluation, *, reference: str, known_at: datetime | None = None
) -> Explanation:
    """The explanation of the first (only) row of ``evaluation``."""
    plan = evaluation.plan
    row = evaluation.frame.row(0, named=True)
    rules = [_result(evaluation, row, rc) for rc in plan.person_columns]
    agreements: list[AgreementResult] = []
    for i, terms in enumerate(plan.terms):
        results = [_result(evaluation, row, rc) for rc in plan.agreement_columns(i)]
        code = (
            max(int(row[_Columns.person]), int(row[_Columns.agreement(i)])) if plan.law_agreement_rules else 0
        )
        agreements.append(
            AgreementResult(
                agreement=terms.agreement,
                hub_country=terms.hub_country,
                in_force=terms.in_force,
                outcome=_overall(code),
                hubs=list(terms.hubs),
                sources=list(terms.sources),
                rules=results,
            )
        )
    best = row.get(_Columns.best)
    chosen: str | None = None
    if plan.agreement_rules:
        if plan.terms and best is not None:
            chosen = plan.terms[int(best)].agreement
            rules.extend(agreements[int(best)].rules)
        else:
            rules.extend(_no_agreement_result(evaluation, r) for r in plan.agreement_rules)
    derived = {d.name: row.get(d.name) for d in plan.pack.derived}
    return Explanation(
        reference=reference,
        pack=plan.pack.name,
        pack_version=plan.pack.full_version,
        stage=plan.stage.value,
        as_of=plan.as_of,
        known_at=known_at,
        outcome=_overall(int(row[_Columns.overall])),
        rules=rules,
        agreement=chosen,
        agreements=agreements,
        eligible_agreements=[a.agreement for a in agreements if a.outcome == "eligible"],
        derived_facts=derived,
        outcome_under_proposals=(
            _overall(int(row[_Columns.overall + "_proposals"])) if plan.has_proposals else None
        ),
    )
