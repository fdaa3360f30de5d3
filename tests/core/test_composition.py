"""The event store knows nothing of operations; the composition roots wire the departure gate in.

Each check runs in a fresh interpreter: this suite's own conftest is a composition root too, so in this
process the hooks are always registered.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import returnhub.casework.store as store_module

HOOKS_OF = """
import json
from returnhub.casework import store
from returnhub.access import scopes
from returnhub.partners.hooks import REGISTER_CHANGE_HOOKS
names = lambda hooks: sorted(f"{h.__module__}.{h.__qualname__}" for h in hooks if h is not None)
from returnhub.casework import bulk
print(json.dumps({"pre": names(store.PRE_APPEND_HOOKS), "post": names(store.POST_APPEND_HOOKS),
                  "new_cases": names(bulk.NEW_CASES_HOOKS),
                  "register": names(REGISTER_CHANGE_HOOKS), "transfer_hub": names([scopes._transfer_hub])}))
"""
WIRED = {
    "pre": ["returnhub.operations.returns.departure_gate", "returnhub.operations.transfers.check_referral"],
    "post": [
        "returnhub.operations.transfers.recheck_after_append",
        "returnhub.statistics.aggregates.after_append",
    ],
    "new_cases": ["returnhub.statistics.aggregates.after_new_cases"],
    "register": ["returnhub.operations.transfers.recheck_after_register_change"],
    "transfer_hub": ["returnhub.operations.transfers.hub_of"],
}


def _run(code: str, tmp_path: Path) -> str:
    env = {"RETURNHUB_DATABASE_URL": f"sqlite:///{tmp_path / 'composition.db'}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_the_store_imports_no_operations_module(tmp_path: Path) -> None:
    tree = ast.parse(Path(store_module.__file__).read_text())
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not [m for m in imported if m.startswith("returnhub.operations")]
    loaded = _run(
        "import sys, json; import returnhub.casework.store, returnhub.casework.bulk;"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('returnhub.operations'))))",
        tmp_path,
    )
    assert json.loads(loaded) == []


def test_an_append_before_the_wiring_is_refused(tmp_path: Path) -> None:
    code = (
        "from datetime import date\n"
        "from returnhub.casework import store\n"
        "from returnhub.core.clock import SystemClock\n"
        "try:\n"
        "    store.append_event(None, 'RH0000001', 'arrival', date(2024, 1, 1), {'route': 'air'},\n"
        "                       clock=SystemClock(), recorded_by='t')\n"
        "except store.HooksNotRegistered:\n"
        "    print('refused')\n"
    )
    assert _run(code, tmp_path) == "refused"
    unwired = {"pre": [], "post": [], "new_cases": [], "register": [], "transfer_hub": []}
    assert json.loads(_run(HOOKS_OF, tmp_path)) == unwired


def test_the_app_factory_wires_the_hooks(tmp_path: Path) -> None:
    code = "from returnhub.web.app import create_app\ncreate_app()\n" + HOOKS_OF
    assert json.loads(_run(code, tmp_path)) == WIRED


def test_the_command_line_runtime_wires_the_hooks(tmp_path: Path) -> None:
    code = "from returnhub import cli\ncli.runtime()\n" + HOOKS_OF
    assert json.loads(_run(code, tmp_path)) == WIRED
