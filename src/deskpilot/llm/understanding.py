"""LLM understanding: any OpenAI-compatible model reads the message, the engine decides.

The embedded understanding always runs first: it gives the language, the entities and
the fallback, and its safety signals stay deterministic (a request for a person,
hardship, anger, and the yes or no to a confirmation question are never left to a
model). Otherwise the model is asked for commands in the engine's command language,
with personal data masked; an answer that does not validate gets one retry, and then,
like any model failure, the embedded reading is used. The model only ever returns
commands: flows and policies run account actions exactly as in embedded mode, and a
model's "confirm" counts only where the customer's own words say yes.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deskpilot.engine.commands import (
    Command,
    Confirm,
    Deny,
    HumanHandoff,
    KnowledgeQuestion,
    StartFlow,
)
from deskpilot.engine.flows import FlowSpec, load_flows
from deskpilot.engine.state import DialogueState
from deskpilot.engine.understanding import MessageContext, Understanding, Understood
from deskpilot.errors import LLMUnavailable
from deskpilot.llm._parse import CommandReader, InvalidOutput, MessageFacts
from deskpilot.llm._prompt import command_schema, retry_prompt, system_prompt, user_prompt
from deskpilot.llm.client import ChatModel, Completion
from deskpilot.llm.privacy import Masker
from deskpilot.llm.usage import record, within_budget
from deskpilot.nlu import lexicon as lx
from deskpilot.nlu.embedded import OUT_OF_SCOPE, TOPICS, prefill
from deskpilot.nlu.entities import extract

if TYPE_CHECKING:
    from deskpilot.config import Settings

log = logging.getLogger(__name__)
FALLBACK_REASONS = ("unavailable", "invalid", "overruled", "over_budget")


@dataclass(frozen=True, slots=True)
class LLMOptions:
    """How the understanding uses the model: the per-conversation token budget, prices
    per 1,000 tokens (in the settings' currency) and the answer's length limit."""

    budget_tokens: int = 20000
    price_per_1k_prompt: float = 0.0
    price_per_1k_completion: float = 0.0
    max_tokens: int = 256

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMOptions:
        return cls(
            budget_tokens=settings.llm_conversation_budget_tokens,
            price_per_1k_prompt=settings.llm_price_per_1k_prompt,
            price_per_1k_completion=settings.llm_price_per_1k_completion,
        )


class LLMStats:
    """What the understanding did across all conversations (for evaluation and operators):
    model calls, turns that used the model's reading, retries, fallbacks by reason,
    turns decided deterministically, tokens and cost."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self.cost = 0.0

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def spent(self, completion: Completion, cost: float) -> None:
        with self._lock:
            self._counts["calls"] += 1
            self._counts["prompt_tokens"] += completion.prompt_tokens
            self._counts["completion_tokens"] += completion.completion_tokens
            self.cost += cost

    def __getitem__(self, name: str) -> int:
        return self._counts[name]

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            c = self._counts
            return {
                "calls": c["calls"],
                "used": c["used"],
                "retries": c["retries"],
                "fallbacks": sum(c[f"fallback_{r}"] for r in FALLBACK_REASONS),
                "fallback_reasons": {r: c[f"fallback_{r}"] for r in FALLBACK_REASONS},
                "deterministic": c["deterministic"],
                "prompt_tokens": c["prompt_tokens"],
                "completion_tokens": c["completion_tokens"],
                "cost": round(self.cost, 6),
            }


class LLMUnderstanding:
    """``Understanding`` backed by a chat model, with ``fallback`` (the embedded
    understanding) first for what must stay deterministic and after any failure."""

    def __init__(
        self,
        model: ChatModel,
        fallback: Understanding,
        masker: Masker | None = None,
        options: LLMOptions | None = None,
        flows: dict[str, FlowSpec] | None = None,
    ) -> None:
        self.model = model
        self.fallback = fallback
        self.options = options or LLMOptions()
        self.flows = flows or load_flows()
        self.stats = LLMStats()
        self._masker = masker
        self._maskers: dict[str, Masker] = {}
        self._system = system_prompt(self.flows)

    def understand(self, text: str, ctx: MessageContext) -> Understood:
        embedded = self.fallback.understand(text, ctx)
        if _stays_deterministic(embedded, ctx.state):
            self.stats.add("deterministic")
            return embedded
        if not within_budget(ctx.state, self.options.budget_tokens):
            return self._fall_back(embedded, "over_budget")
        try:
            commands = self._ask(text, ctx, embedded)
        except LLMUnavailable as exc:
            log.warning("LLM understanding unavailable, using the embedded one: %s", exc)
            return self._fall_back(embedded, "unavailable")
        if commands is None:
            return self._fall_back(embedded, "invalid")
        if _says_yes_for_the_customer(commands, ctx.state):
            return self._fall_back(embedded, "overruled")
        self.stats.add("used")
        start = next((c for c in commands if isinstance(c, StartFlow)), None)
        return Understood(
            embedded.language,
            embedded.language_switched,
            start.flow if start is not None else embedded.intent,
            1.0,
            embedded.alternatives,
            embedded.entities,
            commands,
        )

    def close(self) -> None:
        """Release the model client's connections (when it holds any)."""
        close = getattr(self.model, "close", None)
        if callable(close):
            close()

    def _fall_back(self, embedded: Understood, reason: str) -> Understood:
        self.stats.add(f"fallback_{reason}")
        return embedded

    def _ask(self, text: str, ctx: MessageContext, embedded: Understood) -> list[Command] | None:
        """The model's commands, after at most one retry; None when both answers were
        invalid (or the budget ran out before the retry)."""
        masked = self.masker(ctx).mask(user_prompt(ctx.state, text, embedded.language))
        messages = [
            {"role": "system", "content": self._system},
            {"role": "user", "content": masked.text},
        ]
        schema = command_schema(self.flows, ctx.state)
        reader = CommandReader(self.flows, _facts(text, ctx, embedded), masked.mapping)
        for attempt in range(2):
            if attempt and not within_budget(ctx.state, self.options.budget_tokens):
                return None
            completion = self.model.complete(
                messages, schema=schema, max_tokens=self.options.max_tokens, temperature=0.0
            )
            self._record(ctx.state, completion)
            try:
                return reader.read(completion.text)
            except InvalidOutput as exc:
                log.info("LLM understanding answered invalid commands: %s", exc)
                if attempt == 0:
                    self.stats.add("retries")
                messages = [
                    *messages,
                    {"role": "assistant", "content": completion.text},
                    {"role": "user", "content": retry_prompt(exc.problems)},
                ]
        return None

    def masker(self, ctx: MessageContext) -> Masker:
        """The masker given, or one that reads phone numbers in the customer's region."""
        if self._masker is not None:
            return self._masker
        return self._maskers.setdefault(ctx.region, Masker(region=ctx.region))

    def _record(self, state: DialogueState, completion: Completion) -> None:
        o = self.options
        before = state.llm_cost
        record(state, completion, o.price_per_1k_prompt, o.price_per_1k_completion)
        self.stats.spent(completion, state.llm_cost - before)


def _stays_deterministic(embedded: Understood, state: DialogueState) -> bool:
    """Safety signals the model never overrides: handoffs (a person asked for, hardship,
    anger, insisting after a refusal) and the yes or no to a confirmation question."""
    if any(isinstance(c, HumanHandoff) for c in embedded.commands):
        return True
    awaiting = state.awaiting
    return (
        awaiting is not None
        and awaiting.kind == "confirm"
        and bool(embedded.commands)
        and isinstance(embedded.commands[0], Confirm | Deny)
    )


def _says_yes_for_the_customer(commands: list[Command], state: DialogueState) -> bool:
    """A model's "confirm" to a confirmation question the customer's words did not answer
    yes (the embedded reading would have decided it): never taken."""
    awaiting = state.awaiting
    return (
        awaiting is not None
        and awaiting.kind == "confirm"
        and any(isinstance(c, Confirm) for c in commands)
    )


def _facts(text: str, ctx: MessageContext, embedded: Understood) -> MessageFacts:
    """What the command reader needs: the message's own slot values, read deterministically."""
    clean = lx.normalize(text)
    langs = tuple(dict.fromkeys((ctx.state.language, embedded.language, "en")))
    entities = extract(
        clean, today=ctx.today, locale=ctx.locale, region=ctx.region, currency=ctx.currency
    )
    asked_topics = [c.topics for c in embedded.commands if isinstance(c, KnowledgeQuestion)]
    ranked = [] if embedded.intent == OUT_OF_SCOPE else [embedded.intent]
    ranked += [a for a, _ in embedded.alternatives] if ranked else []
    topics = asked_topics[0] if asked_topics else [i for i in dict.fromkeys(ranked) if i in TOPICS]
    return MessageFacts(
        text=text,
        state=ctx.state,
        today=ctx.today,
        locale=ctx.locale,
        region=ctx.region,
        currency=ctx.currency,
        langs=langs,
        topics=topics,
        prefilled={c.flow: dict(c.slots) for c in embedded.commands if isinstance(c, StartFlow)},
        message_slots=prefill(clean, entities, langs),
    )
