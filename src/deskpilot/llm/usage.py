"""What a conversation spent on the language model, and whether it may spend more.

The running totals live in the dialogue state (persisted with the conversation), so a
per-conversation budget holds across workers and restarts; analytics copies them into
the conversation's facts when it ends.
"""

from __future__ import annotations

from typing import Protocol

from deskpilot.engine.state import DialogueState


class _Usage(Protocol):
    @property
    def prompt_tokens(self) -> int: ...

    @property
    def completion_tokens(self) -> int: ...


def record(
    state: DialogueState,
    usage: _Usage,
    price_per_1k_prompt: float,
    price_per_1k_completion: float,
) -> None:
    """Add one completion's tokens, and their price, to the conversation's totals."""
    state.llm_prompt_tokens += usage.prompt_tokens
    state.llm_completion_tokens += usage.completion_tokens
    prompt = usage.prompt_tokens * price_per_1k_prompt
    completion = usage.completion_tokens * price_per_1k_completion
    state.llm_cost += (prompt + completion) / 1000


def within_budget(state: DialogueState, budget_tokens: int) -> bool:
    """May this conversation call the model again? (Over budget: embedded only.)"""
    return state.llm_prompt_tokens + state.llm_completion_tokens < budget_tokens
