"""Flow definitions: loaded from YAML, validated against actions and slot types."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from deskpilot.domain.actions import REGISTRY

SlotType = Literal[
    "order", "installment", "card", "payment_method", "enum", "days", "email", "phone", "address"
]


class SlotSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    type: SlotType
    ask: str | None = None
    enum: str | None = None
    where: dict[str, list[Any]] = Field(default_factory=dict)
    default: Any = None
    optional: bool = False
    relative_to: str | None = None
    # Offer only candidates this action would accept (checked with a rolled-back preflight).
    eligible: str | None = None
    eligible_args: dict[str, Any] = Field(default_factory=dict)


class Pick(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    source: str = Field(alias="from")
    where: dict[str, Any] = Field(default_factory=dict)
    as_: str = Field(alias="as")


class Step(BaseModel):
    """One step; exactly one of the kind fields is set."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    collect: str | None = None
    call: str | None = None
    say: str | None = None
    confirm: str | None = None
    act: str | None = None
    start: str | None = None
    handoff: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    as_: str | None = Field(default=None, alias="as")
    pick: Pick | None = None
    when: str | None = None
    on_deny: dict[str, Any] | None = None
    slots: dict[str, Any] = Field(default_factory=dict)

    @property
    def kind(self) -> str:
        for name in ("collect", "call", "say", "confirm", "act", "start", "handoff"):
            if getattr(self, name) is not None:
                return name
        raise ValueError("step has no kind")

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        kinds = [
            n
            for n in ("collect", "call", "say", "confirm", "act", "start", "handoff")
            if getattr(self, n) is not None
        ]
        if len(kinds) != 1:
            raise ValueError(f"a step needs exactly one kind, got {kinds}")
        return self


class FlowSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    description: str
    slots: dict[str, SlotSpec] = Field(default_factory=dict)
    steps: list[Step]

    @model_validator(mode="after")
    def _consistent(self) -> FlowSpec:
        for step in self.steps:
            if step.collect and step.collect not in self.slots:
                raise ValueError(f"{self.id}: collects unknown slot {step.collect}")
            for action in (step.call, step.act):
                if action and action not in REGISTRY:
                    raise ValueError(f"{self.id}: unknown action {action}")
            if step.call and not REGISTRY[step.call].is_lookup:
                raise ValueError(f"{self.id}: `call` is for look-ups; use `act` for {step.call}")
        return self


FLOWS_DIR = Path(__file__).parent


@cache
def load_flows(directory: Path = FLOWS_DIR) -> dict[str, FlowSpec]:
    """Every flow in the YAML files of ``directory``, validated."""
    flows: dict[str, FlowSpec] = {}
    for path in sorted(directory.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for flow_id, body in raw.items():
            flows[flow_id] = FlowSpec.model_validate({"id": flow_id, **body})
    for flow in flows.values():
        for step in flow.steps:
            target = step.start or (step.on_deny or {}).get("start")
            if target and target not in flows:
                raise ValueError(f"{flow.id}: starts unknown flow {target}")
    return flows


__all__ = ["FlowSpec", "SlotSpec", "Step", "load_flows"]
