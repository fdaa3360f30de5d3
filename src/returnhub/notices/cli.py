"""``returnhub notices list|read|send|mailbox|smtpd``: translate to the notices services, print.

``returnhub notices sweep`` (notices for run-out hub-stay clocks) reads operations' clocks, so it lives in
``operations.notices_cli`` and the composition root (``returnhub.cli``) mounts it here: notices imports no
operations.

The sender is also ``python -m returnhub.notices send --loop``: the same commands without importing every
other context, so a sender restarted after a crash is back in well under a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from returnhub.core import shell
from returnhub.core.database import unit_of_work

notices_app = typer.Typer(no_args_is_help=True, help="Notices to people: inbox, email outbox, local mailbox.")
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
UserName = Annotated[str, typer.Option("--user", help="Whose inbox: a user name (e.g. rep.adams).")]
out, err = shell.out, shell.err


def register(app: typer.Typer) -> None:
    app.add_typer(notices_app, name="notices")


@notices_app.command("list")
def notices_list(
    user: UserName,
    unread: Annotated[bool, typer.Option("--unread", help="Only notices not yet read.")] = False,
    transfer: Annotated[str | None, typer.Option("--transfer")] = None,
    since: Annotated[str | None, typer.Option("--from", help="From this day (inclusive).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to this day (inclusive).")] = None,
    as_json: Json = False,
) -> None:
    """A user's inbox: unread first, newest first."""
    from returnhub.access.roles import Role
    from returnhub.access.service import get_user
    from returnhub.notices import service

    rt = shell.runtime()
    with unit_of_work(rt.engine, read_only=True) as s:
        account = get_user(s, user)
        rows = service.inbox(
            s,
            account.id,
            Role(account.role),
            unread_only=unread,
            transfer=transfer,
            since=shell.parse_date(since, "--from"),
            until=shell.parse_date(until, "--until"),
        )
    if as_json:
        shell.print_json(rows)
        return
    table = Table("id", "when", "read", "subject")
    for r in rows:
        table.add_row(str(r.id), r.created_at.isoformat()[:16], "yes" if r.read else "no", r.subject)
    out.print(table)


@notices_app.command("read")
def notices_read(notice_id: int, user: UserName, as_json: Json = False) -> None:
    """Open one notice (it is marked read) and print it."""
    from returnhub.access.roles import Role
    from returnhub.access.service import get_user
    from returnhub.notices import service

    rt = shell.runtime()
    with unit_of_work(rt.engine) as s:
        account = get_user(s, user)
        view = service.open_notice(s, account.id, Role(account.role), notice_id, clock=rt.clock)
    if as_json:
        shell.print_json(view)
    else:
        out.print(view.subject, markup=False)
        out.print(view.body, markup=False)


@notices_app.command("send")
def notices_send(
    loop: Annotated[bool, typer.Option("--loop", help="Keep sending until stopped.")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between polls when idle.")] = 1.0,
    batch: Annotated[int, typer.Option("--batch")] = 20,
) -> None:
    """Send the outbox's due emails (retries with backoff; at least once, deduplicated by Message-ID)."""
    from returnhub.notices.sender import adapter_for, run_loop, send_due
    from returnhub.notices.settings import NoticesSettings

    rt = shell.runtime()
    settings = NoticesSettings()
    adapter = adapter_for(settings)
    if loop:

        def ready() -> None:
            err.print("sender ready")

        try:
            run_loop(
                rt.engine,
                adapter,
                clock=rt.clock,
                settings=settings,
                interval=interval,
                batch=batch,
                on_ready=ready,
            )
        except KeyboardInterrupt:
            return
        return
    total = {"sent": 0, "failed": 0}
    try:
        while True:
            counts = send_due(rt.engine, adapter, clock=rt.clock, settings=settings, batch=batch)
            total = {k: total[k] + counts[k] for k in total}
            if counts["sent"] + counts["failed"] < batch:
                break
    finally:
        adapter.close()
    shell.print_json(total)


@notices_app.command("mailbox")
def notices_mailbox(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="The local server's mail directory.")
    ] = None,
    as_json: Json = False,
) -> None:
    """What the local SMTP server received."""
    from returnhub.notices.mailbox import read_mailbox
    from returnhub.notices.settings import NoticesSettings

    box = read_mailbox(directory or NoticesSettings().mailbox_dir)
    if as_json:
        shell.print_json(box)
        return
    table = Table("to", "subject", "message id")
    for m in box["messages"]:
        table.add_row(m["to"], m["subject"], m["message_id"])
    out.print(table)
    out.print(
        f"{box['stored']} stored, {box['deliveries']} deliveries, "
        f"{box['duplicates_dropped']} duplicates dropped"
    )


@notices_app.command("smtpd")
def notices_smtpd(
    port: Annotated[int | None, typer.Option("--port")] = None,
    directory: Annotated[Path | None, typer.Option("--dir")] = None,
) -> None:
    """Run the local SMTP server (the demo's mailbox) until interrupted."""
    import time

    from returnhub.notices.mailbox import start_server
    from returnhub.notices.settings import NoticesSettings

    settings = NoticesSettings()
    where = directory or settings.mailbox_dir
    controller = start_server(where, settings.smtp_host, port or settings.smtp_port)
    err.print(f"local SMTP server on {settings.smtp_host}:{port or settings.smtp_port}, storing in {where}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()
