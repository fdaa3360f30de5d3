"""`returnhub backup` and `returnhub restore`: a restored database verifies and screens the same, on SQLite
(online backup API) and PostgreSQL (pg_dump and pg_restore)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from returnhub.access.audit import verify_access_log
from returnhub.access.roles import Role
from returnhub.casework.models import StoredEvent
from returnhub.casework.store import verify_chain
from returnhub.core.database import unit_of_work
from returnhub.safeguards.service import screen
from tests.casework.helpers import REFUSED_HISTORY, add_person, record
from tests.casework.test_cli import run

from .conftest import World


def _state(world: World) -> tuple[int, bool, bool, pl.DataFrame]:
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        events = int(s.execute(select(func.count()).select_from(StoredEvent)).scalar_one())
        chain = verify_chain(s).ok
        log = verify_access_log(s).ok
        screened = screen(s, pack="uk", stage="hub_referral", as_of=world.runtime.clock.today()).results
    return events, chain, log, screened.sort("reference")


def test_a_restored_database_verifies_and_screens_the_same(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.client.get("/cases/RH0000001", headers=world.headers(Role.CASEWORKER)).status_code == 200
    before = _state(world)
    assert before[1] and before[2]
    target = tmp_path / "returnhub.backup"
    code, _, err = run(world.runtime, capsys, "backup", str(target))
    assert code == 0 and target.stat().st_size > 0, err
    assert run(world.runtime, capsys, "backup", str(target))[0] != 0  # never over an existing file
    # Later work, then the backup is put back.
    with unit_of_work(world.runtime.engine) as s:
        add_person(s, "RH0000003", nationality="ALB")
        for event_type, on, data in REFUSED_HISTORY:
            record(s, world.runtime.clock, "RH0000003", event_type, on, data)
    assert _state(world)[0] > before[0]
    assert run(world.runtime, capsys, "restore", str(target))[0] != 0  # needs --yes
    world.runtime.engine.dispose()  # PostgreSQL: pg_restore drops the tables; idle pooled sessions let it
    code, _, err = run(world.runtime, capsys, "restore", str(target), "--yes")
    assert code == 0, err
    after = _state(world)
    assert after[:3] == before[:3]
    assert after[3].equals(before[3])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_file_that_is_not_a_backup_is_refused(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database at all, but long enough to have a header" * 20)
    code, _, err = run(world.runtime, capsys, "restore", str(bogus), "--yes")
    assert code != 0 and "not a SQLite backup" in err and len(err.strip().splitlines()) == 1
