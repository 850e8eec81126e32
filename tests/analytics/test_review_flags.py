"""Automatic checks that raise a conversation's place in the review queue."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from deskpilot.analytics.reviews import review_queue
from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.engine.assistant import Assistant
from tests.factories import make_customer


def _facts(db: Database, public_id: str) -> m.ConversationFacts:
    with db.session() as s:
        conv_id = s.scalar(select(m.Conversation.id).where(m.Conversation.public_id == public_id))
        return s.get_one(m.ConversationFacts, conv_id)


def _executed(db: Database, public_id: str) -> list[str]:
    with db.session() as s:
        return list(
            s.scalars(
                select(m.AuditEntry.action).where(
                    m.AuditEntry.actor_id == f"assistant:{public_id}",
                    m.AuditEntry.outcome == "ok",
                )
            )
        )


def test_that_a_card_frozen_and_then_unfrozen_flags_the_first_conversation(
    assistant: Assistant, db: Database, clock: object
) -> None:
    c = make_customer(db, "in_transit", card="active")
    first = assistant.start(c.customer_id).conversation_id
    for text in ("freeze my card please", "the physical one", "yes"):
        assistant.handle(first, c.customer_id, text)
    assert "freeze_card" in _executed(db, first)
    assistant.end(first, c.customer_id)
    assert "action_reversed" not in (_facts(db, first).review_flags or [])

    clock.advance(hours=2)  # type: ignore[attr-defined]
    second = assistant.start(c.customer_id).conversation_id
    for text in ("please unfreeze my card", "the physical one", "yes"):
        assistant.handle(second, c.customer_id, text)
    assert "unfreeze_card" in _executed(db, second)
    assistant.end(second, c.customer_id)

    flagged = _facts(db, first)
    assert "action_reversed" in (flagged.review_flags or [])
    assert "repeat_contact" in (flagged.review_flags or [])  # same topic within 7 days
    assert flagged.review_status == "pending" and flagged.repeat_contact
    queue = review_queue(db, limit=5)
    assert queue[0]["conversation_id"] == first  # the most warning signs come first


def test_that_an_agent_overriding_an_assistant_refusal_flags_the_conversation(
    assistant: Assistant, db: Database, clock: object
) -> None:
    from deskpilot.analytics import facts

    c = make_customer(db, "in_transit")
    conv = assistant.start(c.customer_id).conversation_id
    now = clock.now()  # type: ignore[attr-defined]
    with db.transaction() as s:
        for at, actor, outcome in (
            (now, f"assistant:{conv}", "refused"),
            (now + timedelta(minutes=5), "agent:1", "ok"),
        ):
            s.add(
                m.AuditEntry(
                    at=at,
                    actor_kind=actor.split(":")[0],
                    actor_id=actor,
                    customer_id=c.customer_id,
                    action="waive_late_fee",
                    arguments={},
                    outcome=outcome,
                    rule="fee_waiver_once_a_year" if outcome == "refused" else None,
                )
            )
    with db.transaction() as s:
        row = s.scalars(select(m.Conversation).where(m.Conversation.public_id == conv)).one()
        facts.finished(s, row, now + timedelta(minutes=6), sample_rate=0.0)
    f = _facts(db, conv)
    assert f.review_flags == ["refusal_overridden"] and f.review_status == "pending"


def test_that_unflagged_conversations_are_sampled_at_the_configured_rate(
    assistant: Assistant, db: Database
) -> None:
    def sampled(rate: float, seeds: range) -> list[str | None]:
        assistant.review_sample_rate = rate
        out = []
        for seed in seeds:  # a different customer each time: no repeat contacts
            cid = make_customer(db, "in_transit", seed=seed).customer_id
            conv = assistant.start(cid).conversation_id
            assistant.handle(conv, cid, "where is my parcel?")
            assistant.end(conv, cid)
            f = _facts(db, conv)
            assert f.review_flags == []
            out.append(f.review_status)
        return out

    # The first two of a stratum (intent, language) are always sampled, so reviewers see
    # every stratum; past that a rate of 0 samples nothing unflagged, and 1 everything.
    assert sampled(0.0, range(10, 15)) == ["pending", "pending", None, None, None]
    assert sampled(1.0, range(20, 23)) == ["pending"] * 3


def test_that_language_model_tokens_and_cost_reach_the_dashboard(
    assistant: Assistant, db: Database, clock: object
) -> None:
    from deskpilot.analytics import Filters, compute_dashboard
    from deskpilot.config import Settings

    c = make_customer(db, "in_transit")
    conv = assistant.start(c.customer_id).conversation_id
    assistant.handle(conv, c.customer_id, "where is my parcel?")
    with db.transaction() as s:  # what LLM mode records in the state, turn by turn
        row = s.scalars(select(m.Conversation).where(m.Conversation.public_id == conv)).one()
        row.state = {**row.state, "llm_prompt_tokens": 900, "llm_completion_tokens": 100}
        row.state["llm_cost"] = 0.25
    assistant.end(conv, c.customer_id)
    now = clock.now()  # type: ignore[attr-defined]
    settings = Settings(database_url=db.url)
    d = compute_dashboard(
        db, Filters(start=now - timedelta(hours=1), end=now + timedelta(hours=1)), settings
    )
    w = d.workload
    assert (w.llm_conversations, w.llm_tokens, w.llm_cost) == (1, 1000, 0.25)
    assert w.actual == round(settings.cost_per_assistant_conversation + 0.25, 2)


def test_that_an_assistant_worse_than_people_on_reviews_raises_one_logged_alert(
    assistant: Assistant, db: Database, clock: object, caplog: object
) -> None:
    import logging

    from deskpilot.analytics import AlertLog, Filters, compute_dashboard
    from deskpilot.config import Settings

    c = make_customer(db, "in_transit")
    now = clock.now()  # type: ignore[attr-defined]
    with db.transaction() as s:
        s.add(m.Agent(username="rev", display_name="R", role="supervisor", password_hash="x",
                      created_at=now))  # fmt: skip
    for i in range(12):
        conv = assistant.start(c.customer_id).conversation_id
        who, severity = ("assistant", "major") if i < 6 else ("human", "none")
        with db.transaction() as s:
            conv_id = s.scalar(select(m.Conversation.id).where(m.Conversation.public_id == conv))
            f = s.get_one(m.ConversationFacts, conv_id)
            f.ended_at, f.handled_by, f.intent = now, who, "refund_status"
            s.add(m.Review(conversation_id=conv_id, reviewer_id=1, handled_by=who,
                           severity=severity, categories=["wrong_information"], notes="",
                           created_at=now))  # fmt: skip
    d = compute_dashboard(
        db,
        Filters(start=now - timedelta(hours=1), end=now + timedelta(hours=1)),
        Settings(database_url=db.url),
    )
    found = {(a.dimension, a.key, a.metric) for a in d.alerts}
    assert found == {
        ("intent", "refund_status", "error_rate"),
        ("intent", "refund_status", "severity"),
        ("language", "en", "error_rate"),
        ("language", "en", "severity"),
    }
    alert = d.alerts[0]
    assert (alert.assistant, alert.human, alert.assistant_reviewed) == (1.0, 0.0, 6)
    log = AlertLog()
    with caplog.at_level(logging.WARNING, logger="deskpilot.analytics"):  # type: ignore[attr-defined]
        log.announce(d.alerts)
        log.announce(d.alerts)  # the dashboard recomputes often; each alert is logged once
    events = [r for r in caplog.records if getattr(r, "event", "") == "analytics.alert"]  # type: ignore[attr-defined]
    assert len(events) == 4
