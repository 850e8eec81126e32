"""HTTP calls to the running service: pauses and retries on 429, counts every other failure.

A failed call never raises into the simulation: it is counted in the report by a label
(``"send message: HTTP 422 policy_refused"``) and the caller gets ``None``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from deskpilot.errors import DeskPilotError
from deskpilot.simulation._report import SimulationReport

RETRIES = 16  # with the pauses below, about a minute: the limiter's window
FIRST_PAUSE, MAX_PAUSE = 0.25, 5.0


class SimulationError(DeskPilotError):
    """The simulation cannot run at all (no service at the URL, nobody to simulate)."""

    code = "simulation_failed"


class Api:
    """One shared HTTP client for all simulated people."""

    def __init__(self, client: httpx.AsyncClient, report: SimulationReport) -> None:
        self.client = client
        self.report = report

    async def call(
        self,
        label: str,
        method: str,
        path: str,
        token: str | None = None,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        tolerate: tuple[int, ...] = (),
    ) -> httpx.Response | None:
        """The response when it succeeded (or has a status in ``tolerate``); else None."""
        headers = {"Authorization": f"Bearer {token}"} if token else None
        for attempt in range(RETRIES + 1):
            try:
                res = await self.client.request(
                    method, path, json=json, params=params, headers=headers
                )
            except httpx.HTTPError as exc:
                self.report.error(f"{label}: {type(exc).__name__}")
                return None
            if res.status_code == 429 and attempt < RETRIES:
                self.report.rate_limited += 1
                await asyncio.sleep(min(MAX_PAUSE, FIRST_PAUSE * 2**attempt))
                continue
            if res.is_success or res.status_code in tolerate:
                return res
            if res.status_code >= 500:
                self.report.server_errors += 1
            self.report.error(f"{label}: HTTP {res.status_code} {_code(res)}".rstrip())
            return None
        return None  # pragma: no cover - the loop returns on its last attempt

    async def json(
        self,
        label: str,
        method: str,
        path: str,
        token: str | None = None,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """The decoded body of a successful call, or None."""
        res = await self.call(label, method, path, token, json=json, params=params)
        if res is None:
            return None
        try:
            return res.json()
        except ValueError:
            self.report.error(f"{label}: not JSON")
            return None

    async def check_service(self, url: str) -> None:
        """Fail early, with a hint, when nothing DeskPilot answers at the URL."""
        try:
            res = await self.client.get("/healthz")
        except httpx.HTTPError as exc:
            raise SimulationError(
                f"No DeskPilot service answers at {url} ({type(exc).__name__}); "
                "start it with `deskpilot serve` (or `deskpilot start`) first"
            ) from None
        if res.status_code != 200:
            raise SimulationError(f"{url}/healthz answered HTTP {res.status_code}")


def _code(res: httpx.Response) -> str:
    try:
        body = res.json()
    except ValueError:
        return ""
    return str(body.get("code", "")) if isinstance(body, dict) else ""
