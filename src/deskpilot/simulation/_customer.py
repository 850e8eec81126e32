"""A simulated customer: opens a conversation, says their scripted request in their own
language, answers the assistant's questions, waits for a person when handed off, then
(sometimes) rates the conversation and ends it.

The ratings are simulated: scores drawn from fixed distributions by how the conversation
went, not anyone's opinion.
"""

from __future__ import annotations

import asyncio
from typing import Any

from deskpilot.nlu.lexicon import SIMULATED, simulated_customer
from deskpilot.simulation._config import THINKING, csat_score
from deskpilot.simulation._plan import Contact, scripts, substitute
from deskpilot.simulation._shared import Shared

MAX_EXCHANGES = 8  # questions answered per request before the customer stops answering
INTENT_SLOT = "__intent__"  # the assistant asks which of several requests was meant
CLOSING = ("anything_else", "offer_flow")  # questions a "no thanks, that's all" answers
CONVERSATIONS = "/api/v1/conversations"


class Customer:
    """Plays one contact against the service."""

    def __init__(self, shared: Shared, contact: Contact) -> None:
        self.shared = shared
        self.contact = contact
        self.rng = contact.rng(shared.config.seed)
        self.token = shared.customer_token(contact.customer.id)
        self.answers: dict[str, Any] = {
            k: list(v) if isinstance(v, list) else v for k, v in contact.scenario.answers.items()
        }
        self.conversation = ""
        self.handed_off = False
        self.misunderstood = False

    async def run(self) -> None:
        report = self.shared.report
        start = await self.shared.api.json("start conversation", "POST", CONVERSATIONS, self.token)
        if not isinstance(start, dict):
            report.outcomes["not_started"] += 1
            return
        self.conversation = str(start["conversation_id"])
        report.conversations += 1
        report.languages[self.contact.language] += 1
        report.repeat_contacts += self.contact.repeat_of is not None
        how = await self._talk()
        await self._finish(how)

    # -- talking ------------------------------------------------------------------------------
    async def _send(self, text: str) -> dict[str, Any] | None:
        await asyncio.sleep(self.shared.config.draw(self.rng, THINKING))
        reply = await self.shared.api.json(
            "send message",
            "POST",
            f"{CONVERSATIONS}/{self.conversation}/messages",
            self.token,
            json={"text": text},
        )
        if not isinstance(reply, dict):
            return None
        self.shared.report.customer_turns += 1
        if reply.get("handoff") or reply.get("status") == "handed_off":
            if reply.get("handoff") == "misunderstanding":
                self.misunderstood = True
            if not self.handed_off:
                self.handed_off = True
                self.shared.report.handoffs += 1
                self.shared.cases.handed.add(self.conversation)
        return reply

    def _say(self, key: str) -> str:
        return simulated_customer(self.contact.language, key)

    async def _talk(self) -> str:
        """Play the script; 'assistant', 'human', 'failed' or 'abandoned'."""
        scenario = self.contact.scenario
        reply: dict[str, Any] | None = None
        for i in range(len(scenario.turns)):
            line = substitute(scenario.phrasing(i, self.contact.variant), self.contact.facts)
            reply = await self._send(line)
            if reply is None:
                return "failed"
            if not scenario.interrupts(i + 1):
                reply = await self._answer(reply)
                if reply is None:
                    return "failed"
            if self.handed_off:
                break
        if self.contact.wants_person and not self.handed_off:
            asked = scripts().ask_for_person(self.contact.language, self.rng)
            reply = await self._send(asked)
            reply = await self._answer(reply) if reply is not None else None
        if self.handed_off:
            return await self._wait_for_person()
        if reply is None or reply.get("awaiting") not in CLOSING:
            return "failed"  # the assistant never got to "anything else?": not done
        await self._send(self._say("no_thanks"))
        return "failed" if self.misunderstood else "assistant"

    async def _answer(self, reply: dict[str, Any]) -> dict[str, Any] | None:
        """Answer the assistant's questions from what the customer knows."""
        for _ in range(MAX_EXCHANGES):
            kind = reply.get("awaiting")
            if self.handed_off or kind is None or kind == "anything_else":
                return reply
            said = await self._answer_for(str(kind))
            if said == "dont_know":
                self.misunderstood = True
            text = self._say(said) if said in SIMULATED else substitute(said, self.contact.facts)
            next_reply = await self._send(text)
            if next_reply is None:
                return None
            reply = next_reply
        return reply

    async def _answer_for(self, kind: str) -> str:
        if kind == "offer_human" and self.contact.wants_person:
            return "yes"
        if kind in ("confirm", "offer_human", "offer_flow"):
            key, fallback = kind, "yes" if kind == "confirm" else "no"
        else:
            key, fallback = self._slot_answer(await self.shared.awaiting(self.conversation) or {})
        said = self.answers.get(key, fallback)
        if isinstance(said, list):
            said = said.pop(0) if len(said) > 1 else (said[0] if said else fallback)
        if isinstance(said, bool):
            return "yes" if said else "no"
        return str(said)

    def _slot_answer(self, asked: dict[str, Any]) -> tuple[str, str]:
        """Which scripted answer fits the question, and what to say without one: the
        option that was meant, any offered option (a customer picks one), or "not sure"."""
        slot = str(asked.get("slot") or "")
        options = [o for o in asked.get("options") or [] if isinstance(o, dict)]
        if slot == INTENT_SLOT:  # "did you mean...": the customer knows what they meant
            meant = [
                n
                for n, o in enumerate(options, 1)
                if o.get("value") == self.contact.scenario.inquiry
            ]
            return "clarify", str(meant[0]) if meant else "dont_know"
        key = slot if slot in self.answers else str(asked.get("slot_type") or "")
        if not options:
            return key, "dont_know"
        n = self.rng.randrange(len(options))
        keys = options[n].get("keys") or []
        return key, str(keys[0]) if keys and self.rng.random() < 0.5 else str(n + 1)

    # -- waiting for a person, rating, ending ---------------------------------------------
    async def _wait_for_person(self) -> str:
        cases = self.shared.cases
        outcome = await cases.wait(self.conversation, self.shared.config.patience_seconds)
        if outcome is None:
            self.shared.report.abandoned += 1
            return "abandoned"
        if outcome == "handed_back":  # back with the assistant: nothing more to ask
            await self._send(self._say("no_thanks"))
        return "failed" if self.misunderstood else "human"

    async def _finish(self, how: str) -> None:
        shared, rng = self.shared, self.rng
        shared.report.outcomes[how] += 1
        chance = shared.config.rating_probability * (0.5 if how == "abandoned" else 1.0)
        if rng.random() < chance:
            score = csat_score(rng, how)
            rated = await shared.api.call(
                "rate conversation",
                "POST",
                f"{CONVERSATIONS}/{self.conversation}/rating",
                self.token,
                json={"score": score},
            )
            if rated is not None:
                shared.report.ratings[score] += 1
        ended = await shared.api.call(
            "end conversation", "POST", f"{CONVERSATIONS}/{self.conversation}/end", self.token
        )
        if ended is not None:
            shared.report.ended += 1
