"""Customer API: conversations, messages, live updates, ending and rating."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy import select

from deskpilot.analytics import facts
from deskpilot.api.auth import read_token
from deskpilot.api.deps import AssistantDep, CurrentCustomer, HubDep, LimiterDep, SettingsDep
from deskpilot.api.metrics import count_assistant_messages, count_conversation, count_reply
from deskpilot.api.schemas import MessageIn, RatingIn, ReplyOut
from deskpilot.db import models as m
from deskpilot.engine.assistant import Reply
from deskpilot.errors import DeskPilotError, InvalidInput, NotFound, PolicyRefused

router = APIRouter(prefix="/api/v1/conversations", tags=["customer"])
ui_router = APIRouter(prefix="/api/v1/ui", tags=["customer"])
UI_PREFIX = "ui."


@ui_router.get("/{language}")
def ui_texts(language: str, assistant: AssistantDep) -> dict[str, Any]:
    """The chat widget's own texts (buttons, notices) in a served language (404 for any
    other; English for a text the language lacks). Public: the same for every customer."""
    responses = assistant.responses
    if language not in responses.languages:
        raise NotFound(f"No texts in language {language!r}")
    keys = [k for k in responses.catalogs["en"].templates if k.startswith(UI_PREFIX)]
    return {
        "language": language,
        "texts": {k[len(UI_PREFIX) :]: responses.template(k, language) for k in keys},
    }


def _out(reply: Reply) -> ReplyOut:
    return ReplyOut(
        conversation_id=reply.conversation_id,
        messages=reply.messages,
        language=reply.language,
        status=reply.status,
        awaiting=reply.awaiting.kind if reply.awaiting else None,
        handoff=reply.handoff,
        actions=reply.actions,
    )


@router.post("", response_model=ReplyOut)
def start_conversation(customer: CurrentCustomer, assistant: AssistantDep) -> ReplyOut:
    """Open a conversation; the greeting says it is an AI and how to reach a person."""
    reply = assistant.start(customer.id, channel="web")
    count_conversation("started")
    count_assistant_messages(len(reply.messages))
    return _out(reply)


@router.post("/{conversation_id}/messages", response_model=ReplyOut)
def send_message(
    conversation_id: str,
    body: MessageIn,
    customer: CurrentCustomer,
    assistant: AssistantDep,
    hub: HubDep,
    limiter: LimiterDep,
    settings: SettingsDep,
) -> ReplyOut:
    """Send a message; the assistant's answer comes back (and over the WebSocket)."""
    if len(body.text) > settings.max_message_chars:
        raise InvalidInput(f"A message can be at most {settings.max_message_chars} characters")
    limiter.check(customer.id)
    reply = assistant.handle(conversation_id, customer.id, body.text)
    count_reply(reply)
    topic = f"conversation:{conversation_id}"
    hub.publish(topic, {"type": "message", "role": "customer", "text": body.text})
    for text in reply.messages:
        hub.publish(topic, {"type": "message", "role": "assistant", "text": text})
    if reply.handoff:
        hub.publish(topic, {"type": "status", "status": "waiting_for_agent"})
        hub.publish("queue", {"type": "queue"})
    return _out(reply)


@router.get("/{conversation_id}")
def get_conversation(
    conversation_id: str, customer: CurrentCustomer, assistant: AssistantDep
) -> dict[str, Any]:
    """The conversation's messages so far (only the customer's own conversations)."""
    return {
        "conversation_id": conversation_id,
        "messages": assistant.transcript(conversation_id, customer.id),
    }


@router.post("/{conversation_id}/end")
def end_conversation(
    conversation_id: str, customer: CurrentCustomer, assistant: AssistantDep
) -> dict[str, str]:
    status = assistant.end(conversation_id, customer.id)
    count_conversation("ended")
    return {"status": status}


@router.post("/{conversation_id}/rating")
def rate_conversation(
    conversation_id: str, body: RatingIn, customer: CurrentCustomer, assistant: AssistantDep
) -> dict[str, int]:
    """CSAT 1-5 with an optional comment, once per conversation."""
    with assistant.db.transaction() as s:
        conv = s.scalars(
            select(m.Conversation).where(
                m.Conversation.public_id == conversation_id,
                m.Conversation.customer_id == customer.id,
            )
        ).one_or_none()
        if conv is None:
            from deskpilot.errors import NotFound

            raise NotFound("No such conversation", rule="own_data_only")
        if conv.csat_score is not None:
            raise PolicyRefused("This conversation was already rated", rule="ticket")
        conv.csat_score, conv.csat_comment = body.score, body.comment or None
        facts.rated(s, conv, body.score)
    count_conversation("rated")
    return {"score": body.score}


@router.websocket("/{conversation_id}/ws")
async def live(websocket: WebSocket, conversation_id: str, token: str) -> None:
    """Live events of one conversation: agent messages, status changes, actions."""
    app = websocket.app
    try:
        principal = read_token(app.state.settings.secret_key.get_secret_value(), token, "customer")
        await asyncio.to_thread(app.state.assistant.transcript, conversation_id, principal.id)
    except DeskPilotError as exc:
        await websocket.close(code=4403, reason=exc.code)
        return
    await websocket.accept()
    await _pump(websocket, app.state.hub, f"conversation:{conversation_id}")


async def _pump(websocket: WebSocket, hub: Any, topic: str) -> None:
    queue = hub.subscribe(topic)
    try:
        receiver = asyncio.create_task(websocket.receive_text())
        while True:
            getter = asyncio.create_task(queue.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if receiver in done:
                getter.cancel()
                receiver.result()  # raises on disconnect
                receiver = asyncio.create_task(websocket.receive_text())
                continue
            await websocket.send_json(getter.result())
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.unsubscribe(topic, queue)
