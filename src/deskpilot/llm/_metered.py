"""One model call made for a conversation: the conversation's budget is checked first,
personal data is masked before anything leaves, and the tokens spent are recorded after.
Any failure is ``None``: callers fall back to what DeskPilot does without a model."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError

from deskpilot.engine.state import DialogueState
from deskpilot.errors import DeskPilotError
from deskpilot.llm.client import ChatModel
from deskpilot.llm.privacy import PLACEHOLDER, Masked, Masker
from deskpilot.llm.usage import record, within_budget

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Meter:
    """The per-conversation token budget and the prices that turn tokens into cost."""

    budget_tokens: int = 20000
    price_per_1k_prompt: float = 0.0
    price_per_1k_completion: float = 0.0


class Metered:
    """A model, the masker for what is sent to it, and the conversation's budget and
    prices: what every model-backed component (answers, wording, co-pilot) holds."""

    def __init__(
        self,
        model: ChatModel,
        masker: Masker,
        *,
        budget_tokens: int = 20000,
        price_per_1k_prompt: float = 0.0,
        price_per_1k_completion: float = 0.0,
    ) -> None:
        self.model = model
        self.masker = masker
        self.meter = Meter(budget_tokens, price_per_1k_prompt, price_per_1k_completion)


def call_json(
    model: ChatModel,
    masker: Masker,
    meter: Meter,
    state: DialogueState,
    messages: list[dict[str, str]],
    schema: dict[str, Any],
    *,
    max_tokens: int = 512,
) -> tuple[dict[str, Any], Masked] | None:
    """The model's JSON object (still masked) and the mapping that restores its text;
    None when over budget, when the model fails, or when it answers something else."""
    if not within_budget(state, meter.budget_tokens):
        return None
    masked, mapping = masker.mask_messages(messages)
    try:
        completion = model.complete(masked, schema=schema, max_tokens=max_tokens)
    except DeskPilotError as exc:  # LLMUnavailable: slow, down, or the breaker is open
        log.warning("language model unavailable for %s: %s", schema.get("title"), exc)
        return None
    record(state, completion, meter.price_per_1k_prompt, meter.price_per_1k_completion)
    try:
        data = json.loads(completion.text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return data, Masked(completion.text, mapping)


def restored(text: object, masked: Masked) -> str | None:
    """A masked string from the model with the real values back; None when it is not a
    string or still carries a placeholder the mapping does not know (an invented one)."""
    if not isinstance(text, str):
        return None
    out = masked.restore(text).strip()
    return None if PLACEHOLDER.search(out) else out


def language_name(language: str) -> str:
    """'de' -> 'German', for prompts."""
    try:
        return Locale.parse(language).english_name or language
    except (UnknownLocaleError, ValueError):
        return language
