"""The co-pilot with a model: the agent sees the model's summary and suggested replies,
while the suggested actions stay the deterministic ones; any failure shows the templates."""

from __future__ import annotations

import json
from typing import Any

import pytest

from deskpilot.api.live import LiveHub
from deskpilot.clock import FixedClock
from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.engine.assistant import Assistant
from deskpilot.llm.client import OpenAICompatibleClient
from deskpilot.llm.copilot import LlmCopilot
from deskpilot.llm.privacy import Masker
from deskpilot.workspace import Workspace
from tests.factories import make_customer
from tests.llm.scripted_server import ScriptedLLM

EMAIL, CARD = "anna.k@example.com", "4111 1111 1111 1111"
SUMMARY = "The customer wants a person after asking about their card; nothing changed yet."
REPLY = "Hello, I'm from the support team and I'll look into your card right away."


def drafted(summary: str = SUMMARY, replies: list[str] | None = None) -> str:
    return json.dumps({"summary": summary, "replies": [REPLY] if replies is None else replies})


@pytest.fixture
def workspace(sqlite_db: Database, clock: FixedClock, understanding: object) -> Workspace:
    assistant = Assistant(sqlite_db, understanding, clock=clock)  # type: ignore[arg-type]
    return Workspace(assistant, LiveHub())


def handed_off(workspace: Workspace, db: Database) -> tuple[int, str]:
    """An agent, and a conversation handed to a person after personal data was typed."""
    agent_id = workspace.create_agent("alex", "agent-pass-1", "agent", "Alex")
    customer = make_customer(db, "overdue", card="active")
    assistant = workspace.assistant
    conv = assistant.start(customer.customer_id).conversation_id
    assistant.handle(conv, customer.customer_id, f"my email is {EMAIL}, card {CARD}")
    reply = assistant.handle(conv, customer.customer_id, "I want to talk to a person")
    assert reply.handoff == "customer_request"
    return agent_id, conv


def copilot_of(workspace: Workspace, agent_id: int, conv: str) -> dict[str, Any]:
    return dict(workspace.view(agent_id, conv)["copilot"])


def test_that_the_models_summary_and_replies_show_in_the_workspace(
    workspace: Workspace, sqlite_db: Database, llm: ScriptedLLM, model: OpenAICompatibleClient
) -> None:
    agent_id, conv = handed_off(workspace, sqlite_db)
    templates = copilot_of(workspace, agent_id, conv)
    workspace.llm_copilot = LlmCopilot(model, Masker())
    llm.script(drafted(), prompt_tokens=900, completion_tokens=60)
    pilot = copilot_of(workspace, agent_id, conv)
    assert pilot["summary"] == SUMMARY and pilot["replies"] == [REPLY]
    assert pilot["drafted_by"] == "model" and templates["drafted_by"] == "templates"
    assert pilot["actions"] == templates["actions"] and pilot["actions"]
    with sqlite_db.session() as s:
        state = s.query(m.Conversation).one().state
    assert (state["llm_prompt_tokens"], state["llm_completion_tokens"]) == (900, 60)


def test_that_a_model_failure_shows_the_template_copilot_without_an_error(
    workspace: Workspace, sqlite_db: Database, llm: ScriptedLLM, model: OpenAICompatibleClient
) -> None:
    agent_id, conv = handed_off(workspace, sqlite_db)
    templates = copilot_of(workspace, agent_id, conv)
    workspace.llm_copilot = LlmCopilot(model, Masker())
    llm.script(status=500)
    assert copilot_of(workspace, agent_id, conv) == templates
    llm.script("this is not JSON")
    assert copilot_of(workspace, agent_id, conv) == templates
    assert len(llm.requests) == 2


def test_that_no_email_or_card_number_reaches_the_model_but_the_agent_sees_them(
    workspace: Workspace, sqlite_db: Database, llm: ScriptedLLM, model: OpenAICompatibleClient
) -> None:
    agent_id, conv = handed_off(workspace, sqlite_db)
    workspace.llm_copilot = LlmCopilot(model, Masker())
    llm.script(drafted("Customer [EMAIL_1] asked about card [CARD_1], then for a person."))
    pilot = copilot_of(workspace, agent_id, conv)
    sent = json.dumps(llm.requests)
    assert EMAIL not in sent and CARD not in sent and "[EMAIL_1]" in sent
    assert pilot["summary"] == f"Customer {EMAIL} asked about card {CARD}, then for a person."


def test_that_a_suggested_reply_with_an_invented_amount_is_dropped(
    workspace: Workspace, sqlite_db: Database, llm: ScriptedLLM, model: OpenAICompatibleClient
) -> None:
    agent_id, conv = handed_off(workspace, sqlite_db)
    workspace.llm_copilot = LlmCopilot(model, Masker())
    invented = "Good news: I've refunded £250.00 to your card."
    llm.script(drafted(replies=[invented, REPLY]))
    assert copilot_of(workspace, agent_id, conv)["replies"] == [REPLY]


def test_that_reopening_an_unchanged_conversation_does_not_call_the_model_again(
    workspace: Workspace, sqlite_db: Database, llm: ScriptedLLM, model: OpenAICompatibleClient
) -> None:
    agent_id, conv = handed_off(workspace, sqlite_db)
    workspace.llm_copilot = LlmCopilot(model, Masker())
    llm.script(drafted())
    first = copilot_of(workspace, agent_id, conv)
    again = copilot_of(workspace, agent_id, conv)
    assert first == again and again["summary"] == SUMMARY
    assert len(llm.requests) == 1
