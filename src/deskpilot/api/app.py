"""The FastAPI application: API under /api/v1, live updates, and the web pages."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from deskpilot.analytics import AlertLog
from deskpilot.api import routes_agent, routes_analytics, routes_customer
from deskpilot.api.limits import RateLimiter
from deskpilot.api.live import LiveHub
from deskpilot.api.metrics import RequestTimer, count_error
from deskpilot.api.metrics import router as metrics_router
from deskpilot.config import Settings
from deskpilot.engine.assistant import Assistant
from deskpilot.errors import DeskPilotError
from deskpilot.runtime import build_llm_copilot
from deskpilot.workspace import Workspace

WEB_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
STATUS = {
    "invalid_input": 422,
    "not_found": 404,
    "permission_denied": 403,
    "policy_refused": 422,
    "conflict": 409,
    "rate_limited": 429,
    "llm_unavailable": 503,
}
log = logging.getLogger("deskpilot.api")


def create_app(settings: Settings, assistant: Assistant) -> FastAPI:
    """The service: one assistant, its workspace and live hub, the API and the pages."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await app.state.hub.aclose()

    app = FastAPI(
        title="DeskPilot", version="0.1.0", openapi_url="/openapi.json", lifespan=lifespan
    )
    app.state.settings = settings
    app.state.assistant = assistant
    assistant.max_message_chars = settings.max_message_chars
    assistant.review_sample_rate = settings.review_sample_rate
    app.state.hub = _hub(settings)
    app.state.workspace = Workspace(assistant, app.state.hub)
    app.state.workspace.llm_copilot = build_llm_copilot(settings, assistant)
    app.state.limiter = RateLimiter(settings.messages_per_minute)
    app.state.alert_log = AlertLog()
    app.state.dashboard_cache = routes_analytics.DashboardCache()
    app.include_router(routes_customer.router)
    app.include_router(routes_customer.ui_router)
    app.include_router(routes_agent.router)
    app.include_router(routes_analytics.router)
    _errors(app)
    _pages(app)
    # Operations: Prometheus metrics at /metrics and a timer around every HTTP request.
    app.include_router(metrics_router)
    app.add_middleware(RequestTimer)
    return app


def _hub(settings: Settings) -> LiveHub:
    if settings.redis_url:
        from deskpilot.api.redis_hub import RedisHub

        return RedisHub(settings.redis_url)
    return LiveHub()


def app_from_settings() -> FastAPI:
    """Factory for `uvicorn --factory` (one app per worker process)."""
    from deskpilot.config import get_settings
    from deskpilot.db import Database
    from deskpilot.runtime import build_assistant

    settings = get_settings()
    return create_app(settings, build_assistant(settings, Database(settings.database_url)))


def _errors(app: FastAPI) -> None:
    @app.exception_handler(DeskPilotError)
    async def _domain(_: Request, exc: DeskPilotError) -> JSONResponse:
        count_error(exc.code)
        return JSONResponse(exc.to_dict(), status_code=STATUS.get(exc.code, 400))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        count_error("invalid_input")
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()[:5]
        )
        return JSONResponse(
            {"code": "invalid_input", "message": problems, "rule": None}, status_code=422
        )

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        count_error("internal_error")
        return JSONResponse(
            {
                "code": "internal_error",
                "message": "Something went wrong on our side; nothing you sent was lost.",
                "rule": None,
            },
            status_code=500,
        )


def _pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def _home() -> RedirectResponse:
        return RedirectResponse("/agent")

    for page in ("chat", "agent", "supervisor", "dashboard"):
        app.add_api_route(f"/{page}", _page(page), include_in_schema=False, methods=["GET"])

    @app.get("/healthz", include_in_schema=False)
    def _health() -> dict[str, str]:
        return {"status": "ok"}


def _page(name: str):  # type: ignore[no-untyped-def]
    def serve() -> FileResponse:
        return FileResponse(WEB_DIR / f"{name}.html")

    return serve
