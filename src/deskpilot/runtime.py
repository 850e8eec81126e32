"""Wiring: builds the understanding and the assistant from settings."""

from __future__ import annotations

from deskpilot.clock import Clock
from deskpilot.config import Settings
from deskpilot.db.engine import Database
from deskpilot.engine.assistant import Assistant
from deskpilot.nlu import model as nlu_model
from deskpilot.nlu.embedded import EmbeddedUnderstanding
from deskpilot.nlu.language import LanguageIdentifier


def build_understanding(settings: Settings) -> EmbeddedUnderstanding:
    """The embedded understanding with the default model (trained and cached on first use)."""
    classifier = nlu_model.load_default(settings.model_dir)
    return EmbeddedUnderstanding(classifier, language_identifier(settings))


def language_identifier(settings: Settings) -> LanguageIdentifier:
    """The language identifier for the languages the training data covers."""
    model = nlu_model.load_language_model(settings.model_dir)
    return LanguageIdentifier(model, nlu_model.languages())


def build_assistant(settings: Settings, db: Database, clock: Clock | None = None) -> Assistant:
    return Assistant(db, build_understanding(settings), clock=clock)
