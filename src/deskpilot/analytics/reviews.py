"""Quality review: the sampled queue, the written rubric, and reviewers' verdicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from deskpilot.analytics.schema import SEVERITIES
from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.errors import Conflict, InvalidInput, NotFound

RUBRIC: dict[str, dict[str, str]] = {
    "severities": {
        "none": "No error: the customer got what the written policies allow, correctly "
        "and in their language.",
        "minor": "Wording, tone, an unneeded question or a small delay; the outcome for "
        "the customer was right.",
        "major": "Wrong or missing information, a needed action not taken, a needless "
        "handoff, or a mistake that made the customer contact us again; no harm to "
        "their money or security.",
        "critical": "A wrong account action (money moved, a plan or card changed "
        "wrongly), a written policy broken, another customer's data shown, or a lost or "
        "stolen card or fraud report mishandled.",
    },
    "categories": {
        "wrong_action": "An account action that should not have run, or ran wrongly",
        "missed_action": "An action the customer was entitled to was not taken",
        "wrong_information": "A fact, amount, date or policy stated wrongly",
        "misunderstood": "The request was misunderstood or needlessly asked again",
        "policy": "A written policy was not followed (either way)",
        "handoff": "A person was needed and not offered, or offered needlessly",
        "language": "Wrong language, or unnatural wording in the customer's language",
        "tone": "Impolite, cold or confusing",
        "privacy": "Personal data shown or asked for without need",
    },
}


def review_queue(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    """Sampled, unreviewed conversations, those with the most warning signs first."""
    if not 1 <= limit <= 200:
        raise InvalidInput("limit must be between 1 and 200")
    F, C = m.ConversationFacts, m.Conversation
    with db.session() as s:
        rows = s.execute(
            select(F, C.public_id)
            .join(C, C.id == F.conversation_id)
            .where(F.review_status == "pending")
            .order_by(F.review_priority.desc(), F.conversation_id)
            .limit(limit)
        ).all()
        turns: dict[int, list[dict[str, str]]] = {f.conversation_id: [] for f, _ in rows}
        for conv_id, role, text in s.execute(
            select(m.Turn.conversation_id, m.Turn.role, m.Turn.text)
            .where(m.Turn.conversation_id.in_(turns))
            .order_by(m.Turn.conversation_id, m.Turn.seq)
        ):
            turns[conv_id].append({"role": role, "text": text})
        return [
            {
                "conversation_id": public_id,
                "priority": f.review_priority,
                "flags": f.review_flags or [],
                "handled_by": f.handled_by,
                "language": f.language,
                "market": f.market,
                "intent": f.intent,
                "csat_score": f.csat_score,
                "started_at": f.started_at.isoformat(),
                "transcript": turns[f.conversation_id],
            }
            for f, public_id in rows
        ]


def submit_review(
    db: Database,
    reviewer_id: int,
    public_id: str,
    severity: str,
    categories: list[str],
    notes: str,
    now: datetime,
) -> None:
    """Record a verdict on an ended conversation (once; a second one is a conflict)."""
    if severity not in SEVERITIES:
        raise InvalidInput(f"severity must be one of {', '.join(SEVERITIES)}")
    unknown = sorted(set(categories) - set(RUBRIC["categories"]))
    if unknown:
        raise InvalidInput(f"unknown error categories: {', '.join(unknown)}")
    if severity != "none" and not categories:
        raise InvalidInput("an error needs at least one category")
    if len(notes) > 4000:
        raise InvalidInput("notes can be at most 4000 characters")
    try:
        _store(db, reviewer_id, public_id, severity, categories, notes, now)
    except IntegrityError as exc:  # two reviewers at once: the second one loses
        raise Conflict("This conversation was already reviewed") from exc


def _store(
    db: Database,
    reviewer_id: int,
    public_id: str,
    severity: str,
    categories: list[str],
    notes: str,
    now: datetime,
) -> None:
    with db.transaction() as s:
        conv_id = s.scalar(select(m.Conversation.id).where(m.Conversation.public_id == public_id))
        facts = None if conv_id is None else s.get(m.ConversationFacts, conv_id)
        if facts is None:
            raise NotFound("No such conversation")
        if facts.handled_by is None:
            raise Conflict("The conversation has not ended yet")
        if facts.review_status == "reviewed":
            raise Conflict("This conversation was already reviewed")
        s.add(
            m.Review(
                conversation_id=facts.conversation_id,
                reviewer_id=reviewer_id,
                handled_by=facts.handled_by,
                severity=severity,
                categories=sorted(set(categories)),
                notes=notes,
                created_at=now,
            )
        )
        facts.review_status = "reviewed"
