"""``python -m returnhub.notices …``: the notices commands alone (a sender that restarts fast)."""

from __future__ import annotations

import sys

import typer

from returnhub.core.errors import DomainError
from returnhub.notices.cli import err, notices_app


def main() -> None:
    try:
        notices_app(standalone_mode=False)
    except DomainError as exc:
        err.print(f"error: {exc.detail}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
