"""Wording: the model may rephrase a reply, but a rephrasing that changes an amount, a date,
an order reference, a link or a name is thrown away and the template text is sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from deskpilot.clock import FixedClock
from deskpilot.db import Database
from deskpilot.engine.assistant import Assistant, Reply
from deskpilot.engine.state import DialogueState
from deskpilot.llm.client import OpenAICompatibleClient
from deskpilot.llm.privacy import Masker
from deskpilot.llm.wording import Rewriter, kept_facts
from tests.factories import make_customer
from tests.llm.scripted_server import ScriptedLLM

NEXT_PAYMENT = "when is my next payment?"


def original(body: dict[str, Any]) -> str:
    """The reply the model was asked to rephrase."""
    content = str(body["messages"][1]["content"])
    return content.split("<reply>\n", 1)[1].rsplit("\n</reply>", 1)[0]


def rephrase(change: Callable[[str], str]) -> Callable[[dict[str, Any]], str]:
    return lambda body: json.dumps({"reply": change(original(body))})


@pytest.fixture
def assistant(
    sqlite_db: Database, clock: FixedClock, understanding: object, model: OpenAICompatibleClient
) -> Assistant:
    assistant = Assistant(sqlite_db, understanding, clock=clock)  # type: ignore[arg-type]
    assistant.engine.rewriter = Rewriter(model, Masker())
    return assistant


def ask(assistant: Assistant, db: Database, text: str) -> tuple[Reply, str]:
    customer = make_customer(db, "delivered_recent")
    started = assistant.start(customer.customer_id)
    reply = assistant.handle(started.conversation_id, customer.customer_id, text)
    stored = assistant.transcript(started.conversation_id, customer.customer_id)
    return reply, str(stored[2]["text"])


def test_that_a_good_rewrite_is_sent_and_stored(
    assistant: Assistant, sqlite_db: Database, llm: ScriptedLLM
) -> None:
    llm.responder = rephrase(lambda text: "Sure! " + text.replace(" is ", " comes to ", 1))
    reply, stored = ask(assistant, sqlite_db, NEXT_PAYMENT)
    template = original(llm.requests[0])
    assert template.startswith("Your next payment is £")
    assert reply.messages[0] == "Sure! " + template.replace(" is ", " comes to ", 1)
    assert stored == reply.messages[0]


def test_that_a_rewrite_that_changes_an_amount_is_rejected(
    assistant: Assistant, sqlite_db: Database, llm: ScriptedLLM
) -> None:
    llm.responder = rephrase(lambda text: text.replace(".75", ".50"))
    reply, stored = ask(assistant, sqlite_db, NEXT_PAYMENT)
    template = original(llm.requests[0])
    assert ".75" in template
    assert reply.messages[0] == template == stored


def test_that_a_rewrite_that_drops_the_order_reference_is_rejected(
    assistant: Assistant, sqlite_db: Database, llm: ScriptedLLM
) -> None:
    llm.responder = rephrase(lambda text: text.replace(" (order DP-100001)", ""))
    reply, _ = ask(assistant, sqlite_db, NEXT_PAYMENT)
    template = original(llm.requests[0])
    assert "(order DP-100001)" in template
    assert reply.messages[0] == template


def test_that_a_model_that_is_down_leaves_the_template_text(
    assistant: Assistant, sqlite_db: Database, llm: ScriptedLLM
) -> None:
    llm.script(status=503)
    reply, _ = ask(assistant, sqlite_db, NEXT_PAYMENT)
    assert reply.messages[0] == original(llm.requests[0])
    assert reply.keys == ["schedule.next", "anything_else"]


def test_that_a_list_to_choose_from_is_sent_as_written(
    assistant: Assistant, sqlite_db: Database, llm: ScriptedLLM
) -> None:
    llm.responder = rephrase(lambda text: "Sure! " + text)
    reply, _ = ask(assistant, sqlite_db, "I want to pay my next installment now")
    assert "\n1. " in reply.messages[-1] and not reply.messages[-1].startswith("Sure!")
    assert all(reply.messages[-1] != original(body) for body in llm.requests)


def test_that_personal_data_in_a_reply_is_masked_for_the_model_and_comes_back(
    llm: ScriptedLLM, model: OpenAICompatibleClient
) -> None:
    llm.responder = rephrase(lambda text: "Thanks! " + text)
    message = "We will send the statement to anna.k@example.com today."
    rewritten = Rewriter(model, Masker()).rewrite(
        message, "en", DialogueState(language="en"), customer_message="My card 4111111111111111"
    )
    assert rewritten == "Thanks! " + message
    sent = json.dumps(llm.requests)
    assert "anna.k@example.com" not in sent and "4111111111111111" not in sent


def test_that_a_spent_budget_leaves_the_template_text(
    llm: ScriptedLLM, model: OpenAICompatibleClient
) -> None:
    llm.responder = rephrase(lambda text: "Thanks! " + text)
    state = DialogueState(language="en", llm_prompt_tokens=20000)
    assert Rewriter(model, Masker()).rewrite("Done.", "en", state) == "Done."
    assert llm.requests == []


ORIGINAL = (
    "Done, Anna: your return for order DP-100042 is registered and your payments of "
    "£30.00 are paused until 15 July 2026. Read more: /help/en/returns"
)


@pytest.mark.parametrize(
    ("rewritten", "language", "kept"),
    [
        (
            "All set, Anna! The return for order DP-100042 is registered, so your payments "
            "of £30.00 are paused until 15 July 2026. More: /help/en/returns",
            "en",
            True,
        ),
        (ORIGINAL.replace("£30.00", "£35.00"), "en", False),
        (ORIGINAL.replace("£30.00", "£30"), "en", False),
        (ORIGINAL.replace("15 July", "16 July"), "en", False),
        (ORIGINAL.replace("July", "June"), "en", False),
        (ORIGINAL.replace("DP-100042", "DP-100043"), "en", False),
        (ORIGINAL.replace(" for order DP-100042", ""), "en", False),
        (ORIGINAL.replace("/help/en/returns", "https://example.org/returns"), "en", False),
        (ORIGINAL.replace("Done, Anna:", "Done:"), "en", False),
        (ORIGINAL.replace("your return", "your Zalando return"), "en", False),
        (ORIGINAL + " " + ORIGINAL, "en", False),
    ],
)
def test_that_a_rewrite_must_keep_every_amount_date_reference_link_and_name(
    rewritten: str, language: str, kept: bool
) -> None:
    assert kept_facts(ORIGINAL, rewritten, language) is kept


def test_that_german_nouns_are_not_mistaken_for_names() -> None:
    original_de = "Ihre nächste Zahlung über 16,75 £ ist am 22. Juni 2026 fällig."
    rewritten_de = "Die nächste Rate von 16,75 £ wird am 22. Juni 2026 fällig."
    assert kept_facts(original_de, rewritten_de, "de")
    assert not kept_facts(original_de, rewritten_de.replace("Juni", "Juli"), "de")
