"""Grounded knowledge answers: the model answers from the help centre's passages, cites
the article, and an answer stating what the passages do not is replaced by the template."""

from __future__ import annotations

import json

import pytest

from deskpilot.clock import FixedClock
from deskpilot.db import Database
from deskpilot.engine.assistant import Assistant, Reply
from deskpilot.engine.state import DialogueState
from deskpilot.knowledge import HelpCentre
from deskpilot.llm._facts import unsupported
from deskpilot.llm.client import OpenAICompatibleClient
from deskpilot.llm.knowledge import GroundedAnswerer
from deskpilot.llm.privacy import Masker
from tests.factories import make_customer
from tests.llm.scripted_server import ScriptedLLM

QUESTION = "How long does a merchant have to respond to a dispute?"


def verdict(supported: bool, answer: str = "", article_id: str = "") -> str:
    return json.dumps({"supported": supported, "answer": answer, "article_id": article_id})


@pytest.fixture
def assistant(sqlite_db: Database, clock: FixedClock, understanding: object) -> Assistant:
    return Assistant(sqlite_db, understanding, clock=clock)  # type: ignore[arg-type]


def ask(assistant: Assistant, db: Database, text: str) -> Reply:
    customer = make_customer(db, "delivered_recent")
    started = assistant.start(customer.customer_id)
    return assistant.handle(started.conversation_id, customer.customer_id, text)


def test_that_a_supported_grounded_answer_is_shown_with_its_citation(
    assistant: Assistant,
    sqlite_db: Database,
    llm: ScriptedLLM,
    model: OpenAICompatibleClient,
) -> None:
    assistant.engine.answerer = GroundedAnswerer(model, Masker())
    llm.script(verdict(True, "A merchant has 14 days to respond to your dispute.", "disputes"))
    reply = ask(assistant, sqlite_db, QUESTION)
    assert reply.keys[0] == "knowledge.grounded"
    assert reply.messages[0].startswith("A merchant has 14 days to respond to your dispute.")
    assert reply.messages[0].endswith('"Opening a dispute": /help/en/disputes')
    sent = llm.requests[0]
    assert "has 14 days to respond" in sent["messages"][1]["content"]  # the passage went in
    schema = sent["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["article_id"]["enum"] == ["disputes", ""]


def test_that_an_answer_inventing_30_days_where_the_passage_says_14_gets_the_template_answer(
    assistant: Assistant,
    sqlite_db: Database,
    llm: ScriptedLLM,
    model: OpenAICompatibleClient,
) -> None:
    assistant.engine.answerer = GroundedAnswerer(model, Masker())
    llm.script(verdict(True, "A merchant has 30 days to respond to your dispute.", "disputes"))
    reply = ask(assistant, sqlite_db, QUESTION)
    assert len(llm.requests) == 1
    assert reply.keys[0] == "knowledge.answer"
    assert "30 days" not in reply.messages[0] and "14 days" in reply.messages[0]


def test_that_a_question_the_passages_do_not_answer_gets_the_offer_of_a_person(
    assistant: Assistant,
    sqlite_db: Database,
    llm: ScriptedLLM,
    model: OpenAICompatibleClient,
) -> None:
    assistant.engine.answerer = GroundedAnswerer(model, Masker())
    llm.script(verdict(False))
    reply = ask(assistant, sqlite_db, "Do you sell gift cards for my cat?")
    assert reply.keys == ["knowledge.none"]
    assert reply.awaiting is not None and reply.awaiting.kind == "offer_human"


def test_that_a_model_that_is_down_leaves_the_template_answer_and_no_error(
    assistant: Assistant,
    sqlite_db: Database,
    llm: ScriptedLLM,
    model: OpenAICompatibleClient,
) -> None:
    assistant.engine.answerer = GroundedAnswerer(model, Masker())
    llm.script(status=500)
    reply = ask(assistant, sqlite_db, QUESTION)
    assert reply.keys[0] == "knowledge.answer" and "/help/en/disputes" in reply.messages[0]


def test_that_no_email_or_card_number_reaches_the_model(
    assistant: Assistant,
    sqlite_db: Database,
    llm: ScriptedLLM,
    model: OpenAICompatibleClient,
) -> None:
    assistant.engine.answerer = GroundedAnswerer(model, Masker())
    llm.script(verdict(True, "A merchant has 14 days to respond to your dispute.", "disputes"))
    text = f"{QUESTION} My email is anna.k@example.com and my card is 4111 1111 1111 1111"
    reply = ask(assistant, sqlite_db, text)
    sent = json.dumps(llm.requests)
    assert "anna.k@example.com" not in sent and "4111 1111 1111 1111" not in sent
    assert "[EMAIL_1]" in sent and "[CARD_1]" in sent
    assert reply.keys[0] == "knowledge.grounded"


def test_that_without_a_model_the_answer_is_the_template_answer_as_before(
    assistant: Assistant, sqlite_db: Database
) -> None:
    reply = ask(assistant, sqlite_db, QUESTION)
    assert reply.keys[0] == "knowledge.answer"


def test_that_an_answer_citing_an_article_it_was_not_given_is_rejected(
    llm: ScriptedLLM, model: OpenAICompatibleClient
) -> None:
    answerer = GroundedAnswerer(model, Masker())
    passages = HelpCentre().search(QUESTION, "en", k=3)
    llm.script(verdict(True, "A merchant has 14 days to respond.", "late-fees"))
    assert answerer.answer(QUESTION, passages, [], "en", DialogueState(language="en")) is None


def test_that_the_tokens_of_an_answer_count_towards_the_conversation(
    llm: ScriptedLLM, model: OpenAICompatibleClient
) -> None:
    answerer = GroundedAnswerer(
        model, Masker(), price_per_1k_prompt=1.0, price_per_1k_completion=2.0
    )
    state = DialogueState(language="en")
    llm.script(verdict(False), prompt_tokens=800, completion_tokens=20)
    answer = answerer.answer(QUESTION, HelpCentre().search(QUESTION, "en"), [], "en", state)
    assert answer is not None and not answer.supported
    assert (state.llm_prompt_tokens, state.llm_completion_tokens) == (800, 20)
    assert state.llm_cost == pytest.approx(0.84)


def test_that_a_conversation_over_its_budget_does_not_call_the_model(
    llm: ScriptedLLM, model: OpenAICompatibleClient
) -> None:
    answerer = GroundedAnswerer(model, Masker(), budget_tokens=1000)
    state = DialogueState(language="en", llm_prompt_tokens=990, llm_completion_tokens=10)
    llm.script(verdict(True, "A merchant has 14 days to respond.", "disputes"))
    passages = HelpCentre().search(QUESTION, "en")
    assert answerer.answer(QUESTION, passages, [], "en", state) is None
    assert llm.requests == []


PASSAGE = (
    "While the dispute is open, the merchant has 14 days to respond. "
    "Open a dispute within 120 days of the purchase date. "
    "| United Kingdom | GBP 5.00 |\n| Hungary | HUF 2000.00 |\n"
    "We can waive one late fee in any 12 months. Read more: /help/en/disputes"
)
FACTS = ["Next payment: GBP 42.50 due 2026-07-01 (order DP-100042)", "Open orders: 2"]


@pytest.mark.parametrize(
    ("claim", "language"),
    [
        ("The merchant has 14 days to respond.", "en"),
        ("The merchant has fourteen days to respond.", "en"),
        ("Der Händler hat 14 Tage Zeit, um zu antworten.", "de"),
        ("The late fee is £5.", "en"),
        ("The late fee is GBP 5.00.", "en"),
        ("Die Mahngebühr beträgt 5,00 £.", "de"),
        ("In Hungary it is 2 000 Ft.", "en"),
        ("In Hungary it is HUF 2,000.", "en"),
        ("Your next payment of £42.50 is due on 1 July 2026.", "en"),
        ("Ihre nächste Zahlung von 42,50 £ ist am 1. Juli 2026 fällig.", "de"),
        ("次回のお支払いは2026年7月1日です。", "ja"),
        ("Your order DP-100042 has 2 open orders' worth of payments.", "en"),
        ("See /help/en/disputes.", "en"),
    ],
)
def test_that_the_fact_check_accepts_what_the_passages_and_account_state(
    claim: str, language: str
) -> None:
    assert unsupported(claim, [PASSAGE, *FACTS], language) == []


@pytest.mark.parametrize(
    ("claim", "language", "invented"),
    [
        ("The merchant has 30 days to respond.", "en", "30"),
        ("The merchant has thirty days to respond.", "en", "thirty"),
        ("Der Händler hat 30 Tage Zeit.", "de", "30"),
        ("The merchant has three weeks to respond.", "en", "three"),
        ("The late fee is €5.", "en", "€5"),
        ("The late fee is £7.50.", "en", "£7.50"),
        ("La pénalité est de 5,50 £.", "fr", "5,50 £"),
        ("We refund 10% of the fee.", "en", "10%"),
        ("Your next payment is due on 2 July 2026.", "en", "2 July 2026"),
        ("Your next payment is due on 2026-07-02.", "en", "2026-07-02"),
        ("Ihre Zahlung ist am 3. Juli 2026 fällig.", "de", "3. Juli 2026"),
        ("The payment of £42.50 is for order DP-100043.", "en", "DP-100043"),
        ("Details: https://example.org/refund-now", "en", "https://example.org/refund-now"),
    ],
)
def test_that_the_fact_check_finds_what_neither_the_passages_nor_the_account_state(
    claim: str, language: str, invented: str
) -> None:
    assert unsupported(claim, [PASSAGE, *FACTS], language) == [invented]
