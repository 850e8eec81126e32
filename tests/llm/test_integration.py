"""A whole conversation through a real local model: llama-cpp-python's OpenAI-compatible
server with SmolLM2-135M-Instruct (tests/llm/llama_server.py; skipped when the packages
are not installed, failing instead under CI=true).

A 135M model often misreads what customers want; correctness is not what this asserts.
It asserts what must hold whatever the model says: every turn gets a reply, nothing
fails, no account changes without the customer's yes, and the model's tokens are
recorded in the conversation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskpilot.clock import FixedClock
from deskpilot.db import Database
from deskpilot.engine.assistant import Assistant, Reply
from deskpilot.engine.understanding import Understanding
from deskpilot.llm.client import OpenAICompatibleClient
from deskpilot.llm.understanding import LLMUnderstanding
from tests.factories import make_customer
from tests.llm.llama_server import LlamaServer, running_llama_server
from tests.llm.understanding_helpers import account_changes, conversation_state

MAX_TURNS = 6


@pytest.fixture(scope="module")
def llama() -> Iterator[LlamaServer]:
    with running_llama_server() as server:
        yield server


@pytest.fixture
def reading(llama: LlamaServer, understanding: Understanding) -> Iterator[LLMUnderstanding]:
    client = OpenAICompatibleClient(
        llama.base_url,
        llama.model,
        None,
        timeout=60.0,
        retries=0,
        backoff=0.0,
        schema_style="json_object",  # llama-cpp-python's server takes the schema this way
    )
    with client:
        yield LLMUnderstanding(client, understanding)


def next_message(reply: Reply, order: str) -> str | None:
    """What the customer answers: the order when asked for one, no to every confirmation
    and to anything else."""
    awaiting = reply.awaiting
    if reply.handoff or awaiting is None:
        return None
    if awaiting.kind == "slot":
        return order if awaiting.slot_type == "order" else "the first one"
    return "no thanks"


def test_that_a_conversation_through_a_real_small_model_completes_safely(
    reading: LLMUnderstanding, sqlite_db: Database, clock: FixedClock
) -> None:
    c = make_customer(sqlite_db, "in_transit", "delivered_recent")
    assistant = Assistant(sqlite_db, reading, clock=clock)
    start = assistant.start(c.customer_id)
    conversation = start.conversation_id
    replies: list[Reply] = []
    message: str | None = f"Hi, where is my order {c.orders[0]}?"
    while message is not None and len(replies) < MAX_TURNS:
        replies.append(assistant.handle(conversation, c.customer_id, message))
        message = next_message(replies[-1], c.orders[0])

    assert all(reply.messages for reply in replies)
    assert not any("error.generic" in reply.keys for reply in replies)
    assert account_changes(sqlite_db, conversation) == []  # the customer never said yes
    stats = reading.stats.as_dict()
    assert stats["calls"] >= 1
    state = conversation_state(sqlite_db, conversation)
    assert state["llm_prompt_tokens"] == stats["prompt_tokens"] > 0
    assert state["llm_completion_tokens"] == stats["completion_tokens"] > 0
    assert assistant.end(conversation, c.customer_id) in ("resolved", "handed_off")
