"""The action registry: every account action with its typed input and output."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from deskpilot.db.models import Customer
from deskpilot.domain.enums import ActorKind
from deskpilot.domain.policies import RULES

ALL_ACTORS = frozenset(ActorKind)
STAFF_ACTORS = frozenset({ActorKind.AGENT, ActorKind.SYSTEM})


class ActionInput(BaseModel):
    """Base of every action's input: unknown fields are an error, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class ActionOutput(BaseModel):
    """Base of every action's output."""

    model_config = ConfigDict(frozen=True)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, and on whose account. The account never comes from the input."""

    kind: ActorKind
    id: str
    customer_id: int

    @classmethod
    def customer(cls, customer_id: int) -> Actor:
        return cls(ActorKind.CUSTOMER, f"customer:{customer_id}", customer_id)

    @classmethod
    def assistant(cls, customer_id: int, conversation: str = "") -> Actor:
        return cls(ActorKind.ASSISTANT, f"assistant:{conversation}".rstrip(":"), customer_id)

    @classmethod
    def agent(cls, agent_id: str, customer_id: int) -> Actor:
        return cls(ActorKind.AGENT, f"agent:{agent_id}", customer_id)

    @classmethod
    def system(cls, customer_id: int, name: str = "system") -> Actor:
        return cls(ActorKind.SYSTEM, name, customer_id)


@dataclass(slots=True)
class ActionContext:
    """What an action function gets: the open transaction and the locked customer."""

    session: Session
    actor: Actor
    customer: Customer
    now: datetime

    @property
    def today(self) -> date:
        return self.now.date()


InT = TypeVar("InT", bound=ActionInput)
OutT = TypeVar("OutT", bound=ActionOutput)
ActionFn = Callable[[ActionContext, Any], ActionOutput]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """An action's contract: name, description, schemas, who may run it, its rule."""

    name: str
    description: str
    input_model: type[ActionInput]
    output_model: type[ActionOutput]
    fn: ActionFn
    rule: str
    is_lookup: bool
    moves_money: bool
    actors: frozenset[ActorKind]
    works_on_closed_account: bool

    def describe(self) -> dict[str, Any]:
        """The JSON description used by ``deskpilot actions --json`` and LLM tools."""
        return {
            "name": self.name,
            "description": self.description,
            "kind": "lookup" if self.is_lookup else "action",
            "moves_money": self.moves_money,
            "actors": sorted(a.value for a in self.actors),
            "rule": self.rule,
            "input_schema": self.input_model.model_json_schema(),
            "output_schema": self.output_model.model_json_schema(),
        }


REGISTRY: dict[str, ActionSpec] = {}


def action(
    *,
    rule: str,
    lookup: bool = False,
    moves_money: bool = False,
    actors: frozenset[ActorKind] = ALL_ACTORS,
    on_closed_account: bool | None = None,
) -> Callable[[Callable[[ActionContext, InT], OutT]], Callable[[ActionContext, InT], OutT]]:
    """Register a function ``fn(ctx, inp) -> out`` as an account action.

    The description is the function's docstring; schemas come from its annotations.
    """
    if rule not in RULES:
        raise KeyError(f"unknown rule {rule!r}")

    def register(
        fn: Callable[[ActionContext, InT], OutT],
    ) -> Callable[[ActionContext, InT], OutT]:
        hints = fn.__annotations__
        input_model = _resolve(fn, hints["inp"])
        output_model = _resolve(fn, hints["return"])
        name = fn.__name__
        if name in REGISTRY:
            raise KeyError(f"action {name!r} registered twice")
        REGISTRY[name] = ActionSpec(
            name=name,
            description=" ".join((fn.__doc__ or "").split()),
            input_model=input_model,
            output_model=output_model,
            fn=fn,
            rule=rule,
            is_lookup=lookup,
            moves_money=moves_money,
            actors=actors,
            works_on_closed_account=lookup if on_closed_account is None else on_closed_account,
        )
        return fn

    return register


def _resolve(fn: Callable[..., Any], hint: Any) -> Any:
    if isinstance(hint, str):
        return fn.__globals__[hint]
    return hint
