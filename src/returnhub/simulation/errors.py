"""Errors a user of the simulator can cause; each carries a one-line message."""

from __future__ import annotations


class SimulationError(Exception):
    """Base class: the CLI prints the message on one line and exits with code 2."""

    def __init__(self, message: str) -> None:
        # Messages end up on a terminal as one line, so newlines are folded here once.
        super().__init__(" ".join(message.split()))


class ScenarioError(SimulationError):
    """A scenario file or value is missing, malformed or inconsistent."""


class SweepBackendError(SimulationError):
    """A sweep backend is unknown or its optional dependency is not installed."""


class CalibrationError(SimulationError):
    """The published series needed for calibration are missing or unusable."""
