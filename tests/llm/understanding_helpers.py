"""Shared by the LLM understanding tests: answers in the schema's shape, an assistant
whose understanding asks a model, and what a conversation changed on the account."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from deskpilot.clock import Clock
from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.domain.actions import REGISTRY
from deskpilot.engine.assistant import Assistant, Reply
from deskpilot.engine.understanding import Understanding
from deskpilot.llm.client import OpenAICompatibleClient
from deskpilot.llm.understanding import LLMOptions, LLMUnderstanding

KEYS = ("kind", "flow", "slot", "value", "reason", "act")
# Actions that change nothing on the account: a handoff's ticket, a document.
NOT_CHANGES = {"create_ticket", "request_document"}


def answer(*commands: dict[str, Any]) -> str:
    """A model's answer with every key present, as the schema asks."""
    return json.dumps({"commands": [{k: c.get(k) for k in KEYS} for c in commands]})


class Readings:
    """Makes LLM understandings for a test and closes their clients afterwards."""

    def __init__(self, embedded: Understanding) -> None:
        self.embedded = embedded
        self.made: list[LLMUnderstanding] = []

    def __call__(
        self,
        base_url: str,
        *,
        timeout: float = 5.0,
        options: LLMOptions | None = None,
        model: str = "scripted-model",
    ) -> LLMUnderstanding:
        client = OpenAICompatibleClient(
            base_url, model, None, timeout=timeout, retries=0, backoff=0.0
        )
        reading = LLMUnderstanding(client, self.embedded, options=options)
        self.made.append(reading)
        return reading

    def close(self) -> None:
        for reading in self.made:
            reading.close()


def llm_assistant(db: Database, clock: Clock, understanding: LLMUnderstanding) -> Assistant:
    return Assistant(db, understanding, clock=clock)


def chat(assistant: Assistant, customer_id: int, *messages: str) -> list[Reply]:
    """Start a conversation and send ``messages``; the greeting is the first reply."""
    reply = assistant.start(customer_id)
    replies = [reply]
    for text in messages:
        replies.append(assistant.handle(reply.conversation_id, customer_id, text))
    return replies


def account_changes(db: Database, conversation_id: str) -> list[str]:
    """Account-changing actions the assistant ran in a conversation (audit log, ok)."""
    with db.session() as s:
        rows = s.scalars(
            select(m.AuditEntry.action)
            .where(
                m.AuditEntry.actor_id == f"assistant:{conversation_id}",
                m.AuditEntry.outcome == "ok",
            )
            .order_by(m.AuditEntry.id)
        ).all()
    return [a for a in rows if not REGISTRY[a].is_lookup and a not in NOT_CHANGES]


def conversation_state(db: Database, conversation_id: str) -> dict[str, Any]:
    with db.session() as s:
        conv = s.scalars(
            select(m.Conversation).where(m.Conversation.public_id == conversation_id)
        ).one()
        return dict(conv.state)
