"""FastAPI dependencies: the services and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from deskpilot.api.auth import Principal, read_token
from deskpilot.api.limits import RateLimiter
from deskpilot.api.live import LiveHub
from deskpilot.config import Settings
from deskpilot.engine.assistant import Assistant
from deskpilot.errors import PermissionDenied
from deskpilot.workspace import Workspace


async def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def _assistant(request: Request) -> Assistant:
    return request.app.state.assistant  # type: ignore[no-any-return]


async def _workspace(request: Request) -> Workspace:
    return request.app.state.workspace  # type: ignore[no-any-return]


async def _hub(request: Request) -> LiveHub:
    return request.app.state.hub  # type: ignore[no-any-return]


async def _limiter(request: Request) -> RateLimiter:
    return request.app.state.limiter  # type: ignore[no-any-return]


def _bearer(authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise PermissionDenied("Sign in first (Authorization: Bearer <token>)")
    return authorization.split(" ", 1)[1].strip()


SettingsDep = Annotated[Settings, Depends(_settings)]
AssistantDep = Annotated[Assistant, Depends(_assistant)]
WorkspaceDep = Annotated[Workspace, Depends(_workspace)]
HubDep = Annotated[LiveHub, Depends(_hub)]
LimiterDep = Annotated[RateLimiter, Depends(_limiter)]


async def _customer(
    settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    return read_token(settings.secret_key.get_secret_value(), _bearer(authorization), "customer")


async def _agent(
    settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    return read_token(settings.secret_key.get_secret_value(), _bearer(authorization), "agent")


async def _supervisor(agent: Annotated[Principal, Depends(_agent)]) -> Principal:
    if agent.role not in ("supervisor", "admin"):
        raise PermissionDenied("Supervisors only")
    return agent


CurrentCustomer = Annotated[Principal, Depends(_customer)]
CurrentAgent = Annotated[Principal, Depends(_agent)]
CurrentSupervisor = Annotated[Principal, Depends(_supervisor)]
