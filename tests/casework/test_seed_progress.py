"""`seed` names its phases, each with a bar that moves with the work (issue 14)."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy.engine import Engine

from .test_crash import ROOT, _env


def test_seed_names_its_phases(engine: Engine, database_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "returnhub.cli", "seed", "--persons", "1500", "--seed", "3"],
        env={**_env(database_url), "COLUMNS": "120"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-500:]
    for phase in ("generating people", "writing cases", "partners and hubs", "demo reviews and users"):
        assert phase in done.stderr, (phase, done.stderr[-800:])
    assert "1,500/1,500" in done.stderr  # the writing bar ended at the number written
