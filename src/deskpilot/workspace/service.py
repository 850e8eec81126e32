"""The human side: agents, the handoff queue, claiming, replying, acting, handing back.

Agents use the same AccountService and policies as the assistant; every action is
audited under the agent's id. Every change is published to the live hub so the
customer and other agents see it at once.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskpilot.analytics import facts
from deskpilot.api.auth import hash_password, verify_password
from deskpilot.api.live import LiveHub
from deskpilot.db import models as m
from deskpilot.domain.actions import Actor
from deskpilot.engine.assistant import Assistant, locale_for
from deskpilot.engine.state import DialogueState
from deskpilot.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from deskpilot.workspace import copilot

if TYPE_CHECKING:
    from deskpilot.llm.copilot import LlmCopilot

AVERAGE_HANDLING_MINUTES = 6  # used for the expected wait until measured (issue 6)
ONLINE_SECONDS = 120
PRIORITY = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
RESOLUTION_CODES = (
    "resolved",
    "refund_issued",
    "policy_explained",
    "escalated",
    "no_response",
    "duplicate",
)


class Workspace:
    """Operations of the agent workspace and the supervisor view."""

    def __init__(self, assistant: Assistant, hub: LiveHub) -> None:
        self.assistant = assistant
        self.db = assistant.db
        self.service = assistant.service
        self.hub = hub
        # Set when a language model is configured: it drafts the co-pilot's words.
        self.llm_copilot: LlmCopilot | None = None
        assistant.wait_estimate = self.expected_wait_minutes

    # -- agents -----------------------------------------------------------------------------
    def create_agent(
        self, username: str, password: str, role: str = "agent", display_name: str | None = None
    ) -> int:
        if role not in ("agent", "supervisor", "admin"):
            raise InvalidInput(f"Unknown role {role!r}")
        if len(password) < 8:
            raise InvalidInput("A password needs at least 8 characters")
        with self.db.transaction() as s:
            if s.scalar(select(m.Agent.id).where(m.Agent.username == username)):
                raise Conflict(f"Agent {username!r} exists")
            agent = m.Agent(
                username=username,
                display_name=display_name or username,
                role=role,
                password_hash=hash_password(password),
                created_at=self.assistant.clock.now(),
            )
            s.add(agent)
            s.flush()
            return agent.id

    def login(self, username: str, password: str) -> m.Agent:
        with self.db.session() as s:
            agent = s.scalars(select(m.Agent).where(m.Agent.username == username)).one_or_none()
        if agent is None or not verify_password(password, agent.password_hash):
            raise PermissionDenied("Wrong username or password")
        self.touch(agent.id)
        return agent

    def agent(self, agent_id: int) -> m.Agent:
        with self.db.session() as s:
            agent = s.get(m.Agent, agent_id)
        if agent is None:
            raise PermissionDenied("Unknown agent")
        self.touch(agent_id)
        return agent

    def touch(self, agent_id: int) -> None:
        self.hub.mark_online(agent_id)

    def agents_online(self) -> int:
        return self.hub.online_count(ONLINE_SECONDS)

    def expected_wait_minutes(self) -> int | None:
        online = self.agents_online()
        if not online:
            return None
        with self.db.session() as s:
            waiting = (
                s.scalar(select(func.count(m.Handoff.id)).where(m.Handoff.status == "waiting")) or 0
            )
        return max(1, round((waiting + 1) * AVERAGE_HANDLING_MINUTES / online))

    # -- queue ------------------------------------------------------------------------------
    def queue(self) -> list[dict[str, Any]]:
        now = self.assistant.clock.now()
        with self.db.session() as s:
            rows = s.execute(
                select(
                    m.Handoff, m.Conversation.public_id, m.Customer.first_name, m.Customer.last_name
                )
                .join(m.Conversation, m.Handoff.conversation_id == m.Conversation.id)
                .join(m.Customer, m.Handoff.customer_id == m.Customer.id)
                .where(m.Handoff.status.in_(("waiting", "claimed")))
            ).all()
        items = [
            {
                "conversation_id": public_id,
                "customer": f"{first} {last}",
                "reason": h.reason,
                "priority": h.priority,
                "language": h.language,
                "status": h.status,
                "claimed_by": h.claimed_by,
                "waiting_seconds": int((now - h.created_at).total_seconds()),
                "summary": h.summary,
            }
            for h, public_id, first, last in rows
        ]
        items.sort(
            key=lambda i: (
                i["status"] != "waiting",
                PRIORITY.get(i["priority"], 9),
                -i["waiting_seconds"],
            )
        )
        return items

    def _handoff(self, s: Session, public_id: str) -> tuple[m.Conversation, m.Handoff]:
        conv = s.scalars(
            select(m.Conversation).where(m.Conversation.public_id == public_id).with_for_update()
        ).one_or_none()
        if conv is None:
            raise NotFound("No such conversation")
        handoff = s.scalars(
            select(m.Handoff)
            .where(m.Handoff.conversation_id == conv.id)
            .order_by(m.Handoff.id.desc())
        ).first()
        if handoff is None:
            raise NotFound("This conversation was not handed to a person")
        return conv, handoff

    def claim(self, agent_id: int, public_id: str) -> None:
        agent = self.agent(agent_id)
        with self.db.transaction() as s:
            conv, handoff = self._handoff(s, public_id)
            if handoff.status == "claimed" and handoff.claimed_by != agent_id:
                raise Conflict("Another agent has already claimed this conversation")
            if handoff.status == "closed":
                raise Conflict("This conversation is closed")
            handoff.status, handoff.claimed_by = "claimed", agent_id
            handoff.claimed_at = self.assistant.clock.now()
            conv.assigned_agent_id = agent_id
            facts.claimed(s, conv, handoff.claimed_at)
        self.hub.publish(
            f"conversation:{public_id}",
            {"type": "status", "status": "agent_joined", "agent": agent.display_name},
        )
        self.hub.publish("queue", {"type": "queue"})

    def _owned(self, s: Session, agent_id: int, public_id: str) -> tuple[m.Conversation, m.Handoff]:
        conv, handoff = self._handoff(s, public_id)
        if handoff.claimed_by != agent_id or handoff.status != "claimed":
            raise PermissionDenied("Claim the conversation first")
        return conv, handoff

    # -- working a conversation -------------------------------------------------------------
    def view(self, agent_id: int, public_id: str) -> dict[str, Any]:
        """History, the customer's context panel, and the co-pilot's suggestions."""
        self.agent(agent_id)
        with self.db.session() as s:
            conv, handoff = self._handoff(s, public_id)
            customer = s.get_one(m.Customer, conv.customer_id)
            turns = s.scalars(
                select(m.Turn).where(m.Turn.conversation_id == conv.id).order_by(m.Turn.seq)
            ).all()
            history = [{"seq": t.seq, "role": t.role, "text": t.text} for t in turns]
        actor = Actor.agent(str(agent_id), customer.id)
        context = {
            name: self.service.run(name, actor, args).model_dump(mode="json")
            for name, args in (
                ("get_customer_overview", {}),
                ("list_orders", {"limit": 10}),
                ("list_upcoming_installments", {"limit": 10}),
                ("list_refunds", {}),
                ("list_disputes", {}),
                ("get_card_status", {}),
            )
        }
        state = DialogueState.model_validate(conv.state)
        last = next((str(h["text"]) for h in reversed(history) if h["role"] == "customer"), "")
        pilot = copilot.build(
            self.service,
            self.assistant.responses,
            actor,
            state,
            handoff.reason,
            last,
            customer.first_name,
            locale_for(state.language, customer.country),
        )
        pilot = self._drafted(conv.id, public_id, pilot, history, state)
        return {
            "conversation_id": public_id,
            "status": conv.status,
            "language": state.language,
            "handoff": {
                "reason": handoff.reason,
                "priority": handoff.priority,
                "status": handoff.status,
                "claimed_by": handoff.claimed_by,
            },
            "history": history,
            "context": context,
            "copilot": {
                "summary": pilot.summary,
                "replies": pilot.replies,
                "actions": [asdict(a) for a in pilot.actions],
                "drafted_by": pilot.drafted_by,
            },
        }

    def _drafted(
        self,
        conv_pk: int,
        public_id: str,
        pilot: copilot.Copilot,
        history: list[dict[str, Any]],
        state: DialogueState,
    ) -> copilot.Copilot:
        """The co-pilot with the model's summary and replies when a model is configured;
        its tokens count towards the conversation's budget and cost."""
        llm = self.llm_copilot
        if llm is None:
            return pilot
        before = (state.llm_prompt_tokens, state.llm_completion_tokens, state.llm_cost)
        key = (public_id, history[-1]["seq"] if history else 0)
        drafted = llm.draft(history, state, notes=[pilot.summary], key=key)
        spent = (state.llm_prompt_tokens, state.llm_completion_tokens, state.llm_cost)
        if spent != before:
            with self.db.transaction() as s:  # add to what the conversation has by now
                conv = s.get_one(m.Conversation, conv_pk, with_for_update=True)
                now = DialogueState.model_validate(conv.state)
                now.llm_prompt_tokens += spent[0] - before[0]
                now.llm_completion_tokens += spent[1] - before[1]
                now.llm_cost += spent[2] - before[2]
                conv.state = now.model_dump()
        return copilot.with_drafts(pilot, drafted)

    def reply(self, agent_id: int, public_id: str, text: str) -> None:
        if not text.strip() or len(text) > 4000:
            raise InvalidInput("A reply must have 1 to 4000 characters")
        agent = self.agent(agent_id)
        with self.db.transaction() as s:
            conv, _ = self._owned(s, agent_id, public_id)
            self.assistant.store_turn(s, conv, "agent", text)
            facts.agent_replied(s, conv, self.assistant.clock.now())
        self.hub.publish(
            f"conversation:{public_id}",
            {"type": "message", "role": "agent", "text": text, "author": agent.display_name},
        )

    def act(
        self, agent_id: int, public_id: str, action: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        """Run an account action for the conversation's customer, audited under the agent."""
        self.agent(agent_id)
        with self.db.session() as s:
            conv, _ = self._owned(s, agent_id, public_id)
            customer_id = conv.customer_id
        result = self.service.run(action, Actor.agent(str(agent_id), customer_id), args)
        out = result.model_dump(mode="json")
        event = {"type": "action", "action": action, "result": out}
        self.hub.publish(f"conversation:{public_id}", event)
        return out

    def hand_back(self, agent_id: int, public_id: str) -> None:
        with self.db.transaction() as s:
            conv, handoff = self._owned(s, agent_id, public_id)
            handoff.status, handoff.closed_at = "closed", self.assistant.clock.now()
            handoff.resolution_code = "handed_back"
            facts.handoff_closed(s, conv, handoff, handoff.closed_at)
            state = DialogueState.model_validate(conv.state)
            state.handed_off, state.handoff_reason, state.refused = False, None, None
            state.misunderstandings = 0
            conv.state, conv.status, conv.handoff_reason = state.model_dump(), "active", None
            conv.assigned_agent_id = None
            customer = s.get_one(m.Customer, conv.customer_id)
            text = self.assistant.responses.render(
                "handback.assistant",
                state.language,
                locale_for(state.language, customer.country),
                {},
            )
            self.assistant.store_turn(s, conv, "assistant", text)
        self.hub.publish(
            f"conversation:{public_id}", {"type": "message", "role": "assistant", "text": text}
        )
        self.hub.publish("queue", {"type": "queue"})

    def close(self, agent_id: int, public_id: str, resolution_code: str) -> None:
        if resolution_code not in RESOLUTION_CODES:
            raise InvalidInput(f"Resolution code must be one of {', '.join(RESOLUTION_CODES)}")
        with self.db.transaction() as s:
            conv, handoff = self._owned(s, agent_id, public_id)
            now = self.assistant.clock.now()
            handoff.status, handoff.closed_at, handoff.resolution_code = (
                "closed",
                now,
                resolution_code,
            )
            conv.status, conv.resolution, conv.ended_at = "closed", resolution_code, now
            facts.handoff_closed(s, conv, handoff, now)
            facts.finished(s, conv, now, self.assistant.review_sample_rate)
        self.hub.publish(f"conversation:{public_id}", {"type": "status", "status": "closed"})
        self.hub.publish("queue", {"type": "queue"})

    # -- supervisor ---------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        with self.db.session() as s:
            by_status = {
                str(k): int(v)
                for k, v in s.execute(
                    select(m.Conversation.status, func.count()).group_by(m.Conversation.status)
                )
            }
            handoffs = {
                str(k): int(v)
                for k, v in s.execute(
                    select(m.Handoff.status, func.count()).group_by(m.Handoff.status)
                )
            }
        queue = self.queue()
        waits = [q["waiting_seconds"] for q in queue if q["status"] == "waiting"]
        return {
            "open": by_status.get("active", 0) + by_status.get("handed_off", 0),
            "waiting": handoffs.get("waiting", 0),
            "with_agents": handoffs.get("claimed", 0),
            "handled_by_assistant": by_status.get("resolved", 0),
            "handled_by_humans": handoffs.get("closed", 0),
            "agents_online": self.agents_online(),
            "longest_wait_seconds": max(waits, default=0),
            "average_wait_seconds": round(sum(waits) / len(waits)) if waits else 0,
        }
