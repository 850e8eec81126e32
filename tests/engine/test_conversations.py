"""Conversations end to end: the customer chats, the assistant acts under the policies."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.domain.actions import Actor
from deskpilot.engine.assistant import Assistant, Reply
from deskpilot.errors import InvalidInput, NotFound
from tests.factories import make_customer


def chat(assistant: Assistant, cid: int, *messages: str) -> list[Reply]:
    reply = assistant.start(cid)
    replies = [reply]
    for text in messages:
        replies.append(assistant.handle(reply.conversation_id, cid, text))
    return replies


def executed(db: Database, conv: str) -> list[str]:
    with db.session() as s:
        return list(
            s.scalars(
                select(m.AuditEntry.action)
                .where(
                    m.AuditEntry.actor_id == f"assistant:{conv}",
                    m.AuditEntry.outcome == "ok",
                    m.AuditEntry.action.not_like("get_%"),
                    m.AuditEntry.action.not_like("list_%"),
                )
                .order_by(m.AuditEntry.id)
            )
        )


def test_that_the_greeting_says_it_is_an_ai_and_how_to_reach_a_person(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    greeting = assistant.start(c.customer_id).messages[0]
    assert "AI assistant" in greeting and '"agent"' in greeting


def test_that_a_return_is_registered_and_its_payments_paused(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    replies = chat(
        assistant, c.customer_id, "I sent the shoes back, why am I still paying?", "yes please"
    )
    assert replies[1].awaiting is not None and replies[1].awaiting.kind == "confirm"
    assert replies[2].actions == ["report_return"]
    assert "paused until" in replies[2].messages[0]
    plan = assistant.service.run(
        "get_payment_plan", Actor.customer(c.customer_id), {"order_reference": c.orders[0]}
    ).model_dump()
    assert plan["status"] == "paused"


def test_that_nothing_changes_without_an_explicit_yes(assistant: Assistant, db: Database) -> None:
    c = make_customer(db, "processing")
    replies = chat(assistant, c.customer_id, "please cancel my order", "no, leave it")
    assert replies[-1].actions == []
    assert executed(db, replies[0].conversation_id) == []
    order = assistant.service.run(
        "get_order", Actor.customer(c.customer_id), {"order_reference": c.orders[0]}
    ).model_dump()
    assert order["status"] == "placed"


def test_that_a_stolen_card_is_blocked_and_replaced(assistant: Assistant, db: Database) -> None:
    c = make_customer(db, "paid_off", card="active", seed=1)
    replies = chat(assistant, c.customer_id, "my card was stolen yesterday")
    while replies[-1].awaiting is not None and replies[-1].awaiting.kind == "slot":
        replies.append(assistant.handle(replies[0].conversation_id, c.customer_id, "1"))
    replies.append(assistant.handle(replies[0].conversation_id, c.customer_id, "yes"))
    assert replies[-1].actions == ["report_card_lost_stolen"]
    cards = assistant.service.run("get_card_status", Actor.customer(c.customer_id), {})
    statuses = {card["status"] for card in cards.model_dump()["cards"]}
    assert "blocked" in statuses and "ordered" in statuses


def test_that_a_due_date_is_extended(assistant: Assistant, db: Database) -> None:
    c = make_customer(db, "pay_in_30")
    replies = chat(assistant, c.customer_id, "can I move my payment 10 days later?", "yes")
    assert replies[-1].actions == ["extend_due_date"]
    inst = assistant.service.run(
        "list_upcoming_installments", Actor.customer(c.customer_id), {}
    ).model_dump()["installments"][0]
    assert inst["extended"] is True
    assert (inst["due_date"] - inst["original_due_date"]).days == 10


def test_that_a_policy_question_is_answered_from_the_help_centre(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "paid_off")
    reply = chat(assistant, c.customer_id, "what is your return policy?")[-1]
    assert reply.keys[0] == "knowledge.answer"
    assert "30 days" in reply.messages[0] and "/help/en/returns" in reply.messages[0]


@pytest.mark.parametrize(
    ("country", "text"),
    [
        ("GB", "agent"),
        ("GB", "can I talk to a real person please"),
        ("DE", "Ich möchte mit einem Mitarbeiter sprechen"),
        ("SE", "jag vill prata med en människa"),
        ("FR", "je veux parler à un conseiller"),
        ("ES", "quiero hablar con una persona"),
    ],
)
def test_that_asking_for_a_person_hands_off_in_any_language(
    assistant: Assistant, db: Database, country: str, text: str
) -> None:
    c = make_customer(db, "delivered_recent", country=country)
    replies = chat(assistant, c.customer_id, text)
    assert replies[-1].handoff == "customer_request"
    with db.session() as s:
        handoff = s.scalars(select(m.Handoff)).one()
        ticket = s.get(m.Ticket, handoff.ticket_id)
    assert handoff.status == "waiting" and ticket is not None
    assert f"#{ticket.id}" in replies[-1].messages[0]


def test_that_repeated_misunderstanding_reaches_a_person(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    replies = chat(assistant, c.customer_id, "asdf qwer", "zxcv blorp", "flimflam wobble")
    assert replies[-1].handoff == "misunderstanding"


def test_that_hardship_is_handed_to_a_person_urgently(assistant: Assistant, db: Database) -> None:
    c = make_customer(db, "overdue")
    replies = chat(assistant, c.customer_id, "I lost my job and I can't pay my installments")
    assert replies[-1].handoff == "vulnerability"
    with db.session() as s:
        assert s.scalars(select(m.Handoff.priority)).one() == "urgent"


def test_that_a_refusal_comes_before_any_confirmation_and_insisting_reaches_a_person(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "in_transit")
    replies = chat(
        assistant,
        c.customer_id,
        f"cancel order {c.orders[0]}",
        "that's not fair, please make an exception",
    )
    assert "refused.cancel_before_shipping" in replies[1].keys
    assert not any(r.awaiting is not None and r.awaiting.kind == "confirm" for r in replies)
    assert replies[-1].handoff == "policy_insist"
    assert executed(db, replies[0].conversation_id) == ["create_ticket"]  # for the person


def test_that_a_customer_cannot_act_on_someone_elses_order(
    assistant: Assistant, db: Database
) -> None:
    victim = make_customer(db, "processing", seed=3)
    attacker = make_customer(db, "processing", seed=4)
    replies = chat(assistant, attacker.customer_id, f"cancel order {victim.orders[0]}", "yes")
    assert all(not r.actions for r in replies)
    assert any("refused.own_data_only" in r.keys for r in replies)
    order = assistant.service.run(
        "get_order", Actor.customer(victim.customer_id), {"order_reference": victim.orders[0]}
    ).model_dump()
    assert order["status"] == "placed"


def test_that_a_customer_cannot_post_into_another_customers_conversation(
    assistant: Assistant, db: Database
) -> None:
    a = make_customer(db, "paid_off", seed=3)
    b = make_customer(db, "paid_off", seed=4)
    conv = assistant.start(a.customer_id).conversation_id
    with pytest.raises(NotFound):
        assistant.handle(conv, b.customer_id, "hello")
    with pytest.raises(NotFound):
        assistant.transcript(conv, b.customer_id)


def test_that_every_message_is_stored_also_after_a_handoff(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    replies = chat(
        assistant, c.customer_id, "agent", "my order number is DP-123456", "are you there?"
    )
    transcript = assistant.transcript(replies[0].conversation_id, c.customer_id)
    customer_lines = [t["text"] for t in transcript if t["role"] == "customer"]
    assert customer_lines == ["agent", "my order number is DP-123456", "are you there?"]
    assert replies[-1].keys == ["handoff.waiting"]


def test_that_empty_and_oversized_messages_are_refused_cleanly(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "paid_off")
    conv = assistant.start(c.customer_id).conversation_id
    for bad in ("", "   ", "x" * 2001):
        with pytest.raises(InvalidInput):
            assistant.handle(conv, c.customer_id, bad)
    reply = assistant.handle(conv, c.customer_id, "where is my order?")
    assert reply.messages


def test_that_the_assistant_speaks_the_customers_language_and_follows_a_switch(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "refund_pending", country="DE")
    replies = chat(
        assistant,
        c.customer_id,
        "Wo ist meine Rückerstattung?",
        "var är min återbetalning för min retur?",
    )
    assert "KI-Assistent" in replies[0].messages[0] or "KI" in replies[0].messages[0]
    assert replies[1].language == "de" and "€" in replies[1].messages[0]
    assert replies[2].language == "sv"
    assert replies[2].keys[0] == "refund.status.pending"


def test_that_turns_and_state_survive_a_restart(
    assistant: Assistant, db: Database, understanding: Any, clock: Any
) -> None:
    c = make_customer(db, "delivered_recent")
    first = chat(assistant, c.customer_id, "I want to return my order")
    restarted = Assistant(db, understanding, clock=clock)
    reply = restarted.handle(first[0].conversation_id, c.customer_id, "yes")
    assert reply.actions == ["report_return"]


def test_that_only_orders_that_can_be_returned_are_offered(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "paid_off", "refund_pending", "delivered_recent")
    replies = chat(assistant, c.customer_id, "I want to return something")
    # the old order is outside the window and the other is already returned: no question
    assert replies[1].awaiting is not None and replies[1].awaiting.kind == "confirm"
    assert c.orders[2] in replies[1].messages[0]


def test_that_a_return_already_sent_back_gets_the_refund_status_not_a_refusal(
    assistant: Assistant, db: Database
) -> None:
    """'I returned it, where is my money?' read as a return: the order has nothing left to
    return and its refund is under way, so the customer hears where the refund is."""
    c = make_customer(db, "refund_pending")
    replies = chat(assistant, c.customer_id, "I want to return my order")
    assert "refund.status.pending" in replies[1].keys
    assert not any(k.startswith("refused.") for k in replies[1].keys)
    assert executed(db, replies[0].conversation_id) == []


@pytest.mark.parametrize(
    ("language", "country", "message", "locale"),
    [
        ("de", "DE", "Ich brauche meinen Kontoauszug", "de_DE"),
        ("ja", "JP", "今月の取引明細を送ってください", "ja_JP"),
        ("ar", "DE", "أريد كشف حساب هذا الشهر من فضلك", "ar"),
    ],
)
def test_that_a_statement_is_written_in_the_customers_language(
    assistant: Assistant,
    db: Database,
    clock: Any,
    language: str,
    country: str,
    message: str,
    locale: str,
) -> None:
    """The document itself, not only the sentence around it, is in the customer's language:
    the month as the locale writes it, the movements' labels from the catalog."""
    from babel.dates import format_skeleton

    c = make_customer(db, "delivered_recent", country=country, language=language)
    replies = chat(assistant, c.customer_id, message)
    reply = replies[-1]
    assert any(k.startswith("document.ready.statement") for k in reply.keys), reply.keys
    text = "\n".join(reply.messages)
    month = format_skeleton("yMMMM", clock.now().date().replace(day=1), locale=locale)
    assert month in text
    assert "Balance today" not in text and "Statement " not in text


def test_that_a_receipt_lists_the_items_in_the_customers_language(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "delivered_recent", country="FR")
    replies = chat(assistant, c.customer_id, f"je voudrais le reçu de la commande {c.orders[0]}")
    reply = replies[-1]
    assert "document.ready.receipt" in reply.keys, reply.keys
    text = "\n".join(reply.messages)
    assert c.orders[0] in text and "Here is your" not in text


def test_that_a_policy_answer_offers_to_do_it_and_does_it_on_yes(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "processing")
    replies = chat(assistant, c.customer_id, "how does cancelling an order work?", "yes", "yes")
    assert replies[1].keys[0] == "knowledge.answer"
    assert replies[1].awaiting is not None and replies[1].awaiting.kind == "offer_flow"
    assert replies[-1].actions == ["cancel_order"]


def test_that_the_assistants_look_ups_are_audited_with_the_turn(
    assistant: Assistant, db: Database
) -> None:
    c = make_customer(db, "in_transit")
    replies = chat(assistant, c.customer_id, "where is my parcel?")
    with db.session() as s:
        rows = s.execute(
            select(m.AuditEntry.action, m.AuditEntry.actor_id).where(
                m.AuditEntry.customer_id == c.customer_id
            )
        ).all()
    assert ("get_order", f"assistant:{replies[0].conversation_id}") in rows
    assert ("list_orders", f"assistant:{replies[0].conversation_id}") in rows
