"""A simulated agent: watches the queue, claims a case, reads the co-pilot, replies with
its first suggestion, sometimes approves a suggested action, takes a realistic handling
time, then closes the case with a resolution code (or now and then hands it back).
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from deskpilot.simulation._config import HANDLING
from deskpilot.simulation._shared import Shared

AGENT = "/api/v1/agent"
SHORT_REPLY = "Hi, I'm looking into this for you now."
# How cases end when no account change was made (weights; see workspace RESOLUTION_CODES).
CLOSE_CODES = {"resolved": 0.55, "policy_explained": 0.3, "escalated": 0.1, "duplicate": 0.05}
NO_ANSWER = 0.25  # share of the usual handling time spent on a case whose customer left
MONEY_BACK = {"waive_late_fee": "refund_issued"}  # approved actions that give money back


class Agent:
    """One simulated agent session (several may share one login)."""

    def __init__(self, shared: Shared, number: int, login: tuple[str, str]) -> None:
        self.shared = shared
        self.number = number
        self.username, self.password = login
        self.rng = random.Random(f"deskpilot-simulate:{shared.config.seed}:agent:{number}")
        self.token = ""
        self.role = ""

    async def login(self) -> bool:
        out = await self.shared.api.json(
            "agent login",
            "POST",
            f"{AGENT}/login",
            json={"username": self.username, "password": self.password},
        )
        if not isinstance(out, dict):
            return False
        self.token, self.role = str(out["token"]), str(out.get("role", "agent"))
        return True

    async def run(self) -> None:
        """Work the queue until every simulated customer is done and no case they
        handed off is still waiting."""
        shared = self.shared
        while True:
            try:
                finishing = shared.customers_done.is_set()
                case = await self._next_case(only_this_run=finishing)
                if case is None and finishing:
                    return
                if case is None:
                    await asyncio.sleep(shared.config.poll_seconds)
                    continue
                await self._work(case)
            except Exception as exc:  # noqa: BLE001 - one failed case never stops the agent
                shared.report.error(f"agent: {type(exc).__name__}")
                await asyncio.sleep(shared.config.poll_seconds)

    async def _next_case(self, only_this_run: bool) -> str | None:
        """The first waiting case no simulated agent has taken (most urgent first)."""
        cases = self.shared.cases
        queue = await self.shared.api.json("agent queue", "GET", f"{AGENT}/queue", self.token)
        for item in queue if isinstance(queue, list) else []:
            conversation = str(item.get("conversation_id"))
            if item.get("status") != "waiting" or conversation in cases.taken:
                continue
            if only_this_run and conversation not in cases.handed:
                continue
            cases.taken.add(conversation)
            return conversation
        return None

    async def _work(self, conversation: str) -> None:
        claimed = False
        try:
            claimed = await self._claim(conversation)
            if claimed:
                await self._handle(conversation)
        finally:  # whatever happened, the waiting customer hears the case is over
            if claimed:
                self.shared.cases.finish(conversation, "closed")

    async def _claim(self, conversation: str) -> bool:
        path = f"{AGENT}/conversations/{conversation}/claim"
        res = await self.shared.api.call("claim", "POST", path, self.token, tolerate=(409,))
        if res is None or res.status_code == 409:  # someone else was quicker
            return False
        self.shared.report.claimed += 1
        return True

    async def _handle(self, conversation: str) -> None:
        shared, base = self.shared, f"{AGENT}/conversations/{conversation}"
        view = await shared.api.json("view case", "GET", base, self.token)
        pilot: dict[str, Any] = view.get("copilot", {}) if isinstance(view, dict) else {}
        replies = [str(r) for r in pilot.get("replies") or []]
        await self._reply(base, replies[0] if replies else SHORT_REPLY)
        shared.cases.join(conversation)
        action = await self._maybe_act(base, pilot.get("actions") or [])
        gone = conversation in shared.cases.gone
        # No answer from a customer who left: the agent closes the case sooner.
        await asyncio.sleep(shared.config.draw(self.rng, HANDLING) * (NO_ANSWER if gone else 1))
        gone = conversation in shared.cases.gone
        if not gone and self.rng.random() < shared.config.handback_share:
            back = await shared.api.call("hand back", "POST", f"{base}/handback", self.token)
            if back is not None:
                shared.report.handed_back += 1
                shared.cases.finish(conversation, "handed_back")
                return
        if len(replies) > 1 and not gone and self.rng.random() < 0.5:
            await self._reply(base, replies[-1])  # "anything else I can do?"
        code = "no_response" if gone else MONEY_BACK.get(action or "", "")
        code = code or ("resolved" if action else self._close_code())
        body = {"resolution_code": code}
        closed = await shared.api.call("close case", "POST", f"{base}/close", self.token, json=body)
        if closed is not None:
            shared.report.closed_by_agents += 1

    async def _reply(self, base: str, text: str) -> None:
        sent = await self.shared.api.call(
            "agent reply", "POST", f"{base}/messages", self.token, json={"text": text}
        )
        if sent is not None:
            self.shared.report.agent_messages += 1

    async def _maybe_act(self, base: str, suggestions: list[Any]) -> str | None:
        """Approve the first suggested action now and then; its name when it ran."""
        if not suggestions or self.rng.random() >= self.shared.config.action_share:
            return None
        first = suggestions[0]
        action = str(first.get("action"))
        body = {"action": action, "args": dict(first.get("args") or {})}
        done = await self.shared.api.call(
            "approve action", "POST", f"{base}/actions", self.token, json=body, tolerate=(409, 422)
        )
        if done is None or not done.is_success:
            return None
        self.shared.report.actions_approved += 1
        return action

    def _close_code(self) -> str:
        codes = list(CLOSE_CODES)
        return self.rng.choices(codes, weights=[CLOSE_CODES[c] for c in codes])[0]
