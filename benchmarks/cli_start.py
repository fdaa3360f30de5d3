"""How long a person waits for the command line: `returnhub --help` and `returnhub documents check MRZ`,
each as a fresh process (the installed entry point), against the plain limit: a Python process that only
imports Typer (the least any Typer command line can start in). Floors: 0.5 s and 1 s."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import _common

VENV_BIN = Path(sys.executable).parent
MRZ = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"


def run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    command = str(VENV_BIN / "returnhub")
    bare = _common.median_time(lambda: run([sys.executable, "-c", "import typer"]), 7)
    help_s = _common.median_time(lambda: run([command, "--help"]), 7)
    mrz_s = _common.median_time(lambda: run([command, "documents", "check", MRZ]), 7)
    _common.emit("cli_help", 1, help_s, "python_import_typer", bare, floor_seconds=0.5)
    _common.emit("cli_documents_check", 1, mrz_s, "python_import_typer", bare, floor_seconds=1.0)


if __name__ == "__main__":
    main()
