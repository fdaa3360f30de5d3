"""The short version of `make fuzz`: a few dozen inputs per target, zero crashes (the harness itself is
harnesses/fuzz.py; the full run is `make fuzz`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

HARNESS = Path(__file__).resolve().parents[2] / "harnesses" / "fuzz.py"


def _harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("returnhub_fuzz_harness", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fuzz_harness_finds_no_crash_in_a_short_run() -> None:
    summary = _harness().run_fuzz(40)
    assert summary["crashes"] == 0, summary["crash_details"]
    assert set(summary["inputs"]) == {"mrz", "event_payloads", "importer", "query_parameters"}
    assert all(n >= 40 for n in summary["inputs"].values())
