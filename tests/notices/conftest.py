"""Fixtures for notices: the operations fixtures (partners, eligible people, a planned transfer) and a local
SMTP server (aiosmtpd) on a free port, storing into a temporary Maildir."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from returnhub.notices.mailbox import start_server
from returnhub.notices.settings import NoticesSettings

from ..operations.conftest import make_people, partners, transfer  # noqa: F401  (fixtures)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[NoticesSettings, Path]]:
    directory = tmp_path / "mail"
    port = free_port()
    controller = start_server(directory, "127.0.0.1", port)
    settings = NoticesSettings(smtp_host="127.0.0.1", smtp_port=port, mailbox_dir=directory)
    yield settings, directory
    controller.stop()
