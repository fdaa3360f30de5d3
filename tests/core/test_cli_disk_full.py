"""A command that meets a full disk says so in one line, exit 2, instead of advising a migration (found by
harnesses/faults.py's disk that fills during an import)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from returnhub import cli


def _fails_with(message: str) -> Any:
    def app(**_: Any) -> None:
        raise OperationalError("INSERT INTO case_events ...", {}, Exception(message))

    return app


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("database or disk is full", "the database's disk is full (database or disk is full)"),
        ("no such table: persons", "database unavailable or not migrated"),
    ],
)
def test_a_full_disk_is_named(
    message: str, said: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "app", _fails_with(message))
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and said in err and len(err.strip().splitlines()) == 1
    assert ("not migrated" in err) is ("no such table" in message)
