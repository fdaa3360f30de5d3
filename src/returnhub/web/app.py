"""The application factory: API routers, problem+json errors, health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from returnhub.core.http import problems
from returnhub.core.runtime import Runtime


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Background simulation runs survive a restart: pick up what the last process left unfinished.
    from returnhub.simulation.jobs import resume_unfinished

    rt: Runtime = app.state.runtime
    resume_unfinished(rt.engine, rt.clock)
    from returnhub.notices.sender import background_sender
    from returnhub.notices.settings import NoticesSettings

    # With RETURNHUB_NOTICES_SEND_IN_SERVE the outbox is sent by a thread of the server itself (instead of
    # a separate `returnhub notices send --loop`); both may run: claims never overlap.
    stop = background_sender(rt, NoticesSettings()) if NoticesSettings().notices_send_in_serve else None
    yield
    if stop is not None:
        stop()


def create_app(runtime: Runtime | None = None) -> FastAPI:
    from returnhub.access.http import APP_DEPENDENCIES
    from returnhub.access.http import install as install_access
    from returnhub.casework.router import persons_router
    from returnhub.casework.router import router as cases_router

    app = FastAPI(
        lifespan=_lifespan,
        # Every API route, including routers included later, passes the access guard: authentication,
        # the declared permissions (returnhub/access/permissions.py), record scopes and the access log.
        dependencies=APP_DEPENDENCIES,
        title="returnhub",
        version="0.1.0",
        description="Case register, safeguards and operations of a third-country return-hub scheme. "
        "Synthetic data only.",
    )
    app.state.runtime = runtime or Runtime.from_settings()
    problems.install(app)
    # Inside the access middleware (installed below, so outermost): NUL, lone surrogates and deep JSON are
    # refused before any route or database sees them.
    from returnhub.web.boundary import InputBounds

    app.add_middleware(InputBounds)
    # The composition root wires the departure gate into the contexts that must not import operations:
    # a new case event and a register change (country assessed unsafe, list withdrawn, terms changed).
    from returnhub.operations.transfers import register_hooks
    from returnhub.statistics.aggregates import register_hooks as keep_statistics

    register_hooks()
    keep_statistics()  # the statistics page's counts change with each append and bulk load

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(cases_router)
    app.include_router(persons_router)  # /persons: register a person
    from returnhub.partners.router import routers as partners_routers

    for partners_router in partners_routers:  # /partners, /agreements, /hubs, /assessments
        app.include_router(partners_router)
    from returnhub.safeguards.router import router as safeguards_router

    app.include_router(safeguards_router)  # /cases/{ref}/eligibility, /rules, /screenings
    from returnhub.operations.router import router as operations_router

    app.include_router(operations_router)  # /transfers, /stays, /documents, /incidents
    from returnhub.operations.planning_router import router as plans_router
    from returnhub.simulation.router import router as simulations_router

    app.include_router(plans_router)  # /plans
    app.include_router(simulations_router)  # /simulations
    from returnhub.notices.router import router as notices_router

    app.include_router(notices_router)  # /notices

    from returnhub.statistics.router import router as statistics_router

    app.include_router(statistics_router)  # /reports, /imports

    install_access(app)  # /auth, /users, /access-log, /monitoring-notes; size limit, security headers
    from returnhub.web.ui import install as install_pages

    install_pages(app)  # the staff pages under /ui, and their static files
    return app
