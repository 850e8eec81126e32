"""Fixtures the LLM tests share: the scripted OpenAI-compatible server and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskpilot.llm.client import OpenAICompatibleClient
from tests.llm.scripted_server import ScriptedLLM


@pytest.fixture
def llm() -> Iterator[ScriptedLLM]:
    with ScriptedLLM() as server:
        yield server


@pytest.fixture
def model(llm: ScriptedLLM) -> Iterator[OpenAICompatibleClient]:
    """A client that fails at once (no retries), so fallbacks show in one call."""
    with OpenAICompatibleClient(
        llm.base_url, "m", None, timeout=5, retries=0, backoff=0
    ) as chat_model:
        yield chat_model
