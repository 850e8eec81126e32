"""The understanding seam: a message (plus state) in, commands out.

Two implementations exist over time: the embedded one (trained models, no LLM) in
:mod:`deskpilot.nlu.embedded`, and an optional LLM one. The engine treats both alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from deskpilot.engine.commands import Command
from deskpilot.engine.state import DialogueState


@dataclass(frozen=True, slots=True)
class MessageContext:
    """What understanding may know besides the text: state and the customer's locale."""

    state: DialogueState
    today: date
    locale: str = "en_US"
    region: str = "US"
    currency: str = "USD"


@dataclass(slots=True)
class Understood:
    """The understanding's output for one message."""

    language: str
    language_switched: bool
    intent: str
    confidence: float
    alternatives: list[tuple[str, float]]
    entities: list[dict[str, Any]]
    commands: list[Command] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "alternatives": [[a, round(c, 4)] for a, c in self.alternatives],
            "entities": self.entities,
            "commands": [c.model_dump() for c in self.commands],
        }


class Understanding(Protocol):
    """Turns a customer message into commands for the dialogue engine."""

    def understand(self, text: str, ctx: MessageContext) -> Understood:
        """Read ``text`` in the light of ``ctx`` and say what the engine should do."""
        ...
