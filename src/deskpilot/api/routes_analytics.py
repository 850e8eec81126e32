"""Analytics API (supervisors): the dashboard, its charts and CSV tables, the review queue."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from deskpilot.analytics import Dashboard, Filters, compute_dashboard
from deskpilot.analytics._tables import TABLES, build, to_csv
from deskpilot.analytics.reviews import RUBRIC, review_queue, submit_review
from deskpilot.api.deps import AssistantDep, CurrentSupervisor, SettingsDep
from deskpilot.api.schemas import ReviewIn
from deskpilot.config import Settings
from deskpilot.engine.assistant import Assistant
from deskpilot.errors import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1", tags=["analytics"])
MAX_SPAN = timedelta(days=400)


def filters_from(
    start: datetime | None,
    end: datetime | None,
    language: str | None,
    market: str | None,
    intent: str | None,
    channel: str | None,
    now: datetime,
) -> Filters:
    """Period [start, end) in UTC (naive times are read as UTC); the last 24 hours by default."""
    end = _utc(end) if end else now
    start = _utc(start) if start else end - timedelta(hours=24)
    if start >= end:
        raise InvalidInput("start must be before end")
    if end - start > MAX_SPAN:
        raise InvalidInput("a period can span at most 400 days")
    return Filters(
        start=start,
        end=end,
        language=language or None,
        market=(market or "").upper() or None,
        intent=intent or None,
        channel=channel or None,
    )


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


_Text = Annotated[str | None, Query(max_length=40)]


async def _filters(
    start: datetime | None = None,
    end: datetime | None = None,
    language: _Text = None,
    market: _Text = None,
    intent: _Text = None,
    channel: _Text = None,
) -> Filters:
    """The period and slice from the query string (the same for every analytics route)."""
    return filters_from(start, end, language, market, intent, channel, datetime.now(UTC))


FiltersDep = Annotated[Filters, Depends(_filters)]


class DashboardCache:
    """The last few dashboards, for 15 seconds: one page refresh asks for the same
    figures once for the headline and again for each chart and table."""

    def __init__(self, ttl: float = 15.0, size: int = 32) -> None:
        self.ttl, self.size = ttl, size
        self._entries: dict[str, tuple[float, Dashboard]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, key: str, compute: Any) -> Dashboard:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # concurrent requests for the same figures compute them once
            hit = self._entries.get(key)
            if hit and time.monotonic() - hit[0] < self.ttl:
                return hit[1]
            dashboard: Dashboard = await compute()
            if len(self._entries) >= self.size:
                oldest = min(self._entries, key=lambda k: self._entries[k][0])
                self._entries.pop(oldest)
                self._locks.pop(oldest, None)
            self._entries[key] = (time.monotonic(), dashboard)
            return dashboard


async def _dashboard(
    request: Request, settings: Settings, assistant: Assistant, f: Filters
) -> Dashboard:
    async def compute() -> Dashboard:
        return await asyncio.to_thread(compute_dashboard, assistant.db, f, settings)

    cache: DashboardCache = request.app.state.dashboard_cache
    dashboard = await cache.get(f.model_dump_json(), compute)
    request.app.state.alert_log.announce(dashboard.alerts)
    return dashboard


@router.get("/analytics/dashboard", response_model=Dashboard)
async def dashboard(
    request: Request,
    _: CurrentSupervisor,
    settings: SettingsDep,
    assistant: AssistantDep,
    f: FiltersDep,
) -> Dashboard:
    """Every metric for the period and slice, assistant against humans."""
    return await _dashboard(request, settings, assistant, f)


@router.get("/analytics/charts/{name}.svg")
async def chart(
    name: str,
    request: Request,
    _: CurrentSupervisor,
    settings: SettingsDep,
    assistant: AssistantDep,
    f: FiltersDep,
) -> Response:
    """One chart of the dashboard as SVG (matplotlib, drawn on the server)."""
    from deskpilot.analytics.charts import CHARTS, render

    if name not in CHARTS:
        raise NotFound(f"No chart {name!r}; charts: {', '.join(CHARTS)}")
    d = await _dashboard(request, settings, assistant, f)
    svg = await asyncio.to_thread(render, name, d)
    return Response(svg, media_type="image/svg+xml")


@router.get("/analytics/export/{table}.csv")
async def export(
    table: str,
    request: Request,
    _: CurrentSupervisor,
    settings: SettingsDep,
    assistant: AssistantDep,
    f: FiltersDep,
) -> Response:
    """One table of the dashboard as CSV."""
    if table not in TABLES:
        raise NotFound(f"No table {table!r}; tables: {', '.join(TABLES)}")
    d = await _dashboard(request, settings, assistant, f)
    return Response(
        to_csv(build(d)[table]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="deskpilot-{table}.csv"'},
    )


@router.get("/reviews/queue")
async def queue(
    _: CurrentSupervisor, assistant: AssistantDep, limit: int = 20
) -> list[dict[str, Any]]:
    """Sampled conversations awaiting review, the most suspicious first."""
    return await asyncio.to_thread(review_queue, assistant.db, limit)


@router.post("/reviews")
async def review(
    body: ReviewIn, reviewer: CurrentSupervisor, assistant: AssistantDep
) -> dict[str, str]:
    """A reviewer's verdict: severity by the rubric, error categories, notes."""
    await asyncio.to_thread(
        submit_review,
        assistant.db,
        reviewer.id,
        body.conversation_id,
        body.severity,
        body.categories,
        body.notes,
        datetime.now(UTC),
    )
    return {"status": "reviewed"}


@router.get("/reviews/rubric")
async def rubric(_: CurrentSupervisor) -> dict[str, dict[str, str]]:
    return RUBRIC
