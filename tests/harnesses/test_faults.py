"""The short version of `make faults`: a writer killed with SIGKILL five times loses no acknowledged write,
leaves no case half-written and a chain that verifies (the harness is harnesses/faults.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[2] / "harnesses" / "faults.py"


def test_writers_killed_mid_write_lose_nothing_acknowledged(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("returnhub_faults_harness", HARNESS)
    assert spec is not None and spec.loader is not None
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    summary = harness.run(f"sqlite:///{tmp_path / 'faults.db'}", kills=5)
    assert summary["kills"] == 5
    assert summary["writes_found"] == summary["writes_acknowledged"]
    assert summary["half_written_cases"] == 0 and summary["chain_verified"] is True
