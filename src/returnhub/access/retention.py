"""Retention rules per record type, and a dry-run report of what each would erase today.

Nothing is erased here: erasure of case records conflicts with the append-only, hash-chained stores and
needs a decision (on anonymisation versus deletion, and on re-anchoring each chain at a checkpoint) that
is recorded in docs/access.md as open. The report tells the data-protection officer what is due.
The periods are settings (``RETURNHUB_RETAIN_*_DAYS``), not law: set them from the retention schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from returnhub.access.models import AccessLogEntry, ApiToken, MonitoringNote
from returnhub.access.settings import AccessSettings
from returnhub.casework.queries import closed_cases_due, sealed_values_due
from returnhub.core.clock import Clock

#: A case is closed when the person has left the hub, or the claim was granted or withdrawn.
CLOSED_STATUSES = ("granted", "withdrawn")
SAMPLE = 20


@dataclass(frozen=True)
class RetentionRule:
    record_type: str
    rule: str
    retain_days: int


def rules(settings: AccessSettings) -> list[RetentionRule]:
    return [
        RetentionRule(
            "case",
            "closed cases (left the hub, or claim granted or withdrawn) whose last legal event is older "
            "than the period: the person, their events, projection and operational records",
            settings.retain_closed_cases_days,
        ),
        RetentionRule(
            "access_log", "access-log entries older than the period", settings.retain_access_log_days
        ),
        RetentionRule(
            "api_token",
            "tokens and sessions revoked or expired for longer than the period",
            settings.retain_spent_tokens_days,
        ),
        RetentionRule(
            "monitoring_note", "monitoring notes older than the period", settings.retain_monitoring_notes_days
        ),
        RetentionRule(
            "sealed_value",
            "special-category values (sealed event fields) of closed cases whose last legal event is older "
            "than the period, not yet erased; erase with `returnhub subject erase-sealed REF --yes`",
            settings.retain_sealed_values_days,
        ),
    ]


def _count(session: Session, table: Any, condition: ColumnElement[bool]) -> int:
    return int(session.execute(select(func.count()).select_from(table).where(condition)).scalar_one())


def retention_report(session: Session, settings: AccessSettings, clock: Clock) -> dict[str, Any]:
    now: datetime = clock.now()
    today = clock.today()
    out: list[dict[str, Any]] = []
    for rule in rules(settings):
        cutoff = now - timedelta(days=rule.retain_days)
        sample: list[str] = []
        if rule.record_type == "case":
            count, sample = closed_cases_due(
                session, today - timedelta(days=rule.retain_days), CLOSED_STATUSES, sample=SAMPLE
            )
        elif rule.record_type == "access_log":
            count = _count(session, AccessLogEntry, AccessLogEntry.occurred_at < cutoff)
        elif rule.record_type == "api_token":
            spent = or_(ApiToken.revoked_at < cutoff, ApiToken.expires_at < cutoff)
            count = _count(session, ApiToken, spent)
        elif rule.record_type == "sealed_value":
            count, sample = sealed_values_due(
                session, today - timedelta(days=rule.retain_days), CLOSED_STATUSES, sample=SAMPLE
            )
        else:
            count = _count(session, MonitoringNote, MonitoringNote.written_at < cutoff)
        out.append(
            {
                "record_type": rule.record_type,
                "rule": rule.rule,
                "retain_days": rule.retain_days,
                "cutoff": (today - timedelta(days=rule.retain_days)).isoformat(),
                "would_erase": count,
                "sample": sample,
            }
        )
    return {"dry_run": True, "as_of": today.isoformat(), "rules": out}
