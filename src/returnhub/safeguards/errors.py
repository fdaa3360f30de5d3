"""Errors the safeguards raise. Each is a ``DomainError``: one CLI line, one problem+json response.

A rule conflict and a stage without rules are errors, never a silent pass (the Catala discipline): an
engine that cannot say which rule decides must not let a transfer through.
"""

from __future__ import annotations

from returnhub.core.errors import DomainError, InvalidInput, NotFound


class UnknownPack(NotFound):
    title = "Unknown rule pack"
    slug = "unknown-rule-pack"


class UnknownStage(InvalidInput):
    title = "Unknown stage"
    slug = "unknown-stage"


class DateOutOfRange(InvalidInput):
    """A date the pack does not cover, or a parameter with no value on that date."""

    title = "Date outside the rule pack"
    slug = "date-out-of-range"


class NoApplicableRule(DomainError):
    """No rule of the pack guards the stage on the date: the engine cannot clear anyone."""

    status = 422
    title = "No rule applies"
    slug = "no-applicable-rule"


class RuleConflict(DomainError):
    """Two rules with one id, or two exceptions of equal priority deciding differently for one case."""

    status = 409
    title = "Rule conflict"
    slug = "rule-conflict"


class PackDefinitionError(Exception):
    """A rule pack is malformed (missing citation, bad date, unknown fact). A bug in the pack, "
    "found at load."""
