"""The LLM understanding against a scripted OpenAI-compatible server on 127.0.0.1: the
model's commands are used when they validate, one retry fixes a bad answer, and every
failure falls back to the embedded understanding without the customer noticing."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from deskpilot.clock import FixedClock
from deskpilot.config import Settings
from deskpilot.db import Database
from deskpilot.engine.commands import HumanHandoff, SetSlot, StartFlow
from deskpilot.engine.state import Awaiting, DialogueState, Frame
from deskpilot.engine.understanding import MessageContext, Understanding
from deskpilot.llm.understanding import LLMOptions, LLMUnderstanding
from deskpilot.nlu.embedded import EmbeddedUnderstanding
from deskpilot.runtime import build_understanding
from tests.conftest import TODAY
from tests.factories import make_customer
from tests.llm.scripted_server import ScriptedLLM
from tests.llm.understanding_helpers import (
    Readings,
    account_changes,
    answer,
    chat,
    conversation_state,
    llm_assistant,
)

MODELS = Path(__file__).resolve().parents[2] / ".deskpilot" / "models"
RETURN_IT = {"kind": "start_flow", "flow": "report_return"}


@pytest.fixture
def llm_understanding(understanding: Understanding) -> Iterator[Readings]:
    readings = Readings(understanding)
    yield readings
    readings.close()


def context(state: DialogueState | None = None) -> MessageContext:
    return MessageContext(
        state=state or DialogueState(), today=TODAY, locale="en_GB", region="GB", currency="GBP"
    )


def sent_text(llm: ScriptedLLM) -> str:
    """Everything the server received, as one string."""
    return json.dumps(llm.requests, ensure_ascii=False)


def test_that_valid_commands_from_the_model_are_used(
    llm: ScriptedLLM, understanding: Understanding, llm_understanding: Readings
) -> None:
    llm.script(answer({**RETURN_IT, "slot": "order_reference", "value": "DP-100123"}))
    reading = llm_understanding(llm.base_url)

    out = reading.understand("the parcel came but the jacket is too small", context())

    assert out.commands == [StartFlow(flow="report_return", slots={"order_reference": "DP-100123"})]
    assert out.intent == "report_return"
    assert out.language == "en"
    sent = llm.requests[0]
    assert sent["response_format"]["json_schema"]["schema"]["title"] == "commands"
    assert "the jacket is too small" in sent["messages"][-1]["content"]


def test_that_the_model_s_reading_drives_the_conversation(
    llm: ScriptedLLM,
    understanding: Understanding,
    llm_understanding: Readings,
    db: Database,
    clock: FixedClock,
) -> None:
    c = make_customer(db, "delivered_recent")
    llm.script(answer({**RETURN_IT, "slot": "order_reference", "value": c.orders[0]}))
    assistant = llm_assistant(db, clock, llm_understanding(llm.base_url))

    replies = chat(assistant, c.customer_id, "this thing is going straight back to the shop")

    assert "return.confirm" in replies[1].keys
    assert replies[1].awaiting is not None and replies[1].awaiting.kind == "confirm"
    assert account_changes(db, replies[0].conversation_id) == []


def test_that_an_invalid_answer_gets_one_retry_whose_answer_is_used(
    llm: ScriptedLLM, understanding: Understanding, llm_understanding: Readings
) -> None:
    llm.script("Sure! The customer wants a return.")
    llm.script(answer(RETURN_IT))
    reading = llm_understanding(llm.base_url)

    out = reading.understand("the parcel came but the jacket is too small", context())

    assert out.commands == [StartFlow(flow="report_return")]
    assert len(llm.requests) == 2
    retry = llm.requests[1]["messages"]
    assert retry[-2] == {"role": "assistant", "content": "Sure! The customer wants a return."}
    assert "not valid JSON" in retry[-1]["content"]
    assert reading.stats["retries"] == 1


def test_that_two_invalid_answers_fall_back_to_the_embedded_reading(
    llm: ScriptedLLM, understanding: Understanding, llm_understanding: Readings
) -> None:
    llm.script(answer({"kind": "start_flow", "flow": "refund_everything"}))
    llm.script(
        answer({"kind": "start_flow", "flow": "order_status", "slot": "email", "value": "x"})
    )
    reading = llm_understanding(llm.base_url)
    text = "where is my order DP-100123?"

    out = reading.understand(text, context())

    assert out.commands == understanding.understand(text, context()).commands
    assert len(llm.requests) == 2
    assert "is not one of the flows" in llm.requests[1]["messages"][-1]["content"]
    assert reading.stats.as_dict()["fallback_reasons"]["invalid"] == 1


def test_that_a_slot_the_flow_does_not_have_or_a_value_of_the_wrong_kind_is_invalid(
    llm: ScriptedLLM, understanding: Understanding, llm_understanding: Readings
) -> None:
    llm.script(answer({"kind": "start_flow", "flow": "cancel_order", "slot": "card_last4",
                       "value": "1234"}))  # fmt: skip
    llm.script(answer({"kind": "start_flow", "flow": "open_dispute", "slot": "dispute_reason",
                       "value": "I just feel like it"}))  # fmt: skip
    reading = llm_understanding(llm.base_url)

    reading.understand("hmm", context())

    problems = [r["messages"][-1]["content"] for r in llm.requests[1:]]
    assert "has no detail 'card_last4'" in problems[0]
    assert reading.stats.as_dict()["fallback_reasons"]["invalid"] == 1


def test_that_an_answer_to_the_pending_question_is_read_like_the_customer_s_own(
    llm: ScriptedLLM, understanding: Understanding, llm_understanding: Readings
) -> None:
    state = DialogueState(
        stack=[Frame(flow="open_dispute", instance=1, slots={"order_reference": "DP-100123"})],
        awaiting=Awaiting(kind="slot", slot="dispute_reason", slot_type="enum",
                          options=[{"value": "damaged", "keys": ["Damaged"]},
                                   {"value": "wrong_item", "keys": ["Wrong item"]}]),
    )  # fmt: skip
    llm.script(answer({"kind": "set_slot", "slot": "dispute_reason", "value": "wrong item"}))
    reading = llm_understanding(llm.base_url)

    out = reading.understand("they sent me a blue one, I ordered red", context(state))

    assert out.commands == [SetSlot(slot="dispute_reason", value="wrong_item")]


def test_that_a_server_that_is_down_leaves_the_conversation_to_the_embedded_understanding(
    understanding: Understanding, llm_understanding: Readings, db: Database, clock: FixedClock
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket is closed
    reading = llm_understanding(f"http://127.0.0.1:{port}/v1")
    c = make_customer(db, "in_transit")
    assistant = llm_assistant(db, clock, reading)

    replies = chat(assistant, c.customer_id, f"where is my order {c.orders[0]}?")

    assert replies[1].keys[0].startswith("order_status.")
    assert reading.stats.as_dict()["fallback_reasons"]["unavailable"] == 1


def test_that_a_slow_model_is_given_up_on_and_the_customer_still_gets_an_answer(
    llm: ScriptedLLM,
    understanding: Understanding,
    llm_understanding: Readings,
    db: Database,
    clock: FixedClock,
) -> None:
    llm.script(answer(RETURN_IT), delay=2.0)
    reading = llm_understanding(llm.base_url, timeout=0.3)
    c = make_customer(db, "in_transit")
    assistant = llm_assistant(db, clock, reading)

    replies = chat(assistant, c.customer_id, f"where is my order {c.orders[0]}?")

    assert replies[1].keys[0].startswith("order_status.")
    assert replies[1].messages
    assert reading.stats.as_dict()["fallback_reasons"]["unavailable"] == 1


def test_that_no_card_number_or_email_reaches_the_model_and_values_come_back_restored(
    llm: ScriptedLLM, understanding: Understanding, llm_understanding: Readings
) -> None:
    state = DialogueState(
        stack=[Frame(flow="update_personal_details", instance=1, slots={"contact_field": "email"})],
        awaiting=Awaiting(kind="slot", slot="email", slot_type="email"),
    )
    llm.script(answer({"kind": "set_slot", "slot": "email", "value": "[EMAIL_1]"}))
    reading = llm_understanding(llm.base_url)
    text = (
        "use new.me@example.org from now on, and my card 4111 1111 1111 1111 was charged "
        "twice, call me on +44 7911 123456"
    )

    out = reading.understand(text, context(state))

    sent = sent_text(llm)
    for secret in ("new.me@example.org", "4111 1111 1111 1111", "4111111111111111", "7911 123456"):
        assert secret not in sent
    assert "[EMAIL_1]" in sent and "[CARD_1]" in sent
    assert out.commands == [SetSlot(slot="email", value="new.me@example.org")]


def test_that_tokens_and_cost_land_in_the_conversation_state(
    llm: ScriptedLLM,
    understanding: Understanding,
    llm_understanding: Readings,
    db: Database,
    clock: FixedClock,
) -> None:
    llm.script("not json", prompt_tokens=900, completion_tokens=10)
    llm.script(answer(RETURN_IT), prompt_tokens=1000, completion_tokens=40)
    options = LLMOptions(price_per_1k_prompt=0.5, price_per_1k_completion=2.0)
    reading = llm_understanding(llm.base_url, options=options)
    c = make_customer(db, "delivered_recent")
    assistant = llm_assistant(db, clock, reading)

    replies = chat(assistant, c.customer_id, "this thing is going straight back to the shop")

    state = conversation_state(db, replies[0].conversation_id)
    assert state["llm_prompt_tokens"] == 1900
    assert state["llm_completion_tokens"] == 50
    assert state["llm_cost"] == pytest.approx(1.9 * 0.5 + 0.05 * 2.0)
    assert reading.stats.as_dict()["cost"] == pytest.approx(1.05)


def test_that_a_conversation_over_its_token_budget_does_not_call_the_model(
    llm: ScriptedLLM, understanding: Understanding, llm_understanding: Readings
) -> None:
    reading = llm_understanding(llm.base_url, options=LLMOptions(budget_tokens=500))
    state = DialogueState(llm_prompt_tokens=480, llm_completion_tokens=20)
    text = "where is my order DP-100123?"

    out = reading.understand(text, context(state))

    assert llm.requests == []
    assert out.commands == understanding.understand(text, context()).commands
    assert reading.stats.as_dict()["fallback_reasons"]["over_budget"] == 1


def test_that_a_request_for_a_person_never_waits_for_the_model(
    llm: ScriptedLLM, understanding: Understanding, llm_understanding: Readings
) -> None:
    reading = llm_understanding(llm.base_url)

    out = reading.understand("I want to talk to a real person", context())

    assert out.commands == [HumanHandoff(reason="customer_request")]
    assert llm.requests == []


def test_that_the_model_cannot_say_yes_for_the_customer(
    llm: ScriptedLLM,
    understanding: Understanding,
    llm_understanding: Readings,
    db: Database,
    clock: FixedClock,
) -> None:
    c = make_customer(db, "processing")
    llm.script(answer({"kind": "start_flow", "flow": "cancel_order"}))
    llm.script(answer({"kind": "confirm"}))
    assistant = llm_assistant(db, clock, llm_understanding(llm.base_url))

    replies = chat(assistant, c.customer_id, "cancel my order", "hmm, what would that mean?")

    assert replies[1].awaiting is not None and replies[1].awaiting.kind == "confirm"
    assert replies[2].actions == []
    assert replies[2].messages
    assert account_changes(db, replies[0].conversation_id) == []


def test_that_a_yes_to_a_confirmation_is_read_without_the_model(
    llm: ScriptedLLM,
    understanding: Understanding,
    llm_understanding: Readings,
    db: Database,
    clock: FixedClock,
) -> None:
    c = make_customer(db, "processing")
    llm.script(answer({"kind": "start_flow", "flow": "cancel_order"}))
    assistant = llm_assistant(db, clock, llm_understanding(llm.base_url))

    replies = chat(assistant, c.customer_id, "cancel my order", "yes please")

    assert len(llm.requests) == 1
    assert replies[2].actions == ["cancel_order"]


def test_that_the_runtime_builds_the_llm_understanding_only_when_an_endpoint_is_set() -> None:
    embedded = build_understanding(Settings(model_dir=MODELS))
    configured = build_understanding(
        Settings(
            model_dir=MODELS,
            llm_base_url="http://127.0.0.1:9/v1",
            llm_api_key=SecretStr("sk-test"),
            llm_conversation_budget_tokens=1234,
        )
    )

    assert isinstance(embedded, EmbeddedUnderstanding)
    assert isinstance(configured, LLMUnderstanding)
    assert isinstance(configured.fallback, EmbeddedUnderstanding)
    assert configured.options.budget_tokens == 1234
    configured.close()


def test_that_llm_mode_wires_grounded_answers_wording_and_the_copilot(db: Database) -> None:
    from deskpilot.api import create_app
    from deskpilot.runtime import build_assistant

    settings = Settings(database_url=db.url, model_dir=MODELS, llm_base_url="http://127.0.0.1:9/v1")
    assistant = build_assistant(settings, db)
    assert assistant.engine.answerer is not None and assistant.engine.rewriter is None
    worded = build_assistant(settings.model_copy(update={"llm_wording": True}), db)
    assert worded.engine.rewriter is not None
    assert create_app(settings, assistant).state.workspace.llm_copilot is not None
    # A base URL that is not a URL leaves the service on the embedded understanding.
    broken = settings.model_copy(update={"llm_base_url": "http://[not a url"})
    plain = build_assistant(broken, db)
    assert isinstance(plain.understanding, EmbeddedUnderstanding)
    assert plain.engine.answerer is None
    assert create_app(broken, plain).state.workspace.llm_copilot is None
