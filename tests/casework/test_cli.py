"""The `returnhub` command: JSON outputs, one-line errors with exit 2, nothing written on bad input."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from returnhub import cli
from returnhub.casework.models import StoredEvent
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime

from .helpers import REFUSED_HISTORY, add_person, record


def run(runtime: Runtime, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    cli.set_runtime(runtime)
    old = sys.argv
    sys.argv = ["returnhub", *args]
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
        cli.set_runtime(None)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def one_case(runtime: Runtime) -> Runtime:
    with unit_of_work(runtime.engine) as s:
        add_person(s)
        for event_type, on, data in REFUSED_HISTORY:
            record(s, runtime.clock, "RH0000001", event_type, on, data)
    return runtime


def _count(runtime: Runtime) -> int:
    with unit_of_work(runtime.engine, read_only=True) as s:
        return int(s.execute(select(func.count()).select_from(StoredEvent)).scalar_one())


def test_case_list_json(one_case: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(one_case, capsys, "case", "list", "--status", "appeal_rights_exhausted", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["reference"], r["status"]) for r in rows] == [("RH0000001", "appeal_rights_exhausted")]
    code, out, _ = run(one_case, capsys, "case", "list", "--status", "granted", "--json")
    assert json.loads(out) == []
    # A status no case can have is an error naming the choices, not an empty table.
    code, out, err = run(one_case, capsys, "case", "list", "--status", "foo")
    assert code == 2 and out == ""
    assert err.startswith("error: there is no case status 'foo'; choose one of: registered,")
    assert len(err.strip().splitlines()) == 1


def test_case_list_by_part_of_a_name_and_a_nationality_by_name(
    one_case: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["--name", "ERSO"], ["--name", "tést person"], ["--nationality", "Eritrea"]):
        code, out, _ = run(one_case, capsys, "case", "list", *args, "--json")
        assert code == 0 and [r["reference"] for r in json.loads(out)] == ["RH0000001"], args
    code, out, err = run(one_case, capsys, "case", "list", "--nationality", "Atlantis")
    assert code != 0 and out == "" and len(err.strip().splitlines()) == 1 and "nationality" in err


def test_case_show_as_of(one_case: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(one_case, capsys, "case", "show", "RH0000001", "--as-of", "2024-03-01", "--json")
    assert code == 0
    case = json.loads(out)
    assert case["status"] == "appeal_pending"
    assert [e["type"] for e in case["timeline"]][-1] == "appeal_lodged"


def test_case_record_appends(one_case: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        one_case,
        capsys,
        "case",
        "record",
        "RH0000001",
        "--type",
        "rule39_granted",
        "--on",
        "2025-01-02",
        "--data",
        '{"expires_on": "2025-02-01"}',
        "--json",
    )
    assert code == 0, out
    assert json.loads(out)["sequence"] == 7
    assert _count(one_case) == 7


@pytest.mark.parametrize(
    "args",
    [
        ["--type", "not_an_event", "--on", "2025-01-02"],
        ["--type", "rule39_granted", "--on", "2025-13-02"],
        ["--type", "asylum_claim_decided", "--on", "2025-01-02", "--data", '{"outcome": "perhaps"}'],
        ["--type", "released", "--on", "2025-01-02", "--data", "{not json"],
        ["--type", "departed", "--on", "2025-01-02", "--data", '{"transfer": "T1"}'],
    ],
)
def test_bad_record_is_one_line_exit_2_and_writes_nothing(
    one_case: Runtime, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, out, err = run(one_case, capsys, "case", "record", "RH0000001", *args)
    assert code == 2
    assert err.startswith("error: ") and err.strip().count("\n") == 0
    assert "Traceback" not in err
    assert _count(one_case) == 6


def test_unknown_case_is_one_line(one_case: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(one_case, capsys, "case", "show", "RH7777777")
    assert code == 2 and "no case with reference" in err


def test_audit_verify(one_case: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(one_case, capsys, "audit", "verify", "--json")
    assert code == 0 and json.loads(out) == {"events": 6, "ok": True}
    with one_case.engine.begin() as conn:
        conn.execute(
            StoredEvent.__table__.update().where(StoredEvent.sequence == 2).values(recorded_by="mallory")
        )
    code, out, _ = run(one_case, capsys, "audit", "verify", "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["sequence"] == 2


def test_projection_rebuild(one_case: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    one_case.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    code, out, _ = run(one_case, capsys, "projection", "rebuild", "--json")
    assert code == 0 and json.loads(out)["cases"] == 1
