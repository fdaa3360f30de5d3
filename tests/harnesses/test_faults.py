"""The short version of `make faults`: a writer killed with SIGKILL five times loses no acknowledged write,
leaves no case half-written and a chain that verifies (the harness is harnesses/faults.py).

The harness runs as its own process, as `make faults` runs it: in-process it would inherit the suite's
hooks, and a harness that never wires the departure gate would acknowledge nothing and still pass."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[2] / "harnesses" / "faults.py"


def test_writers_killed_mid_write_lose_nothing_acknowledged() -> None:
    run = subprocess.run(
        [sys.executable, str(HARNESS), "--kills", "5"], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["kills"] == 5
    assert summary["writes_acknowledged"] > 0, "the writers acknowledged nothing: the harness proves nothing"
    assert summary["writes_found"] == summary["writes_acknowledged"]
    assert summary["half_written_cases"] == 0 and summary["chain_verified"] is True
