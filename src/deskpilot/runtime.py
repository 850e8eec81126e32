"""Wiring: builds the understanding and the assistant from settings."""

from __future__ import annotations

from deskpilot.clock import Clock
from deskpilot.config import Settings
from deskpilot.db.engine import Database
from deskpilot.engine.assistant import Assistant
from deskpilot.engine.understanding import Understanding
from deskpilot.nlu import model as nlu_model
from deskpilot.nlu.embedded import EmbeddedUnderstanding
from deskpilot.nlu.language import LanguageIdentifier


def build_understanding(settings: Settings) -> Understanding:
    """The LLM understanding when ``llm_base_url`` is set (the embedded one as its
    fallback), else the embedded understanding alone."""
    from deskpilot.llm.client import client_from_settings

    embedded = build_embedded_understanding(settings)
    model = client_from_settings(settings)
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
    return Assistant(db, build_understanding(settings), clock=clock)
