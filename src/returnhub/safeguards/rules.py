"""Rules, exceptions and packs: the law as registered, cited, dated objects.

A rule's predicate is a function from a :class:`Context` (the date, the pack's parameters and, for a
destination rule, one agreement's terms) to a Polars expression over the case-facts columns. The same
expression is evaluated over one row (one case, with an explanation) and over a million rows (the
caseload): there is no second implementation of any rule.

Exceptions follow Catala's default logic: an :class:`Override` names the rule it excepts, a priority and
the outcome it imposes when its condition holds. The highest-priority override that holds decides; two
overrides of equal priority that both hold and decide differently are a :class:`RuleConflict`.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import IntEnum, StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from returnhub.partners.agreement_terms import AgreementTerms
from returnhub.safeguards.errors import DateOutOfRange, PackDefinitionError, RuleConflict, UnknownStage
from returnhub.safeguards.parameters import Citation, DatedValue, ParameterSet


class Stage(StrEnum):
    """The points at which a person's movement is decided; each rule says which it guards."""

    HUB_REFERRAL = "hub_referral"
    MANIFEST_LOCK = "manifest_lock"
    DEPARTURE = "departure"
    ONWARD_RETURN = "onward_return"

    @classmethod
    def parse(cls, value: str | Stage) -> Stage:
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(s.value for s in cls)
            raise UnknownStage(f"unknown stage {value!r}; known stages: {known}") from None


ALL_STAGES = frozenset(Stage)
TRANSFER_STAGES = frozenset({Stage.HUB_REFERRAL, Stage.MANIFEST_LOCK, Stage.DEPARTURE})


class Kind(StrEnum):
    BAR = "bar"
    REVIEW = "review"


class Outcome(IntEnum):
    """A rule's outcome, ordered so that the case's overall result is the maximum over its rules."""

    NOT_APPLICABLE = 0
    PASS = 1
    REVIEW = 2
    BAR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Outcome:
        return cls[label.upper()]


OUTCOME_LABELS = [o.label for o in Outcome]
OUTCOME_DTYPE = pl.Enum(OUTCOME_LABELS)
OVERALL_LABELS = ["eligible", "review", "barred"]
OVERALL_DTYPE = pl.Enum(OVERALL_LABELS)
CODE = pl.UInt8


class Status(StrEnum):
    """Whether a rule is law in force or a proposal (a draft that is not law).

    A proposal can be screened ("would this person be barred under the proposal?") and is shown, but it
    never permits or blocks a move: the engine leaves it out of the outcome that the gate reads.
    """

    LAW = "law"
    PROPOSAL = "proposal"


class Scope(StrEnum):
    """A person rule reads the case only; an agreement rule is evaluated once per agreement in force."""

    PERSON = "person"
    AGREEMENT = "agreement"


@dataclass(frozen=True)
class Context:
    """What a predicate may read besides the facts: the date, the parameters, one agreement's terms."""

    as_of: date
    parameters: ParameterSet
    terms: AgreementTerms | None = None

    def param(self, name: str) -> Any:
        """The parameter's value in force on ``as_of``."""
        return self.parameters[name].value_on(self.as_of)

    def int_param(self, name: str) -> int:
        """An integer parameter on ``as_of`` (a pack defect if it is not an integer)."""
        value = self.param(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise PackDefinitionError(f"parameter {name} is not an integer on {self.as_of}: {value!r}")
        return value

    def param_by_date(self, name: str, key: pl.Expr, dtype: pl.DataType | None = None) -> pl.Expr:
        """The parameter's value in force on each row's ``key`` date."""
        return self.parameters[name].by_date(key, dtype)

    @property
    def today(self) -> pl.Expr:
        """``as_of`` as a literal date expression."""
        return pl.lit(self.as_of, dtype=pl.Date)

    @property
    def agreement(self) -> AgreementTerms:
        if self.terms is None:
            raise PackDefinitionError("an agreement rule was evaluated without agreement terms")
        return self.terms


Predicate = Callable[[Context], pl.Expr]


@dataclass(frozen=True)
class DerivedFact:
    """A fact computed from the case facts, the date and the parameters (an age, a period's end)."""

    name: str
    dtype: pl.DataType
    description: str
    build: Predicate
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One legal safeguard.

    ``fails`` is the condition under which the rule bars (kind ``bar``) or sends the case to a senior
    caseworker (kind ``review``); where it holds the outcome is ``pass``. ``applies`` (optional) says when
    the rule has anything to say; otherwise it is ``not_applicable``. A predicate that cannot be decided
    on the facts (null) counts against the person: it fails, and it applies.

    ``facts`` are the fact columns the rule reads: they are shown in the explanation and, for a review
    rule, fingerprinted so that a senior caseworker's decision lapses when they change. ``term_facts`` are
    the agreement terms an agreement rule reads (shown and fingerprinted the same way).
    Reason texts are ``str.format`` templates over the facts (and ``agreement``).
    """

    id: str
    title: str
    kind: Kind
    citations: tuple[Citation, ...]
    in_force_from: date
    stages: frozenset[Stage]
    facts: tuple[str, ...]
    fails: Predicate
    reason_fails: str
    reason_passes: str
    applies: Predicate | None = None
    reason_not_applicable: str = "does not apply to this case"
    in_force_to: date | None = None
    scope: Scope = Scope.PERSON
    term_facts: tuple[str, ...] = ()
    description: str = ""
    status: Status = Status.LAW
    #: The sending states whose law this rule is (ISO alpha-3), or None for every agreement of the pack.
    #: An agreement rule with ``law_of`` is not applicable to an agreement of another sending state
    #: (Italy's safe-country list is Italian law: it says nothing about a Dutch agreement).
    law_of: frozenset[str] | None = None
    #: Other rules of the research (section 2, by number) this rule also codes, besides its id's.
    codes: tuple[int, ...] = ()

    def in_force_on(self, on: date) -> bool:
        return self.in_force_from <= on and (self.in_force_to is None or on <= self.in_force_to)

    def is_law_for(self, sending_state: str | None) -> bool:
        return self.law_of is None or sending_state in self.law_of

    @property
    def is_proposal(self) -> bool:
        return self.status is Status.PROPOSAL

    def metadata(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind.value,
            "status": self.status.value,
            "law_of": sorted(self.law_of) if self.law_of is not None else None,
            "scope": self.scope.value,
            "stages": sorted(s.value for s in self.stages),
            "in_force_from": self.in_force_from.isoformat(),
            "in_force_to": self.in_force_to.isoformat() if self.in_force_to else None,
            "facts": list(self.facts),
            "term_facts": list(self.term_facts),
            "citations": [c.as_dict() for c in self.citations],
            "description": self.description,
        }


@dataclass(frozen=True)
class Override:
    """An exception to a rule (Catala's ``exception``): when ``when`` holds, ``outcome`` decides."""

    id: str
    rule: str
    title: str
    priority: int
    outcome: Outcome
    when: Predicate
    citations: tuple[Citation, ...]
    in_force_from: date
    reason: str
    facts: tuple[str, ...] = ()
    in_force_to: date | None = None

    def in_force_on(self, on: date) -> bool:
        return self.in_force_from <= on and (self.in_force_to is None or on <= self.in_force_to)

    def metadata(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "title": self.title,
            "priority": self.priority,
            "outcome": self.outcome.label,
            "in_force_from": self.in_force_from.isoformat(),
            "in_force_to": self.in_force_to.isoformat() if self.in_force_to else None,
            "facts": list(self.facts),
            "citations": [c.as_dict() for c in self.citations],
        }


@dataclass(frozen=True)
class Exclusion:
    """A researched rule the pack deliberately does not code, with the reason and its source.

    ``returnhub rules list`` shows exclusions beside the rules, so that every rule of the research is
    either enforced or has a written reason for not being enforced here.
    """

    id: str
    title: str
    reason: str
    citations: tuple[Citation, ...]

    def metadata(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "reason": self.reason,
            "citations": [c.as_dict() for c in self.citations],
        }


def _source_of(fn: Callable[..., Any]) -> str:
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        return getattr(fn, "__qualname__", repr(fn))


@dataclass(frozen=True)
class RulePack:
    """A jurisdiction's rules, exceptions, derived facts and dated parameters, with its covered dates."""

    name: str
    title: str
    version: str
    valid_from: date
    rules: tuple[Rule, ...]
    derived: tuple[DerivedFact, ...]
    parameters: ParameterSet
    #: Sending states whose agreements this pack applies to (ISO alpha-3); terms naming another are ignored.
    sending_states: frozenset[str]
    overrides: tuple[Override, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    description: str = ""
    parameter_dir: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        items: tuple[Rule | Override | Exclusion, ...] = (*self.rules, *self.overrides, *self.exclusions)
        for item in items:
            if item.id in seen:
                raise RuleConflict(f"pack {self.name}: two rules or exceptions share the id {item.id!r}")
            seen.add(item.id)
        rule_ids = {r.id for r in self.rules}
        for r in self.rules:
            if r.law_of is not None and r.scope is not Scope.AGREEMENT:
                raise PackDefinitionError(
                    f"pack {self.name}: {r.id} names law_of but is not an agreement rule"
                )
        for o in self.overrides:
            if o.rule not in rule_ids:
                raise PackDefinitionError(f"pack {self.name}: exception {o.id} names unknown rule {o.rule}")
        for item in items:
            if not item.citations:
                raise PackDefinitionError(f"pack {self.name}: {item.id} has no citation")
        derived_names = [d.name for d in self.derived]
        if len(set(derived_names)) != len(derived_names):
            raise PackDefinitionError(f"pack {self.name}: a derived fact is defined twice")

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        known = ", ".join(r.id for r in self.rules)
        raise PackDefinitionError(f"pack {self.name} has no rule {rule_id!r} (rules: {known})")

    def overrides_of(self, rule_id: str) -> tuple[Override, ...]:
        return tuple(o for o in self.overrides if o.rule == rule_id)

    def check_date(self, on: date) -> None:
        if on < self.valid_from:
            raise DateOutOfRange(
                f"rule pack {self.name} covers dates from {self.valid_from.isoformat()}, not {on.isoformat()}"
            )

    def rules_for(self, stage: Stage, *, include_proposals: bool = False) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if stage in r.stages and (include_proposals or not r.is_proposal))

    def with_parameter_value(self, name: str, value: DatedValue) -> RulePack:
        """The same pack with one more dated value of a parameter (what-if runs and tests)."""
        return replace(self, parameters=self.parameters.with_value(name, value))

    @cached_property
    def digest(self) -> str:
        """SHA-256 over everything that decides an outcome: rule metadata and predicate sources, exceptions,
        derived facts and every dated parameter value. Stored with each screening."""
        body = {
            "rules": [
                {
                    **r.metadata(),
                    "fails": _source_of(r.fails),
                    "applies": _source_of(r.applies) if r.applies else None,
                }
                for r in self.rules
            ],
            "overrides": [{**o.metadata(), "when": _source_of(o.when)} for o in self.overrides],
            "derived": [{"name": d.name, "build": _source_of(d.build)} for d in self.derived],
            "parameters": self.parameters.digest(),
        }
        return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()

    @property
    def full_version(self) -> str:
        """``<name>-<version>+<digest prefix>``: changes whenever any rule, source or parameter changes."""
        return f"{self.name}-{self.version}+{self.digest[:12]}"

    def research_coverage(self) -> list[dict[str, Any]]:
        """For each rule R1-R21 of the research (section 2), the rules that code it or the exclusion."""
        rows = []
        for n in range(1, RESEARCH_RULES + 1):
            rules = [r.id for r in self.rules if research_number(r.id) == n or n in r.codes]
            excluded = [x.id for x in self.exclusions if research_number(x.id) == n]
            rows.append({"research": f"R{n}", "rules": rules, "exclusions": excluded})
        return rows

    def metadata(self) -> dict[str, Any]:
        return {
            "pack": self.name,
            "title": self.title,
            "version": self.full_version,
            "valid_from": self.valid_from.isoformat(),
            "sending_states": sorted(self.sending_states),
            "rules": [r.metadata() for r in self.rules],
            "exceptions": [o.metadata() for o in self.overrides],
            "exclusions": [x.metadata() for x in self.exclusions],
            "research_coverage": self.research_coverage(),
            "parameters": [p.as_dict() for p in self.parameters],
        }


#: The research lists rules R1 to R21 (domain-research.md, section 2).
RESEARCH_RULES = 21
_RESEARCH_ID = re.compile(r"^(?:[A-Z]+-)?R(\d+)(?:[A-Z]*)$")


def research_number(rule_id: str) -> int | None:
    """The research rule a pack id codes: ``R12P`` and ``EU-R6S`` code R12 and R6; ``FTF`` none."""
    match = _RESEARCH_ID.match(rule_id)
    return int(match.group(1)) if match else None


def format_reason(template: str, facts: Mapping[str, Any]) -> str:
    """Fill a reason template; missing or empty facts read as "none"."""

    class _Facts(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "none"

    shown = _Facts()
    for key, value in facts.items():
        if value is None:
            shown[key] = "none"
        elif isinstance(value, date):
            shown[key] = value.isoformat()
        elif isinstance(value, list | tuple | frozenset | set):
            shown[key] = ", ".join(sorted(str(v) for v in value)) or "none"
        else:
            shown[key] = value
    return template.format_map(shown)
