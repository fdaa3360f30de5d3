"""Errors a user can cause. Each maps to one CLI line and one RFC 9457 problem."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base for errors caused by input or state, never by a bug."""

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"
    slug = "not-found"


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"
    slug = "invalid-input"


class VersionConflict(DomainError):
    """An append or update against a stale version: someone else changed the record first."""

    status = 409
    title = "Version conflict"
    slug = "version-conflict"


class StateConflict(DomainError):
    """The command is not allowed in the record's current state."""

    status = 409
    title = "Not allowed in the current state"
    slug = "state-conflict"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition failed"
    slug = "precondition-failed"


class NotAuthenticated(DomainError):
    status = 401
    title = "Not authenticated"
    slug = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"
