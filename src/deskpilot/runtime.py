"""Wiring: builds the understanding and the assistant from settings."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from deskpilot.clock import Clock
from deskpilot.config import Settings
from deskpilot.db.engine import Database
from deskpilot.engine.assistant import Assistant
from deskpilot.engine.understanding import Understanding
from deskpilot.errors import LLMUnavailable
from deskpilot.nlu import model as nlu_model
from deskpilot.nlu.embedded import EmbeddedUnderstanding
from deskpilot.nlu.language import LanguageIdentifier

if TYPE_CHECKING:
    from deskpilot.llm.client import ChatModel
    from deskpilot.llm.copilot import LlmCopilot


log = logging.getLogger("deskpilot.runtime")


def chat_model(settings: Settings) -> ChatModel | None:
    """The configured language model, or None (none configured, or a base URL that is not
    a URL: then DeskPilot runs on the embedded understanding and says so in the log)."""
    from deskpilot.llm.client import client_from_settings

    try:
        return client_from_settings(settings)
    except LLMUnavailable as exc:
        log.error("LLM mode off: %s", exc.message)
        return None


def build_understanding(settings: Settings) -> Understanding:
    """The LLM understanding when ``llm_base_url`` is set (the embedded one as its
    fallback), else the embedded understanding alone."""
    return _understanding(settings, chat_model(settings))


def _understanding(settings: Settings, model: ChatModel | None) -> Understanding:
    embedded = build_embedded_understanding(settings)
    if model is None:
        return embedded
    from deskpilot.llm.understanding import LLMOptions, LLMUnderstanding

    return LLMUnderstanding(model, embedded, options=LLMOptions.from_settings(settings))


def build_embedded_understanding(settings: Settings) -> EmbeddedUnderstanding:
    """The embedded understanding with the default model (trained and cached on first use)."""
    classifier = nlu_model.load_default(settings.model_dir)
    return EmbeddedUnderstanding(classifier, language_identifier(settings))


def language_identifier(settings: Settings) -> LanguageIdentifier:
    """The language identifier for the languages the training data covers."""
    model = nlu_model.load_language_model(settings.model_dir)
    return LanguageIdentifier(model, nlu_model.languages())


def build_assistant(settings: Settings, db: Database, clock: Clock | None = None) -> Assistant:
    """The assistant; in LLM mode also its grounded help-centre answers and, with
    ``llm_wording``, reworded replies (both checked, both falling back to the templates)."""
    # One client for every use of the model, so one circuit breaker sees all its failures.
    model = chat_model(settings)
    assistant = Assistant(db, _understanding(settings, model), clock=clock)
    if model is not None:
        from deskpilot.llm.knowledge import GroundedAnswerer
        from deskpilot.llm.privacy import Masker
        from deskpilot.llm.wording import Rewriter

        metering = _metering(settings)
        assistant.engine.answerer = GroundedAnswerer(model, Masker(), **metering)
        if settings.llm_wording:
            assistant.engine.rewriter = Rewriter(model, Masker(), **metering)
    return assistant


def build_llm_copilot(settings: Settings, assistant: Assistant) -> LlmCopilot | None:
    """The agent co-pilot's model-drafted summary and replies, in LLM mode, on the same
    model client as the assistant's grounded answers."""
    answerer = assistant.engine.answerer
    if answerer is None:
        return None
    from deskpilot.llm.copilot import LlmCopilot
    from deskpilot.llm.privacy import Masker

    return LlmCopilot(answerer.model, Masker(), **_metering(settings))


def _metering(settings: Settings) -> dict[str, Any]:
    return {
        "budget_tokens": settings.llm_conversation_budget_tokens,
        "price_per_1k_prompt": settings.llm_price_per_1k_prompt,
        "price_per_1k_completion": settings.llm_price_per_1k_completion,
    }
