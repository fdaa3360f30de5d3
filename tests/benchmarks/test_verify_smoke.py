"""A smoke run of benchmarks/verify.py at a tiny scale: it verifies the whole chain and prints its JSON line
(times are printed, never asserted: speed targets live in the benchmarks)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_the_verify_benchmark_runs_and_names_its_reference() -> None:
    answer = subprocess.run(
        [sys.executable, str(BENCHMARKS / "verify.py"), "--persons", "150", "--repeat", "1"],
        capture_output=True,
        text=True,
        check=True,
    )
    line = json.loads(answer.stdout.strip().splitlines()[-1])
    assert line["benchmark"] == "verify_chain" and line["persons"] == 150
    assert line["n"] > 150  # every person has a history of several events, all verified
    assert line["reference"] == "raw_driver_read_and_sha256_per_row" and line["ratio"] > 0
