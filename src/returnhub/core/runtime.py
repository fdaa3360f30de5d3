"""The process's runtime: settings, engine and clock, built once and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from returnhub.core.clock import Clock, SystemClock
from returnhub.core.database import create_engine
from returnhub.core.settings import Settings, get_settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, clock: Clock | None = None) -> Runtime:
        settings = settings or get_settings()
        return cls(
            settings=settings, engine=create_engine(settings.database_url), clock=clock or SystemClock()
        )
