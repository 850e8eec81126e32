"""The assistant: conversations and turns persisted, understanding plus dialogue engine.

Every customer message is stored before anything else happens, so nothing a
customer typed is lost, whatever fails afterwards.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from babel import Locale, UnknownLocaleError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from deskpilot.analytics import facts
from deskpilot.clock import Clock, SystemClock
from deskpilot.db.engine import Database
from deskpilot.db.models import Conversation, Customer, Handoff, Turn
from deskpilot.domain.actions import AccountService, Actor
from deskpilot.domain.markets import market_for
from deskpilot.engine._context import Turn as TurnBuilder
from deskpilot.engine.dialogue import DialogueEngine, handoff_priority
from deskpilot.engine.flow_runner import FlowRunner
from deskpilot.engine.responses import Responses
from deskpilot.engine.state import Awaiting, DialogueState
from deskpilot.engine.understanding import MessageContext, Understanding
from deskpilot.errors import InvalidInput, NotFound, PolicyRefused
from deskpilot.knowledge import HelpCentre

MAX_MESSAGE_CHARS = 2000


@dataclass
class Reply:
    """What the assistant answers to one message."""

    conversation_id: str
    messages: list[str]
    keys: list[str]
    language: str
    status: str
    awaiting: Awaiting | None = None
    handoff: str | None = None
    actions: list[str] = field(default_factory=list)
    understood: dict[str, Any] | None = None
    latency_ms: float = 0.0


def locale_for(language: str, country: str) -> str:
    """The best Babel locale for a language in a market ('de' in 'AT' -> 'de_AT')."""
    for candidate in (f"{language}_{country}", language):
        try:
            Locale.parse(candidate)
            return candidate
        except (UnknownLocaleError, ValueError):
            continue
    return "en"


# What the understanding of a customer's message adds to its stored turn.
TURN_UNDERSTANDING = ("language", "intent", "confidence", "commands")


class Assistant:
    """Runs conversations for customers on top of understanding and flows."""

    def __init__(
        self,
        db: Database,
        understanding: Understanding,
        *,
        clock: Clock | None = None,
        responses: Responses | None = None,
        help_centre: HelpCentre | None = None,
        runner: FlowRunner | None = None,
    ) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.service = AccountService(db, self.clock)
        self.understanding = understanding
        self.responses = responses or Responses()
        self.engine = DialogueEngine(runner or FlowRunner(), help_centre or HelpCentre())
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self.wait_estimate: Callable[[], int | None] | None = None
        self.max_message_chars = MAX_MESSAGE_CHARS
        self.review_sample_rate = facts.DEFAULT_SAMPLE_RATE

    # -- conversations --------------------------------------------------------------------
    def start(self, customer_id: int, channel: str = "chat") -> Reply:
        """Open a conversation and greet the customer, saying they talk to an AI."""
        now = self.clock.now()
        with self.db.transaction() as s:
            customer = s.get(Customer, customer_id)
            if customer is None:
                raise NotFound(f"No customer {customer_id}", rule="own_data_only")
            language = customer.language if customer.language in self.responses.languages else "en"
            state = DialogueState(language=language, greeted=True)
            conv = Conversation(
                public_id=str(uuid.uuid4()),
                customer_id=customer_id,
                channel=channel,
                language=language,
                status="active",
                state=state.model_dump(),
                started_at=now,
                updated_at=now,
            )
            s.add(conv)
            s.flush()
            facts.started(s, conv, customer)
            turn = self._builder(conv, customer, state, "")
            turn.say("greeting.disclosure")
            self.store_turn(s, conv, "assistant", turn.messages[0], language=language)
        return Reply(conv.public_id, turn.messages, turn.keys, language, "active")

    def handle(self, conversation_id: str, customer_id: int, text: str) -> Reply:
        """Answer one customer message in a conversation the customer owns."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("A message cannot be empty")
        if len(text) > self.max_message_chars:
            raise InvalidInput(f"A message can be at most {self.max_message_chars} characters")
        with self._locks[conversation_id]:
            return self._handle(conversation_id, customer_id, text)

    def _handle(self, conversation_id: str, customer_id: int, text: str) -> Reply:
        started = time.perf_counter()
        with self.db.transaction() as s:
            conv = self._own(s, conversation_id, customer_id)
            if conv.status == "closed":
                raise PolicyRefused("This conversation has ended", rule="account_open")
            customer_turn = self.store_turn(s, conv, "customer", text)
            state = DialogueState.model_validate(conv.state)
            customer = s.get_one(Customer, customer_id)
            conv_pk, turn_id = conv.id, customer_turn.id
            with_agent = conv.assigned_agent_id is not None and state.handed_off
        turn = self._builder(conv, customer, state, text)
        understood = None
        if with_agent:
            pass  # a person is in the conversation: the assistant stays quiet
        elif state.handed_off:
            turn.say("handoff.waiting")
        else:
            ctx = MessageContext(
                state=state,
                today=self.clock.now().date(),
                locale=turn.locale,
                region=customer.country,
                currency=market_for(customer.country).currency,
            )
            result = self.understanding.understand(text, ctx)
            state.language = (
                result.language if result.language in self.responses.languages else state.language
            )
            turn.locale = locale_for(state.language, customer.country)
            understood = result.to_json()
            self.engine.apply(turn, result.commands, result.intent)
        latency = (time.perf_counter() - started) * 1000
        status = self._save(conv_pk, turn_id, state, turn, understood, latency)
        return Reply(
            conversation_id,
            turn.messages,
            turn.keys,
            state.language,
            status,
            state.awaiting,
            turn.handoff,
            turn.actions,
            understood,
            round(latency, 2),
        )

    def end(self, conversation_id: str, customer_id: int) -> str:
        """Close a conversation; resolved unless a person took it over."""
        with self.db.transaction() as s:
            conv = self._own(s, conversation_id, customer_id)
            if conv.status not in ("closed", "resolved"):
                conv.status = "handed_off" if conv.handoff_reason else "resolved"
                conv.resolution = conv.resolution or (
                    "handed_off" if conv.handoff_reason else "assistant"
                )
                facts.finished(s, conv, self.clock.now(), self.review_sample_rate)
            return conv.status

    def transcript(self, conversation_id: str, customer_id: int) -> list[dict[str, Any]]:
        with self.db.session() as s:
            conv = self._own(s, conversation_id, customer_id)
            rows = s.scalars(
                select(Turn).where(Turn.conversation_id == conv.id).order_by(Turn.seq)
            ).all()
            return [
                {"seq": t.seq, "role": t.role, "text": t.text, "intent": t.intent} for t in rows
            ]

    # -- helpers --------------------------------------------------------------------------
    def _own(self, s: Session, conversation_id: str, customer_id: int) -> Conversation:
        conv = s.scalars(
            select(Conversation).where(
                Conversation.public_id == conversation_id, Conversation.customer_id == customer_id
            )
        ).one_or_none()
        if conv is None:
            raise NotFound("No such conversation", rule="own_data_only")
        return conv

    def _builder(
        self, conv: Conversation, customer: Customer, state: DialogueState, text: str
    ) -> TurnBuilder:
        return TurnBuilder(
            state=state,
            service=self.service,
            responses=self.responses,
            actor=Actor.assistant(customer.id, conv.public_id),
            conversation_id=conv.id,
            locale=locale_for(state.language, customer.country),
            message=text,
            profile={"first_name": customer.first_name},
            wait_estimate=self.wait_estimate,
        )

    def store_turn(self, s: Any, conv: Conversation, role: str, text: str, **extra: Any) -> Turn:
        # The next number in the conversation, computed by the INSERT itself (one round trip).
        seq = (
            select(func.coalesce(func.max(Turn.seq), 0) + 1)
            .where(Turn.conversation_id == conv.id)
            .scalar_subquery()
        )
        row = Turn(
            conversation_id=conv.id,
            seq=seq,
            role=role,
            text=text,
            created_at=self.clock.now(),
            **extra,
        )
        s.add(row)
        s.flush()
        return row

    def _save(
        self,
        conv_pk: int,
        turn_id: int,
        state: DialogueState,
        turn: TurnBuilder,
        understood: dict[str, Any] | None,
        latency: float,
    ) -> str:
        now = self.clock.now()
        with self.db.transaction() as s:
            conv = s.get_one(Conversation, conv_pk, with_for_update=True)
            understanding: dict[str, Any] = {"latency_ms": latency}
            if understood:
                understanding |= {k: understood[k] for k in TURN_UNDERSTANDING}
            s.execute(update(Turn).where(Turn.id == turn_id).values(**understanding))
            for message in turn.messages:
                self.store_turn(s, conv, "assistant", message, language=state.language)
            conv.state = state.model_dump()
            conv.language = state.language
            conv.last_intent = state.last_intent or conv.last_intent
            conv.updated_at = now
            facts.replied(conv, latency, conv.state)
            if turn.handoff and not conv.handoff_reason:
                conv.status = "handed_off"
                conv.handoff_reason = turn.handoff
                facts.handed_off(s, conv, now, turn.handoff)
                s.add(
                    Handoff(
                        conversation_id=conv.id,
                        customer_id=conv.customer_id,
                        reason=turn.handoff,
                        summary=_summary(state, turn),
                        priority=handoff_priority(turn.handoff),
                        language=state.language,
                        status="waiting",
                        created_at=now,
                        ticket_id=turn.ticket_id,
                    )
                )
            if "goodbye.reply" in turn.keys and not state.handed_off and conv.ended_at is None:
                conv.status, conv.resolution = "resolved", "assistant"
                facts.finished(s, conv, now, self.review_sample_rate)
            return conv.status


def _summary(state: DialogueState, turn: TurnBuilder) -> str:
    done = ", ".join(state.completed) or "nothing completed"
    acts = ", ".join(state.actions) or "no account changes"
    refused = f"; refused by rule {state.refused['rule']}" if state.refused else ""
    return (
        f"Handoff reason: {turn.handoff}. Language: {state.language}. "
        f"Flows: {done}; actions: {acts}{refused}. Last message: {turn.message[:500]}"
    )
