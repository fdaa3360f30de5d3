"""Importing a legacy export: every bad row named, all or nothing, idempotent, and a kill leaves nothing."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from returnhub.casework.imports import import_file, read_table
from returnhub.casework.models import StoredEvent, case_projection
from returnhub.casework.store import case_state, verify_chain
from returnhub.core.clock import FixedClock
from returnhub.core.database import create_engine, unit_of_work
from returnhub.core.errors import InvalidInput
from returnhub.people.models import Person

ROOT = Path(__file__).resolve().parents[2]
HEADER = [
    "source_id",
    "person_id",
    "family_name",
    "given_name",
    "date_of_birth",
    "sex",
    "nationality",
    "event_type",
    "occurred_on",
    "route",
    "outcome",
]


def _person_rows(i: int) -> Iterator[list[str]]:
    """Four events of one synthetic person: arrival, claim, refusal, appeal rights exhausted."""
    who = [f"P{i}", "Synthetic", f"Person{i}", "1990-01-01", "M" if i % 2 else "F", "ALB" if i % 3 else "IRQ"]
    blank = ["", "", "", "", ""]
    yield [f"S{i}-1", *who, "arrival", "2024-01-05", "small_boat", ""]
    yield [f"S{i}-2", who[0], *blank, "asylum_claim_lodged", "2024-01-06", "", ""]
    yield [f"S{i}-3", who[0], *blank, "asylum_claim_decided", "2024-05-01", "", "refuse"]
    yield [f"S{i}-4", who[0], *blank, "appeal_rights_exhausted", "2024-07-01", "", ""]


def _write(path: Path, people: range, *, bad_at: int | None = None) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        n = 0
        for i in people:
            for row in _person_rows(i):
                n += 1
                if n == bad_at:
                    row[HEADER.index("event_type")] = "asylum_claim_decided"
                    row[HEADER.index("outcome")] = "maybe"
                writer.writerow(row)
    return path


def _count(engine: Engine, what: object) -> int:
    with unit_of_work(engine, read_only=True) as s:
        return int(s.execute(select(func.count()).select_from(what)).scalar_one())  # type: ignore[arg-type]


def test_import_is_idempotent_and_adds_to_known_people(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    first = _write(tmp_path / "a.csv", range(1, 4))
    report = import_file(engine, read_table(first), clock=clock)
    assert (report.rows, report.imported, report.new_cases, report.errors) == (12, 12, 3, [])
    assert _count(engine, StoredEvent) == 12 and _count(engine, case_projection) == 3
    again = import_file(engine, read_table(first), clock=clock)
    assert (again.imported, again.already_imported) == (0, 12)
    assert _count(engine, StoredEvent) == 12
    # A later file adds to the case its person became, through the store.
    later = tmp_path / "b.csv"
    # (Not a hub referral: that goes through the gate, which this short history does not pass.)
    row = "S1-5,P1,,,,,,removal_notice_served,2024-08-01,,"
    later.write_text(",".join(HEADER) + "\n" + row + "\n", encoding="utf-8")
    more = import_file(engine, read_table(later), clock=clock)
    assert (more.imported, more.new_cases) == (1, 0)
    with unit_of_work(engine, read_only=True) as s:
        reference = s.execute(select(Person.reference).order_by(Person.id).limit(1)).scalar_one()
        _, state = case_state(s, reference)
        assert state.version == 5 and state.removal_notice_served_on == date(2024, 8, 1)
        assert verify_chain(s).ok


def test_a_dry_run_lists_every_bad_row_and_writes_nothing(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        ",".join(HEADER)
        + "\nS1,P1,Doe,Ana,1990-01-02,F,ALB,arrival,2024-01-05,small_boat,"
        + "\nS2,P1,,,,,,departed,2024-01-06,,"
        + "\nS3,P2,Roe,,1990-02-30,X,ZZZ,arrival,2024-01-05,,"
        + "\nS1,P1,,,,,,asylum_claim_lodged,2031-01-01,,\n",
        encoding="utf-8",
    )
    report = import_file(engine, read_table(path), clock=clock, dry_run=True)
    found = {(e["row"], e["column"]) for e in report.errors}
    assert found == {
        (2, "source_id"),
        (3, "event_type"),
        (4, "given_name"),
        (4, "date_of_birth"),
        (4, "sex"),
        (4, "nationality"),
        (4, "route"),
        (5, "source_id"),
        (5, "occurred_on"),
    }
    assert report.bad_rows == 4
    assert all("_" not in e["message"].split(" ")[0] for e in report.errors)
    assert _count(engine, StoredEvent) == 0
    real = import_file(engine, read_table(path), clock=clock)
    assert real.imported == 0 and _count(engine, StoredEvent) == 0 and _count(engine, Person) == 0


def test_one_bad_row_in_100000_writes_nothing_and_is_named(
    sqlite_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    path = _write(tmp_path / "big.csv", range(25_000), bad_at=73_002)
    engine = create_engine(sqlite_url)
    report = import_file(engine, read_table(path), clock=clock)
    assert report.rows == 100_000
    assert report.errors == [
        {
            "row": 73_003,
            "column": "outcome",
            "message": "Input should be 'grant', 'refuse', 'withdrawn', 'certified' or 'inadmissible'",
        }
    ]
    assert _count(engine, StoredEvent) == 0 and _count(engine, Person) == 0
    engine.dispose()


KILLED_IMPORT = """
import sys, time
from pathlib import Path
from returnhub.core.runtime import Runtime
from returnhub.casework.imports import import_file, read_table
rt = Runtime.from_settings()
def hold(_n):
    # Every new case and event is written, inside the transaction: say so, and wait to be killed.
    print("written", flush=True)
    time.sleep(60)
import_file(rt.engine, read_table(Path(sys.argv[1])), clock=rt.clock, progress=hold)
"""


def test_a_killed_import_leaves_nothing(sqlite_url: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "kill.csv", range(2_000))
    env = dict(os.environ, RETURNHUB_DATABASE_URL=sqlite_url)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, str(path)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "written", proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    engine = create_engine(sqlite_url)
    assert _count(engine, StoredEvent) == 0 and _count(engine, Person) == 0
    with unit_of_work(engine, read_only=True) as s:
        assert verify_chain(s).ok
    engine.dispose()


def test_an_xlsx_export_imports_like_a_csv(engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "legacy.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Events")
    sheet.write_row(0, 0, HEADER)
    for i, row in enumerate(_person_rows(1), start=1):
        sheet.write_row(i, 0, row)
    book.close()
    report = import_file(engine, read_table(path), clock=clock)
    assert (report.imported, report.new_cases, report.errors) == (4, 1, [])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(InvalidInput, match="cannot read the file as XLSX"):
        read_table(broken)


def test_an_import_refuses_implausible_dates(engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    """Issue 15: a date in law before 1900, a date of birth in the year 9999 or 1850, and a claimed date of
    birth in the future are named, as by the API, and nothing is written."""
    path = tmp_path / "implausible.csv"
    path.write_text(
        "source_id,person_id,family_name,given_name,date_of_birth,sex,nationality,event_type,occurred_on,"
        "claimed_date_of_birth"
        + "\nS1,P1,Doe,Ana,9999-12-31,F,ALB,arrival,2024-01-05,"
        + "\nS2,P2,Roe,Bo,1850-01-01,M,ALB,arrival,2024-01-05,"
        + "\nS3,P3,Poe,Cy,1990-01-01,M,ALB,arrival,0001-01-01,"
        + "\nS4,P3,,,,,,age_dispute_raised,2024-01-06,9999-12-31\n",
        encoding="utf-8",
    )
    report = import_file(engine, read_table(path), clock=clock, dry_run=True)
    found = {(e["row"], e["column"]) for e in report.errors}
    assert {
        (2, "date_of_birth"),
        (3, "date_of_birth"),
        (4, "occurred_on"),
        (5, "claimed_date_of_birth"),
    } <= found
    assert _count(engine, StoredEvent) == 0


def test_an_import_refuses_a_nul_character(engine: Engine, clock: FixedClock) -> None:
    content = (
        ",".join(HEADER) + "\nS1,P1,Doe,A\x00na,1990-01-02,F,ALB,arrival,2024-01-05,small_boat,\n"
    ).encode()
    with pytest.raises(InvalidInput, match="NUL"):
        read_table(content=content, name="nul.csv")
