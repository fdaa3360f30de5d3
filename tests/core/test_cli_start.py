"""The command line starts at once: the contexts' commands are imported only when used. The root help lists
them from ``CONTEXT_COMMANDS``, which must say what the modules really register."""

from __future__ import annotations

import subprocess
import sys

import typer

from returnhub import cli


def test_the_table_of_context_commands_says_what_each_module_registers() -> None:
    modules = {module for module, _ in cli.CONTEXT_COMMANDS.values()}
    registered: dict[str, str] = {}
    for module in modules:
        for name, command in cli.context_commands(module).items():
            assert name not in registered, f"{name} is registered by two modules"
            registered[name] = module
            summary = (command.help or "").strip().splitlines()[0]
            assert cli.CONTEXT_COMMANDS[name] == (module, summary), name
    assert set(registered) == set(cli.CONTEXT_COMMANDS)


def _imported_after(argv: list[str]) -> set[str]:
    probe = (
        "import sys\n"
        f"sys.argv = ['returnhub', *{argv!r}]\n"
        "from returnhub.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))\n"
    )
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(answer.stdout.split()[-1000:])


HEAVY = {"sqlalchemy", "polars", "numpy", "ortools", "fastapi", "pandas", "simpy", "pyarrow"}


def test_help_and_an_mrz_check_import_no_database_or_bulk_library() -> None:
    assert not _imported_after(["--help"]) & HEAVY
    mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
    assert not _imported_after(["documents", "check", mrz]) & HEAVY


def test_a_context_command_runs_through_the_lazy_root() -> None:
    from typer.testing import CliRunner

    answer = CliRunner().invoke(cli.app, ["rules", "--help"])
    assert answer.exit_code == 0 and "list" in answer.output
    unknown = CliRunner().invoke(cli.app, ["no-such-command"])
    assert unknown.exit_code != 0 and "No such command" in unknown.output
    assert isinstance(typer.main.get_group(cli.app), cli._ContextCommands)
