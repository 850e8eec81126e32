"""The scenario suite's format: simulated customers and the outcome each should get."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from deskpilot.domain.markets import LANGUAGES
from deskpilot.seed._builder import ARCHETYPES

SCENARIO_DIR = Path(__file__).parent / "scenarios"


class CustomerSpec(BaseModel):
    """The simulated customer's account, built fresh for every scenario."""

    model_config = ConfigDict(extra="forbid")
    country: str = "GB"
    language: str | None = None  # the language they chat in, when not the market's
    orders: list[str] = Field(default_factory=lambda: ["delivered_recent"])
    card: str = "active"
    verified: bool = True
    seed: int = 7

    @field_validator("language")
    @classmethod
    def _served(cls, v: str | None) -> str | None:
        if v is not None and v not in LANGUAGES:
            raise ValueError(f"unsupported language {v!r}; use one of {LANGUAGES}")
        return v

    @field_validator("orders")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [o for o in v if o not in ARCHETYPES]
        if unknown:
            raise ValueError(f"unknown order archetypes {unknown}; use {ARCHETYPES}")
        return v


class Check(BaseModel):
    """A look-up on the final account state and the value one field must have."""

    model_config = ConfigDict(extra="forbid")
    lookup: str
    args: dict[str, Any] = Field(default_factory=dict)
    path: str
    equals: Any


class ExpectedAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actions: list[ExpectedAction | str] = Field(default_factory=list)
    handoff: bool | str = False
    checks: list[Check] = Field(default_factory=list)
    says: list[str] = Field(default_factory=list)  # template keys that must appear

    def action_specs(self) -> list[ExpectedAction]:
        return [
            a if isinstance(a, ExpectedAction) else ExpectedAction(name=a) for a in self.actions
        ]


class ScriptedTurn(BaseModel):
    """A turn sent while the assistant still waits for an answer (a correction, a switch)."""

    model_config = ConfigDict(extra="forbid")
    say: str | list[str]
    interrupts: bool = True


class Scenario(BaseModel):
    """One simulated customer with a goal, what they know, and the right outcome."""

    model_config = ConfigDict(extra="forbid")
    id: str
    inquiry: str
    language: str = "en"
    persona: str = ""
    goal: str = ""
    customer: CustomerSpec = Field(default_factory=CustomerSpec)
    turns: list[str | list[str] | ScriptedTurn]
    answers: dict[str, Any] = Field(default_factory=dict)
    expect: Expect = Field(default_factory=Expect)
    tags: list[str] = Field(default_factory=list)

    def phrasing(self, index: int, variant: int) -> str:
        turn = self.turns[index]
        if isinstance(turn, ScriptedTurn):
            turn = turn.say
        return turn if isinstance(turn, str) else turn[variant % len(turn)]

    def interrupts(self, index: int) -> bool:
        turn = self.turns[index] if index < len(self.turns) else None
        return isinstance(turn, ScriptedTurn) and turn.interrupts

    def variant_count(self) -> int:
        sizes = [len(t) for t in self.turns if isinstance(t, list)]
        sizes += [
            len(t.say)
            for t in self.turns
            if isinstance(t, ScriptedTurn) and isinstance(t.say, list)
        ]
        return max(sizes or [1])


def load_scenarios(paths: list[Path] | None = None) -> list[Scenario]:
    """Scenarios from YAML files (each a list); the built-in suite by default."""
    return list(_load(tuple(paths or sorted(SCENARIO_DIR.glob("*.yaml")))))


@cache
def _load(paths: tuple[Path, ...]) -> tuple[Scenario, ...]:
    out: list[Scenario] = []
    seen: set[str] = set()
    for path in paths:
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            scenario = Scenario.model_validate(raw)
            if scenario.id in seen:
                raise ValueError(f"{path}: duplicate scenario id {scenario.id}")
            seen.add(scenario.id)
            out.append(scenario)
    return tuple(out)
