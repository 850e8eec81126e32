"""An independent recount of the dashboard's figures, straight from the raw tables.

It shares no code with deskpilot.analytics: who handled a conversation comes from the
handoffs table, times from turns and handoffs, ratings and reviews from their rows.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select

from deskpilot.db import Database
from deskpilot.db import models as m


@dataclass
class Recount:
    conversations: int = 0
    ended: int = 0
    handled: Counter[str] = field(default_factory=Counter)  # of ended
    handed_off: int = 0  # ended with any handoff
    resolution: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    first_response: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    handling: list[float] = field(default_factory=list)
    csat: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    repeats: Counter[str] = field(default_factory=Counter)
    severities: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_language: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    reasons: Counter[str] = field(default_factory=Counter)


def pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q * 100)) if values else None


def recount(db: Database, start: datetime, end: datetime) -> Recount:
    with db.session() as s:
        convs = [c for c in s.scalars(select(m.Conversation)).all() if start <= c.started_at < end]
        handoffs: dict[int, list[m.Handoff]] = defaultdict(list)
        for h in s.scalars(select(m.Handoff).order_by(m.Handoff.id)):
            handoffs[h.conversation_id].append(h)
        turns: dict[int, list[m.Turn]] = defaultdict(list)
        for t in s.scalars(select(m.Turn).order_by(m.Turn.conversation_id, m.Turn.seq)):
            turns[t.conversation_id].append(t)
        reviews = {r.conversation_id: r for r in s.scalars(select(m.Review))}
        everyone = s.scalars(select(m.Conversation)).all()
    r = Recount(conversations=len(convs))
    topic = {c.id: _topic(c, turns[c.id]) for c in everyone}
    for c in convs:
        hs = handoffs[c.id]
        who = "human" if any(h.claimed_by for h in hs) else "unattended" if hs else "assistant"
        r.by_language[c.language]["all"] += 1
        if c.ended_at is None:
            continue
        r.ended += 1
        r.handled[who] += 1
        r.by_language[c.language]["ended"] += 1
        r.by_language[c.language][who] += 1
        if hs:
            r.handed_off += 1
            r.reasons[hs[0].reason] += 1
        r.resolution[who].append((c.ended_at - c.started_at).total_seconds())
        _times(r, who, turns[c.id], hs)
        if c.csat_score is not None:
            r.csat[who].append(c.csat_score)
        if _came_back(c, everyone, topic):
            r.repeats[who] += 1
        if c.id in reviews:
            r.severities[who][reviews[c.id].severity] += 1
    return r


def _times(r: Recount, who: str, turns: list[m.Turn], hs: list[m.Handoff]) -> None:
    customer = [t for t in turns if t.role == "customer"]
    if who == "assistant" and customer and customer[0].latency_ms is not None:
        r.first_response["assistant"].append(customer[0].latency_ms / 1000)
    if who == "human":
        first_agent = next((t for t in turns if t.role == "agent"), None)
        if first_agent is not None:
            r.first_response["human"].append(
                (first_agent.created_at - hs[0].created_at).total_seconds()
            )
        r.handling.append(
            sum(
                (h.closed_at - h.claimed_at).total_seconds()
                for h in hs
                if h.claimed_at and h.closed_at
            )
        )


def _topic(c: m.Conversation, turns: list[m.Turn]) -> str | None:
    """The flow that ran last, else what the customer first asked (e.g. for a person)."""
    if c.last_intent:
        return c.last_intent
    asked = [t.intent for t in turns if t.role == "customer" and t.intent not in (None, "oos")]
    return asked[0] if asked else None


def _came_back(c: m.Conversation, everyone: Any, topic: dict[int, str | None]) -> bool:
    assert c.ended_at is not None
    for other in everyone:
        if other.id == c.id or other.customer_id != c.customer_id:
            continue
        if not c.ended_at <= other.started_at <= c.ended_at + timedelta(days=7):
            continue
        if other.ended_at is None:
            continue  # its topic is counted when it ends
        same_intent = topic[c.id] is not None and topic[other.id] == topic[c.id]
        same_order = c.topic_order is not None and other.topic_order == c.topic_order
        if same_intent or same_order:
            return True
    return False


def mean(values: list[int]) -> float | None:
    return statistics.fmean(values) if values else None
