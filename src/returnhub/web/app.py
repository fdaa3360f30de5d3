"""The application factory: API routers, problem+json errors, health."""

from __future__ import annotations

from fastapi import FastAPI

from returnhub.core.runtime import Runtime
from returnhub.web import problems


def create_app(runtime: Runtime | None = None) -> FastAPI:
    from returnhub.casework.router import router as cases_router

    app = FastAPI(
        title="returnhub",
        version="0.1.0",
        description="Case register, safeguards and operations of a third-country return-hub scheme. "
        "Synthetic data only.",
    )
    app.state.runtime = runtime or Runtime.from_settings()
    problems.install(app)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(cases_router)
    return app
