"""Language identification with lingua, tuned for short chat messages.

Very short messages ("ja", "ok", "DP-100123") say little about the language, so
the detector only switches away from the conversation's language when the message
has enough words and the detector is confident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

_WORD = re.compile(r"[^\W\d_]{2,}")
SWITCH_MIN_WORDS = 4
SWITCH_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True, slots=True)
class Detected:
    language: str
    confidence: float
    switched: bool


@cache
def _detector(languages: tuple[str, ...]) -> LanguageDetector:
    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in languages]
    return LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()


class LanguageIdentifier:
    """Detects the language of a message among the supported ones."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = tuple(sorted(languages))

    def scores(self, text: str) -> list[tuple[str, float]]:
        """(language, confidence) for the supported languages, best first."""
        if len(self.languages) == 1:
            return [(self.languages[0], 1.0)]
        values = _detector(self.languages).compute_language_confidence_values(text)
        return [(v.language.iso_code_639_1.name.lower(), float(v.value)) for v in values]

    def detect(self, text: str, current: str | None = None) -> Detected:
        """The message's language; stays with ``current`` unless the evidence is strong."""
        words = _WORD.findall(text)
        if not words:
            return Detected(current or self.languages[0], 0.0, False)
        best, conf = self.scores(text)[0]
        if current is None or current not in self.languages:
            return Detected(best, conf, current is not None and best != current)
        if best != current and len(words) >= SWITCH_MIN_WORDS and conf >= SWITCH_MIN_CONFIDENCE:
            return Detected(best, conf, True)
        return Detected(current, conf if best == current else 0.0, False)
