"""The short versions of `make faults` (harnesses/faults.py), one per fault kind, each a few strikes: nothing
acknowledged is lost, nothing is half-written, the chain verifies or names the damaged row, the server comes
back by itself, and nobody barred departs."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HARNESS = Path(__file__).resolve().parents[2] / "harnesses" / "faults.py"


@pytest.fixture(scope="module")
def harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("returnhub_faults_harness", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _held(line: dict[str, Any]) -> None:
    assert line["writes_acknowledged"] > 0, "no write was acknowledged: the faults struck nothing"
    assert line["writes_found"] == line["writes_acknowledged"]
    assert line["half_written"] == 0 and line["chain_verified"] is True


def _nobody_barred_departed(line: dict[str, Any]) -> None:
    manifest = line["manifest"]
    assert (
        manifest["barred"] >= 2 and manifest["barred_departed"] == 0 and manifest["barred_still_listed"] == 0
    )
    assert manifest["departed"] > 0
    assert manifest["departed"] + manifest["barred_before_departure"] == manifest["listed"]


def test_writers_killed_mid_write_lose_nothing_acknowledged(harness: ModuleType, tmp_path: Path) -> None:
    line = harness.writer_kill(f"sqlite:///{tmp_path / 'faults.db'}", kills=3)
    assert line["count"] == 3
    _held(line)
    _nobody_barred_departed(line)
    assert harness.passed(line)


def test_server_workers_killed_come_back_by_themselves(harness: ModuleType, tmp_path: Path) -> None:
    line = harness.server_kill(f"sqlite:///{tmp_path / 'server.db'}", kills=4, workers=2)
    assert line["count"] == 4 and line["processes_killed"] >= 4 and line["every_worker_at_once"] >= 1
    assert line["came_back_every_time"] and line["workers_at_end"] == 2
    _held(line)
    _nobody_barred_departed(line)


def test_postgres_restarted_under_load_loses_nothing(harness: ModuleType) -> None:
    if harness._postgres_bin() is None:
        pytest.skip("no PostgreSQL server binaries (pg_ctl) on this machine")
    line = harness.postgres_restart(2)
    assert line["count"] == 2 and line["writes_after_last_restart"] > 0
    _held(line)
    _nobody_barred_departed(line)


def test_a_disk_filling_during_an_import_leaves_nothing_of_it(harness: ModuleType) -> None:
    line = harness.disk_full(persons=8_000)
    if "skipped" in line:
        assert os.geteuid() != 0, f"root could not mount a small file system: {line['skipped']}"
        pytest.skip(line["skipped"])
    assert line["import_exit"] != 0 and line["error_lines"] == 1 and not line["traceback_shown"]
    assert "disk is full" in line["error"] and "not migrated" not in line["error"]
    assert line["imported_rows_stored"] == 0 and line["integrity_check"] == "ok"
    _held(line)
    if "after_room_made" in line:
        assert line["after_room_made"]["imported"] == line["import_rows"]


def test_a_corrupted_row_is_named_and_reads_go_on(harness: ModuleType, tmp_path: Path) -> None:
    line = harness.corrupt_row(f"sqlite:///{tmp_path / 'corrupt.db'}")
    assert [r["changed"] for r in line["rows"]] == ["payload", "hash"]
    for row in line["rows"]:
        assert row["verify_exit"] == 1 and row["named"], row["said"]
        assert row["reads"] == [200, 200, 200]
    assert line["chain_verified_after_repair"] and harness.passed(line)
