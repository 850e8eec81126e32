"""Reading the model's answer into engine commands, or saying what was wrong with it.

The answer is checked with pydantic, then every item against the flows and the state:
unknown flows, details a flow does not have, and values that do not read as that detail
(an order reference, one of an enum's values, one of the question's options) are invalid.
Values are read with the embedded understanding's own deterministic readers, so a slot
gets exactly what it would get from the embedded understanding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from deskpilot.engine.commands import (
    CancelFlow,
    CannotHandle,
    ChitChat,
    Command,
    Confirm,
    CorrectSlot,
    Deny,
    HumanHandoff,
    KnowledgeQuestion,
    SetSlot,
    StartFlow,
)
from deskpilot.engine.flows import FlowSpec, SlotSpec
from deskpilot.engine.state import Awaiting, DialogueState
from deskpilot.llm._prompt import HANDOFF_REASONS, ID_SLOT_TYPES, MAX_COMMANDS, start_slots
from deskpilot.nlu.entities import extract
from deskpilot.nlu.lexicon import ENUMS
from deskpilot.nlu.slot_answers import resolve_answer

Kind = Literal[
    "start_flow",
    "set_slot",
    "correct_slot",
    "confirm",
    "deny",
    "cancel",
    "handoff",
    "knowledge",
    "chitchat",
    "cannot_handle",
]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")
_LAST4 = re.compile(r"\d{4}")


class InvalidOutput(Exception):
    """The model's answer cannot be used; ``problems`` say why (for the one retry)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: Kind
    flow: str | None = None
    slot: str | None = None
    value: str | int | float | None = None
    reason: str | None = None
    act: str | None = None


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    commands: list[_Item] = Field(min_length=1, max_length=MAX_COMMANDS)


def _named(text: str | None) -> str:
    """A model-written name, quoted only when it is a plain identifier (so nothing the
    customer wrote can travel back to the model through an error message)."""
    return f"'{text}'" if text and _IDENTIFIER.fullmatch(text) else "a name that does not exist"


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What reading an answer needs to know about the message and the conversation."""

    text: str  # the customer's message, unmasked
    state: DialogueState
    today: date
    locale: str
    region: str
    currency: str
    langs: tuple[str, ...]
    topics: list[str]  # what a knowledge question is about (from the embedded reading)
    prefilled: dict[str, dict[str, Any]]  # flow -> slots the embedded reading found for it
    message_slots: dict[str, Any]  # every slot value the whole message names


class CommandReader:
    """Turns one answer of the model into commands for one message."""

    def __init__(self, flows: dict[str, FlowSpec], facts: MessageFacts, mapping: dict[str, str]):
        self.flows = flows
        self.facts = facts
        self.mapping = mapping

    def read(self, raw: str) -> list[Command]:
        """The commands in ``raw``, or ``InvalidOutput`` with every problem found."""
        try:
            answer = _Answer.model_validate_json(_FENCE.sub("", raw))
        except ValidationError as exc:
            raise InvalidOutput([_pydantic_problem(exc)]) from None
        commands: list[Command] = []
        problems: list[str] = []
        starts = sum(item.kind == "start_flow" for item in answer.commands)
        for n, item in enumerate(answer.commands, start=1):
            try:
                commands.append(self._command(item, only_start=starts == 1))
            except InvalidOutput as exc:
                problems += [f"command {n}: {p}" for p in exc.problems]
        if problems:
            raise InvalidOutput(problems)
        return commands

    def _command(self, item: _Item, *, only_start: bool) -> Command:
        state = self.facts.state
        if item.kind == "start_flow":
            return self._start(item, only_start)
        if item.kind in ("set_slot", "correct_slot"):
            return self._slot(item)
        if item.kind in ("confirm", "deny"):
            if state.awaiting is None:
                raise InvalidOutput([f"{item.kind}: the assistant asked nothing to answer"])
            return Confirm() if item.kind == "confirm" else Deny()
        if item.kind == "cancel":
            if state.frame is None:
                raise InvalidOutput(["cancel: no flow is running"])
            return CancelFlow()
        if item.kind == "handoff":
            if item.reason not in HANDOFF_REASONS:
                raise InvalidOutput([f"handoff: reason {_named(item.reason)} is unknown"])
            return HumanHandoff.model_validate({"reason": item.reason})
        if item.kind == "knowledge":
            return KnowledgeQuestion(query=self.facts.text, topics=list(self.facts.topics))
        if item.kind == "chitchat":
            try:
                return ChitChat.model_validate({"act": item.act})
            except ValidationError:
                raise InvalidOutput([f"chitchat: act {_named(item.act)} is unknown"]) from None
        waiting = state.awaiting is not None and state.awaiting.kind in ("confirm", "slot")
        return CannotHandle(reason="unclear_answer" if waiting else "out_of_scope")

    def _start(self, item: _Item, only_start: bool) -> StartFlow:
        flow = self.flows.get(item.flow or "")
        if flow is None:
            raise InvalidOutput([f"start_flow: flow {_named(item.flow)} is not one of the flows"])
        slots: dict[str, Any] = {}
        if item.slot is not None:
            allowed = start_slots(flow)
            if item.slot not in allowed:
                names = ", ".join(allowed) or "none"
                raise InvalidOutput(
                    [f"start_flow {flow.id}: it has no detail {_named(item.slot)} ({names})"]
                )
            slots[item.slot] = self._value(item, allowed[item.slot], None)
        # What the message itself names wins over the model's reading of it.
        found = self.facts.prefilled.get(flow.id)
        if found is None and only_start:
            usable = {*flow.slots, *start_slots(flow)}
            if any(spec.type == "days" for spec in flow.slots.values()):
                usable.add("date")  # a date names the days (engine/_slots.from_hint)
            found = {k: v for k, v in self.facts.message_slots.items() if k in usable}
        return StartFlow(flow=flow.id, slots={**slots, **(found or {})})

    def _slot(self, item: _Item) -> SetSlot | CorrectSlot:
        state = self.facts.state
        frame = state.frame
        if frame is None or frame.flow not in self.flows:
            raise InvalidOutput([f"{item.kind}: no flow is running"])
        flow = self.flows[frame.flow]
        if item.slot not in flow.slots:
            names = ", ".join(flow.slots) or "none"
            raise InvalidOutput(
                [f"{item.kind}: flow {flow.id} has no detail {_named(item.slot)} ({names})"]
            )
        asked = state.awaiting
        awaiting = asked if asked and asked.kind == "slot" and asked.slot == item.slot else None
        value = self._value(item, flow.slots[item.slot], awaiting)
        if item.kind == "set_slot":
            return SetSlot(slot=item.slot, value=value)
        return CorrectSlot(slot=item.slot, value=value)

    def _value(self, item: _Item, spec: SlotSpec | None, awaiting: Awaiting | None) -> Any:
        """The slot value the model's text stands for, read like a customer's answer."""
        raw = "" if item.value is None else str(item.value).strip()
        what = f"{item.kind} {item.slot}"
        if not raw:
            raise InvalidOutput([f"{what}: value is missing"])
        text = _restore(raw, self.mapping)
        if spec is None:  # the card hint: four digits
            if _LAST4.fullmatch(text):
                return text
            raise InvalidOutput([f"{what}: value must be the card's last 4 digits"])
        if awaiting is None:
            awaiting = _question_for(item.slot or "", spec)
        if awaiting is None:
            raise InvalidOutput([f"{what}: choose it by answering the assistant's question"])
        for option in awaiting.options:
            if str(option["value"]) == text:
                return option["value"]
        f = self.facts
        entities = extract(
            text, today=f.today, locale=f.locale, region=f.region, currency=f.currency
        )
        value = resolve_answer(text, awaiting, entities, f.langs)
        if value is None:
            raise InvalidOutput([f"{what}: the value does not read as {_expected(spec)}"])
        return value


def _question_for(slot: str, spec: SlotSpec) -> Awaiting | None:
    """The question the assistant would ask for a slot (None for the customer's items)."""
    if spec.type in ID_SLOT_TYPES:
        return None
    options = []
    if spec.type == "enum" and spec.enum:
        options = [{"value": v, "keys": [v, v.replace("_", " ")]} for v in ENUMS[spec.enum]]
    return Awaiting(kind="slot", slot=slot, slot_type=spec.type, options=options)


def _expected(spec: SlotSpec) -> str:
    if spec.type == "enum" and spec.enum:
        return "one of " + ", ".join(ENUMS[spec.enum])
    return {
        "order": "an order reference like DP-123456",
        "days": "a number of days",
        "email": "an email address",
        "phone": "a phone number",
        "address": "street, postcode, city",
    }.get(spec.type, "one of the options the assistant offered")


def _restore(text: str, mapping: dict[str, str]) -> str:
    from deskpilot.llm.privacy import Masker

    return Masker.restore(text, mapping)


def _pydantic_problem(exc: ValidationError) -> str:
    """A short description of why the answer is not the JSON asked for."""
    first = exc.errors()[0]
    if first["type"] == "json_invalid":
        return 'the answer is not valid JSON; write only {"commands": [...]}'
    where = re.sub(r"[^A-Za-z0-9_.]", "", ".".join(str(p) for p in first["loc"]))[:60]
    return f"{where or 'answer'}: {first['msg'][:120]}"
