"""The short version of `make fuzz`: a few dozen inputs per target, zero crashes (the harness itself is
harnesses/fuzz.py; the full run is `make fuzz`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

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


def test_the_targets_split_into_shards_over_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The workers are spawned: they import the harness by its module name from the path they inherit.
    monkeypatch.syspath_prepend(str(HARNESS.parent))
    import fuzz

    counts = {"importer": 12, "query_parameters": 12, "event_payloads": 7, "mrz": 30}
    summary = fuzz.run_fuzz(counts, processes=2, shard=5)
    assert summary["crashes"] == 0, summary["crash_details"]
    assert summary["inputs"]["mrz"] >= 30 and summary["inputs"]["event_payloads"] >= 7
    assert summary["inputs"]["importer"] >= 12 and summary["inputs"]["query_parameters"] >= 12
    assert fuzz._shards(counts, 5).count(("mrz", 5)) == 6 and ("event_payloads", 2) in fuzz._shards(counts, 5)
