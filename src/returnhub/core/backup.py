"""Backup and restore of the whole database: `returnhub backup PATH`, `returnhub restore PATH --yes`.

* SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot page by page
  while the service keeps running (writers wait only for each step); a restore copies the file back the
  same way, into the live database, so the server's connections see the restored data at once.
* PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot too: one repeatable-read transaction) and
  ``pg_restore --clean --if-exists --single-transaction``, so a failed restore leaves the database as it was.

The field-encryption keys (``RETURNHUB_FIELD_KEYS``) are not in the database and so not in a backup: keep
them apart, as their purpose requires. A backup is written to a temporary name and renamed when complete,
so an interrupted backup never leaves a file that looks whole.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from returnhub.core.errors import InvalidInput, StateConflict

#: Pages copied per step of SQLite's online backup: writers get the lock back between steps.
SQLITE_PAGES_PER_STEP = 4096


def _sqlite_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise InvalidInput("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str], what: str) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise InvalidInput(f"{what} needs {tool} (PostgreSQL's client tools) on the PATH")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[0]
        raise StateConflict(f"{what} failed: {first}")


def backup(database_url: str, target: Path) -> dict[str, Any]:
    """Write a consistent copy of the database to ``target`` (which must not exist)."""
    if target.exists():
        raise InvalidInput(f"{target} exists already: give a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    path = _sqlite_path(database_url)
    try:
        if path is not None:
            if not path.exists():
                raise InvalidInput(f"there is no database at {path}")
            source = sqlite3.connect(path)
            copy = sqlite3.connect(partial)
            try:
                with copy:
                    source.backup(copy, pages=SQLITE_PAGES_PER_STEP)
            finally:
                copy.close()
                source.close()
            kind = "sqlite"
        else:
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    f"--file={partial}",
                    f"--dbname={_libpq_url(database_url)}",
                ],
                "pg_dump",
            )
            kind = "postgresql"
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return {"backup": str(target), "database": kind, "bytes": target.stat().st_size}


def restore(database_url: str, source: Path) -> dict[str, Any]:
    """Replace the database's content with the backup at ``source``."""
    if not source.is_file():
        raise InvalidInput(f"there is no backup at {source}")
    path = _sqlite_path(database_url)
    if path is not None:
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            try:
                check = backup_db.execute("PRAGMA quick_check").fetchone()
            except sqlite3.DatabaseError as exc:
                raise InvalidInput(f"{source} is not a SQLite backup: {exc}") from None
            if check is None or check[0] != "ok":
                raise InvalidInput(f"{source} is damaged: {check[0] if check else 'no answer'}")
            live = sqlite3.connect(path)
            try:
                with live:
                    backup_db.backup(live, pages=SQLITE_PAGES_PER_STEP)
            finally:
                live.close()
        finally:
            backup_db.close()
        kind = "sqlite"
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url(database_url)}",
                str(source),
            ],
            "pg_restore",
        )
        kind = "postgresql"
    return {"restored": str(source), "database": kind}
