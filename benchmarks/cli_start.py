"""How long a person waits for the command line: `returnhub --help` and `returnhub documents check MRZ`,
each as a fresh process (the installed entry point), against the plain limit: a Python process that only
imports Typer (the least any Typer command line can start in). Floors: 0.5 s and 1 s.

On a shared machine the wall time is mostly waiting for a core, so each line also gives the command's own
CPU time (user + system of the child process, median of the same runs) and the load average."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

import _common

VENV_BIN = Path(sys.executable).parent
MRZ = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"


def run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cpu_seconds(argv: list[str], repeat: int = 7) -> float:
    """The median CPU time (user + system) one run of ``argv`` uses, whatever else the machine is doing."""
    samples = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        run(argv)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        samples.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(samples)


def main() -> None:
    command = str(VENV_BIN / "returnhub")
    bare = _common.median_time(lambda: run([sys.executable, "-c", "import typer"]), 7)
    help_s = _common.median_time(lambda: run([command, "--help"]), 7)
    mrz_s = _common.median_time(lambda: run([command, "documents", "check", MRZ]), 7)
    load = round(os.getloadavg()[0], 2)
    help_cpu = cpu_seconds([command, "--help"])
    mrz_cpu = cpu_seconds([command, "documents", "check", MRZ])
    _common.emit(
        "cli_help",
        1,
        help_s,
        "python_import_typer",
        bare,
        floor_seconds=0.5,
        cpu_seconds=round(help_cpu, 3),
        load_average=load,
    )
    _common.emit(
        "cli_documents_check",
        1,
        mrz_s,
        "python_import_typer",
        bare,
        floor_seconds=1.0,
        cpu_seconds=round(mrz_cpu, 3),
        load_average=load,
    )


if __name__ == "__main__":
    main()
