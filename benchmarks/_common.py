"""Shared helpers for benchmarks: each benchmark prints one JSON line (see DESIGN.md)."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def emit(
    benchmark: str, n: int, seconds: float, reference: str, reference_seconds: float, **extra: Any
) -> None:
    line = {
        "benchmark": benchmark,
        "n": n,
        "seconds": round(seconds, 6),
        "reference": reference,
        "reference_seconds": round(reference_seconds, 6),
        "ratio": round(reference_seconds / seconds, 4) if seconds else None,
    }
    line.update(extra)
    print(json.dumps(line), flush=True)


def median_time(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)
