"""Prometheus metrics for operations, served as text at ``GET /metrics``.

In one process the metrics live in prometheus_client's default registry. With several
worker processes (``deskpilot serve --workers N``) the serve command points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory before the workers start; each worker
then writes its values there and any worker answers a scrape with the sum of all of them.
Label values come from small fixed sets (route templates, never raw paths), so the number
of series stays bounded.
"""

from __future__ import annotations

import os
import time
from typing import Final

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deskpilot.engine.assistant import Reply

# prometheus_client's own switch; it reads the same variable when the first metric is made.
MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
TURN_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
HTTP_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED: Final = "unmatched"

TURNS = Counter(
    "deskpilot_turns",
    "Conversation messages: customer messages received, assistant and agent messages sent.",
    ["role"],
)
ASSISTANT_TURN_SECONDS = Histogram(
    "deskpilot_assistant_turn_seconds",
    "The engine's time to answer one customer message (understanding, flows, storage).",
    buckets=TURN_BUCKETS,
)
HTTP_REQUEST_SECONDS = Histogram(
    "deskpilot_http_request_seconds",
    "HTTP requests by method, route template and status, and how long they took.",
    ["method", "route", "status"],
    buckets=HTTP_BUCKETS,
)
HANDOFFS = Counter("deskpilot_handoffs", "Conversations handed to a person, by reason.", ["reason"])
ERRORS = Counter("deskpilot_errors", "Error responses by their JSON error code.", ["code"])
CONVERSATIONS = Counter(
    "deskpilot_conversations",
    "Conversations started, ended by the customer, and rated.",
    ["event"],
)
# Series that exist from the start read 0 instead of being absent until the first event.
for _role in ("customer", "assistant", "agent"):
    TURNS.labels(role=_role)
for _event in ("started", "ended", "rated"):
    CONVERSATIONS.labels(event=_event)

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    """All metrics in Prometheus text format; with several workers, their sum."""
    registry = REGISTRY
    if os.environ.get(MULTIPROC_ENV):
        # A fresh registry per scrape, as prometheus_client's multiprocess mode asks
        # (its collector's constructor has no annotations, hence the ignore).
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def count_reply(reply: Reply) -> None:
    """One customer message answered: the turns, the engine's time and any handoff."""
    TURNS.labels(role="customer").inc()
    count_assistant_messages(len(reply.messages))
    ASSISTANT_TURN_SECONDS.observe(reply.latency_ms / 1000)
    if reply.handoff:
        HANDOFFS.labels(reason=reply.handoff).inc()


def count_assistant_messages(n: int) -> None:
    TURNS.labels(role="assistant").inc(n)


def count_agent_message() -> None:
    TURNS.labels(role="agent").inc()


def count_conversation(event: str) -> None:
    """``started``, ``ended`` or ``rated``."""
    CONVERSATIONS.labels(event=event).inc()


def count_error(code: str) -> None:
    ERRORS.labels(code=code).inc()


class RequestTimer:
    """ASGI middleware: times each HTTP request under its route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        before = dict(scope)  # routing adds to the scope; matching needs it as it came
        status = 500  # unless a response starts: an unhandled error becomes a 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_status)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            HTTP_REQUEST_SECONDS.labels(
                method=method, route=route_template(scope, before), status=str(status)
            ).observe(time.perf_counter() - started)


def route_template(scope: Scope, before: Scope) -> str:
    """The path template of the route that took the request, e.g.
    ``/api/v1/conversations/{conversation_id}/messages``; ``unmatched`` when none did."""
    route = scope.get("route")  # FastAPI's API routes name themselves here
    if route is not None:
        return str(getattr(route, "path_format", None) or getattr(route, "path", UNMATCHED))
    for candidate in getattr(scope.get("app"), "routes", ()):  # docs, static files
        path = getattr(candidate, "path_format", None)
        if path and candidate.matches(before)[0] != Match.NONE:
            return str(path)
    return UNMATCHED
