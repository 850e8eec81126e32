"""Per-turn context shared by the dialogue engine and the flow runner."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deskpilot.domain.actions import AccountService, Actor
from deskpilot.engine.responses import Responses
from deskpilot.engine.state import Awaiting, DialogueState

_KEY_VAR = re.compile(r"\{([\w.]+)\}")


@dataclass
class Turn:
    """One assistant turn being built: messages out, effects recorded."""

    state: DialogueState
    service: AccountService
    responses: Responses
    actor: Actor
    conversation_id: int
    locale: str
    message: str
    profile: dict[str, Any]
    messages: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    handoff: str | None = None
    ticket_id: int | None = None
    # Minutes until a person replies (None: nobody online); unset: no estimate available.
    wait_estimate: Callable[[], int | None] | None = None

    @property
    def language(self) -> str:
        return self.state.language

    def say(self, key: str, params: dict[str, Any] | None = None) -> None:
        merged = {**self.profile, **(params or {})}
        self.keys.append(key)
        self.messages.append(self.responses.render(key, self.language, self.locale, merged))

    def ask(self, key: str, awaiting: Awaiting, params: dict[str, Any] | None = None) -> None:
        self.state.awaiting = awaiting
        self.say(key, params)


def lookup(params: dict[str, Any], path: str) -> Any:
    """A dotted path into nested dicts/lists ('order.merchant', 'refunds.0.status')."""
    value: Any = params
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def expand_key(key: str, params: dict[str, Any]) -> str:
    """Template keys may name variants: 'order_status.{order.shipping_status}'."""
    return _KEY_VAR.sub(lambda m: str(lookup(params, m.group(1))), key)
