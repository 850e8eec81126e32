"""Dialogue state, persisted as JSON on the conversation row."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Awaiting(BaseModel):
    """What the assistant asked and is waiting for."""

    kind: str  # "confirm", "slot", "clarify", "anything_else"
    slot: str | None = None
    slot_type: str | None = None
    options: list[dict[str, Any]] = Field(default_factory=list)


class Frame(BaseModel):
    """One running flow: where it is and what it has collected."""

    flow: str
    instance: int
    step: int = 0
    slots: dict[str, Any] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)  # look-up and action results
    confirmed: list[int] = Field(default_factory=list)  # confirm steps already answered


class DialogueState(BaseModel):
    """Everything the engine remembers between turns."""

    language: str = "en"
    stack: list[Frame] = Field(default_factory=list)
    queued: list[dict[str, Any]] = Field(default_factory=list)  # {"flow", "slots"} to do next
    awaiting: Awaiting | None = None
    misunderstandings: int = 0
    refused: dict[str, Any] | None = None  # last policy refusal: rule, flow
    completed: list[str] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)  # account actions executed
    handed_off: bool = False
    handoff_reason: str | None = None
    greeted: bool = False
    next_instance: int = 1
    last_intent: str | None = None
    clarify_text: str | None = None  # the message a clarification question was about
    # Language-model use in this conversation (LLM mode only): tokens and their cost.
    llm_prompt_tokens: int = 0
    llm_completion_tokens: int = 0
    llm_cost: float = 0.0

    @property
    def frame(self) -> Frame | None:
        return self.stack[-1] if self.stack else None
