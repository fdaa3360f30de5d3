"""Who is told what, through one path: every cause builds its values, picks its audience by the scheme's
rules (``AUDIENCES``), and ``issue`` writes one notice and one outbox email per person, in the caller's
transaction, so a notice exists exactly when the event that caused it was committed.

Causes: a person taken off or added to a manifest (the departure gate), a transfer falling under its
minimum load (the gate), and, from operations' ``stays.sweep`` (run by ``returnhub notices sweep``,
idempotent), hub stays whose maximum length or detention order has run out and detentions not validated
by a judge in time. Operations issues these notices; notices imports nothing of operations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from returnhub.access import service as access
from returnhub.access.roles import Role
from returnhub.casework.store import get_person
from returnhub.core.clock import Clock
from returnhub.core.errors import NotFound
from returnhub.core.time import utc
from returnhub.notices.models import Notice, OutboxMessage
from returnhub.notices.settings import NoticesSettings, get_notices_settings
from returnhub.notices.templates import render
from returnhub.notices.views import DeliveryView, NoticeView


class Addressee(Protocol):
    """What a notice reads of the person it is for (access's user account, found through its services)."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...


class NoticedTransfer(Protocol):
    """What a notice reads of a transfer (operations' ``Transfer``, which issues these notices)."""

    @property
    def reference(self) -> str: ...
    @property
    def hub(self) -> str: ...
    @property
    def departs_at(self) -> datetime: ...
    @property
    def min_load(self) -> int: ...
    @property
    def monitor_on_board(self) -> bool: ...
    @property
    def created_by(self) -> str: ...


REPRESENTATIVES = "representatives"
PLANNERS = "planners"
LIAISONS = "hub liaisons"
MONITORS = "monitors"
MONITORS_IF_ON_BOARD = "monitors if on board"


@dataclass(frozen=True)
class Audience:
    groups: tuple[str, ...]
    source: str


#: Who is told of each cause, and why (the scheme's rule for each).
AUDIENCES: dict[str, Audience] = {
    "taken_off": Audience(
        (REPRESENTATIVES, PLANNERS, LIAISONS, MONITORS_IF_ON_BOARD),
        "ECHR art. 34 and Rules of Court r. 39 (an interim measure must be seen to take effect); a monitor "
        "on board observes the whole removal (IMB Charter Flight Monitoring Team; COM(2025)101 art. 17)",
    ),
    "added": Audience(
        (REPRESENTATIVES, LIAISONS),
        "the representative must be able to act before removal (Home Office Judicial reviews and "
        "injunctions guidance: notice of removal directions); the hub prepares the arrival",
    ),
    "under_minimum": Audience(
        (PLANNERS, LIAISONS, MONITORS_IF_ON_BOARD),
        "a transfer under its minimum viable load needs a planner's decision (operations rule of the scheme)",
    ),
    "stay_overdue": Audience(
        (REPRESENTATIVES, LIAISONS, MONITORS),
        "the agreement's maximum stay or the detention order's end (the agreement's terms; COM(2025)101 "
        "art. 17 independent monitoring)",
    ),
    "validation_overdue": Audience(
        (REPRESENTATIVES, LIAISONS, MONITORS),
        "Italian Constitution art. 13 and art. 14 TUI: detention must be validated by a judge within "
        "48 hours",
    ),
}


@dataclass(frozen=True)
class Recipient:
    user: Addressee
    link: str


def _when(value: datetime) -> str:
    return f"{utc(value):%-d %B %Y at %H:%M} UTC"


def day_words(value: date) -> str:
    return f"{value:%-d %B %Y}"


def person_words(session: Session, reference: str) -> str:
    person = get_person(session, reference)
    return f"{person.given_name} {person.family_name}"


def hub_words(session: Session, hub: str, on: date) -> str:
    from returnhub.partners.service import hub_on

    try:
        return hub_on(session, hub, on).name
    except NotFound:
        return f"hub {hub}"


def planners_of(session: Session, transfer: NoticedTransfer) -> Sequence[Addressee]:
    """The planner who created the transfer, if that is an active planner's account; otherwise every active
    operations planner (a transfer made by a plan's approval or a script has no one planner)."""
    creator = access.find_active_user(session, transfer.created_by)
    if creator is not None and creator.role == Role.OPERATIONS_PLANNER.value:
        return [creator]
    return access.active_users_with_role(session, Role.OPERATIONS_PLANNER)


def audience(
    session: Session, cause: str, *, reference: str | None, transfer: NoticedTransfer | None, hub: str | None
) -> list[Recipient]:
    """The people told of ``cause``, each with the page they can open (a representative's is the case)."""
    rule = AUDIENCES[cause]
    case_link = f"/ui/cases/{reference}" if reference else None
    transfer_link = f"/ui/transfers/{transfer.reference}" if transfer is not None else None
    staff_link = transfer_link or case_link or "/ui/"
    out: dict[int, Recipient] = {}

    def add(users: Iterable[Addressee], link: str | None) -> None:
        for u in users:
            if link is not None and u.id not in out:
                out[u.id] = Recipient(u, link)

    for group in rule.groups:
        if group == REPRESENTATIVES and reference:
            add(access.representatives_of(session, reference), case_link)
        elif group == PLANNERS and transfer is not None:
            add(planners_of(session, transfer), transfer_link)
        elif group == LIAISONS and hub:
            add(access.liaisons_of(session, hub), staff_link if transfer_link else case_link)
        elif group == MONITORS or (
            group == MONITORS_IF_ON_BOARD and transfer is not None and transfer.monitor_on_board
        ):
            add(access.active_users_with_role(session, Role.INDEPENDENT_MONITOR), staff_link)
    return list(out.values())


def issue(
    session: Session,
    cause: str,
    values: dict[str, str],
    *,
    clock: Clock,
    reference: str | None = None,
    transfer: NoticedTransfer | None = None,
    hub: str | None = None,
    dedupe: str | None = None,
    settings: NoticesSettings | None = None,
) -> list[Notice]:
    """The one path: a notice and its outbox email for each person of the cause's audience.

    ``dedupe`` (a swept cause) makes the cause idempotent: a person already told is not told again.
    """
    settings = settings or get_notices_settings()
    now = clock.now()
    recipients = audience(session, cause, reference=reference, transfer=transfer, hub=hub)
    if dedupe is not None and recipients:
        keys = {f"{dedupe}:{r.user.id}" for r in recipients}
        known = set(session.execute(select(Notice.dedupe_key).where(Notice.dedupe_key.in_(keys))).scalars())
        recipients = [r for r in recipients if f"{dedupe}:{r.user.id}" not in known]
    notices: list[tuple[Notice, Recipient, str]] = []
    for r in recipients:
        link = settings.base_url.rstrip("/") + r.link
        subject, body = render(cause, {**values, "recipient": r.user.name, "link": link})
        notice = Notice(
            user_id=r.user.id,
            cause=cause,
            case_reference=reference,
            transfer=transfer.reference if transfer is not None else None,
            hub=hub,
            subject=subject[:200],
            body=body,
            link=r.link,
            dedupe_key=f"{dedupe}:{r.user.id}" if dedupe is not None else None,
            created_at=now,
        )
        session.add(notice)
        notices.append((notice, r, body))
    if not notices:
        return []
    session.flush()
    messages = []
    for notice, r, body in notices:
        message = OutboxMessage(
            notice_id=notice.id,
            case_reference=reference,
            to_address=f"{r.user.name}@{settings.mail_domain}",
            template=cause,
            subject=notice.subject,
            body=body,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            message_id="pending",
            created_at=now,
        )
        session.add(message)
        messages.append(message)
    session.flush()
    for message in messages:
        message.message_id = message_id_for(message.id, settings)
    return [n for n, _, _ in notices]


def message_id_for(outbox_id: int, settings: NoticesSettings) -> str:
    """The idempotency key: the same outbox row always carries the same Message-ID."""
    return f"<notice-{outbox_id}@{settings.mail_domain}>"


# --- the causes ------------------------------------------------------------------------------------------


def _transfer_values(session: Session, transfer: NoticedTransfer, clock: Clock) -> dict[str, str]:
    return {
        "transfer": transfer.reference,
        "hub": hub_words(session, transfer.hub, clock.today()),
        "departs": _when(transfer.departs_at),
    }


def taken_off(
    session: Session, transfer: NoticedTransfer, reference: str, reason: str, *, clock: Clock
) -> None:
    values = {
        **_transfer_values(session, transfer, clock),
        "person": person_words(session, reference),
        "reference": reference,
        "reason": reason,
    }
    issue(session, "taken_off", values, clock=clock, reference=reference, transfer=transfer, hub=transfer.hub)


def added(session: Session, transfer: NoticedTransfer, reference: str, *, clock: Clock) -> None:
    values = {
        **_transfer_values(session, transfer, clock),
        "person": person_words(session, reference),
        "reference": reference,
    }
    issue(session, "added", values, clock=clock, reference=reference, transfer=transfer, hub=transfer.hub)


def under_minimum(session: Session, transfer: NoticedTransfer, load: int, *, clock: Clock) -> None:
    values = {
        **_transfer_values(session, transfer, clock),
        "load": str(load),
        "min_load": str(transfer.min_load),
        "reason": "people were taken off it, or too few were listed, so it carries fewer than the "
        "agreed minimum",
    }
    issue(session, "under_minimum", values, clock=clock, transfer=transfer, hub=transfer.hub)


# --- the inbox -------------------------------------------------------------------------------------------


def _visible(session: Session, user_id: int, role: Role) -> Any:
    """A representative sees notices about their current clients only, whatever was once addressed to them."""
    mine = Notice.user_id == user_id
    if role is Role.LEGAL_REPRESENTATIVE:
        clients = access.clients_of(session, user_id)
        return and_(mine, Notice.case_reference.in_(clients)) if clients else false()
    return mine


def _view(n: Notice) -> NoticeView:
    return NoticeView(
        id=n.id,
        cause=n.cause,
        subject=n.subject,
        body=n.body,
        link=n.link,
        case_reference=n.case_reference,
        transfer=n.transfer,
        created_at=utc(n.created_at),
        read=n.read_at is not None,
        read_at=utc(n.read_at) if n.read_at else None,
    )


def inbox(
    session: Session,
    user_id: int,
    role: Role,
    *,
    unread_only: bool = False,
    transfer: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 100,
) -> list[NoticeView]:
    """A user's notices: unread first, then newest first; filtered by transfer and by date (inclusive)."""
    query = (
        select(Notice)
        .where(_visible(session, user_id, role))
        .order_by(case((Notice.read_at.is_(None), 0), else_=1), Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    )
    if unread_only:
        query = query.where(Notice.read_at.is_(None))
    if transfer:
        query = query.where(Notice.transfer == transfer.strip().upper())
    if since:
        query = query.where(Notice.created_at >= datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        # Through the end of that day (written without adding a day, which 9999-12-31 does not have).
        query = query.where(Notice.created_at <= datetime.combine(until, time.max, tzinfo=UTC))
    return [_view(n) for n in session.execute(query).scalars()]


def open_notice(session: Session, user_id: int, role: Role, notice_id: int, *, clock: Clock) -> NoticeView:
    """One of the user's notices, marked read (opening it is reading it). Anyone else's is not found."""
    notice = session.execute(
        select(Notice).where(Notice.id == notice_id, _visible(session, user_id, role))
    ).scalar_one_or_none()
    if notice is None:
        raise NotFound(f"no notice {notice_id} in your inbox")
    if notice.read_at is None:
        notice.read_at = clock.now()
    return _view(notice)


# --- delivery: the monitor's view and the planners' alert --------------------------------------------------


def deliveries(session: Session, *, status: str | None = None, limit: int = 200) -> list[DeliveryView]:
    """Each email's delivery state, newest first (for the independent monitor)."""
    query = (
        select(OutboxMessage, Notice)
        .join(Notice, Notice.id == OutboxMessage.notice_id)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(OutboxMessage.status == status)
    rows = [(m, n) for m, n in session.execute(query).all()]
    names = access.user_names(session, (n.user_id for _, n in rows))
    return [_delivery(m, n, names) for m, n in rows]


def _delivery(m: OutboxMessage, n: Notice, names: dict[int, str]) -> DeliveryView:
    return DeliveryView(
        outbox_id=m.id,
        notice_id=n.id,
        recipient=names.get(n.user_id, "unknown"),
        subject=n.subject,
        case_reference=n.case_reference,
        transfer=n.transfer,
        status=m.status,
        attempts=m.attempts,
        last_error=m.last_error,
        message_id=m.message_id,
        created_at=utc(m.created_at),
        sent_at=utc(m.sent_at) if m.sent_at else None,
    )


def late_deliveries(
    session: Session, *, clock: Clock, settings: NoticesSettings | None = None, limit: int = 50
) -> list[DeliveryView]:
    """Emails not accepted by the mail server within the deadline (an alert on the planners' home page)."""
    settings = settings or get_notices_settings()
    cutoff = clock.now() - timedelta(minutes=settings.notices_deliver_within_minutes)
    query = (
        select(OutboxMessage, Notice)
        .join(Notice, Notice.id == OutboxMessage.notice_id)
        .where(OutboxMessage.status != "sent", OutboxMessage.created_at < cutoff)
        .order_by(OutboxMessage.created_at)
        .limit(limit)
    )
    rows = [(m, n) for m, n in session.execute(query).all()]
    names = access.user_names(session, (n.user_id for _, n in rows))
    return [_delivery(m, n, names) for m, n in rows]


def unsent_count(session: Session) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(or_(OutboxMessage.status == "pending", OutboxMessage.status == "sending"))
        ).scalar_one()
    )
