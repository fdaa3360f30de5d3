"""`returnhub report` and `returnhub import`: files written, JSON printed, one-line errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from returnhub.core.clock import FixedClock
from returnhub.core.runtime import Runtime
from tests.casework.test_cli import run

from .test_tables import _people

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_report_list_and_a_table_as_a_file(
    runtime: Runtime, clock: FixedClock, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _people(runtime.engine, clock)
    code, out, _ = run(runtime, capsys, "report", "list", "--json")
    assert code == 0 and "Ret_D01" in {t["table"] for t in json.loads(out)}
    target = tmp_path / "ret.xlsx"
    code, _, err = run(
        runtime,
        capsys,
        "report",
        "Ret_D01",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-31",
        "--format",
        "xlsx",
        "--out",
        str(target),
    )
    assert code == 0, err
    table = pl.read_excel(target, read_options={"header_row": 1})
    assert table["Number of returns"].sum() == 4
    code, _, err = run(
        runtime, capsys, "report", "Ret_D01", "--from", "2026-01-01", "--to", "2026-03-31", "--format", "docx"
    )
    assert code == 2 and err.count("\n") == 1 and "format must be one of" in err
    monthly = tmp_path / "feb.pdf"
    code, _, err = run(runtime, capsys, "report", "monthly", "--from", "2026-02-01", "--out", str(monthly))
    assert code == 0 and monthly.read_bytes().startswith(b"%PDF")


def test_import_json_and_a_bad_file(
    runtime: Runtime, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = tmp_path / "legacy.csv"
    good.write_text(
        "source_id,person_id,family_name,given_name,date_of_birth,sex,nationality,event_type,occurred_on,route\n"
        "S1,P1,Doe,Ana,1990-01-02,F,ALB,arrival,2024-01-05,small_boat\n",
        encoding="utf-8",
    )
    code, out, _ = run(runtime, capsys, "import", str(good), "--json")
    assert code == 0 and json.loads(out)["imported"] == 1
    code, out, _ = run(runtime, capsys, "import", str(good), "--json")
    assert json.loads(out)["already_imported"] == 1
    wrong = tmp_path / "legacy.txt"
    wrong.write_text("person_id\nP1\n", encoding="utf-8")
    code, _, err = run(runtime, capsys, "import", str(wrong))
    assert code == 2 and err.count("\n") == 1 and "no source_id" in err
