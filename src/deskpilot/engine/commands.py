"""The command language: what understanding tells the dialogue engine to do.

Understanding (embedded or LLM) only ever produces these; the engine decides what
they mean in the current conversation, and only flows run account actions.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Cmd(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StartFlow(_Cmd):
    kind: Literal["start_flow"] = "start_flow"
    flow: str
    slots: dict[str, Any] = Field(default_factory=dict)


class SetSlot(_Cmd):
    kind: Literal["set_slot"] = "set_slot"
    slot: str
    value: Any


class CorrectSlot(_Cmd):
    kind: Literal["correct_slot"] = "correct_slot"
    slot: str
    value: Any


class Confirm(_Cmd):
    kind: Literal["confirm"] = "confirm"


class Deny(_Cmd):
    kind: Literal["deny"] = "deny"


class CancelFlow(_Cmd):
    kind: Literal["cancel"] = "cancel"


class HumanHandoff(_Cmd):
    kind: Literal["handoff"] = "handoff"
    reason: Literal[
        "customer_request",
        "complaint",
        "vulnerability",
        "misunderstanding",
        "policy_insist",
        "unsupported",
    ]


class KnowledgeQuestion(_Cmd):
    kind: Literal["knowledge"] = "knowledge"
    query: str
    fallback: str | None = None  # a flow to start when the help centre has no answer
    # What the question is about, as intents, best first: finds the article when the
    # help centre has none in the customer's language.
    topics: list[str] = Field(default_factory=list)


class ChitChat(_Cmd):
    kind: Literal["chitchat"] = "chitchat"
    act: Literal["greeting", "thanks", "goodbye"]


class Clarify(_Cmd):
    kind: Literal["clarify"] = "clarify"
    options: list[str]


class CannotHandle(_Cmd):
    kind: Literal["cannot_handle"] = "cannot_handle"
    reason: str = "out_of_scope"


Command = Annotated[
    StartFlow
    | SetSlot
    | CorrectSlot
    | Confirm
    | Deny
    | CancelFlow
    | HumanHandoff
    | KnowledgeQuestion
    | ChitChat
    | Clarify
    | CannotHandle,
    Field(discriminator="kind"),
]
