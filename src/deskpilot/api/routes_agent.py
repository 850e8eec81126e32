"""Agent API: login, queue, claim, history and co-pilot, reply, actions, hand back, close."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, WebSocket

from deskpilot.api.auth import issue_token, read_token
from deskpilot.api.deps import CurrentAgent, CurrentSupervisor, SettingsDep, WorkspaceDep
from deskpilot.api.metrics import count_agent_message
from deskpilot.api.routes_customer import _pump
from deskpilot.api.schemas import ActionIn, CloseIn, LoginIn, MessageIn, TokenOut
from deskpilot.errors import DeskPilotError

router = APIRouter(prefix="/api/v1/agent", tags=["agent"])


@router.post("/login", response_model=TokenOut)
def login(body: LoginIn, workspace: WorkspaceDep, settings: SettingsDep) -> TokenOut:
    agent = workspace.login(body.username, body.password)
    token = issue_token(
        settings.secret_key.get_secret_value(),
        "agent",
        agent.id,
        datetime.now(UTC),
        settings.agent_token_minutes,
        role=agent.role,
    )
    return TokenOut(token=token, role=agent.role, display_name=agent.display_name)


@router.get("/queue")
def queue(agent: CurrentAgent, workspace: WorkspaceDep) -> list[dict[str, Any]]:
    """Handoffs waiting for a person, most urgent and longest-waiting first."""
    workspace.touch(agent.id)
    return workspace.queue()


@router.post("/conversations/{conversation_id}/claim")
def claim(conversation_id: str, agent: CurrentAgent, workspace: WorkspaceDep) -> dict[str, str]:
    workspace.claim(agent.id, conversation_id)
    return {"status": "claimed"}


@router.get("/conversations/{conversation_id}")
def view(conversation_id: str, agent: CurrentAgent, workspace: WorkspaceDep) -> dict[str, Any]:
    """Full history, the customer's context and the co-pilot's suggestions."""
    return workspace.view(agent.id, conversation_id)


@router.post("/conversations/{conversation_id}/messages")
def reply(
    conversation_id: str, body: MessageIn, agent: CurrentAgent, workspace: WorkspaceDep
) -> dict[str, str]:
    workspace.reply(agent.id, conversation_id, body.text)
    count_agent_message()
    return {"status": "sent"}


@router.post("/conversations/{conversation_id}/actions")
def act(
    conversation_id: str, body: ActionIn, agent: CurrentAgent, workspace: WorkspaceDep
) -> dict[str, Any]:
    """Run an account action for the customer (same policies; audited under the agent)."""
    return workspace.act(agent.id, conversation_id, body.action, body.args)


@router.post("/conversations/{conversation_id}/handback")
def hand_back(conversation_id: str, agent: CurrentAgent, workspace: WorkspaceDep) -> dict[str, str]:
    workspace.hand_back(agent.id, conversation_id)
    return {"status": "active"}


@router.post("/conversations/{conversation_id}/close")
def close(
    conversation_id: str, body: CloseIn, agent: CurrentAgent, workspace: WorkspaceDep
) -> dict[str, str]:
    workspace.close(agent.id, conversation_id, body.resolution_code)
    return {"status": "closed"}


@router.get("/stats")
def stats(supervisor: CurrentSupervisor, workspace: WorkspaceDep) -> dict[str, Any]:
    """Live counts for the supervisor view."""
    return workspace.stats()


@router.websocket("/ws")
async def live(websocket: WebSocket, token: str, topic: str = "queue") -> None:
    """Queue updates, or one conversation's events with topic=conversation:<id>."""
    try:
        read_token(websocket.app.state.settings.secret_key.get_secret_value(), token, "agent")
    except DeskPilotError as exc:
        await websocket.close(code=4403, reason=exc.code)
        return
    await websocket.accept()
    await _pump(websocket, websocket.app.state.hub, topic)
