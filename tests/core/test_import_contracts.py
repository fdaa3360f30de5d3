"""The import contracts in pyproject.toml hold (`lint-imports`, also run by `make lint`).

They say which way the contexts depend on each other: core on none, the pure core on no database, web or
CLI library, no context's services on operations (the gate is wired in by hooks), and so on
(ARCHITECTURE.md, "Import contracts").
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    summary = re.search(r"Contracts: (\d+) kept, (\d+) broken", done.stdout)
    assert summary is not None, done.stdout + done.stderr
    assert done.returncode == 0 and summary.group(2) == "0", done.stdout
    assert int(summary.group(1)) >= 23  # none was dropped from pyproject.toml unnoticed
