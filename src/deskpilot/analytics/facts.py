"""Facts about a conversation, written as it happens, so analytics never re-reads turns.

Each function runs inside the caller's transaction and changes only the conversation's
row in ``conversation_facts`` (and, for repeat contacts and audit checks, the same
customer's earlier ones):

- ``started``: the facts row, with the market (the customer's country);
- ``replied``: the assistant's first response time, the order the chat is about (kept on
  the conversation row, which each turn writes anyway, and copied when it ends);
- ``handed_off`` / ``claimed`` / ``agent_replied`` / ``handoff_closed``: the human side;
- ``finished``: who handled it, how long it took, repeat contacts, review sampling;
- ``rated``: a low rating raises the conversation's review priority.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from deskpilot.db import models as m

REPEAT_WINDOW = timedelta(days=7)
DEFAULT_SAMPLE_RATE = 0.1  # share of unflagged conversations sampled for review
# How much each automatic check raises a conversation's place in the review queue.
FLAG_WEIGHTS = {
    "refusal_overridden": 3.0,
    "action_reversed": 3.0,
    "low_rating": 2.0,
    "repeat_contact": 1.5,
    "unattended": 1.0,
}
# Actions that undo one another; the second of a pair "reverses" the first.
REVERSALS = {
    "freeze_card": {"unfreeze_card"},
    "unfreeze_card": {"freeze_card"},
    "change_autopay_method": {"change_autopay_method"},
    "update_contact_details": {"update_contact_details"},
}


def _facts(s: Session, conv: m.Conversation) -> m.ConversationFacts:
    facts = s.get(m.ConversationFacts, conv.id)
    if facts is None:  # a conversation from before facts were kept
        facts = m.ConversationFacts(
            conversation_id=conv.id,
            customer_id=conv.customer_id,
            started_at=conv.started_at,
            language=conv.language,
            market=_market(s, conv.customer_id),
            channel=conv.channel,
        )
        s.add(facts)
    return facts


def _market(s: Session, customer_id: int) -> str:
    return s.get_one(m.Customer, customer_id).country


def started(s: Session, conv: m.Conversation, customer: m.Customer) -> None:
    s.add(
        m.ConversationFacts(
            conversation_id=conv.id,
            customer_id=customer.id,
            started_at=conv.started_at,
            language=conv.language,
            market=customer.country,
            channel=conv.channel,
        )
    )


def replied(conv: m.Conversation, latency_ms: float, state: dict[str, Any]) -> None:
    """The first answer to the customer's first message, and the order the chat is about
    (on the conversation row, which the turn writes anyway)."""
    if conv.first_response_seconds is None:
        conv.first_response_seconds = round(latency_ms / 1000, 4)
    if conv.topic_order is None:
        for frame in state.get("stack", []):
            ref = frame.get("slots", {}).get("order_reference")
            if isinstance(ref, str):
                conv.topic_order = ref[:20]
                break


def handed_off(s: Session, conv: m.Conversation, now: datetime, reason: str) -> None:
    f = _facts(s, conv)
    if f.handoff_at is None:
        f.handoff_at, f.first_handoff_reason = now, reason[:40]


def claimed(s: Session, conv: m.Conversation, now: datetime) -> None:
    f = _facts(s, conv)
    if f.claimed_at is None:
        f.claimed_at = now


def agent_replied(s: Session, conv: m.Conversation, now: datetime) -> None:
    f = _facts(s, conv)
    if f.human_first_response_seconds is None and f.handoff_at is not None:
        f.human_first_response_seconds = _seconds(now - f.handoff_at)


def handoff_closed(s: Session, conv: m.Conversation, handoff: m.Handoff, now: datetime) -> None:
    """Add the agent's time on this handoff (claim to close) to the conversation."""
    if handoff.claimed_at is not None:
        f = _facts(s, conv)
        f.handling_seconds = (f.handling_seconds or 0.0) + _seconds(now - handoff.claimed_at)


def handled_by(f: m.ConversationFacts) -> str:
    if f.claimed_at is not None:
        return "human"
    return "unattended" if f.handoff_at is not None else "assistant"


def finished(s: Session, conv: m.Conversation, now: datetime, sample_rate: float) -> None:
    """Record how the conversation ended; mark repeats; decide whether to review it."""
    conv.ended_at = conv.ended_at or now
    f = _facts(s, conv)
    f.ended_at, f.language = conv.ended_at, conv.language
    f.intent = conv.last_intent or _first_understood_intent(s, conv.id)
    f.topic_order, f.first_response_seconds = conv.topic_order, conv.first_response_seconds
    f.handled_by = handled_by(f)
    f.resolution_seconds = _seconds(conv.ended_at - conv.started_at)
    f.csat_score = conv.csat_score
    state = conv.state or {}
    f.llm_tokens = int(state.get("llm_prompt_tokens", 0)) + int(
        state.get("llm_completion_tokens", 0)
    )
    f.llm_cost = float(state.get("llm_cost", 0.0))
    s.flush()
    _mark_repeats(s, f)
    flags = set(f.review_flags or [])
    if f.handled_by == "unattended":
        flags.add("unattended")
    for earlier_id, flag in _audit_flags(s, conv):
        if earlier_id == conv.id:
            flags.add(flag)
        else:
            _flag(s.get_one(m.ConversationFacts, earlier_id), {flag})
    _sample(s, f, flags, sample_rate)


def _first_understood_intent(s: Session, conversation_id: int) -> str | None:
    """What the customer first asked, when no flow ran (a request for a person)."""
    return s.scalar(
        select(m.Turn.intent)
        .where(
            m.Turn.conversation_id == conversation_id,
            m.Turn.role == "customer",
            m.Turn.intent.is_not(None),
            m.Turn.intent != "oos",
        )
        .order_by(m.Turn.seq)
        .limit(1)
    )


def rated(s: Session, conv: m.Conversation, score: int) -> None:
    f = _facts(s, conv)
    f.csat_score = score
    if score <= 2 and f.ended_at is not None:
        _flag(f, {"low_rating"})


# -- review sampling ------------------------------------------------------------------------
def _sample(s: Session, f: m.ConversationFacts, flags: set[str], rate: float) -> None:
    """Sample for review: every flagged one, the first few of each (intent, language)
    stratum, and a share ``rate`` of the rest (decided by a hash, so reruns agree)."""
    f.review_flags = sorted(flags)
    if f.review_status == "reviewed":
        return
    if flags or _draw(f.conversation_id) < rate or _stratum_is_thin(s, f):
        f.review_status = "pending"
        f.review_priority = _priority(f)


def _flag(f: m.ConversationFacts, new: set[str]) -> None:
    f.review_flags = sorted(set(f.review_flags or []) | new)
    if f.review_status != "reviewed":
        f.review_status = "pending"
        f.review_priority = _priority(f)


def _priority(f: m.ConversationFacts) -> float:
    weight = sum(FLAG_WEIGHTS.get(flag, 1.0) for flag in f.review_flags or [])
    return round(weight + _draw(f.conversation_id), 4)


def _draw(conversation_id: int) -> float:
    digest = hashlib.sha256(f"review:{conversation_id}".encode()).hexdigest()
    return int(digest[:12], 16) / 16**12


def _stratum_is_thin(s: Session, f: m.ConversationFacts, minimum: int = 2) -> bool:
    """Fewer than ``minimum`` conversations of this intent and language were sampled
    in the last week, and reviewers would otherwise never see this stratum."""
    F = m.ConversationFacts
    count = s.scalar(
        select(func.count())
        .select_from(F)
        .where(
            F.review_status.is_not(None),
            F.language == f.language,
            F.intent.is_(None) if f.intent is None else F.intent == f.intent,
            F.started_at >= f.started_at - REPEAT_WINDOW,
            F.conversation_id != f.conversation_id,
        )
    )
    return int(count or 0) < minimum


# -- repeat contacts ------------------------------------------------------------------------
def _mark_repeats(s: Session, f: m.ConversationFacts) -> None:
    """Earlier conversations of this customer about the same intent or order, which
    ended at most 7 days before this one started, were not the end of the matter."""
    F = m.ConversationFacts
    same_topic = []
    if f.intent:
        same_topic.append(F.intent == f.intent)
    if f.topic_order:
        same_topic.append(F.topic_order == f.topic_order)
    if not same_topic:
        return
    earlier = and_(
        F.customer_id == f.customer_id,
        F.conversation_id != f.conversation_id,
        F.ended_at.is_not(None),
        F.ended_at <= f.started_at,
        F.ended_at >= f.started_at - REPEAT_WINDOW,
        or_(*same_topic),
    )
    for other in s.scalars(select(F).where(earlier)):
        if not other.repeat_contact:
            other.repeat_contact = True
            _flag(other, {"repeat_contact"})


# -- checks on the audit log ----------------------------------------------------------------
def _audit_flags(s: Session, conv: m.Conversation) -> list[tuple[int, str]]:
    """(conversation id, flag) for refusals an agent overrode and actions later undone,
    looking at this customer's audit log over the last week."""
    since = conv.started_at - REPEAT_WINDOW
    rows = s.execute(
        select(m.AuditEntry.at, m.AuditEntry.actor_id, m.AuditEntry.action, m.AuditEntry.outcome)
        .where(m.AuditEntry.customer_id == conv.customer_id, m.AuditEntry.at >= since)
        .order_by(m.AuditEntry.at, m.AuditEntry.id)
    ).all()
    if not rows:
        return []
    owners = _assistant_conversations(s, {r.actor_id for r in rows})
    found: list[tuple[int, str]] = []
    for i, first in enumerate(rows):
        origin = owners.get(first.actor_id)
        if origin is None:
            continue
        for later in rows[i + 1 :]:
            if later.outcome != "ok":
                continue
            if first.outcome == "refused" and later.action == first.action:
                if later.actor_id.startswith("agent:"):
                    found.append((origin, "refusal_overridden"))
                    break
            elif first.outcome == "ok" and later.action in REVERSALS.get(first.action, ()):
                found.append((origin, "action_reversed"))
                break
    return sorted(set(found))


def _assistant_conversations(s: Session, actor_ids: set[str]) -> dict[str, int]:
    public = {a.removeprefix("assistant:"): a for a in actor_ids if a.startswith("assistant:")}
    if not public:
        return {}
    rows = s.execute(
        select(m.Conversation.public_id, m.Conversation.id).where(
            m.Conversation.public_id.in_(public)
        )
    )
    return {public[p]: i for p, i in rows}


def _seconds(delta: timedelta) -> float:
    return round(delta.total_seconds(), 3)
