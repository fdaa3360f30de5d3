"""``returnhub users ...``, ``subject export``/``erase-sealed``, ``retention report`` and ``keys ...``.

Mounted by ``register(app)`` from ``returnhub.cli``. Errors are DomainError subclasses, which the main
command prints as one line (exit 2); a failed command writes nothing.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from returnhub.access import service
from returnhub.access.crypto import field_cipher, generate_key, rotate_stored_fields
from returnhub.access.retention import retention_report
from returnhub.access.settings import AccessSettings
from returnhub.access.subject import erase_special_category, export_subject
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput
from returnhub.core.shell import err, out, print_json, runtime

users_app = typer.Typer(no_args_is_help=True, help="Accounts: add, list, represent a client, unlock.")
subject_app = typer.Typer(no_args_is_help=True, help="Data-subject rights: everything held on a person.")
retention_app = typer.Typer(no_args_is_help=True, help="Retention rules and what they would erase.")
keys_app = typer.Typer(no_args_is_help=True, help="Keys that encrypt special-category fields.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(subject_app, name="subject")
    app.add_typer(retention_app, name="retention")
    app.add_typer(keys_app, name="keys")


def _operator(by: str | None) -> str:
    """Who runs a command: the shell user, unless named (recorded in the access log and ``created_by``)."""
    return (by or f"cli:{getpass.getuser()}")[:64]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise InvalidInput("no password given")
    return password


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option("--role", help="caseworker, senior_caseworker, …, admin.")],
    hub: Annotated[list[str] | None, typer.Option("--hub", help="A hub liaison's hub (repeatable).")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who creates the account.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an account. The password is prompted for (twice, hidden) unless --password-stdin."""
    password = _read_password(password_stdin)
    rt = runtime()
    settings = AccessSettings()
    with unit_of_work(rt.engine) as session:
        user = service.add_user(
            session,
            name,
            role,
            password,
            settings=settings,
            clock=rt.clock,
            created_by=_operator(by),
            hubs=hub or (),
        )
        view = service.user_view(session, user, rt.clock)
    if as_json:
        print_json(view)
    else:
        err.print(f"user {view.name} added as {view.role}")


@users_app.command("list")
def users_list(as_json: JsonFlag = False) -> None:
    """Every account, its role, hubs or clients, and whether it is locked."""
    rt = runtime()
    with unit_of_work(rt.engine, read_only=True) as session:
        views = [service.user_view(session, u, rt.clock) for u in service.list_users(session)]
    if as_json:
        print_json(views)
        return
    table = Table("name", "role", "active", "locked", "hubs / clients", "last sign-in")
    for v in views:
        table.add_row(
            v.name,
            v.role,
            "yes" if v.active else "no",
            "LOCKED" if v.locked else "",
            ", ".join(v.hubs + v.clients),
            v.last_sign_in_at.isoformat() if v.last_sign_in_at else "",
        )
    out.print(table)


@users_app.command("represent")
def users_represent(
    name: str, reference: str, by: Annotated[str | None, typer.Option("--by")] = None
) -> None:
    """Record that a legal representative acts for a client (a case reference)."""
    rt = runtime()
    with unit_of_work(rt.engine) as session:
        service.add_representation(session, name, reference, clock=rt.clock, granted_by=_operator(by))
    err.print(f"{name} now represents {reference.upper()}")


@users_app.command("unlock")
def users_unlock(name: str) -> None:
    """Clear the waits that failed sign-ins put on an account (from every source)."""
    rt = runtime()
    with unit_of_work(rt.engine) as session:
        service.update_user(session, name, settings=AccessSettings(), clock=rt.clock, unlock=True)
    err.print(f"{name}: sign-in waits cleared")


@subject_app.command("export")
def subject_export(
    reference: str,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who asks (recorded in the access log).")] = None,
) -> None:
    """Everything held on a person as JSON, including who has accessed their record."""
    rt = runtime()
    cipher = field_cipher(AccessSettings(), rt.settings.environment)
    # A write transaction: the export is itself logged, and it is produced only if the log entry commits.
    with unit_of_work(rt.engine) as session:
        document = export_subject(
            session, reference, cipher=cipher, clock=rt.clock, requested_by=_operator(by)
        )
    text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    if out_file is None:
        sys.stdout.write(text + "\n")
    else:
        out_file.write_text(text + "\n", encoding="utf-8")
        err.print(f"exported {document['subject']} to {out_file}")


@subject_app.command("erase-sealed")
def subject_erase_sealed(
    reference: str,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: the values cannot be recovered.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who erases (recorded in the access log).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Erase a person's special-category values (sealed event fields). The events and the chain stay."""
    if not yes:
        raise InvalidInput("erasure cannot be undone; run again with --yes to erase")
    rt = runtime()
    with unit_of_work(rt.engine) as session:
        erased = erase_special_category(session, reference, clock=rt.clock, requested_by=_operator(by))
    if as_json:
        print_json({"reference": reference.strip().upper(), "erased": erased})
    else:
        err.print(f"erased {erased:,} sealed value(s) of {reference.strip().upper()}")


@retention_app.command("report")
def retention_report_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run/--erase", help="Report only (erasure is not available yet).")
    ] = True,
    as_json: JsonFlag = False,
) -> None:
    """What each retention rule would erase today. A dry run: nothing is erased."""
    if not dry_run:
        raise InvalidInput("erasure is not available yet; run the report with --dry-run (see docs/access.md)")
    rt = runtime()
    with unit_of_work(rt.engine, read_only=True) as session:
        report = retention_report(session, AccessSettings(), rt.clock)
    if as_json:
        print_json(report)
        return
    table = Table("record type", "keep (days)", "cutoff", "would erase", "rule")
    for r in report["rules"]:
        table.add_row(
            r["record_type"], str(r["retain_days"]), r["cutoff"], f"{r['would_erase']:,}", r["rule"]
        )
    out.print(table)
    out.print("dry run: nothing was erased")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new field-encryption key (put it first in RETURNHUB_FIELD_KEYS, then `keys rotate`)."""
    sys.stdout.write(generate_key() + "\n")


@keys_app.command("rotate")
def keys_rotate(as_json: JsonFlag = False) -> None:
    """Re-encrypt every encrypted field under the first key of RETURNHUB_FIELD_KEYS (one transaction)."""
    rt = runtime()
    cipher = field_cipher(AccessSettings(), rt.settings.environment)
    with unit_of_work(rt.engine) as session:
        counts = rotate_stored_fields(session, cipher)
    if as_json:
        print_json(counts)
    else:
        err.print("re-encrypted: " + ", ".join(f"{n:,} {table}" for table, n in counts.items()))
