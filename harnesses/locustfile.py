"""The load mix of `make load` (harnesses/load.py starts the server and runs this headless).

A caseworker's realistic mix: searches, case pages, eligibility, the transfers list, and appends. The token
and the case references come from the environment the harness sets. ``LOAD_BARE=1`` runs only the bare
endpoint (``/health``), the same server set-up's floor.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime

from locust import HttpUser, between, task

TOKEN = os.environ.get("RETURNHUB_LOAD_TOKEN", "")
REFERENCES = os.environ.get("RETURNHUB_LOAD_REFERENCES", "RH0000001").split(",")
BARE = os.environ.get("LOAD_BARE") == "1"
NAMES = ["a", "mo", "ali", "kha", "ib", "sa", "jo", "el"]


class Caseworker(HttpUser):
    wait_time = between(0, 0.05)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKEN}"

    @task(4)
    def search(self) -> None:
        if BARE:
            self.client.get("/health", name="bare /health")
            return
        self.client.get(f"/cases?name={random.choice(NAMES)}&limit=20", name="/cases?name=")

    @task(4)
    def case_page(self) -> None:
        if BARE:
            self.client.get("/health", name="bare /health")
            return
        self.client.get(f"/cases/{random.choice(REFERENCES)}", name="/cases/{reference}")

    @task(2)
    def eligibility(self) -> None:
        if BARE:
            self.client.get("/health", name="bare /health")
            return
        self.client.get(
            f"/cases/{random.choice(REFERENCES)}/eligibility", name="/cases/{reference}/eligibility"
        )

    @task(1)
    def transfers(self) -> None:
        if BARE:
            self.client.get("/health", name="bare /health")
            return
        self.client.get("/transfers", name="/transfers")

    @task(1)
    def append(self) -> None:
        if BARE:
            self.client.get("/health", name="bare /health")
            return
        today = datetime.now(UTC).date().isoformat()
        self.client.post(
            f"/cases/{random.choice(REFERENCES)}/events",
            json={"type": "injunction_discharged", "occurred_on": today},
            name="/cases/{reference}/events",
        )
