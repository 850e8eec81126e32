"""Optional language-model layer: the ``ChatModel`` seam, an OpenAI-compatible client
with retries and a circuit breaker, and personal-data masking for what is sent."""

from deskpilot.llm._breaker import CircuitBreaker
from deskpilot.llm.client import (
    ChatModel,
    Completion,
    OpenAICompatibleClient,
    client_from_settings,
    cost,
)
from deskpilot.llm.privacy import Masked, Masker

__all__ = [
    "ChatModel",
    "CircuitBreaker",
    "Completion",
    "Masked",
    "Masker",
    "OpenAICompatibleClient",
    "client_from_settings",
    "cost",
]
